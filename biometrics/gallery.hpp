#pragma once
// 1:N identification: which enrolled permit holders does a probe face look like?
//
// A gallery holds face templates (dlib ResNet descriptors), each labelled with its holder id; a
// holder may have several. search() answers the k nearest *holders* (a holder's distance is
// that of its nearest template), nearest first, with Euclidean distances.
//
// Two galleries with the same search():
// - ExactGallery keeps the float descriptors and scans them all: the reference answer.
// - Gallery is the compact index a border gate uses for a million templates: each descriptor
//   quantised to int8 with its own scale (128 B + 4 B), plus a 32-byte coarse code (the
//   descriptor's first 32 principal components, 6-bit). A query scans the coarse codes (AVX2
//   where the CPU has it), keeps the `shortlist` nearest templates, and re-ranks those with the
//   float probe against their int8 descriptors. Distances come back in float units; they differ
//   from the exact ones by the int8 rounding (well under 0.01). README.md has the measurements.
//   The shortlist can miss a holder the exact scan would rank second; search_exact() is the
//   query a decision uses: it also re-ranks every template the coarse codes cannot rule out
//   within a reach, and ranks the holders near enough to matter by their float templates.
//
// Why the reach is safe: the coarse code is an orthogonal projection (a projection never
// lengthens a vector) plus a rounding whose size build_index() records per template, so
// |code distance| - (probe's rounding + template's rounding) is a lower bound on the int8
// distance, and add() records the largest int8 rounding, which bounds int8 against float.
//
// Thread safety: building (add, build_index) is not thread-safe. Once built, search() is const
// and keeps its scratch space on the stack or in locals: any number of threads may search one
// gallery at once, as long as nobody adds to it meanwhile.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "biometrics/face_types.hpp"

namespace gatesim::biometrics {

struct GalleryMatch {
  std::string holder_id;
  double distance = 0;              // to the holder's nearest template
  std::size_t template_index = 0;   // which template: its position in the order of add()
  friend bool operator==(const GalleryMatch&, const GalleryMatch&) = default;
};

// The float reference: every descriptor kept as it is, every query a full scan.
class ExactGallery {
 public:
  void reserve(std::size_t templates);
  void add(std::string_view holder_id, const FaceDescriptor& descriptor);
  std::size_t size() const { return holders_.size(); }

  // ensures: at most k matches with distinct holder ids, by ascending distance (ties: the
  //          earlier template first).
  std::vector<GalleryMatch> search(const FaceDescriptor& probe, std::size_t k) const;

 private:
  std::vector<FaceDescriptor> descriptors_;
  std::vector<std::string> holders_;
};

struct GalleryOptions {
  // Templates the coarse pass hands to the exact re-ranking. More: closer to exact, slower.
  std::size_t shortlist = 512;
  // Templates (evenly spaced) the coarse projection (PCA) is fitted on; all when fewer.
  std::size_t training_sample = 20000;
};

class Gallery {
 public:
  explicit Gallery(GalleryOptions options = {});

  void reserve(std::size_t templates);

  // requires: every element of descriptor is finite.
  // ensures: size() grows by one; the index is stale (index_is_current() is false) until
  //          build_index().
  // Holder ids cost memory once per run of consecutive templates of the same holder, so add a
  // holder's templates together (the enrolment store does).
  void add(std::string_view holder_id, const FaceDescriptor& descriptor);

  // ensures: index_is_current(). Fits the coarse projection on a seeded sample of the
  //          templates and codes them all. Deterministic for the same templates and options.
  void build_index();
  bool index_is_current() const { return coarse_.size() == size() * kCoarseDims; }

  std::size_t size() const { return scales_.size(); }
  // ensures: the bytes this gallery holds (capacity of all its buffers, ids included).
  std::size_t memory_bytes() const;

  // requires: index_is_current() (throws std::logic_error otherwise).
  // ensures: as ExactGallery::search, through the coarse pass and re-ranking described above.
  std::vector<GalleryMatch> search(const FaceDescriptor& probe, std::size_t k) const;

  // The float templates of a holder (the enrolment store's), for the exact ranking.
  using TemplatesOf = std::function<std::vector<FaceDescriptor>(const std::string& holder_id)>;

  // requires: index_is_current(); reach >= 0; templates_of(h) gives holder h's templates as added.
  // ensures: at most k matches with distinct holders, nearest first, where every holder with a
  //          template within `reach` of the probe (float distance) is among them at its exact
  //          float distance (as ExactGallery::search), whatever the shortlist held. Holders
  //          the int8 distance places beyond the reach come after them, as in search(). So a
  //          decision that reads the nearest two against a threshold and a margin (reach =
  //          threshold + margin) is the exact scan's. `template_index` stays the one the
  //          compact index found nearest.
  // Cost: the coarse bound is loose where the 32 coarse dimensions hold little of the
  // descriptors' spread; on the synthetic descriptors it rules out few templates and the query
  // costs about an exact scan (README). `gatesim identify` uses it; the lane keeps search().
  std::vector<GalleryMatch> search_exact(const FaceDescriptor& probe, std::size_t k, double reach,
                                         const TemplatesOf& templates_of) const;

  // ensures: the templates search_exact() re-ranked besides the shortlist in its last call on
  //          this thread (how often the reach mattered; for the benchmark).
  static std::size_t last_reach_extra();

  static constexpr std::size_t kCoarseDims = 32;

 private:
  // ensures: the shortlist's templates and (reach >= 0) every template the coarse bound cannot
  //          place beyond `reach` by the int8 distance, ascending, without repeats.
  std::vector<std::uint32_t> candidates(const FaceDescriptor& probe, double reach) const;
  std::vector<GalleryMatch> rerank(const FaceDescriptor& probe, const std::vector<std::uint32_t>& templates,
                                   std::size_t k) const;
  std::string_view holder_of(std::size_t template_index) const;
  void project_coarse(const float* descriptor, float* out) const;       // 128 -> kCoarseDims
  void quantise_coarse(const float* projected, std::int8_t* out) const;  // -> [-63, 63]
  float coarse_rounding(const float* projected, const std::int8_t* code) const;  // |code - scaled projection|
  float squared_int8_distance(const FaceDescriptor& probe, std::uint32_t template_index) const;

  GalleryOptions options_;
  std::vector<std::int8_t> codes_;      // size() x 128: round(descriptor / scale)
  std::vector<float> scales_;           // per template: max |element| / 127
  std::vector<std::int8_t> coarse_;     // size() x 32: PCA projection in [-63, 63]
  std::vector<float> coarse_error_;     // per template: |code - scaled projection|, in code units
  float coarse_error_max_ = 0;
  float rounding_error_max_ = 0;        // largest |descriptor - scale * code| of any template
  std::vector<std::uint32_t> holder_of_template_;
  std::vector<char> holder_text_;       // every distinct run's id, back to back
  std::vector<std::uint32_t> holder_start_;  // offsets into holder_text_, one past the end last
  // The coarse projection: coarse = round(coarse_scale * (components * (x - mean))).
  std::vector<float> mean_;
  std::vector<float> components_;       // kCoarseDims x 128, row-major
  float coarse_scale_ = 1;
};

}  // namespace gatesim::biometrics

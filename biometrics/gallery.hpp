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
//   quantised to int8 with its own scale (128 B + 4 B), plus a 64-dimension coarse code (the
//   descriptor's first 64 principal components, 6-bit) kept as two planes of 32 bytes. A query
//   scans the first plane (AVX2 where the CPU has it), keeps the `shortlist` nearest templates,
//   and re-ranks those with the float probe against their int8 descriptors. Distances come back
//   in float units; they differ from the exact ones by the int8 rounding (well under 0.01).
//   docs/performance-faces.md has the measurements.
//   The shortlist can miss a holder the exact scan would rank second. identify() is the query a
//   decision uses: its nearest holder and everyone the margin check could read are the exact
//   scan's, look-alikes included; search_exact() is the same guarantee for a fixed reach.
//
// Why those are exact: the coarse code is an orthogonal projection (a projection never
// lengthens a vector) plus a rounding whose size build_index() records per template, so
// |code distance| - (probe's rounding + template's rounding) is a lower bound on the int8
// distance (over both planes' 64 dimensions); add()
// records the largest int8 rounding, which bounds int8 against float. A template the bounds
// cannot place beyond the reach is re-ranked by its int8 distance, and the holders that leaves
// within reach by their float templates (the enrolment store's). search() reads only the first
// plane.
//
// Thread safety: building (add, build_index) is not thread-safe. Once built, the searches are
// const and keep their scratch space in locals or per thread: any number of threads may search
// one gallery at once, as long as nobody adds to it meanwhile.

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

  // What an exact query did, for the benchmark and the tests.
  struct QueryStats {
    double reach = 0;               // the last reach the bounds were tested against (float units)
    std::size_t coarse_left = 0;    // templates the coarse bounds could not rule out (int8-ranked)
    std::size_t holders_exact = 0;  // holders ranked by their float templates
  };

  // requires: index_is_current(); reach >= 0; templates_of(h) gives holder h's templates as added.
  // ensures: at most k matches with distinct holders, nearest first, where every holder with a
  //          template within `reach` of the probe (float distance) is among them at its exact
  //          float distance (as ExactGallery::search), whatever the shortlist held. Holders
  //          the int8 distance places beyond the reach come after them, as in search().
  //          `template_index` stays the one the compact index found nearest.
  std::vector<GalleryMatch> search_exact(const FaceDescriptor& probe, std::size_t k, double reach,
                                         const TemplatesOf& templates_of, QueryStats* stats = nullptr) const;

  // The document-free channel's query: the nearest two holders as the identification decision
  // (gate::judge_identification: nearest < threshold, runner-up at least `margin` further)
  // reads them.
  // requires: index_is_current(); threshold >= 0; margin >= 0; templates_of as above.
  // ensures: at most two matches, nearest first, such that
  //          - the first is the exact scan's nearest holder at its exact distance whenever that
  //            distance is below `threshold`; otherwise every match is at or beyond `threshold`;
  //          - any holder within `margin` of that nearest one is the second, at its exact
  //            distance; otherwise the second (if any) is at least `margin` further.
  //          So the decision is the exact scan's. Cost: the reach tested is the nearest's
  //          distance (or the threshold, when nobody is that near) plus the margin, not the
  //          threshold plus the margin: a mated probe's is the tighter.
  std::vector<GalleryMatch> identify(const FaceDescriptor& probe, double threshold, double margin,
                                     const TemplatesOf& templates_of, QueryStats* stats = nullptr) const;

  static constexpr std::size_t kCoarseDims = 32;  // per plane
  static constexpr std::size_t kCoarsePlanes = 2;

 private:
  struct Scan;  // one query's coarse codes, scores and shortlist (gallery.cpp)
  // ensures: this thread's Scan, reused by its exact queries (its scores are 8 MB at 1M templates).
  static Scan& scratch_scan();

  // ensures: scan holds the probe's coarse code and the shortlist (by the first plane); with
  //          keep_scores, every template's score over both planes too.
  void scan(const FaceDescriptor& probe, Scan& scan, bool keep_scores) const;
  // requires: scan(probe, scan, true).
  // ensures: every template the coarse bounds cannot place beyond `int8_reach` by the int8
  //          distance, ascending.
  std::vector<std::uint32_t> within(const Scan& scan, double int8_reach, QueryStats* stats) const;
  // ensures: the holders of `templates` whose int8 distance is within `int8_reach`, each at its
  //          exact float distance (templates_of), nearest first.
  std::vector<GalleryMatch> exact_holders(const FaceDescriptor& probe, const std::vector<std::uint32_t>& templates,
                                          double int8_reach, const TemplatesOf& templates_of) const;
  // ensures: `near` (already exact, nearest first) followed by the nearest holders of the
  //          `offered` templates not in it, by the int8 distance, as search() ranks them; at most k.
  std::vector<GalleryMatch> merge(const FaceDescriptor& probe, std::vector<GalleryMatch> near,
                                  const std::vector<std::uint32_t>& offered, std::size_t k) const;
  std::vector<GalleryMatch> rerank(const FaceDescriptor& probe, const std::vector<std::uint32_t>& templates,
                                   std::size_t k) const;
  std::string_view holder_of(std::size_t template_index) const;
  static constexpr std::size_t kProjected = kCoarseDims * kCoarsePlanes;
  void project_coarse(const float* descriptor, float* out) const;       // 128 -> kProjected
  void quantise_coarse(const float* projected, std::int8_t* out) const;  // kProjected -> [-63, 63]
  // ensures: |code - scaled projection| over dimensions [from, to).
  float coarse_rounding(const float* projected, const std::int8_t* code, std::size_t from, std::size_t to) const;
  float squared_int8_distance(const FaceDescriptor& probe, std::uint32_t template_index) const;

  GalleryOptions options_;
  std::vector<std::int8_t> codes_;      // size() x 128: round(descriptor / scale)
  std::vector<float> scales_;           // per template: max |element| / 127
  std::vector<std::int8_t> coarse_;     // size() x 32: PCA components 0-31 in [-63, 63]
  std::vector<std::int8_t> coarse2_;    // size() x 32: PCA components 32-63, read only past coarse_
  std::vector<float> coarse_error_;     // per template: |code - scaled projection| over all 64, in code units
  float coarse_error_max_ = 0;
  float rounding_error_max_ = 0;        // largest |descriptor - scale * code| of any template
  std::vector<std::uint32_t> holder_of_template_;
  std::vector<char> holder_text_;       // every distinct run's id, back to back
  std::vector<std::uint32_t> holder_start_;  // offsets into holder_text_, one past the end last
  // The coarse projection: coarse = round(coarse_scale * (components * (x - mean))).
  std::vector<float> mean_;
  std::vector<float> components_;       // kProjected x 128, row-major
  float coarse_scale_ = 1;
};

}  // namespace gatesim::biometrics

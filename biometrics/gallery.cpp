#include "biometrics/gallery.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>
#include <utility>

#include <immintrin.h>

#include <dlib/matrix.h>

namespace gatesim::biometrics {
namespace {

constexpr int kCoarseLimit = 63;  // 6-bit coarse codes: a difference fits int8, its square int16 pairs
constexpr std::size_t kScoreBlock = 1024;
// The kernels below have an AVX2 version, chosen at run time, and a portable one.
bool has_avx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

// How far ahead of the template being scored its codes are fetched into the cache: two score
// blocks, the best of 256, 1,024 and 2,048 measured (docs/performance-faces.md).
constexpr std::size_t kPrefetchAhead = 2048;

// Fetches into the cache the codes of the eight templates kPrefetchAhead after template t of a
// plane, if it has them (`readable` templates from `plane` on).
inline void prefetch_ahead(const std::int8_t* plane, std::size_t t, std::size_t readable) {
  if (t + kPrefetchAhead + 8 > readable) return;
  const std::int8_t* from = plane + (t + kPrefetchAhead) * Gallery::kCoarseDims;
  for (std::size_t byte = 0; byte < 8 * Gallery::kCoarseDims; byte += 64)
    _mm_prefetch(reinterpret_cast<const char*>(from + byte), _MM_HINT_T0);
}

// The k nearest distinct holders among the templates offered so far (distance, then template
// index, ascending). A holder whose entry fell off the end comes back if a nearer template of
// theirs is offered later, so the result is the k holders with the smallest minimum distance.
template <typename HolderOf>
class NearestHolders {
 public:
  struct Entry {
    double key;
    std::size_t template_index;
    friend auto operator<=>(const Entry&, const Entry&) = default;
  };

  NearestHolders(std::size_t k, HolderOf holder_of) : k_(k), holder_of_(std::move(holder_of)) {}

  // `key` is any increasing function of the distance (the squared distance while scanning).
  void offer(double key, std::size_t template_index) {
    const Entry entry{key, template_index};
    if (k_ == 0 || (entries_.size() == k_ && !(entry < entries_.back()))) return;
    const std::string_view holder = holder_of_(template_index);
    auto same = std::find_if(entries_.begin(), entries_.end(),
                             [&](const Entry& e) { return holder_of_(e.template_index) == holder; });
    if (same != entries_.end()) {
      if (!(entry < *same)) return;
      entries_.erase(same);
    }
    entries_.insert(std::upper_bound(entries_.begin(), entries_.end(), entry), entry);
    if (entries_.size() > k_) entries_.pop_back();
  }

  // ensures: the matches, each with distance(entry) as its distance.
  template <typename Distance>
  std::vector<GalleryMatch> matches(Distance distance) const {
    std::vector<GalleryMatch> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_)
      out.push_back({std::string(holder_of_(e.template_index)), distance(e), e.template_index});
    return out;
  }

 private:
  std::size_t k_;
  HolderOf holder_of_;
  std::vector<Entry> entries_;
};

float squared_distance(const float* a, const float* b) {
  float sum = 0;
  for (std::size_t i = 0; i < kDescriptorSize; ++i) {
    const float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

// Each template's total from `one(t)`, its eight int32 partial sums, for t < count, into out[t].
// `prefetch(t)` fetches the codes of later templates (prefetch_ahead): the caller's work on a
// block's scores stops the loads, and with them the hardware prefetcher, so without it every
// block starts by waiting for memory.
template <typename PartialSums, typename Prefetch>
__attribute__((target("avx2"))) inline void store_totals(const PartialSums& one, const Prefetch& prefetch,
                                                         std::size_t count, std::int32_t* out) {
  std::size_t t = 0;
  for (; t + 8 <= count; t += 8) {
    prefetch(t);
    // Eight templates at once: two levels of hadd leave per-lane sums of templates 0-3 and
    // 4-7; adding the two 128-bit lanes finishes them.
    const __m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(one(t), one(t + 1)), _mm256_hadd_epi32(one(t + 2), one(t + 3)));
    const __m256i b = _mm256_hadd_epi32(_mm256_hadd_epi32(one(t + 4), one(t + 5)), _mm256_hadd_epi32(one(t + 6), one(t + 7)));
    const __m256i sums =
        _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + t), sums);
  }
  for (; t < count; ++t) {
    alignas(32) std::int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), one(t));
    out[t] = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
  }
}

// Coarse scores: for each of `count` templates, the squared distance between its coarse code
// and the probe's. Codes are in [-63, 63], so a difference fits int8 and a sum of two squares
// fits int16: AVX2 does 32 dimensions in five instructions.
// `readable`: the templates from `codes` on (at least count), for the prefetch.
__attribute__((target("avx2"))) void coarse_scores_avx2(const std::int8_t* codes, std::size_t count, std::size_t readable,
                                                        const std::int8_t* probe, std::int32_t* out) {
  const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(probe));
  const __m256i ones = _mm256_set1_epi16(1);
  auto one = [&](std::size_t t) __attribute__((target("avx2"))) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + t * Gallery::kCoarseDims));
    const __m256i d = _mm256_abs_epi8(_mm256_sub_epi8(q, c));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(d, d), ones);  // 8 partial sums
  };
  store_totals(one, [&](std::size_t t) { prefetch_ahead(codes, t, readable); }, count, out);
}

void coarse_scores_portable(const std::int8_t* codes, std::size_t count, std::size_t /*readable*/,
                            const std::int8_t* probe, std::int32_t* out) {
  for (std::size_t t = 0; t < count; ++t) {
    std::int32_t sum = 0;
    for (std::size_t i = 0; i < Gallery::kCoarseDims; ++i) {
      const std::int32_t d = probe[i] - codes[t * Gallery::kCoarseDims + i];
      sum += d * d;
    }
    out[t] = sum;
  }
}

// The same over both planes (64 dimensions) in one pass: the second plane's partial sums join
// the first's before the horizontal adds, so the second plane costs its loads and three
// instructions per template.
__attribute__((target("avx2"))) void coarse_scores_both_avx2(const std::int8_t* first, const std::int8_t* second,
                                                             std::size_t count, std::size_t readable,
                                                             const std::int8_t* probe, std::int32_t* out) {
  const __m256i q1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(probe));
  const __m256i q2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(probe + Gallery::kCoarseDims));
  const __m256i ones = _mm256_set1_epi16(1);
  auto one = [&](std::size_t t) __attribute__((target("avx2"))) {
    const __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(first + t * Gallery::kCoarseDims));
    const __m256i c2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(second + t * Gallery::kCoarseDims));
    const __m256i d1 = _mm256_abs_epi8(_mm256_sub_epi8(q1, c1));
    const __m256i d2 = _mm256_abs_epi8(_mm256_sub_epi8(q2, c2));
    // Each maddubs pair sum is at most 2 * 126^2 = 31,752: two of them still fit int16 only
    // after madd widens them, so the planes are added as int32.
    return _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(d1, d1), ones),
                            _mm256_madd_epi16(_mm256_maddubs_epi16(d2, d2), ones));
  };
  const auto prefetch = [&](std::size_t t) {
    prefetch_ahead(first, t, readable);
    prefetch_ahead(second, t, readable);
  };
  store_totals(one, prefetch, count, out);
}

void coarse_scores_both(const std::int8_t* first, const std::int8_t* second, std::size_t count, std::size_t readable,
                        const std::int8_t* probe, std::int32_t* out) {
  if (has_avx2()) return coarse_scores_both_avx2(first, second, count, readable, probe, out);
  std::vector<std::int32_t> more(count);
  coarse_scores_portable(first, count, readable, probe, out);
  coarse_scores_portable(second, count, readable, probe + Gallery::kCoarseDims, more.data());
  for (std::size_t t = 0; t < count; ++t) out[t] += more[t];
}

void coarse_scores(const std::int8_t* codes, std::size_t count, std::size_t readable, const std::int8_t* probe,
                   std::int32_t* out) {
  (has_avx2() ? coarse_scores_avx2 : coarse_scores_portable)(codes, count, readable, probe, out);
}

// ensures: the first t in [from, n) with scores[t] <= limit, or n.
__attribute__((target("avx2"))) std::size_t next_at_most_avx2(const std::int32_t* scores, std::size_t from, std::size_t n,
                                                              std::int32_t limit) {
  const __m256i above = _mm256_set1_epi32(limit);
  std::size_t t = from;
  for (; t + 8 <= n; t += 8) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(scores + t));
    if (_mm256_movemask_epi8(_mm256_cmpgt_epi32(v, above)) != -1) break;  // some lane <= limit
  }
  while (t < n && scores[t] > limit) ++t;
  return t;
}

std::size_t next_at_most_portable(const std::int32_t* scores, std::size_t from, std::size_t n, std::int32_t limit) {
  while (from < n && scores[from] > limit) ++from;
  return from;
}

std::size_t next_at_most(const std::int32_t* scores, std::size_t from, std::size_t n, std::int32_t limit) {
  return (has_avx2() ? next_at_most_avx2 : next_at_most_portable)(scores, from, n, limit);
}

}  // namespace

// ---- ExactGallery -------------------------------------------------------------------------

void ExactGallery::reserve(std::size_t templates) {
  descriptors_.reserve(templates);
  holders_.reserve(templates);
}

void ExactGallery::add(std::string_view holder_id, const FaceDescriptor& descriptor) {
  descriptors_.push_back(descriptor);
  holders_.emplace_back(holder_id);
}

std::vector<GalleryMatch> ExactGallery::search(const FaceDescriptor& probe, std::size_t k) const {
  auto holder_of = [this](std::size_t t) { return std::string_view(holders_[t]); };
  NearestHolders<decltype(holder_of)> nearest(k, holder_of);
  // Ranked by the float squared distance (the scan vectorises); the reported distance is
  // recomputed exactly as Matcher does.
  for (std::size_t t = 0; t < descriptors_.size(); ++t)
    nearest.offer(squared_distance(probe.data(), descriptors_[t].data()), t);
  return nearest.matches([&](const auto& e) { return descriptor_distance(probe, descriptors_[e.template_index]); });
}

// ---- Gallery ------------------------------------------------------------------------------

Gallery::Gallery(GalleryOptions options) : options_(options) {}

void Gallery::reserve(std::size_t templates) {
  codes_.reserve(templates * kDescriptorSize);
  scales_.reserve(templates);
  coarse_.reserve(templates * kCoarseDims);
  holder_of_template_.reserve(templates);
}

void Gallery::add(std::string_view holder_id, const FaceDescriptor& descriptor) {
  float largest = 0;
  for (float x : descriptor) largest = std::max(largest, std::abs(x));
  const float scale = largest > 0 ? largest / 127.0f : 1.0f;
  float rounding = 0;
  for (float x : descriptor) {
    const auto code = static_cast<std::int8_t>(std::lround(x / scale));
    codes_.push_back(code);
    rounding += (x - scale * code) * (x - scale * code);
  }
  rounding_error_max_ = std::max(rounding_error_max_, std::sqrt(rounding));
  // A run of templates of one holder shares one copy of the id.
  if (holder_of_template_.empty() || holder_of(holder_of_template_.size() - 1) != holder_id) {
    if (holder_start_.empty()) holder_start_.push_back(0);
    holder_text_.insert(holder_text_.end(), holder_id.begin(), holder_id.end());
    holder_start_.push_back(static_cast<std::uint32_t>(holder_text_.size()));
  }
  holder_of_template_.push_back(static_cast<std::uint32_t>(holder_start_.size() - 2));
  scales_.push_back(scale);
}

std::string_view Gallery::holder_of(std::size_t template_index) const {
  const std::uint32_t h = holder_of_template_[template_index];
  return {holder_text_.data() + holder_start_[h], holder_start_[h + 1] - holder_start_[h]};
}

void Gallery::build_index() {
  const std::size_t n = size();
  auto element = [&](std::size_t t, std::size_t i) { return scales_[t] * codes_[t * kDescriptorSize + i]; };
  // The sample: evenly spaced templates, so the fit is deterministic and spans the gallery.
  const std::size_t sample = std::min(n, std::max<std::size_t>(options_.training_sample, 1));
  std::vector<std::size_t> chosen;
  for (std::size_t s = 0; s < sample; ++s) chosen.push_back(s * n / sample);

  dlib::matrix<double> mean = dlib::zeros_matrix<double>(kDescriptorSize, 1);
  for (std::size_t t : chosen)
    for (std::size_t i = 0; i < kDescriptorSize; ++i) mean(i) += element(t, i);
  if (!chosen.empty()) mean /= static_cast<double>(chosen.size());
  dlib::matrix<double> covariance = dlib::zeros_matrix<double>(kDescriptorSize, kDescriptorSize);
  dlib::matrix<double> centred(kDescriptorSize, 1);
  for (std::size_t t : chosen) {
    for (std::size_t i = 0; i < kDescriptorSize; ++i) centred(i) = element(t, i) - mean(i);
    covariance += centred * dlib::trans(centred);
  }
  // Principal components: the directions the templates spread most along keep most of their
  // distances in a few numbers.
  dlib::eigenvalue_decomposition<dlib::matrix<double>> eigen(dlib::make_symmetric(covariance));
  const dlib::matrix<double> values = eigen.get_real_eigenvalues();
  const dlib::matrix<double> vectors = eigen.get_pseudo_v();
  std::vector<long> order(kDescriptorSize);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<long>(i);
  std::stable_sort(order.begin(), order.end(), [&](long a, long b) { return values(a) > values(b); });
  mean_.assign(kDescriptorSize, 0);
  for (std::size_t i = 0; i < kDescriptorSize; ++i) mean_[i] = static_cast<float>(mean(i));
  components_.assign(kProjected * kDescriptorSize, 0);
  for (std::size_t c = 0; c < kProjected; ++c)
    for (std::size_t i = 0; i < kDescriptorSize; ++i)
      components_[c * kDescriptorSize + i] = static_cast<float>(vectors(static_cast<long>(i), order[c]));

  // One scale for every coarse dimension keeps the projection's geometry: the sample's largest
  // coordinate maps to the code limit, and a rare larger one elsewhere is clamped.
  float projected[kProjected];
  auto project = [&](std::size_t t) {
    float x[kDescriptorSize];
    for (std::size_t i = 0; i < kDescriptorSize; ++i) x[i] = element(t, i);
    project_coarse(x, projected);
  };
  float largest = 0;
  for (std::size_t t : chosen) {
    project(t);
    for (float p : projected) largest = std::max(largest, std::abs(p));
  }
  coarse_scale_ = largest > 0 ? kCoarseLimit / largest : 1.0f;
  coarse_.resize(n * kCoarseDims);
  coarse2_.resize(n * kCoarseDims);
  coarse_error_.resize(n);
  coarse_error_max_ = 0;
  for (std::size_t t = 0; t < n; ++t) {
    project(t);
    std::int8_t code[kProjected];
    quantise_coarse(projected, code);
    std::copy(code, code + kCoarseDims, coarse_.data() + t * kCoarseDims);
    std::copy(code + kCoarseDims, code + kProjected, coarse2_.data() + t * kCoarseDims);
    coarse_error_[t] = coarse_rounding(projected, code, 0, kProjected);
    coarse_error_max_ = std::max(coarse_error_max_, coarse_error_[t]);
  }
}

void Gallery::project_coarse(const float* descriptor, float* out) const {
  float centred[kDescriptorSize];
  for (std::size_t i = 0; i < kDescriptorSize; ++i) centred[i] = descriptor[i] - mean_[i];
  for (std::size_t c = 0; c < kProjected; ++c) {
    const float* row = components_.data() + c * kDescriptorSize;
    float sum = 0;
    for (std::size_t i = 0; i < kDescriptorSize; ++i) sum += row[i] * centred[i];
    out[c] = sum;
  }
}

void Gallery::quantise_coarse(const float* projected, std::int8_t* out) const {
  for (std::size_t c = 0; c < kProjected; ++c)
    out[c] = static_cast<std::int8_t>(
        std::clamp(std::lround(coarse_scale_ * projected[c]), long{-kCoarseLimit}, long{kCoarseLimit}));
}

float Gallery::coarse_rounding(const float* projected, const std::int8_t* code, std::size_t from,
                               std::size_t to) const {
  float sum = 0;
  for (std::size_t c = from; c < to; ++c) {
    const float d = coarse_scale_ * projected[c] - code[c];
    sum += d * d;
  }
  return std::sqrt(sum);
}

std::size_t Gallery::memory_bytes() const {
  return sizeof(*this) + codes_.capacity() + scales_.capacity() * sizeof(float) + coarse_.capacity() + coarse2_.capacity() +
         coarse_error_.capacity() * sizeof(float) +
         holder_of_template_.capacity() * sizeof(std::uint32_t) + holder_text_.capacity() +
         holder_start_.capacity() * sizeof(std::uint32_t) + (mean_.capacity() + components_.capacity()) * sizeof(float);
}

struct Gallery::Scan {
  float projected[kProjected];
  alignas(32) std::int8_t query[kProjected];
  float rounding_both = 0;               // the probe's code rounding over both planes
  std::vector<std::int32_t> scores_both;  // both planes' score of every template (keep_scores)
  std::vector<std::uint32_t> shortlist;         // ascending
};

// The exact queries' scores, one set per thread, reused: a million templates' scores are 8 MB,
// and allocating them afresh each query costs more in page faults than the scan itself.
Gallery::Scan& Gallery::scratch_scan() {
  thread_local Scan scan;
  return scan;
}

void Gallery::scan(const FaceDescriptor& probe, Scan& scan, bool keep_scores) const {
  if (!index_is_current()) throw std::logic_error("Gallery::search before build_index()");
  project_coarse(probe.data(), scan.projected);
  quantise_coarse(scan.projected, scan.query);
  scan.rounding_both = coarse_rounding(scan.projected, scan.query, 0, kProjected);
  if (keep_scores) scan.scores_both.resize(size());
  // The shortlist: a max-heap of the best (score, template) pairs seen so far. Templates come in
  // ascending order, so a later template with an equal score never displaces an earlier one.
  const std::size_t shortlist = std::max<std::size_t>(options_.shortlist, 1);
  std::priority_queue<std::pair<std::int32_t, std::uint32_t>> best;
  std::int32_t worst = std::numeric_limits<std::int32_t>::max();
  std::int32_t block[kScoreBlock];
  for (std::size_t start = 0; start < size(); start += kScoreBlock) {
    const std::size_t count = std::min(kScoreBlock, size() - start);
    // The exact queries score both planes (and shortlist by them: nearer to the int8 order).
    std::int32_t* scores = keep_scores ? scan.scores_both.data() + start : block;
    if (keep_scores)
      coarse_scores_both(coarse_.data() + start * kCoarseDims, coarse2_.data() + start * kCoarseDims, count,
                         size() - start, scan.query, scores);
    else
      coarse_scores(coarse_.data() + start * kCoarseDims, count, size() - start, scan.query, scores);
    for (std::size_t j = next_at_most(scores, 0, count, worst - 1); j < count;
         j = next_at_most(scores, j + 1, count, worst - 1)) {
      best.emplace(scores[j], static_cast<std::uint32_t>(start + j));
      if (best.size() > shortlist) best.pop();
      if (best.size() == shortlist) worst = best.top().first;
    }
  }
  scan.shortlist.clear();
  for (; !best.empty(); best.pop()) scan.shortlist.push_back(best.top().second);
  std::sort(scan.shortlist.begin(), scan.shortlist.end());
}

std::vector<std::uint32_t> Gallery::within(const Scan& scan, double int8_reach, QueryStats* stats) const {
  // Within the reach: code distance <= scale * reach + both roundings (see the header), with a
  // little room for the float sums. `limit` is the test with the largest rounding of any
  // template, as an integer, so nearly every template is ruled out eight at a time.
  const float base = coarse_scale_ * static_cast<float>(int8_reach) * 1.0001f + 0.01f + scan.rounding_both;
  const auto limit = static_cast<std::int32_t>(std::ceil((base + coarse_error_max_) * (base + coarse_error_max_)));
  std::vector<std::uint32_t> out;
  const std::int32_t* scores = scan.scores_both.data();
  for (std::size_t t = next_at_most(scores, 0, size(), limit); t < size(); t = next_at_most(scores, t + 1, size(), limit)) {
    const float limit_t = base + coarse_error_[t];
    if (static_cast<float>(scores[t]) <= limit_t * limit_t) out.push_back(static_cast<std::uint32_t>(t));
  }
  if (stats) {
    stats->reach = int8_reach - rounding_error_max_;
    stats->coarse_left = out.size();
  }
  return out;
}

std::vector<GalleryMatch> Gallery::exact_holders(const FaceDescriptor& probe, const std::vector<std::uint32_t>& templates,
                                                 double int8_reach, const TemplatesOf& templates_of) const {
  const double int8_reach_squared = int8_reach * int8_reach;
  std::vector<GalleryMatch> near;
  auto is_near = [&](std::string_view id) {
    return std::any_of(near.begin(), near.end(), [&](const GalleryMatch& m) { return m.holder_id == id; });
  };
  for (std::uint32_t t : templates) {
    if (squared_int8_distance(probe, t) > int8_reach_squared || is_near(holder_of(t))) continue;
    GalleryMatch match{std::string(holder_of(t)), std::numeric_limits<double>::infinity(), t};
    for (const auto& exact : templates_of(match.holder_id))
      match.distance = std::min(match.distance, descriptor_distance(probe, exact));
    near.push_back(std::move(match));
  }
  std::stable_sort(near.begin(), near.end(),
                   [](const GalleryMatch& a, const GalleryMatch& b) { return a.distance < b.distance; });
  return near;
}

std::vector<GalleryMatch> Gallery::merge(const FaceDescriptor& probe, std::vector<GalleryMatch> near,
                                         const std::vector<std::uint32_t>& offered, std::size_t k) const {
  auto is_near = [&](std::string_view id) {
    return std::any_of(near.begin(), near.end(), [&](const GalleryMatch& m) { return m.holder_id == id; });
  };
  auto holder = [this](std::size_t t) { return holder_of(t); };
  NearestHolders<decltype(holder)> others(k, holder);
  for (std::uint32_t t : offered)
    if (!is_near(holder_of(t))) others.offer(squared_int8_distance(probe, t), t);
  for (auto& other : others.matches([](const auto& e) { return std::sqrt(e.key); })) near.push_back(std::move(other));
  if (near.size() > k) near.resize(k);
  return near;
}

std::vector<GalleryMatch> Gallery::search(const FaceDescriptor& probe, std::size_t k) const {
  Scan s;
  scan(probe, s, false);
  return rerank(probe, s.shortlist, k);
}

std::vector<GalleryMatch> Gallery::search_exact(const FaceDescriptor& probe, std::size_t k, double reach,
                                                const TemplatesOf& templates_of, QueryStats* stats) const {
  assert(reach >= 0);
  Scan& s = scratch_scan();
  scan(probe, s, true);
  // A template within `reach` by the float distance is within reach + rounding by the int8 one
  // (and room for the float sums).
  const double int8_reach = reach + rounding_error_max_ + 1e-4;
  std::vector<std::uint32_t> near = within(s, int8_reach, stats);
  std::vector<GalleryMatch> exact = exact_holders(probe, near, int8_reach, templates_of);
  if (stats) stats->holders_exact = exact.size();
  // The others as search() would rank them, from the shortlist and the templates within reach.
  near.insert(near.end(), s.shortlist.begin(), s.shortlist.end());
  return merge(probe, std::move(exact), near, k);
}

std::vector<GalleryMatch> Gallery::identify(const FaceDescriptor& probe, double threshold, double margin,
                                            const TemplatesOf& templates_of, QueryStats* stats) const {
  assert(threshold >= 0 && margin >= 0);
  Scan& s = scratch_scan();
  scan(probe, s, true);
  // The shortlist ranked once, three holders deep: the answer holds two, and at most one of
  // these can be among the exact ones below when fewer than two are (see the end).
  const std::vector<GalleryMatch> ranked = rerank(probe, s.shortlist, 3);
  // An upper bound on the nearest holder's distance: the shortlist's nearest, exactly.
  double upper = std::numeric_limits<double>::infinity();
  if (!ranked.empty())
    for (const auto& exact : templates_of(ranked[0].holder_id)) upper = std::min(upper, descriptor_distance(probe, exact));
  const auto exact_within = [&](double reach, std::vector<std::uint32_t>& templates) {
    const double int8_reach = reach + rounding_error_max_ + 1e-4;
    templates = within(s, int8_reach, stats);
    auto holders = exact_holders(probe, templates, int8_reach, templates_of);
    if (stats) stats->holders_exact = holders.size();
    return holders;
  };
  std::vector<std::uint32_t> templates;
  std::vector<GalleryMatch> near;
  if (upper < threshold) {
    // The nearest is at most `upper`: everyone the margin check could read is within upper + margin.
    near = exact_within(upper + margin, templates);
  } else {
    // Nobody in the shortlist is under the threshold: is anybody at all? Only then does the
    // margin matter, around the one found.
    near = exact_within(threshold, templates);
    if (!near.empty() && near[0].distance < threshold) near = exact_within(near[0].distance + margin, templates);
  }
  // The others from the shortlist alone: beyond the reach, only their distance's side of it
  // matters. With `near` holding one holder at most, the shortlist's best two others are among
  // its best three.
  for (const GalleryMatch& other : ranked) {
    if (near.size() >= 2) break;
    if (near.empty() || near[0].holder_id != other.holder_id) near.push_back(other);
  }
  if (near.size() > 2) near.resize(2);
  return near;
}

float Gallery::squared_int8_distance(const FaceDescriptor& probe, std::uint32_t template_index) const {
  const std::int8_t* code = codes_.data() + std::size_t{template_index} * kDescriptorSize;
  const float scale = scales_[template_index];
  float sum = 0;
  for (std::size_t i = 0; i < kDescriptorSize; ++i) {
    const float d = probe[i] - scale * code[i];
    sum += d * d;
  }
  return sum;
}

std::vector<GalleryMatch> Gallery::rerank(const FaceDescriptor& probe, const std::vector<std::uint32_t>& templates,
                                          std::size_t k) const {
  auto holder = [this](std::size_t t) { return holder_of(t); };
  NearestHolders<decltype(holder)> nearest(k, holder);
  for (std::uint32_t t : templates) nearest.offer(squared_int8_distance(probe, t), t);
  return nearest.matches([](const auto& e) { return std::sqrt(e.key); });
}

}  // namespace gatesim::biometrics

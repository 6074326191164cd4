// 1:N search over synthetic dlib-like descriptors (tests/support/synthetic_faces.hpp): the exact
// float scan against the compact Gallery, at 10k, 100k and 1M templates (two per holder), its
// memory per template, how often both name the same top-1 holder (and runner-up, and make the
// same document-free decision), and loading 1M templates from an enrolment database.
// Run: build/<preset>/bench/bench_gallery_bench (add --benchmark_filter=... for one part).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include <unistd.h>

#include "biometrics/gallery.hpp"
#include "gate/gate_controller.hpp"
#include "gate/enrolment_store.hpp"
#include "tests/support/synthetic_faces.hpp"

namespace {

using namespace gatesim::biometrics;

constexpr std::uint64_t kSeed = 2026;
constexpr std::size_t kTemplatesPerHolder = 2;

std::string holder_name(std::size_t identity) {
  std::string name = "P";  // piece by piece: g++ 12 -O3 gives a false -Wrestrict on "P" + std::string
  name += std::to_string(10000000 + identity);
  return name;
}

const gatesim::testing::SyntheticFaces& faces() {
  static const gatesim::testing::SyntheticFaces instance(kSeed);
  return instance;
}

struct Galleries {
  ExactGallery exact;
  Gallery compact;
};

const Galleries& galleries(std::size_t templates) {
  static std::map<std::size_t, std::unique_ptr<Galleries>> built;
  if (!built.count(templates)) {
    built.clear();  // one size at a time: the 1M exact gallery alone is 0.5 GB
    auto& slot = built[templates];  // taken after clear(): clear() frees the nodes
    slot = std::make_unique<Galleries>();
    slot->exact.reserve(templates);
    slot->compact.reserve(templates);
    for (std::size_t t = 0; t < templates; ++t) {
      const auto d = faces().sample(t / kTemplatesPerHolder, t % kTemplatesPerHolder);
      slot->exact.add(holder_name(t / kTemplatesPerHolder), d);
      slot->compact.add(holder_name(t / kTemplatesPerHolder), d);
    }
    slot->compact.build_index();
  }
  return *built[templates];
}

// A holder's float templates, made again from the seed (the lane reads them from its store).
std::vector<FaceDescriptor> templates_of(const std::string& holder) {
  const std::size_t identity = std::stoul(holder.substr(1)) - 10000000;
  std::vector<FaceDescriptor> out;
  for (std::size_t s = 0; s < kTemplatesPerHolder; ++s) out.push_back(faces().sample(identity, s));
  return out;
}

// Mated probes: a photo of an enrolled holder that is not one of their templates.
FaceDescriptor probe(std::size_t templates, std::size_t n) {
  const std::size_t holders = templates / kTemplatesPerHolder;
  return faces().sample((n * 7919 + 13) % holders, kTemplatesPerHolder + n);
}

template <bool kExact>
void BM_Search(benchmark::State& state) {
  const auto templates = static_cast<std::size_t>(state.range(0));
  const Galleries& g = galleries(templates);
  std::vector<FaceDescriptor> probes;
  for (std::size_t n = 0; n < 64; ++n) probes.push_back(probe(templates, n));
  std::size_t n = 0;
  for (auto _ : state) {
    const auto& p = probes[n++ % probes.size()];
    benchmark::DoNotOptimize(kExact ? g.exact.search(p, 5) : g.compact.search(p, 5));
  }
  // The exact gallery: the floats and a std::string id (short ids stay inside the string).
  state.counters["bytes_per_template"] = kExact ? double(sizeof(FaceDescriptor) + sizeof(std::string))
                                                : double(g.compact.memory_bytes()) / double(templates);
}
void BM_ExactFloatSearch(benchmark::State& state) { BM_Search<true>(state); }
void BM_GallerySearch(benchmark::State& state) { BM_Search<false>(state); }
BENCHMARK(BM_ExactFloatSearch)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GallerySearch)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// Probes nobody enrolled: the gallery's identities stop at templates / kTemplatesPerHolder.
FaceDescriptor stranger(std::size_t templates, std::size_t n) {
  return faces().sample(templates / kTemplatesPerHolder + 1 + n, 0);
}

// search_exact() with the default fixed reach (threshold 0.5 + margin 0.08), and identify(), the
// lane's query, whose reach follows the nearest holder; for mated probes (arg 1 = 1) and
// strangers (0). coarse_left: the mean templates the coarse bounds could not rule out;
// holders_exact: the mean holders ranked by their float templates.
template <bool kIdentify>
void BM_ExactDecision(benchmark::State& state) {
  const auto templates = static_cast<std::size_t>(state.range(0));
  const bool mated = state.range(1) != 0;
  const Galleries& g = galleries(templates);
  const gatesim::gate::GateConfig gate;
  std::vector<FaceDescriptor> probes;
  for (std::size_t n = 0; n < 64; ++n) probes.push_back(mated ? probe(templates, n) : stranger(templates, n));
  std::size_t n = 0;
  double left = 0, exact = 0;
  for (auto _ : state) {
    const auto& p = probes[n++ % probes.size()];
    Gallery::QueryStats stats;
    if (kIdentify)
      benchmark::DoNotOptimize(g.compact.identify(p, gate.identification_threshold, gate.identification_margin,
                                                  templates_of, &stats));
    else
      benchmark::DoNotOptimize(g.compact.search_exact(
          p, 2, gate.identification_threshold + gate.identification_margin, templates_of, &stats));
    left += double(stats.coarse_left);
    exact += double(stats.holders_exact);
  }
  const double queries = double(std::max<std::size_t>(n, 1));
  state.counters["coarse_left"] = left / queries;
  state.counters["holders_exact"] = exact / queries;
  state.counters["bytes_per_template"] = double(g.compact.memory_bytes()) / double(templates);
}
void BM_GallerySearchExact(benchmark::State& state) { BM_ExactDecision<false>(state); }
void BM_GalleryIdentify(benchmark::State& state) { BM_ExactDecision<true>(state); }
BENCHMARK(BM_GallerySearchExact)->ArgsProduct({{10'000, 100'000, 1'000'000}, {1, 0}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GalleryIdentify)->ArgsProduct({{10'000, 100'000, 1'000'000}, {1, 0}})->Unit(benchmark::kMillisecond);

// The share of mated probes whose top-1 holder is the exact search's; of those whose five
// nearest holders are the same in the same order; of those whose runner-up is the same holder;
// and of those for which the document-free channel's decision would be the same (a GateConfig's
// identification threshold and margin: identified as the same holder, ambiguous, or not found),
// with the largest difference in the runner-up's distance, which the margin check reads.
void BM_SameTopOneAsExact(benchmark::State& state) {
  const auto templates = static_cast<std::size_t>(state.range(0));
  const Galleries& g = galleries(templates);
  constexpr std::size_t kProbes = 2000;
  const gatesim::gate::GateConfig gate;
  // The controller's rule: the holder identified, or "" for none.
  const auto decide = [&](const std::vector<GalleryMatch>& found) -> std::string {
    const auto distance = [&](std::size_t r) { return r < found.size() ? std::optional(found[r].distance) : std::nullopt; };
    const auto verdict = gatesim::gate::judge_identification(distance(0), distance(1), gate);
    return verdict == gatesim::gate::Identification::identified ? found[0].holder_id : "";
  };
  const double reach = gate.identification_threshold + gate.identification_margin;
  std::size_t same_top1 = 0, same_top5 = 0, same_second = 0, same_decision = 0, same_decision_exact = 0,
              same_decision_identify = 0, identified = 0;
  double second_error = 0, best_sum = 0, second_sum = 0;
  for (auto _ : state) {
    for (std::size_t n = 0; n < kProbes; ++n) {
      const auto p = probe(templates, 1000 + n);
      const auto want = g.exact.search(p, 5), got = g.compact.search(p, 5);
      same_top1 += got.at(0).holder_id == want.at(0).holder_id;
      bool all = got.size() == want.size();
      for (std::size_t r = 0; all && r < got.size(); ++r) all = got[r].holder_id == want[r].holder_id;
      same_top5 += all;
      same_second += got.at(1).holder_id == want.at(1).holder_id;
      second_error = std::max(second_error, std::abs(got[1].distance - want[1].distance));
      const std::string decision = decide(want);
      same_decision += decide(got) == decision;
      same_decision_exact += decide(g.compact.search_exact(p, 2, reach, templates_of)) == decision;
      same_decision_identify +=
          decide(g.compact.identify(p, gate.identification_threshold, gate.identification_margin, templates_of)) ==
          decision;
      identified += !decision.empty();
      best_sum += want[0].distance;
      second_sum += want[1].distance;
    }
  }
  state.counters["probes"] = double(kProbes);
  state.counters["same_top1"] = double(same_top1) / double(kProbes);
  state.counters["same_top5"] = double(same_top5) / double(kProbes);
  state.counters["same_second"] = double(same_second) / double(kProbes);
  state.counters["second_error_max"] = second_error;
  state.counters["same_decision"] = double(same_decision) / double(kProbes);
  state.counters["same_decision_exact"] = double(same_decision_exact) / double(kProbes);
  state.counters["same_decision_identify"] = double(same_decision_identify) / double(kProbes);
  state.counters["identified"] = double(identified) / double(kProbes);
  state.counters["best_mean"] = best_sum / double(kProbes);
  state.counters["second_mean"] = second_sum / double(kProbes);
}
BENCHMARK(BM_SameTopOneAsExact)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

// Loading an enrolment database of 1M templates into a Gallery (the gate's start-up).
void BM_LoadGalleryFromSqlite(benchmark::State& state) {
  const auto templates = static_cast<std::size_t>(state.range(0));
  std::string name = "gatesim-bench-";
  name += std::to_string(::getpid());
  const auto file = std::filesystem::temp_directory_path() / (name + ".db");
  double write_seconds = 0;
  {
    const auto start = std::chrono::steady_clock::now();
    gatesim::gate::EnrolmentStore store(file);
    for (std::size_t h = 0; h < templates / kTemplatesPerHolder; ++h) {
      std::vector<gatesim::gate::NewTemplate> mine;
      for (std::size_t s = 0; s < kTemplatesPerHolder; ++s) mine.push_back({faces().sample(h, s), {"photo.jpg", "hog", ""}});
      store.enrol({holder_name(h), "", "", "", "", "", ""}, mine);
    }
    write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::size_t loaded = 0;
  for (auto _ : state) {
    const gatesim::gate::EnrolmentStore store(file, gatesim::gate::EnrolmentStore::Open::existing_only);
    loaded = store.load_gallery().size();
  }
  state.counters["templates"] = double(loaded);
  state.counters["enrol_seconds"] = write_seconds;
  state.counters["db_bytes_per_template"] = double(std::filesystem::file_size(file)) / double(templates);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
}
BENCHMARK(BM_LoadGalleryFromSqlite)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();

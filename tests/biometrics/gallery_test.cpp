// The compact Gallery against the exact float search, on synthetic dlib-like descriptors and
// on real descriptors of the shipped test images.
#include "biometrics/gallery.hpp"

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/image_io.hpp"
#include "biometrics/matcher.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/synthetic_faces.hpp"

namespace gatesim::biometrics {
namespace {

using gatesim::testing::SyntheticFaces;
using gatesim::testing::test_data;

std::string holder_name(std::size_t identity) {
  std::string name = "H";  // piece by piece: g++ 12 -O3 gives a false -Wrestrict on "H" + std::string
  name += std::to_string(identity);
  return name;
}

TEST(SyntheticFaces, LookLikeDlibDescriptors) {
  const SyntheticFaces faces(7);
  double genuine = 0, impostor = 0;
  for (std::uint64_t i = 0; i < 50; ++i) {
    genuine += descriptor_distance(faces.sample(i, 0), faces.sample(i, 1));
    impostor += descriptor_distance(faces.sample(i, 0), faces.sample(i + 1, 0));
  }
  EXPECT_NEAR(genuine / 50, 0.4, 0.1);
  EXPECT_NEAR(impostor / 50, 0.95, 0.1);
}

// Mated probes (a new photo of an enrolled identity) against 10,000 templates: the compact
// index must name the same top-1 holder as the exact float search for >= 99.9% of them, at
// distances within the int8 rounding. The shortlist is scaled down with the gallery (512 of a
// million in the benchmark) so that the coarse pass really decides what is re-ranked.
TEST(Gallery, SameTopOneAsExactSearchOnSyntheticDescriptors) {
  const SyntheticFaces faces(2026);
  constexpr std::size_t kIdentities = 5000, kSamples = 2, kProbes = 2000;
  ExactGallery exact;
  Gallery gallery(GalleryOptions{.shortlist = 16});
  for (std::size_t i = 0; i < kIdentities; ++i)
    for (std::size_t s = 0; s < kSamples; ++s) {
      exact.add(holder_name(i), faces.sample(i, s));
      gallery.add(holder_name(i), faces.sample(i, s));
    }
  gallery.build_index();
  std::size_t same_top1 = 0;
  double largest_error = 0;
  for (std::size_t p = 0; p < kProbes; ++p) {
    const std::size_t identity = (p * 7919) % kIdentities;
    const auto probe = faces.sample(identity, kSamples + p);
    const auto want = exact.search(probe, 5);
    const auto got = gallery.search(probe, 5);
    ASSERT_EQ(want.size(), 5u);
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(want[0].holder_id, holder_name(identity));
    same_top1 += got[0].holder_id == want[0].holder_id;
    largest_error = std::max(largest_error, std::abs(got[0].distance - want[0].distance));
  }
  EXPECT_GE(same_top1, kProbes * 999 / 1000);
  EXPECT_LT(largest_error, 0.01);
}

TEST(Gallery, SmallGalleryRanksLikeExactSearch) {
  const SyntheticFaces faces(3);
  ExactGallery exact;
  Gallery gallery;
  for (std::size_t i = 0; i < 40; ++i) {
    exact.add(holder_name(i / 2), faces.sample(i / 2, i % 2));
    gallery.add(holder_name(i / 2), faces.sample(i / 2, i % 2));
  }
  gallery.build_index();
  const auto probe = faces.sample(4, 9);
  const auto want = exact.search(probe, 100);
  const auto got = gallery.search(probe, 100);
  ASSERT_EQ(want.size(), 20u);  // one entry per holder, however many templates
  ASSERT_EQ(got.size(), 20u);
  std::set<std::string> seen;
  // Impostors lie close together, so the int8 rounding may swap two of them; the distances at
  // each rank and the set of holders must still agree.
  std::set<std::string> wanted;
  for (const auto& w : want) wanted.insert(w.holder_id);
  for (std::size_t r = 0; r < got.size(); ++r) {
    EXPECT_TRUE(wanted.count(got[r].holder_id)) << r;
    EXPECT_NEAR(got[r].distance, want[r].distance, 0.01) << r;
    EXPECT_TRUE(seen.insert(got[r].holder_id).second) << "holder twice: " << got[r].holder_id;
    if (r > 0) {
      EXPECT_LE(got[r - 1].distance, got[r].distance);
    }
  }
  EXPECT_EQ(got[0].holder_id, "H4");
  EXPECT_EQ(exact.search(probe, 0).size(), 0u);
}

TEST(Gallery, HolderWhoseTemplatesWereAddedApartIsOneCandidate) {
  const SyntheticFaces faces(5);
  Gallery gallery;
  gallery.add("alice", faces.sample(1, 0));
  gallery.add("bob", faces.sample(2, 0));
  gallery.add("alice", faces.sample(1, 1));
  gallery.build_index();
  const auto got = gallery.search(faces.sample(1, 2), 3);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].holder_id, "alice");
  EXPECT_EQ(got[1].holder_id, "bob");
}

TEST(Gallery, EmptyGalleryFindsNobodyAndStaleIndexIsRefused) {
  const SyntheticFaces faces(1);
  Gallery gallery;
  gallery.build_index();
  EXPECT_TRUE(gallery.search(faces.sample(0, 0), 5).empty());
  gallery.add("alice", faces.sample(0, 0));
  EXPECT_FALSE(gallery.index_is_current());
  EXPECT_THROW(gallery.search(faces.sample(0, 1), 5), std::logic_error);
  gallery.build_index();
  EXPECT_EQ(gallery.search(faces.sample(0, 1), 5).at(0).holder_id, "alice");
}

// 128 B of int8 descriptor and its scale, 64 B of coarse code (two planes) and its rounding,
// the holder's id: a million templates in about 230 MB.
TEST(Gallery, AtMost232BytesPerTemplate) {
  const SyntheticFaces faces(9);
  Gallery gallery;
  constexpr std::size_t kTemplates = 20000;
  gallery.reserve(kTemplates);
  for (std::size_t i = 0; i < kTemplates; ++i) gallery.add(holder_name(100000000 + i), faces.sample(i, 0));
  gallery.build_index();
  EXPECT_LE(gallery.memory_bytes(), kTemplates * 232);
}

// Look-alikes at the margin: for each probe, the holder at distance a (around the threshold) and
// a second holder at a + delta (delta around the margin), among 5,000 distractors. With a
// shortlist of one template the coarse pass alone keeps only one of the two, so search() reads
// a runner-up far away and calls identified what the exact scan calls ambiguous; search_exact()
// must give the exact scan's decision, holder and distances every time.
enum class Decision { not_found, ambiguous, identified };
Decision judge(const std::vector<GalleryMatch>& nearest, double threshold, double margin) {
  if (nearest.empty() || nearest[0].distance >= threshold) return Decision::not_found;
  if (nearest.size() > 1 && nearest[1].distance - nearest[0].distance < margin) return Decision::ambiguous;
  return Decision::identified;
}

FaceDescriptor at_distance(const FaceDescriptor& from, double distance, std::mt19937_64& rng) {
  std::normal_distribution<float> gaussian;
  FaceDescriptor direction;
  float length = 0;
  for (auto& x : direction) {
    x = gaussian(rng);
    length += x * x;
  }
  FaceDescriptor out;
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = from[i] + static_cast<float>(distance) * direction[i] / std::sqrt(length);
  return out;
}

TEST(Gallery, DecisionsAtTheMarginAreTheExactScansLookAlikesIncluded) {
  constexpr double kThreshold = 0.5, kMargin = 0.08;
  constexpr std::size_t kDistractors = 5000, kCases = 300;
  const SyntheticFaces faces(17);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> nearest(0.3, 0.55), apart(0.0, 0.16);
  ExactGallery exact;
  Gallery gallery(GalleryOptions{.shortlist = 1});
  std::map<std::string, std::vector<FaceDescriptor>> templates;
  auto enrol = [&](const std::string& holder, const FaceDescriptor& d) {
    exact.add(holder, d);
    gallery.add(holder, d);
    templates[holder].push_back(d);
  };
  for (std::size_t i = 0; i < kDistractors; ++i) enrol(holder_name(i), faces.sample(i, 0));
  std::vector<FaceDescriptor> probes;
  for (std::size_t c = 0; c < kCases; ++c) {
    probes.push_back(faces.sample(kDistractors + c, 0));
    const double a = nearest(rng);
    enrol(holder_name(1000000 + c), at_distance(probes.back(), a, rng));  // the probe's holder
    enrol(holder_name(2000000 + c), at_distance(probes.back(), a + apart(rng), rng));  // the look-alike
  }
  gallery.build_index();
  const auto templates_of = [&](const std::string& holder) { return templates.at(holder); };
  std::size_t ambiguous = 0, shortlist_alone_wrong = 0, extra = 0;
  for (const auto& probe : probes) {
    const auto want = exact.search(probe, 2);
    Gallery::QueryStats stats;
    const auto got = gallery.search_exact(probe, 2, kThreshold + kMargin, templates_of, &stats);
    extra += stats.coarse_left;
    const Decision decision = judge(want, kThreshold, kMargin);
    ASSERT_EQ(judge(got, kThreshold, kMargin), decision);
    ASSERT_EQ(got.size(), 2u);
    for (std::size_t r = 0; r < 2; ++r)
      if (want[r].distance <= kThreshold + kMargin) {
        EXPECT_EQ(got[r].holder_id, want[r].holder_id);
        EXPECT_EQ(got[r].distance, want[r].distance);  // the same float templates, the same arithmetic
      }
    // identify(): the decision's own query, whose reach follows the nearest holder.
    const auto decided = gallery.identify(probe, kThreshold, kMargin, templates_of);
    ASSERT_EQ(judge(decided, kThreshold, kMargin), decision);
    if (want[0].distance < kThreshold) {
      EXPECT_EQ(decided.at(0).holder_id, want[0].holder_id);
      EXPECT_EQ(decided[0].distance, want[0].distance);
      if (want[1].distance - want[0].distance < kMargin) {
        EXPECT_EQ(decided.at(1).holder_id, want[1].holder_id);
        EXPECT_EQ(decided[1].distance, want[1].distance);
      }
    }
    ambiguous += decision == Decision::ambiguous;
    shortlist_alone_wrong += judge(gallery.search(probe, 2), kThreshold, kMargin) != decision;
  }
  EXPECT_GT(ambiguous, kCases / 10);               // the cases at the margin are there
  EXPECT_GT(shortlist_alone_wrong, kCases / 10);   // and the shortlist alone gets them wrong
  EXPECT_GT(extra, 0u);                            // the reach re-ranked what the shortlist left out
}

// Real dlib descriptors: people/train/<person>/ are enrolled, people/test/ are probes.
TEST(Gallery, RealDescriptorsFindTheSamePeopleAsExactSearch) {
  FaceAnalyzer analyzer(ModelStore::from_environment(), DetectorOptions{});
  ExactGallery exact;
  Gallery gallery;
  std::set<std::filesystem::path> photos;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test_data("faces/people/train")))
    if (entry.is_regular_file()) photos.insert(entry.path());
  for (const auto& photo : photos) {
    const cv::Mat image = load_image(photo);
    const auto faces = analyzer.detect(image);
    ASSERT_EQ(faces.size(), 1u) << photo;
    const auto d = analyzer.describe(image, faces[0]);
    exact.add(photo.parent_path().filename().string(), d);
    gallery.add(photo.parent_path().filename().string(), d);
  }
  gallery.build_index();
  const std::map<std::string, std::string> probes = {{"obama1.jpg", "obama"},
                                                     {"alex_lacamoire1.jpg", "alex_lacamoire"},
                                                     {"johnsnow_test1.jpg", "kit_harington"}};
  for (const auto& [file, person] : probes) {
    const cv::Mat image = load_image(test_data("faces/people/test/" + file));
    const auto faces = analyzer.detect(image);
    ASSERT_EQ(faces.size(), 1u) << file;
    const auto probe = analyzer.describe(image, faces[0]);
    const auto want = exact.search(probe, 5);
    const auto got = gallery.search(probe, 5);
    ASSERT_EQ(got.size(), want.size()) << file;
    ASSERT_EQ(want.size(), 5u) << file;
    EXPECT_EQ(want[0].holder_id, person) << file;
    EXPECT_LT(want[0].distance, kDlibDefaultThreshold) << file;
    for (std::size_t r = 0; r < got.size(); ++r) {
      EXPECT_EQ(got[r].holder_id, want[r].holder_id) << file << " rank " << r;
      EXPECT_NEAR(got[r].distance, want[r].distance, 0.01) << file << " rank " << r;
    }
  }
}

}  // namespace
}  // namespace gatesim::biometrics

// FacePool: the bank's face analysis workers, with the real dlib models. The fairness test holds
// the one worker with a job, queues a burst of one lane's jobs and then one job of another lane,
// and reads the order the jobs ran in: round-robin runs the other lane's job next, a plain FIFO
// pool would run it after the whole burst.
#include "gate/face_pool.hpp"

#include <future>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "biometrics/image_io.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::gate {
namespace {

FacePool::Options one_worker(std::size_t lane_queue) {
  FacePool::Options options;
  options.workers = 1;
  options.lane_queue = lane_queue;
  return options;
}

TEST(FacePool, ALaneBurstDoesNotDelayAnotherLaneBehindIt) {
  FacePool pool(biometrics::ModelStore::from_environment(), one_worker(64));
  FacePool::Lane& flooded = pool.add_lane("flooded");
  FacePool::Lane& other = pool.add_lane("other");
  std::mutex mutex;
  std::vector<std::string> ran;
  const auto job = [&](std::string name) {
    return [&, name](biometrics::FaceAnalyzer&) {
      std::lock_guard lock(mutex);
      ran.push_back(name);
    };
  };
  // The worker is held by the flooded lane's first job while the queues fill.
  std::promise<void> release;
  std::promise<void> holding;
  auto held = flooded.submit([&](biometrics::FaceAnalyzer&) {
    holding.set_value();
    release.get_future().wait();
  });
  holding.get_future().wait();
  std::vector<std::future<void>> burst;
  for (int i = 0; i < 40; ++i) burst.push_back(flooded.submit(job("flooded")));
  // The other lane's frame, analysed for real on the worker's analyzer.
  const cv::Mat face = biometrics::load_image(gatesim::testing::test_data("faces/reference/biden.jpg"));
  std::size_t faces = 0;
  auto others = other.submit([&](biometrics::FaceAnalyzer& analyzer) {
    faces = analyzer.detect(face).size();
    std::lock_guard lock(mutex);
    ran.push_back("other");
  });
  release.set_value();
  held.get();
  others.get();
  for (auto& f : burst) f.get();
  EXPECT_EQ(faces, 1u);
  ASSERT_EQ(ran.size(), 41u);
  // Its turn came right after the job that held the worker, not after the 40 queued before it.
  EXPECT_EQ(ran.front(), "other");
}

TEST(FacePool, TurnsGoRoundTheLanesWithWorkWaiting) {
  FacePool pool(biometrics::ModelStore::from_environment(), one_worker(8));
  std::vector<FacePool::Lane*> lanes{&pool.add_lane("a"), &pool.add_lane("b"), &pool.add_lane("c")};
  std::mutex mutex;
  std::string order;
  std::promise<void> release, holding;
  auto held = lanes[2]->submit([&](biometrics::FaceAnalyzer&) {
    holding.set_value();
    release.get_future().wait();
  });
  holding.get_future().wait();
  std::vector<std::future<void>> jobs;
  for (int round = 0; round < 3; ++round)
    for (auto* lane : lanes)
      if (lane->name() != "b" || round == 0)
        jobs.push_back(lane->submit([&, name = lane->name()](biometrics::FaceAnalyzer&) {
          std::lock_guard lock(mutex);
          order += name;
        }));
  release.set_value();
  held.get();
  for (auto& j : jobs) j.get();
  // After lane c's held job: a, b, c, then b has no more: a, c, a, c.
  EXPECT_EQ(order, "abcacac");
}

TEST(FacePool, ALaneQueueIsBoundedAndAJobsErrorReachesItsCaller) {
  FacePool pool(biometrics::ModelStore::from_environment(), one_worker(2));
  FacePool::Lane& lane = pool.add_lane("lane");
  std::promise<void> release, holding;
  auto held = lane.submit([&](biometrics::FaceAnalyzer&) {
    holding.set_value();
    release.get_future().wait();
  });
  holding.get_future().wait();
  auto first = lane.submit([](biometrics::FaceAnalyzer&) {});
  auto second = lane.submit([](biometrics::FaceAnalyzer&) { throw std::runtime_error("bad frame"); });
  // A third job waits for room in the lane's queue: the submit itself blocks.
  auto third = std::async(std::launch::async, [&] { return lane.submit([](biometrics::FaceAnalyzer&) {}); });
  EXPECT_EQ(third.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  release.set_value();
  held.get();
  first.get();
  EXPECT_THROW(second.get(), std::runtime_error);
  third.get().get();
}

}  // namespace
}  // namespace gatesim::gate

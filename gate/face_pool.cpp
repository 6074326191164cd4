#include "gate/face_pool.hpp"

#include <algorithm>
#include <cassert>

namespace gatesim::gate {

FacePool::FacePool(const biometrics::ModelStore& models, Options options) : options_(options) {
  assert(options_.lane_queue >= 1);
  const std::size_t workers =
      options_.workers > 0 ? options_.workers : std::max(1u, std::thread::hardware_concurrency());
  // Loaded before any thread starts: a missing model fails the constructor, not a worker.
  for (std::size_t i = 0; i < workers; ++i)
    analyzers_.push_back(std::make_unique<biometrics::FaceAnalyzer>(models, options_.detector));
  for (auto& analyzer : analyzers_) threads_.emplace_back([this, a = analyzer.get()] { work(*a); });
}

FacePool::~FacePool() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  work_waiting_.notify_all();
  for (auto& t : threads_) t.join();
}

FacePool::Lane& FacePool::add_lane(std::string name) {
  std::lock_guard lock(mutex_);
  lanes_.push_back(std::unique_ptr<Lane>(new Lane(*this, std::move(name))));
  return *lanes_.back();
}

std::future<void> FacePool::Lane::submit(Job job) {
  assert(job);
  std::packaged_task<void(biometrics::FaceAnalyzer&)> task(std::move(job));
  auto done = task.get_future();
  {
    std::unique_lock lock(pool_.mutex_);
    pool_.room_.wait(lock, [&] { return waiting_.size() < pool_.options_.lane_queue; });
    waiting_.push_back(std::move(task));
  }
  pool_.work_waiting_.notify_one();
  return done;
}

FacePool::Lane* FacePool::next_lane() {
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    Lane* lane = lanes_[(turn_ + i) % lanes_.size()].get();
    if (!lane->waiting_.empty()) {
      turn_ = (turn_ + i + 1) % lanes_.size();  // the next turn starts after this lane
      return lane;
    }
  }
  return nullptr;
}

void FacePool::work(biometrics::FaceAnalyzer& analyzer) {
  const biometrics::DetectorOptions settings = analyzer.options();
  std::unique_lock lock(mutex_);
  for (;;) {
    Lane* lane = nullptr;
    work_waiting_.wait(lock, [&] { return (lane = next_lane()) != nullptr || closing_; });
    if (!lane) return;  // closing, nothing left
    auto task = std::move(lane->waiting_.front());
    lane->waiting_.pop_front();
    lock.unlock();
    room_.notify_all();
    analyzer.set_options(settings);  // a job's detector settings end with it
    task(analyzer);                  // an exception goes to the task's future
    lock.lock();
  }
}

}  // namespace gatesim::gate

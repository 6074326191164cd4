#pragma once
// FacePool: the face analysis of a bank of lanes (`gatesim gate` with several lanes) on a
// bounded set of worker threads, one dlib FaceAnalyzer each, instead of one analyzer and one
// busy thread per lane. The models are loaded once per worker (dlib's networks keep per-call
// buffers and are not safe for concurrent use), so the memory of the face models grows with
// the cores, not the lanes.
//
// Fairness, the policy: each lane has its own queue, and a worker that comes free takes the
// oldest job of the next lane in turn (round-robin over the lanes with work waiting, one job
// per turn), never the oldest job of the whole pool. So a lane that floods the pool (a burst of
// frames, a crowd) waits behind its own jobs only: another lane's job waits for at most one job
// of each other lane per worker, whatever the burst. A lane's queue is bounded
// (Options::lane_queue): submit() blocks while the lane already has that many jobs waiting, so
// the burst stays on the lane's own thread and the pool's memory is bounded.
//
// The lane driver (gate/lane_driver.hpp, LaneDriverOptions::face_pool) runs each frame's whole
// analysis (detection, quality, descriptor, liveness, following) as one job and waits for it,
// so its per-lane state is touched by one thread at a time.
//
// Thread safety: every member of FacePool and Lane is safe from any thread. A job runs on one
// worker with that worker's analyzer; jobs of different lanes, and several jobs of one lane,
// may run at the same time on different workers.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "biometrics/face_analyzer.hpp"

namespace gatesim::gate {

class FacePool {
 public:
  using Job = std::function<void(biometrics::FaceAnalyzer&)>;

  struct Options {
    std::size_t workers = 0;     // 0: one per core (std::thread::hardware_concurrency, at least 1)
    std::size_t lane_queue = 4;  // jobs a lane may have waiting before submit() blocks (>= 1)
    biometrics::DetectorOptions detector = biometrics::kGateCameraDetector;  // each job may change it
  };

  // One lane's door into the pool. Owned by the pool; valid as long as the pool.
  class Lane {
   public:
    const std::string& name() const { return name_; }
    // requires: job not empty.
    // ensures: `job` queued behind this lane's earlier jobs; blocks while the lane already has
    //          Options::lane_queue jobs waiting. The future holds what the job threw.
    std::future<void> submit(Job job);
    // ensures: `job` has run on a worker (its exception rethrown here).
    void run(Job job) { submit(std::move(job)).get(); }

   private:
    friend class FacePool;
    Lane(FacePool& pool, std::string name) : pool_(pool), name_(std::move(name)) {}
    FacePool& pool_;
    std::string name_;
    std::deque<std::packaged_task<void(biometrics::FaceAnalyzer&)>> waiting_;  // guarded by pool_.mutex_
  };

  // ensures: the workers started, each with the face models loaded.
  // throws models::InputError for missing face models.
  FacePool(const biometrics::ModelStore& models, Options options);
  // ensures: every job submitted has run; the workers joined.
  ~FacePool();
  FacePool(const FacePool&) = delete;
  FacePool& operator=(const FacePool&) = delete;

  // ensures: a new lane, last in the round-robin order.
  Lane& add_lane(std::string name);
  std::size_t workers() const { return threads_.size(); }

 private:
  void work(biometrics::FaceAnalyzer& analyzer);
  // requires: mutex_ held. ensures: the next lane in turn with a job waiting, or null.
  Lane* next_lane();

  Options options_;
  std::mutex mutex_;
  std::condition_variable work_waiting_;  // a job was queued, or the pool closes
  std::condition_variable room_;          // a job left a lane's queue
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::size_t turn_ = 0;  // the lane whose turn is next
  bool closing_ = false;
  std::vector<std::unique_ptr<biometrics::FaceAnalyzer>> analyzers_;
  std::vector<std::thread> threads_;
};

}  // namespace gatesim::gate

#include "gate/lane_bank.hpp"

#include <exception>
#include <thread>

namespace gatesim::gate {

LaneDriver& LaneBank::add(std::string name, GateConfig config, const biometrics::ModelStore& models,
                          LaneDevices& devices, LaneServices& services, AuditLog& audit, LaneDriverOptions options) {
  const std::size_t index = lanes_.size();
  options.on_clearance = [this, index, own = std::move(options.on_clearance)](const std::string& holder_id,
                                                                               const std::string& transaction) {
    if (own) own(holder_id, transaction);
    cleared(index, holder_id, transaction);
  };
  lanes_.push_back({std::move(name), nullptr});
  lanes_.back().driver = std::make_unique<LaneDriver>(std::move(config), models, devices, services, audit, std::move(options));
  return *lanes_.back().driver;
}

// Called on lane `lane`'s run() thread; the drivers are all built before run(), and remember()
// is thread-safe.
void LaneBank::cleared(std::size_t lane, const std::string& holder_id, const std::string& transaction) {
  for (std::size_t other = 0; other < lanes_.size(); ++other)
    if (other != lane) lanes_[other].driver->remember(holder_id, "lane " + lanes_[lane].name + " " + transaction);
}

std::vector<std::size_t> LaneBank::run() {
  std::vector<std::size_t> completed(lanes_.size(), 0);
  std::vector<std::exception_ptr> failures(lanes_.size());
  if (lanes_.size() == 1) {  // one lane runs on the caller's thread, as a lone LaneDriver does
    completed[0] = lanes_[0].driver->run();
    return completed;
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < lanes_.size(); ++i)
    threads.emplace_back([this, i, &completed, &failures] {
      try {
        completed[i] = lanes_[i].driver->run();
      } catch (...) {
        failures[i] = std::current_exception();
        stop();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  return completed;
}

void LaneBank::stop() {
  for (auto& lane : lanes_) lane.driver->stop();
}

}  // namespace gatesim::gate

#pragma once
// LaneBank: the lanes of a bank (several LaneDrivers in one process, `gatesim gate --lane ...`)
// run side by side, one thread each, as one hall: a clearance at one lane is known at once to
// every other lane of the bank (anti-passback: LaneDriverOptions::on_clearance of the lane that
// cleared, LaneDriver::remember of the others, naming it "lane NAME #N"), and a lane that fails
// stops the others. What the lanes share besides (the face pool, the gallery, the policy data,
// the audit file) the caller gives each lane's driver; the bank only runs them.
//
// Thread safety: add() before run(), from one thread; run() once; stop() from any thread.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "gate/lane_driver.hpp"

namespace gatesim::gate {

class LaneBank {
 public:
  // ensures: a lane named `name` whose driver is built with `options`, on_clearance chained so
  //          the other lanes hear of its clearances (after the caller's own on_clearance, if any).
  // requires: the references outlive the bank (as LaneDriver's); before run().
  // throws what LaneDriver's constructor throws.
  LaneDriver& add(std::string name, GateConfig config, const biometrics::ModelStore& models, LaneDevices& devices,
                  LaneServices& services, AuditLog& audit, LaneDriverOptions options);

  // ensures: every lane ran until it ended (LaneDriver::run); returns each lane's completed
  //          transactions, in the order added. A lane that throws stops the others; the first
  //          failure (in the order added) is rethrown once all have returned.
  std::vector<std::size_t> run();
  // ensures: every lane is asked to stop (LaneDriver::stop).
  void stop();

  std::size_t size() const { return lanes_.size(); }
  const std::string& name(std::size_t lane) const { return lanes_.at(lane).name; }
  LaneDriver& driver(std::size_t lane) { return *lanes_.at(lane).driver; }

 private:
  struct Lane {
    std::string name;
    std::unique_ptr<LaneDriver> driver;
  };
  void cleared(std::size_t lane, const std::string& holder_id, const std::string& transaction);

  std::vector<Lane> lanes_;
};

}  // namespace gatesim::gate

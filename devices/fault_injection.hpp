#pragma once
// Fault injection for any device: a FaultInjector decides, before each device call, whether
// that call is disconnected (and stays so until the device is reopened), stalls (waits
// `stall_for` then times out), is corrupt, or is slow (waits `slow_by`, then goes through).
// Choices come from a seeded generator, or from a schedule of call numbers, so a seed and a
// plan fix every fault. Waits go through the device's Clock (virtual in tests).
//
// Thread safety: one thread at a time.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "devices/camera.hpp"
#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"

namespace gatesim::devices {

enum class InjectedFault { none, disconnect, stall, corrupt, slow };
std::string to_string(InjectedFault fault);

struct FaultPlan {
  std::map<InjectedFault, double> probability;       // per call
  std::map<std::uint64_t, InjectedFault> scheduled;  // call number (from 0) -> fault
  Duration stall_for = std::chrono::seconds(5);
  Duration slow_by = std::chrono::milliseconds(300);
  std::uint64_t seed = 0;
  bool empty() const { return probability.empty() && scheduled.empty(); }
};

// Parses "disconnect:0.05;stall:0.01;corrupt@3;slow:0.2" (KIND:PROBABILITY or KIND@CALL).
// throws models::InputError naming `where`, the item and what was expected.
FaultPlan parse_fault_plan(const std::string& text, std::uint64_t seed, const std::string& where);

class FaultInjector {
 public:
  FaultInjector(FaultPlan plan, Clock& clock, std::string device);
  // Before each device call.
  // ensures: returns once a slow call has waited; throws DeviceFault for a disconnect (this
  //          and every later call until reconnect()), a stall (after waiting), or corruption.
  void before_call();
  // For a fault the caller acts out itself (gatesim soak's link drop): this call's fault, chosen
  // and counted as before_call() would, with nothing done about it (no wait, no throw, nothing
  // sticky).
  InjectedFault next();
  // The device was reopened: the injected disconnect is over.
  void reconnect() { disconnected_ = false; }
  // The first kHistoryLimit calls' faults (none for a clean call), for tests and logs; kept
  // bounded so a soak of millions of calls does not grow.
  static constexpr std::size_t kHistoryLimit = 4096;
  const std::vector<InjectedFault>& history() const { return history_; }
  // How many calls so far had `fault` (a disconnect counts each call it refused).
  std::uint64_t count(InjectedFault fault) const { return counts_[static_cast<std::size_t>(fault)]; }
  std::uint64_t calls() const { return calls_; }

 private:
  FaultPlan plan_;
  Clock& clock_;
  std::string device_;
  std::mt19937_64 random_;
  std::uint64_t calls_ = 0;
  bool disconnected_ = false;
  std::vector<InjectedFault> history_;
  std::array<std::uint64_t, 5> counts_{};
  InjectedFault choose();  // one draw: the next call's fault
  void record(InjectedFault fault);
};

class FaultyCamera final : public Camera {
 public:
  FaultyCamera(std::unique_ptr<Camera> inner, FaultPlan plan, Clock& clock);
  void open() override;
  Frame read() override;
  void close() override { inner_->close(); }
  bool is_open() const override { return inner_->is_open(); }
  std::string name() const override { return inner_->name(); }
  const FaultInjector& injector() const { return injector_; }

 private:
  std::unique_ptr<Camera> inner_;
  FaultInjector injector_;
};

class FaultyFingerprintReader final : public FingerprintReader {
 public:
  FaultyFingerprintReader(std::unique_ptr<FingerprintReader> inner, FaultPlan plan, Clock& clock);
  // A disconnected reader comes back on the next call after the fault was reported once
  // (a reader has no open()): the fault is reported, then the lane can retry.
  FingerprintReading verify(const std::string& holder_id) override;
  std::string name() const override { return inner_->name(); }
  const FaultInjector& injector() const { return injector_; }

 private:
  std::unique_ptr<FingerprintReader> inner_;
  FaultInjector injector_;
};

class FaultyDocumentReader final : public DocumentReader {
 public:
  FaultyDocumentReader(std::unique_ptr<DocumentReader> inner, FaultPlan plan, Clock& clock);
  // Like the fingerprint reader: a disconnect is reported once, then the reader is back.
  std::optional<ChipRecord> read() override;
  std::string name() const override { return inner_->name(); }
  const FaultInjector& injector() const { return injector_; }

 private:
  std::unique_ptr<DocumentReader> inner_;
  FaultInjector injector_;
};

}  // namespace gatesim::devices

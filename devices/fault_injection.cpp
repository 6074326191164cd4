#include "devices/fault_injection.hpp"

#include <sstream>

#include "models/input_error.hpp"

namespace gatesim::devices {

std::string to_string(InjectedFault fault) {
  switch (fault) {
    case InjectedFault::none: return "none";
    case InjectedFault::disconnect: return "disconnect";
    case InjectedFault::stall: return "stall";
    case InjectedFault::corrupt: return "corrupt";
    case InjectedFault::slow: return "slow";
  }
  return "unknown";
}

FaultPlan parse_fault_plan(const std::string& text, std::uint64_t seed, const std::string& where) {
  FaultPlan plan;
  plan.seed = seed;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ';');) {
    auto bad = [&] {
      throw models::InputError(where + ": fault '" + item +
                               "': expected KIND:PROBABILITY or KIND@CALL, KIND one of disconnect, stall, corrupt, slow");
    };
    const auto split = item.find_first_of(":@");
    if (split == std::string::npos) bad();
    const std::string name = item.substr(0, split), number = item.substr(split + 1);
    InjectedFault kind = InjectedFault::none;
    for (auto k : {InjectedFault::disconnect, InjectedFault::stall, InjectedFault::corrupt, InjectedFault::slow})
      if (to_string(k) == name) kind = k;
    if (kind == InjectedFault::none || number.empty()) bad();
    std::size_t used = 0;
    try {
      if (item[split] == '@') {
        if (number.find_first_not_of("0123456789") != std::string::npos) bad();
        plan.scheduled[std::stoull(number)] = kind;
        continue;
      }
      const double p = std::stod(number, &used);
      if (used != number.size() || !(p >= 0 && p <= 1)) bad();
      plan.probability[kind] = p;
    } catch (const std::logic_error&) {
      bad();
    }
  }
  double total = 0;
  for (const auto& [kind, p] : plan.probability) total += p;
  if (total > 1) throw models::InputError(where + ": fault probabilities add up to more than 1");
  return plan;
}

FaultInjector::FaultInjector(FaultPlan plan, Clock& clock, std::string device)
    : plan_(std::move(plan)), clock_(clock), device_(std::move(device)), random_(plan_.seed) {}

InjectedFault FaultInjector::choose() {
  const std::uint64_t call = calls_++;
  // One draw per call whatever happens, so the faults of call N depend only on seed and N.
  const double u = static_cast<double>(random_() >> 11) * 0x1.0p-53;
  if (const auto it = plan_.scheduled.find(call); it != plan_.scheduled.end()) return it->second;
  double cumulative = 0;
  for (const auto& [kind, p] : plan_.probability) {
    cumulative += p;
    if (u < cumulative) return kind;
  }
  return InjectedFault::none;
}

InjectedFault FaultInjector::next() {
  const InjectedFault fault = choose();
  record(fault);
  return fault;
}

void FaultInjector::before_call() {
  const std::uint64_t call = calls_;
  const InjectedFault fault = choose();
  if (disconnected_) {
    record(InjectedFault::disconnect);
    throw DeviceFault(FaultKind::disconnected, device_, "injected: still unplugged");
  }
  record(fault);
  switch (fault) {
    case InjectedFault::none: return;
    case InjectedFault::slow: clock_.sleep_for(plan_.slow_by); return;
    case InjectedFault::disconnect:
      disconnected_ = true;
      throw DeviceFault(FaultKind::disconnected, device_, "injected: unplugged at call " + std::to_string(call));
    case InjectedFault::stall:
      clock_.sleep_for(plan_.stall_for);
      throw DeviceFault(FaultKind::timeout, device_, "injected: stalled at call " + std::to_string(call));
    case InjectedFault::corrupt:
      throw DeviceFault(FaultKind::corrupt, device_, "injected: corrupt data at call " + std::to_string(call));
  }
}

void FaultInjector::record(InjectedFault fault) {
  if (history_.size() < kHistoryLimit) history_.push_back(fault);
  ++counts_[static_cast<std::size_t>(fault)];
}

FaultyCamera::FaultyCamera(std::unique_ptr<Camera> inner, FaultPlan plan, Clock& clock)
    : inner_(std::move(inner)), injector_(std::move(plan), clock, inner_->name()) {}

void FaultyCamera::open() {
  injector_.reconnect();
  inner_->open();
}

Frame FaultyCamera::read() {
  injector_.before_call();
  return inner_->read();
}

namespace {
// A reader has no open(): its injected disconnect ends once reported.
template <class Call>
auto with_faults(FaultInjector& injector, Call call) {
  try {
    injector.before_call();
  } catch (const DeviceFault& fault) {
    if (fault.kind() == FaultKind::disconnected) injector.reconnect();
    throw;
  }
  return call();
}
}  // namespace

FaultyFingerprintReader::FaultyFingerprintReader(std::unique_ptr<FingerprintReader> inner, FaultPlan plan,
                                                 Clock& clock)
    : inner_(std::move(inner)), injector_(std::move(plan), clock, inner_->name()) {}

FingerprintReading FaultyFingerprintReader::verify(const std::string& holder_id) {
  return with_faults(injector_, [&] { return inner_->verify(holder_id); });
}

FaultyDocumentReader::FaultyDocumentReader(std::unique_ptr<DocumentReader> inner, FaultPlan plan, Clock& clock)
    : inner_(std::move(inner)), injector_(std::move(plan), clock, inner_->name()) {}

std::optional<ChipRecord> FaultyDocumentReader::read() {
  return with_faults(injector_, [&] { return inner_->read(); });
}

}  // namespace gatesim::devices

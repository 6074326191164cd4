// LaneDashboard in-process, on a real MetricsRegistry: what a lane's outcomes put in /metrics and
// in the Lanes page's state. (tests/apps/dashboard_command_test.cpp runs the whole program.)
#include "apps/gatesim/lane_dashboard.hpp"

#include <array>
#include <string>

#include <gtest/gtest.h>

#include "devices/device_fault.hpp"

namespace gatesim::app {
namespace {

using devices::FaultKind;
using namespace std::chrono_literals;

constexpr std::array kKinds{FaultKind::disconnected, FaultKind::timeout, FaultKind::corrupt, FaultKind::end_of_stream};

double device_faults(web::MetricsRegistry& metrics, const std::string& device, const std::string& kind) {
  return metrics
      .counter("gatesim_device_faults_total", "Device faults recorded with transactions",
               {{"lane", "1"}, {"device", device}, {"kind", kind}})
      .value();
}

// Each kind reaches gatesim_device_faults_total under its own label, whatever the fault's text
// says: every text here names another kind the way a DeviceFault's what() does
// ("<device>: <kind>: <detail>"), so a dashboard reading the kind from the text would count each
// fault under the wrong label.
TEST(LaneDashboard, EachFaultKindIsCountedByTheKindItCarriesNotByItsText) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  gate::TransactionOutcome o;
  o.transaction = 1;
  o.decision = gate::Decision::referred;
  o.reasons = {{"device.document_reader", "see the faults"}};
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    // One word for all but one, so that the text's kinds are not merely the labels permuted.
    const FaultKind other = kKinds[i] == FaultKind::corrupt ? FaultKind::timeout : FaultKind::corrupt;
    o.device_faults.push_back({gate::Device::document_reader, kKinds[i],
                               "document_reader: " + devices::to_string(other) + ": injected", 1s});
  }
  dashboard.outcome(lane, o);

  for (std::size_t i = 0; i < kKinds.size(); ++i)
    EXPECT_EQ(device_faults(metrics, "document_reader", devices::to_string(kKinds[i])), 1) << devices::to_string(kKinds[i]);
  EXPECT_EQ(metrics.text().find("kind=\"other\""), std::string::npos) << metrics.text();

  const auto state = dashboard.state();
  const auto& faults = state["lanes"][0]["faults"];
  ASSERT_EQ(faults.size(), kKinds.size()) << state;
  // Newest first: the outcome's last fault heads the list.
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    const auto& f = faults[kKinds.size() - 1 - i];
    EXPECT_EQ(f["kind"], devices::to_string(kKinds[i])) << f;
    EXPECT_EQ(f["device"], "document_reader");
    EXPECT_EQ(f["transaction"], 1);
  }
  EXPECT_EQ(state["lanes"][0]["fault_count"], kKinds.size());
}

// The same fault kind on two devices, and twice on one: one series per device and kind, counted.
TEST(LaneDashboard, FaultsAreCountedPerDeviceAndKindAcrossTransactions) {
  web::MetricsRegistry metrics;
  LaneDashboard dashboard(metrics, "shenzhen-bay", false);
  const auto lane = dashboard.add_lane("1", gate::Channel::document);
  for (std::uint64_t t = 1; t <= 2; ++t) {
    gate::TransactionOutcome o;
    o.transaction = t;
    o.decision = gate::Decision::referred;
    o.device_faults = {{gate::Device::camera, FaultKind::timeout, "stalled: no frame for 5 s", 1s}};
    if (t == 2) o.device_faults.push_back({gate::Device::fingerprint_reader, FaultKind::timeout, "sim: timeout: scripted", 2s});
    dashboard.outcome(lane, o);
  }
  EXPECT_EQ(device_faults(metrics, "camera", "timeout"), 2);
  EXPECT_EQ(device_faults(metrics, "fingerprint_reader", "timeout"), 1);
  EXPECT_EQ(device_faults(metrics, "camera", "disconnected"), 0);
}

}  // namespace
}  // namespace gatesim::app

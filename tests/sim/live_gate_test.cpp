// LiveGate's end: close() and the destructor end the lane although its camera never returns
// from a read (the port's replay must not hang on a device). The real lane (LaneDriver, dlib
// models, an SQLite audit log), a faces folder of two shipped images, a camera that blocks.
#include "sim/live_gate.hpp"

#include <future>
#include <memory>

#include <gtest/gtest.h>

#include "devices/document_reader.hpp"
#include "tests/support/scratch_folder.hpp"

namespace gatesim::sim {
namespace {

using namespace std::chrono_literals;

// The camera's side of the test: it says when a read has begun and returns only when released.
struct Stuck {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> returned;
};

class CameraThatNeverReturns final : public devices::Camera {
 public:
  explicit CameraThatNeverReturns(std::shared_ptr<Stuck> stuck) : stuck_(std::move(stuck)) {}
  void open() override {}
  devices::Frame read() override {
    stuck_->entered.set_value();
    stuck_->released.wait();
    stuck_->returned.set_value();
    throw devices::DeviceFault(devices::FaultKind::disconnected, name(), "released at the end of the test");
  }
  void close() override {}
  bool is_open() const override { return true; }
  std::string name() const override { return "stuck camera"; }

 private:
  std::shared_ptr<Stuck> stuck_;
};

class SilentBarrier final : public devices::Barrier {
 public:
  void open() override { open_ = true; }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }

 private:
  bool open_ = false;
};

class SilentIndicator final : public devices::Indicator {
 public:
  void show(const std::string&) override {}
  void alarm(const std::string&) override {}
};

class LiveGateTest : public gatesim::testing::ScratchFolderTest {};

TEST_F(LiveGateTest, CloseEndsTheLaneWhileItsCameraNeverReturns) {
  copy("reference/obama.jpg", "faces/obama/1.jpg");
  copy("reference/biden.jpg", "faces/biden/1.jpg");  // the roster needs two people
  const Scenario scenario = parse_scenario("name: live\nport: luohu\nstart_hour: 8\nduration_hours: 0.05\n"
                                           "channels: {document_gates: 1, counters: 1}\nfaces: " +
                                               (dir_ / "faces").string() + "\n",
                                           "live.yaml");
  auto stuck = std::make_shared<Stuck>();
  LiveGateSetup setup;
  setup.devices.camera = std::make_unique<CameraThatNeverReturns>(stuck);
  setup.devices.barrier = std::make_unique<SilentBarrier>();
  setup.devices.indicator = std::make_unique<SilentIndicator>();
  setup.audit = dir_ / "audit.db";
  // The face before the policy: the camera is asked whatever the policy would say.
  setup.config.steps = {gate::Step::read_document, gate::Step::face, gate::Step::check_policy};
  setup.config.face_window = 10min;  // no referral for the stuck camera before close()
  auto gate = std::make_unique<LiveGate>(scenario, biometrics::ModelStore::from_environment(), std::move(setup));

  ExternalTraveller traveller;
  traveller.number = 1;
  traveller.facts = devices::parse_chip_record(
                        R"({"id": "P1", "birth_date": "1990-01-01", "residence": "hong_kong", "nationality": "CHN", )"
                        R"("civil_capacity": "full", "consent": true, "documents": [{"kind": "home_return_permit", )"
                        R"("number": "H1", "valid_until": "2040-01-01"}]})",
                        "test")
                        .holder;
  std::promise<ExternalOutcome> outcome;
  gate->serve(1, {traveller}, [&outcome](ExternalOutcome o) { outcome.set_value(std::move(o)); });
  // Generous deadlines for events that take milliseconds: this is no timing test.
  auto entered = stuck->entered.get_future();
  ASSERT_EQ(entered.wait_for(2min), std::future_status::ready) << "the lane never asked the camera";

  auto closed = std::async(std::launch::async, [&gate] {
    const std::size_t completed = gate->close();
    gate.reset();  // the destructor waits for no device either
    return completed;
  });
  const bool returned = closed.wait_for(2min) == std::future_status::ready;
  stuck->release.set_value();  // fail, do not hang: the lane can end now in any case
  EXPECT_TRUE(returned) << "close() waited for the camera";
  EXPECT_EQ(closed.get(), 0u);
  // The party at the lane was answered: the lane stopped.
  auto answered = outcome.get_future();
  ASSERT_EQ(answered.wait_for(2min), std::future_status::ready);
  const ExternalOutcome o = answered.get();
  EXPECT_FALSE(o.cleared);
  EXPECT_TRUE(o.failure);
  // The abandoned read returns once released, on its own thread, with the devices still alive.
  EXPECT_EQ(stuck->returned.get_future().wait_for(2min), std::future_status::ready);
}

}  // namespace
}  // namespace gatesim::sim

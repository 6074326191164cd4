// The lane driver with the real face pipeline (dlib models, shipped images) and a real audit log
// on disk, on virtual time (VirtualLaneClock: the timeouts cost no real time and do not depend
// on how fast the machine analyses a face); the devices replay scripted travellers. The
// cancellation tests run on real time with a camera that never returns.
#include "gate/lane_driver.hpp"

#include "gate/face_pool.hpp"
#include "gate/lane_bank.hpp"

#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "biometrics/image_io.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::gate {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

// `relative` to the shipped faces, or an absolute path (an image a test made).
cv::Mat image(const std::string& relative) {
  if (std::filesystem::path(relative).is_absolute()) return biometrics::load_image(relative);
  return biometrics::load_image(gatesim::testing::test_data("faces/" + relative));
}

struct Traveller {
  std::string holder_id;
  std::vector<std::string> frames;  // images the camera shows, in turn (the last repeats)
  bool camera_unplugged = false;    // the camera fails on the first frame
  bool camera_stalls = false;       // the camera stalls for 10 minutes of the lane's clock, then fails
  bool camera_hangs = false;        // the camera blocks until release_camera() (never, in the test)
  bool audit_log_removed = false;   // the audit log's files are removed as this traveller arrives
  // Non-empty: the lane has no exit sensor and the driver watches the camera, which shows these
  // once the barrier has opened (the last repeats).
  std::vector<std::string> passage_frames = {};
  std::function<void()> on_arrival = {};  // called as this traveller arrives (device thread)
};

// Devices that replay scripted travellers; the barrier checks that the audit row is on disk.
class ReplayDevices : public LaneDevices {
 public:
  ReplayDevices(std::deque<Traveller> travellers, std::filesystem::path audit_file, LaneClock& clock)
      : travellers_(std::move(travellers)), audit_file_(std::move(audit_file)), clock_(clock) {}

  bool next_traveller() override {
    if (travellers_.empty()) return false;
    current_ = travellers_.front();
    travellers_.pop_front();
    frame_ = 0;
    passage_frame_ = 0;
    passing_ = false;
    arrivals.push_back(clock_.now());
    if (current_.on_arrival) current_.on_arrival();
    if (current_.audit_log_removed)
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(audit_file_.string() + suffix);
    return true;
  }
  DocumentReading read_document(Role) override {
    return {DocumentInfo{current_.holder_id, "C-" + current_.holder_id}, ""};
  }
  cv::Mat capture_frame() override {
    if (current_.camera_unplugged) throw DeviceFailure(Device::camera, devices::FaultKind::disconnected, "camera unplugged");
    if (current_.camera_stalls) {
      clock_.sleep_for(std::chrono::minutes(10));
      throw DeviceFailure(Device::camera, devices::FaultKind::timeout, "camera stalled, gave up");
    }
    if (current_.camera_hangs) {
      camera_entered_.set_value();
      camera_released_.wait();
      throw DeviceFailure(Device::camera, devices::FaultKind::disconnected, "camera released at the end of the test");
    }
    if (passing_ && !current_.passage_frames.empty()) {
      ++passage_looks;
      return image(current_.passage_frames.at(std::min(passage_frame_++, current_.passage_frames.size() - 1)));
    }
    const auto& name = current_.frames.at(std::min(frame_++, current_.frames.size() - 1));
    return image(name);
  }
  FingerprintOutcome capture_fingerprint(const std::string&) override { return FingerprintOutcome::matched; }
  void open_barrier() override {
    ++openings;
    openings_at.push_back(clock_.now());
    passing_ = true;
    records_at_opening.push_back(AuditLog(audit_file_).records().size());
  }
  std::optional<int> await_passage() override {
    if (current_.passage_frames.empty()) return 1;
    return std::nullopt;  // no exit sensor: the driver watches the camera
  }
  void close_barrier() override {}
  void show(Signal signal) override { signals.push_back(signal); }
  void alarm(const std::string& what) override { alarms.push_back(what); }
  void release_camera() { release_camera_.set_value(); }
  std::future<void> camera_entered() { return camera_entered_.get_future(); }

  int openings = 0;
  std::vector<devices::Duration> openings_at, arrivals;  // on the lane's clock
  int passage_looks = 0;                                  // frames taken while watching the passage
  std::vector<std::size_t> records_at_opening;
  std::vector<Signal> signals;
  std::vector<std::string> alarms;

 private:
  std::deque<Traveller> travellers_;
  std::filesystem::path audit_file_;
  Traveller current_;
  std::size_t frame_ = 0;
  std::size_t passage_frame_ = 0;
  bool passing_ = false;
  LaneClock& clock_;
  std::promise<void> camera_entered_;
  std::promise<void> release_camera_;
  std::shared_future<void> camera_released_ = release_camera_.get_future().share();
};

// Everyone is eligible; templates are real descriptors of the enrolment images.
class EnrolledServices : public LaneServices {
 public:
  explicit EnrolledServices(std::map<std::string, std::vector<biometrics::FaceDescriptor>> gallery)
      : gallery_(std::move(gallery)) {}
  PolicyChecked check_policy(const CheckPolicy&) override { return PolicyChecked{{}, 0, true, {}, false, {}}; }
  std::vector<biometrics::FaceDescriptor> enrolled_faces(const std::string& holder_id) override {
    auto it = gallery_.find(holder_id);
    return it == gallery_.end() ? std::vector<biometrics::FaceDescriptor>{} : it->second;
  }
  IdentificationDone identify(const Identify&, const biometrics::FaceDescriptor& probe) override {
    std::vector<Candidate> nearest;
    for (const auto& [id, templates] : gallery_) {
      double best = 10;
      for (const auto& t : templates) best = std::min(best, biometrics::descriptor_distance(t, probe));
      nearest.push_back({id, best});
    }
    std::sort(nearest.begin(), nearest.end(), [](auto& a, auto& b) { return a.distance < b.distance; });
    IdentificationDone done;
    if (!nearest.empty()) done.best = nearest[0];
    if (nearest.size() > 1) done.second = nearest[1];
    return done;
  }

 private:
  std::map<std::string, std::vector<biometrics::FaceDescriptor>> gallery_;
};

class LaneDriverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    biometrics::FaceAnalyzer analyzer(biometrics::ModelStore::from_environment(), biometrics::kGateCameraDetector);
    auto enrol = [&](const std::string& file) {
      const cv::Mat img = image(file);
      return analyzer.describe(img, analyzer.detect(img).at(0));
    };
    gallery_ = new std::map<std::string, std::vector<biometrics::FaceDescriptor>>{
        {"obama", {enrol("reference/obama.jpg")}}, {"biden", {enrol("reference/biden.jpg")}}};
  }
  static void TearDownTestSuite() { delete gallery_; }

  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "gatesim-lane-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    audit_file_ = dir_ / "audit.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `also`: called with each outcome too (on the driver's thread). Virtual time: the default
  // GateConfig's windows hold whatever the real pipeline takes on this machine.
  std::vector<TransactionOutcome> run(std::deque<Traveller> travellers, GateConfig config = {},
                                      std::filesystem::path keep_images = {},
                                      std::function<void(const TransactionOutcome&)> also = {}) {
    devices_ = std::make_unique<ReplayDevices>(std::move(travellers), audit_file_, clock_);
    EnrolledServices services(*gallery_);
    AuditLog audit(audit_file_, "test-lane");
    std::vector<TransactionOutcome> outcomes;
    LaneDriverOptions options;
    options.keep_images = std::move(keep_images);
    options.clock = &clock_;
    options.diagnostics = &diagnostics_;
    options.frame_memo = frame_memo_;
    options.liveness = liveness_;
    options.follow_face = follow_face_;
    options.on_outcome = [&](const TransactionOutcome& o) {
      outcomes.push_back(o);
      if (also) also(o);
    };
    LaneDriver driver(config, biometrics::ModelStore::from_environment(), *devices_, services, audit, options);
    // A lane that never finishes (spinning on the virtual clock) fails the test instead of
    // hanging it: the deadline is generous (the real pipeline under the sanitizers), no timing.
    auto ran = std::async(std::launch::async, [&] { return driver.run(); });
    if (ran.wait_for(10min) != std::future_status::ready) {
      driver.stop();
      ADD_FAILURE() << "the lane did not finish its travellers within 10 minutes";
    }
    const auto completed = ran.get();
    EXPECT_EQ(completed, outcomes.size());
    face_counts_ = driver.face_counts();
    return outcomes;
  }

  // The holder stays in the passage after the barrier closed (see the tests that use it); the
  // passage must clear at +3500 ms whether or not the looks follow the face (follow_face_).
  std::vector<TransactionOutcome> stay_in_the_passage() {
    const cv::Mat holder = image("reference/obama2.jpg");
    cv::Mat left(holder.rows, 2 * holder.cols, holder.type(), cv::Scalar(128, 128, 128)), right = left.clone();
    holder.copyTo(left(cv::Rect(0, 0, holder.cols, holder.rows)));
    holder.copyTo(right(cv::Rect(holder.cols, 0, holder.cols, holder.rows)));
    const auto left_file = dir_ / "left.png", right_file = dir_ / "right.png";
    EXPECT_TRUE(cv::imwrite(left_file.string(), left));
    EXPECT_TRUE(cv::imwrite(right_file.string(), right));
    Traveller stays{"obama", {"reference/obama2.jpg"}};
    stays.passage_frames.assign(20, left_file.string());
    stays.passage_frames.insert(stays.passage_frames.end(), {"scenes/dogs.jpg", "scenes/dogs.jpg", left_file.string(),
                                                             left_file.string(), left_file.string(), right_file.string(),
                                                             "scenes/dogs.jpg"});
    GateConfig config;
    config.passage_required = true;  // the exit timer closes the barrier, the camera readies the lane
    config.exit_timeout = 450ms;     // closed before the look at +500 ms
    auto outcomes = run({stays, {"obama", {"reference/obama3.jpg"}}}, config);
    EXPECT_EQ(outcomes.size(), 2u);
    if (outcomes.empty()) return outcomes;
    EXPECT_EQ(outcomes[0].decision, Decision::cleared);
    EXPECT_EQ(devices_->openings_at.size(), 2u);
    EXPECT_EQ(devices_->arrivals.size(), 2u);
    if (devices_->openings_at.empty() || devices_->arrivals.size() < 2) return outcomes;
    EXPECT_EQ(devices_->arrivals[1] - devices_->openings_at[0], 3500ms);
    EXPECT_EQ(devices_->passage_looks, 36);
    EXPECT_EQ(face_counts_.watch_looks, 36u);
    return outcomes;
  }

  VirtualLaneClock clock_;
  std::ostringstream diagnostics_;
  std::shared_ptr<FrameMemo> frame_memo_;     // run()'s, when a test sets one
  std::shared_ptr<LivenessProbe> liveness_;  // run()'s, when a test sets one
  bool follow_face_ = true;                  // run()'s LaneDriverOptions::follow_face
  LaneDriver::FaceCounts face_counts_;       // the last run()'s
  static std::map<std::string, std::vector<biometrics::FaceDescriptor>>* gallery_;
  std::filesystem::path dir_;
  std::filesystem::path audit_file_;  // run()'s audit log: dir_/audit.db unless a test says otherwise
  std::unique_ptr<ReplayDevices> devices_;
};
std::map<std::string, std::vector<biometrics::FaceDescriptor>>* LaneDriverTest::gallery_ = nullptr;

TEST_F(LaneDriverTest, GenuineImpostorTailgatingAndNoFaceThroughTheRealPipeline) {
  GateConfig config;
  config.max_face_frames = 5;
  const auto outcomes = run({{"obama", {"reference/obama2.jpg"}},
                             {"obama", {"reference/biden.jpg"}},  // someone else with Obama's permit
                             {"biden", {"examples/two_people.jpg"}},
                             {"biden", {"scenes/dogs.jpg"}}},
                            config);
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  EXPECT_LT(outcomes[0].people[0].distance.value(), 0.6);
  EXPECT_EQ(outcomes[1].decision, Decision::referred);
  EXPECT_EQ(outcomes[1].reasons.at(0).name(), "face.no_match");
  EXPECT_GT(outcomes[1].people[0].distance.value(), 0.6);
  EXPECT_EQ(outcomes[2].reasons.at(0).name(), "tailgating");
  EXPECT_EQ(devices_->alarms.size(), 1u);
  EXPECT_EQ(outcomes[3].reasons.at(0).name(), "face.quality");  // 5 frames without a face
  EXPECT_EQ(outcomes[3].people[0].frames, 5);

  // The barrier opened once, and only after the cleared transaction was on disk.
  EXPECT_EQ(devices_->openings, 1);
  EXPECT_THAT(devices_->records_at_opening, ElementsAre(1u));
  const auto records = AuditLog(dir_ / "audit.db").records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].outcome["reasons"][0]["code"], "face.no_match");
  EXPECT_TRUE(records[0].outcome["image_paths"].empty());
  for (const auto& t : {"read_document", "check_policy", "face"})
    EXPECT_TRUE(records[0].outcome["timings_ms"].contains(t)) << t;
  EXPECT_EQ(outcomes[0].timings.back().step, Step::audit);  // known only once the write is done
}

TEST_F(LaneDriverTest, CameraUnpluggedIsReferredAndTheNextTravellerPasses) {
  const auto outcomes = run({{"obama", {"reference/obama2.jpg"}, true}, {"obama", {"reference/obama3.jpg"}}});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].reasons.at(0).name(), "device.camera");
  ASSERT_EQ(outcomes[0].device_faults.size(), 1u);
  EXPECT_EQ(outcomes[0].device_faults[0].kind, devices::FaultKind::disconnected);
  EXPECT_EQ(outcomes[1].decision, Decision::cleared) << to_json(outcomes[1]).dump();
}

// The camera stalls inside capture_frame() for 10 minutes: the face step's timeout must refer the
// traveller (and get the referral written) while the device call is still under way; then the
// lane serves the next traveller. All in virtual time: the test waits for no timeout.
TEST_F(LaneDriverTest, ACameraStalledPastTheFaceWindowIsReferredAndTheLaneRecovers) {
  const auto outcomes = run({{"obama", {"reference/obama2.jpg"}, false, true}, {"obama", {"reference/obama3.jpg"}}});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].decision, Decision::referred);
  EXPECT_EQ(outcomes[0].reasons.at(0).name(), "face.timeout");
  EXPECT_EQ(outcomes[0].people[0].frames, 0);
  // Referred when the face window ran out, not when the camera gave up 10 minutes later.
  EXPECT_EQ(outcomes[0].decided_at - outcomes[0].started_at, GateConfig{}.face_window);
  // The camera that gave no frame is named: in the reason and as a fault of the transaction.
  EXPECT_NE(outcomes[0].reasons.at(0).detail.find("the camera gave no frame"), std::string::npos);
  ASSERT_EQ(outcomes[0].device_faults.size(), 1u);
  EXPECT_EQ(outcomes[0].device_faults[0].device, Device::camera);
  EXPECT_EQ(outcomes[0].device_faults[0].kind, devices::FaultKind::timeout) << "the controller's stall finding";
  EXPECT_EQ(outcomes[1].decision, Decision::cleared);
  // The next traveller was served once the camera answered, 10 minutes in.
  EXPECT_GE(outcomes[1].started_at, std::chrono::minutes(10));
  // The stalled call's late fault is kept with the next transaction's record.
  ASSERT_EQ(outcomes[1].device_faults.size(), 1u);
  EXPECT_EQ(outcomes[1].device_faults[0].what, "camera stalled, gave up");
  EXPECT_EQ(outcomes[1].device_faults[0].kind, devices::FaultKind::timeout) << "the device's own kind, through the driver";
  EXPECT_EQ(AuditLog(dir_ / "audit.db").records().size(), 2u);
}

// Cancellation, on real time: the camera never returns from capture_frame(). The face step's
// timeout refers the traveller without waiting for it, and stop() ends run() without waiting
// for it either; the abandoned call, released only after the driver is gone, finishes on its
// own thread, which lets go of the devices (shared with the driver) and exits.
TEST_F(LaneDriverTest, RunAndStopReturnWhileTheCameraNeverReturns) {
  GateConfig config;
  config.face_window = 200ms;  // real time; the camera gives no frame, so no pipeline runs in it
  auto devices = std::make_shared<ReplayDevices>(
      std::deque<Traveller>{{"obama", {"reference/obama2.jpg"}, false, false, true}, {"obama", {"reference/obama3.jpg"}}},
      dir_ / "audit.db", steady_lane_clock());
  auto entered = devices->camera_entered();
  EnrolledServices services(*gallery_);
  AuditLog audit(dir_ / "audit.db", "test-lane");
  std::promise<TransactionOutcome> first;
  LaneDriverOptions options;
  options.diagnostics = &diagnostics_;
  options.on_outcome = [&](const TransactionOutcome& o) { first.set_value(o); };
  std::future<std::size_t> ran;
  {
    LaneDriver driver(config, biometrics::ModelStore::from_environment(), devices, services, audit, options);
    ran = std::async(std::launch::async, [&] { return driver.run(); });
    // Generous deadlines for events that take milliseconds: this is no timing test.
    ASSERT_EQ(entered.wait_for(30s), std::future_status::ready);
    auto outcome = first.get_future();
    ASSERT_EQ(outcome.wait_for(30s), std::future_status::ready) << "the face timeout waited for the camera";
    EXPECT_EQ(outcome.get().reasons.at(0).name(), "face.timeout");
    driver.stop();
    ASSERT_EQ(ran.wait_for(30s), std::future_status::ready) << "run() waited for the camera after stop()";
    EXPECT_EQ(ran.get(), 1u);  // the next traveller never came: the camera holds the device thread
  }  // the driver is destroyed with the camera call still under way
  EXPECT_EQ(AuditLog(dir_ / "audit.db").records().size(), 1u);
  EXPECT_GT(devices.use_count(), 1) << "the abandoned call holds the devices";
  devices->release_camera();
  for (int i = 0; i < 3000 && devices.use_count() > 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(devices.use_count(), 1) << "the abandoned device thread did not finish";
}

// stop() before run(): run() returns at once and serves nobody.
TEST_F(LaneDriverTest, StopBeforeRunServesNobody) {
  auto devices = std::make_shared<ReplayDevices>(std::deque<Traveller>{{"obama", {"reference/obama2.jpg"}}},
                                                 dir_ / "audit.db", clock_);
  EnrolledServices services(*gallery_);
  AuditLog audit(dir_ / "audit.db", "test-lane");
  LaneDriverOptions options;
  options.clock = &clock_;
  LaneDriver driver({}, biometrics::ModelStore::from_environment(), devices, services, audit, options);
  driver.stop();
  EXPECT_EQ(driver.run(), 0u);
  EXPECT_TRUE(AuditLog(dir_ / "audit.db").records().empty());
}

// A callback that throws ends run() with its exception; the virtual clock's wake-up hook goes
// with it (left installed, it would post to a finished lane and keep every later sleeper on the
// clock waiting for a lane that no longer moves time).
TEST_F(LaneDriverTest, RunThatThrowsLeavesNoHookOnTheVirtualClock) {
  auto devices = std::make_shared<ReplayDevices>(std::deque<Traveller>{{"obama", {"reference/obama2.jpg"}}},
                                                 dir_ / "audit.db", clock_);
  EnrolledServices services(*gallery_);
  AuditLog audit(dir_ / "audit.db", "test-lane");
  LaneDriverOptions options;
  options.clock = &clock_;
  options.on_outcome = [](const TransactionOutcome&) { throw std::runtime_error("the outcome's consumer failed"); };
  LaneDriver driver({}, biometrics::ModelStore::from_environment(), devices, services, audit, options);
  EXPECT_THROW(driver.run(), std::runtime_error);
  // No lane runs on the clock now: a sleeper's time jumps at once (with the hook it would wait).
  auto slept = std::async(std::launch::async, [&] { clock_.sleep_until(clock_.now() + 1s); });
  const bool returned = slept.wait_for(2min) == std::future_status::ready;
  if (!returned) clock_.on_quiet({});  // release it: fail, do not hang
  EXPECT_TRUE(returned) << "the clock still had the finished lane's hook";
}

TEST_F(LaneDriverTest, DocumentFreeChannelIdentifiesInTheGallery) {
  GateConfig config;
  config.channel = Channel::document_free;
  const auto outcomes = run({{"", {"reference/obama3.jpg"}}}, config);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  EXPECT_EQ(outcomes[0].holder_id, "obama");
  EXPECT_GT(outcomes[0].people[0].second_distance.value(), outcomes[0].people[0].distance.value() + 0.08);
}

TEST_F(LaneDriverTest, DocumentFreeLaneWaitsForAFaceAndKeepsIdleFaultsForTheNextRecord) {
  GateConfig config;
  config.channel = Channel::document_free;
  // The lane is empty (a scene without a face) for a while, then Obama steps up. Before that
  // the camera fails twice while nobody is there.
  // The second failure in a row is the same fault: retried after camera_retry, not recorded again.
  const auto outcomes = run({{"", {}, true}, {"", {}, true}, {"", {"scenes/dogs.jpg"}}, {"", {"scenes/dogs.jpg"}},
                             {"", {"reference/obama3.jpg"}}},
                            config);
  ASSERT_EQ(outcomes.size(), 1u) << "an empty lane is not a transaction";
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  EXPECT_EQ(outcomes[0].holder_id, "obama");
  EXPECT_EQ(outcomes[0].people[0].frames, 1);
  ASSERT_EQ(outcomes[0].device_faults.size(), 1u);
  EXPECT_EQ(outcomes[0].device_faults[0].what, "camera unplugged");
}

// No exit sensor: the driver watches the camera until no face has been in view for
// passage_clear, looking every passage_look_every. On virtual time each look is paced by a
// timer (a camera that answers at once must not spin the lane with no time passing): the face
// is seen at the opening, +100 ms and +200 ms, gone from +300 ms, and the passage is clear at
// +1200 ms (ten face-free looks later), when the next traveller is served.
TEST_F(LaneDriverTest, WithoutAnExitSensorTheCameraIsWatchedUntilTheFaceHasGone) {
  Traveller first{"obama", {"reference/obama2.jpg"}};
  first.passage_frames = {"reference/obama2.jpg", "reference/obama2.jpg", "reference/obama2.jpg", "scenes/dogs.jpg"};
  const auto outcomes = run({first, {"obama", {"reference/obama3.jpg"}}});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  EXPECT_EQ(outcomes[1].decision, Decision::cleared);
  ASSERT_EQ(devices_->openings_at.size(), 2u);
  ASSERT_EQ(devices_->arrivals.size(), 2u);
  EXPECT_EQ(devices_->arrivals[1] - devices_->openings_at[0], 1200ms);
  EXPECT_EQ(devices_->passage_looks, 13);
  EXPECT_TRUE(devices_->alarms.empty()) << "one person went through: no tailgating";
}

// The detector misses a face now and then (HOG on a turned head, motion blur). The traveller
// is still there: a look or two without a face, within passage_clear, must not clear the
// passage. Faces at +0, +200 and +500 ms, missed at +100, +300 and +400 ms, gone from
// +600 ms: clear at +1500 ms, a full passage_clear after the last face.
TEST_F(LaneDriverTest, ADetectorDropoutWhileTheTravellerIsInViewDoesNotClearThePassage) {
  Traveller first{"obama", {"reference/obama2.jpg"}};
  first.passage_frames = {"reference/obama2.jpg", "scenes/dogs.jpg", "reference/obama2.jpg", "scenes/dogs.jpg",
                          "scenes/dogs.jpg",      "reference/obama2.jpg", "scenes/dogs.jpg"};
  const auto outcomes = run({first, {"obama", {"reference/obama3.jpg"}}});
  ASSERT_EQ(outcomes.size(), 2u);
  ASSERT_EQ(devices_->openings_at.size(), 2u);
  ASSERT_EQ(devices_->arrivals.size(), 2u);
  EXPECT_EQ(devices_->arrivals[1] - devices_->openings_at[0], 1500ms);
  EXPECT_EQ(devices_->passage_looks, 16) << "every 100 ms until the passage is clear";
}

// A document-free lane refers someone who is not enrolled. They are still standing there: the
// lane does not try them again at once, but waits until no face has been in view for
// passage_clear (they stepped away), and only then looks for the next traveller. The camera
// shows the stranger in four frames, then the empty lane.
TEST_F(LaneDriverTest, ADocumentFreeLaneWaitsForAReferredTravellerToLeaveTheView) {
  GateConfig config;
  config.channel = Channel::document_free;
  const std::string stranger = "people/train/kit_harington/john1.jpeg";
  std::vector<devices::Duration> completed_at;
  const auto outcomes = run({{"", {stranger, stranger, stranger, stranger, "scenes/dogs.jpg"}}, {"", {"reference/obama3.jpg"}}},
                            config, {}, [&](const TransactionOutcome&) { completed_at.push_back(clock_.now()); });
  ASSERT_EQ(outcomes.size(), 2u) << "the stranger is referred once, not once per frame";
  EXPECT_EQ(outcomes[0].reasons.at(0).name(), "identification.not_found");
  EXPECT_EQ(outcomes[1].holder_id, "obama");
  EXPECT_EQ(outcomes[1].decision, Decision::cleared);
  // The watch looks every 100 ms: the stranger's frames the transaction left, then the empty
  // lane for a full passage_clear after the last face.
  const int frames_left = 4 - outcomes[0].people.at(0).frames;
  ASSERT_GE(frames_left, 1);
  ASSERT_EQ(devices_->arrivals.size(), 2u);
  EXPECT_EQ(devices_->arrivals[1] - completed_at.at(0), (frames_left - 1) * 100ms + 1000ms);
}

// The holder stays in the passage after the exit timer closed the barrier. While the barrier is
// open every look is detected in full (a tailgater may be anywhere in the frame); once it has
// closed, the looks follow the holder's face instead, with a full detection every 10th look and
// wherever following finds no near face. That must not change when the passage clears: a full
// passage_clear after the last face any look showed. The camera (a look every 100 ms) shows the
// holder on the left of a wide frame from the opening to +1900 ms, the empty lane at +2000 and
// +2100 ms (the detector's dropout), the holder on the left again from +2200 to +2400 ms, then
// on the right at +2500 ms (following loses a face that jumped: the full detection must still
// see it), and the empty lane from +2600 ms: clear at +3500 ms. Counted, not timed.
TEST_F(LaneDriverTest, AHolderStayingInThePassageIsFollowedAndHoldsItUntilAFullDetectionSeesNoFace) {
  follow_face_ = true;
  stay_in_the_passage();
  // In full: the 5 looks with the barrier open; +1400 ms (the 10th look); +2000 and +2500 ms
  // (following lost the face) and +2100 ms; +2200 ms (nothing to follow); +2600 ms (lost)
  // and the 9 empty looks after it. Followed: +500 to +1300, +1500 to +1900, +2300, +2400.
  EXPECT_EQ(face_counts_.watch_followed, 16u);
  EXPECT_EQ(face_counts_.watch_follow_lost, 3u);
  EXPECT_EQ(face_counts_.watch_detections, 20u);
}

// The same without following: every look detected in full, the same clearing time.
TEST_F(LaneDriverTest, AHolderStayingInThePassageWithEveryLookDetectedInFullClearsAtTheSameTime) {
  follow_face_ = false;
  stay_in_the_passage();
  EXPECT_EQ(face_counts_.watch_followed, 0u);
  EXPECT_EQ(face_counts_.watch_detections, 36u);
}

// The camera's watches count only near faces (a box at least half the height of the
// traveller's face at the face step). Tailgating: while the barrier is open, the next traveller
// waiting further back, a small face in the same frame, is not tailgating; two people of about
// the traveller's size are. Passage: once only the far face is in view (+100 ms on), the
// passage is clear a passage_clear later; it does not hold the lane.
TEST_F(LaneDriverTest, OnlyNearFacesCountInThePassageForTailgatingAndForClearing) {
  // Obama at the lane (a face 268 px high) and Biden far behind him (a small face).
  const cv::Mat at_lane = image("reference/obama2.jpg");
  const cv::Mat biden = image("reference/biden.jpg");
  cv::Mat far_behind;
  cv::resize(biden(cv::Rect(300, 120, 560, 580)), far_behind, {}, 0.3, 0.3, cv::INTER_AREA);
  cv::Mat queue = at_lane.clone();
  far_behind.copyTo(queue(cv::Rect(queue.cols - far_behind.cols - 10, queue.rows - far_behind.rows - 10, far_behind.cols,
                                   far_behind.rows)));
  const auto queue_file = dir_ / "queue.png";
  ASSERT_TRUE(cv::imwrite(queue_file.string(), queue));
  // Obama has gone; Biden still waits far behind.
  cv::Mat only_far(at_lane.size(), at_lane.type(), cv::Scalar(128, 128, 128));
  far_behind.copyTo(only_far(cv::Rect(only_far.cols - far_behind.cols - 10, only_far.rows - far_behind.rows - 10,
                                      far_behind.cols, far_behind.rows)));
  const auto far_file = dir_ / "far.png";
  ASSERT_TRUE(cv::imwrite(far_file.string(), only_far));
  // Two people as close to the camera as Obama stood: two_people.jpg enlarged.
  cv::Mat two_near;
  cv::resize(image("examples/two_people.jpg"), two_near, {}, 1.6, 1.6, cv::INTER_LINEAR);
  const auto two_near_file = dir_ / "two-near.png";
  ASSERT_TRUE(cv::imwrite(two_near_file.string(), two_near));
  {
    biometrics::FaceAnalyzer analyzer(biometrics::ModelStore::from_environment(), biometrics::kGateCameraDetector);
    const auto faces = analyzer.detect(queue);
    ASSERT_EQ(faces.size(), 2u) << "the detector sees both faces of the made frame";
    const auto heights = std::minmax({faces[0].box.height(), faces[1].box.height()});
    ASSERT_LT(heights.first, heights.second / 2) << "the one behind is far";
    ASSERT_EQ(analyzer.detect(only_far).size(), 1u);
    const auto both = analyzer.detect(two_near);
    ASSERT_EQ(both.size(), 2u);
    for (const auto& f : both) ASSERT_GE(2 * f.box.height(), heights.second) << "each as near as Obama";
  }
  Traveller queued{"obama", {"reference/obama2.jpg"}};
  queued.passage_frames = {queue_file.string(), far_file.string()};
  Traveller tailgated{"obama", {"reference/obama2.jpg"}};
  tailgated.passage_frames = {two_near_file.string(), "scenes/dogs.jpg"};
  const auto outcomes = run({queued, tailgated});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  EXPECT_EQ(outcomes[1].decision, Decision::cleared);
  ASSERT_EQ(devices_->openings_at.size(), 2u);
  ASSERT_EQ(devices_->arrivals.size(), 2u);
  EXPECT_EQ(devices_->arrivals[1] - devices_->openings_at[0], 1000ms) << "the far face does not hold the passage";
  ASSERT_EQ(devices_->alarms.size(), 1u) << "only the second traveller was followed";
  EXPECT_EQ(devices_->alarms[0], "tailgating in the passage: 2 people went through the passage, 1 cleared (obama)");
  const auto incidents = AuditLog(audit_file_).incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].code, "passage.tailgating");
  EXPECT_EQ(incidents[0].transaction, outcomes[1].transaction);
}

// Fail closed: the audit log's file is removed after the first traveller. The second is
// referred (audit.failed), no barrier opens for them, and stderr says so; the third finds a
// fresh log at the same path, is cleared and recorded, and stderr says the lane clears again.
TEST_F(LaneDriverTest, AnAuditLogThatCannotBeWrittenOpensNoBarrierUntilItCanAgain) {
  const auto audit_file = dir_ / "audit.db";
  Traveller second{"obama", {"reference/obama3.jpg"}};
  second.audit_log_removed = true;
  const auto outcomes = run({{"obama", {"reference/obama2.jpg"}}, second, {"obama", {"reference/obama2.jpg"}}});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  EXPECT_EQ(outcomes[1].decision, Decision::referred);
  ASSERT_FALSE(outcomes[1].reasons.empty());
  EXPECT_EQ(outcomes[1].reasons.back().name(), "audit.failed");
  EXPECT_NE(outcomes[1].reasons.back().detail.find("removed"), std::string::npos) << outcomes[1].reasons.back().detail;
  EXPECT_EQ(outcomes[2].decision, Decision::cleared);
  // Two openings, each after its row was on disk (the second in the new file).
  EXPECT_EQ(devices_->openings, 2);
  EXPECT_THAT(devices_->records_at_opening, ElementsAre(1u, 1u));
  const auto records = AuditLog(audit_file).records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].transaction, 3u);
  const std::string said = diagnostics_.str();
  EXPECT_NE(said.find("the audit log cannot be written"), std::string::npos) << said;
  EXPECT_NE(said.find("no barrier opens"), std::string::npos) << said;
  EXPECT_NE(said.find("the audit log is written again"), std::string::npos) << said;
}

// A small file system of its own (tmpfs), for the audit log to run out of space on or to be
// made read-only under it. Mounting needs CAP_SYS_ADMIN: without it mounted() is false.
class SmallFileSystem {
 public:
  explicit SmallFileSystem(std::filesystem::path where) : where_(std::move(where)) {
    std::filesystem::create_directories(where_);
    if (::mount("gatesim-test", where_.c_str(), "tmpfs", 0, "size=1m") == 0)
      mounted_ = true;
    else
      why_ = std::strerror(errno);
  }
  ~SmallFileSystem() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_; }
  // Fills the file system up with a file of zeros (ENOSPC ends it).
  void fill() {
    std::ofstream filler(where_ / "filler", std::ios::binary);
    const std::string block(4096, '\0');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) && filler.flush()) {}
  }
  void unfill() { std::filesystem::remove(where_ / "filler"); }
  void read_only(bool ro) {
    if (::mount("gatesim-test", where_.c_str(), "tmpfs", MS_REMOUNT | (ro ? MS_RDONLY : 0), "size=1m") != 0)
      ADD_FAILURE() << "remount " << (ro ? "read-only" : "read-write") << ": " << std::strerror(errno);
  }

 private:
  std::filesystem::path where_;
  bool mounted_ = false;
  std::string why_;
};

// Fail closed on a real file system: it fills up under the second traveller's record, is made
// read-only for the third's and writable for the fourth's. The second and third are referred
// with audit.failed and no barrier opens for them; stderr says the lane clears nobody and, when
// the log is written again, that it clears travellers again; the fourth is cleared and recorded.
TEST_F(LaneDriverTest, AFullOrReadOnlyFileSystemOpensNoBarrierUntilTheLogCanBeWrittenAgain) {
  SmallFileSystem small(dir_ / "small");
  if (!small.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs here (" << small.why_not() << "; needs root)";
  audit_file_ = dir_ / "small" / "audit.db";
  Traveller full{"obama", {"reference/obama3.jpg"}};
  full.on_arrival = [&] { small.fill(); };
  Traveller read_only{"obama", {"reference/obama2.jpg"}};
  read_only.on_arrival = [&] {
    small.unfill();
    small.read_only(true);
  };
  Traveller writable{"obama", {"reference/obama3.jpg"}};
  writable.on_arrival = [&] { small.read_only(false); };
  const auto outcomes = run({{"obama", {"reference/obama2.jpg"}}, full, read_only, writable});
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  for (std::size_t i : {1u, 2u}) {
    EXPECT_EQ(outcomes[i].decision, Decision::referred) << i;
    ASSERT_FALSE(outcomes[i].reasons.empty()) << i;
    EXPECT_EQ(outcomes[i].reasons.back().name(), "audit.failed") << i;
  }
  EXPECT_NE(outcomes[1].reasons.back().detail.find("full"), std::string::npos) << outcomes[1].reasons.back().detail;
  EXPECT_EQ(outcomes[3].decision, Decision::cleared);
  EXPECT_EQ(devices_->openings, 2) << "a barrier opened for a transaction without its record";
  const auto records = AuditLog(audit_file_).records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].transaction, 1u);
  EXPECT_EQ(records[1].transaction, 4u);
  const std::string said = diagnostics_.str();
  EXPECT_NE(said.find("the audit log cannot be written"), std::string::npos) << said;
  EXPECT_NE(said.find("no barrier opens"), std::string::npos) << said;
  EXPECT_NE(said.find("the audit log is written again"), std::string::npos) << said;
}

// A liveness detector that finds every face live (passive probability 0.9), counting frames.
class AlwaysLive final : public LivenessProbe {
 public:
  void restart() override { frames_ = 0; }
  biometrics::LivenessMeasurements observe(const cv::Mat&, const biometrics::DetectedFace&) override {
    return {++frames_, 0.9, std::nullopt, false, std::nullopt};
  }

 private:
  int frames_ = 0;
};

// With a FrameMemo the pipeline analyses each distinct image once, however often the camera
// shows it. An image first seen on a liveness-only frame (after the face matched: no descriptor
// wanted) gets its descriptor computed when a later frame wants one: the second traveller's
// first frame is that image, and must be matched, not left without a probe.
TEST_F(LaneDriverTest, AFrameMemoAnalysesEachImageOnceAndAddsTheDescriptorWhenOneIsWanted) {
  GateConfig config;
  config.liveness.mode = biometrics::LivenessMode::passive;
  config.liveness.min_frames = config.liveness.max_frames = 3;
  config.liveness.time_budget_s = 4;  // within the face window (virtual time: frames cost none)
  frame_memo_ = std::make_shared<FrameMemo>(8);
  liveness_ = std::make_shared<AlwaysLive>();
  // Traveller 1: obama2 (matched), then obama3 twice for liveness only. Traveller 2: obama3.
  const auto outcomes = run({{"obama", {"reference/obama2.jpg", "reference/obama3.jpg"}},
                             {"obama", {"reference/obama3.jpg"}}},
                            config);
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.decision, Decision::cleared) << to_json(o).dump();
    EXPECT_EQ(o.people.at(0).frames, 3) << to_json(o).dump();
  }
  EXPECT_EQ(frame_memo_->counts().analysed, 2u);  // obama2 and obama3, once each, for 6 frames
  EXPECT_EQ(frame_memo_->counts().reused, 4u);
  EXPECT_EQ(frame_memo_->counts().probes_added, 1u);  // obama3's, for traveller 2's match
}

// Once the face matched, the liveness-only frames follow it instead of detecting it again:
// counted, not timed. The camera shows one image (the last repeats): 5 frames, one full
// detection (the match) instead of 5, and one identity check (the frame that made the verdict
// live is the matched face).
TEST_F(LaneDriverTest, LivenessFramesFollowTheMatchedFaceInsteadOfDetectingItAgain) {
  GateConfig config;
  config.liveness.mode = biometrics::LivenessMode::passive;
  config.liveness.min_frames = config.liveness.max_frames = 5;
  config.liveness.time_budget_s = 4;
  liveness_ = std::make_shared<AlwaysLive>();
  auto outcomes = run({{"obama", {"reference/obama2.jpg"}}}, config);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared) << to_json(outcomes[0]).dump();
  EXPECT_EQ(outcomes[0].people.at(0).frames, 5);
  EXPECT_EQ(face_counts_.full_detections, 1u);
  EXPECT_EQ(face_counts_.followed, 4u);
  EXPECT_EQ(face_counts_.follow_lost, 0u);
  EXPECT_EQ(face_counts_.identity_checks, 1u);
  EXPECT_EQ(face_counts_.identity_mismatches, 0u);
  EXPECT_EQ(face_counts_.descriptors, 2u);  // the match and the check

  follow_face_ = false;  // as before following: every frame detected in full
  outcomes = run({{"obama", {"reference/obama2.jpg"}}}, config);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].decision, Decision::cleared);
  EXPECT_EQ(face_counts_.full_detections, 5u);
  EXPECT_EQ(face_counts_.followed, 0u);
  EXPECT_EQ(face_counts_.descriptors, 1u);
}

// After the match another person's face is in front of the camera: whether it is followed (in
// the same place) or found by a full detection (elsewhere), its descriptor is not the matched
// one, so the liveness it shows never counts for the holder: referred face.liveness, no barrier.
TEST_F(LaneDriverTest, ADifferentFaceAfterTheMatchDoesNotInheritIt) {
  GateConfig config;
  config.liveness.mode = biometrics::LivenessMode::passive;
  config.liveness.min_frames = config.liveness.max_frames = 3;
  config.liveness.time_budget_s = 4;
  liveness_ = std::make_shared<AlwaysLive>();  // every face it is given is live
  const auto outcomes = run({{"obama", {"reference/obama2.jpg", "reference/biden.jpg"}}}, config);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].decision, Decision::referred) << to_json(outcomes[0]).dump();
  ASSERT_FALSE(outcomes[0].reasons.empty());
  EXPECT_EQ(outcomes[0].reasons[0].name(), "face.liveness") << to_json(outcomes[0]).dump();
  EXPECT_EQ(devices_->openings, 0);
  EXPECT_GE(face_counts_.identity_mismatches, 1u);
  EXPECT_EQ(face_counts_.identity_mismatches, face_counts_.identity_checks);
}

// After the match the camera shows no face: following is lost, a full detection finds nobody,
// and the frames give liveness nothing: referred face.liveness (too few frames).
TEST_F(LaneDriverTest, NoFaceAfterTheMatchFallsBackToAFullDetectionAndIsNotLive) {
  GateConfig config;
  config.liveness.mode = biometrics::LivenessMode::passive;
  config.liveness.min_frames = config.liveness.max_frames = 3;
  config.liveness.time_budget_s = 4;
  liveness_ = std::make_shared<AlwaysLive>();
  const auto outcomes = run({{"obama", {"reference/obama2.jpg", "scenes/dogs.jpg"}}}, config);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].decision, Decision::referred) << to_json(outcomes[0]).dump();
  ASSERT_FALSE(outcomes[0].reasons.empty());
  EXPECT_EQ(outcomes[0].reasons[0].name(), "face.liveness") << to_json(outcomes[0]).dump();
  EXPECT_EQ(face_counts_.follow_lost, 1u);  // then nothing to follow: full detections
  EXPECT_EQ(face_counts_.followed, 0u);
  EXPECT_EQ(face_counts_.full_detections, static_cast<std::uint64_t>(outcomes[0].people.at(0).frames));
  EXPECT_EQ(face_counts_.identity_checks, 0u);
}

TEST_F(LaneDriverTest, KeepsFrameImagesOnlyWhenAsked) {
  const auto outcomes = run({{"obama", {"reference/obama2.jpg"}}}, {}, dir_ / "images");
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_EQ(outcomes[0].image_paths.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(outcomes[0].image_paths[0]));
  EXPECT_EQ(AuditLog(dir_ / "audit.db").records().at(0).outcome["image_paths"][0], outcomes[0].image_paths[0]);
}

// A bank (gate::LaneBank) whose two lanes share one face-analysis worker (gate::FacePool), on
// real time: lane A is flooded with travellers whose every frame shows a face, lane B serves
// three travellers with a face window of ten times what one frame's analysis takes on this
// machine (measured here first, so the window scales with the machine's speed and load). B's
// frames get their turn between A's, so none of B's travellers times out.
// What this does not show: the driver has one analysis in flight per lane and asks for the next
// only after the last, so B's frame is already waiting when A's job ends: a pool that always
// serves A first passes too (tried), and so would a FIFO one. The pool's fairness under a burst of one
// lane's jobs is tests/gate/face_pool_test.cpp's, which fails with a FIFO pool.
TEST_F(LaneDriverTest, InABankALaneFloodedWithFacesAndAQuietOneShareOneFaceWorkerWithoutATimeout) {
  const auto models = biometrics::ModelStore::from_environment();
  const auto one_frame = [&] {
    biometrics::FaceAnalyzer analyzer(models, biometrics::kGateCameraDetector);
    const cv::Mat frame = image("reference/biden.jpg");
    const auto started = std::chrono::steady_clock::now();
    analyzer.describe(frame, analyzer.detect(frame).at(0));
    return std::chrono::steady_clock::now() - started;
  }();
  FacePool::Options one_worker;
  one_worker.workers = 1;
  FacePool pool(models, one_worker);
  std::deque<Traveller> flood, few;
  for (int i = 0; i < 30; ++i) flood.push_back({"obama", {"reference/obama2.jpg"}});
  for (int i = 0; i < 3; ++i) few.push_back({"biden", {"reference/biden.jpg"}});
  ReplayDevices flooded(flood, audit_file_, steady_lane_clock());
  ReplayDevices other(few, dir_ / "b.db", steady_lane_clock());
  EnrolledServices services_a(*gallery_), services_b(*gallery_);
  AuditLog audit_a(audit_file_, "a"), audit_b(dir_ / "b.db", "b");
  std::mutex mutex;
  std::vector<TransactionOutcome> outcomes_a, outcomes_b;
  const auto options = [&](const std::string& name, std::vector<TransactionOutcome>& outcomes) {
    LaneDriverOptions o;
    o.face_pool = &pool.add_lane(name);
    o.diagnostics = &diagnostics_;
    o.on_outcome = [&](const TransactionOutcome& t) {
      std::lock_guard lock(mutex);
      outcomes.push_back(t);
    };
    return o;
  };
  GateConfig patient;
  patient.face_window = std::chrono::minutes(10);
  GateConfig tight;
  tight.face_window = std::max<Duration>(std::chrono::duration_cast<Duration>(10 * one_frame), std::chrono::milliseconds(500));
  LaneBank bank;
  bank.add("a", patient, models, flooded, services_a, audit_a, options("a", outcomes_a));
  bank.add("b", tight, models, other, services_b, audit_b, options("b", outcomes_b));
  const auto completed = bank.run();
  EXPECT_EQ(completed, (std::vector<std::size_t>{30, 3}));
  ASSERT_EQ(outcomes_b.size(), 3u);
  for (const auto& o : outcomes_b)
    EXPECT_EQ(o.decision, Decision::cleared) << "face window " << std::chrono::duration<double>(tight.face_window).count()
                                             << " s: " << to_json(o).dump();
  EXPECT_EQ(outcomes_a.size(), 30u);
}

}  // namespace
}  // namespace gatesim::gate

// gatesim soak: lanes under load and faults. Each lane is the real LaneDriver on DeviceLane
// (gate/live_lane.hpp) with a looped camera from a URI (dir:, replay:, file:), a scripted
// document reader that hands out a new traveller's chip record each time (served by a device
// server on loopback and read over tcp://, so the link can drop), a scripted
// fingerprint reader that matches, and the real audit log; every device and the audit log get
// seeded faults (devices/fault_injection.hpp; the link's drops are the soak's own). At the end: transactions, referrals by reason,
// faults by device (injected and recorded), recoveries, step-time percentiles, RSS and open
// descriptors at start and end, and audit rows against transactions.
//
// Policy and templates come from memory (everyone eligible, everyone enrolled with the face of
// --enrol): the soak is about the lane's machinery, not the rules.
//
// --openings FILE: every barrier opening ("open LANE HOLDER") and every decision ("decided
// LANE TRANSACTION DECISION HOLDER audited|unaudited", HOLDER "-" when no document was read) is appended with write(2) as it happens,
// after the audit commit; a process killed with SIGKILL loses none of them (they are in the
// kernel's page cache), so the kill campaign (scripts/kill-campaign.sh) can compare them with
// the audit log. --check-openings FILE checks a log against --audit and exits 1 on a loss.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "apps/gatesim/face_command.hpp"
#include "devices/camera_backends.hpp"
#include "devices/device_server.hpp"
#include "devices/fault_injection.hpp"
#include "gate/lane_clock.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

using namespace std::chrono_literals;

// SIGTERM or SIGINT: no new travellers; the lanes finish the one under way and the report is
// printed.
volatile std::sig_atomic_t g_stop_requested = 0;
extern "C" void request_stop(int) { g_stop_requested = 1; }

// ---- Process figures ----
std::uint64_t rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}
std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;  // the iterator's own
}

// RSS and open descriptors sampled while the lanes run (each time the main thread wakes, every
// 20 ms), kept per interval of `every` seconds as the least, the most and the last value, and
// over the whole run as the least, the most and the least-squares slope (per hour): enough to
// show whether they stay flat over hours, in a few numbers.
class ProcessSamples {
 public:
  struct Range {
    std::uint64_t min = std::numeric_limits<std::uint64_t>::max(), max = 0, last = 0;
    void add(std::uint64_t v) {
      min = std::min(min, v);
      max = std::max(max, v);
      last = v;
    }
  };
  struct Interval {
    double from_s = 0;
    std::uint64_t samples = 0;
    Range rss_kib, fds;
  };
  // One figure over the whole run: its range and its fitted slope.
  class Trend {
   public:
    void add(double at_s, std::uint64_t v) {
      range_.add(v);
      const double y = static_cast<double>(v);
      ++n_;
      t_ += at_s, tt_ += at_s * at_s, y_ += y, ty_ += at_s * y;
    }
    const Range& range() const { return range_; }
    // ensures: the least-squares slope of the samples, per hour (0 with fewer than two instants).
    double slope_per_hour() const {
      const double n = static_cast<double>(n_), spread = n * tt_ - t_ * t_;
      return n_ < 2 || spread <= 0 ? 0.0 : 3600 * (n * ty_ - t_ * y_) / spread;
    }

   private:
    Range range_;
    std::uint64_t n_ = 0;
    double t_ = 0, tt_ = 0, y_ = 0, ty_ = 0;
  };
  // requires: every > 0.
  explicit ProcessSamples(double every) : every_(every) {}
  // requires: `at_s` (seconds since the start) never decreases.
  void sample(double at_s) {
    const double from = std::floor(at_s / every_) * every_;
    if (intervals_.empty() || from > intervals_.back().from_s) intervals_.push_back({from, 0, {}, {}});
    Interval& i = intervals_.back();
    ++i.samples;
    const std::uint64_t rss = rss_kib(), fds = open_descriptors();
    i.rss_kib.add(rss);
    i.fds.add(fds);
    rss_trend_.add(at_s, rss);
    fds_trend_.add(at_s, fds);
  }
  double every() const { return every_; }
  const std::vector<Interval>& intervals() const { return intervals_; }
  const Trend& rss_kib_trend() const { return rss_trend_; }
  const Trend& fds_trend() const { return fds_trend_; }

 private:
  double every_;
  std::vector<Interval> intervals_;
  Trend rss_trend_, fds_trend_;
};

// Percentiles in fixed memory: log-spaced buckets 1% apart from 1 µs up to about 20 minutes
// (1.01^2099 µs; a longer step falls in the last bucket, and max() stays exact), so a soak of
// any length keeps the same few kilobytes per step.
class Histogram {
 public:
  void add(double ms) {
    ++count_;
    max_ = std::max(max_, ms);
    buckets_[bucket(ms)]++;
  }
  std::uint64_t count() const { return count_; }
  double max() const { return max_; }
  // The bucket's upper edge: within 1% above the true percentile.
  double percentile(double p) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i)
      if ((seen += buckets_[i]) >= std::max<std::uint64_t>(rank, 1)) return std::min(max_, edge(i));
    return max_;
  }
  void merge(const Histogram& other) {
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  }

 private:
  static constexpr double kMin = 0.001, kRatio = 1.01;
  static constexpr std::size_t kBuckets = 2100;
  static std::size_t bucket(double ms) {
    if (ms <= kMin) return 0;
    return std::min(kBuckets - 1, static_cast<std::size_t>(std::ceil(std::log(ms / kMin) / std::log(kRatio))));
  }
  static double edge(std::size_t i) { return kMin * std::pow(kRatio, static_cast<double>(i)); }
  std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(kBuckets);
  std::uint64_t count_ = 0;
  double max_ = 0;
};

// Appends lines with one write(2) each (O_APPEND): whole lines, none lost to a SIGKILL.
class LineLog {
 public:
  explicit LineLog(const std::string& file) {
    if (file.empty()) return;
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw models::InputError(file + ": cannot open the openings log for appending");
  }
  ~LineLog() {
    if (fd_ >= 0) ::close(fd_);
  }
  LineLog(const LineLog&) = delete;
  LineLog& operator=(const LineLog&) = delete;
  void write(const std::string& line) {
    if (fd_ < 0) return;
    const std::string text = line + "\n";
    std::lock_guard lock(mutex_);
    if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      throw std::runtime_error("cannot append to the openings log");
  }

 private:
  int fd_ = -1;
  std::mutex mutex_;
};

// ---- Scripted devices ----

// One device's faults: `rate` per call, shared evenly among `kinds`.
devices::FaultPlan plan(double rate, std::initializer_list<devices::InjectedFault> kinds, std::uint64_t seed,
                        devices::Duration stall_for) {
  devices::FaultPlan p;
  for (auto kind : kinds) p.probability[kind] = rate / static_cast<double>(kinds.size());
  p.seed = seed;
  p.stall_for = stall_for;
  return p;
}

// The camera source's own faults (not the injector's): a folder's image that cannot be read
// (missing or damaged for a moment), a replay that fails. Sits between the source and the fault
// injector; the end of the source is no fault (the loop starts again).
class SourceFaultCounter final : public devices::Camera {
 public:
  explicit SourceFaultCounter(std::unique_ptr<devices::Camera> inner) : inner_(std::move(inner)) {}
  void open() override { inner_->open(); }
  devices::Frame read() override {
    try {
      return inner_->read();
    } catch (const devices::DeviceFault& fault) {
      faults_ += fault.kind() != devices::FaultKind::end_of_stream;
      throw;
    }
  }
  void close() override { inner_->close(); }
  bool is_open() const override { return inner_->is_open(); }
  std::string name() const override { return inner_->name(); }
  std::uint64_t faults() const { return faults_; }

 private:
  std::unique_ptr<devices::Camera> inner_;
  std::uint64_t faults_ = 0;
};

// A camera that starts again at the end of its source (a folder or a replay played in a loop).
class LoopingCamera final : public devices::Camera {
 public:
  explicit LoopingCamera(std::unique_ptr<devices::Camera> inner) : inner_(std::move(inner)) {}
  void open() override { inner_->open(); }
  devices::Frame read() override {
    try {
      return inner_->read();
    } catch (const devices::DeviceFault& fault) {
      if (fault.kind() != devices::FaultKind::end_of_stream) throw;
      inner_->close();
      inner_->open();
      return inner_->read();
    }
  }
  void close() override { inner_->close(); }
  bool is_open() const override { return inner_->is_open(); }
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<devices::Camera> inner_;
};

// A new traveller's chip record at each read, parsed as a real reader's would be. Remembers the
// last holder for the barrier's log.
class ScriptedDocuments final : public devices::DocumentReader {
 public:
  explicit ScriptedDocuments(std::string prefix) : prefix_(std::move(prefix)) {}
  std::optional<devices::ChipRecord> read() override {
    ++issued_;
    std::ostringstream id;
    id << prefix_ << std::setw(7) << std::setfill('0') << issued_;
    const std::string text = R"({"id": ")" + id.str() +
                             R"(", "birth_date": "1990-01-01", "residence": "hong_kong", "nationality": "CHN", )"
                             R"("civil_capacity": "full", "consent": true, "documents": [{"kind": )"
                             R"("home_return_permit", "number": "H)" + std::to_string(issued_) +
                             R"(", "valid_until": "2040-01-01"}]})";
    auto record = devices::parse_chip_record(text, name());
    std::lock_guard lock(mutex_);
    last_holder_ = record.holder.id;
    return record;
  }
  std::string name() const override { return "soak-documents"; }
  // Called from the lane's device thread while the device server's thread reads.
  std::string last_holder() const {
    std::lock_guard lock(mutex_);
    return last_holder_;
  }

 private:
  std::string prefix_;
  std::uint64_t issued_ = 0;
  mutable std::mutex mutex_;
  std::string last_holder_;
};

// The lane's reader as DeviceLane sees it: no more travellers once `stop` is set (the lane has
// had its transactions, the time is up, or SIGTERM), else the reader behind it.
class EndOfRun final : public devices::DocumentReader {
 public:
  explicit EndOfRun(std::unique_ptr<devices::DocumentReader> inner) : inner_(std::move(inner)) {}
  std::optional<devices::ChipRecord> read() override {
    if (stop) return std::nullopt;
    return inner_->read();
  }
  std::string name() const override { return inner_->name(); }
  std::atomic<bool> stop{false};

 private:
  std::unique_ptr<devices::DocumentReader> inner_;
};

// The document reader sits on a device server on loopback (gatesim device-server's DeviceServer)
// and the lane reads it as tcp:// (RemoteDocumentReader). Link drops: before a read, with the
// seeded chance, the server is stopped and started again on the same port, which closes the
// lane's connection under it. The remote reader finds its connection closed before any answer
// and sends the request again on a new one (devices/remote_protocol.hpp): the lane sees no
// fault (a recovery); a read that fails all the same is a disconnect fault of the reader.
class DroppingLink final : public devices::DocumentReader {
 public:
  // requires: `clock` outlives the link.
  DroppingLink(devices::DocumentReader& served, double drop_rate, std::uint64_t seed, devices::Clock& clock)
      : served_(served), chosen_(plan(drop_rate, {devices::InjectedFault::disconnect}, seed, {}), clock, "remote link") {
    start(0);
    remote_ = devices::open_document_reader("tcp://127.0.0.1:" + std::to_string(port_));
  }
  std::optional<devices::ChipRecord> read() override {
    // The injector chooses (one seeded draw per call); the link acts the drop out itself.
    const bool cut = chosen_.next() != devices::InjectedFault::none;
    // A drop counts when it cut a connection: one is open after a read that succeeded.
    const bool drop = cut && connected_;
    if (cut) start(port_);
    drops_ += drop;
    try {
      auto record = remote_->read();
      connected_ = true;
      reconnected_ += drop;
      return record;
    } catch (const devices::DeviceFault&) {
      connected_ = false;
      failed_ += drop;
      throw;
    }
  }
  std::string name() const override { return remote_->name(); }
  std::uint64_t drops() const { return drops_; }
  std::uint64_t calls() const { return chosen_.calls(); }
  std::uint64_t reconnected() const { return reconnected_; }  // drops the next read got over
  std::uint64_t failed() const { return failed_; }            // drops whose read failed

 private:
  void start(std::uint16_t port) {
    server_.reset();  // stops: every session is closed
    server_ = std::make_unique<devices::DeviceServer>(devices::ServedDevices{nullptr, nullptr, served()},
                                                      boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), port));
    port_ = server_->port();
  }
  // Not owned: the lane's ScriptedDocuments outlives the link.
  std::shared_ptr<devices::DocumentReader> served() const {
    return std::shared_ptr<devices::DocumentReader>(std::shared_ptr<devices::DocumentReader>(), &served_);
  }
  devices::DocumentReader& served_;
  devices::FaultInjector chosen_;
  std::unique_ptr<devices::DeviceServer> server_;
  std::uint16_t port_ = 0;
  std::unique_ptr<devices::DocumentReader> remote_;
  std::uint64_t drops_ = 0, reconnected_ = 0, failed_ = 0;
  bool connected_ = false;
};

class MatchingFingerprints final : public devices::FingerprintReader {
 public:
  devices::FingerprintReading verify(const std::string&) override {
    return {devices::FingerprintStatus::matched, 0.9};
  }
  std::string name() const override { return "soak-fingerprint"; }
};

class LoggingBarrier final : public devices::Barrier {
 public:
  LoggingBarrier(std::shared_ptr<LineLog> log, std::string lane, const ScriptedDocuments& documents)
      : log_(std::move(log)), lane_(std::move(lane)), documents_(documents) {}
  void open() override {
    ++openings_;
    open_ = true;
    log_->write("open " + lane_ + " " + documents_.last_holder());
  }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::uint64_t openings() const { return openings_; }

 private:
  std::shared_ptr<LineLog> log_;
  std::string lane_;
  const ScriptedDocuments& documents_;
  std::uint64_t openings_ = 0;
  bool open_ = false;
};

class QuietIndicator final : public devices::Indicator {
 public:
  void show(const std::string&) override {}
  void alarm(const std::string&) override {}
};

// Everyone eligible, everyone enrolled with one face.
class SoakServices final : public gate::LaneServices {
 public:
  explicit SoakServices(biometrics::FaceDescriptor enrolled) : enrolled_(std::move(enrolled)) {}
  gate::PolicyChecked check_policy(const gate::CheckPolicy&) override {
    gate::PolicyChecked verdict;
    verdict.eligible = true;
    return verdict;
  }
  std::vector<biometrics::FaceDescriptor> enrolled_faces(const std::string&) override { return {enrolled_}; }
  gate::IdentificationDone identify(const gate::Identify&, const biometrics::FaceDescriptor&) override { return {}; }

 private:
  biometrics::FaceDescriptor enrolled_;
};

struct SoakArgs {
  std::string camera, enrol, audit = "soak-audit.db", openings, check_openings, clock = "virtual", name = "soak";
  std::uint64_t transactions = 1000;
  double minutes = 0;
  int lanes = 1;
  std::uint64_t seed = 1;
  double fault_rate = 0.05;
  double sample_seconds = 60;
  bool json = false;
};

struct LaneStats {
  std::uint64_t transactions = 0, cleared = 0, audit_failed = 0, recoveries = 0, alarms = 0, stalls_seen = 0;
  std::map<std::string, std::uint64_t> referrals;        // by the first reason's code (audit.failed comes
                                                         // after the others: see audit.unaudited_transactions)
  std::map<std::string, std::uint64_t> recorded_faults;  // by device, from the outcomes
  std::map<std::string, Histogram> steps;                // step -> ms on the lane's clock
  std::vector<bool> unaudited;                           // by transaction number - 1
  bool in_trouble = false;                               // the last transaction was referred for a fault
};

// A referral a fault explains: a device failed, the audit write failed, or a step ran out of time
// (the device gave nothing in time).
bool is_fault_reason(const gate::Reason& reason) {
  return reason.code == gate::ReasonCode::device_fault || reason.code == gate::ReasonCode::audit_failed ||
         gate::is_timeout(reason.code);
}

// Everything a lane's device calls touch, owned together: the driver shares it (an aliasing
// shared_ptr to `lane`) with any device call it abandoned, so what the devices refer to — the
// clock they sleep on, the served documents, the traveller records — lives until that call has
// returned, even after the SoakLane is gone (the barrier shares the openings log). `lane` is
// destroyed first.
struct SoakDevices {
  std::unique_ptr<gate::LaneClock> own_clock;  // the virtual clock; null: real time
  std::unique_ptr<ScriptedDocuments> documents;  // served by the link's device server
  gate::TravellerRecords records;
  std::unique_ptr<gate::DeviceLane> lane;
};

// A lane: its devices (with their injectors), audit log, driver and figures. The pointers
// observe objects SoakDevices owns.
struct SoakLane {
  std::string name;
  std::shared_ptr<SoakDevices> parts;
  gate::LaneClock* clock = nullptr;
  const DroppingLink* link = nullptr;
  EndOfRun* end_of_run = nullptr;
  const devices::FaultyCamera* camera_faults = nullptr;
  const SourceFaultCounter* camera_source = nullptr;
  const devices::FaultyDocumentReader* document_faults = nullptr;
  const devices::FaultyFingerprintReader* fingerprint_faults = nullptr;
  LoggingBarrier* barrier = nullptr;
  const devices::ReconnectingCamera* reconnecting = nullptr;
  std::unique_ptr<gate::AuditLog> audit;
  std::unique_ptr<SoakServices> services;
  std::unique_ptr<gate::LaneDriver> driver;
  LaneStats stats;
};

// --check-openings: every barrier opening has its cleared row, every audited decision its row.
int check_openings(const SoakArgs& args) {
  const gate::AuditLog audit(args.audit);
  const std::string integrity = audit.integrity_check();
  std::set<std::string> cleared_holders;
  std::map<std::pair<std::string, std::uint64_t>, std::string> decided;  // (lane, txn) -> decision
  std::uint64_t duplicates = 0;
  for (const auto& row : audit.rows()) {
    if (row.decision == "cleared") cleared_holders.insert(row.holder_id);
    if (!decided.emplace(std::pair(row.lane, row.transaction), row.decision).second) ++duplicates;
  }
  std::ifstream log(args.check_openings);
  if (!log) throw models::InputError(args.check_openings + ": cannot read the openings log");
  std::uint64_t openings = 0, decisions = 0, lost_openings = 0, lost_decisions = 0, torn = 0;
  for (std::string line; std::getline(log, line);) {
    std::istringstream in(line);
    std::string kind, lane, decision, holder, audited;
    std::uint64_t txn = 0;
    in >> kind;
    if (kind == "open" && (in >> lane >> holder)) {
      ++openings;
      lost_openings += !cleared_holders.count(holder);
    } else if (kind == "decided" && (in >> lane >> txn >> decision >> holder >> audited)) {
      if (audited != "audited") continue;
      ++decisions;
      const auto it = decided.find({lane, txn});
      lost_decisions += it == decided.end() || it->second != decision;
    } else {
      ++torn;  // cannot happen with one write(2) per line; counted, not ignored
    }
  }
  const bool ok = integrity == "ok" && lost_openings == 0 && lost_decisions == 0 && duplicates == 0 && torn == 0;
  nlohmann::json j{{"integrity_check", integrity}, {"rows", decided.size() + duplicates},
                   {"duplicate_rows", duplicates},  {"openings", openings},
                   {"openings_without_row", lost_openings}, {"audited_decisions", decisions},
                   {"decisions_without_row", lost_decisions}, {"unreadable_lines", torn}, {"ok", ok}};
  if (args.json) print_json(j);
  else
    std::cout << "integrity_check " << integrity << "; rows " << decided.size() + duplicates << " (duplicates "
              << duplicates << "); openings " << openings << " (without their row " << lost_openings
              << "); audited decisions " << decisions << " (without their row " << lost_decisions
              << "); unreadable lines " << torn << (ok ? "; ok" : "; LOST") << "\n";
  return ok ? kSuccess : kNegative;
}

}  // namespace

void add_soak_command(CLI::App& root, CommandContext& context) {
  auto args = std::make_shared<SoakArgs>();
  auto* cmd = root.add_subcommand("soak", command_description("soak"));
  cmd->add_option("--camera", args->camera,
                  "Camera URI, played in a loop: dir:FOLDER, replay:SCRIPT or file:VIDEO (README: Device URIs)");
  cmd->add_option("--enrol", args->enrol, "Image of the face every traveller is enrolled with");
  cmd->add_option("--transactions", args->transactions,
                  "Travellers per lane (0: no limit; the run ends at --minutes, SIGTERM or SIGINT, with the report)");
  cmd->add_option("--minutes", args->minutes, "Stop after this many minutes of real time (0: no limit)")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--lanes", args->lanes, "Lanes run side by side, each on its own thread")->check(CLI::Range(1, 64));
  cmd->add_option("--seed", args->seed, "Seed of every injected fault");
  cmd->add_option("--fault-rate", args->fault_rate,
                  "Chance that a call of each device (camera, document reader, fingerprint reader, audit write) fails")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--clock", args->clock,
                  "virtual: timeouts and stalls take no real time (the lane runs as fast as it can); real: steady time")
      ->check(CLI::IsMember({"virtual", "real"}));
  cmd->add_option("--audit", args->audit, "Audit log (SQLite) the lanes append to");
  cmd->add_option("--name", args->name, "Lane name prefix in the audit log (lanes are NAME-1, NAME-2, ...)");
  cmd->add_option("--openings", args->openings, "Append each barrier opening and decision to this file (kill campaign)");
  cmd->add_option("--check-openings", args->check_openings,
                  "Check an --openings log against --audit instead of running (exit 1: something was lost)");
  cmd->add_option("--sample-seconds", args->sample_seconds,
                  "RSS and open descriptors are sampled every 20 ms and reported per interval of this many seconds "
                  "(least, most, last)")
      ->check(CLI::Range(0.001, 1e9));
  cmd->add_flag("--json", args->json, "The report as one JSON object");
  cmd->callback([args, &context] {
    if (!args->check_openings.empty()) {
      context.exit_status = check_openings(*args);
      return;
    }
    if (args->camera.empty() || args->enrol.empty()) throw models::InputError("soak: --camera and --enrol are required");
    const auto models = biometrics::ModelStore::from_environment();
    biometrics::FaceDescriptor enrolled;
    {
      biometrics::FaceAnalyzer analyzer(models, biometrics::kGateCameraDetector);
      enrolled = describe_single_face(analyzer, args->enrol, SeveralFaces::take_largest);
    }
    const auto openings = std::make_shared<LineLog>(args->openings);

    gate::GateConfig config;
    config.steps = gate::default_steps(gate::Channel::document);
    config.steps.insert(std::find(config.steps.begin(), config.steps.end(), gate::Step::face) + 1,
                        gate::Step::fingerprint);
    // Stalls outlast the step that waits for them: the controller's timeout refers the traveller
    // while the call is still under way (the late fault goes with the next transaction).
    const devices::Duration camera_stall = config.face_window + 3s, reader_stall = config.document_timeout + 3s,
                            finger_stall = config.fingerprint_timeout + 2s;
    using devices::InjectedFault;
    const double rate = args->fault_rate;

    std::vector<std::unique_ptr<SoakLane>> lanes;
    for (int i = 0; i < args->lanes; ++i) {
      auto lane = std::make_unique<SoakLane>();
      lane->name = args->name + "-" + std::to_string(i + 1);
      lane->parts = std::make_shared<SoakDevices>();
      SoakDevices& parts = *lane->parts;
      if (args->clock == "virtual") {
        parts.own_clock = std::make_unique<gate::VirtualLaneClock>();
        lane->clock = parts.own_clock.get();
      } else {
        lane->clock = &gate::steady_lane_clock();
      }
      const std::uint64_t seed = args->seed * 1000 + static_cast<std::uint64_t>(i) * 10;
      gate::LaneDeviceSet set;
      auto source = std::make_unique<SourceFaultCounter>(devices::open_camera(args->camera, *lane->clock));
      lane->camera_source = source.get();
      auto camera = std::make_unique<devices::FaultyCamera>(
          std::move(source),
          plan(rate, {InjectedFault::disconnect, InjectedFault::stall, InjectedFault::corrupt}, seed + 1, camera_stall),
          *lane->clock);
      lane->camera_faults = camera.get();
      auto reconnecting = std::make_unique<devices::ReconnectingCamera>(std::move(camera), 3, 500ms, *lane->clock);
      lane->reconnecting = reconnecting.get();
      set.camera = std::make_unique<LoopingCamera>(std::move(reconnecting));
      parts.documents = std::make_unique<ScriptedDocuments>(lane->name + "-T");
      auto link = std::make_unique<DroppingLink>(*parts.documents, rate, seed + 5, *lane->clock);
      lane->link = link.get();
      auto faulty_documents = std::make_unique<devices::FaultyDocumentReader>(
          std::move(link),
          plan(rate, {InjectedFault::disconnect, InjectedFault::stall, InjectedFault::corrupt}, seed + 2, reader_stall),
          *lane->clock);
      lane->document_faults = faulty_documents.get();
      auto end_of_run = std::make_unique<EndOfRun>(std::move(faulty_documents));
      lane->end_of_run = end_of_run.get();
      set.documents = std::move(end_of_run);
      auto fingerprint = std::make_unique<devices::FaultyFingerprintReader>(
          std::make_unique<MatchingFingerprints>(),
          plan(rate, {InjectedFault::disconnect, InjectedFault::stall}, seed + 3, finger_stall), *lane->clock);
      lane->fingerprint_faults = fingerprint.get();
      set.fingerprint = std::move(fingerprint);
      auto barrier = std::make_unique<LoggingBarrier>(openings, lane->name, *parts.documents);
      lane->barrier = barrier.get();
      set.barrier = std::move(barrier);
      set.indicator = std::make_unique<QuietIndicator>();
      lane->audit = std::make_unique<gate::AuditLog>(args->audit, lane->name);
      lane->audit->inject_faults(plan(rate, {InjectedFault::corrupt}, seed + 4, {}), *lane->clock);
      parts.lane = std::make_unique<gate::DeviceLane>(std::move(set), parts.records);
      lane->services = std::make_unique<SoakServices>(enrolled);

      gate::LaneDriverOptions options;
      options.clock = lane->clock;
      options.frame_memo = std::make_shared<gate::FrameMemo>(64);
      SoakLane* l = lane.get();
      const std::uint64_t limit = args->transactions;
      options.on_outcome = [l, &log = *openings, limit](const gate::TransactionOutcome& o) {
        LaneStats& s = l->stats;
        // Before the lane asks for the next traveller: the run ends at exactly `limit`.
        if (++s.transactions == limit) l->end_of_run->stop = true;
        s.alarms += o.alarm;
        const bool unaudited = std::any_of(o.reasons.begin(), o.reasons.end(),
                                           [](const gate::Reason& r) { return r.code == gate::ReasonCode::audit_failed; });
        s.audit_failed += unaudited;
        if (s.unaudited.size() < o.transaction) s.unaudited.resize(o.transaction);
        s.unaudited[o.transaction - 1] = unaudited;
        if (o.decision == gate::Decision::cleared) {
          ++s.cleared;
          if (s.in_trouble) ++s.recoveries;
          s.in_trouble = false;
        } else {
          const gate::Reason& first = o.reasons.front();
          ++s.referrals[first.name()];
          s.in_trouble = s.in_trouble || is_fault_reason(first);
        }
        // The controller's own finding that the camera gave no frame is not an injected fault.
        for (const auto& f : o.device_faults)
          ++(f.stall ? s.stalls_seen : s.recorded_faults[gate::to_string(f.device)]);
        for (const auto& t : o.timings)
          s.steps[std::string(t.name())].add(1000 * in_seconds(t.duration));
        log.write("decided " + l->name + " " + std::to_string(o.transaction) + " " + gate::to_string(o.decision) +
                  " " + (o.holder_id.empty() ? "-" : o.holder_id) + " " + (unaudited ? "unaudited" : "audited"));
      };
      lane->driver = std::make_unique<gate::LaneDriver>(
          config, models, std::shared_ptr<gate::LaneDevices>(lane->parts, parts.lane.get()), *lane->services,
          *lane->audit, options);
      lanes.push_back(std::move(lane));
    }

    // This run's rows are those written from now on: the file may hold earlier runs' rows, of
    // lanes with the same names (a second soak on the same --audit file).
    const std::int64_t rows_before = lanes.front()->audit->last_row_id();
    std::signal(SIGTERM, request_stop);
    std::signal(SIGINT, request_stop);
    const std::uint64_t rss_start = rss_kib();
    const std::size_t fds_start = open_descriptors();
    const auto started = std::chrono::steady_clock::now();
    ProcessSamples samples(args->sample_seconds);
    samples.sample(0);
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(lanes.size());
    std::atomic<std::size_t> running{lanes.size()};
    for (std::size_t i = 0; i < lanes.size(); ++i)
      threads.emplace_back([&, i] {
        try {
          lanes[i]->driver->run();
        } catch (...) {
          errors[i] = std::current_exception();
        }
        --running;
      });
    {
      // The scripted readers end the run: each lane finishes the traveller under way.
      const auto until = args->minutes > 0
                             ? started + from_seconds<std::chrono::steady_clock::duration>(60 * args->minutes)
                             : std::chrono::steady_clock::time_point::max();
      while (running > 0 && !g_stop_requested && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(20ms);
        samples.sample(in_seconds(std::chrono::steady_clock::now() - started));
      }
      for (auto& l : lanes) l->end_of_run->stop = true;
    }
    for (auto& t : threads) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    const double seconds = in_seconds(std::chrono::steady_clock::now() - started);
    const std::uint64_t rss_end = rss_kib();
    const std::size_t fds_end = open_descriptors();
    samples.sample(seconds);

    // Audit rows against transactions, lane by lane.
    LaneStats total;
    std::uint64_t rows = 0, missing_rows = 0, extra_rows = 0, openings_count = 0, camera_reconnects = 0,
                  link_reconnects = 0, link_failures = 0, camera_source_faults = 0;
    std::map<std::string, std::map<std::string, std::uint64_t>> injected_faults;
    std::map<std::string, SoakLane*> by_name;
    for (auto& l : lanes) by_name[l->name] = l.get();
    std::map<std::string, std::vector<bool>> has_row;
    for (auto& l : lanes) has_row[l->name].assign(l->stats.transactions, false);
    for (const auto& row : gate::AuditLog(args->audit).rows(rows_before)) {
      const auto it = has_row.find(row.lane);
      if (it == has_row.end()) continue;  // another process's lanes, writing to the file meanwhile
      ++rows;
      if (row.transaction == 0 || row.transaction > it->second.size() || it->second[row.transaction - 1] ||
          by_name[row.lane]->stats.unaudited[row.transaction - 1])
        ++extra_rows;
      else
        it->second[row.transaction - 1] = true;
    }
    for (auto& l : lanes) {
      for (std::uint64_t t = 0; t < l->stats.transactions; ++t)
        missing_rows += !l->stats.unaudited[t] && !has_row[l->name][t];
      LaneStats& s = l->stats;
      total.transactions += s.transactions;
      total.cleared += s.cleared;
      total.audit_failed += s.audit_failed;
      total.recoveries += s.recoveries;
      total.alarms += s.alarms;
      total.stalls_seen += s.stalls_seen;
      for (auto& [k, v] : s.referrals) total.referrals[k] += v;
      for (auto& [k, v] : s.recorded_faults) total.recorded_faults[k] += v;
      for (auto& [k, v] : s.steps) total.steps[k].merge(v);
      openings_count += l->barrier->openings();
      camera_reconnects += static_cast<std::uint64_t>(l->reconnecting->reconnects());
      camera_source_faults += l->camera_source->faults();
      auto add = [&](const std::string& device, const devices::FaultInjector& injector) {
        for (auto kind : {InjectedFault::disconnect, InjectedFault::stall, InjectedFault::corrupt})
          if (injector.count(kind)) injected_faults[device][devices::to_string(kind)] += injector.count(kind);
        injected_faults[device]["calls"] += injector.calls();
      };
      add("camera", l->camera_faults->injector());
      add("document_reader", l->document_faults->injector());
      add("fingerprint_reader", l->fingerprint_faults->injector());
      injected_faults["remote_link"]["drop"] += l->link->drops();
      injected_faults["remote_link"]["calls"] += l->link->calls();
      link_reconnects += l->link->reconnected();
      link_failures += l->link->failed();
    }

    for (auto& l : lanes) {
      const devices::FaultInjector& audit_faults = *l->audit->injected_faults();
      injected_faults["audit_log"]["write_error"] += audit_faults.count(InjectedFault::corrupt);
      injected_faults["audit_log"]["calls"] += audit_faults.calls();
    }
    // Every injected audit fault is a transaction referred with audit.failed and without a row;
    // the file system may fail more writes (a full disk), never fewer.
    const std::uint64_t audit_injected = injected_faults["audit_log"]["write_error"];
    const bool audit_faults_add_up = audit_injected <= total.audit_failed;
    std::uint64_t all_calls = 0, all_faults = 0;
    for (auto& [device, kinds] : injected_faults)
      for (auto& [kind, n] : kinds) (kind == "calls" ? all_calls : all_faults) += n;

    const bool ok = missing_rows == 0 && extra_rows == 0 && rows + total.audit_failed == total.transactions &&
                    audit_faults_add_up;
    nlohmann::json j;
    j["lanes"] = args->lanes;
    j["clock"] = args->clock;
    j["seed"] = args->seed;
    j["seconds"] = seconds;
    j["transactions"] = total.transactions;
    j["cleared"] = total.cleared;
    j["referred"] = total.transactions - total.cleared;
    j["referrals_by_reason"] = total.referrals;
    j["barrier_openings"] = openings_count;
    j["alarms"] = total.alarms;
    j["faults_injected"] = injected_faults;
    j["device_calls"] = all_calls;
    j["faults_total"] = all_faults;
    j["fault_share"] = all_calls ? static_cast<double>(all_faults) / static_cast<double>(all_calls) : 0.0;
    j["faults_recorded_by_device"] = total.recorded_faults;
    // Recorded = injected + the source's own (less any after the lane's last transaction).
    j["faults_not_injected"] = {{"camera_source", camera_source_faults}};
    j["camera_stalls_seen_by_the_controller"] = total.stalls_seen;
    j["recoveries"] = {{"lane_cleared_again", total.recoveries},
                       {"camera_reconnects", camera_reconnects},
                       {"link_drops_read_again_on_a_new_connection", link_reconnects}};
    j["link_drops_that_failed_a_read"] = link_failures;
    for (auto& [step, h] : total.steps)
      j["step_ms"][step] = {{"count", h.count()}, {"p50", h.percentile(0.5)}, {"p95", h.percentile(0.95)}, {"max", h.max()}};
    j["rss_kib"] = {{"start", rss_start}, {"end", rss_end}};
    j["open_fds"] = {{"start", fds_start}, {"end", fds_end}};
    for (const auto& i : samples.intervals())
      j["process_samples"].push_back(
          {{"from_s", i.from_s},
           {"samples", i.samples},
           {"rss_kib", {{"min", i.rss_kib.min}, {"max", i.rss_kib.max}, {"last", i.rss_kib.last}}},
           {"open_fds", {{"min", i.fds.min}, {"max", i.fds.max}, {"last", i.fds.last}}}});
    const auto trend = [](const ProcessSamples::Trend& t) {
      return nlohmann::json{
          {"min", t.range().min}, {"max", t.range().max}, {"slope_per_hour", t.slope_per_hour()}};
    };
    j["process_trend"] = {{"rss_kib", trend(samples.rss_kib_trend())}, {"open_fds", trend(samples.fds_trend())}};
    j["audit"] = {{"rows", rows}, {"unaudited_transactions", total.audit_failed},
                  {"audit_failures_not_injected", total.audit_failed - std::min(total.audit_failed, audit_injected)},
                  {"transactions_without_row", missing_rows}, {"unexpected_rows", extra_rows}, {"ok", ok}};
    if (args->json) {
      print_json(j);
    } else {
      std::cout << std::fixed << std::setprecision(1);
      std::cout << "soak: " << args->lanes << " lane(s), " << args->clock << " clock, seed " << args->seed << ", "
                << seconds << " s\n";
      std::cout << "transactions " << total.transactions << ": cleared " << total.cleared << ", referred "
                << total.transactions - total.cleared << "; barrier openings " << openings_count << "\n";
      std::cout << "referrals by reason:";
      for (auto& [k, v] : total.referrals) std::cout << ' ' << k << ' ' << v;
      std::cout << "\nfaults injected (" << all_faults << " in " << all_calls << " calls, "
                << 100.0 * j["fault_share"].get<double>() << "%):";
      for (auto& [device, kinds] : injected_faults) {
        std::cout << ' ' << device << " {";
        for (auto& [kind, n] : kinds)
          if (kind != "calls") std::cout << ' ' << kind << ' ' << n;
        std::cout << " }";
      }
      std::cout << "\nfaults recorded in transactions:";
      for (auto& [k, v] : total.recorded_faults) std::cout << ' ' << k << ' ' << v;
      std::cout << " (of which not injected: the camera source's own " << camera_source_faults << ")";
      std::cout << "; camera stalls the controller saw (no frame at a timeout) " << total.stalls_seen;
      std::cout << "\nrecoveries: lane cleared a traveller again after fault referrals " << total.recoveries
                << " times; camera reopened " << camera_reconnects << " times; link drops read again on a new connection "
                << link_reconnects << " (failed a read: " << link_failures << ")\nstep times (ms, " << args->clock << " clock):\n";
      for (auto& [step, h] : total.steps)
        std::cout << "  " << std::left << std::setw(16) << step << std::right << " p50 " << std::setw(9)
                  << h.percentile(0.5) << "  p95 " << std::setw(9) << h.percentile(0.95) << "  max " << std::setw(9)
                  << h.max() << "  (" << h.count() << ")\n";
      std::cout << "RSS " << rss_start / 1024.0 << " MiB at start, " << rss_end / 1024.0 << " MiB at end; open fds "
                << fds_start << " at start, " << fds_end << " at end\n";
      std::cout << "sampled every 20 ms, by " << samples.every() << " s (RSS MiB and open fds: least-most, last):\n";
      for (const auto& i : samples.intervals())
        std::cout << "  from " << std::setw(8) << i.from_s << " s: RSS " << i.rss_kib.min / 1024.0 << "-"
                  << i.rss_kib.max / 1024.0 << ", " << i.rss_kib.last / 1024.0 << "; fds " << i.fds.min << "-"
                  << i.fds.max << ", " << i.fds.last << " (" << i.samples << " samples)\n";
      const auto& rss = samples.rss_kib_trend();
      const auto& fds = samples.fds_trend();
      std::cout << "over the run: RSS " << rss.range().min / 1024.0 << "-" << rss.range().max / 1024.0 << " MiB, slope "
                << rss.slope_per_hour() / 1024.0 << " MiB/h; fds " << fds.range().min << "-" << fds.range().max
                << ", slope " << fds.slope_per_hour() << "/h\n";
      std::cout << "audit rows " << rows << " = transactions " << total.transactions << " - unaudited (audit.failed) "
                << total.audit_failed << "; transactions without their row " << missing_rows << ", unexpected rows "
                << extra_rows << (ok ? ": ok" : ": LOST") << "\n";
    }
    context.exit_status = ok ? kSuccess : kNegative;
  });
}

}  // namespace gatesim::app

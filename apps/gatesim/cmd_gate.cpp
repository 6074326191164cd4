// gatesim gate: one live lane, or a bank of lanes in one process, in real time (a LaneDriver
// each) on devices chosen by URI, the policy engine and an enrolment database; one line per
// transaction. A bank's lanes share the policy data, the gallery, the face models (a FacePool)
// and the audit file, and each other's clearances (anti-passback).
#include <algorithm>
#include <atomic>
#include <vector>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "apps/gatesim/face_command.hpp"
#include "apps/gatesim/dashboard_server.hpp"
#include "apps/gatesim/lane_dashboard.hpp"
#include "apps/gatesim/lane_options.hpp"
#include "gate/face_pool.hpp"
#include "gate/lane_bank.hpp"
#include "devices/window.hpp"
#include "gate/live_lane.hpp"
#include "gate/passback.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

models::CivilDate today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return std::chrono::year(local.tm_year + 1900) / std::chrono::month(static_cast<unsigned>(local.tm_mon + 1)) /
         std::chrono::day(static_cast<unsigned>(local.tm_mday));
}

void print_line(const gate::TransactionOutcome& o) {
  std::cout << "#" << o.transaction << ' ' << gate::to_string(o.decision);
  if (!o.holder_id.empty()) std::cout << ' ' << o.holder_id;
  if (!o.people.empty() && o.people[0].distance)
    std::cout << std::fixed << std::setprecision(3) << " distance " << *o.people[0].distance;
  if (!o.people.empty() && o.people[0].liveness)
    std::cout << " liveness " << biometrics::to_string(o.people[0].liveness->verdict);
  std::cout << std::fixed << std::setprecision(0) << " in "
            << std::chrono::duration<double, std::milli>(o.decided_at - o.started_at).count() << " ms";
  for (const auto& r : o.reasons) std::cout << " [" << gate::to_string(r) << ']';
  std::cout << '\n';
}

// --show: the frame with the face boxes, the quality of the largest, the score and the last
// decision.
class LaneWindow {
 public:
  void frame(const gate::FrameView& view) {
    cv::Mat canvas = view.frame.clone();
    for (const auto& f : view.faces) {
      const auto b = f.box.clipped_to(canvas.cols, canvas.rows);
      const bool ok = view.quality && view.quality->acceptable;
      cv::rectangle(canvas, {int(b.left), int(b.top)}, {int(b.right), int(b.bottom)},
                    ok ? cv::Scalar(0, 200, 0) : cv::Scalar(0, 0, 230), 2);
    }
    std::string text = std::to_string(view.faces.size()) + " face(s)";
    if (view.quality) text += view.quality->acceptable ? ", quality ok" : ", " + view.quality->reasons.front();
    if (view.distance) text += ", distance " + std::to_string(*view.distance).substr(0, 5);
    put(canvas, text, 24);
    if (view.liveness) put(canvas, liveness_text(*view.liveness), 52);
    put(canvas, decision_, view.liveness ? 80 : 52);
    devices::show_frame("gatesim gate", canvas);
  }
  void outcome(const gate::TransactionOutcome& o) {
    decision_ = "#" + std::to_string(o.transaction) + " " + gate::to_string(o.decision) +
                (o.reasons.empty() ? "" : ": " + o.reasons.front().name());
    if (!o.people.empty() && o.people.back().liveness)
      decision_ += ", liveness " + std::string(biometrics::to_string(o.people.back().liveness->verdict));
  }

 private:
  // "liveness: 6 frames, passive 0.93, temporal 0.0412"
  static std::string liveness_text(const biometrics::LivenessMeasurements& m) {
    return "liveness: " + biometrics::describe(m);
  }
  static void put(cv::Mat& canvas, const std::string& text, int y) {
    cv::putText(canvas, text, {10, y}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(0, 0, 0), 4);
    cv::putText(canvas, text, {10, y}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(255, 255, 255), 2);
  }
  std::string decision_;
};

// A lane of a bank writes its barrier and indicator lines with its name in front
// ("lane east-1: barrier: open"). Written from the lane's device thread only; a whole line at a
// time goes on to `out` (a LineSink keeps lines of different threads apart).
class LanePrefixedStream final : public std::ostream {
 public:
  LanePrefixedStream(std::ostream& to, const std::string& lane) : std::ostream(nullptr), buffer_(to, "lane " + lane + ": ") {
    rdbuf(&buffer_);
  }

 private:
  class Buffer final : public std::streambuf {
   public:
    Buffer(std::ostream& to, std::string prefix) : out_(to), prefix_(std::move(prefix)), line_(prefix_) {}

   protected:
    int_type overflow(int_type c) override {
      if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
      line_ += traits_type::to_char_type(c);
      if (c == '\n') {
        out_ << line_ << std::flush;
        line_ = prefix_;
      }
      return c;
    }

   private:
    std::ostream& out_;
    std::string prefix_, line_;
  };
  Buffer buffer_;
};

// One lane of the running bank: what it owns of its own (devices, records, the connection to
// the enrolment store, its audit connection, the driver); what it shares is the bank's.
struct RunningLane {
  RunningLane(const BankLane& spec, const gate::LanePolicy& lane_policy, const std::string& enrolment_db,
              std::shared_ptr<const biometrics::Gallery> gallery, const std::string& audit_file,
              const std::string& audit_lane, std::ostream& console)
      : name(spec.name),
        channel(lane_policy.channel),
        store(enrolment_db, gate::EnrolmentStore::Open::existing_only),
        lane(open(spec, console), records),
        services(lane_policy, store, records, std::move(gallery)),
        audit(audit_file, audit_lane, {lane_policy.port->id, lane_policy.direction}) {}

  static gate::LaneDeviceSet open(const BankLane& spec, std::ostream& console) {
    gate::LaneDeviceSet devices = spec.options.open_devices(console);
    if (!spec.documents.empty()) devices.documents = devices::open_document_reader(spec.documents);
    return devices;
  }

  std::string name;
  gate::Channel channel;
  gate::EnrolmentStore store;  // its own SQLite connection, used on its service thread
  gate::TravellerRecords records;
  gate::DeviceLane lane;
  gate::PolicyServices services;
  gate::AuditLog audit;  // its own connection to the bank's file
  std::optional<ObservedLane> observed;
  std::size_t dashboard_index = 0;
};

}  // namespace

void add_gate_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string port = "shenzhen-bay";
    std::string documents, date, direction = "exit";
    PolicyOption policy;
    LaneOptions lane;
    std::vector<std::string> lanes;
    std::string bank;
    std::size_t face_workers = 0;
    bool show = false, json = false;
    HttpOptions http;
    bool http_frames = false;
  };
  auto args = std::make_shared<Args>();
  args->lane.audit = "gate-audit.db";
  // A real lane lets each traveller through once: it waits for the cleared one to leave and
  // refuses a holder it cleared within the lane's window (gate::kDefaultPassbackWindow). It
  // opens for a live face only, not for a photo held up to the camera (both liveness cues).
  args->lane.passage = "camera";
  args->lane.passback = std::chrono::duration<double>(gate::kDefaultPassbackWindow).count();
  args->lane.liveness = "both";
  auto* cmd = root.add_subcommand("gate", command_description("gate"));
  cmd->add_option("--port", args->port, "Port the lane belongs to (`gatesim ports` lists them)");
  args->lane.add_to(*cmd);
  cmd->get_option("--db")->required();
  cmd->add_option("--documents", args->documents,
                  "Document reader URI: chips:FILE.jsonl (one traveller record per line, as `gatesim check`'s "
                  "\"traveller\") or chip-dir:FOLDER; without it the lane is the document-free channel");
  cmd->add_option("--lane", args->lanes,
                  "A lane of a bank (repeat for each): KEY=VALUE,... with the keys of this command's lane flags "
                  "(camera=, passage=, liveness=, ...) plus name= and documents=; a key not given takes the flag")
      ->excludes("--documents");
  cmd->add_option("--bank", args->bank,
                  "YAML bank file: `lanes:`, a list of lanes with the keys of --lane (README: A bank of lanes)")
      ->excludes("--documents");
  cmd->add_option("--face-workers", args->face_workers,
                  "A bank's face analysis threads, shared by its lanes in turn (0: one per core)")
      ->check(CLI::Range(0, 256));
  args->policy.add_to(*cmd);
  cmd->add_option("--date", args->date, "Crossing date YYYY-MM-DD for the policy rules (default: today)");
  cmd->add_option("--direction", args->direction, "entry or exit (into / out of the mainland)");
  cmd->add_option("--identification-threshold", args->lane.config.identification_threshold,
                  "1:N distance below which the nearest holder is found (document-free)")
      ->check(CLI::Range(0.01, 2.0));
  cmd->add_option("--identification-margin", args->lane.config.identification_margin,
                  "How much further the second-nearest holder must be (document-free)")
      ->check(CLI::Range(0.0, 1.99));
  cmd->add_flag("--show", args->show, "Show the frames with face box, quality, score and decision in a window (one lane)");
  cmd->add_flag("--json", args->json, "One JSON object per transaction (JSON Lines; a bank's carry \"lane\")");
  args->http.add_to(*cmd);
  cmd->add_flag("--http-frames", args->http_frames,
                "Let camera frames leave the process to the dashboard (personal data); without it the Lanes page shows "
                "face boxes and scores on a blank frame");
  cmd->callback([args, &context] {
    if (args->http_frames && !args->http.enabled()) throw models::InputError("--http-frames needs --http HOST:PORT");
    if (args->http.enabled()) args->http.checked_address();  // a bad address fails before anything is loaded
    // The lanes: one from the flags (today's lane), or a bank from --lane and --bank, whose
    // keys not given take the flags.
    const bool bank = !args->lanes.empty() || !args->bank.empty();
    std::vector<BankLane> specs;
    if (!args->bank.empty()) specs = read_bank_file(args->bank, args->lane);
    for (const auto& text : args->lanes) specs.push_back(parse_bank_lane(text, args->lane, specs.size() + 1));
    if (!bank) specs.push_back({"1", args->documents, args->lane});
    check_unique_names(specs, bank ? "--lane/--bank" : "gate");
    for (const auto& spec : specs)
      if (spec.options.camera.empty())
        throw models::InputError(bank ? "lane " + spec.name + ": no camera (camera=URI)" : "--camera is required");
    if (bank && args->show) throw models::InputError("--show shows one lane; watch a bank with --http");

    const auto policy = args->policy.load();
    gate::LanePolicy base_policy;
    base_policy.policy = &policy;
    base_policy.port = policy.find_port(args->port);
    if (!base_policy.port) throw models::InputError("--port " + args->port + ": unknown port (`gatesim ports` lists them)");
    const auto date = args->date.empty() ? std::optional(today()) : models::parse_iso_date(args->date);
    if (!date) throw models::InputError("--date " + args->date + ": expected a date YYYY-MM-DD");
    base_policy.date = *date;
    const auto direction = models::parse_direction(args->direction);
    if (!direction) throw models::InputError("--direction " + args->direction + ": expected entry or exit");
    base_policy.direction = *direction;

    // Shared by every lane: the policy data (above), one gallery of the enrolments, the face
    // models (one analyzer per pool worker in a bank; one lane loads its own, as it always did)
    // and the liveness networks (LaneOptions::driver_options shares them per process).
    const std::string& enrolment_db = args->lane.db;
    const auto gallery = [&] {
      const gate::EnrolmentStore store(enrolment_db, gate::EnrolmentStore::Open::existing_only);
      if (store.template_count() == 0)
        throw models::InputError(enrolment_db + ": no enrolled face templates (add some with `gatesim enroll`)");
      return std::make_shared<const biometrics::Gallery>(store.load_gallery());
    }();
    const auto models = biometrics::ModelStore::from_environment();
    std::optional<gate::FacePool> pool;
    if (bank) pool.emplace(models, gate::FacePool::Options{.workers = args->face_workers});

    std::vector<std::unique_ptr<LanePrefixedStream>> consoles;
    std::vector<std::unique_ptr<RunningLane>> lanes;
    for (const auto& spec : specs) {
      gate::LanePolicy lane_policy = base_policy;
      lane_policy.channel = spec.documents.empty() ? gate::Channel::document_free : gate::Channel::document;
      std::ostream* console = &std::cerr;
      if (bank) console = consoles.emplace_back(std::make_unique<LanePrefixedStream>(std::cerr, spec.name)).get();
      // Today's single lane labels its audit rows with the port; a bank's lanes by their names.
      lanes.push_back(std::make_unique<RunningLane>(spec, lane_policy, enrolment_db, gallery, args->lane.audit,
                                                    bank ? spec.name : args->port, *console));
    }

    // With --http the dashboard watches the lanes through their device calls and callbacks; it
    // decides nothing. Without it, none of it exists and the lanes call none of it.
    web::MetricsRegistry metrics;
    std::optional<LaneDashboard> dashboard;
    std::optional<DashboardServer> server;
    if (args->http.enabled()) {
      dashboard.emplace(metrics, args->port, args->http_frames);
      for (auto& lane : lanes) {
        lane->dashboard_index = dashboard->add_lane(lane->name, lane->channel);
        lane->observed.emplace(lane->lane, *dashboard, lane->dashboard_index);
      }
      server.emplace(args->http, "lanes.html", metrics, [&dashboard] { return dashboard->state(); }, std::cerr,
                     [&dashboard, &lanes](web::HttpServer& http) {
                       for (const auto& lane : lanes)
                         http.get("/frame/" + lane->name + ".jpg", [&dashboard, index = lane->dashboard_index] {
                           const auto jpeg = dashboard->frame_jpeg(index);
                           return jpeg ? web::HttpResponse{200, "image/jpeg", *jpeg} : web::HttpResponse{404, "text/plain", "no frame\n"};
                         });
                     });
      dashboard->on_change([&server] { server->changed(); });
    }

    LaneWindow window;
    std::atomic<bool> any_referred = false;
    // After the server and the dashboard, so the drivers end first: a driver's end waits for a
    // device call it abandoned, which may still be telling the dashboard.
    gate::LaneBank lanes_running;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      RunningLane& lane = *lanes[i];
      const BankLane& spec = specs[i];
      gate::LaneDriverOptions options = spec.options.driver_options();
      if (pool) options.face_pool = &pool->add_lane(lane.name);
      options.on_outcome = [&, bank, name = lane.name, index = lane.dashboard_index](const gate::TransactionOutcome& o) {
        if (o.decision == gate::Decision::referred) any_referred = true;
        if (args->show) window.outcome(o);
        if (dashboard) dashboard->outcome(index, o);
        if (args->json) {
          auto line = gate::to_json(o);
          if (bank) line["lane"] = name;
          print_json(line);
        } else {
          if (bank) std::cout << "lane " << name << ": ";
          print_line(o);
        }
        std::cout.flush();
      };
      if (args->show || dashboard)
        options.on_frame = [&, index = lane.dashboard_index](const gate::FrameView& view) {
          if (args->show) window.frame(view);
          if (dashboard) dashboard->frame(index, view);
        };
      // A bank's lanes hear of each other's clearances (anti-passback, gate::LaneBank).
      gate::LaneDevices& devices_seen = lane.observed ? static_cast<gate::LaneDevices&>(*lane.observed) : lane.lane;
      lanes_running.add(lane.name, spec.options.gate_config(lane.channel), models, devices_seen, lane.services,
                        lane.audit, options);
    }
    lanes_running.run();  // one lane on this thread, a bank's one thread each
    if (server) {
      dashboard->finished();
      server->serve_until_interrupted();
    }
    context.exit_status = any_referred ? kNegative : kSuccess;
  });
}

}  // namespace gatesim::app

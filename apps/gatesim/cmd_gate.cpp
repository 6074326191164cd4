// gatesim gate: one live lane in real time (the LaneDriver) on devices chosen by URI, the
// policy engine and an enrolment database; one line per transaction.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>

#include <opencv2/highgui.hpp>
#include <opencv2/imgproc.hpp>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/dashboard_server.hpp"
#include "apps/gatesim/lane_dashboard.hpp"
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
    cv::imshow("gatesim gate", canvas);
    cv::waitKey(1);
  }
  void outcome(const gate::TransactionOutcome& o) {
    decision_ = "#" + std::to_string(o.transaction) + " " + gate::to_string(o.decision) +
                (o.reasons.empty() ? "" : ": " + o.reasons.front().code);
    if (!o.people.empty() && o.people.back().liveness)
      decision_ += ", liveness " + std::string(biometrics::to_string(o.people.back().liveness->verdict));
  }

 private:
  // "liveness (6 frames): passive 0.93, temporal 0.0412" or "... frozen"
  static std::string liveness_text(const biometrics::LivenessMeasurements& m) {
    std::string text = "liveness (" + std::to_string(m.frames) + " frames):";
    char value[32];
    if (m.passive) {
      std::snprintf(value, sizeof value, " passive %.2f", *m.passive);
      text += value;
    }
    if (m.temporal) {
      std::snprintf(value, sizeof value, " temporal %.4f", *m.temporal);
      text += value;
    }
    if (m.frozen) text += " frozen";
    return text;
  }
  static void put(cv::Mat& canvas, const std::string& text, int y) {
    cv::putText(canvas, text, {10, y}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(0, 0, 0), 4);
    cv::putText(canvas, text, {10, y}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(255, 255, 255), 2);
  }
  std::string decision_;
};

}  // namespace

void add_gate_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string port = "shenzhen-bay";
    std::string documents, date, direction = "exit";
    PolicyOption policy;
    LaneOptions lane;
    bool show = false, json = false;
    HttpOptions http;
    bool http_frames = false;
  };
  auto args = std::make_shared<Args>();
  args->lane.audit = "gate-audit.db";
  // A real lane lets each traveller through once: it waits for the cleared one to leave and
  // refuses a holder it cleared within the lane's window (gate::kDefaultPassbackWindow).
  args->lane.passage = "camera";
  args->lane.passback = std::chrono::duration<double>(gate::kDefaultPassbackWindow).count();
  auto* cmd = root.add_subcommand(
      "gate", "Run one smart-channel lane in real time: devices, policy, faces, audit log (exit 1: someone was referred)");
  cmd->add_option("--port", args->port, "Port the lane belongs to (`gatesim ports` lists them)");
  args->lane.add_to(*cmd);
  cmd->get_option("--camera")->required();
  cmd->get_option("--db")->required();
  cmd->add_option("--documents", args->documents,
                  "Document reader URI: chips:FILE.jsonl (one traveller record per line, as `gatesim check`'s "
                  "\"traveller\") or chip-dir:FOLDER; without it the lane is the document-free channel");
  args->policy.add_to(*cmd);
  cmd->add_option("--date", args->date, "Crossing date YYYY-MM-DD for the policy rules (default: today)");
  cmd->add_option("--direction", args->direction, "entry or exit (into / out of the mainland)");
  cmd->add_option("--identification-threshold", args->lane.config.identification_threshold,
                  "1:N distance below which the nearest holder is found (document-free)")
      ->check(CLI::Range(0.01, 2.0));
  cmd->add_option("--identification-margin", args->lane.config.identification_margin,
                  "How much further the second-nearest holder must be (document-free)")
      ->check(CLI::Range(0.0, 1.99));
  cmd->add_flag("--show", args->show, "Show the frames with face box, quality, score and decision in a window");
  cmd->add_flag("--json", args->json, "One JSON object per transaction (JSON Lines)");
  args->http.add_to(*cmd);
  cmd->add_flag("--http-frames", args->http_frames,
                "Let camera frames leave the process to the dashboard (personal data); without it the Lanes page shows "
                "face boxes and scores on a blank frame");
  cmd->callback([args, &context] {
    if (args->http_frames && !args->http.enabled()) throw models::InputError("--http-frames needs --http HOST:PORT");
    if (args->http.enabled()) args->http.checked_address();  // a bad address fails before anything is loaded
    const auto policy = args->policy.load();
    gate::LanePolicy lane_policy;
    lane_policy.policy = &policy;
    lane_policy.port = policy.find_port(args->port);
    if (!lane_policy.port) throw models::InputError("--port " + args->port + ": unknown port (`gatesim ports` lists them)");
    const auto date = args->date.empty() ? std::optional(today()) : models::parse_iso_date(args->date);
    if (!date) throw models::InputError("--date " + args->date + ": expected a date YYYY-MM-DD");
    lane_policy.date = *date;
    const auto direction = models::parse_direction(args->direction);
    if (!direction) throw models::InputError("--direction " + args->direction + ": expected entry or exit");
    lane_policy.direction = *direction;
    lane_policy.channel = args->documents.empty() ? gate::Channel::document_free : gate::Channel::document;

    const LaneOptions& lane_options = args->lane;
    const gate::EnrolmentStore store(lane_options.db, gate::EnrolmentStore::Open::existing_only);
    if (store.template_count() == 0)
      throw models::InputError(lane_options.db + ": no enrolled face templates (add some with `gatesim enroll`)");
    std::unique_ptr<devices::DocumentReader> documents;
    if (!args->documents.empty()) documents = devices::open_document_reader(args->documents);
    gate::LaneDeviceSet devices = lane_options.open_devices(std::cerr);
    devices.documents = std::move(documents);
    const gate::GateConfig config = lane_options.gate_config(lane_policy.channel);
    const auto models = biometrics::ModelStore::from_environment();
    gate::AuditLog audit(lane_options.audit, args->port);
    gate::TravellerRecords records;
    gate::DeviceLane lane(std::move(devices), records);
    gate::PolicyServices services(lane_policy, store, records);

    // With --http the dashboard watches the lane through its device calls and callbacks; it
    // decides nothing. Without it, none of it exists and the lane calls none of it.
    web::MetricsRegistry metrics;
    std::optional<LaneDashboard> dashboard;
    std::optional<ObservedLane> observed;
    std::optional<DashboardServer> server;
    std::size_t lane_index = 0;
    if (args->http.enabled()) {
      dashboard.emplace(metrics, args->port, args->http_frames);
      lane_index = dashboard->add_lane("1", lane_policy.channel);
      observed.emplace(lane, *dashboard, lane_index);
      server.emplace(args->http, "lanes.html", metrics, [&dashboard] { return dashboard->state(); }, std::cerr,
                     [&dashboard, lane_index](web::HttpServer& http) {
                       http.get("/frame/1.jpg", [&dashboard, lane_index] {
                         const auto jpeg = dashboard->frame_jpeg(lane_index);
                         return jpeg ? web::HttpResponse{200, "image/jpeg", *jpeg} : web::HttpResponse{404, "text/plain", "no frame\n"};
                       });
                     });
      dashboard->on_change([&server] { server->changed(); });
    }

    LaneWindow window;
    gate::LaneDriverOptions options = lane_options.driver_options();
    bool any_referred = false;
    options.on_outcome = [&](const gate::TransactionOutcome& o) {
      any_referred |= o.decision == gate::Decision::referred;
      if (args->show) window.outcome(o);
      if (dashboard) dashboard->outcome(lane_index, o);
      if (args->json) print_json(gate::to_json(o));
      else print_line(o);
      std::cout.flush();
    };
    if (args->show || dashboard)
      options.on_frame = [&](const gate::FrameView& view) {
        if (args->show) window.frame(view);
        if (dashboard) dashboard->frame(lane_index, view);
      };
    gate::LaneDevices& devices_seen = observed ? static_cast<gate::LaneDevices&>(*observed) : lane;
    gate::LaneDriver driver(config, models, devices_seen, services, audit, options);
    driver.run();
    if (server) {
      dashboard->finished();
      server->serve_until_interrupted();
    }
    context.exit_status = any_referred ? kNegative : kSuccess;
  });
}

}  // namespace gatesim::app

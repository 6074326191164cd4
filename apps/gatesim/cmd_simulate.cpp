// gatesim simulate SCENARIO: one replication of a port scenario; writes the per-traveller JSON
// Lines, the per-interval CSV, summary.json and report.html into --out.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include <unistd.h>

#include "apps/gatesim/command.hpp"
#include "apps/gatesim/dashboard_server.hpp"
#include "apps/gatesim/faces_plugin.hpp"
#include "apps/gatesim/port_dashboard.hpp"
#include "apps/gatesim/replay_control.hpp"
#include "models/input_error.hpp"
#include "sim/port_model.hpp"
#include "sim/realtime.hpp"
#include "sim/report.hpp"

namespace gatesim::app {

namespace {

// A progress bar on stderr, redrawn at most every percent; only on a terminal.
std::function<void(double)> progress_bar() {
  if (!::isatty(STDERR_FILENO)) return {};
  auto last = std::make_shared<int>(-1);
  return [last](double fraction) {
    const int percent = static_cast<int>(fraction * 100);
    if (percent == *last) return;
    *last = percent;
    const int filled = percent * 40 / 100;
    std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(40 - filled), ' ')
              << "] " << std::setw(3) << percent << "%" << (percent >= 100 ? "\n" : "") << std::flush;
  };
}

// One status line a wall second during a real-time replay: the simulated clock (hour of day),
// the wall time, who is in the port and the queues; when the replay runs late (it catches up,
// sim/realtime.hpp), by how much. With the dashboard's controls, their speed and pause.
std::function<void(const sim::RealtimeStatus&)> realtime_status(double initial_speed, double start_hour,
                                                                std::shared_ptr<const sim::PaceControl> control) {
  return [initial_speed, start_hour, control](const sim::RealtimeStatus& st) {
    const auto pace = control ? control->state() : sim::PaceControl::State{initial_speed, false};
    const double speed = pace.speed;
    const auto clock = static_cast<long>(start_hour * 3600 + st.simulated_s);
    char line[240];
    const int n = std::snprintf(
        line, sizeof line, "realtime %gx: %02ld:%02ld:%02ld simulated (%3.0f%%), %.0f s wall, %llu in port, queued %llu/%llu/%llu",
        speed, clock / 3600 % 24, clock / 60 % 60, clock % 60, 100 * st.fraction, st.wall_s,
        static_cast<unsigned long long>(st.in_port), static_cast<unsigned long long>(st.queued[0]),
        static_cast<unsigned long long>(st.queued[1]), static_cast<unsigned long long>(st.queued[2]));
    if (st.behind_s >= 0.1 && n > 0 && static_cast<std::size_t>(n) < sizeof line)
      std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), ", %.1f s behind (catching up)", st.behind_s);
    else if (pace.paused && n > 0 && static_cast<std::size_t>(n) < sizeof line)
      std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), ", paused");
    std::cerr << line << '\n' << std::flush;
  };
}

// One output file, written under a temporary name and renamed into place by commit(): a run
// that fails part-way (a bad trace row, a full disk) leaves no half-written file and keeps the
// outputs of an earlier run as they were.
class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path path)
      : path_(std::move(path)), partial_(path_.string() + ".partial"), out_(partial_, std::ios::binary) {
    if (!out_) throw models::InputError(path_.string() + ": cannot write here (--out)");
  }
  ~OutputFile() {
    if (committed_) return;
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(partial_, ignored);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ofstream& stream() { return out_; }
  // ensures: the file is complete at its own name.
  void commit() {
    out_.close();
    if (!out_) throw models::InputError(path_.string() + ": could not write it completely (--out)");
    std::filesystem::rename(partial_, path_);
    committed_ = true;
  }

 private:
  std::filesystem::path path_, partial_;
  std::ofstream out_;
  bool committed_ = false;
};

// Hands the live lanes' changes to the dashboard's server while there is one: the lanes start
// before it, and a device call a stopped lane abandoned may return after it is gone.
// Thread safety: any thread.
class ServerRelay {
 public:
  void attach(DashboardServer* server) {
    const std::lock_guard lock(mutex_);
    server_ = server;
  }
  void changed() {
    const std::lock_guard lock(mutex_);
    if (server_) server_->changed();
  }

 private:
  std::mutex mutex_;
  DashboardServer* server_ = nullptr;
};

}  // namespace

void add_simulate_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string scenario;
    std::optional<std::uint64_t> seed;
    std::string out = "gatesim-out";
    std::vector<std::string> sets;
    bool json = false;
    bool no_travellers = false;
    std::optional<double> realtime;
    std::vector<std::string> live_gates;
    HttpOptions http;
    bool http_frames = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("simulate", command_description("simulate"));
  cmd->add_option("SCENARIO", args->scenario, "Scenario YAML file (scenarios/README.md)")->required();
  cmd->add_option("--seed", args->seed, "Random seed (default: the scenario's); same seed, same bytes");
  cmd->add_option("--out", args->out, "Folder for travellers.jsonl, intervals.csv, summary.json, report.html")
      ->capture_default_str();
  cmd->add_option("--set", args->sets, "Override a scenario key: --set channels.document_gates=12 (repeatable)");
  cmd->add_flag("--no-travellers", args->no_travellers, "Skip travellers.jsonl (the largest output)");
  cmd->add_option("--realtime", args->realtime,
                  "Pace the run so simulated time goes SPEED times as fast as wall time (0.01..100), printing "
                  "status lines on stderr; same outputs as without it");
  cmd->add_option("--live-gate", args->live_gates,
                  "A real lane as one of the document gates (needs --realtime): KEY=VALUE,... with the keys of "
                  "`gatesim gate`'s options of the same names: camera=URI or camera=faces (the scenario's faces folder, "
                  "scripted), db=ENROLMENT.db (else the faces folder's people are enrolled), fingerprint=URI, audit=FILE "
                  "(default OUT/live-gate-audit.db), keep-images=, max-detection-width=, max-face-frames=, "
                  "match-threshold=, document-timeout=, face-window=, fingerprint-timeout= (README: A live gate in a "
                  "simulated port); repeatable");
  cmd->add_flag("--json", args->json, "Print summary.json on stdout");
  args->http.add_to(*cmd);
  args->http.add_control_to(*cmd);
  cmd->add_flag("--http-frames", args->http_frames,
                "With --live-gate: let the live lanes' camera frames leave the process to the dashboard (personal data); "
                "without it the Port page shows their face boxes and scores on a blank frame");
  cmd->callback([args, &context] {
    if (args->http.enabled()) args->http.checked_address();  // a bad address fails before anything is loaded
    if (args->realtime && !(*args->realtime >= sim::PaceControl::kMinSpeed && *args->realtime <= sim::PaceControl::kMaxSpeed))
      throw models::InputError("--realtime: expected a speed from 0.01 to 100, got " + std::to_string(*args->realtime));
    if (args->http_frames && (!args->http.enabled() || args->live_gates.empty()))
      throw models::InputError("--http-frames needs --http HOST:PORT and --live-gate (the frames are the live lanes' cameras')");
    if (!args->live_gates.empty() && !args->realtime)
      throw models::InputError("--live-gate needs --realtime SPEED: a live lane works in wall-clock time");
    if (args->http.control && (!args->http.enabled() || !args->realtime || !args->live_gates.empty()))
      throw models::InputError("--http-control needs --http and --realtime SPEED, and no --live-gate (a live lane works in wall-clock "
                               "time: it cannot be paused or sped up)");
    const sim::Scenario scenario = sim::load_scenario(args->scenario, args->sets);
    const std::filesystem::path out(args->out);
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) throw models::InputError(args->out + ": cannot create the output folder (--out): " + ec.message());
    // The dashboard watches the run through its progress, status and travellers stream, and the
    // live lanes through their devices and callbacks (as `gate --http`); it changes nothing in them.
    const auto relay = std::make_shared<ServerRelay>();
    const LiveGateView view{args->http_frames, [relay] { relay->changed(); }};
    const auto live_gates = open_live_gates(args->live_gates, scenario, out, args->http.enabled() ? &view : nullptr);
    web::MetricsRegistry metrics;
    PortDashboard dashboard(metrics, scenario, args->realtime.value_or(0));
    if (live_gates && args->http.enabled()) dashboard.show_lanes([&live_gates] { return live_gates->lanes(); });
    std::shared_ptr<sim::PaceControl> pace;  // --http-control: the page's pause, resume and speed
    if (args->http.control) {
      pace = std::make_shared<sim::PaceControl>(*args->realtime);
      dashboard.show_control(pace);
    }
    std::optional<DashboardServer> server;
    const std::unique_ptr<ServerRelay, void (*)(ServerRelay*)> detach(relay.get(), [](ServerRelay* r) { r->attach(nullptr); });
    if (args->http.enabled()) {
      server.emplace(args->http, "port.html", metrics, [&dashboard] { return dashboard.state(); }, std::cerr,
                     [&pace, &dashboard, &live_gates, frames = args->http_frames](web::HttpServer& routes) {
                       if (pace)
                         routes.post("/api/control", [pace, &dashboard](std::string_view body) {
                           auto answer = apply_control_request(*pace, body);
                           dashboard.control_changed();
                           return answer;
                         });
                       if (live_gates && frames)
                         for (const auto& lane : live_gates->lanes()) {
                           const auto name = lane["name"].get<std::string>();
                           routes.get("/frame/" + name + ".jpg", [&live_gates, name] {
                             const auto jpeg = live_gates->frame_jpeg(name);
                             return jpeg ? web::HttpResponse{200, "image/jpeg", *jpeg} : web::HttpResponse{404, "text/plain", "no frame\n"};
                           });
                         }
                     });
      dashboard.on_change([&server] { server->changed(); });
      relay->attach(&*server);
    }
    OutputFile intervals(out / "intervals.csv");
    std::optional<OutputFile> travellers;
    if (!args->no_travellers) travellers.emplace(out / "travellers.jsonl");
    sim::RunOptions options;
    options.seed = args->seed.value_or(scenario.seed);
    options.travellers = travellers ? &travellers->stream() : nullptr;
    LineTap tap(travellers ? travellers->stream().rdbuf() : nullptr, [&dashboard](std::string_view line) { dashboard.traveller_left(line); });
    std::ostream tapped(&tap);
    if (server) options.travellers = &tapped;
    options.intervals = &intervals.stream();
    if (live_gates) options.realtime.external_gates = live_gates->gates();
    if (args->realtime) {
      options.realtime.speed = *args->realtime;
      options.realtime.status = realtime_status(*args->realtime, scenario.start_hour, pace);
      options.realtime.control = pace;
      if (server)
        options.realtime.status = [print = options.realtime.status, &dashboard](const sim::RealtimeStatus& status) {
          print(status);
          dashboard.realtime(status);
        };
    } else {
      options.progress = progress_bar();
      if (server)
        options.progress = [bar = options.progress, &dashboard](double fraction) {
          if (bar) bar(fraction);
          dashboard.progress(fraction);
        };
    }
    const auto started = std::chrono::steady_clock::now();
    const sim::SimResult result = sim::run_simulation(scenario, options);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::vector<std::size_t> live_transactions = live_gates ? live_gates->close() : std::vector<std::size_t>{};
    const nlohmann::json summary = sim::summary_json(result);
    OutputFile summary_file(out / "summary.json"), report(out / "report.html");
    summary_file.stream() << summary.dump(2) << '\n';
    report.stream() << sim::report_html(result, summary);
    tapped.flush();
    // The tap writes into the file's buffer directly: a write that failed there shows on `tapped`
    // (which then took nothing more), not on the file's stream. It is the file's failure.
    if (travellers && !tapped) travellers->stream().setstate(std::ios::badbit);
    for (OutputFile* file : {&intervals, &summary_file, &report}) file->commit();
    if (travellers) travellers->commit();
    if (args->json) {
      print_json(summary);
    } else {
      std::cout << scenario.name << ": " << result.travellers << " travellers, " << result.events << " events in "
                << std::fixed << std::setprecision(2) << wall << " s (" << std::setprecision(1)
                << (wall > 0 ? static_cast<double>(result.events) / wall / 1e6 : 0) << " M events/s)\n";
      for (const auto& [name, c] : summary["channels"].items())
        std::cout << "  " << std::left << std::setw(20) << name << std::right << std::setw(5) << c["servers"].get<int>()
                  << " servers  wait mean " << std::setw(7) << c["wait_s"]["mean"].get<double>() << " s  p95 " << std::setw(7)
                  << c["wait_s"]["p95"].get<double>() << " s  " << std::setw(6)
                  << c["throughput_per_server_hour"].get<double>() << " per server-hour\n";
      if (result.images_analysed > 0)
        std::cout << "  image-level faces: " << result.images_analysed << " distinct images through the pipeline in "
                  << std::setprecision(2) << result.image_analysis_s << " s (" << std::setprecision(1)
                  << (wall > 0 ? static_cast<double>(result.travellers) / wall : 0) << " travellers/s overall)\n";
      for (std::size_t i = 0; i < live_transactions.size(); ++i)
        std::cout << "  " << live_gate_name(i) << ": " << live_transactions[i] << " transactions on the real lane\n";
      std::cout << "  within 5 minutes: " << 100 * summary["within_5_min"].get<double>() << "%  referral rate: "
                << 100 * summary["decisions"]["referral_rate"].get<double>() << "%\n  outputs in " << out.string() << "/\n";
    }
    context.exit_status = kSuccess;
    if (server) {
      std::cout.flush();
      dashboard.finished(summary);
      server->serve_until_interrupted();
    }
  });
}

}  // namespace gatesim::app

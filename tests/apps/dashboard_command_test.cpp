// The dashboard end to end: the real `gatesim gate --http` and `gatesim simulate --http` on
// loopback, scraped with real sockets; /metrics parsed by the Prometheus client's own parser
// (python3-prometheus-client) and its counters compared with what the run printed; the pages
// opened in headless Chromium and checked in the rendered DOM (screenshots kept in
// build/<preset>/test-artefacts/).
// g++ 12 -O3: false "potential null pointer dereference" inside Boost.Asio's inlined scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <array>
#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sqlite3.h>

#include "tests/support/headless_chromium.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/running_program.hpp"
#include "tests/support/sanitizers.hpp"
#include "tests/support/scratch_folder.hpp"
#include "tests/support/traveller_records.hpp"

namespace {

using gatesim::testing::concat;
using gatesim::testing::hong_kong_resident;
using gatesim::testing::http_exchange;
using gatesim::testing::http_get;
using gatesim::testing::http_post;
using gatesim::testing::run_gatesim;
using gatesim::testing::RunningProgram;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kArtefacts = GATESIM_TEST_ARTEFACTS;
// In a dumped page: its WebSocket is open (common.js says "live").
constexpr const char* kLive = "id=\"connection\" class=\"connection\">live<";

// Debian's interpreter, which sees Debian's python3-prometheus-client (another python3 first on
// PATH, such as a pyenv shim, would not).
constexpr const char* kPython = "/usr/bin/python3";

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

class DashboardCommand : public gatesim::testing::ScratchFolderTest {
 protected:
  // /metrics of the server at `port`, parsed by prometheus_client: its samples.
  json scrape(std::uint16_t port) {
    const auto answer = http_get(port, "/metrics");
    EXPECT_EQ(answer.status, 200);
    EXPECT_NE(answer.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << answer.head;
    const auto text = write("metrics.txt", answer.body);
    const auto parsed = gatesim::testing::run_shell(concat(kPython, " ", GATESIM_SOURCE_DIR, "/tests/support/prometheus_samples.py ",
                                                           gatesim::testing::shell_quote(text.string())));
    if (parsed.exit_status != 0) {
      ADD_FAILURE() << "prometheus_client could not parse /metrics (exit " << parsed.exit_status << "): " << parsed.err
                    << "\n" << answer.body;
      return json::array();
    }
    return json::parse(parsed.out);
  }
  static std::string scrape_text(std::uint16_t port) { return http_get(port, "/metrics").body; }
  // The sum of the samples named `name` whose labels include `labels`.
  static double sum(const json& samples, const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    double total = 0;
    for (const auto& s : samples) {
      if (s["name"] != name) continue;
      bool match = true;
      for (const auto& [k, v] : labels) match = match && s["labels"].value(k, std::string()) == v;
      if (match) total += s["value"].get<double>();
    }
    return total;
  }
  // The pixels of a screenshot in the histogram bars' colour (dashboard.css: .bar, #1a73e8).
  static int bar_pixels(const fs::path& screenshot) {
    const cv::Mat image = cv::imread(screenshot.string(), cv::IMREAD_COLOR);
    EXPECT_FALSE(image.empty()) << screenshot;
    cv::Mat bar;
    cv::inRange(image, cv::Scalar(232, 115, 26), cv::Scalar(232, 115, 26), bar);  // BGR
    return cv::countNonZero(bar);
  }
  static std::uint16_t port_of(RunningProgram& program) {
    const auto port = program.wait_for_stderr("http: dashboard at http://127\\.0\\.0\\.1:([0-9]+)/");
    return port.empty() ? 0 : static_cast<std::uint16_t>(std::stoi(port));
  }
  // Opens `page` in headless Chromium: the rendered DOM, and a screenshot kept as `screenshot`.
  std::string render(std::uint16_t port, const std::string& page, const std::string& screenshot) {
    const std::string url = concat("http://127.0.0.1:", std::to_string(port), page);
    // The DOM is dumped when Chromium's virtual time budget is spent, which on a loaded machine
    // can come before the page's WebSocket opened: a dump without it is taken again (an event
    // waited for, no timing asserted).
    auto dom = gatesim::testing::run_chromium("--dump-dom", url, dir_ / "profile-dom");
    for (int attempt = 1; attempt < 4 && dom.out.find(kLive) == std::string::npos; ++attempt)
      dom = gatesim::testing::run_chromium("--dump-dom", url, dir_ / "profile-dom");
    EXPECT_EQ(dom.exit_status, 0) << dom.err;
    fs::create_directories(kArtefacts);
    const auto shot = kArtefacts / screenshot;
    fs::remove(shot);
    const auto r = gatesim::testing::run_chromium(concat("--screenshot=", shot.string()), url, dir_ / "profile-shot");
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_TRUE(fs::exists(shot) && fs::file_size(shot) > 1000) << shot << " was not written: " << r.err;
    return dom.out;
  }
};

TEST_F(DashboardCommand, GateMetricsCountTheTransactionsMadeAndTheLanesPageShowsThem) {
  ASSERT_TRUE(gatesim::testing::chromium_installed()) << gatesim::testing::kChromiumMissing;
  const auto db = (dir_ / "enrol.db").string();
  for (const auto& [id, photo] : {std::pair{"obama", "reference/obama.jpg"}, std::pair{"biden", "reference/biden.jpg"}}) {
    const auto r = run_gatesim({"enroll", "--db", db, "--id", id, concat("faces/", photo)});
    ASSERT_EQ(r.exit_status, 0) << r.err;
  }
  copy("scenes/dogs.jpg", "frames/01.jpg");  // nobody at the camera yet
  copy("reference/obama2.jpg", "frames/02.jpg");
  copy("reference/biden.jpg", "frames/03.jpg");
  copy("people/train/biden/biden2.jpg", "frames/04.jpg");
  std::string chips;
  for (const auto& record : {hong_kong_resident("obama"), hong_kong_resident("obama"),  // the second shows Biden's face
                             hong_kong_resident("kid", [](json& t) { t["birth_date"] = "2015-03-01"; })})
    chips += record.dump() + "\n";
  const auto documents = write("chips.jsonl", chips);

  RunningProgram gate({"gate", "--port", "shenzhen-bay", "--date", "2026-11-27", "--db", db, "--audit", (dir_ / "audit.db").string(),
                       "--camera", concat("dir:", (dir_ / "frames").string()), "--documents", concat("chips:", documents.string()),
                       "--passage", "none", "--passback", "0", "--liveness", "off", "--face-window", gatesim::testing::patient_face_window(), "--json",
                       "--http", "127.0.0.1:0"},
                      dir_);
  const auto port = port_of(gate);
  ASSERT_NE(port, 0) << gate.err();
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
  ASSERT_FALSE(gate.wait_for_stderr("http: the run is over").empty()) << gate.err();

  // What the run printed: one JSON line per transaction.
  std::map<std::string, int> decisions;
  std::istringstream lines(gate.out());
  int transactions = 0;
  for (std::string line; std::getline(lines, line); ++transactions) ++decisions[json::parse(line)["decision"].get<std::string>()];
  ASSERT_EQ(transactions, 3) << gate.out() << gate.err();
  ASSERT_EQ(decisions["cleared"], 1) << gate.out();
  ASSERT_EQ(decisions["referred"], 2) << gate.out();

  const auto samples = scrape(port);
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(sum(samples, "gatesim_transactions_total"), transactions);
  for (const auto& [decision, n] : decisions)
    EXPECT_EQ(sum(samples, "gatesim_transactions_total", {{"lane", "1"}, {"channel", "document"}, {"decision", decision}}), n) << decision;
  EXPECT_EQ(sum(samples, "gatesim_transaction_duration_seconds_count", {{"lane", "1"}}), transactions);
  EXPECT_GT(sum(samples, "gatesim_step_duration_seconds_count", {{"lane", "1"}, {"step", "face"}}), 0);
  EXPECT_EQ(sum(samples, "gatesim_referrals_total", {{"reason", "M3.age"}}), 1);
  EXPECT_EQ(sum(samples, "gatesim_referrals_total", {{"reason", "face.no_match"}}), 1);

  const auto state = json::parse(http_get(port, "/api/state").body);
  ASSERT_EQ(state["lanes"].size(), 1u) << state;
  EXPECT_EQ(state["lanes"][0]["transactions"], transactions);
  EXPECT_EQ(state["lanes"][0]["recent"][0]["reasons"][0]["code"], "M3.age");  // newest first
  EXPECT_EQ(state["finished"], true);
  EXPECT_FALSE(state["lanes"][0].contains("frame_url")) << "frames leave the process only with --http-frames";
  EXPECT_EQ(http_get(port, "/frame/1.jpg").status, 404);
  EXPECT_EQ(http_get(port, "/no-such-page").status, 404);
  EXPECT_EQ(http_exchange(port, "GARBAGE\r\n\r\n").status, 400);

  const auto dom = render(port, "/", "lanes.png");
  EXPECT_EQ(count(dom, "class=\"transaction\""), transactions) << dom;
  EXPECT_EQ(count(dom, "data-decision=\"referred\""), 2) << dom;
  EXPECT_EQ(count(dom, "data-decision=\"cleared\""), 1) << dom;
  EXPECT_NE(dom.find("M3.age: "), std::string::npos) << dom;
  EXPECT_NE(dom.find("face.no_match: "), std::string::npos) << dom;
  EXPECT_NE(dom.find(kLive), std::string::npos) << "the page's WebSocket did not open: " << dom;
  // The step-time histogram's bars are drawn (the page's CSP ignores style attributes: a bar set
  // through one has no width and no pixel on the screenshot). Each bar is 4 px per step timed.
  EXPECT_NE(dom.find("class=\"bar\" style=\"width: "), std::string::npos) << dom;
  EXPECT_GT(bar_pixels(kArtefacts / "lanes.png"), 100) << "no histogram bar on the screenshot";

  EXPECT_EQ(gate.stop(), 1) << "SIGTERM ends the serving, then the run's own status (1: someone was referred): " << gate.err();
}

TEST_F(DashboardCommand, ABankOfTwoLanesIsShownSideBySideAndCountedByLane) {
  ASSERT_TRUE(gatesim::testing::chromium_installed()) << gatesim::testing::kChromiumMissing;
  const auto db = (dir_ / "enrol.db").string();
  for (const std::string id : {"obama", "biden"}) {
    const auto record = write(id + ".json", hong_kong_resident(id).dump());
    const auto r = run_gatesim({"enroll", "--db", db, "--id", id, "--record", record.string(), concat("faces/reference/", id, ".jpg")});
    ASSERT_EQ(r.exit_status, 0) << r.err;
  }
  // Two document-free lanes on their own dir: cameras.
  copy("reference/obama3.jpg", "east/01.jpg");
  copy("people/train/kit_harington/john1.jpeg", "east/02.jpg");  // not enrolled
  copy("reference/biden.jpg", "west/01.jpg");
  RunningProgram gate({"gate", "--port", "shenzhen-bay", "--date", "2026-11-27", "--db", db, "--audit", (dir_ / "audit.db").string(),
                       "--passage", "none", "--passback", "0", "--liveness", "off", "--face-window", gatesim::testing::patient_face_window(), "--json",
                       "--lane", concat("name=east,camera=dir:", (dir_ / "east").string()),
                       "--lane", concat("name=west,camera=dir:", (dir_ / "west").string()), "--http", "127.0.0.1:0"},
                      dir_);
  const auto port = port_of(gate);
  ASSERT_NE(port, 0) << gate.err();
  // Before the run is over the page already has both lanes (the state as it changes).
  const auto early = json::parse(http_get(port, "/api/state").body);
  ASSERT_EQ(early["lanes"].size(), 2u) << early;
  ASSERT_FALSE(gate.wait_for_stderr("http: the run is over").empty()) << gate.err();

  std::map<std::string, int> per_lane;
  std::istringstream lines(gate.out());
  for (std::string line; std::getline(lines, line);) ++per_lane[json::parse(line)["lane"].get<std::string>()];
  ASSERT_EQ(per_lane, (std::map<std::string, int>{{"east", 2}, {"west", 1}})) << gate.out() << gate.err();

  const auto samples = scrape(port);
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(sum(samples, "gatesim_transactions_total", {{"lane", "east"}}), 2);
  EXPECT_EQ(sum(samples, "gatesim_transactions_total", {{"lane", "east"}, {"channel", "document_free"}, {"decision", "referred"}}), 1);
  EXPECT_EQ(sum(samples, "gatesim_transactions_total", {{"lane", "west"}, {"decision", "cleared"}}), 1);
  EXPECT_EQ(sum(samples, "gatesim_transaction_duration_seconds_count", {{"lane", "west"}}), 1);

  const auto state = json::parse(http_get(port, "/api/state").body);
  ASSERT_EQ(state["lanes"].size(), 2u) << state;
  EXPECT_EQ(state["lanes"][0]["name"], "east");
  EXPECT_EQ(state["lanes"][1]["name"], "west");

  const auto dom = render(port, "/", "lanes-bank.png");
  const auto east = dom.find("id=\"lane-east\""), west = dom.find("id=\"lane-west\"");
  ASSERT_NE(east, std::string::npos) << dom;
  ASSERT_NE(west, std::string::npos) << dom;
  // Each lane's section holds its own transactions: east's two, then west's one.
  const auto east_part = dom.substr(east, west > east ? west - east : std::string::npos);
  const auto west_part = dom.substr(west, east > west ? east - west : std::string::npos);
  EXPECT_EQ(count(east_part, "class=\"transaction\""), 2) << dom;
  EXPECT_EQ(count(east_part, "data-decision=\"referred\""), 1) << dom;
  EXPECT_EQ(count(west_part, "class=\"transaction\""), 1) << dom;
  EXPECT_EQ(count(west_part, "data-decision=\"cleared\""), 1) << dom;
  EXPECT_NE(dom.find(kLive), std::string::npos) << "the page's WebSocket did not open: " << dom;
  EXPECT_EQ(gate.stop(), 1) << gate.err();
}

TEST_F(DashboardCommand, SimulateServesThePortLiveAndTheFinishedRun) {
  ASSERT_TRUE(gatesim::testing::chromium_installed()) << gatesim::testing::kChromiumMissing;
  // The child (10) is sent to a counter for M3.age: a referral reason to count.
  write("trace.csv", "time,party,age,limited_capacity,impostor\n0,,35,false,false\n5,,35,false,false\n10,,35,false,true\n"
                     "15,,10,false,false\n20,,35,false,false\n25,,35,false,true\n");
  const auto scenario = write("scenario.yaml", "name: dashboard\nport: luohu\ndate: 2025-12-01\ndirection: entry\nstart_hour: 8\n"
                                               "duration_hours: 0.05\narrivals: {trace: trace.csv}\n"
                                               "channels: {document_gates: 1, counters: 1}\n");
  RunningProgram simulate({"simulate", scenario.string(), "--out", (dir_ / "out").string(), "--realtime", "20", "--http", "127.0.0.1:0"},
                          dir_);
  const auto port = port_of(simulate);
  ASSERT_NE(port, 0) << simulate.err();
  // While the replay runs (9 wall seconds at 20x) the state is live: progress under way.
  std::set<double> live_progress;
  for (json state; !(state = json::parse(http_get(port, "/api/state").body))["finished"].get<bool>();) {
    if (state["progress"].get<double>() > 0) live_progress.insert(state["progress"].get<double>());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(live_progress.size(), 2u) << "the page's state did not move during the replay";
  ASSERT_FALSE(simulate.wait_for_stderr("http: the run is over").empty()) << simulate.err();

  int departed = 0;
  std::map<std::string, int> referred_for;  // counted from the file itself, not from the program's summary
  std::ifstream travellers(dir_ / "out/travellers.jsonl");
  for (std::string line; std::getline(travellers, line); ++departed) {
    const auto traveller = json::parse(line);  // named: a temporary would end before the loop over its reasons
    for (const auto& reason : traveller["reasons"]) ++referred_for[reason.get<std::string>()];
  }
  ASSERT_GT(departed, 0);
  ASSERT_FALSE(referred_for.empty()) << "the trace's child should be referred";
  std::ifstream summary_file(dir_ / "out/summary.json");
  const auto summary = json::parse(summary_file);

  const auto samples = scrape(port);
  EXPECT_EQ(sum(samples, "gatesim_travellers_departed_total"), departed);
  // What the dashboard counted as the lines went by equals what the file holds, reason by reason.
  for (const auto& [reason, n] : referred_for) EXPECT_EQ(sum(samples, "gatesim_referrals_total", {{"reason", reason}}), n) << reason;
  EXPECT_EQ(count(scrape_text(port), "gatesim_referrals_total{"), static_cast<int>(referred_for.size()));
  EXPECT_EQ(sum(samples, "gatesim_simulation_progress_ratio"), 1);
  EXPECT_EQ(sum(samples, "gatesim_channel_servers", {{"channel", "document_gates"}}), 1);
  EXPECT_EQ(sum(samples, "gatesim_wait_seconds_count", {{"channel", "document_gates"}}), summary["channels"]["document_gates"]["served"]);

  const auto state = json::parse(http_get(port, "/api/state").body);
  EXPECT_EQ(state["finished"], true);
  EXPECT_EQ(state["departed"], departed);
  for (const auto& [code, figures] : summary["referrals"].items()) EXPECT_EQ(state["referrals"][code], figures["travellers"]) << code;
  EXPECT_EQ(state["referrals"].size(), summary["referrals"].size()) << state;

  const auto dom = render(port, "/", "port.png");
  EXPECT_NE(dom.find("data-channel=\"document_gates\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("id=\"run-state\">finished<"), std::string::npos) << dom;
  EXPECT_NE(dom.find(concat("id=\"departed\">", std::to_string(departed), "<")), std::string::npos) << dom;
  EXPECT_EQ(dom.find("id=\"pause\""), std::string::npos) << "controls without --http-control: " << dom;
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause":true})").status, 405) << "read-only without --http-control";
  EXPECT_FALSE(state.contains("control")) << state;
  EXPECT_EQ(simulate.stop(), 0) << simulate.err();
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// --http-control: the page pauses, resumes and changes the speed of a real-time replay through
// real HTTP requests, and the replay's outputs are still the unpaced run's, byte for byte. While
// paused the simulated clock stands still, and the page shows the controls in that state.
TEST_F(DashboardCommand, PauseResumeAndSpeedOverHttpLeaveTheOutputsThoseOfTheUnpacedRun) {
  ASSERT_TRUE(gatesim::testing::chromium_installed()) << gatesim::testing::kChromiumMissing;
  const std::vector<std::string> common{"simulate", concat(GATESIM_SOURCE_DIR, "/scenarios/luohu-weekday.yaml"), "--set",
                                        "start_hour=8", "--set", "duration_hours=0.03", "--seed", "11"};
  auto args = common;
  args.insert(args.end(), {"--out", (dir_ / "plain").string()});
  const auto plain = run_gatesim(args);
  ASSERT_EQ(plain.exit_status, 0) << plain.err;

  args = common;
  args.insert(args.end(), {"--out", (dir_ / "paced").string(), "--realtime", "5", "--http", "127.0.0.1:0", "--http-control"});
  RunningProgram simulate(args, dir_);
  const auto port = port_of(simulate);
  ASSERT_NE(port, 0) << simulate.err();
  const auto state = [port] { return json::parse(http_get(port, "/api/state").body); };
  EXPECT_EQ(state()["control"], (json{{"paused", false}, {"speed", 5}})) << state();

  auto answer = http_post(port, "/api/control", R"({"pause": true})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json::parse(answer.body), (json{{"paused", true}, {"speed", 5}}));
  // The replay obeys at its next wait; the status it reports each wall second then stands still.
  ASSERT_FALSE(simulate.wait_for_stderr("realtime 5x: [0-9:]+ simulated .*, paused").empty()) << simulate.err();
  const double stopped_at = state()["simulated_s"].get<double>();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two more status seconds, paused
  EXPECT_EQ(state()["simulated_s"].get<double>(), stopped_at) << "the simulated clock moved while paused";
  EXPECT_FALSE(state()["finished"].get<bool>());

  // Paused (so the page cannot end under it): the page shows the controls in that state.
  const auto dom = render(port, "/", "port-paused.png");
  EXPECT_NE(dom.find("id=\"pause\" type=\"button\" data-paused=\"true\">Resume<"), std::string::npos) << dom;
  EXPECT_NE(dom.find("id=\"pace\">5×, paused<"), std::string::npos) << dom;
  EXPECT_NE(dom.find("class=\"speed current\" data-speed=\"5\""), std::string::npos) << dom;

  // Bad requests change nothing and say what was wrong; another site's page is refused.
  for (const auto& [body, why] : std::vector<std::pair<std::string, std::string>>{
           {R"({"speed": 1000})", "speed: expected a number from 0.01 to 100, got 1000"},
           {R"({"speed": "fast"})", "speed: expected a number"},
           {R"({"pause": "yes"})", "pause: expected true or false"},
           {R"({"jump": 3600})", "unknown field \"jump\""},
           {"{", "expected a JSON object"}}) {
    answer = http_post(port, "/api/control", body);
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_NE(answer.body.find(why), std::string::npos) << body << ": " << answer.body;
  }
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause": false})", "", "application/json", "http://evil.example").status, 403);
  EXPECT_EQ(http_post(port, "/api/control", "pause=false", "", "application/x-www-form-urlencoded").status, 415);
  EXPECT_EQ(state()["control"], (json{{"paused", true}, {"speed", 5}}));

  // Faster, resumed; paused and resumed once more on the way.
  EXPECT_EQ(http_post(port, "/api/control", R"({"speed": 40, "pause": false})").status, 200);
  EXPECT_EQ(state()["speed"], 40);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause": true})").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause": false, "speed": 100})").status, 200);
  ASSERT_FALSE(simulate.wait_for_stderr("http: the run is over").empty()) << simulate.err();
  EXPECT_NE(simulate.err().find("realtime 100x: "), std::string::npos) << simulate.err();
  EXPECT_EQ(state()["finished"], true);

  for (const char* file : {"travellers.jsonl", "intervals.csv", "summary.json", "report.html"}) {
    EXPECT_FALSE(slurp(dir_ / "plain" / file).empty()) << file;
    EXPECT_EQ(slurp(dir_ / "plain" / file), slurp(dir_ / "paced" / file)) << file << " differs from the unpaced run's";
  }
  EXPECT_EQ(simulate.stop(), 0) << simulate.err();
}

// The Port page draws the hall: per channel its queue and its gates or counters as shapes in
// the state each is in. Paused mid-run (so the picture holds still), the shapes and the queue
// figures in the rendered DOM are the state's; once the run is over they have changed: nobody
// waits and no gate is busy.
TEST_F(DashboardCommand, ThePortPageDrawsTheHallWithEachGatesStateAndTheQueues) {
  ASSERT_TRUE(gatesim::testing::chromium_installed()) << gatesim::testing::kChromiumMissing;
  // Few gates and frequent faults, so that queues form and a gate may be down.
  RunningProgram simulate({"simulate", concat(GATESIM_SOURCE_DIR, "/scenarios/luohu-weekday.yaml"), "--set", "start_hour=8", "--set",
                           "duration_hours=0.1", "--set", "channels.document_gates=4", "--set", "channels.counters=2", "--set",
                           "faults.mtbf_hours=0.3", "--seed", "3", "--out", (dir_ / "out").string(), "--realtime", "10", "--http",
                           "127.0.0.1:0", "--http-control"},
                          dir_);
  const auto port = port_of(simulate);
  ASSERT_NE(port, 0) << simulate.err();
  const auto state = [port] { return json::parse(http_get(port, "/api/state").body); };
  const auto busy_gates = [](const json& s) {
    int busy = 0;
    for (const auto& c : s["channels"])
      for (const auto& g : c["gates"]) busy += g["state"] == "busy";
    return busy;
  };
  // Wait for a busy hall (an event, not a time), then pause it.
  json seen;
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
       std::chrono::steady_clock::now() < until && !(seen = state())["finished"].get<bool>() && busy_gates(seen) < 2;)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_GE(busy_gates(seen), 2) << seen;
  ASSERT_EQ(http_post(port, "/api/control", R"({"pause": true})").status, 200);
  ASSERT_FALSE(simulate.wait_for_stderr("realtime 10x: [0-9:]+ simulated .*, paused").empty()) << simulate.err();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // a status line from inside the pause
  const auto paused = state();
  ASSERT_EQ(paused["control"]["paused"], true);

  const auto part = [](const std::string& dom, const std::string& channel) {
    const auto start = dom.find(concat("class=\"hall-channel\" data-channel=\"", channel, "\""));
    if (start == std::string::npos) return std::string();
    return dom.substr(start, dom.find("</g>", start) - start);
  };
  const auto dom = render(port, "/", "port-hall.png");
  ASSERT_NE(dom.find("<svg id=\"hall\""), std::string::npos) << dom;
  int busy_drawn = 0;
  for (const auto& c : paused["channels"]) {
    const auto name = c["name"].get<std::string>();
    const auto drawn = part(dom, name);
    ASSERT_FALSE(drawn.empty()) << name << ": " << dom;
    const std::string shape = name == "counters" ? "counter" : "gate";
    EXPECT_EQ(count(drawn, concat("class=\"server ", shape, " ")), c["servers"].get<int>()) << name << ": " << drawn;
    std::map<std::string, int> states;
    for (const auto& g : c["gates"]) ++states[g["state"].get<std::string>()];
    for (const char* st : {"busy", "idle", "down"})
      EXPECT_EQ(count(drawn, concat("class=\"server ", shape, " ", st, "\"")), states[st]) << name << " " << st << ": " << drawn;
    busy_drawn += states["busy"];
    EXPECT_NE(drawn.find(concat("data-figure=\"queued\">queued ", std::to_string(c["queued"].get<int>()))), std::string::npos)
        << name << ": " << drawn;
    EXPECT_EQ(count(drawn, "class=\"hall-waiting\""), std::min(40, c["queued"].get<int>())) << name;
  }
  EXPECT_GE(busy_drawn, 2);

  ASSERT_EQ(http_post(port, "/api/control", R"({"pause": false, "speed": 100})").status, 200);
  ASSERT_FALSE(simulate.wait_for_stderr("http: the run is over").empty()) << simulate.err();
  const auto over = render(port, "/", "port-hall-finished.png");
  for (const auto& name : {"document_gates", "counters"}) {
    const auto drawn = part(over, name);
    EXPECT_EQ(count(drawn, " busy\""), 0) << name << ": " << drawn;
    EXPECT_NE(drawn.find("data-figure=\"queued\">queued 0"), std::string::npos) << name << ": " << drawn;
  }
  EXPECT_NE(over.find("id=\"run-state\">finished<"), std::string::npos) << over;
  EXPECT_EQ(simulate.stop(), 0) << simulate.err();
}

// Controls need a replay to control, and a live lane cannot be paused.
TEST_F(DashboardCommand, HttpControlWithoutARealtimeReplayOrWithALiveGateIsRefused) {
  const auto scenario = concat(GATESIM_SOURCE_DIR, "/scenarios/luohu-weekday.yaml");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"simulate", scenario, "--http", "127.0.0.1:0", "--http-control"},
        std::vector<std::string>{"simulate", scenario, "--realtime", "10", "--http-control"},
        std::vector<std::string>{"simulate", scenario, "--realtime", "10", "--http", "127.0.0.1:0", "--http-control", "--live-gate",
                                 "camera=faces"}}) {
    const auto r = run_gatesim(args);
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_EQ(count(r.err, "\n"), 1) << "one line: " << r.err;
    EXPECT_NE(r.err.find("--http-control needs --http and --realtime SPEED, and no --live-gate"), std::string::npos) << r.err;
  }
}

// With --http-frames the camera's frame leaves the process: the state names its URL and the URL
// serves the frame the lane last analysed, a JPEG of the size the state gives.
TEST_F(DashboardCommand, WithHttpFramesTheLanesFrameIsServedAsAJpeg) {
  const auto db = (dir_ / "enrol.db").string();
  const auto r = run_gatesim({"enroll", "--db", db, "--id", "obama", "faces/reference/obama.jpg"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  copy("reference/obama2.jpg", "frames/01.jpg");
  const auto documents = write("chips.jsonl", hong_kong_resident("obama").dump() + "\n");
  RunningProgram gate({"gate", "--port", "shenzhen-bay", "--date", "2026-11-27", "--db", db, "--audit", (dir_ / "audit.db").string(),
                       "--camera", concat("dir:", (dir_ / "frames").string()), "--documents", concat("chips:", documents.string()),
                       "--passage", "none", "--passback", "0", "--liveness", "off", "--face-window", gatesim::testing::patient_face_window(), "--http",
                       "127.0.0.1:0", "--http-frames"},
                      dir_);
  const auto port = port_of(gate);
  ASSERT_NE(port, 0) << gate.err();
  ASSERT_FALSE(gate.wait_for_stderr("http: the run is over").empty()) << gate.err();
  const auto state = json::parse(http_get(port, "/api/state").body);
  const auto& lane = state["lanes"][0];
  ASSERT_EQ(lane["frame_url"], "/frame/1.jpg") << state;
  const auto answer = http_get(port, "/frame/1.jpg");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.head.find("Content-Type: image/jpeg"), std::string::npos) << answer.head;
  const std::vector<unsigned char> bytes(answer.body.begin(), answer.body.end());
  const cv::Mat frame = cv::imdecode(bytes, cv::IMREAD_COLOR);
  ASSERT_FALSE(frame.empty()) << "not a JPEG: " << answer.body.size() << " bytes";
  const cv::Mat original = cv::imread((dir_ / "frames/01.jpg").string(), cv::IMREAD_COLOR);
  EXPECT_EQ(frame.cols, lane["frame"]["width"].get<int>());
  EXPECT_EQ(frame.rows, lane["frame"]["height"].get<int>());
  EXPECT_EQ(frame.size(), original.size()) << "the frame served is not the camera's";
  // The analyser's five landmarks of the face, inside its box (dlib's real models on a real photo).
  ASSERT_EQ(lane["frame"]["faces"].size(), 1u) << lane;
  ASSERT_EQ(lane["frame"]["landmarks"].size(), 1u) << lane;
  const auto& box = lane["frame"]["faces"][0];
  ASSERT_EQ(lane["frame"]["landmarks"][0].size(), 5u) << lane;
  for (const auto& point : lane["frame"]["landmarks"][0]) {
    EXPECT_GE(point[0].get<double>(), box[0].get<double>()) << lane;
    EXPECT_LE(point[0].get<double>(), box[2].get<double>()) << lane;
    EXPECT_GE(point[1].get<double>(), box[1].get<double>()) << lane;
    EXPECT_LE(point[1].get<double>(), box[3].get<double>()) << lane;
  }
  EXPECT_EQ(gate.stop(), 0) << gate.err();
}

// Device faults of three kinds (injected: the document reader's first read is unplugged, its
// second stalls and times out, its third returns corrupt data) are each counted in /metrics by
// lane, device and the kind the fault carries from the device, listed in the state with the
// transaction each hit, and written with their kind in the --json lines.
TEST_F(DashboardCommand, DeviceFaultsAreCountedByDeviceAndKind) {
  const auto db = (dir_ / "enrol.db").string();
  const auto r = run_gatesim({"enroll", "--db", db, "--id", "obama", "faces/reference/obama.jpg"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  copy("reference/obama2.jpg", "frames/01.jpg");
  copy("reference/obama2.jpg", "frames/02.jpg");
  const auto documents = write("chips.jsonl", hong_kong_resident("obama").dump() + "\n" + hong_kong_resident("obama").dump() + "\n");
  RunningProgram gate({"gate", "--port", "shenzhen-bay", "--date", "2026-11-27", "--db", db, "--audit", (dir_ / "audit.db").string(),
                       "--camera", concat("dir:", (dir_ / "frames").string()), "--documents",
                       concat("chips:", documents.string(), "#faults=disconnect@0;stall@1;corrupt@2"), "--passage", "none",
                       "--passback", "0", "--liveness", "off", "--face-window", gatesim::testing::patient_face_window(), "--json", "--http",
                       "127.0.0.1:0"},
                      dir_);
  const auto port = port_of(gate);
  ASSERT_NE(port, 0) << gate.err();
  ASSERT_FALSE(gate.wait_for_stderr("http: the run is over").empty()) << gate.err();
  const auto samples = scrape(port);
  EXPECT_EQ(sum(samples, "gatesim_device_faults_total"), 3);
  for (const char* kind : {"disconnected", "timeout", "corrupt"})
    EXPECT_EQ(sum(samples, "gatesim_device_faults_total", {{"lane", "1"}, {"device", "document_reader"}, {"kind", kind}}), 1) << kind;
  const auto state = json::parse(http_get(port, "/api/state").body);
  const auto& lane = state["lanes"][0];
  EXPECT_EQ(lane["fault_count"], 3) << state;
  ASSERT_EQ(lane["faults"].size(), 3u) << state;
  const std::array kinds{"corrupt", "timeout", "disconnected"};  // newest first
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_EQ(lane["faults"][i]["device"], "document_reader");
    EXPECT_EQ(lane["faults"][i]["kind"], kinds[i]);
    EXPECT_EQ(lane["faults"][i]["transaction"], 3 - i);
  }
  gate.stop();
  // The --json lines carry the same kinds, one referred transaction each.
  std::vector<std::string> written;
  std::istringstream lines(gate.out());
  for (std::string line; std::getline(lines, line);) {
    const auto record = json::parse(line);
    for (const auto& f : record["device_faults"]) written.push_back(f["kind"].get<std::string>());
  }
  EXPECT_EQ(written, (std::vector<std::string>{"disconnected", "timeout", "corrupt"})) << gate.out();
}

// What the lane reports is not always UTF-8: here the enrolled holder's id is not. `gatesim
// enroll` refuses such an id, but a gallery written by another tool may hold one, so the id is
// set in the file itself. The state is still served, as JSON with U+FFFD in place of the bad
// bytes, over HTTP and the page's WebSocket, and the program does not abort.
TEST_F(DashboardCommand, AHolderIdThatIsNotUtf8IsServedReplacedNotFatal) {
  ASSERT_TRUE(gatesim::testing::chromium_installed()) << gatesim::testing::kChromiumMissing;
  const auto db = (dir_ / "enrol.db").string();
  const auto refused = run_gatesim({"enroll", "--db", db, "--id", "ob\xff\xfe" "ama", "faces/reference/obama.jpg"});
  EXPECT_EQ(refused.exit_status, 2) << refused.err;
  EXPECT_NE(refused.err.find("permit holder id: not UTF-8 text"), std::string::npos) << refused.err;
  const auto r = run_gatesim({"enroll", "--db", db, "--id", "obama", "faces/reference/obama.jpg"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  sqlite3* file = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &file), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(file, "UPDATE holders SET id = CAST(x'6f62fffe616d61' AS TEXT);"
                               "UPDATE templates SET holder_id = CAST(x'6f62fffe616d61' AS TEXT);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(file);
  sqlite3_close(file);
  copy("reference/obama2.jpg", "frames/01.jpg");
  // The document-free channel: the holder is found by face alone, and named in the outcome.
  RunningProgram gate({"gate", "--port", "shenzhen-bay", "--date", "2026-11-27", "--db", db, "--audit", (dir_ / "audit.db").string(),
                       "--camera", concat("dir:", (dir_ / "frames").string()), "--passage", "none", "--passback", "0", "--liveness", "off",
                       "--face-window", gatesim::testing::patient_face_window(), "--http", "127.0.0.1:0"},
                      dir_);
  const auto port = port_of(gate);
  ASSERT_NE(port, 0) << gate.err();
  ASSERT_FALSE(gate.wait_for_stderr("http: the run is over").empty()) << gate.err();
  const auto answer = http_get(port, "/api/state");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto state = json::parse(answer.body);
  ASSERT_EQ(state["lanes"].size(), 1u) << state;
  ASSERT_EQ(state["lanes"][0]["recent"].size(), 1u) << state;
  EXPECT_EQ(state["lanes"][0]["recent"][0]["holder_id"], "ob\xef\xbf\xbd\xef\xbf\xbd" "ama") << state;  // two U+FFFD

  const auto dom = render(port, "/", "lanes-not-utf8.png");
  EXPECT_EQ(count(dom, "class=\"transaction\""), 1) << dom;
  EXPECT_NE(dom.find(kLive), std::string::npos) << "the page's WebSocket did not open: " << dom;
  EXPECT_EQ(http_get(port, "/healthz").status, 200) << "the program died serving the WebSocket: " << gate.err();
  EXPECT_EQ(gate.stop(), 1) << "SIGTERM ends the serving, then the run's own status (1: referred): " << gate.err();
}

// With --http-token the page, its scripts and its style load without the token (they hold no
// data); the page passes the `?token=` of its own address on to /api/state and /ws. Without the
// token in the address the browser gets the page but none of the data.
TEST_F(DashboardCommand, WithATokenThePageOpenedWithItShowsTheRunAndWithoutItNothing) {
  ASSERT_TRUE(gatesim::testing::chromium_installed()) << gatesim::testing::kChromiumMissing;
  write("trace.csv", "time,party,age,limited_capacity,impostor\n0,,35,false,false\n5,,35,false,false\n10,,70,false,false\n");
  const auto scenario = write("scenario.yaml", "name: token\nport: luohu\ndate: 2025-12-01\ndirection: entry\nstart_hour: 8\n"
                                               "duration_hours: 0.05\narrivals: {trace: trace.csv}\n"
                                               "channels: {document_gates: 1, counters: 1}\n");
  const std::string token = "Tok3n_with-all.the~chars";
  RunningProgram simulate({"simulate", scenario.string(), "--out", (dir_ / "out").string(), "--http", "127.0.0.1:0", "--http-token", token},
                          dir_);
  const auto port = port_of(simulate);
  ASSERT_NE(port, 0) << simulate.err();
  ASSERT_FALSE(simulate.wait_for_stderr("http: the run is over").empty()) << simulate.err();
  for (const char* asset : {"/", "/port.html", "/common.js", "/port.js", "/dashboard.css"})
    EXPECT_EQ(http_get(port, asset).status, 200) << asset;
  for (const char* data : {"/api/state", "/metrics", "/healthz"}) {
    EXPECT_EQ(http_get(port, data).status, 401) << data;
    EXPECT_EQ(http_get(port, data, token).status, 200) << data;
    EXPECT_EQ(http_get(port, concat(data, "?token=", token)).status, 200) << data;
  }

  const auto dom = render(port, concat("/?token=", token), "port-token.png");
  EXPECT_NE(dom.find("id=\"run-state\">finished<"), std::string::npos) << dom;
  EXPECT_NE(dom.find(kLive), std::string::npos) << "the page's WebSocket did not open: " << dom;

  const auto anonymous = gatesim::testing::run_chromium("--dump-dom", concat("http://127.0.0.1:", std::to_string(port), "/"),
                                                        dir_ / "profile-anonymous");
  EXPECT_EQ(anonymous.exit_status, 0) << anonymous.err;
  EXPECT_NE(anonymous.out.find("Waiting for the simulation"), std::string::npos) << anonymous.out;
  EXPECT_EQ(anonymous.out.find("run-state"), std::string::npos) << "the page showed data without the token: " << anonymous.out;
  EXPECT_EQ(simulate.stop(), 0) << simulate.err();
}

// With --http the dashboard watches travellers.jsonl as it is written (through a stream of its
// own in front of the file's). A write that fails there must fail the run, as it does without
// --http, even when the file system recovers before the end: here the file-size limit
// (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG) is set on the running program, and lifted once the
// file has reached it. Before, the program went on, the file's last flush succeeded, and a
// travellers.jsonl with a hole was committed.
TEST_F(DashboardCommand, SimulateFailsWhenTravellersJsonlCouldNotBeWrittenEvenIfTheDiskRecovers) {
  constexpr std::uintmax_t kLimit = 100'000;  // not a multiple of the stream's 8 KiB buffer
  struct IgnoreXfsz {  // inherited by the program: a write beyond the limit fails, it does not kill
    IgnoreXfsz() { std::signal(SIGXFSZ, SIG_IGN); }
    ~IgnoreXfsz() { std::signal(SIGXFSZ, SIG_DFL); }
  } ignore_xfsz;
  const auto out = dir_ / "out";
  RunningProgram simulate({"simulate", concat(GATESIM_SOURCE_DIR, "/scenarios/luohu-weekday.yaml"), "--set", "start_hour=9", "--set",
                           "duration_hours=0.25", "--realtime", "100", "--out", out.string(), "--http", "127.0.0.1:0"},
                          dir_);
  const auto pid = std::to_string(simulate.pid());
  const auto limited = gatesim::testing::run_shell(concat("prlimit --pid ", pid, " --fsize=", std::to_string(kLimit), ":"));  // soft only
  ASSERT_EQ(limited.exit_status, 0) << limited.err;
  ASSERT_NE(port_of(simulate), 0) << simulate.err();
  // The file at the limit: a write crossed it and failed (the stream's writes end at its buffer's
  // size, never exactly at the limit here). Then the disk "recovers".
  const auto partial = out / "travellers.jsonl.partial";
  std::error_code ec;
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
       fs::file_size(partial, ec) != kLimit && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(fs::file_size(partial, ec), kLimit) << "the run ended before its travellers.jsonl reached the limit: " << simulate.err();
  const auto lifted = gatesim::testing::run_shell(concat("prlimit --pid ", pid, " --fsize=unlimited:"));
  ASSERT_EQ(lifted.exit_status, 0) << lifted.err;

  ASSERT_FALSE(simulate.wait_for_stderr("could not write|the run is over").empty()) << simulate.err();
  EXPECT_NE(simulate.err().find("travellers.jsonl: could not write it completely"), std::string::npos) << simulate.err();
  EXPECT_EQ(simulate.wait(std::chrono::seconds(60)), 2) << "-1: it went on serving: " << simulate.err();
  EXPECT_FALSE(fs::exists(out / "travellers.jsonl")) << "a travellers.jsonl with a hole was committed";
}

TEST_F(DashboardCommand, BeyondLoopbackWithoutATokenTheCommandsRefuseToStart) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"gate", "--camera", "dir:nowhere", "--db", "nowhere.db", "--http", "0.0.0.0:0"},
        std::vector<std::string>{"simulate", "nowhere.yaml", "--http", "0.0.0.0:8080"},
        std::vector<std::string>{"simulate", "nowhere.yaml", "--http", "0.0.0.0:8080", "--http-token", "short"},
        std::vector<std::string>{"gate", "--camera", "dir:nowhere", "--db", "nowhere.db", "--http", "localhost"}}) {
    const auto r = run_gatesim(args);
    EXPECT_EQ(r.exit_status, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(count(r.err, "\n"), 1) << "one line: " << r.err;
    EXPECT_NE(r.err.find("--http"), std::string::npos) << r.err;
  }
  const auto r = run_gatesim({"gate", "--camera", "dir:nowhere", "--db", "nowhere.db", "--http", "0.0.0.0:0"});
  EXPECT_NE(r.err.find("not a loopback address"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--http-token"), std::string::npos) << r.err;
}

}  // namespace

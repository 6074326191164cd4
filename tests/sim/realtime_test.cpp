// Real-time replay: the same events paced by a steady timer give the same outputs, and an
// external gate (the hook for a live lane) serves parties inside a simulated port.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "models/input_error.hpp"
#include "sim/port_model.hpp"
#include "sim/realtime.hpp"
#include "sim/report.hpp"

namespace gatesim::sim {
namespace {

// A few simulated minutes at Luohu; the test runs them at thousands of times wall speed.
Scenario short_port(const std::vector<std::string>& overrides = {}) {
  return parse_scenario(R"(
name: realtime
port: luohu
start_hour: 8
duration_hours: 0.1
arrivals: {travellers_per_day: 40000}
population: {impostor: 0.05}
channels: {document_gates: 2, counters: 3}
faults: {mtbf_hours: 0.5, repair: 60}
)",
                        "realtime.yaml", overrides);
}

// The same run of `s` twice: unpaced (run at once) and paced at `speed` (`paced`, for the test
// to add its status callback or controls and run), each writing its own travellers and intervals.
struct PlainAndPaced {
  PlainAndPaced(const Scenario& s, std::uint64_t seed, double speed) {
    RunOptions plain_options;
    plain_options.seed = seed;
    plain_options.travellers = &plain_travellers;
    plain_options.intervals = &plain_intervals;
    plain = run_simulation(s, plain_options);
    paced = plain_options;
    paced.travellers = &paced_travellers;
    paced.intervals = &paced_intervals;
    paced.realtime.speed = speed;
  }
  // The paced run's outputs are the unpaced run's, byte for byte.
  void expect_same_outputs(const SimResult& paced_result) const {
    EXPECT_GT(plain.travellers, 50u);
    EXPECT_EQ(plain_travellers.str(), paced_travellers.str());
    EXPECT_EQ(plain_intervals.str(), paced_intervals.str());
    EXPECT_EQ(summary_json(plain), summary_json(paced_result));
  }
  std::ostringstream plain_travellers, plain_intervals, paced_travellers, paced_intervals;
  SimResult plain;
  RunOptions paced;
};

TEST(Realtime, PacedRunGivesTheSameOutputsAsTheUnpacedOne) {
  const Scenario s = short_port();
  PlainAndPaced runs(s, 3, 3000);
  std::vector<RealtimeStatus> statuses;
  runs.paced.realtime.status = [&](const RealtimeStatus& st) { statuses.push_back(st); };
  runs.expect_same_outputs(run_simulation(s, runs.paced));
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.back().in_port, 0u);  // the last line is the drained port
  for (std::size_t i = 1; i < statuses.size(); ++i) EXPECT_GE(statuses[i].simulated_s, statuses[i - 1].simulated_s);
  // Every status names each gate and counter by channel, document gates first; in the drained
  // port none is busy.
  for (const auto& st : statuses) {
    ASSERT_EQ(st.servers.size(), 5u);
    EXPECT_EQ(st.servers[1].channel, kDocumentGates);
    EXPECT_EQ(st.servers[2].channel, kCounters);
    std::uint64_t busy = 0;
    for (const auto& server : st.servers) busy += server.state == ServerState::busy;
    EXPECT_LE(busy, st.in_port);
  }
  for (const auto& server : statuses.back().servers) EXPECT_NE(server.state, ServerState::busy);
}

// The pacer's policy for falling behind is to catch up: a status callback that holds the
// replay's thread for 0.3 s makes every event due meanwhile late; they are handled at once, in
// order, none skipped (the outputs are the unpaced run's), and the status says how late.
TEST(Realtime, AReplayThatFallsBehindCatchesUpWithTheSameOutputs) {
  const Scenario s = short_port();
  PlainAndPaced runs(s, 5, 3000);  // the 360 simulated seconds take 0.12 wall seconds when on time
  std::vector<RealtimeStatus> statuses;
  runs.paced.realtime.status = [&](const RealtimeStatus& st) {
    statuses.push_back(st);
    if (statuses.size() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  };
  runs.expect_same_outputs(run_simulation(s, runs.paced));
  ASSERT_GE(statuses.size(), 2u);
  // The events due while the thread was held waited at least the rest of the 0.3 s.
  EXPECT_GE(statuses.back().max_behind_s, 0.2);
  EXPECT_EQ(statuses.back().in_port, 0u);
}

// Pause, resume and a new speed, asked from another thread as the dashboard does, move only the
// wall-clock schedule: the outputs are the unpaced run's bytes. While paused the simulated clock
// stands still, and the pause is not counted as lateness.
TEST(Realtime, APausedAndSpedUpReplayGivesTheSameOutputsAndThePauseIsNotLateness) {
  const Scenario s = short_port();
  PlainAndPaced runs(s, 7, 1500);
  RunOptions& paced = runs.paced;
  auto control = std::make_shared<PaceControl>(paced.realtime.speed);
  paced.realtime.control = control;
  std::vector<RealtimeStatus> statuses;
  std::thread user;  // pauses at the first status line, then after 2.5 s doubles the speed and resumes
  paced.realtime.status = [&](const RealtimeStatus& st) {
    statuses.push_back(st);
    if (statuses.size() > 1) return;
    control->pause();
    user = std::thread([&control] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      control->set_speed(3000);
      control->resume();
    });
  };
  const SimResult b = run_simulation(s, paced);
  user.join();

  runs.expect_same_outputs(b);
  // The status lines of the paused wall seconds (1 and 2: the user resumes at 2.5 s at the
  // earliest) show the simulated clock standing where the pause stopped it, early in the run.
  std::set<double> paused_at;
  for (const auto& st : statuses)
    if (st.wall_s >= 0.9 && st.wall_s <= 2.1) paused_at.insert(st.simulated_s);
  ASSERT_EQ(paused_at.size(), 1u) << "the simulated clock moved while paused, or no status came then";
  EXPECT_LT(*paused_at.begin(), 300.0);
  ASSERT_FALSE(statuses.empty());
  EXPECT_GE(statuses.back().wall_s, 2.5);
  EXPECT_EQ(statuses.back().in_port, 0u);
  // Counted as lateness, the pause would be 2.5 s at least.
  EXPECT_LT(statuses.back().max_behind_s, 2.0);
  EXPECT_EQ(control->state().speed, 3000);
  EXPECT_FALSE(control->state().paused);
}

// Stands in for a live lane on another thread: answers each party when its worker gets to it,
// referring impostors as a real face check would and clearing everyone else.
class ThreadGate : public ExternalGate {
 public:
  ThreadGate() : worker_([this] { work(); }) {}
  ~ThreadGate() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    worker_.join();
  }
  void serve(std::uint64_t party, const std::vector<ExternalTraveller>& travellers,
             std::function<void(ExternalOutcome)> done) override {
    EXPECT_FALSE(busy_) << "a second party before the first was answered";
    busy_ = true;
    served.push_back(party);
    for (const auto& t : travellers) traveller_ids.insert(t.facts.id);
    {
      std::lock_guard lock(mutex_);
      work_.push_back({travellers, std::move(done)});
    }
    wake_.notify_one();
  }
  std::vector<std::uint64_t> served;  // party ids, in the order the port handed them over
  std::set<std::string> traveller_ids;

 private:
  struct Job {
    std::vector<ExternalTraveller> travellers;
    std::function<void(ExternalOutcome)> done;
  };
  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stop_ || !work_.empty(); });
        if (work_.empty()) return;
        job = std::move(work_.front());
        work_.pop_front();
      }
      ExternalOutcome outcome;
      for (std::size_t i = 0; i < job.travellers.size(); ++i)
        if (job.travellers[i].impostor) {
          outcome.cleared = false;
          outcome.reasons = {"face.no_match"};
          outcome.member = static_cast<int>(i);
        }
      busy_ = false;  // before done(): the port may hand over the next party at once
      job.done(outcome);
    }
  }
  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> work_;
  bool stop_ = false;
  std::thread worker_;
};

TEST(Realtime, ExternalGateServesPartiesInsideThePort) {
  const Scenario s = short_port();
  ThreadGate gate;
  std::ostringstream travellers;
  RunOptions options;
  options.travellers = &travellers;
  options.realtime.speed = 3000;
  options.realtime.external_gates = {&gate};
  const SimResult r = run_simulation(s, options);

  ASSERT_GT(gate.served.size(), 5u);
  for (std::size_t i = 1; i < gate.served.size(); ++i) EXPECT_LT(gate.served[i - 1], gate.served[i]) << "FIFO at the lane";
  std::set<std::uint64_t> served(gate.served.begin(), gate.served.end());
  std::size_t lines = 0, at_external = 0, referred_by_it = 0, named = 0, refused = 0;
  std::istringstream in(travellers.str());
  for (std::string line; std::getline(in, line); ++lines) {
    const auto record = nlohmann::json::parse(line);
    const bool external = served.count(record["party"].get<std::uint64_t>()) > 0;
    if (!external) continue;
    ++at_external;
    EXPECT_EQ(record["route"][0], "document_gates") << line;
    EXPECT_TRUE(gate.traveller_ids.count("P" + std::to_string(record["traveller"].get<std::uint64_t>()))) << line;
    if (record["route"].size() == 2) {  // referred by the gate: the impostor is refused at the counter
      ++referred_by_it;
      EXPECT_EQ(record["route"][1], "counters");
      // The impostor is named; the rest of their party goes with them.
      const auto reasons = record["reasons"].get<std::vector<std::string>>();
      EXPECT_TRUE(reasons == std::vector<std::string>{"face.no_match"} ||
                  reasons == std::vector<std::string>{"party.member_referred"})
          << line;
      named += !reasons.empty() && reasons[0] == "face.no_match";
      refused += record["decision"] == "refused_entry";
    } else {
      EXPECT_EQ(record["decision"], "cleared") << line;
    }
  }
  EXPECT_EQ(lines, r.travellers);
  EXPECT_EQ(at_external, gate.traveller_ids.size());
  EXPECT_GT(referred_by_it, 0u);
  EXPECT_GT(named, 0u);
  EXPECT_GT(refused, 0u);
}

// A gate whose lane stopped on an error answers with it: the run stops and throws it.
TEST(Realtime, AGateThatFailsStopsTheRun) {
  class BrokenGate : public ExternalGate {
   public:
    void serve(std::uint64_t, const std::vector<ExternalTraveller>&, std::function<void(ExternalOutcome)> done) override {
      ExternalOutcome outcome;
      outcome.failure = std::make_exception_ptr(models::InputError("frames/7.jpg: cannot decode"));
      done(outcome);
    }
  } gate;
  RunOptions options;
  options.realtime.speed = 3000;
  options.realtime.external_gates = {&gate};
  try {
    run_simulation(short_port(), options);
    FAIL() << "the run went on";
  } catch (const models::InputError& e) {
    EXPECT_STREQ(e.what(), "frames/7.jpg: cannot decode");
  }
}

// A gate still serving when another gate's failure ends the run answers afterwards: the answer
// is dropped (the replay's io_context is gone), nothing is touched.
TEST(Realtime, AnAnswerAfterTheRunEndedIsDropped) {
  class HoldingGate : public ExternalGate {
   public:
    void serve(std::uint64_t, const std::vector<ExternalTraveller>&, std::function<void(ExternalOutcome)> done) override {
      held = std::move(done);
    }
    std::function<void(ExternalOutcome)> held;
  } holding;
  class BrokenGate : public ExternalGate {
   public:
    void serve(std::uint64_t, const std::vector<ExternalTraveller>&, std::function<void(ExternalOutcome)> done) override {
      ExternalOutcome outcome;
      outcome.failure = std::make_exception_ptr(std::runtime_error("lane stopped"));
      done(outcome);
    }
  } broken;
  RunOptions options;
  options.realtime.speed = 3000;
  options.realtime.external_gates = {&holding, &broken};  // the first party goes to the first gate
  EXPECT_THROW(run_simulation(short_port(), options), std::runtime_error);
  ASSERT_TRUE(holding.held);
  holding.held(ExternalOutcome{});
}

TEST(Realtime, ExternalGatesNeedPacingAndDocumentGates) {
  const Scenario s = short_port();
  ThreadGate a, b, c;
  RunOptions options;
  options.realtime.external_gates = {&a};
  EXPECT_THROW(run_simulation(s, options), models::InputError);
  options.realtime.speed = 10;
  options.realtime.external_gates = {&a, &b, &c};
  EXPECT_THROW(run_simulation(s, options), models::InputError);
}

}  // namespace
}  // namespace gatesim::sim

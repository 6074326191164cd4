// Simulator benchmarks: the event kernel alone (hold model at several queue sizes) and whole
// port days in both gate models. Run: build/release/bench/bench_sim_bench
#include <benchmark/benchmark.h>

#include "sim/event_queue.hpp"
#include "sim/port_model.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"

namespace {

using namespace gatesim::sim;

// Hold model: `pending` events in the queue; each handled event schedules one more.
void BM_KernelHold(benchmark::State& state) {
  EventQueue q;
  Rng rng(1);
  for (int i = 0; i < state.range(0); ++i) q.schedule_at(static_cast<SimTime>(rng.exponential(1e-6)), 0);
  for (auto _ : state) {
    const SimEvent e = q.pop();
    benchmark::DoNotOptimize(e);
    q.schedule_in(static_cast<SimTime>(rng.exponential(1e-6)) + 1, 0);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KernelHold)->Arg(100)->Arg(10'000)->Arg(1'000'000);

// `population`: more population keys ("passback: 0.02, "), in front of the day's own.
Scenario day(int travellers, const char* model, const std::string& population = "") {
  return parse_scenario(std::string(R"(
name: bench day
port: shenzhen-bay
arrivals:
  travellers_per_day: )") + std::to_string(travellers) + R"(
  hourly_profile: [1, 0.3, 0, 0, 0, 0.5, 2, 5, 8, 8, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4, 3, 2]
channels: {document_gates: 80, document_free_gates: 20, counters: 60}
population: {)" + population + R"(hk_macao: 0.6, mainland: 0.36, foreign: 0.04, eligible_endorsement: 0.8, family_parties: 0.03}
faults: {mtbf_hours: 200}
gate: {model: )" + model + "}\n",
                        "bench");
}

// One Luohu-scale day (300,000 travellers); items = travellers, plus events/s as a counter.
void BM_PortDay(benchmark::State& state, const char* model) {
  const Scenario s = day(static_cast<int>(state.range(0)), model);
  std::uint64_t events = 0, travellers = 0;
  for (auto _ : state) {
    const SimResult r = run_simulation(s, RunOptions{});
    events += r.events;
    travellers += r.travellers;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(travellers));
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_PortDay, sampled, "sampled")->Arg(300'000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PortDay, controller, "controller")->Arg(300'000)->Unit(benchmark::kMillisecond);

// The same day with 2% of those cleared at a gate coming back (the hall's anti-passback ledger
// and the lanes' own in use): what the rule costs.
void BM_PortDayPassback(benchmark::State& state, const char* model) {
  const Scenario s = day(static_cast<int>(state.range(0)), model, "passback: 0.02, ");
  std::uint64_t travellers = 0;
  for (auto _ : state) travellers += run_simulation(s, RunOptions{}).travellers;
  state.SetItemsProcessed(static_cast<std::int64_t>(travellers));
}
BENCHMARK_CAPTURE(BM_PortDayPassback, sampled, "sampled")->Arg(300'000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PortDayPassback, controller, "controller")->Arg(300'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

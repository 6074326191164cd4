#pragma once
// What a simulation run reports: summary.json's content and the self-contained report.html
// (tables and inline SVG charts of queues, waits and throughput over the day; no scripts, no
// external files).
//
// Thread safety: pure functions.

#include <string>

#include <nlohmann/json.hpp>

#include "sim/port_model.hpp"
#include "sim/scenario.hpp"

namespace gatesim::sim {

// ensures: throughput per gate-hour, mean/p50/p95/max wait by channel, the share served within
//          5 minutes, decisions, referral counts and rates by reason, biometric incidents,
//          faults. Only the run's results: no wall time, so equal runs give equal bytes.
nlohmann::json summary_json(const SimResult& result);

// ensures: one HTML page, `summary` as tables and the intervals as charts.
std::string report_html(const SimResult& result, const nlohmann::json& summary);

}  // namespace gatesim::sim

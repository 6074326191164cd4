#include "sim/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "biometrics/presentation_attacks.hpp"

namespace gatesim::sim {

namespace {

double round3(double v) { return std::round(v * 1000) / 1000; }
double rate(std::uint64_t n, std::uint64_t d) { return d ? round3(static_cast<double>(n) / static_cast<double>(d) * 1e3) / 1e3 : 0; }

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string fmt(double v, int decimals = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// One line chart: x = hours, one polyline per series.
std::string chart(const std::string& title, const std::string& unit, const std::vector<double>& x,
                  const std::vector<std::pair<std::string, std::vector<double>>>& series) {
  static const char* colours[] = {"#1f77b4", "#2ca02c", "#d62728", "#9467bd"};
  const double w = 720, h = 240, left = 60, right = 150, top = 30, bottom = 35;
  double ymax = 0, xmax = x.empty() ? 1 : x.back();
  for (const auto& [name, ys] : series)
    for (double y : ys) ymax = std::max(ymax, y);
  if (ymax <= 0) ymax = 1;
  if (xmax <= 0) xmax = 1;
  auto px = [&](double v) { return left + v / xmax * (w - left - right); };
  auto py = [&](double v) { return top + (1 - v / ymax) * (h - top - bottom); };
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "' role='img'>"
    << "<text x='" << left << "' y='18' font-weight='bold'>" << escape(title) << "</text>"
    << "<line x1='" << left << "' y1='" << py(0) << "' x2='" << w - right << "' y2='" << py(0) << "' stroke='#333'/>"
    << "<line x1='" << left << "' y1='" << top << "' x2='" << left << "' y2='" << py(0) << "' stroke='#333'/>";
  for (int i = 0; i <= 4; ++i) {
    const double v = ymax * i / 4;
    o << "<text x='" << left - 5 << "' y='" << py(v) + 4 << "' text-anchor='end' font-size='11'>" << fmt(v, v < 10 ? 1 : 0)
      << "</text><line x1='" << left << "' y1='" << py(v) << "' x2='" << w - right << "' y2='" << py(v)
      << "' stroke='#ddd'/>";
  }
  for (int i = 0; i <= 6; ++i) {
    const double v = xmax * i / 6;
    o << "<text x='" << px(v) << "' y='" << h - 15 << "' text-anchor='middle' font-size='11'>" << fmt(v, 1) << "</text>";
  }
  o << "<text x='" << (w - right) << "' y='" << h - 2 << "' text-anchor='end' font-size='11'>hours since start · "
    << escape(unit) << "</text>";
  for (std::size_t s = 0; s < series.size(); ++s) {
    o << "<polyline fill='none' stroke-width='1.5' stroke='" << colours[s % 4] << "' points='";
    for (std::size_t i = 0; i < x.size() && i < series[s].second.size(); ++i)
      o << fmt(px(x[i]), 1) << "," << fmt(py(series[s].second[i]), 1) << " ";
    o << "'/><text x='" << w - right + 8 << "' y='" << top + 16 * s + 10 << "' font-size='12' fill='" << colours[s % 4]
      << "'>" << escape(series[s].first) << "</text>";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace

namespace {

// The presentation_attacks block: the lanes' check, then per channel what attacks did and how
// many live travellers the check refused.
nlohmann::json presentation_attacks_json(const SimResult& r) {
  const PadModel& m = r.pad_model;
  nlohmann::json out = {{"liveness", biometrics::to_string(m.mode)}};
  if (m.on()) {
    nlohmann::json apcer = nlohmann::json::object();
    for (const biometrics::AttackKind kind : biometrics::kAllAttackKinds)
      apcer[biometrics::to_string(kind)] = m.apcer[static_cast<std::size_t>(kind)];
    out["frames"] = m.frames;
    if (m.detector) {
      out["rates_from"] = "detector";  // image-level mode: no rates, the real detector's verdicts
    } else {
      out["bpcer"] = m.bpcer;
      out["apcer"] = apcer;
      out["rates_from"] = m.calibrated_from.empty() ? "scenario" : "pad_calibration";
    }
  }
  std::uint64_t attempted = 0, passed = 0, live_checked = 0, live_refused = 0;
  nlohmann::json channels = nlohmann::json::object();
  for (int c = 0; c < kChannelCount; ++c) {
    const PadCounts& p = r.pad[c];
    std::uint64_t a = 0, x = 0, l = 0;
    nlohmann::json types = nlohmann::json::object();
    for (const biometrics::AttackKind kind : biometrics::kAllAttackKinds) {
      const auto k = static_cast<std::size_t>(kind);
      a += p.attempted[k];
      x += p.passed[k];
      l += p.stopped_by_liveness[k];
      if (p.attempted[k] > 0)
        types[biometrics::to_string(kind)] = {{"attempted", p.attempted[k]}, {"stopped", p.attempted[k] - p.passed[k]},
                                              {"stopped_by_liveness", p.stopped_by_liveness[k]}, {"passed", p.passed[k]}};
    }
    if (r.servers[c] == 0 && a == 0) continue;
    channels[channel_name(c)] = {{"attacks", {{"attempted", a}, {"stopped", a - x}, {"stopped_by_liveness", l}, {"passed", x}, {"by_type", types}}},
                                 {"live_checked", p.live_checked},
                                 {"live_refused", p.live_refused},
                                 {"live_refused_rate", rate(p.live_refused, p.live_checked)}};
    attempted += a;
    passed += x;
    live_checked += p.live_checked;
    live_refused += p.live_refused;
  }
  out["attempted"] = attempted;
  out["stopped"] = attempted - passed;
  out["passed"] = passed;
  out["live_checked"] = live_checked;
  out["live_refused"] = live_refused;
  out["channels"] = channels;
  return out;
}

// The passback block: the gates' window, then per channel what the attempts did.
nlohmann::json passback_json(const SimResult& r) {
  PassbackCounts all;
  nlohmann::json channels = nlohmann::json::object();
  for (int c = 0; c < kChannelCount; ++c) {
    const PassbackCounts& p = r.passback[c];
    if (r.servers[c] == 0 && p.attempted == 0) continue;
    channels[channel_name(c)] = {{"attempted", p.attempted}, {"refused", p.refused}, {"passed", p.passed},
                                 {"refused_rate", rate(p.refused, p.attempted)}};
    all.attempted += p.attempted;
    all.refused += p.refused;
    all.passed += p.passed;
  }
  return {{"window_s", r.passback_window_s}, {"attempted", all.attempted}, {"refused", all.refused},
          {"passed", all.passed}, {"refused_rate", rate(all.refused, all.attempted)}, {"channels", channels}};
}

// The tailgating block: the scenario's share, then per gate channel the alarms and what became
// of the tailgaters.
nlohmann::json tailgating_json(const SimResult& r) {
  TailgatingCounts all;
  nlohmann::json channels = nlohmann::json::object();
  for (int c = 0; c < kCounters; ++c) {
    const TailgatingCounts& t = r.tailgating[c];
    if (r.servers[c] == 0 && t.alarms == 0) continue;
    channels[channel_name(c)] = {{"alarms", t.alarms}, {"refused_entry", t.refused_entry}, {"unserved", t.unserved}};
    all.alarms += t.alarms;
    all.refused_entry += t.refused_entry;
    all.unserved += t.unserved;
  }
  return {{"share", r.tailgating_share}, {"alarms", all.alarms}, {"refused_entry", all.refused_entry},
          {"unserved", all.unserved}, {"channels", channels}};
}

}  // namespace

nlohmann::json summary_json(const SimResult& r) {
  nlohmann::json channels = nlohmann::json::object();
  for (int c = 0; c < kChannelCount; ++c) {
    if (r.servers[c] == 0) continue;
    const auto& w = r.waits[c];
    channels[channel_name(c)] = {
        {"servers", r.servers[c]},
        {"served", r.served[c]},
        {"throughput_per_server_hour", r.hours > 0 ? round3(static_cast<double>(r.served[c]) / (r.servers[c] * r.hours)) : 0},
        {"utilisation", r.drained_at_h > 0 ? round3(r.busy_s[c] / (r.servers[c] * r.drained_at_h * 3600)) : 0},
        {"wait_s", {{"mean", round3(w.mean())}, {"p50", round3(w.quantile(0.5))}, {"p95", round3(w.quantile(0.95))},
                    {"max", round3(w.max())}, {"count", w.count()}}},
    };
  }
  nlohmann::json referrals = nlohmann::json::object();
  for (const auto& [code, n] : r.referrals) referrals[code] = {{"travellers", n}, {"rate", rate(n, r.travellers)}};
  nlohmann::json summary = {
      {"scenario", r.scenario},
      {"seed", r.seed},
      {"hours", r.hours},
      {"drained_at_h", round3(r.drained_at_h)},
      {"events", r.events},
      {"travellers", r.travellers},
      {"parties", r.parties},
      {"max_in_port", r.max_in_port},
      {"channels", channels},
      {"wait_s", {{"mean", round3(r.total_wait.mean())}, {"p50", round3(r.total_wait.quantile(0.5))},
                  {"p95", round3(r.total_wait.quantile(0.95))}, {"max", round3(r.total_wait.max())}}},
      {"within_5_min", round3(r.total_wait.share_within(300))},
      {"decisions", {{"cleared_at_gate", r.cleared_at_gate}, {"cleared_at_counter", r.cleared_at_counter},
                     {"refused_entry", r.refused_entry}, {"unserved", r.unserved},
                     {"referral_rate", rate(r.travellers - r.cleared_at_gate - r.unserved, r.travellers)}}},
      {"referrals", referrals},
      {"biometrics", {{"face_checks", r.face_checks}, {"failure_to_acquire", r.fta}, {"false_matches", r.false_matches},
                      {"false_non_matches", r.false_non_matches}, {"fta_rate", rate(r.fta, r.face_checks)},
                      {"fnmr", rate(r.false_non_matches, r.face_checks)},
                      {"impostor_attempts", r.impostor_attempts}, {"impostors_stopped_at_gate", r.impostors_stopped_at_gate},
                      {"fingerprint_false_non_matches", r.fingerprint_false_non_matches}}},
      {"faults", {{"count", r.faults}, {"downtime_h", round3(r.downtime_s / 3600)}}},
  };
  if (r.images_analysed > 0) summary["biometrics"]["images_analysed"] = r.images_analysed;  // image-level mode
  if (r.pad_reported) summary["presentation_attacks"] = presentation_attacks_json(r);
  if (r.passback_reported) summary["passback"] = passback_json(r);
  if (r.tailgating_share > 0) summary["tailgating"] = tailgating_json(r);
  return summary;
}

std::string report_html(const SimResult& r, const nlohmann::json& summary) {
  std::ostringstream o;
  o << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>gatesim: " << escape(r.scenario)
    << "</title><style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
       "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}</style></head><body>";
  o << "<h1>" << escape(r.scenario) << "</h1><p>Seed " << r.seed << " · " << r.hours << " h of arrivals · "
    << r.travellers << " travellers in " << r.parties << " parties · last left at " << fmt(r.drained_at_h, 2)
    << " h · " << fmt(100 * summary["within_5_min"].get<double>(), 1) << "% waited under 5 minutes in total</p>";
  o << "<h2>Channels</h2><table><tr><th>channel</th><th>servers</th><th>served</th><th>per server-hour</th>"
       "<th>utilisation</th><th>mean wait s</th><th>p50 s</th><th>p95 s</th><th>max s</th></tr>";
  for (const auto& [name, c] : summary["channels"].items())
    o << "<tr><td>" << name << "</td><td>" << c["servers"] << "</td><td>" << c["served"] << "</td><td>"
      << fmt(c["throughput_per_server_hour"].get<double>()) << "</td><td>" << fmt(100 * c["utilisation"].get<double>())
      << "%</td><td>" << fmt(c["wait_s"]["mean"].get<double>()) << "</td><td>" << fmt(c["wait_s"]["p50"].get<double>())
      << "</td><td>" << fmt(c["wait_s"]["p95"].get<double>()) << "</td><td>" << fmt(c["wait_s"]["max"].get<double>())
      << "</td></tr>";
  o << "</table>";
  std::vector<double> x;
  std::vector<std::pair<std::string, std::vector<double>>> queues, waits, served;
  for (int c = 0; c < kChannelCount; ++c) {
    if (r.servers[c] == 0) continue;
    queues.push_back({channel_name(c), {}});
    waits.push_back({channel_name(c), {}});
    served.push_back({channel_name(c), {}});
  }
  std::vector<std::pair<std::string, std::vector<double>>> arrivals{{"arrivals", {}}, {"departures", {}}};
  for (const auto& row : r.intervals) {
    x.push_back(row.start_h);
    std::size_t s = 0;
    for (int c = 0; c < kChannelCount; ++c) {
      if (r.servers[c] == 0) continue;
      queues[s].second.push_back(static_cast<double>(row.queue[c]));
      waits[s].second.push_back(row.mean_wait_s[c] / 60);
      served[s].second.push_back(static_cast<double>(row.served[c]));
      ++s;
    }
    arrivals[0].second.push_back(static_cast<double>(row.arrivals));
    arrivals[1].second.push_back(static_cast<double>(row.departures));
  }
  o << "<h2>Over the day</h2>" << chart("Travellers queueing (end of interval)", "travellers", x, queues)
    << chart("Mean wait of travellers starting service", "minutes", x, waits)
    << chart("Throughput per interval", "travellers", x, served) << chart("Arrivals and departures", "travellers", x, arrivals);
  o << "<h2>Decisions and referrals</h2><table><tr><th>decision</th><th>travellers</th></tr>";
  for (const auto& [k, v] : summary["decisions"].items())
    if (k != "referral_rate") o << "<tr><td>" << k << "</td><td>" << v << "</td></tr>";
  o << "</table><table><tr><th>referral reason</th><th>travellers</th><th>rate</th></tr>";
  for (const auto& [k, v] : summary["referrals"].items())
    o << "<tr><td>" << escape(k) << "</td><td>" << v["travellers"] << "</td><td>" << fmt(100 * v["rate"].get<double>(), 2)
      << "%</td></tr>";
  o << "</table><h2>Biometrics and faults</h2><table><tr><th>measure</th><th>value</th></tr>";
  for (const auto& [k, v] : summary["biometrics"].items()) o << "<tr><td>" << k << "</td><td>" << v << "</td></tr>";
  for (const auto& [k, v] : summary["faults"].items()) o << "<tr><td>faults." << k << "</td><td>" << v << "</td></tr>";
  o << "</table>";
  if (summary.contains("presentation_attacks")) {
    const auto& pa = summary["presentation_attacks"];
    o << "<h2>Presentation attacks and liveness</h2><p>Liveness check: " << escape(pa["liveness"].get<std::string>());
    if (pa.contains("frames")) o << " · " << pa["frames"] << " frames";
    if (pa.contains("bpcer")) o << " · BPCER " << fmt(100 * pa["bpcer"].get<double>(), 2) << "%";
    if (pa.contains("rates_from")) o << " · verdicts from " << escape(pa["rates_from"].get<std::string>());
    o << "</p><table><tr><th>channel</th><th>attacks</th><th>stopped</th><th>by liveness</th><th>passed</th>"
         "<th>by type (attempted/passed)</th><th>live checked</th><th>live refused</th><th>rate</th></tr>";
    for (const auto& [name, c] : pa["channels"].items()) {
      std::string types;
      for (const auto& [type, t] : c["attacks"]["by_type"].items())
        types += (types.empty() ? "" : ", ") + type + " " + t["attempted"].dump() + "/" + t["passed"].dump();
      o << "<tr><td>" << name << "</td><td>" << c["attacks"]["attempted"] << "</td><td>" << c["attacks"]["stopped"]
        << "</td><td>" << c["attacks"]["stopped_by_liveness"] << "</td><td>" << c["attacks"]["passed"] << "</td><td>"
        << escape(types) << "</td><td>" << c["live_checked"] << "</td><td>" << c["live_refused"] << "</td><td>"
        << fmt(100 * c["live_refused_rate"].get<double>(), 2) << "%</td></tr>";
    }
    o << "</table>";
  }
  if (summary.contains("passback")) {
    const auto& pb = summary["passback"];
    const double window = pb["window_s"].get<double>();
    o << "<h2>Anti-passback</h2><p>Travellers coming back to the gates under an identity cleared before · window "
      << (window > 0 ? fmt(window, 0) + " s" : std::string("off")) << "</p><table><tr><th>channel</th><th>attempts</th>"
      << "<th>refused (gate.passback)</th><th>passed again</th><th>refused rate</th></tr>";
    for (const auto& [name, c] : pb["channels"].items())
      o << "<tr><td>" << name << "</td><td>" << c["attempted"] << "</td><td>" << c["refused"] << "</td><td>"
        << c["passed"] << "</td><td>" << fmt(100 * c["refused_rate"].get<double>(), 2) << "%</td></tr>";
    o << "</table>";
  }
  if (summary.contains("tailgating")) {
    const auto& tg = summary["tailgating"];
    o << "<h2>Tailgating</h2><p>A second person through the open passage behind "
      << fmt(100 * tg["share"].get<double>(), 2) << "% of gate passages: the lane's alarm, the tailgater taken to a "
      << "counter</p><table><tr><th>channel</th><th>alarms</th><th>refused entry</th><th>unserved</th></tr>";
    for (const auto& [name, c] : tg["channels"].items())
      o << "<tr><td>" << name << "</td><td>" << c["alarms"] << "</td><td>" << c["refused_entry"] << "</td><td>"
        << c["unserved"] << "</td></tr>";
    o << "</table>";
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace gatesim::sim

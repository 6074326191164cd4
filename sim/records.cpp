#include "sim/records.hpp"

#include <charconv>
#include <iterator>
#include <string>

#include "biometrics/presentation_attacks.hpp"
#include "sim/json_writer.hpp"

namespace gatesim::sim {

namespace {

void append_integer(TextBuffer& out, std::uint64_t v) {
  char* at = out.room(20);
  out.commit(std::to_chars(at, at + 20, v).ptr);
}

// One traveller's JSON object (the README's travellers.jsonl fields), into `out`.
void put_record(TextBuffer& out, const ReasonTable& reasons, const Party& p, const Member& m, Decision decision,
                SimTime departure) {
  const TravellerProfile& t = m.profile;
  JsonWriter json(out);
  json.begin_object();
  json.key("traveller").integer(m.id);
  json.key("party").integer(p.id);
  json.key("age").integer(t.age);
  json.key("residence").string(to_string(t.residence));
  json.key("document").string(models::name(t.document));
  if (t.document == models::DocumentKind::eep) {
    json.key("endorsement").string(models::name(t.endorsement));
    json.key("entries").string(models::name(t.entries));
  } else if (t.document == models::DocumentKind::mtp) {
    json.key("mtp").string(models::name(t.mtp));
  }
  if (!t.document_valid) json.key("document_expired").boolean(true);
  if (t.attack)
    json.key("presentation_attack").string(biometrics::to_string(static_cast<biometrics::AttackKind>(t.attack_kind)));
  if (m.holder != 0) json.key("passback_of").integer(m.holder);
  if (m.followed != 0) json.key("followed").integer(m.followed);
  json.key("arrival_s").fixed3(to_seconds(p.arrived));
  json.key("route").begin_array();
  for (int c = 0; c < kChannelCount; ++c)
    if (p.wait[c] >= 0) json.string(channel_name(c));
  json.end_array();
  for (int c = 0; c < kChannelCount; ++c) {
    if (p.wait[c] < 0) continue;
    json.key(channel_name(c)).begin_object();
    json.key("wait_s").fixed3(p.wait[c]);
    json.key("service_s").fixed3(p.service[c]);
    json.end_object();
  }
  if (m.served_at_gate && m.frames > 0) {
    json.key("steps").begin_object();
    if (m.document_s >= 0) json.key("document_s").fixed3(m.document_s);
    json.key("face_s").fixed3(m.face_s);
    json.key("frames").integer(m.frames);
    if (m.distance >= 0) json.key("distance").fixed3(m.distance);
    if (m.fingerprint_s >= 0) json.key("fingerprint_s").fixed3(m.fingerprint_s);
    if (m.exit_s >= 0) json.key("exit_s").fixed3(m.exit_s);
    json.end_object();
  }
  json.key("departure_s").fixed3(to_seconds(departure));
  json.key("decision").string(name(decision));
  json.key("reasons").begin_array();
  for (std::size_t b = 0; b < reasons.names().size(); ++b)
    if (m.reasons & (1u << b)) json.string(reasons.name_of(b));
  json.end_array();
  json.key("incidents").begin_array();
  for (std::size_t b = 0; b < std::size(kIncidentNames); ++b)
    if (m.incidents & (1u << b)) json.string(kIncidentNames[b]);
  json.end_array();
  json.end_object();
}  // the writer hands its text to `out`

}  // namespace

void TravellerRecords::write(const Party& p, const Member& m, Decision decision, SimTime departure) {
  put_record(lines_, reasons_, p, m, decision, departure);
  lines_.append('\n');
  if (lines_.size() >= kFlushAt) flush();
}

void TravellerRecords::flush() {
  if (lines_.empty()) return;
  out_.write(lines_.view().data(), static_cast<std::streamsize>(lines_.size()));
  lines_.clear();
}

IntervalRecords::IntervalRecords(std::ostream& out) : out_(out) {
  std::string h = "start_h,arrivals,departures";
  for (int c = 0; c < kChannelCount; ++c) {
    const std::string n = channel_name(c);
    h += "," + n + "_queue," + n + "_served," + n + "_utilisation," + n + "_mean_wait_s";
  }
  out_ << h + ",gates_down\n";
}

void IntervalRecords::write(const IntervalRow& row) {
  TextBuffer& o = row_;
  o.clear();
  JsonWriter::append_fixed3(o, row.start_h);
  for (std::uint64_t v : {row.arrivals, row.departures}) o.append(','), append_integer(o, v);
  for (int c = 0; c < kChannelCount; ++c) {
    for (std::uint64_t v : {row.queue[c], row.served[c]}) o.append(','), append_integer(o, v);
    o.append(',');
    JsonWriter::append_fixed3(o, row.utilisation[c]);
    o.append(',');
    JsonWriter::append_fixed3(o, row.mean_wait_s[c]);
  }
  o.append(',');
  append_integer(o, row.gates_down);
  o.append('\n');
  out_.write(o.view().data(), static_cast<std::streamsize>(o.size()));
}

}  // namespace gatesim::sim

#pragma once
// The run's record writers: travellers.jsonl (TravellerRecords: one JSON object a line, a
// traveller as they leave the port) and intervals.csv (IntervalRecords: a header, then one row
// per interval). Both are streamed as the run goes, so memory does not follow the day's total;
// their bytes are part of the outputs a seed fixes. JSON goes through sim::JsonWriter (escaped).
// The fields are documented in the README's simulator section.
//
// Thread safety: none; one writer per run and stream.

#include <ostream>
#include <string>

#include "sim/port_model.hpp"
#include "sim/port_state.hpp"
#include "sim/referral_reasons.hpp"

namespace gatesim::sim {

class TravellerRecords {
 public:
  // requires: `out` and `reasons` outlive the writer.
  TravellerRecords(std::ostream& out, const ReasonTable& reasons) : out_(out), reasons_(reasons) {}
  // requires: `m` is a member of `p`, leaving at `departure`.
  // ensures: one line written for them.
  void write(const Party& p, const Member& m, Decision decision, SimTime departure);

 private:
  std::ostream& out_;
  const ReasonTable& reasons_;
  std::string line_;  // reused: no allocation per traveller once warm
};

class IntervalRecords {
 public:
  // requires: `out` outlives the writer. ensures: the header is written.
  explicit IntervalRecords(std::ostream& out);
  // ensures: one row written.
  void write(const IntervalRow& row);

 private:
  std::ostream& out_;
};

}  // namespace gatesim::sim

#pragma once
// The run's record writers: travellers.jsonl (TravellerRecords: one JSON object a line, a
// traveller as they leave the port) and intervals.csv (IntervalRecords: a header, then one row
// per interval). Both are streamed as the run goes, so memory does not follow the day's total;
// their bytes are part of the outputs a seed fixes. JSON goes through sim::JsonWriter (escaped).
// The fields are documented in the README's simulator section.
//
// The travellers' lines are gathered in a buffer and written to the stream a few hundred
// kilobytes at a time (a run writes ~350 bytes per traveller, a hundred megabytes for 300,000),
// so the stream and the kernel see few large writes; flush() hands over what is gathered, for a
// reader that follows the stream as the run goes (a real-time replay's dashboard).
//
// Thread safety: none; one writer per run and stream.

#include <cstddef>
#include <ostream>

#include "sim/text_buffer.hpp"

#include "sim/port_model.hpp"
#include "sim/port_state.hpp"
#include "sim/referral_reasons.hpp"

namespace gatesim::sim {

class TravellerRecords {
 public:
  // requires: `out` and `reasons` outlive the writer.
  TravellerRecords(std::ostream& out, const ReasonTable& reasons) : out_(out), reasons_(reasons) {}
  TravellerRecords(const TravellerRecords&) = delete;
  TravellerRecords& operator=(const TravellerRecords&) = delete;
  // ensures: flush().
  ~TravellerRecords() { flush(); }
  // requires: `m` is a member of `p`, leaving at `departure`.
  // ensures: one line for them, in the stream by the next flush() at the latest.
  void write(const Party& p, const Member& m, Decision decision, SimTime departure);
  // ensures: every line written so far is in the stream (not flushed further).
  void flush();

 private:
  static constexpr std::size_t kFlushAt = std::size_t{1} << 18;  // bytes gathered before a write

  std::ostream& out_;
  const ReasonTable& reasons_;
  TextBuffer lines_;  // reused: no allocation per traveller once warm
};

class IntervalRecords {
 public:
  // requires: `out` outlives the writer. ensures: the header is written.
  explicit IntervalRecords(std::ostream& out);
  // ensures: one row written.
  void write(const IntervalRow& row);

 private:
  std::ostream& out_;
  TextBuffer row_;
};

}  // namespace gatesim::sim

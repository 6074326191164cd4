#pragma once
// TraceReader: replays recorded arrivals, one traveller a row, from CSV or JSON Lines
// (".jsonl", ".ndjson" or ".json": JSON Lines; anything else: CSV). Schema (scenarios/README.md):
//
//   time         seconds since the scenario start (12.5) or clock time HH:MM[:SS] of the day
//                (converted with the scenario's start_hour); non-decreasing. Required.
//   party        travellers on consecutive rows with the same non-empty party arrive together;
//                the first adult is the guardian.
//   age          whole years, 0..130 (default 35)
//   residence    mainland | hk_macao | taiwan | foreign (default hk_macao)
//   document     eep | home_return_permit | mtp | mtp_one_time | passport (default by residence)
//   endorsement  stay | family_visit | business | talent | other | individual_tourism |
//                group_tourism | none (EEP only; default stay)
//   entries      multiple | single | double (EEP endorsement; default multiple)
//   expired      true/false: the document expired the day before the crossing (default false)
//   consent, limited_capacity, enrolled, impostor   true/false (defaults true, false, false, false)
//   face_image   optional image path (used by the image-level mode; kept in the record)
//
// CSV: a header row naming the columns, comma-separated values, no quoting. The constructor reads
// the whole file once to check it and throws models::InputError listing every bad row by line
// number (up to 20); rows are then streamed, so memory does not grow with the trace.
//
// Thread safety: none.

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/population.hpp"

namespace gatesim::sim {

struct TraceParty {
  SimTime time = 0;
  PartyProfile party;
};

class TraceReader {
 public:
  // requires: start_hour is the scenario's (for HH:MM times).
  TraceReader(const std::string& path, double start_hour);
  // ensures: the next party in time order, or nullopt at the end.
  std::optional<TraceParty> next();
  std::size_t rows() const { return rows_; }

 private:
  struct Row {
    SimTime time = 0;
    std::string party;
    TravellerProfile profile;
  };
  // ensures: `row` holds the data row `line`; throws std::string naming the problem.
  void parse(const std::string& line, Row& row) const;
  bool read_row(Row& row);  // next data row of the stream, with its line number in line_

  std::string path_;
  double start_hour_;
  bool json_ = false;
  std::vector<std::string> columns_;
  std::ifstream in_;
  std::size_t line_ = 0;
  std::size_t rows_ = 0;
  std::optional<Row> pending_;
};

}  // namespace gatesim::sim

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
//   face_image   the image the traveller presents at a gate (image-level mode; relative paths
//                from the trace's folder)
//   enrolled_image  the holder's enrolled photo (image-level mode; default: the face_image's)
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
#include <unordered_map>
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

  // One data row as parsed.
  struct Row {
    SimTime time = 0;
    std::string party;
    TravellerProfile profile;
    std::string face_image, enrolled_image;  // as written (relative to the trace's folder)
  };
  // ensures: the path of image `index` (TravellerProfile::face_image / enrolled_image, >= 1),
  //          resolved against the trace's folder.
  const std::string& image(std::uint32_t index) const { return images_[index - 1]; }

 private:
  // ensures: `row` holds the data row `line`; throws std::string naming the problem.
  void parse(const std::string& line, Row& row) const;
  bool read_row(Row& row);  // next data row of the stream, with its line number in line_
  TravellerProfile with_images(const Row& row);  // the profile with its images interned

  std::string path_;
  double start_hour_;
  bool json_ = false;
  std::vector<std::string> columns_;
  std::ifstream in_;
  std::size_t line_ = 0;
  std::size_t rows_ = 0;
  std::optional<Row> pending_;
  std::vector<std::string> images_;  // distinct image paths, in order of appearance
  std::unordered_map<std::string, std::uint32_t> image_index_;  // path -> index in images_ + 1
};

}  // namespace gatesim::sim

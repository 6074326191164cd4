#pragma once
// The lanes of a `gatesim gate` bank: each a name, a document reader and its LaneOptions
// (apps/gatesim/face_command.hpp), given as `--lane KEY=VALUE,...` (the keys of LaneOptions::parse
// plus name= and documents=) or as a YAML bank file (`--bank FILE`):
//
//   lanes:
//     - name: east-1
//       camera: dir:frames/east-1
//       passage: none
//     - name: east-2
//       camera: usb:1#width=640,height=480
//       documents: chips:east-2.jsonl
//       liveness: both
//
// A key not given takes the command's flag (the `defaults`). The enrolment database (db) and
// the audit log (audit) belong to the bank, not a lane: one gallery, one log with the lane as a
// column; a lane that names them is refused.
//
// Thread safety: plain functions of their arguments.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/gatesim/face_command.hpp"

namespace gatesim::app {

struct BankLane {
  std::string name;       // unique in the bank, letters, digits, '-', '_', '.'; "1", "2", ... when not given
  std::string documents;  // document reader URI; empty: the document-free channel
  LaneOptions options;
};

// ensures: the lane of "name=A,camera=dir:x,documents=chips:y.jsonl,passage=none"; without
//          name= it is named `number` (1-based).
// throws models::InputError "--lane <text>: ..." for an unknown key, a bad value, or db=/audit=.
BankLane parse_bank_lane(const std::string& text, const LaneOptions& defaults, std::size_t number);

// ensures: the lanes of the file's `lanes:` list, in order, their names unique.
// throws models::InputError "FILE:LINE: lanes[i].KEY: ..." for a file that cannot be read, is not
//        YAML, has no non-empty `lanes:` list, an entry that is not a map of KEY: VALUE, an
//        unknown key, a bad value, db/audit, or a name used twice.
std::vector<BankLane> read_bank_file(const std::filesystem::path& file, const LaneOptions& defaults);

// throws models::InputError "<where>: lane name NAME is used twice" when two lanes share a name.
void check_unique_names(const std::vector<BankLane>& lanes, const std::string& where);

}  // namespace gatesim::app

#pragma once
// DocumentReader: reads the permit a traveller presents (the "chip" record of an e-permit).
// The record is generic text and dates; the gate maps it onto policy types.
//
// Thread safety: one thread at a time.

#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/clock.hpp"
#include "devices/device_fault.hpp"
#include "models/civil_date.hpp"

namespace gatesim::devices {

// One chip record, as JSON:
//   {"holder_id": "H123", "document_kind": "HKMacaoPermit", "document_number": "C12345678",
//    "issuer": "CN", "name": "...", "date_of_birth": "2001-02-03",
//    "valid_from": "2020-01-01", "valid_until": "2030-01-01",
//    "endorsements": [{"kind": "tourism", "valid_until": "2026-12-31", ...}], ...}
// holder_id, document_kind and document_number are required; the dates are YYYY-MM-DD;
// any other string field lands in `extra`.
struct ChipRecord {
  std::string holder_id;
  std::string document_kind;
  std::string document_number;
  std::string issuer;
  std::string name;
  std::optional<models::CivilDate> date_of_birth;
  std::optional<models::CivilDate> valid_from;
  std::optional<models::CivilDate> valid_until;
  std::vector<std::map<std::string, std::string>> endorsements;  // each: field -> text
  std::map<std::string, std::string> extra;
};

// requires: `where` names the source for messages ("chips.jsonl:3").
// throws models::InputError "<where>: field \"x\": expected ..." for a bad record.
ChipRecord parse_chip_record(const std::string& json_text, const std::string& where);

class DocumentReader {
 public:
  virtual ~DocumentReader() = default;
  // Blocks until a document is presented.
  // ensures: the record read; std::nullopt when no more documents will come (end of input).
  // throws DeviceFault (disconnected, timeout, corrupt: a chip that does not parse).
  virtual std::optional<ChipRecord> read() = 0;
  virtual std::string name() const = 0;
};

// Opens a reader by URI:
//   chips:FILE.jsonl   one chip record per line (blank lines skipped); each line is
//                      checked when read, so a bad line is a DeviceFault(corrupt) at that
//                      traveller, naming the file and line.
//   chip-dir:FOLDER    one FOLDER/*.json record per read, the first by name not read yet
//                      (a bench: another program drops files there); std::nullopt when
//                      none is left at the time of the read.
// Settings after '#' as for cameras: faults=..., seed=S.
// throws models::InputError when the file or folder does not exist.
std::unique_ptr<DocumentReader> open_document_reader(const std::string& uri, Clock& clock = steady_clock());

}  // namespace gatesim::devices

#pragma once
// DocumentReader: reads the permit a traveller presents (the "chip" record of an e-permit).
// The record is the holder's traveller record, in the one traveller format of the tool
// (models/traveller_json.hpp, as in `gatesim check`), so the gate can run the policy engine on
// what the chip says.
//
// Thread safety: one thread at a time.

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "devices/clock.hpp"
#include "devices/device_fault.hpp"
#include "models/traveller.hpp"

namespace gatesim::devices {

// One chip record: a traveller record whose first document is the one on the reader, e.g.
//   {"id": "H123", "birth_date": "2001-02-03", "residence": "hong_kong", "nationality": "CHN",
//    "civil_capacity": "full", "consent": true,
//    "documents": [{"kind": "home_return_permit", "number": "H12345678", "valid_until": "2030-01-01"}]}
struct ChipRecord {
  models::Traveller holder;  // holder.documents is not empty
  std::string text;          // the record as read: what a device-server forwards to tcp:// readers

  const models::Document& presented() const { return holder.documents.front(); }
};

// requires: `where` names the source for messages ("chips.jsonl:3").
// throws models::InputError "<where>: <field>: expected ..., got ..." for a bad record, or when
//        it has no document or the first is not a travel document.
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
//   chips:FILE.jsonl   one chip record per line (blank lines skipped). The file is input given
//                      up front: every line is checked when the reader opens, and a bad line
//                      is a models::InputError naming the file and line.
//   chip-dir:FOLDER    one FOLDER/*.json record per read, the first by name not read yet
//                      (a bench: another program drops files there); std::nullopt when
//                      none is left at the time of the read. A record that does not parse is
//                      a DeviceFault(corrupt) at that traveller (the lane goes on).
//   tcp://HOST:PORT    the document reader a `gatesim device-server --documents` serves
//                      (RemoteDocumentReader: records parsed here, a bad one is a
//                      DeviceFault(corrupt)); option timeout_ms=N per answer (default 5000).
//   tls://HOST:PORT    the same over mutual TLS: options ca=, cert=, key= (device_uri.hpp).
// Settings after '#' as for cameras: faults=..., seed=S.
// throws models::InputError when the file or folder does not exist, or for a bad chips: line.
std::unique_ptr<DocumentReader> open_document_reader(const std::string& uri, Clock& clock = steady_clock());

}  // namespace gatesim::devices

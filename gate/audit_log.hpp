#pragma once
// AuditLog: the lane's record of every transaction, one row each, in an SQLite file: the
// decision, the reasons, the scores, the liveness evidence and verdict, the step timings and
// the device faults (and the whole outcome as JSON); and, in a second table, incidents that
// happened after a transaction's row was written (tailgating in the passage).
//
// Where: each row names its lane, and the port and direction the lane works (LanePlace), so
// one file may serve a whole port, entry and exit lanes alike. Anti-passback
// (clearances_within) asks only for the clearances of the log's own port and direction: a
// holder cleared out of the mainland at one lane is refused by every exit lane of that port
// writing the file, and is cleared back in by its entry lanes. A row of unknown port or
// direction (written before schema 3, or by a log opened without a place) counts against
// every port and direction: the log cannot tell where that holder went, and refusing a
// traveller the officer then clears by hand is the safe mistake, letting a permit back
// across the barrier is not.
//
// Schema: PRAGMA user_version says which; opening an older log migrates it in place, in one
// transaction, without rewriting a row (1 -> 2: the liveness column, the incidents table;
// 2 -> 3: the port and direction columns, unknown (NULL) in the rows already there, as no
// earlier version recorded them anywhere, the record JSON included); a newer one is refused.
// The gate controller asks for the write before it opens the barrier, and append() returns
// only once the row is durable, so a decision that took effect is on disk.
//
// Durability: WAL journal with synchronous=FULL. In WAL mode NORMAL already survives a killed
// process, but it may lose the last commits on a power cut or OS crash, and the barrier has
// opened on them; FULL syncs the WAL on each commit, one fsync per traveller (a lane clears
// one every ~7 s), which costs nothing that matters.
//
// Privacy: no face template is ever stored. Images are stored only as files when the driver
// keeps them (--keep-images), and then the record holds their paths, never their pixels.
//
// Failure and recovery: a write that fails (disk full, read-only file system, I/O error) leaves
// nothing partial and closes the connection; so does finding, before a write, that the file
// was removed or replaced (rows would otherwise go into an unlinked inode nobody can read).
// The next append() opens the file afresh (creating it when removed) and writes if it can: a
// log that works again is used again without a restart. The lane driver turns each failure
// into a referral (no barrier opens) and says so on stderr.
//
// Thread safety: one AuditLog per thread (it holds one SQLite connection). Several processes
// may append to the same file; SQLite serialises them (busy timeout 5 s).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "devices/fault_injection.hpp"
#include "gate/sqlite_database.hpp"
#include "gate/transaction_outcome.hpp"
#include "models/crossing.hpp"

namespace gatesim::gate {

// A write the log could not make (disk full, I/O error, locked for too long).
class AuditError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IncidentRecord {
  std::int64_t id = 0;
  std::string recorded_at;
  std::string lane;
  std::uint64_t transaction = 0;
  std::string code;    // Reason::name() as recorded (a log may hold names this build does not know)
  std::string detail;
};

// Where a lane works, as its rows record it (see Where in the header).
struct LanePlace {
  std::string port;                            // the port's id ("shenzhen-bay"); "": unknown
  std::optional<models::Direction> direction;  // none: unknown
};

struct AuditRecord {
  std::int64_t id = 0;          // row id: the order records were written in
  std::string recorded_at;      // UTC wall clock, ISO 8601 with milliseconds
  std::string lane;
  LanePlace place;              // unknown in rows written before schema 3
  std::uint64_t transaction = 0;
  std::string decision;         // "cleared" or "referred"
  nlohmann::json outcome;       // to_json(TransactionOutcome)
};

class AuditLog {
 public:
  // ensures: `file` is open (created with its table when missing, migrated when older) in WAL
  //          mode with synchronous=FULL; rows are labelled with `lane` and `place` (a log that
  //          only reads, or a lane of no port, may leave the place unknown: see Where).
  // throws models::InputError naming the file when it cannot be opened or created, or when it
  //        is not an SQLite database, holds tables of something other than an audit log, or
  //        has a newer schema.
  explicit AuditLog(const std::filesystem::path& file, std::string lane = "lane", LanePlace place = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  const std::filesystem::path& file() const { return file_; }
  const LanePlace& place() const { return place_; }

  // ensures: the record is committed and synced when this returns; returns its row id.
  // throws AuditError when it could not be written (nothing partial is left behind; see
  //        Failure and recovery above).
  std::int64_t append(const TransactionOutcome& outcome);

  // ensures: every record, oldest first.
  // throws AuditError when the log cannot be read (or is closed after a failed write), or when a
  //        stored record is not valid JSON (naming its row id).
  std::vector<AuditRecord> records() const;

  // ensures: the incident is committed and synced when this returns; returns its row id.
  // throws AuditError when it could not be written.
  std::int64_t append_incident(std::uint64_t transaction, const Reason& what);
  std::vector<IncidentRecord> incidents() const;  // oldest first

  // A cleared transaction's traveller or guardian, `age` before now (by the wall clock).
  struct PastClearance {
    std::string holder_id;
    Duration age{};
    std::string transaction;  // "lane shenzhen-bay #3 at 2026-11-29T22:01:02.123Z"
  };
  // ensures: every holder cleared (as traveller or guardian) less than `window` ago in a row
  //          of any lane of this log's port and direction, or of an unknown port or direction
  //          (see Where), oldest first; a log whose own port or direction is unknown takes the
  //          rows of every port or direction.
  std::vector<PastClearance> clearances_within(Duration window) const;

  // What identifies each record, oldest first (without the JSON: cheap for a million rows).
  struct Row {
    std::int64_t id = 0;  // as AuditRecord::id
    std::string lane;
    std::uint64_t transaction = 0;
    std::string decision;
    std::string holder_id;
  };
  // ensures: the records whose id is above `after` (0: all of them).
  std::vector<Row> rows(std::int64_t after = 0) const;
  // ensures: the id of the last record written (0: none); every record appended from now on
  //          has a greater one (ids are never reused: records are never deleted).
  std::int64_t last_row_id() const;
  // ensures: SQLite's PRAGMA integrity_check: "ok", or the problems found (ending with "the
  //          check failed: ..." when SQLite could not finish it).
  std::string integrity_check() const;

  // Soak tests: before each append the injector may fail it (any injected fault is an
  // AuditError naming it; nothing is written), on `clock` for stalls. requires: `clock`
  // outlives the log.
  void inject_faults(devices::FaultPlan plan, devices::Clock& clock);
  const devices::FaultInjector* injected_faults() const { return faults_.get(); }  // null: none injected

 private:
  void open();   // throws AuditError
  void close();
  std::string direction_text() const;  // "entry", "exit", or "" when unknown
  // ensures: read()'s result; throws AuditError when the log is not open or cannot be read.
  template <class Read>
  auto read(Read&& read) const;

  std::filesystem::path file_;
  std::string lane_;
  LanePlace place_;
  sqlite::Database db_;
  dev_t device_ = 0;  // the file that is open, to notice its removal
  ino_t inode_ = 0;
  std::unique_ptr<devices::FaultInjector> faults_;
};

}  // namespace gatesim::gate

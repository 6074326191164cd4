#pragma once
// AuditLog: the lane's record of every transaction, one row each, in an SQLite file: the
// decision, the reasons, the scores, the liveness evidence and verdict, the step timings and
// the device faults (and the whole outcome as JSON); and, in a second table, incidents that
// happened after a transaction's row was written (tailgating in the passage). Lanes that
// share one file (one direction of a port) see each other's clearances (anti-passback).
//
// Schema: PRAGMA user_version says which; opening an older log migrates it in place (1 -> 2:
// the liveness column, the incidents table), a newer one is refused. The gate controller asks for the write before it opens the barrier, and
// append() returns only once the row is durable, so a decision that took effect is on disk.
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
#include <stdexcept>
#include <string>
#include <vector>

#include <memory>

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "devices/fault_injection.hpp"
#include "gate/sqlite_database.hpp"
#include "gate/transaction_outcome.hpp"

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

struct AuditRecord {
  std::int64_t id = 0;          // row id: the order records were written in
  std::string recorded_at;      // UTC wall clock, ISO 8601 with milliseconds
  std::string lane;
  std::uint64_t transaction = 0;
  std::string decision;         // "cleared" or "referred"
  nlohmann::json outcome;       // to_json(TransactionOutcome)
};

class AuditLog {
 public:
  // ensures: `file` is open (created with its table when missing) in WAL mode with
  //          synchronous=FULL; rows are labelled with `lane`.
  // throws models::InputError naming the file when it cannot be opened or created, or when it
  //        is not an SQLite database or holds tables of something other than an audit log.
  explicit AuditLog(const std::filesystem::path& file, std::string lane = "lane");
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  const std::filesystem::path& file() const { return file_; }

  // ensures: the record is committed and synced when this returns; returns its row id.
  // throws AuditError when it could not be written (nothing partial is left behind; see
  //        Failure and recovery above).
  std::int64_t append(const TransactionOutcome& outcome);

  // ensures: every record, oldest first.
  // throws AuditError when the log cannot be read (or is closed after a failed write).
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
  // ensures: every holder cleared (as traveller or guardian) in a row of any lane recorded
  //          less than `window` ago, oldest first.
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
  // ensures: read()'s result; throws AuditError when the log is not open or cannot be read.
  template <class Read>
  auto read(Read&& read) const;

  std::filesystem::path file_;
  std::string lane_;
  sqlite::Database db_;
  dev_t device_ = 0;  // the file that is open, to notice its removal
  ino_t inode_ = 0;
  std::unique_ptr<devices::FaultInjector> faults_;
};

}  // namespace gatesim::gate

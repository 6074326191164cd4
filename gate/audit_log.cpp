#include "gate/audit_log.hpp"

#include <algorithm>
#include <chrono>

#include <sys/stat.h>

#include "gate/sqlite_database.hpp"
#include "models/input_error.hpp"

namespace gatesim::gate {
namespace {

// Version 2 added the liveness column and the incidents table (a version 1 log's rows get an
// empty liveness list); version 3 the port and direction columns (NULL, unknown, in the rows
// already there). An older log is migrated in place when opened.
constexpr int kSchemaVersion = 3;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit (
  id              INTEGER PRIMARY KEY,
  recorded_at     TEXT    NOT NULL,
  lane            TEXT    NOT NULL,
  transaction_no  INTEGER NOT NULL,
  channel         TEXT    NOT NULL,
  decision        TEXT    NOT NULL CHECK (decision IN ('cleared', 'referred')),
  holder_id       TEXT    NOT NULL,
  document_number TEXT    NOT NULL,
  guardian_id     TEXT    NOT NULL,
  alarm           INTEGER NOT NULL,
  total_ms        REAL    NOT NULL,
  reasons         TEXT    NOT NULL,  -- JSON array of {code, detail}
  scores          TEXT    NOT NULL,  -- JSON array: per person, face distances and fingerprint
  timings         TEXT    NOT NULL,  -- JSON object: step -> milliseconds
  device_faults   TEXT    NOT NULL,  -- JSON array of {device, kind, what, at_ms}
  image_paths     TEXT    NOT NULL,  -- JSON array; empty unless images are kept
  record          TEXT    NOT NULL,  -- the whole outcome as JSON
  liveness        TEXT    NOT NULL DEFAULT '[]',  -- JSON array: per person checked, {role, decision, score, cues}
  port            TEXT,  -- the lane's port id; NULL: unknown (rows from before version 3)
  direction       TEXT CHECK (direction IN ('entry', 'exit'))  -- the lane's; NULL: unknown
);
CREATE INDEX IF NOT EXISTS audit_by_holder ON audit (holder_id);
)sql";

// Version 1 to 2.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE audit ADD COLUMN liveness TEXT NOT NULL DEFAULT '[]';
)sql";

// Version 2 to 3. ADD COLUMN rewrites no row: the old columns keep their bytes. No earlier
// version wrote the port or the direction anywhere (not in the record JSON either), so the
// rows already there are unknown, which anti-passback counts against both directions.
constexpr const char* kMigrateFrom2 = R"sql(
ALTER TABLE audit ADD COLUMN port TEXT;
ALTER TABLE audit ADD COLUMN direction TEXT CHECK (direction IN ('entry', 'exit'));
)sql";

// What happened after a transaction's row was written (tailgating in the passage).
constexpr const char* kIncidents = R"sql(
CREATE TABLE IF NOT EXISTS incidents (
  id              INTEGER PRIMARY KEY,
  recorded_at     TEXT    NOT NULL,
  lane            TEXT    NOT NULL,
  transaction_no  INTEGER NOT NULL,
  code            TEXT    NOT NULL,
  detail          TEXT    NOT NULL
);
)sql";

std::string upgrade(int from) {
  if (from == 0) return std::string(kSchema) + kIncidents;
  if (from == 1) return std::string(kMigrateFrom1) + kIncidents + kMigrateFrom2;
  return kMigrateFrom2;
}

// WAL with synchronous=FULL: see Durability in the header.
constexpr sqlite::FileKind kAuditLog{"audit log", kSchemaVersion, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                                     upgrade};

// A record's JSON text. An id or name that is not UTF-8 (enrolment refuses them, but a
// gallery from elsewhere may hold one) is written with U+FFFD in its place: the record must be
// written, else the lane refers everyone that id matches; holder_id keeps the exact bytes.
std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

AuditLog::AuditLog(const std::filesystem::path& file, std::string lane, LanePlace place)
    : file_(file), lane_(std::move(lane)), place_(std::move(place)) {
  try {
    open();
  } catch (const AuditError& e) {
    throw models::InputError(e.what());
  }
}

void AuditLog::open() {
  try {
    db_ = sqlite::Database(file_, kAuditLog);
  } catch (const sqlite::Error& e) {
    throw AuditError(e.what());
  }
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) {
    db_.close();
    throw AuditError(file_.string() + ": the audit log vanished as it was opened");
  }
  device_ = st.st_dev;
  inode_ = st.st_ino;
}

void AuditLog::close() { db_.close(); }

std::string AuditLog::direction_text() const {
  return place_.direction ? std::string(models::name(*place_.direction)) : std::string();
}

AuditLog::~AuditLog() { close(); }

void AuditLog::inject_faults(devices::FaultPlan plan, devices::Clock& clock) {
  faults_ = std::make_unique<devices::FaultInjector>(std::move(plan), clock, "audit log");
}

std::int64_t AuditLog::append(const TransactionOutcome& outcome) {
  if (faults_) {
    try {
      faults_->before_call();
    } catch (const devices::DeviceFault& fault) {
      throw AuditError(file_.string() + ": audit record not written: " + fault.what());
    }
  }
  // A connection that failed, or whose file was removed or replaced, is opened afresh: a removed
  // file would take rows into an unlinked inode that nobody can read. Until that works, every
  // append fails (and the lane refers).
  if (db_.is_open()) {
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0 || st.st_dev != device_ || st.st_ino != inode_) {
      close();  // the last connection to the removed file: SQLite removes its -wal and -shm by name
      throw AuditError(file_.string() + ": audit record not written: the audit log file was removed or replaced (a new "
                                        "one is started at the next record)");
    }
  }
  if (!db_.is_open()) open();
  const nlohmann::json j = to_json(outcome);
  auto liveness = nlohmann::json::array();
  for (const auto& person : j["people"])
    if (person.contains("liveness")) {
      auto entry = person["liveness"];
      entry["role"] = person["role"];
      liveness.push_back(std::move(entry));
    }
  std::string why;
  try {
    sqlite::Statement insert(db_, R"sql(
      INSERT INTO audit (recorded_at, lane, transaction_no, channel, decision, holder_id, document_number,
                         guardian_id, alarm, total_ms, reasons, scores, timings, device_faults, image_paths, record,
                         liveness, port, direction)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, nullif(?18, ''),
              nullif(?19, '')))sql");
    insert.bind_text(1, sqlite::utc_now_iso())
        .bind_text(2, lane_)
        .bind_int(3, static_cast<std::int64_t>(outcome.transaction))
        .bind_text(4, to_string(outcome.channel))
        .bind_text(5, to_string(outcome.decision))
        .bind_text(6, outcome.holder_id)
        .bind_text(7, outcome.document_number)
        .bind_text(8, outcome.guardian_id)
        .bind_int(9, outcome.alarm ? 1 : 0)
        .bind_real(10, j["total_ms"].get<double>())
        .bind_text(11, json_text(j["reasons"]))
        .bind_text(12, json_text(j["people"]))
        .bind_text(13, json_text(j["timings_ms"]))
        .bind_text(14, json_text(j["device_faults"]))
        .bind_text(15, json_text(j["image_paths"]))
        .bind_text(16, json_text(j))
        .bind_text(17, json_text(liveness))
        .bind_text(18, place_.port)
        .bind_text(19, direction_text());
    // One statement in autocommit mode is its own transaction: with synchronous=FULL the WAL
    // is synced before the step reports done.
    insert.step();
    return db_.last_insert_rowid();
  } catch (const sqlite::Error& e) {
    why = e.detail();
  }
  close();  // after a full disk or an I/O error, start from a fresh connection next time
  throw AuditError(file_.string() + ": audit record not written: " + why);
}

std::int64_t AuditLog::append_incident(std::uint64_t transaction, const Reason& what) {
  if (!db_.is_open()) open();  // after a failed write (see Failure and recovery)
  try {
    sqlite::Statement insert(db_, R"sql(
      INSERT INTO incidents (recorded_at, lane, transaction_no, code, detail) VALUES (?1, ?2, ?3, ?4, ?5))sql");
    insert.bind_text(1, sqlite::utc_now_iso())
        .bind_text(2, lane_)
        .bind_int(3, static_cast<std::int64_t>(transaction))
        .bind_text(4, what.name())
        .bind_text(5, what.detail)
        .step();
    return db_.last_insert_rowid();
  } catch (const sqlite::Error& e) {
    throw AuditError(file_.string() + ": incident not written: " + e.detail());
  }
}

template <class Read>
auto AuditLog::read(Read&& read) const {
  if (!db_.is_open())
    throw AuditError(file_.string() + ": cannot read the audit log: it is not open (the last write failed)");
  try {
    return read();
  } catch (const sqlite::Error& e) {
    throw AuditError(file_.string() + ": cannot read the audit log: " + e.detail());
  }
}

std::vector<IncidentRecord> AuditLog::incidents() const {
  return read([&] {
    sqlite::Statement select(db_, "SELECT id, recorded_at, lane, transaction_no, code, detail FROM incidents ORDER BY id");
    std::vector<IncidentRecord> out;
    while (select.step())
      out.push_back({select.integer(0), select.text(1), select.text(2), static_cast<std::uint64_t>(select.integer(3)),
                     select.text(4), select.text(5)});
    return out;
  });
}

std::vector<AuditLog::PastClearance> AuditLog::clearances_within(Duration window) const {
  return read([&] {
    // recorded_at is UTC ISO 8601, which SQLite's julianday() reads; the age is taken against
    // SQLite's own clock in the same statement.
    // A row of unknown (NULL) port or direction counts for every lane; a log of unknown place
    // ('') takes every row (see Where in the header).
    sqlite::Statement select(db_, R"sql(
      SELECT holder_id, guardian_id, lane, transaction_no, recorded_at,
             (julianday('now') - julianday(recorded_at)) * 86400.0 AS age_s
      FROM audit
      WHERE decision = 'cleared' AND age_s < ?1
        AND (port IS NULL OR ?2 = '' OR port = ?2)
        AND (direction IS NULL OR ?3 = '' OR direction = ?3)
      ORDER BY id)sql");
    select.bind_real(1, std::chrono::duration<double>(window).count())
        .bind_text(2, place_.port)
        .bind_text(3, direction_text());
    std::vector<PastClearance> out;
    while (select.step()) {
      const std::string name =
          "lane " + select.text(2) + " #" + std::to_string(select.integer(3)) + " at " + select.text(4);
      const auto age = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(std::max(0.0, select.real(5))));
      for (int column : {0, 1})
        if (const std::string holder = select.text(column); !holder.empty()) out.push_back({holder, age, name});
    }
    return out;
  });
}

std::vector<AuditRecord> AuditLog::records() const {
  return read([&] {
    sqlite::Statement select(
        db_, "SELECT id, recorded_at, lane, port, direction, transaction_no, decision, record FROM audit ORDER BY id");
    std::vector<AuditRecord> out;
    while (select.step()) {
      const std::int64_t id = select.integer(0);
      // A stored record that is not JSON (a damaged file, a hand edit) is the log's fault, not a
      // bug: an AuditError naming the row, as for any other log that cannot be read.
      nlohmann::json outcome = nlohmann::json::parse(select.text(7), nullptr, false);
      if (outcome.is_discarded())
        throw AuditError(file_.string() + ": cannot read the audit log: row " + std::to_string(id) +
                         ": its record is not valid JSON");
      out.push_back({id, select.text(1), select.text(2), LanePlace{select.text(3), models::parse_direction(select.text(4))},
                     static_cast<std::uint64_t>(select.integer(5)), select.text(6), std::move(outcome)});
    }
    return out;
  });
}

std::vector<AuditLog::Row> AuditLog::rows(std::int64_t after) const {
  return read([&] {
    sqlite::Statement select(db_, "SELECT id, lane, transaction_no, decision, holder_id FROM audit WHERE id > ? ORDER BY id");
    select.bind_int(1, after);
    std::vector<Row> out;
    while (select.step())
      out.push_back({select.integer(0), select.text(1), static_cast<std::uint64_t>(select.integer(2)), select.text(3),
                     select.text(4)});
    return out;
  });
}

std::int64_t AuditLog::last_row_id() const {
  return read([&] {
    sqlite::Statement select(db_, "SELECT coalesce(max(id), 0) FROM audit");
    select.step();
    return select.integer(0);
  });
}

std::string AuditLog::integrity_check() const {
  return read([&] {
    sqlite::Statement check(db_, "PRAGMA integrity_check");
    std::string result;
    // A check that could not run to its end (a corrupt header, an I/O error) is its own
    // finding, never a shorter list of problems (or "ok" read before the error).
    try {
      while (check.step()) result += (result.empty() ? "" : "; ") + check.text(0);
    } catch (const sqlite::Error& e) {
      result += (result.empty() ? "" : "; ") + std::string("the check failed: ") + e.detail();
    }
    return result;
  });
}

}  // namespace gatesim::gate

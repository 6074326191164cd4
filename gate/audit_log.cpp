#include "gate/audit_log.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <sys/stat.h>

#include <sqlite3.h>

#include "models/input_error.hpp"

namespace gatesim::gate {
namespace {

// Version 2 added the liveness column and the incidents table; a version 1 log is migrated
// in place when opened (its rows get an empty liveness list).
constexpr int kSchemaVersion = 2;

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
  device_faults   TEXT    NOT NULL,  -- JSON array of {device, what, at_ms}
  image_paths     TEXT    NOT NULL,  -- JSON array; empty unless images are kept
  record          TEXT    NOT NULL,  -- the whole outcome as JSON
  liveness        TEXT    NOT NULL DEFAULT '[]'  -- JSON array: per person checked, {role, decision, score, cues}
);
CREATE INDEX IF NOT EXISTS audit_by_holder ON audit (holder_id);
)sql";

// Version 1 to 2.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE audit ADD COLUMN liveness TEXT NOT NULL DEFAULT '[]';
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

std::string utc_now_iso() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return text;
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) throw AuditError(sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }
  void finalize() {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
  void bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? reinterpret_cast<const char*>(p) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A record's JSON text. An id or name that is not UTF-8 (enrolment refuses them, but a
// gallery from elsewhere may hold one) is written with U+FFFD in its place: the record must be
// written, else the lane refers everyone that id matches; holder_id keeps the exact bytes.
std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

AuditLog::AuditLog(const std::filesystem::path& file, std::string lane) : file_(file), lane_(std::move(lane)) {
  try {
    open();
  } catch (const AuditError& e) {
    throw models::InputError(e.what());
  }
}

void AuditLog::open() {
  auto fail = [&](const std::string& what) {
    const std::string message = file_.string() + ": " + what;
    sqlite3_close(db_);
    db_ = nullptr;
    throw AuditError(message);
  };
  if (sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    fail(std::string("cannot open the audit log: ") + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  sqlite3_busy_timeout(db_, 5000);
  auto exec = [&](const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      fail(std::string("not a usable audit log: ") + sqlite3_errmsg(db_));
  };
  // Reading the version first also proves the file is an SQLite database.
  int version = 0;
  {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr) != SQLITE_OK)
      fail(std::string("not an SQLite database: ") + sqlite3_errmsg(db_));
    if (sqlite3_step(stmt) == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
  }
  if (version < 0 || version > kSchemaVersion)
    fail("audit log schema version " + std::to_string(version) + ", expected at most " + std::to_string(kSchemaVersion));
  if (version == 0) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT count(*) FROM sqlite_schema", -1, &stmt, nullptr);
    const bool empty = stmt && sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) == 0;
    sqlite3_finalize(stmt);
    if (!empty) fail("an SQLite database that is not a gatesim audit log");
  }
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  // One transaction: a migration is whole or not at all. Re-reading the version inside it
  // keeps two processes opening one old log from migrating it twice.
  exec("BEGIN IMMEDIATE");
  {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr);
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
  }
  std::string sql = kSchema;
  if (version == 1) sql = kMigrateFrom1;
  if (version == kSchemaVersion) sql.clear();
  exec(sql + kIncidents + "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";COMMIT;");
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) fail("the audit log vanished as it was opened");
  device_ = st.st_dev;
  inode_ = st.st_ino;
}

void AuditLog::close() {
  sqlite3_close(db_);
  db_ = nullptr;
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
  if (db_) {
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0 || st.st_dev != device_ || st.st_ino != inode_) {
      close();  // the last connection to the removed file: SQLite removes its -wal and -shm by name
      throw AuditError(file_.string() + ": audit record not written: the audit log file was removed or replaced (a new "
                                        "one is started at the next record)");
    }
  }
  if (!db_) open();
  const nlohmann::json j = to_json(outcome);
  Statement insert(db_, R"sql(
    INSERT INTO audit (recorded_at, lane, transaction_no, channel, decision, holder_id, document_number,
                       guardian_id, alarm, total_ms, reasons, scores, timings, device_faults, image_paths, record,
                       liveness)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17))sql");
  insert.bind(1, utc_now_iso());
  insert.bind(2, lane_);
  sqlite3_bind_int64(insert.get(), 3, static_cast<sqlite3_int64>(outcome.transaction));
  insert.bind(4, to_string(outcome.channel));
  insert.bind(5, to_string(outcome.decision));
  insert.bind(6, outcome.holder_id);
  insert.bind(7, outcome.document_number);
  insert.bind(8, outcome.guardian_id);
  sqlite3_bind_int(insert.get(), 9, outcome.alarm ? 1 : 0);
  sqlite3_bind_double(insert.get(), 10, j["total_ms"].get<double>());
  insert.bind(11, json_text(j["reasons"]));
  insert.bind(12, json_text(j["people"]));
  insert.bind(13, json_text(j["timings_ms"]));
  insert.bind(14, json_text(j["device_faults"]));
  insert.bind(15, json_text(j["image_paths"]));
  insert.bind(16, json_text(j));
  auto liveness = nlohmann::json::array();
  for (const auto& person : j["people"])
    if (person.contains("liveness")) {
      auto entry = person["liveness"];
      entry["role"] = person["role"];
      liveness.push_back(std::move(entry));
    }
  insert.bind(17, json_text(liveness));
  // One statement in autocommit mode is its own transaction: with synchronous=FULL the WAL is
  // synced before sqlite3_step reports SQLITE_DONE.
  if (sqlite3_step(insert.get()) != SQLITE_DONE) {
    const std::string why = sqlite3_errmsg(db_);
    insert.finalize();  // before the connection closes (an open statement keeps it open)
    close();      // after a full disk or an I/O error, start from a fresh connection next time
    throw AuditError(file_.string() + ": audit record not written: " + why);
  }
  return sqlite3_last_insert_rowid(db_);
}

std::int64_t AuditLog::append_incident(std::uint64_t transaction, const Reason& what) {
  if (!db_) open();  // after a failed write (see Failure and recovery)
  Statement insert(db_, R"sql(
    INSERT INTO incidents (recorded_at, lane, transaction_no, code, detail) VALUES (?1, ?2, ?3, ?4, ?5))sql");
  insert.bind(1, utc_now_iso());
  insert.bind(2, lane_);
  sqlite3_bind_int64(insert.get(), 3, static_cast<sqlite3_int64>(transaction));
  insert.bind(4, what.code);
  insert.bind(5, what.detail);
  if (sqlite3_step(insert.get()) != SQLITE_DONE)
    throw AuditError(file_.string() + ": incident not written: " + sqlite3_errmsg(db_));
  return sqlite3_last_insert_rowid(db_);
}

std::vector<IncidentRecord> AuditLog::incidents() const {
  Statement select(db_, "SELECT id, recorded_at, lane, transaction_no, code, detail FROM incidents ORDER BY id");
  std::vector<IncidentRecord> out;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(select.get(), 0), select.text(1), select.text(2),
                   static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 3)), {select.text(4), select.text(5)}});
  if (rc != SQLITE_DONE) throw AuditError(file_.string() + ": cannot read the incidents: " + sqlite3_errmsg(db_));
  return out;
}

std::vector<AuditLog::PastClearance> AuditLog::clearances_within(Duration window) const {
  // recorded_at is UTC ISO 8601, which SQLite's julianday() reads; the age is taken against
  // SQLite's own clock in the same statement.
  Statement select(db_, R"sql(
    SELECT holder_id, guardian_id, lane, transaction_no, recorded_at,
           (julianday('now') - julianday(recorded_at)) * 86400.0 AS age_s
    FROM audit WHERE decision = 'cleared' AND age_s < ?1 ORDER BY id)sql");
  sqlite3_bind_double(select.get(), 1, std::chrono::duration<double>(window).count());
  std::vector<PastClearance> out;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    const std::string name = "lane " + select.text(2) + " #" + std::to_string(sqlite3_column_int64(select.get(), 3)) +
                             " at " + select.text(4);
    const auto age = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
        std::max(0.0, sqlite3_column_double(select.get(), 5))));
    for (int column : {0, 1})
      if (const std::string holder = select.text(column); !holder.empty()) out.push_back({holder, age, name});
  }
  if (rc != SQLITE_DONE) throw AuditError(file_.string() + ": cannot read the clearances: " + sqlite3_errmsg(db_));
  return out;
}

std::vector<AuditRecord> AuditLog::records() const {
  if (!db_) throw AuditError(file_.string() + ": cannot read the audit log: it is not open (the last write failed)");
  Statement select(db_, "SELECT id, recorded_at, lane, transaction_no, decision, record FROM audit ORDER BY id");
  std::vector<AuditRecord> out;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    out.push_back({sqlite3_column_int64(select.get(), 0), select.text(1), select.text(2),
                   static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 3)), select.text(4),
                   nlohmann::json::parse(select.text(5))});
  }
  if (rc != SQLITE_DONE) throw AuditError(file_.string() + ": cannot read the audit log: " + sqlite3_errmsg(db_));
  return out;
}

}  // namespace gatesim::gate

namespace gatesim::gate {

std::vector<AuditLog::Row> AuditLog::rows(std::int64_t after) const {
  if (!db_) throw AuditError(file_.string() + ": cannot read the audit log: it is not open (the last write failed)");
  Statement select(db_, "SELECT id, lane, transaction_no, decision, holder_id FROM audit WHERE id > ? ORDER BY id");
  sqlite3_bind_int64(select.get(), 1, after);
  std::vector<Row> out;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(select.get(), 0), select.text(1),
                   static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 2)), select.text(3), select.text(4)});
  if (rc != SQLITE_DONE) throw AuditError(file_.string() + ": cannot read the audit log: " + sqlite3_errmsg(db_));
  return out;
}

std::int64_t AuditLog::last_row_id() const {
  if (!db_) throw AuditError(file_.string() + ": cannot read the audit log: it is not open (the last write failed)");
  Statement select(db_, "SELECT coalesce(max(id), 0) FROM audit");
  if (sqlite3_step(select.get()) != SQLITE_ROW)
    throw AuditError(file_.string() + ": cannot read the audit log: " + sqlite3_errmsg(db_));
  return sqlite3_column_int64(select.get(), 0);
}

std::string AuditLog::integrity_check() const {
  if (!db_) throw AuditError(file_.string() + ": cannot check the audit log: it is not open");
  Statement check(db_, "PRAGMA integrity_check");
  std::string result;
  int rc;
  while ((rc = sqlite3_step(check.get())) == SQLITE_ROW) result += (result.empty() ? "" : "; ") + check.text(0);
  // A check that could not run to its end (a corrupt header, an I/O error) is its own finding,
  // never a shorter list of problems (or "ok" read before the error).
  if (rc != SQLITE_DONE)
    return (result.empty() ? "" : result + "; ") + "the check failed: " + sqlite3_errmsg(db_);
  return result;
}

}  // namespace gatesim::gate

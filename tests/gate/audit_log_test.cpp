// The audit log on real SQLite files, including a child process killed with SIGKILL.
#include "gate/audit_log.hpp"

#include <csignal>
#include <fstream>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/input_error.hpp"

namespace gatesim::gate {
namespace {

using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gatesim-audit-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

TransactionOutcome decided(std::uint64_t transaction, Decision decision) {
  TransactionOutcome o;
  o.transaction = transaction;
  o.started_at = 1s * transaction;
  o.decided_at = o.started_at + 6500ms;
  o.decision = decision;
  o.holder_id = "H" + std::to_string(transaction);
  o.document_number = "C" + std::to_string(transaction);
  PersonEvidence p;
  p.holder_id = o.holder_id;
  p.frames = 3;
  p.distance = 0.42;
  p.face_passed = decision == Decision::cleared;
  o.people.push_back(p);
  if (decision == Decision::referred) {
    o.reasons.push_back(Reason::fault(Device::camera, "camera unplugged"));
    o.device_faults.push_back({Device::camera, devices::FaultKind::disconnected, "camera unplugged", o.started_at + 2s});
  }
  o.timings = {{Step::read_document, Role::traveller, 1200ms}, {Step::check_policy, Role::traveller, 3ms}, {Step::face, Role::traveller, 2100ms}};
  return o;
}

std::string pragma(const std::filesystem::path& file, const std::string& name) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, ("PRAGMA " + name).c_str(), -1, &stmt, nullptr);
  std::string value;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST(AuditLog, StoresDecisionReasonsScoresTimingsAndFaults) {
  TempDir dir;
  {
    AuditLog log(dir / "audit.db", "shenzhen-bay/1");
    EXPECT_EQ(log.append(decided(1, Decision::cleared)), 1);
    EXPECT_EQ(log.append(decided(2, Decision::referred)), 2);
  }
  AuditLog reopened(dir / "audit.db");
  const auto records = reopened.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].lane, "shenzhen-bay/1");
  EXPECT_EQ(records[0].decision, "cleared");
  EXPECT_EQ(records[0].transaction, 1u);
  EXPECT_EQ(records[0].recorded_at.size(), std::string("2025-11-20T08:00:00.000Z").size());
  const auto& referred = records[1].outcome;
  EXPECT_EQ(records[1].decision, "referred");
  EXPECT_EQ(referred["reasons"][0]["code"], "device.camera");
  EXPECT_EQ(referred["device_faults"][0]["device"], "camera");
  EXPECT_EQ(referred["device_faults"][0]["kind"], "disconnected");
  EXPECT_DOUBLE_EQ(referred["people"][0]["distance"].get<double>(), 0.42);
  EXPECT_DOUBLE_EQ(referred["timings_ms"]["face"].get<double>(), 2100.0);
  EXPECT_DOUBLE_EQ(referred["total_ms"].get<double>(), 6500.0);
  EXPECT_TRUE(referred["image_paths"].empty()) << "no images unless the driver keeps them";
}

// A gallery enrolled elsewhere may hold an id that is not UTF-8: the record is still written
// (else every traveller matching it would be referred for a full audit log), the id column
// keeps its bytes and the JSON columns carry U+FFFD in their place.
TEST(AuditLog, WritesARecordWhoseHolderIdIsNotUtf8) {
  TempDir dir;
  auto outcome = decided(1, Decision::cleared);
  outcome.holder_id = outcome.people[0].holder_id = "H\xFF";
  {
    AuditLog log(dir / "audit.db", "luohu/1");
    EXPECT_EQ(log.append(outcome), 1);
  }
  const auto records = AuditLog(dir / "audit.db").records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome["people"][0]["holder_id"], "H\xEF\xBF\xBD");
}

TEST(AuditLog, ACorruptStoredRecordIsAnAuditErrorNamingItsRow) {
  TempDir dir;
  AuditLog log(dir / "audit.db", "luohu/1");
  log.append(decided(1, Decision::cleared));
  log.append(decided(2, Decision::referred));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "audit.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE audit SET record = '{\"transaction\": 2' WHERE id = 2", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    log.records();
    FAIL() << "a corrupt record was read";
  } catch (const AuditError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("audit.db"), std::string::npos) << what;
    EXPECT_NE(what.find("row 2"), std::string::npos) << what;
    EXPECT_NE(what.find("not valid JSON"), std::string::npos) << what;
  }
}

TEST(AuditLog, CreatesAWalDatabaseWithItsSchemaVersion) {
  TempDir dir;
  AuditLog log(dir / "audit.db");
  log.append(decided(1, Decision::cleared));
  EXPECT_EQ(pragma(dir / "audit.db", "journal_mode"), "wal");
  EXPECT_EQ(pragma(dir / "audit.db", "user_version"), "3");
}

std::string query(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  std::string value;
  if (stmt && sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

// A log written by the version 1 schema (no liveness column, no incidents table), as the
// previous release created it.
void write_version_1_log(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  const char* sql = R"sql(
    CREATE TABLE audit (
      id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, lane TEXT NOT NULL, transaction_no INTEGER NOT NULL,
      channel TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision IN ('cleared', 'referred')),
      holder_id TEXT NOT NULL, document_number TEXT NOT NULL, guardian_id TEXT NOT NULL, alarm INTEGER NOT NULL,
      total_ms REAL NOT NULL, reasons TEXT NOT NULL, scores TEXT NOT NULL, timings TEXT NOT NULL,
      device_faults TEXT NOT NULL, image_paths TEXT NOT NULL, record TEXT NOT NULL);
    CREATE INDEX audit_by_holder ON audit (holder_id);
    INSERT INTO audit VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-120 seconds'), 'old', 7, 'document',
      'cleared', 'H7', 'C7', 'G7', 0, 6500, '[]', '[]', '{}', '[]', '[]', '{"transaction":7}');
    INSERT INTO audit VALUES (2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 hours'), 'old', 8, 'document',
      'cleared', 'H8', 'C8', '', 0, 6500, '[]', '[]', '{}', '[]', '[]', '{"transaction":8}');
    PRAGMA user_version = 1;)sql";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(AuditLog, MigratesAVersion1LogKeepingItsRows) {
  TempDir dir;
  write_version_1_log(dir / "audit.db");
  {
    AuditLog log(dir / "audit.db", "new");
    EXPECT_EQ(log.records().size(), 2u);
    log.append(decided(9, Decision::cleared));
    log.append_incident(9, {gate::ReasonCode::passage_tailgating, "2 people went through the passage, 1 cleared (H9)"});
  }
  EXPECT_EQ(pragma(dir / "audit.db", "user_version"), "3");
  EXPECT_EQ(query(dir / "audit.db", "SELECT liveness FROM audit WHERE id = 1"), "[]");
  EXPECT_EQ(query(dir / "audit.db", "SELECT typeof(port) || ' ' || typeof(direction) FROM audit WHERE id = 1"),
            "null null");
  AuditLog reopened(dir / "audit.db");  // a migrated log opens again as it is
  ASSERT_EQ(reopened.records().size(), 3u);
  EXPECT_EQ(reopened.records()[0].transaction, 7u);
  ASSERT_EQ(reopened.incidents().size(), 1u);
  EXPECT_EQ(reopened.incidents()[0].transaction, 9u);
  EXPECT_EQ(reopened.incidents()[0].lane, "new");
  EXPECT_EQ(reopened.incidents()[0].code, "passage.tailgating");
}

// A log written by the version 2 schema (liveness column and incidents table; no port, no
// direction), as the previous release created it: H7 (with guardian G7) cleared two minutes
// ago, H8 a minute ago in a row whose record JSON is cut short, an incident.
void write_version_2_log(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  const char* sql = R"sql(
    CREATE TABLE audit (
      id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, lane TEXT NOT NULL, transaction_no INTEGER NOT NULL,
      channel TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision IN ('cleared', 'referred')),
      holder_id TEXT NOT NULL, document_number TEXT NOT NULL, guardian_id TEXT NOT NULL, alarm INTEGER NOT NULL,
      total_ms REAL NOT NULL, reasons TEXT NOT NULL, scores TEXT NOT NULL, timings TEXT NOT NULL,
      device_faults TEXT NOT NULL, image_paths TEXT NOT NULL, record TEXT NOT NULL,
      liveness TEXT NOT NULL DEFAULT '[]');
    CREATE INDEX audit_by_holder ON audit (holder_id);
    CREATE TABLE incidents (id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, lane TEXT NOT NULL,
      transaction_no INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL);
    INSERT INTO audit VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-120 seconds'), 'shenzhen-bay', 7,
      'document', 'cleared', 'H7', 'C7', 'G7', 0, 6512.25, '[]', '[{"role":"traveller","distance":0.41}]',
      '{"face":2100.5}', '[]', '[]', '{"transaction":7,"decision":"cleared"}',
      '[{"role":"traveller","decision":"live","score":1.2}]');
    INSERT INTO audit VALUES (2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 seconds'), 'shenzhen-bay', 8,
      'document_free', 'cleared', 'H8', '', '', 1, 7000, '[]', '[]', '{}', '[]', '["k/8.jpg"]',
      '{"transaction":8,"port":', '[]');
    INSERT INTO incidents VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-59 seconds'), 'shenzhen-bay', 8,
      'passage.tailgating', '2 people went through the passage, 1 cleared (H8)');
    PRAGMA user_version = 2;)sql";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// Every row of a table as stored: each column's type and bytes (hex), one line per row.
std::vector<std::string> stored_rows(const std::filesystem::path& file, const std::string& table,
                                     const std::vector<std::string>& columns) {
  std::string select = "SELECT ";
  for (std::size_t i = 0; i < columns.size(); ++i)
    select += (i ? " || ' ' || " : "") + ("typeof(" + columns[i] + ") || ':' || hex(" + columns[i] + ")");
  select += " FROM " + table + " ORDER BY id";
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, select.c_str(), -1, &stmt, nullptr);
  std::vector<std::string> rows;
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW) rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

const std::vector<std::string> kVersion2AuditColumns{
    "id",         "recorded_at", "lane",    "transaction_no", "channel", "decision",      "holder_id",
    "document_number", "guardian_id", "alarm", "total_ms", "reasons", "scores", "timings", "device_faults",
    "image_paths", "record", "liveness"};
const std::vector<std::string> kIncidentColumns{"id", "recorded_at", "lane", "transaction_no", "code", "detail"};

// Migration to version 3 adds the port and direction, unknown in the rows already there, and
// changes no byte of theirs; a record whose JSON is cut short does not stop it.
TEST(AuditLog, MigratesAVersion2LogKeepingEveryColumnOfItsRows) {
  TempDir dir;
  const auto file = dir / "audit.db";
  write_version_2_log(file);
  const auto audit_before = stored_rows(file, "audit", kVersion2AuditColumns);
  const auto incidents_before = stored_rows(file, "incidents", kIncidentColumns);
  ASSERT_EQ(audit_before.size(), 2u);
  ASSERT_EQ(incidents_before.size(), 1u);
  {
    AuditLog log(file, "exit-1", {"shenzhen-bay", models::Direction::exit});
    EXPECT_EQ(pragma(file, "user_version"), "3");
    EXPECT_EQ(stored_rows(file, "audit", kVersion2AuditColumns), audit_before);
    EXPECT_EQ(stored_rows(file, "incidents", kIncidentColumns), incidents_before);
    EXPECT_EQ(stored_rows(file, "audit", {"port", "direction"}), (std::vector<std::string>{"null: null:", "null: null:"}));
    // The unknown rows count for this exit lane (H7, G7 and H8), and it writes its own place.
    const auto recent = log.clearances_within(10min);
    ASSERT_EQ(recent.size(), 3u);
    EXPECT_EQ(recent[2].holder_id, "H8");
    log.append(decided(9, Decision::cleared));
  }
  EXPECT_EQ(query(file, "SELECT port || ' ' || direction FROM audit WHERE id = 3"), "shenzhen-bay exit");
  EXPECT_EQ(stored_rows(file, "audit", kVersion2AuditColumns).at(1), audit_before[1]);
  EXPECT_EQ(pragma(file, "integrity_check"), "ok");
}

// One file for a whole port: a lane asks only for its own port and direction's clearances (and
// for those of unknown place), so a holder cleared out is refused by the other exit lanes and
// cleared back in by the entry lanes.
TEST(AuditLog, ClearancesAreThoseOfTheLanesPortAndDirection) {
  TempDir dir;
  const auto file = dir / "audit.db";
  AuditLog exit_1(file, "exit-1", {"shenzhen-bay", models::Direction::exit});
  AuditLog exit_2(file, "exit-2", {"shenzhen-bay", models::Direction::exit});
  AuditLog entry_1(file, "entry-1", {"shenzhen-bay", models::Direction::entry});
  AuditLog luohu_exit(file, "luohu-1", {"luohu", models::Direction::exit});
  AuditLog unplaced(file, "soak");  // a lane of no port: its rows are of unknown place
  exit_1.append(decided(1, Decision::cleared));
  entry_1.append(decided(2, Decision::cleared));

  const auto seen_by_exit = exit_2.clearances_within(10min);
  ASSERT_EQ(seen_by_exit.size(), 1u);
  EXPECT_EQ(seen_by_exit[0].holder_id, "H1");
  EXPECT_NE(seen_by_exit[0].transaction.find("lane exit-1 #1 at "), std::string::npos) << seen_by_exit[0].transaction;
  const auto seen_by_entry = entry_1.clearances_within(10min);
  ASSERT_EQ(seen_by_entry.size(), 1u);
  EXPECT_EQ(seen_by_entry[0].holder_id, "H2");
  EXPECT_TRUE(luohu_exit.clearances_within(10min).empty()) << "another port's lanes";
  EXPECT_EQ(unplaced.clearances_within(10min).size(), 2u) << "a log of unknown place sees every row";

  unplaced.append(decided(3, Decision::cleared));
  for (const AuditLog* log : {&exit_2, &entry_1, &luohu_exit}) {
    const auto seen = log->clearances_within(10min);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().holder_id, "H3") << "a row of unknown place counts for " << log->place().port;
  }

  const auto records = unplaced.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].place.port, "shenzhen-bay");
  EXPECT_EQ(records[0].place.direction, models::Direction::exit);
  EXPECT_EQ(records[1].place.direction, models::Direction::entry);
  EXPECT_EQ(records[2].place.port, "");
  EXPECT_EQ(records[2].place.direction, std::nullopt);
}

TEST(AuditLog, RefusesANewerSchema) {
  TempDir dir;
  { AuditLog log(dir / "audit.db"); }
  query(dir / "audit.db", "PRAGMA user_version = 4");
  try {
    AuditLog log(dir / "audit.db");
    FAIL() << "opened a newer schema";
  } catch (const models::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 4, this gatesim reads versions up to 3"), std::string::npos)
        << e.what();
  }
}

TEST(AuditLog, StoresTheLivenessOfEachPersonChecked) {
  TempDir dir;
  AuditLog log(dir / "audit.db");
  TransactionOutcome o = decided(1, Decision::referred);
  o.reasons = {{ReasonCode::face_liveness, "attack: passive 0.12 < 0.75"}};
  biometrics::LivenessEvidence evidence;
  evidence.verdict = biometrics::LivenessVerdict::attack;
  evidence.cue = biometrics::LivenessCue::passive;
  evidence.value = 0.12;
  evidence.threshold = 0.75;
  evidence.frames = 9;
  evidence.passive = 0.12;
  evidence.temporal = 0.05;
  o.people[0].liveness = evidence;
  log.append(o);
  const auto stored = nlohmann::json::parse(query(dir / "audit.db", "SELECT liveness FROM audit"));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["role"], "traveller");
  EXPECT_EQ(stored[0]["decision"], "attack");
  EXPECT_DOUBLE_EQ(stored[0]["score"].get<double>(), 0.12 / 0.75);
  EXPECT_EQ(stored[0]["cue"], "passive");
  EXPECT_EQ(stored[0]["cues"][1]["cue"], "temporal");
  EXPECT_EQ(stored[0]["cues"][1]["frames"], 9);
  EXPECT_EQ(log.records()[0].outcome["people"][0]["liveness"]["decision"], "attack");
}

TEST(AuditLog, ClearancesWithinAWindowNameTheirTransaction) {
  TempDir dir;
  write_version_1_log(dir / "audit.db");
  AuditLog log(dir / "audit.db", "shenzhen-bay");
  log.append(decided(1, Decision::cleared));
  log.append(decided(2, Decision::referred));
  const auto recent = log.clearances_within(10min);
  ASSERT_EQ(recent.size(), 3u);  // H7 and guardian G7 two minutes ago, H1 now; not H8 (3 h), not H2 (referred)
  EXPECT_EQ(recent[0].holder_id, "H7");
  EXPECT_EQ(recent[1].holder_id, "G7");
  EXPECT_NEAR(std::chrono::duration<double>(recent[0].age).count(), 120, 30);
  EXPECT_NE(recent[0].transaction.find("lane old #7 at "), std::string::npos) << recent[0].transaction;
  EXPECT_EQ(recent[2].holder_id, "H1");
  EXPECT_LT(recent[2].age, 30s);
  EXPECT_EQ(log.clearances_within(4h).size(), 4u);
}

TEST(AuditLog, RefusesAFileThatIsNotAnAuditLog) {
  TempDir dir;
  {
    std::ofstream text(dir / "notes.txt");
    text << "this is not a database, it is a shopping list: eggs, milk, bread, and more text\n";
  }
  try {
    AuditLog log(dir / "notes.txt");
    FAIL() << "opened a text file";
  } catch (const models::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("notes.txt"), std::string::npos) << e.what();
  }
  sqlite3* other = nullptr;
  sqlite3_open((dir / "other.db").c_str(), &other);
  sqlite3_exec(other, "CREATE TABLE people (name TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_THROW(AuditLog(dir / "other.db"), models::InputError);
  EXPECT_THROW(AuditLog(dir / "no-such-folder" / "audit.db"), models::InputError);
}

// A check SQLite cannot finish (a page of the audit table overwritten with zeros: "database disk
// image is malformed" while stepping) says so, never only the rows read before the error.
TEST(AuditLog, AnIntegrityCheckThatCannotFinishSaysSo) {
  TempDir dir;
  const auto file = dir / "audit.db";
  {
    AuditLog log(file);
    for (std::uint64_t t = 1; t <= 400; ++t) log.append(decided(t, t % 3 ? Decision::cleared : Decision::referred));
    EXPECT_EQ(log.integrity_check(), "ok");
  }
  // The page after the audit table's root: one of its leaves (rows are appended in order).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master WHERE name = 'audit'",
                     -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const std::int64_t root = sqlite3_column_int64(stmt, 0), page_size = sqlite3_column_int64(stmt, 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  {
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(root * page_size);  // page root + 1 (pages count from 1)
    const std::string zeros(static_cast<std::size_t>(page_size), '\0');
    out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    ASSERT_TRUE(out.good());
  }
  AuditLog log(file);
  const std::string result = log.integrity_check();
  EXPECT_NE(result, "ok");
  EXPECT_NE(result.find("the check failed: database disk image is malformed"), std::string::npos) << result;
}

// A child process appends decided transactions and reports each one on a pipe as soon as
// append() returns (that is when the driver would open the barrier). The parent kills it with
// SIGKILL after a random number of reports, while it is in the middle of further appends; every
// transaction reported must be in the reopened log.
TEST(AuditLog, KilledWriterLosesNoReportedTransaction) {
  std::mt19937 rng(20251120);
  for (int round = 0; round < 4; ++round) {
    TempDir dir;
    const auto file = dir / "audit.db";
    AuditLog(file).append(decided(0, Decision::referred));  // a log that already has history
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(report[0]);
      try {
        AuditLog log(file);
        for (std::uint64_t t = 1; t < 1'000'000; ++t) {
          log.append(decided(t, t % 3 ? Decision::cleared : Decision::referred));
          if (::write(report[1], &t, sizeof t) != sizeof t) ::_exit(3);
        }
      } catch (...) {
        ::_exit(4);
      }
      ::_exit(0);
    }
    ::close(report[1]);
    const std::uint64_t kill_after = std::uniform_int_distribution<std::uint64_t>(1, 60)(rng);
    std::set<std::uint64_t> reported;
    std::uint64_t t = 0;
    while (reported.size() < kill_after && ::read(report[0], &t, sizeof t) == sizeof t) reported.insert(t);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    while (::read(report[0], &t, sizeof t) == sizeof t) reported.insert(t);  // sent before it died
    ::close(report[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer ended on its own: " << status;

    AuditLog reopened(file);
    std::set<std::uint64_t> stored;
    for (const auto& r : reopened.records()) {
      stored.insert(r.transaction);
      EXPECT_EQ(r.decision, r.transaction % 3 ? "cleared" : "referred");
    }
    ASSERT_GE(reported.size(), kill_after);
    for (auto id : reported) EXPECT_TRUE(stored.contains(id)) << "round " << round << ": transaction " << id << " lost";
    EXPECT_EQ(pragma(file, "integrity_check"), "ok");
  }
}

}  // namespace
}  // namespace gatesim::gate

#include "gate/sqlite_database.hpp"

#include <cassert>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include <sqlite3.h>

namespace gatesim::gate::sqlite {

Database::Database(const std::filesystem::path& file, const FileKind& kind) : file_(file) {
  assert(kind.version >= 1 && kind.upgrade);
  const std::string name = kind.name;
  auto refuse = [&](const std::string& what) {
    close();
    throw Error(file_.string() + ": " + what, what);
  };
  auto message = [&] { return std::string(db_ ? sqlite3_errmsg(db_) : "out of memory"); };
  if (sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    refuse("cannot open the " + name + ": " + message());
  sqlite3_busy_timeout(db_, 5000);
  auto read_int = [&](const char* sql, int& value) {
    sqlite3_stmt* stmt = nullptr;
    const bool read = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW;
    if (read) value = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return read;
  };
  int version = 0;
  if (!read_int("PRAGMA user_version", version)) refuse("not an SQLite database (" + message() + ")");
  if (version < 0 || version > kind.version)
    refuse(name + " schema version " + std::to_string(version) + ", this gatesim reads versions up to " +
           std::to_string(kind.version));
  if (version == 0) {
    int objects = 0;
    if (!read_int("SELECT count(*) FROM sqlite_schema", objects)) refuse("not an SQLite database (" + message() + ")");
    if (objects != 0) refuse("an SQLite database that is not a gatesim " + name);
  }
  auto run = [&](const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      refuse("not a usable " + name + ": " + message());
  };
  run(kind.pragmas);
  run("BEGIN IMMEDIATE");
  if (!read_int("PRAGMA user_version", version)) refuse("not a usable " + name + ": " + message());
  if (version < kind.version)
    run(kind.upgrade(version) + ";PRAGMA user_version=" + std::to_string(kind.version) + ";");
  run("COMMIT");  // close() in refuse() rolls an unfinished migration back
}

Database::~Database() { close(); }

Database::Database(Database&& other) noexcept
    : file_(std::move(other.file_)), db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    file_ = std::move(other.file_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

void Database::close() {
  assert((!db_ || !sqlite3_next_stmt(db_, nullptr)) && "Database::close: no Statement of it is alive");
  // close_v2: were a Statement still alive (a broken requirement in a release build), plain
  // close would fail with SQLITE_BUSY and leak the connection; v2 frees it with the last one.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Database::exec(const std::string& sql) {
  assert(is_open());
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail("cannot run " + sql);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(handle()); }

int Database::changes() const { return sqlite3_changes(handle()); }

sqlite3* Database::handle() const {
  assert(is_open());
  return db_;
}

void Database::fail(const std::string& what) const {
  const std::string detail = db_ ? sqlite3_errmsg(db_) : "the database is not open";
  throw Error(file_.string() + ": " + what + ": " + detail, detail);
}

Statement::Statement(const Database& db, const char* sql) : db_(&db) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    db.fail("cannot prepare a statement");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind_text(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_int(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value));
  return *this;
}

Statement& Statement::bind_real(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::byte> bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(sqlite3_stmt_readonly(stmt_) ? "cannot read" : "cannot write");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::span<const std::byte> Statement::blob(int column) const {
  const auto* p = static_cast<const std::byte*>(sqlite3_column_blob(stmt_, column));
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!committed_ && db_.is_open()) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  committed_ = true;
}

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

}  // namespace gatesim::gate::sqlite

#pragma once
// The one SQLite layer under gatesim's files (the audit log and the enrolment store): a
// connection that opens a versioned gatesim file, one statement wrapper, one transaction
// guard, one error type and one time format. The files' own classes say what they hold; this
// says how every one of them is opened, read and written.
//
// Opening a file of a FileKind: the first read (PRAGMA user_version) proves it is an SQLite
// database; a version newer than the kind's is refused, and so is a version-0 file that
// already holds tables (somebody else's database); the kind's pragmas are set (journal mode,
// synchronous); then, in one BEGIN IMMEDIATE transaction, the version is read again (two
// processes opening one old file must not migrate it twice), the kind's upgrade SQL brings it
// to the current version, and user_version is set. A migration is whole or not at all.
//
// Errors: every SQLite failure is an sqlite::Error whose what() names the file; detail() is
// SQLite's own message (e.g. "database or disk is full"), for callers that add their context.
//
// Thread safety: a Database is one connection, used by one thread at a time; Statements and
// Transactions belong to the thread of their Database. Several processes may open one file;
// SQLite serialises writers (busy timeout 5 s).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace gatesim::gate::sqlite {

class Error : public std::runtime_error {
 public:
  Error(const std::string& what, std::string detail) : std::runtime_error(what), detail_(std::move(detail)) {}
  const std::string& detail() const { return detail_; }  // SQLite's message, or ours, without the file

 private:
  std::string detail_;
};

// What a gatesim file is: how its messages name it, its current schema, how to get there.
struct FileKind {
  const char* name;     // "audit log", "enrolment database": in error messages
  int version;          // the schema version this gatesim writes (PRAGMA user_version); >= 1
  const char* pragmas;  // run once per connection before the schema check, e.g. "PRAGMA journal_mode=WAL;"
  // requires: 0 <= from < version (0: a new, empty file).
  // ensures: SQL that brings a file at version `from` to `version` (user_version is set by
  //          the layer).
  std::string (*upgrade)(int from);
};

class Database {
 public:
  Database() = default;  // closed
  // ensures: `file` (created when missing) is open at kind.version, per the header's opening.
  // throws Error naming the file when it cannot be opened or created, is not an SQLite
  //        database, holds something other than this kind of file, has a newer schema, or
  //        the migration fails.
  Database(const std::filesystem::path& file, const FileKind& kind);
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  bool is_open() const { return db_ != nullptr; }
  // ensures: closed (a no-op when it is). requires: no Statement of it is alive.
  void close();
  const std::filesystem::path& file() const { return file_; }

  // requires: is_open(). throws Error.
  void exec(const std::string& sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last statement

  // For this layer's Statement; requires: is_open().
  sqlite3* handle() const;
  // ensures: "FILE: what: SQLite's message"; the connection's last error.
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

// One prepared statement. Bind indexes and columns count as SQLite's do (binds from 1,
// columns from 0).
class Statement {
 public:
  // requires: db.is_open() and outlives the statement. throws Error (bad SQL, a locked schema).
  Statement(const Database& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind_text(int index, std::string_view text);
  Statement& bind_int(int index, std::int64_t value);
  Statement& bind_real(int index, double value);
  Statement& bind_blob(int index, std::span<const std::byte> bytes);

  // ensures: true when a row is ready, false when the statement is done.
  // throws Error (disk full, I/O error, busy for longer than the timeout, a constraint).
  bool step();
  // ensures: ready to step again from the start, with no bindings.
  void reset();

  std::string text(int column) const;  // "" for NULL
  std::int64_t integer(int column) const;
  double real(int column) const;
  std::span<const std::byte> blob(int column) const;  // valid until the next step or reset

 private:
  const Database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when the scope is left without commit().
class Transaction {
 public:
  explicit Transaction(Database& db);  // throws Error (busy for longer than the timeout)
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();  // throws Error

 private:
  Database& db_;
  bool committed_ = false;
};

// ensures: the wall clock now as UTC ISO 8601 with milliseconds, "2026-11-30T08:00:00.123Z":
//          the one time format of gatesim's files (SQLite's julianday() reads it).
std::string utc_now_iso();

}  // namespace gatesim::gate::sqlite

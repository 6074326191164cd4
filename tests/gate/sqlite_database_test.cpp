// The SQLite layer under the audit log and the enrolment store, on real files.
#include "gate/sqlite_database.hpp"

#include <regex>

#include <gtest/gtest.h>

#include "tests/support/scratch_folder.hpp"

namespace gatesim::gate::sqlite {
namespace {

class SqliteDatabaseTest : public testing::ScratchFolderTest {};

std::string notes_upgrade(int from) {
  return from == 0 ? "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);"
                   : "ALTER TABLE notes ADD COLUMN kept INTEGER NOT NULL DEFAULT 1;";
}
constexpr FileKind kNotesV1{"notes file", 1, "PRAGMA journal_mode=WAL;", notes_upgrade};
constexpr FileKind kNotesV2{"notes file", 2, "PRAGMA journal_mode=WAL;", notes_upgrade};

std::string error_of(const auto& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

int user_version(const Database& db) {
  Statement version(db, "PRAGMA user_version");
  version.step();
  return static_cast<int>(version.integer(0));
}

TEST_F(SqliteDatabaseTest, ANewFileIsCreatedAtItsKindsVersionAndAnOlderOneIsMigratedOnce) {
  const auto file = dir_ / "notes.db";
  {
    Database db(file, kNotesV1);
    EXPECT_EQ(user_version(db), 1);
    Statement(db, "INSERT INTO notes (body) VALUES (?1)").bind_text(1, "first").step();
  }
  Database db(file, kNotesV2);
  EXPECT_EQ(user_version(db), 2);
  {
    Statement row(db, "SELECT body, kept FROM notes");
    ASSERT_TRUE(row.step());
    EXPECT_EQ(row.text(0), "first");
    EXPECT_EQ(row.integer(1), 1);
  }
  db.close();
  EXPECT_EQ(user_version(Database(file, kNotesV2)), 2);  // opened again: nothing to migrate
}

TEST_F(SqliteDatabaseTest, AFailingMigrationLeavesTheFileAsItWas) {
  const auto file = dir_ / "notes.db";
  Database(file, kNotesV1).close();
  constexpr FileKind kBroken{"notes file", 2, "", [](int) { return std::string("ALTER TABLE nowhere ADD COLUMN x;"); }};
  const std::string said = error_of([&] { Database(file, kBroken); });
  EXPECT_NE(said.find(file.string() + ": not a usable notes file: no such table: nowhere"), std::string::npos) << said;
  EXPECT_EQ(user_version(Database(file, kNotesV1)), 1);
}

TEST_F(SqliteDatabaseTest, OtherFilesAreRefusedWithTheirNameAndWhy) {
  const auto newer = dir_ / "newer.db";
  Database(newer, kNotesV2).close();
  EXPECT_EQ(error_of([&] { Database(newer, kNotesV1); }),
            newer.string() + ": notes file schema version 2, this gatesim reads versions up to 1");

  const auto foreign = dir_ / "foreign.db";
  {
    constexpr FileKind kOther{"other", 1, "", [](int) { return std::string("CREATE TABLE t (x);"); }};
    Database other(foreign, kOther);
    other.exec("PRAGMA user_version=0");
  }
  EXPECT_EQ(error_of([&] { Database(foreign, kNotesV1); }),
            foreign.string() + ": an SQLite database that is not a gatesim notes file");

  const auto text = write("text.db", std::string(600, 'x'));
  EXPECT_EQ(error_of([&] { Database(text, kNotesV1); }),
            text.string() + ": not an SQLite database (file is not a database)");
}

TEST_F(SqliteDatabaseTest, AFailedStepNamesTheFileAndKeepsSQLitesMessageApart) {
  Database db(dir_ / "notes.db", kNotesV1);
  Statement insert(db, "INSERT INTO notes (body) VALUES (?1)");
  insert.bind_text(1, "same").step();
  insert.reset();
  insert.bind_text(1, "same");
  try {
    insert.step();
    FAIL() << "a duplicate was written";
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "UNIQUE constraint failed: notes.body");
    EXPECT_EQ(std::string(e.what()), (dir_ / "notes.db").string() + ": cannot write: UNIQUE constraint failed: notes.body");
  }
  EXPECT_NE(error_of([&] { Statement(db, "SELECT body FROM nowhere"); }).find("no such table: nowhere"),
            std::string::npos);
}

TEST_F(SqliteDatabaseTest, ATransactionLeftWithoutCommitIsRolledBack) {
  Database db(dir_ / "notes.db", kNotesV1);
  {
    Transaction kept(db);
    Statement(db, "INSERT INTO notes (body) VALUES ('kept')").step();
    kept.commit();
  }
  {
    Transaction dropped(db);
    Statement(db, "INSERT INTO notes (body) VALUES ('dropped')").step();
  }
  Statement count(db, "SELECT group_concat(body) FROM notes");
  count.step();
  EXPECT_EQ(count.text(0), "kept");
}

TEST_F(SqliteDatabaseTest, TextAndBlobsComeBackByteForByte) {
  Database db(dir_ / "notes.db", kNotesV1);
  db.exec("CREATE TABLE raw (t TEXT, b BLOB)");
  const std::string text("a\0b\xC3", 4);  // an embedded NUL and a byte that is not UTF-8
  const std::byte bytes[] = {std::byte{0}, std::byte{0xFF}, std::byte{7}};
  Statement(db, "INSERT INTO raw VALUES (?1, ?2)").bind_text(1, text).bind_blob(2, bytes).step();
  Statement row(db, "SELECT t, b FROM raw");
  ASSERT_TRUE(row.step());
  EXPECT_EQ(row.text(0), text);
  const auto blob = row.blob(1);
  ASSERT_EQ(blob.size(), 3u);
  EXPECT_EQ(blob[1], std::byte{0xFF});
}

TEST_F(SqliteDatabaseTest, TheTimeFormatIsUtcWithMillisecondsAndSQLiteReadsIt) {
  const std::string now = utc_now_iso();
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"))) << now;
  Database db(dir_ / "notes.db", kNotesV1);
  Statement age(db, "SELECT (julianday('now') - julianday(?1)) * 86400.0, julianday(?1) IS NULL");
  age.bind_text(1, now).step();
  EXPECT_EQ(age.integer(1), 0) << "julianday() cannot read " << now;
  EXPECT_GE(age.real(0), -1.0);   // the same clock, read twice: seconds apart at most
  EXPECT_LT(age.real(0), 60.0);
}

}  // namespace
}  // namespace gatesim::gate::sqlite

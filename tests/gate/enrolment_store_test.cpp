// The enrolment store on real SQLite files in a temporary folder.
#include "gate/enrolment_store.hpp"

#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "models/input_error.hpp"
#include "tests/support/synthetic_faces.hpp"

namespace gatesim::gate {
namespace {

using gatesim::testing::SyntheticFaces;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gatesim-enrol-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

NewTemplate from(const biometrics::FaceDescriptor& d, const std::string& image) { return {d, {image, "hog upsample=1", ""}}; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const models::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EnrolmentStore, KeepsHoldersTemplatesAndProvenanceAcrossReopening) {
  TempDir dir;
  const SyntheticFaces faces(11);
  {
    EnrolmentStore store(dir / "enrol.db");
    store.enrol({"P001", "Chan Tai Man", "H1234567", "1980-02-29", "HK permanent", "", ""},
                {from(faces.sample(1, 0), "chan-a.jpg"), from(faces.sample(1, 1), "chan-b.jpg")});
    store.enrol({"P002", "Wong Siu Ming", "", "", "", "", ""}, {from(faces.sample(2, 0), "wong.jpg")});
  }
  EnrolmentStore store(dir / "enrol.db", EnrolmentStore::Open::existing_only);
  EXPECT_EQ(store.template_count(), 3u);
  const auto holders = store.holders();
  ASSERT_EQ(holders.size(), 2u);
  EXPECT_EQ(holders[0].holder.id, "P001");
  EXPECT_EQ(holders[0].holder.name, "Chan Tai Man");
  EXPECT_EQ(holders[0].holder.birth_date, "1980-02-29");
  EXPECT_EQ(holders[0].holder.residence, "HK permanent");
  EXPECT_FALSE(holders[0].holder.enrolled_at.empty());
  ASSERT_EQ(holders[0].templates.size(), 2u);
  EXPECT_EQ(holders[0].templates[1].source_image, "chan-b.jpg");
  EXPECT_EQ(holders[0].templates[1].detector, "hog upsample=1");
  std::vector<std::pair<std::string, biometrics::FaceDescriptor>> seen;
  store.for_each_template([&](const std::string& id, const biometrics::FaceDescriptor& d) { seen.emplace_back(id, d); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].first, "P001");
  EXPECT_EQ(seen[1].second, faces.sample(1, 1));  // bit for bit
  EXPECT_EQ(seen[2].first, "P002");
}

TEST(EnrolmentStore, ReEnrolmentAddsTemplatesAndKeepsDetailsNotGiven) {
  TempDir dir;
  const SyntheticFaces faces(12);
  EnrolmentStore store(dir / "enrol.db");
  store.enrol({"P001", "Chan Tai Man", "H1234567", "", "", "", ""}, {from(faces.sample(1, 0), "a.jpg")});
  store.enrol({"P001", "", "H7654321", "", "", "", ""}, {from(faces.sample(1, 1), "b.jpg")});
  const auto holder = store.holder("P001");
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->name, "Chan Tai Man");
  EXPECT_EQ(holder->document_number, "H7654321");
  EXPECT_EQ(store.template_count(), 2u);
  EXPECT_FALSE(store.holder("P999"));
}

TEST(EnrolmentStore, RemoveTakesTheHolderAndTheirTemplatesAndReportsUnknownIds) {
  TempDir dir;
  const SyntheticFaces faces(13);
  EnrolmentStore store(dir / "enrol.db");
  store.enrol({"P001", "", "", "", "", "", ""}, {from(faces.sample(1, 0), "a.jpg")});
  store.enrol({"P002", "", "", "", "", "", ""}, {from(faces.sample(2, 0), "b.jpg")});
  EXPECT_TRUE(store.remove("P001"));
  EXPECT_FALSE(store.remove("P001"));
  EXPECT_FALSE(store.remove("nobody"));
  EXPECT_EQ(store.template_count(), 1u);
  ASSERT_EQ(store.holders().size(), 1u);
  EXPECT_EQ(store.holders()[0].holder.id, "P002");
}

TEST(EnrolmentStore, LoadsAGalleryThatFindsTheEnrolledHolder) {
  TempDir dir;
  const SyntheticFaces faces(14);
  EnrolmentStore store(dir / "enrol.db");
  for (std::uint64_t i = 0; i < 200; ++i)
    store.enrol({std::to_string(i), "", "", "", "", "", ""},
                {from(faces.sample(i, 0), "a.jpg"), from(faces.sample(i, 1), "b.jpg")});
  const auto gallery = store.load_gallery();
  EXPECT_EQ(gallery.size(), 400u);
  const auto found = gallery.search(faces.sample(123, 5), 3);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].holder_id, "123");
  EXPECT_LT(found[0].distance, 0.6);
}

TEST(EnrolmentStore, UsesWalAndVersionsItsSchema) {
  TempDir dir;
  { EnrolmentStore store(dir / "enrol.db"); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "enrol.db").c_str(), &db), SQLITE_OK);
  auto pragma = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW) value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return value;
  };
  EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma("PRAGMA user_version"), "2");
  sqlite3_exec(db, "PRAGMA user_version=7", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(error_of([&] { EnrolmentStore s(dir / "enrol.db"); }),
            (dir / "enrol.db").string() + ": enrolment database schema version 7, this gatesim reads versions up to 2");
}

TEST(EnrolmentStore, CorruptOrForeignFilesGiveOneMessageNamingTheFile) {
  TempDir dir;
  {
    std::ofstream random_bytes(dir / "random.db", std::ios::binary);
    std::mt19937 rng(5);
    for (int i = 0; i < 8192; ++i) random_bytes.put(static_cast<char>(rng()));
    std::ofstream(dir / "notes.db") << "these are not the templates you are looking for\n";
  }
  for (const char* name : {"random.db", "notes.db"}) {
    const auto path = dir / name;
    EXPECT_EQ(error_of([&] { EnrolmentStore s(path); }),
              path.string() + ": not an SQLite database (file is not a database)")
        << name;
  }
  {
    sqlite3* db = nullptr;
    sqlite3_open((dir / "other.db").c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE songs (title TEXT)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  EXPECT_EQ(error_of([&] { EnrolmentStore s(dir / "other.db"); }),
            (dir / "other.db").string() + ": an SQLite database that is not a gatesim enrolment database");
  EXPECT_EQ(error_of([&] { EnrolmentStore s(dir / "missing.db", EnrolmentStore::Open::existing_only); }),
            (dir / "missing.db").string() + ": no such enrolment database (create it with `gatesim enroll`)");
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
}

TEST(EnrolmentStore, RefusesEmptyIdAndImpossibleBirthDate) {
  TempDir dir;
  EnrolmentStore store(dir / "enrol.db");
  EXPECT_EQ(error_of([&] { store.enrol({"", "", "", "", "", "", ""}, {}); }), "permit holder id: empty, expected an id");
  EXPECT_EQ(error_of([&] { store.enrol({"P1", "", "", "1999-02-30", "", "", ""}, {}); }),
            "birth date '1999-02-30': expected a real day as YYYY-MM-DD");
  EXPECT_TRUE(store.holders().empty());
}

// Ids and names go on as JSON (audit log, dashboard, --json), which carries only UTF-8.
TEST(EnrolmentStore, RefusesAnIdOrNameThatIsNotUtf8) {
  TempDir dir;
  EnrolmentStore store(dir / "enrol.db");
  EXPECT_EQ(error_of([&] { store.enrol({"P\xFF", "", "", "", "", "", ""}, {}); }),
            "permit holder id: not UTF-8 text, expected UTF-8 (it goes into JSON: the audit log and the dashboard "
            "carry nothing else)");
  EXPECT_NE(error_of([&] { store.enrol({"P1", "Chan \xC3", "", "", "", "", ""}, {}); }).find("name: not UTF-8"),
            std::string::npos);
  EXPECT_TRUE(store.holders().empty());
  store.enrol({"P1", "\xE9\x99\xB3\xE5\xA4\xA7\xE6\x96\x87", "", "", "", "", ""}, {});  // 陳大文
  ASSERT_EQ(store.holders().size(), 1u);
}

const char* kRecord = R"({"id": "P1", "birth_date": "1980-02-29", "residence": "hong_kong", "nationality": "CHN",
  "civil_capacity": "full", "consent": true, "documents": [{"kind": "home_return_permit", "number": "H1",
  "valid_until": "2030-01-01"}]})";

TEST(EnrolmentStore, KeepsTheHoldersTravellerRecordAndTemplatesByHolder) {
  TempDir dir;
  const SyntheticFaces faces(3);
  EnrolmentStore store(dir / "enrol.db");
  store.enrol({"P1", "", "", "", "", "", kRecord}, {from(faces.sample(1, 0), "a.jpg"), from(faces.sample(1, 1), "b.jpg")});
  store.enrol({"P2", "", "", "", "", "", ""}, {from(faces.sample(2, 0), "c.jpg")});
  store.enrol({"P1", "Chan", "", "", "", "", ""}, {});  // an empty record keeps the stored one
  EXPECT_EQ(store.holder("P1")->record, kRecord);
  EXPECT_EQ(store.holder("P2")->record, "");
  const auto templates = store.templates("P1");
  ASSERT_EQ(templates.size(), 2u);
  EXPECT_EQ(templates[1], faces.sample(1, 1));
  EXPECT_TRUE(store.templates("nobody").empty());
  EXPECT_EQ(error_of([&] { store.enrol({"P3", "", "", "", "", "", R"({"id": "P3", "birth_date": 1})"}, {}); }),
            "traveller record of P3: birth_date: expected a date YYYY-MM-DD, got 1");
  EXPECT_EQ(error_of([&] { store.enrol({"P3", "", "", "", "", "", kRecord}, {}); }),
            "traveller record of P3: id: expected \"P3\", got \"P1\"");
}

TEST(EnrolmentStore, MigratesAVersionOneFile) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "v1.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, R"sql(
    CREATE TABLE holders (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, document_number TEXT NOT NULL,
      birth_date TEXT NOT NULL, residence TEXT NOT NULL, enrolled_at TEXT NOT NULL);
    CREATE TABLE templates (id INTEGER PRIMARY KEY, holder_id TEXT NOT NULL REFERENCES holders (id),
      descriptor BLOB NOT NULL CHECK (length(descriptor) = 512), source_image TEXT NOT NULL,
      enrolled_at TEXT NOT NULL, detector TEXT NOT NULL);
    INSERT INTO holders VALUES ('P1', 'Chan', '', '', '', '2026-01-01T00:00:00Z');
    INSERT INTO templates (holder_id, descriptor, source_image, enrolled_at, detector)
      VALUES ('P1', zeroblob(512), 'a.jpg', '2026-01-01T00:00:00Z', 'hog');
    PRAGMA user_version=1;)sql", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EnrolmentStore store(dir / "v1.db");
  EXPECT_EQ(store.holder("P1")->name, "Chan");
  EXPECT_EQ(store.holder("P1")->record, "");
  EXPECT_EQ(store.templates("P1").size(), 1u);
  store.enrol({"P1", "", "", "", "", "", kRecord}, {});
  EXPECT_EQ(EnrolmentStore(dir / "v1.db").holder("P1")->record, kRecord);
}

}  // namespace
}  // namespace gatesim::gate

#include "gate/enrolment_store.hpp"

#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <sqlite3.h>

#include "models/civil_date.hpp"
#include "models/input_error.hpp"
#include "models/utf8.hpp"
#include "models/traveller_json.hpp"

namespace gatesim::gate {
namespace {

// Descriptors are stored as the raw float32 bytes: the file is little-endian everywhere.
static_assert(std::endian::native == std::endian::little);
constexpr int kDescriptorBytes = static_cast<int>(sizeof(biometrics::FaceDescriptor));
constexpr int kSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS holders (
  id              TEXT PRIMARY KEY NOT NULL,
  name            TEXT NOT NULL,
  document_number TEXT NOT NULL,
  birth_date      TEXT NOT NULL,
  residence       TEXT NOT NULL,
  enrolled_at     TEXT NOT NULL,
  record          TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS templates (
  id           INTEGER PRIMARY KEY,
  holder_id    TEXT NOT NULL REFERENCES holders (id),
  descriptor   BLOB NOT NULL CHECK (length(descriptor) = 512),
  source_image TEXT NOT NULL,
  enrolled_at  TEXT NOT NULL,
  detector     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS templates_by_holder ON templates (holder_id);
)sql";

std::string utc_now_iso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // ensures: true for a row, false when done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail();
    return rc == SQLITE_ROW;
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  [[noreturn]] void fail() const {
    throw std::runtime_error(std::string(sqlite3_db_filename(db_, "main")) + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when an exception leaves the scope.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { Statement(db_, "BEGIN IMMEDIATE").step(); }
  ~Transaction() {
    if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    Statement(db_, "COMMIT").step();
    committed_ = true;
  }

 private:
  sqlite3* db_;
  bool committed_ = false;
};

}  // namespace

EnrolmentStore::EnrolmentStore(const std::filesystem::path& file, Open open) : file_(file) {
  auto fail = [&](const std::string& what) {
    const std::string message = file_.string() + ": " + what;
    sqlite3_close(db_);
    db_ = nullptr;
    throw models::InputError(message);
  };
  std::error_code ec;
  if (std::filesystem::is_directory(file_, ec)) fail("is a directory, expected an enrolment database file");
  if (open == Open::existing_only && !std::filesystem::exists(file_, ec))
    fail("no such enrolment database (create it with `gatesim enroll`)");
  if (sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    fail(std::string("cannot open the enrolment database: ") + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  sqlite3_busy_timeout(db_, 5000);
  // Reading the version first also proves the file is an SQLite database.
  int version = 0;
  {
    sqlite3_stmt* stmt = nullptr;
    const bool read = sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
                      sqlite3_step(stmt) == SQLITE_ROW;
    if (read) version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (!read) fail(std::string("not an SQLite database (") + sqlite3_errmsg(db_) + ")");
  }
  if (version != 0 && version != 1 && version != kSchemaVersion)
    fail(std::string("enrolment database schema version ") + std::to_string(version) + ", this gatesim reads version " +
         std::to_string(kSchemaVersion));
  if (version == 0) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT count(*) FROM sqlite_schema", -1, &stmt, nullptr);
    const bool empty = stmt && sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) == 0;
    sqlite3_finalize(stmt);
    if (!empty) fail("an SQLite database that is not a gatesim enrolment database");
  }
  // Version 1 had no traveller records: its holders get an empty one.
  const std::string migrate = version == 1 ? "ALTER TABLE holders ADD COLUMN record TEXT NOT NULL DEFAULT '';" : "";
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE;") +
                            migrate + kSchema + std::string("PRAGMA user_version=") + std::to_string(kSchemaVersion) +
                            "; COMMIT;";
  if (sqlite3_exec(db_, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    fail(std::string("not a usable enrolment database: ") + sqlite3_errmsg(db_));
}

EnrolmentStore::~EnrolmentStore() { sqlite3_close(db_); }

void EnrolmentStore::enrol(const PermitHolder& holder, const std::vector<NewTemplate>& templates) {
  if (holder.id.empty()) throw models::InputError("permit holder id: empty, expected an id");
  for (const auto& [field, value] : {std::pair<const char*, const std::string&>{"permit holder id", holder.id},
                                     {"name", holder.name},
                                     {"document number", holder.document_number},
                                     {"residence", holder.residence}})
    if (!models::is_utf8(value))
      throw models::InputError(std::string(field) + ": not UTF-8 text, expected UTF-8 (it goes into JSON: the audit "
                               "log and the dashboard carry nothing else)");
  if (!holder.birth_date.empty() && !models::parse_iso_date(holder.birth_date))
    throw models::InputError("birth date '" + holder.birth_date + "': expected a real day as YYYY-MM-DD");
  if (!holder.record.empty()) {
    const auto traveller = models::parse_traveller(holder.record, "traveller record of " + holder.id);
    if (traveller.id != holder.id)
      throw models::InputError("traveller record of " + holder.id + ": id: expected \"" + holder.id + "\", got \"" +
                               traveller.id + "\"");
  }
  const std::string now = utc_now_iso();
  Transaction transaction(db_);
  // Fields given replace the stored ones; fields left empty keep them.
  Statement(db_, R"sql(
    INSERT INTO holders (id, name, document_number, birth_date, residence, enrolled_at, record)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (id) DO UPDATE SET
      name = CASE WHEN ?2 = '' THEN name ELSE ?2 END,
      document_number = CASE WHEN ?3 = '' THEN document_number ELSE ?3 END,
      birth_date = CASE WHEN ?4 = '' THEN birth_date ELSE ?4 END,
      residence = CASE WHEN ?5 = '' THEN residence ELSE ?5 END,
      record = CASE WHEN ?7 = '' THEN record ELSE ?7 END)sql")
      .bind(1, holder.id)
      .bind(2, holder.name)
      .bind(3, holder.document_number)
      .bind(4, holder.birth_date)
      .bind(5, holder.residence)
      .bind(6, now)
      .bind(7, holder.record)
      .step();
  Statement insert(db_, R"sql(
    INSERT INTO templates (holder_id, descriptor, source_image, enrolled_at, detector)
    VALUES (?1, ?2, ?3, ?4, ?5))sql");
  for (const auto& t : templates) {
    insert.bind(1, holder.id).bind(3, t.source.source_image).bind(4, now).bind(5, t.source.detector);
    sqlite3_bind_blob(insert.get(), 2, t.descriptor.data(), kDescriptorBytes, SQLITE_TRANSIENT);
    insert.step();
    insert.reset();
  }
  transaction.commit();
}

bool EnrolmentStore::remove(const std::string& holder_id) {
  Transaction transaction(db_);
  Statement(db_, "DELETE FROM templates WHERE holder_id = ?1").bind(1, holder_id).step();
  Statement(db_, "DELETE FROM holders WHERE id = ?1").bind(1, holder_id).step();
  const bool removed = sqlite3_changes(db_) > 0;
  transaction.commit();
  return removed;
}

namespace {
PermitHolder holder_from_row(const Statement& row) {
  return {row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), row.text(6)};
}
constexpr const char* kHolderColumns =
    "SELECT id, name, document_number, birth_date, residence, enrolled_at, record FROM holders";
}  // namespace

std::optional<PermitHolder> EnrolmentStore::holder(const std::string& holder_id) const {
  Statement select(db_, (std::string(kHolderColumns) + " WHERE id = ?1").c_str());
  select.bind(1, holder_id);
  if (!select.step()) return std::nullopt;
  return holder_from_row(select);
}

std::vector<HolderSummary> EnrolmentStore::holders() const {
  std::vector<HolderSummary> out;
  Statement select(db_, (std::string(kHolderColumns) + " ORDER BY id").c_str());
  Statement sources(db_, "SELECT source_image, detector, enrolled_at FROM templates WHERE holder_id = ?1 ORDER BY id");
  while (select.step()) {
    HolderSummary summary{holder_from_row(select), {}};
    sources.bind(1, summary.holder.id);
    while (sources.step()) summary.templates.push_back({sources.text(0), sources.text(1), sources.text(2)});
    sources.reset();
    out.push_back(std::move(summary));
  }
  return out;
}

std::size_t EnrolmentStore::template_count() const {
  Statement count(db_, "SELECT count(*) FROM templates");
  count.step();
  return static_cast<std::size_t>(sqlite3_column_int64(count.get(), 0));
}

std::size_t EnrolmentStore::template_count(const std::string& holder_id) const {
  Statement count(db_, "SELECT count(*) FROM templates WHERE holder_id = ?1");
  count.bind(1, holder_id).step();
  return static_cast<std::size_t>(sqlite3_column_int64(count.get(), 0));
}

std::vector<biometrics::FaceDescriptor> EnrolmentStore::templates(const std::string& holder_id) const {
  Statement select(db_, "SELECT descriptor FROM templates WHERE holder_id = ?1 ORDER BY id");
  select.bind(1, holder_id);
  std::vector<biometrics::FaceDescriptor> out;
  while (select.step()) {
    if (sqlite3_column_bytes(select.get(), 0) != kDescriptorBytes)
      throw models::InputError(file_.string() + ": a template of holder '" + holder_id + "' is not 128 float32 values");
    std::memcpy(out.emplace_back().data(), sqlite3_column_blob(select.get(), 0), kDescriptorBytes);
  }
  return out;
}

void EnrolmentStore::for_each_template(
    const std::function<void(const std::string&, const biometrics::FaceDescriptor&)>& visit) const {
  Statement select(db_, "SELECT holder_id, descriptor FROM templates ORDER BY id");
  std::string holder;
  biometrics::FaceDescriptor descriptor;
  while (select.step()) {
    const auto* id = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 0));
    holder.assign(id ? id : "", static_cast<std::size_t>(sqlite3_column_bytes(select.get(), 0)));
    if (sqlite3_column_bytes(select.get(), 1) != kDescriptorBytes)
      throw models::InputError(file_.string() + ": a template of holder '" + holder + "' is not 128 float32 values");
    std::memcpy(descriptor.data(), sqlite3_column_blob(select.get(), 1), kDescriptorBytes);
    visit(holder, descriptor);
  }
}

biometrics::Gallery EnrolmentStore::load_gallery(biometrics::GalleryOptions options) const {
  biometrics::Gallery gallery(options);
  gallery.reserve(template_count());
  for_each_template([&](const std::string& holder, const biometrics::FaceDescriptor& d) { gallery.add(holder, d); });
  gallery.build_index();
  return gallery;
}

}  // namespace gatesim::gate

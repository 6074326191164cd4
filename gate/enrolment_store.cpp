#include "gate/enrolment_store.hpp"

#include <bit>
#include <cstring>

#include "gate/sqlite_database.hpp"
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

std::string upgrade(int from) {
  // Version 1 had no traveller records: its holders get an empty one.
  return std::string(from == 1 ? "ALTER TABLE holders ADD COLUMN record TEXT NOT NULL DEFAULT '';" : "") + kSchema;
}

constexpr sqlite::FileKind kEnrolmentDatabase{"enrolment database", kSchemaVersion,
                                              "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", upgrade};

}  // namespace

EnrolmentStore::EnrolmentStore(const std::filesystem::path& file, Open open) : file_(file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file_, ec))
    throw models::InputError(file_.string() + ": is a directory, expected an enrolment database file");
  if (open == Open::existing_only && !std::filesystem::exists(file_, ec))
    throw models::InputError(file_.string() + ": no such enrolment database (create it with `gatesim enroll`)");
  try {
    db_ = sqlite::Database(file_, kEnrolmentDatabase);
  } catch (const sqlite::Error& e) {
    throw models::InputError(e.what());
  }
}

EnrolmentStore::~EnrolmentStore() = default;

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
  const std::string now = sqlite::utc_now_iso();
  sqlite::Transaction transaction(db_);
  // Fields given replace the stored ones; fields left empty keep them.
  sqlite::Statement(db_, R"sql(
    INSERT INTO holders (id, name, document_number, birth_date, residence, enrolled_at, record)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (id) DO UPDATE SET
      name = CASE WHEN ?2 = '' THEN name ELSE ?2 END,
      document_number = CASE WHEN ?3 = '' THEN document_number ELSE ?3 END,
      birth_date = CASE WHEN ?4 = '' THEN birth_date ELSE ?4 END,
      residence = CASE WHEN ?5 = '' THEN residence ELSE ?5 END,
      record = CASE WHEN ?7 = '' THEN record ELSE ?7 END)sql")
      .bind_text(1, holder.id)
      .bind_text(2, holder.name)
      .bind_text(3, holder.document_number)
      .bind_text(4, holder.birth_date)
      .bind_text(5, holder.residence)
      .bind_text(6, now)
      .bind_text(7, holder.record)
      .step();
  sqlite::Statement insert(db_, R"sql(
    INSERT INTO templates (holder_id, descriptor, source_image, enrolled_at, detector)
    VALUES (?1, ?2, ?3, ?4, ?5))sql");
  for (const auto& t : templates) {
    insert.bind_text(1, holder.id)
        .bind_blob(2, std::as_bytes(std::span(t.descriptor)))
        .bind_text(3, t.source.source_image)
        .bind_text(4, now)
        .bind_text(5, t.source.detector);
    insert.step();
    insert.reset();
  }
  transaction.commit();
}

bool EnrolmentStore::remove(const std::string& holder_id) {
  sqlite::Transaction transaction(db_);
  sqlite::Statement(db_, "DELETE FROM templates WHERE holder_id = ?1").bind_text(1, holder_id).step();
  sqlite::Statement(db_, "DELETE FROM holders WHERE id = ?1").bind_text(1, holder_id).step();
  const bool removed = db_.changes() > 0;
  transaction.commit();
  return removed;
}

namespace {
PermitHolder holder_from_row(const sqlite::Statement& row) {
  return {row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), row.text(6)};
}
constexpr const char* kHolderColumns =
    "SELECT id, name, document_number, birth_date, residence, enrolled_at, record FROM holders";
}  // namespace

std::optional<PermitHolder> EnrolmentStore::holder(const std::string& holder_id) const {
  sqlite::Statement select(db_, (std::string(kHolderColumns) + " WHERE id = ?1").c_str());
  select.bind_text(1, holder_id);
  if (!select.step()) return std::nullopt;
  return holder_from_row(select);
}

std::vector<HolderSummary> EnrolmentStore::holders() const {
  std::vector<HolderSummary> out;
  sqlite::Statement select(db_, (std::string(kHolderColumns) + " ORDER BY id").c_str());
  sqlite::Statement sources(db_, "SELECT source_image, detector, enrolled_at FROM templates WHERE holder_id = ?1 ORDER BY id");
  while (select.step()) {
    HolderSummary summary{holder_from_row(select), {}};
    sources.bind_text(1, summary.holder.id);
    while (sources.step()) summary.templates.push_back({sources.text(0), sources.text(1), sources.text(2)});
    sources.reset();
    out.push_back(std::move(summary));
  }
  return out;
}

std::size_t EnrolmentStore::template_count() const {
  sqlite::Statement count(db_, "SELECT count(*) FROM templates");
  count.step();
  return static_cast<std::size_t>(count.integer(0));
}

std::size_t EnrolmentStore::template_count(const std::string& holder_id) const {
  sqlite::Statement count(db_, "SELECT count(*) FROM templates WHERE holder_id = ?1");
  count.bind_text(1, holder_id).step();
  return static_cast<std::size_t>(count.integer(0));
}

void EnrolmentStore::read_descriptor(std::span<const std::byte> bytes, const std::string& holder_id,
                                     biometrics::FaceDescriptor& descriptor) const {
  if (bytes.size() != static_cast<std::size_t>(kDescriptorBytes))
    throw models::InputError(file_.string() + ": a template of holder '" + holder_id + "' is not 128 float32 values");
  std::memcpy(descriptor.data(), bytes.data(), bytes.size());
}

std::vector<biometrics::FaceDescriptor> EnrolmentStore::templates(const std::string& holder_id) const {
  sqlite::Statement select(db_, "SELECT descriptor FROM templates WHERE holder_id = ?1 ORDER BY id");
  select.bind_text(1, holder_id);
  std::vector<biometrics::FaceDescriptor> out;
  while (select.step()) read_descriptor(select.blob(0), holder_id, out.emplace_back());
  return out;
}

void EnrolmentStore::for_each_template(
    const std::function<void(const std::string&, const biometrics::FaceDescriptor&)>& visit) const {
  sqlite::Statement select(db_, "SELECT holder_id, descriptor FROM templates ORDER BY id");
  biometrics::FaceDescriptor descriptor;
  while (select.step()) {
    const std::string holder = select.text(0);
    read_descriptor(select.blob(1), holder, descriptor);
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

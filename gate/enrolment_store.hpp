#pragma once
// EnrolmentStore: the permit holders enrolled for the document-free channel and their face
// templates, in an SQLite file (WAL). A holder has one or more templates; each template keeps
// where it came from (source image name, when, detector settings) but never the image.
//
// Schema version 2 (PRAGMA user_version): holders(id, name, document_number, birth_date,
// residence, enrolled_at, record) and templates(id, holder_id, descriptor BLOB of 128
// little-endian float32, source_image, enrolled_at, detector). `record` is the holder's
// traveller record (models/traveller_json.hpp), which the document-free channel's policy
// check needs: no document is read there. Version 1 files are migrated on open (their
// holders get no record). Removing a holder removes their templates.
//
// Thread safety: one EnrolmentStore per thread (it holds one SQLite connection). Several
// processes may use one file; SQLite serialises writers (busy timeout 5 s).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "biometrics/face_types.hpp"
#include "biometrics/gallery.hpp"
#include "gate/sqlite_database.hpp"

namespace gatesim::gate {

struct PermitHolder {
  std::string id;               // required, unique
  std::string name;
  std::string document_number;
  std::string birth_date;       // empty or YYYY-MM-DD
  std::string residence;        // e.g. "HK permanent", free text
  std::string enrolled_at;      // set by the store: UTC ISO 8601 of the first enrolment
  std::string record;           // empty, or the traveller record as JSON text (its id is `id`)
};

struct TemplateSource {
  std::string source_image;     // file name the template was computed from (never its pixels)
  std::string detector;         // detector settings, e.g. "hog upsample=1"
  std::string enrolled_at;      // set by the store: UTC ISO 8601
};

struct NewTemplate {
  biometrics::FaceDescriptor descriptor{};
  TemplateSource source;
};

struct HolderSummary {
  PermitHolder holder;
  std::vector<TemplateSource> templates;  // in enrolment order
};

class EnrolmentStore {
 public:
  enum class Open { create_if_missing, existing_only };

  // ensures: `file` is open in WAL mode with the current schema (created when missing and
  //          `open` allows it).
  // throws models::InputError naming the file when it is missing (existing_only), cannot be
  //        opened, is not an SQLite database, holds something other than an enrolment store, or
  //        has a schema version other than 1 (migrated) or 2.
  explicit EnrolmentStore(const std::filesystem::path& file, Open open = Open::create_if_missing);
  ~EnrolmentStore();
  EnrolmentStore(const EnrolmentStore&) = delete;
  EnrolmentStore& operator=(const EnrolmentStore&) = delete;

  const std::filesystem::path& file() const { return file_; }

  // requires: holder.id is not empty; id, name, document_number and residence are UTF-8
  //           (models::is_utf8); birth_date is empty or a real YYYY-MM-DD day; record is
  //           empty or a traveller record whose id is holder.id.
  // ensures: in one transaction, the holder is inserted or their details updated (fields left
  //          empty keep their stored value), and the templates are appended.
  // throws models::InputError for a bad id, a field that is not UTF-8, birth date or record ("traveller record of <id>:
  //        <field>: expected ..."); sqlite::Error when SQLite fails.
  void enrol(const PermitHolder& holder, const std::vector<NewTemplate>& templates);

  // ensures: true and the holder and their templates are gone, or false when no such holder.
  bool remove(const std::string& holder_id);

  std::optional<PermitHolder> holder(const std::string& holder_id) const;
  // ensures: every holder by id, with their templates' provenance.
  std::vector<HolderSummary> holders() const;
  std::size_t template_count() const;
  std::size_t template_count(const std::string& holder_id) const;

  // ensures: the holder's templates in enrolment order (1:1 verification); empty when none.
  std::vector<biometrics::FaceDescriptor> templates(const std::string& holder_id) const;

  // ensures: calls visit(holder id, descriptor) for every template in enrolment order (one
  //          enrol() call's templates are consecutive), reading the table sequentially.
  void for_each_template(const std::function<void(const std::string&, const biometrics::FaceDescriptor&)>& visit) const;

  // ensures: a Gallery (index built) of every template; the fast path for 1:N at start-up.
  biometrics::Gallery load_gallery(biometrics::GalleryOptions options = {}) const;

 private:
  // throws models::InputError naming the file when `bytes` is not a descriptor.
  void read_descriptor(std::span<const std::byte> bytes, const std::string& holder_id,
                       biometrics::FaceDescriptor& descriptor) const;

  std::filesystem::path file_;
  sqlite::Database db_;
};

}  // namespace gatesim::gate

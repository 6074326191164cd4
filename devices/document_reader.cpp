#include "devices/document_reader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "devices/device_uri.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {

ChipRecord parse_chip_record(const std::string& json_text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw models::InputError(where + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw models::InputError(where + ": expected a chip record object {\"holder_id\", ...}");
  auto bad = [&](const std::string& field, const std::string& expected) {
    throw models::InputError(where + ": field \"" + field + "\": expected " + expected);
  };
  auto text = [&](const nlohmann::json& o, const std::string& field, const std::string& path) {
    if (!o[field].is_string()) bad(path, "a string");
    return o[field].get<std::string>();
  };
  auto date = [&](const nlohmann::json& o, const std::string& field, const std::string& path) {
    const auto parsed = models::parse_iso_date(text(o, field, path));
    if (!parsed) bad(path, "a date YYYY-MM-DD");
    return *parsed;
  };
  ChipRecord record;
  for (const char* required : {"holder_id", "document_kind", "document_number"})
    if (!j.contains(required) || !j[required].is_string() || j[required].get<std::string>().empty())
      bad(required, "a non-empty string");
  for (const auto& [field, value] : j.items()) {
    if (field == "holder_id") record.holder_id = text(j, field, field);
    else if (field == "document_kind") record.document_kind = text(j, field, field);
    else if (field == "document_number") record.document_number = text(j, field, field);
    else if (field == "issuer") record.issuer = text(j, field, field);
    else if (field == "name") record.name = text(j, field, field);
    else if (field == "date_of_birth") record.date_of_birth = date(j, field, field);
    else if (field == "valid_from") record.valid_from = date(j, field, field);
    else if (field == "valid_until") record.valid_until = date(j, field, field);
    else if (field == "endorsements") {
      if (!value.is_array()) bad(field, "a list of objects");
      for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string path = "endorsements[" + std::to_string(i) + "]";
        if (!value[i].is_object()) bad(path, "an object of strings");
        std::map<std::string, std::string> endorsement;
        for (const auto& [key, v] : value[i].items()) {
          endorsement[key] = text(value[i], key, path + "." + key);
          if (key.starts_with("valid_")) date(value[i], key, path + "." + key);
        }
        record.endorsements.push_back(std::move(endorsement));
      }
    } else {
      record.extra[field] = text(j, field, field);
    }
  }
  if (record.valid_from && record.valid_until && *record.valid_until < *record.valid_from)
    bad("valid_until", "a date not before valid_from");
  return record;
}

namespace {

// Corrupt chips are device faults here, not bad input: the lane refers that traveller and
// goes on to the next.
ChipRecord read_chip(const std::string& text, const std::string& where, const std::string& device) {
  try {
    return parse_chip_record(text, where);
  } catch (const models::InputError& e) {
    throw DeviceFault(FaultKind::corrupt, device, e.what());
  }
}

class ChipFileReader final : public DocumentReader {
 public:
  ChipFileReader(const std::string& file, std::string name) : file_(file), in_(file), name_(std::move(name)) {
    if (!in_) throw models::InputError(name_ + ": cannot read the chip records file");
  }
  std::optional<ChipRecord> read() override {
    for (std::string line; std::getline(in_, line);) {
      ++line_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      return read_chip(line, file_ + ":" + std::to_string(line_), name_);
    }
    return std::nullopt;
  }
  std::string name() const override { return name_; }

 private:
  std::string file_;
  std::ifstream in_;
  std::string name_;
  int line_ = 0;
};

// Each read takes the first *.json file (by name) not read before.
class ChipFolderReader final : public DocumentReader {
 public:
  ChipFolderReader(std::filesystem::path folder, std::string name) : folder_(std::move(folder)), name_(std::move(name)) {
    if (!std::filesystem::is_directory(folder_)) throw models::InputError(name_ + ": no such folder");
  }
  std::optional<ChipRecord> read() override {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(folder_, error))
      if (entry.path().extension() == ".json" && !done_.contains(entry.path())) files.push_back(entry.path());
    if (error) throw DeviceFault(FaultKind::disconnected, name_, error.message());
    if (files.empty()) return std::nullopt;
    const auto file = *std::min_element(files.begin(), files.end());
    done_.insert(file);
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return read_chip(text, file.string(), name_);
  }
  std::string name() const override { return name_; }

 private:
  std::filesystem::path folder_;
  std::string name_;
  std::set<std::filesystem::path> done_;
};

}  // namespace

std::unique_ptr<DocumentReader> open_document_reader(const std::string& text, Clock& clock) {
  const DeviceUri uri = parse_device_uri(text, "--documents");
  check_options(uri, "faults,seed,stall_ms,slow_ms");
  std::unique_ptr<DocumentReader> reader;
  if (uri.scheme == "chips") reader = std::make_unique<ChipFileReader>(uri.where, uri.text);
  else if (uri.scheme == "chip-dir") reader = std::make_unique<ChipFolderReader>(uri.where, uri.text);
  else throw models::InputError(uri.text + ": unknown kind '" + uri.scheme + "'; expected chips or chip-dir");
  if (FaultPlan plan = fault_plan_option(uri); !plan.empty())
    reader = std::make_unique<FaultyDocumentReader>(std::move(reader), std::move(plan), clock);
  return reader;
}

}  // namespace gatesim::devices

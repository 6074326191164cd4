#include "devices/document_reader.hpp"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>

#include "devices/device_uri.hpp"
#include "devices/remote_readers.hpp"
#include "models/input_error.hpp"
#include "models/traveller_json.hpp"

namespace gatesim::devices {

ChipRecord parse_chip_record(const std::string& json_text, const std::string& where) {
  ChipRecord record{models::parse_traveller(json_text, where), json_text};
  if (record.holder.documents.empty())
    throw models::InputError(where + ": documents: expected at least one document (the first is the one presented), got []");
  if (record.presented().kind == models::DocumentKind::pr_id_card)
    throw models::InputError(where + ": documents[0].kind: expected a travel document (eep, home_return_permit, mtp, "
                                     "passport) presented first, got pr_id_card");
  return record;
}

namespace {

// A chip that arrives while the lane runs and does not parse is a device fault, not bad input:
// the lane refers that traveller and goes on to the next.
ChipRecord read_chip(const std::string& text, const std::string& where, const std::string& device) {
  try {
    return parse_chip_record(text, where);
  } catch (const models::InputError& e) {
    throw DeviceFault(FaultKind::corrupt, device, e.what());
  }
}

// The whole file is read and checked at once: it is input given up front.
class ChipFileReader final : public DocumentReader {
 public:
  ChipFileReader(const std::string& file, std::string name) : name_(std::move(name)) {
    std::ifstream in(file);
    if (!in) throw models::InputError(name_ + ": cannot read the chip records file");
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      if (line.find_first_not_of(" \t\r") != std::string::npos)
        records_.push_back(parse_chip_record(line, file + ":" + std::to_string(number)));
    }
  }
  std::optional<ChipRecord> read() override {
    if (records_.empty()) return std::nullopt;
    ChipRecord record = std::move(records_.front());
    records_.pop_front();
    return record;
  }
  std::string name() const override { return name_; }

 private:
  std::deque<ChipRecord> records_;
  std::string name_;
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
  check_options(uri, std::string("faults,seed,stall_ms,slow_ms") +
                         (is_remote(uri) ? std::string(",") + kRemoteOptions : ""));
  std::unique_ptr<DocumentReader> reader;
  if (uri.scheme == "chips") reader = std::make_unique<ChipFileReader>(uri.where, uri.text);
  else if (uri.scheme == "chip-dir") reader = std::make_unique<ChipFolderReader>(uri.where, uri.text);
  else if (is_remote(uri))
    reader = std::make_unique<RemoteDocumentReader>(parse_endpoint(uri.where, uri.text), remote_options(uri), uri.text);
  else throw models::InputError(uri.text + ": unknown kind '" + uri.scheme + "'; expected chips, chip-dir, tcp or tls");
  if (FaultPlan plan = fault_plan_option(uri); !plan.empty())
    reader = std::make_unique<FaultyDocumentReader>(std::move(reader), std::move(plan), clock);
  return reader;
}

}  // namespace gatesim::devices

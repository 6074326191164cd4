#include "gate/policy_data.hpp"

#include <cassert>
#include <fstream>
#include <sstream>
#include <system_error>

#include "gate/policy_files.hpp"
#include "models/install_layout.hpp"

#ifndef GATESIM_POLICY_DIR
#error "GATESIM_POLICY_DIR must name the shipped models/data folder (gate/CMakeLists.txt)"
#endif

namespace gatesim::gate {
namespace {

// ensures: true when `path` holds exactly `bytes`.
bool holds(const std::filesystem::path& path, std::string_view bytes) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error || size != bytes.size()) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  return text.view() == bytes;
}

}  // namespace

bool policy_files::are_shipped(const std::filesystem::path& dir) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!holds(dir / names[i], shipped_bytes[i])) return false;
  return true;
}

PolicyData PolicyData::load(const std::filesystem::path& dir) {
  auto contents = policy_files::are_shipped(dir) ? policy_files::shipped() : policy_files::parse(dir);
  PolicyData data;
  data.ports_ = std::move(contents.ports);
  data.countries_ = std::move(contents.countries);
  data.parameters_ = contents.parameters;
  for (std::size_t i = 0; i < data.ports_.size(); ++i) {
    [[maybe_unused]] const bool unique = data.port_index_.emplace(data.ports_[i].id, i).second;
    assert(unique && "policy_files::Contents: port ids unique");
  }
  for (std::size_t i = 0; i < data.countries_.size(); ++i) {
    [[maybe_unused]] const bool unique = data.country_index_.emplace(data.countries_[i].code, i).second;
    assert(unique && "policy_files::Contents: country codes unique");
  }
  return data;
}

std::filesystem::path PolicyData::default_dir() {
  return models::installed_folder(models::kInstalledPolicy).value_or(GATESIM_POLICY_DIR);
}

const models::Port* PolicyData::find_port(std::string_view id) const {
  const auto it = port_index_.find(id);
  return it == port_index_.end() ? nullptr : &ports_[it->second];
}

const Country* PolicyData::find_transit_240h_country(std::string_view code) const {
  const auto it = country_index_.find(code);
  return it == country_index_.end() ? nullptr : &countries_[it->second];
}

}  // namespace gatesim::gate

#pragma once
// PolicyData: the ten measures' lists and parameters (ports and their channels with dates,
// M6 nationalities, ages, limits), loaded from a folder of YAML files (models/data/ by default:
// ports.yaml, transit_240h_countries.yaml, policy.yaml) and checked on load.
//
// Thread safety: immutable after loading; share one instance between threads freely.

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/civil_date.hpp"
#include "models/port.hpp"

namespace gatesim::gate {

struct Country {
  std::string code;  // ISO 3166-1 alpha-3
  std::string name_en, name_zh, region;
  models::CivilDate from{};
  bool confirmed = true;
};

struct PolicyParameters {
  int smart_minimum_age = 14;             // M3
  int talent_maximum_stay_days = 30;      // M1
  int transit_24h_maximum_hours = 24;     // M5
  int transit_240h_maximum_hours = 240;   // M6
  int renewal_minimum_working_days = 7;   // M8
  models::CivilDate renewal_from{};       // M8
  models::CivilDate arrival_card_from{};  // M10
  bool transit_24h_list_complete = false;
  bool one_time_mtp_list_complete = false;
  int one_time_mtp_total_ports = 0;       // what the announcement counts (the data may hold fewer)
};

class PolicyData {
 public:
  // Loads and checks the three files in `dir`.
  // ensures: every port id is unique and a slug, every date real, every enum value known.
  // throws: models::InputError naming the file, line and field on the first problem.
  static PolicyData load(const std::filesystem::path& dir);

  // The policy files of this program: the installed copy (PREFIX/share/gatesim/policy,
  // models/install_layout.hpp) when it is installed, else the folder shipped with the sources
  // (models/data), compiled in.
  static std::filesystem::path default_dir();

  const std::vector<models::Port>& ports() const { return ports_; }
  // ensures: the port with that id or nullptr; no allocation.
  const models::Port* find_port(std::string_view id) const;
  const std::vector<Country>& transit_240h_countries() const { return countries_; }
  // ensures: the M6 country with that alpha-3 code, or nullptr.
  const Country* find_transit_240h_country(std::string_view code) const;
  const PolicyParameters& parameters() const { return parameters_; }

 private:
  std::vector<models::Port> ports_;
  // Heterogeneous lookup: find_port(std::string_view) builds no std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;
  Index port_index_;
  std::vector<Country> countries_;
  Index country_index_;
  PolicyParameters parameters_;
};

// Public holidays for M8's working days: a YAML file `holidays: [2025-10-01, ...]`.
// throws: models::InputError naming the file, line and entry.
std::set<models::CivilDate> load_holiday_calendar(const std::filesystem::path& file);

}  // namespace gatesim::gate

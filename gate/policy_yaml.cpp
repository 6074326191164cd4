// The policy folder's YAML read and checked: policy_files::parse() and load_holiday_calendar().
// Also compiled into the build-time generator (gate/codegen/), which has no compiled form yet, so
// nothing here may use one.
#include <algorithm>
#include <unordered_set>

#include <yaml-cpp/yaml.h>

#include "gate/policy_data.hpp"
#include "gate/policy_files.hpp"
#include "models/input_error.hpp"

namespace gatesim::gate {
namespace {

using models::InputError;

// Reads one YAML file and reports problems as "<file>:<line>: <field>: <what>".
class YamlFile {
 public:
  explicit YamlFile(std::filesystem::path path) : path_(std::move(path)) {
    try {
      root_ = YAML::LoadFile(path_.string());
    } catch (const YAML::BadFile&) {
      throw InputError(path_.string() + ": cannot read the file");
    } catch (const YAML::Exception& e) {
      throw InputError(path_.string() + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
    }
    if (!root_.IsMap()) fail(root_, "(top level)", "expected a mapping");
  }
  const YAML::Node& root() const { return root_; }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& what) const {
    const int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 1;
    throw InputError(path_.string() + ":" + std::to_string(line) + ": " + field + ": " + what);
  }

  // requires: `parent` is a map. ensures: the child, or fails naming the missing field.
  YAML::Node required(const YAML::Node& parent, const std::string& key, const std::string& field) const {
    const YAML::Node child = parent[key];
    if (!child) fail(parent, field, "missing");
    return child;
  }
  YAML::Node map(const YAML::Node& parent, const std::string& key, const std::string& field) const {
    auto node = required(parent, key, field);
    if (!node.IsMap()) fail(node, field, "expected a mapping");
    return node;
  }
  YAML::Node sequence(const YAML::Node& parent, const std::string& key, const std::string& field) const {
    auto node = required(parent, key, field);
    if (!node.IsSequence()) fail(node, field, "expected a list");
    return node;
  }
  std::string text(const YAML::Node& parent, const std::string& key, const std::string& field) const {
    auto node = required(parent, key, field);
    if (!node.IsScalar() || node.Scalar().empty()) fail(node, field, "expected a non-empty text");
    return node.Scalar();
  }
  int integer(const YAML::Node& parent, const std::string& key, const std::string& field, int low, int high) const {
    auto node = required(parent, key, field);
    int value = 0;
    if (!node.IsScalar() || !YAML::convert<int>::decode(node, value) || value < low || value > high)
      fail(node, field, "expected a whole number from " + std::to_string(low) + " to " + std::to_string(high) +
                            ", got \"" + (node.IsScalar() ? node.Scalar() : std::string("(not a scalar)")) + "\"");
    return value;
  }
  bool boolean(const YAML::Node& parent, const std::string& key, const std::string& field) const {
    auto node = required(parent, key, field);
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) fail(node, field, "expected true or false");
    return value;
  }
  models::CivilDate date(const YAML::Node& node, const std::string& field) const {
    const auto value = node.IsScalar() ? models::parse_iso_date(node.Scalar()) : std::nullopt;
    if (!value)
      fail(node, field, "expected a date YYYY-MM-DD, got \"" + (node.IsScalar() ? node.Scalar() : std::string("(not a scalar)")) + "\"");
    return *value;
  }
  models::CivilDate date(const YAML::Node& parent, const std::string& key, const std::string& field) const {
    return date(required(parent, key, field), field);
  }
  models::Destination destination(const YAML::Node& node, const std::string& field) const {
    const auto value = node.IsScalar() ? models::parse_destination(node.Scalar()) : std::nullopt;
    if (!value)
      fail(node, field, "expected HKG or MAC, got \"" + (node.IsScalar() ? node.Scalar() : std::string("(not a scalar)")) + "\"");
    return *value;
  }
  template <typename Parse>
  auto enumeration(const YAML::Node& parent, const std::string& key, const std::string& field, Parse parse,
                   const char* expected) const {
    const std::string value = text(parent, key, field);
    const auto parsed = parse(value);
    if (!parsed) fail(parent[key], field, std::string("expected one of ") + expected + ", got \"" + value + "\"");
    return *parsed;
  }

 private:
  std::filesystem::path path_;
  YAML::Node root_;
};

bool is_slug(std::string_view id) {
  if (id.empty() || id.front() == '-' || id.back() == '-') return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

models::Capability read_capability(const YamlFile& file, const YAML::Node& node, const std::string& at) {
  if (!node.IsMap()) file.fail(node, at, "expected a mapping");
  models::Capability c;
  c.channel = file.enumeration(node, "channel", at + ".channel", models::parse_channel,
                               "smart, document-free, transit-240h, transit-24h, one-time-mtp");
  if (c.channel == models::Channel::manual) file.fail(node["channel"], at + ".channel", "every port has a manual counter; do not list it");
  c.measure = file.text(node, "measure", at + ".measure");
  if (node["from"]) c.from = file.date(node, "from", at + ".from");
  if (node["until"]) c.until = file.date(node, "until", at + ".until");
  if (c.from && c.until && *c.until < *c.from) file.fail(node["until"], at + ".until", "before `from`");
  c.confirmed = file.boolean(node, "confirmed", at + ".confirmed");
  c.source = file.text(node, "source", at + ".source");
  return c;
}

models::Port read_port(const YamlFile& file, const YAML::Node& node, const std::string& at) {
  if (!node.IsMap()) file.fail(node, at, "expected a mapping");
  models::Port port;
  port.id = file.text(node, "id", at + ".id");
  if (!is_slug(port.id)) file.fail(node["id"], at + ".id", "expected a lower-case slug (a-z, 0-9, -), got \"" + port.id + "\"");
  port.name_en = file.text(node, "name_en", at + ".name_en");
  port.name_zh = file.text(node, "name_zh", at + ".name_zh");
  port.city = file.text(node, "city", at + ".city");
  port.province = file.text(node, "province", at + ".province");
  port.kind = file.enumeration(node, "kind", at + ".kind", models::parse_port_kind, "land, sea, air, rail");
  const auto capabilities = file.sequence(node, "capabilities", at + ".capabilities");
  for (std::size_t i = 0; i < capabilities.size(); ++i)
    port.capabilities.push_back(read_capability(file, capabilities[i], at + ".capabilities[" + std::to_string(i) + "]"));
  if (const YAML::Node destinations = node["destinations"]) {
    const std::string field = at + ".destinations";
    if (!destinations.IsSequence() || destinations.size() == 0) file.fail(destinations, field, "expected a list of HKG, MAC");
    for (std::size_t i = 0; i < destinations.size(); ++i) {
      const std::string item = field + "[" + std::to_string(i) + "]";
      const models::Destination value = file.destination(destinations[i], item);
      if (std::find(port.destinations.begin(), port.destinations.end(), value) != port.destinations.end())
        file.fail(destinations[i], item, "listed twice");
      port.destinations.push_back(value);
    }
    port.destinations_source = file.text(node, "destinations_source", at + ".destinations_source");
  } else if (node["destinations_source"]) {
    file.fail(node["destinations_source"], at + ".destinations_source", "a source without destinations");
  }
  return port;
}

}  // namespace

policy_files::Contents policy_files::parse(const std::filesystem::path& dir) {
  Contents data;
  {
    const YamlFile file(dir / names[0]);
    const auto ports = file.sequence(file.root(), "ports", "ports");
    std::unordered_set<std::string> ids;
    for (std::size_t i = 0; i < ports.size(); ++i) {
      const std::string at = "ports[" + std::to_string(i) + "]";
      auto port = read_port(file, ports[i], at);
      if (!ids.insert(port.id).second) file.fail(ports[i]["id"], at + ".id", "duplicate port id \"" + port.id + "\"");
      data.ports.push_back(std::move(port));
    }
  }
  {
    const YamlFile file(dir / names[1]);
    const auto countries = file.sequence(file.root(), "countries", "countries");
    std::unordered_set<std::string> codes;
    for (std::size_t i = 0; i < countries.size(); ++i) {
      const std::string at = "countries[" + std::to_string(i) + "]";
      const auto& node = countries[i];
      if (!node.IsMap()) file.fail(node, at, "expected a mapping");
      Country c;
      c.code = file.text(node, "code", at + ".code");
      if (c.code.size() != 3 || !std::all_of(c.code.begin(), c.code.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
        file.fail(node["code"], at + ".code", "expected an ISO 3166-1 alpha-3 code such as FRA, got \"" + c.code + "\"");
      c.name_en = file.text(node, "name_en", at + ".name_en");
      c.name_zh = file.text(node, "name_zh", at + ".name_zh");
      c.region = file.text(node, "region", at + ".region");
      c.from = file.date(node, "from", at + ".from");
      c.confirmed = file.boolean(node, "confirmed", at + ".confirmed");
      if (!codes.insert(c.code).second) file.fail(node["code"], at + ".code", "duplicate country \"" + c.code + "\"");
      data.countries.push_back(std::move(c));
    }
  }
  {
    const YamlFile file(dir / names[2]);
    const auto& root = file.root();
    auto& p = data.parameters;
    const auto smart = file.map(root, "smart_channel", "smart_channel");
    p.smart_minimum_age = file.integer(smart, "minimum_age", "smart_channel.minimum_age", 0, 150);
    const auto talent = file.map(root, "talent_endorsement", "talent_endorsement");
    p.talent_maximum_stay_days = file.integer(talent, "maximum_stay_days", "talent_endorsement.maximum_stay_days", 1, 3660);
    const auto t24 = file.map(root, "transit_24h", "transit_24h");
    p.transit_24h_maximum_hours = file.integer(t24, "maximum_hours", "transit_24h.maximum_hours", 1, 10000);
    p.transit_24h_list_complete = file.boolean(t24, "list_complete", "transit_24h.list_complete");
    const auto t240 = file.map(root, "transit_240h", "transit_240h");
    p.transit_240h_maximum_hours = file.integer(t240, "maximum_hours", "transit_240h.maximum_hours", 1, 10000);
    const auto renewal = file.map(root, "family_visit_renewal", "family_visit_renewal");
    p.renewal_from = file.date(renewal, "from", "family_visit_renewal.from");
    p.renewal_minimum_working_days =
        file.integer(renewal, "minimum_working_days", "family_visit_renewal.minimum_working_days", 0, 365);
    const auto mtp = file.map(root, "one_time_mtp", "one_time_mtp");
    p.one_time_mtp_list_complete = file.boolean(mtp, "list_complete", "one_time_mtp.list_complete");
    p.one_time_mtp_total_ports = file.integer(mtp, "total_ports", "one_time_mtp.total_ports", 0, 100000);
    const auto card = file.map(root, "arrival_card", "arrival_card");
    p.arrival_card_from = file.date(card, "from", "arrival_card.from");
  }
  return data;
}

std::set<models::CivilDate> load_holiday_calendar(const std::filesystem::path& path) {
  const YamlFile file(path);
  const auto list = file.sequence(file.root(), "holidays", "holidays");
  std::set<models::CivilDate> days;
  for (std::size_t i = 0; i < list.size(); ++i) days.insert(file.date(list[i], "holidays[" + std::to_string(i) + "]"));
  return days;
}

}  // namespace gatesim::gate

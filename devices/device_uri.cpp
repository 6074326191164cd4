#include "devices/device_uri.hpp"

#include <cmath>
#include <sstream>

#include "devices/tls.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {

DeviceUri parse_device_uri(const std::string& uri, const std::string& flag) {
  DeviceUri parsed;
  parsed.text = flag + " " + uri;
  const auto hash = uri.find('#');
  const std::string base = uri.substr(0, hash);
  const auto colon = base.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == base.size())
    throw models::InputError(parsed.text + ": expected SCHEME:LOCATION such as usb:0 or file:clip.mp4");
  parsed.scheme = base.substr(0, colon);
  const bool url = base.compare(colon, 3, "://") == 0;
  parsed.where = url && !is_remote(parsed) ? base : base.substr(colon + (url ? 3 : 1));
  if (hash == std::string::npos) return parsed;
  std::stringstream options(uri.substr(hash + 1));
  for (std::string item; std::getline(options, item, ',');) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw models::InputError(parsed.text + ": option '" + item + "': expected key=value after '#'");
    parsed.options[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return parsed;
}

double number_option(const DeviceUri& uri, const std::string& key, double fallback, double low, double high) {
  const auto it = uri.options.find(key);
  if (it == uri.options.end()) return fallback;
  std::size_t used = 0;
  double value = NAN;
  try {
    value = std::stod(it->second, &used);
  } catch (const std::exception&) {
  }
  if (used != it->second.size() || !(value >= low && value <= high)) {
    std::ostringstream s;
    s << uri.text << ": option " << key << "=" << it->second << ": expected a number from " << low << " to " << high;
    throw models::InputError(s.str());
  }
  return value;
}

FaultPlan fault_plan_option(const DeviceUri& uri) {
  const auto seed = static_cast<std::uint64_t>(number_option(uri, "seed", 0, 0, 9007199254740991.0));
  const auto it = uri.options.find("faults");
  if (it == uri.options.end()) return {};
  FaultPlan plan = parse_fault_plan(it->second, seed, uri.text);
  plan.stall_for = std::chrono::milliseconds(
      static_cast<long>(number_option(uri, "stall_ms", 5000, 0, 3.6e6)));
  plan.slow_by = std::chrono::milliseconds(static_cast<long>(number_option(uri, "slow_ms", 300, 0, 3.6e6)));
  return plan;
}

bool is_remote(const DeviceUri& uri) { return uri.scheme == "tcp" || uri.scheme == "tls"; }

RemoteOptions remote_options(const DeviceUri& uri, std::chrono::milliseconds timeout) {
  RemoteOptions options;
  options.timeout = std::chrono::milliseconds(
      static_cast<long>(number_option(uri, "timeout_ms", static_cast<double>(timeout.count()), 1, 3.6e6)));
  auto file = [&](const char* key) {
    const auto it = uri.options.find(key);
    return it == uri.options.end() ? std::string() : it->second;
  };
  if (uri.scheme == "tls") {
    options.tls = make_tls_context({file("ca"), file("cert"), file("key"), uri.text}, TlsRole::client);
  } else {
    for (const char* key : {"ca", "cert", "key"})
      if (uri.options.contains(key))
        throw models::InputError(uri.text + ": option " + key + "= is for tls:// devices (tcp:// is not encrypted)");
  }
  return options;
}

void check_options(const DeviceUri& uri, const std::string& known) {
  const std::string list = "," + known + ",";
  for (const auto& [key, value] : uri.options)
    if (list.find("," + key + ",") == std::string::npos)
      throw models::InputError(uri.text + ": unknown option '" + key + "'; expected one of " + known);
}

}  // namespace gatesim::devices

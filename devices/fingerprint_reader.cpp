#include "devices/fingerprint_reader.hpp"

#include <algorithm>
#include <sstream>

#include "devices/device_uri.hpp"
#include "devices/fault_injection.hpp"
#include "devices/libfprint_reader.hpp"
#include "devices/remote_readers.hpp"
#include "models/input_error.hpp"
#include "models/plugin.hpp"

namespace gatesim::devices {

std::string to_string(FingerprintStatus status) {
  switch (status) {
    case FingerprintStatus::matched: return "matched";
    case FingerprintStatus::not_matched: return "not matched";
    case FingerprintStatus::no_finger: return "no finger";
    case FingerprintStatus::poor_capture: return "poor capture";
  }
  return "unknown";
}

SimulatedFingerprintReader::SimulatedFingerprintReader(std::vector<ScriptedTouch> script, Clock& clock)
    : script_(std::move(script)), clock_(clock) {}

FingerprintReading SimulatedFingerprintReader::verify(const std::string&) {
  if (next_ >= script_.size()) throw DeviceFault(FaultKind::end_of_stream, name(), "no more scripted touches");
  const ScriptedTouch& touch = script_[next_++];
  clock_.sleep_for(touch.delay);
  if (touch.fault) throw DeviceFault(*touch.fault, name(), "scripted");
  return touch.reading;
}

namespace {

ScriptedTouch parse_touch(const std::string& item, const std::string& where) {
  auto bad = [&] {
    throw models::InputError(where + ": touch '" + item +
                             "': expected match:SCORE, nomatch:SCORE, nofinger, poor, timeout or disconnect, "
                             "optionally @MS");
  };
  ScriptedTouch touch;
  std::string body = item;
  if (const auto at = item.find('@'); at != std::string::npos) {
    body = item.substr(0, at);
    const std::string ms = item.substr(at + 1);
    if (ms.empty() || ms.size() > 9 || ms.find_first_not_of("0123456789") != std::string::npos) bad();
    touch.delay = std::chrono::milliseconds(std::stol(ms));
  }
  const auto colon = body.find(':');
  const std::string kind = body.substr(0, colon);
  if (kind == "match" || kind == "nomatch") {
    if (colon == std::string::npos) bad();
    const std::string number = body.substr(colon + 1);
    std::size_t used = 0;
    try {
      touch.reading.score = std::stod(number, &used);
    } catch (const std::logic_error&) {
      bad();
    }
    if (used != number.size() || touch.reading.score < 0 || touch.reading.score > 1) bad();
    touch.reading.status = kind == "match" ? FingerprintStatus::matched : FingerprintStatus::not_matched;
    return touch;
  }
  if (colon != std::string::npos) bad();
  if (kind == "nofinger") touch.reading.status = FingerprintStatus::no_finger;
  else if (kind == "poor") touch.reading.status = FingerprintStatus::poor_capture;
  else if (kind == "timeout") touch.fault = FaultKind::timeout;
  else if (kind == "disconnect") touch.fault = FaultKind::disconnected;
  else bad();
  return touch;
}

// libfprint:[DRIVER][#options]; an empty DRIVER is the first device.
std::unique_ptr<FingerprintReader> open_libfprint(DeviceUri uri) {
  check_options(uri, "faults,seed,stall_ms,slow_ms,prints,timeout_ms,socket");
  LibfprintOptions options;
  options.driver = uri.where;
  std::replace(options.driver.begin(), options.driver.end(), '-', '_');  // virtual-image as in DESIGN.md
  if (const auto it = uri.options.find("prints"); it != uri.options.end()) options.prints = it->second;
  options.timeout = std::chrono::milliseconds(static_cast<long>(number_option(uri, "timeout_ms", 10000, 1, 3.6e6)));
  if (const auto it = uri.options.find("socket"); it != uri.options.end()) {
    if (options.driver != "virtual_image")
      throw models::InputError(uri.text + ": option socket: only for libfprint:virtual_image");
    options.virtual_image_socket = it->second;
  }
  return open_libfprint_reader(options);
}

}  // namespace

std::unique_ptr<FingerprintReader> open_libfprint_reader(const LibfprintOptions& options) {
  using Open = FingerprintReader*(const LibfprintOptions&);
  auto* open = models::plugin_function<Open>("gatesim-fprint", "gatesim_open_libfprint_reader",
                                             "fingerprint reader libfprint:" + options.driver);
  return std::unique_ptr<FingerprintReader>(open(options));
}

std::unique_ptr<FingerprintReader> open_fingerprint_reader(const std::string& text, Clock& clock) {
  // "libfprint:" alone (or before '#') names the first device: no location to parse.
  const bool first_device = text.starts_with("libfprint:") && (text.size() == 10 || text[10] == '#');
  DeviceUri uri = parse_device_uri(first_device ? "libfprint:-" + text.substr(10) : text, "--fingerprint");
  if (first_device) {
    uri.text = "--fingerprint " + text;
    uri.where.clear();
  }
  std::unique_ptr<FingerprintReader> reader;
  if (uri.scheme == "libfprint") {
    reader = open_libfprint(uri);
  } else if (is_remote(uri)) {
    check_options(uri, std::string("faults,seed,stall_ms,slow_ms,") + kRemoteOptions);
    // A touch waits for the traveller (a served libfprint reader gives up after 10 s by default).
    reader = std::make_unique<RemoteFingerprintReader>(parse_endpoint(uri.where, uri.text),
                                                       remote_options(uri, std::chrono::seconds(15)), uri.text);
  } else if (uri.scheme == "sim") {
    check_options(uri, "faults,seed,stall_ms,slow_ms");
    std::vector<ScriptedTouch> script;
    std::stringstream items(uri.where);
    for (std::string item; std::getline(items, item, ',');) script.push_back(parse_touch(item, uri.text));
    reader = std::make_unique<SimulatedFingerprintReader>(std::move(script), clock);
  } else {
    throw models::InputError(uri.text + ": unknown kind '" + uri.scheme + "'; expected sim, libfprint, tcp or tls");
  }
  if (FaultPlan plan = fault_plan_option(uri); !plan.empty())
    reader = std::make_unique<FaultyFingerprintReader>(std::move(reader), std::move(plan), clock);
  return reader;
}

}  // namespace gatesim::devices

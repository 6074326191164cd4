#include "devices/passage_sensor.hpp"

#include <sstream>

#include "devices/device_uri.hpp"
#include "devices/remote_passage_sensor.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {

SimulatedPassageSensor::SimulatedPassageSensor(std::vector<ScriptedPassage> script, Clock& clock)
    : script_(std::move(script)), clock_(clock) {}

int SimulatedPassageSensor::await_clear() {
  if (next_ >= script_.size()) throw DeviceFault(FaultKind::end_of_stream, name(), "no more scripted passages");
  const ScriptedPassage& passage = script_[next_++];
  clock_.sleep_for(passage.delay);
  if (passage.fault) throw DeviceFault(*passage.fault, name(), "scripted");
  return passage.people;
}

namespace {

ScriptedPassage parse_passage(const std::string& item, const std::string& where) {
  auto bad = [&] {
    throw models::InputError(where + ": passage '" + item +
                             "': expected a number of people 0-9, timeout or disconnect, optionally @MS");
  };
  ScriptedPassage passage;
  std::string body = item;
  if (const auto at = item.find('@'); at != std::string::npos) {
    body = item.substr(0, at);
    const std::string ms = item.substr(at + 1);
    if (ms.empty() || ms.size() > 9 || ms.find_first_not_of("0123456789") != std::string::npos) bad();
    passage.delay = std::chrono::milliseconds(std::stol(ms));
  }
  if (body == "timeout") passage.fault = FaultKind::timeout;
  else if (body == "disconnect") passage.fault = FaultKind::disconnected;
  else if (body.size() == 1 && body[0] >= '0' && body[0] <= '9') passage.people = body[0] - '0';
  else bad();
  return passage;
}

}  // namespace

std::unique_ptr<PassageSensor> open_passage_sensor(const std::string& text, Clock& clock) {
  const DeviceUri uri = parse_device_uri(text, "--passage");
  if (is_remote(uri)) {
    check_options(uri, kRemoteOptions);
    // A passage takes the traveller's time; the served sensor reports its own timeout before this.
    return std::make_unique<RemotePassageSensor>(parse_endpoint(uri.where, uri.text),
                                                 remote_options(uri, kRemotePassageTimeout), uri.text);
  }
  if (uri.scheme != "sim")
    throw models::InputError(uri.text + ": unknown kind '" + uri.scheme + "'; expected sim, tcp or tls");
  if (!uri.options.empty()) throw models::InputError(uri.text + ": a sim: passage sensor takes no options");
  std::vector<ScriptedPassage> script;
  std::stringstream items(uri.where);
  for (std::string item; std::getline(items, item, ',');) script.push_back(parse_passage(item, uri.text));
  return std::make_unique<SimulatedPassageSensor>(std::move(script), clock);
}

}  // namespace gatesim::devices

#include "apps/gatesim/replay_control.hpp"

#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace gatesim::app {
namespace {

web::HttpResponse bad(const std::string& why) { return {400, "text/plain; charset=utf-8", "bad request: " + why + "\n"}; }

}  // namespace

web::HttpResponse apply_control_request(sim::PaceControl& control, std::string_view body) {
  const auto request = nlohmann::json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object())
    return bad(R"(expected a JSON object such as {"pause": true}, {"pause": false} or {"speed": 10})");
  for (const auto& [key, value] : request.items())
    if (key != "pause" && key != "speed") return bad("unknown field \"" + key + "\" (expected pause, speed)");
  std::optional<bool> pause;
  std::optional<double> speed;
  if (const auto p = request.find("pause"); p != request.end()) {
    if (!p->is_boolean()) return bad("pause: expected true or false");
    pause = p->get<bool>();
  }
  if (const auto s = request.find("speed"); s != request.end()) {
    if (!s->is_number() || !(s->get<double>() >= sim::PaceControl::kMinSpeed && s->get<double>() <= sim::PaceControl::kMaxSpeed)) {
      std::ostringstream why;
      why << "speed: expected a number from " << sim::PaceControl::kMinSpeed << " to " << sim::PaceControl::kMaxSpeed << ", got "
          << s->dump();
      return bad(why.str());
    }
    speed = s->get<double>();
  }
  if (speed) control.set_speed(*speed);
  if (pause && *pause) control.pause();
  if (pause && !*pause) control.resume();
  const auto state = control.state();
  return {200, "application/json", nlohmann::json{{"paused", state.paused}, {"speed", state.speed}}.dump() + "\n"};
}

}  // namespace gatesim::app

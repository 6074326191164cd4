#pragma once
// The Port page's controls of a real-time replay: pause, resume and speed, served as
// POST /api/control only when the user asked for them (`simulate --http-control`). They move
// the replay's wall-clock pacing (sim::PaceControl) and nothing else: the simulation handles the
// same events in the same order, so its outputs are the unpaced run's bytes.
//
// The request's body is a JSON object with "pause" (true: pause, false: resume) and/or "speed"
// (simulated seconds per wall second, sim::PaceControl::kMinSpeed to kMaxSpeed); nothing else.
//
// Thread safety: as sim::PaceControl (any thread).

#include <string_view>

#include "sim/realtime.hpp"
#include "web/http_server.hpp"

namespace gatesim::app {

// ensures: the request obeyed and 200 with the control's state ({"paused": .., "speed": ..}),
//          or 400 naming what was wrong and nothing changed.
web::HttpResponse apply_control_request(sim::PaceControl& control, std::string_view body);

}  // namespace gatesim::app

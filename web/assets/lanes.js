"use strict";
// The Lanes page: every lane of `gatesim gate` (a bank's side by side), each as lane_view.js draws it.

function render(state) {
  document.getElementById("lanes").replaceChildren(...laneSections(state.lanes, !state.finished));
  document.getElementById("summary").textContent = state.port + (state.finished ? " · the run is over" : "");
}

laneView.query = followState(render);

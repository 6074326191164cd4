"use strict";
// The Devices page of `gatesim device-server --http`: what is served and where, the sessions
// open and how they ended, requests, frames served and the device faults answered by kind.

function render(state) {
  const served = Object.entries(state.served).filter(([what]) => what !== "uri" && what !== "listen" && what !== "http")
    .map(([what, uri]) => el("tr", { class: "served", "data-device": what }, el("td", {}, what), el("td", {}, uri)));
  const faults = Object.entries(state.faults).map(([kind, n]) =>
    el("tr", { class: "fault", "data-kind": kind }, el("td", {}, kind), el("td", { class: "number" }, n)));
  const ended = Object.entries(state.sessions_ended).map(([reason, n]) =>
    el("tr", { class: "ended", "data-reason": reason }, el("td", {}, reason.replaceAll("_", " ")), el("td", { class: "number" }, n)));
  document.getElementById("devices").replaceChildren(
    el("section", { class: "panel" },
      el("h2", {}, "Serving at ", state.served.uri),
      table([["device"], ["source"]], served),
      el("div", { class: "state" },
        el("span", {}, "Sessions open: ", el("b", { id: "sessions-open" }, state.sessions_open)),
        el("span", {}, "Sessions: ", el("b", { id: "sessions" }, state.sessions)),
        el("span", {}, "Requests: ", el("b", { id: "requests" }, state.requests)),
        el("span", {}, "Frames served: ", el("b", { id: "frames" }, state.frames)),
        el("span", {}, "Fingerprint requests refused: ", el("b", {}, state.touches_refused)))),
    el("section", { class: "panel" },
      el("h2", {}, "Device faults answered"), table([["kind"], ["answers", "number"]], faults),
      el("h3", {}, "Sessions ended by the server"), table([["reason"], ["sessions", "number"]], ended)));
  document.getElementById("summary").textContent = state.sessions_open + " session(s) open";
}

followState(render);

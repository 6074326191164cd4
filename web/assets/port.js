"use strict";
// The Port page: progress, who is in the port, queues and waits per channel, referrals by
// reason; live during a real-time replay, the finished run's figures afterwards.

// Pause, resume and speed of a real-time replay: shown only when the program was started with
// --http-control (the state then has "control"). They change the pacing only, never a decision.
const kSpeeds = [0.5, 1, 2, 5, 10, 20, 50, 100];

function renderControls(state) {
  const nav = document.getElementById("controls");
  if (!state.control || state.finished) { nav.hidden = true; return; }
  const ask = (body) => postJson("/api/control", body)
    .then(() => { nav.dataset.error = ""; })
    .catch((e) => { nav.dataset.error = e.message; document.getElementById("control-error").textContent = e.message; });
  if (!nav.firstChild) {
    const pause = el("button", { id: "pause", type: "button" }, "Pause");
    pause.addEventListener("click", () => ask({ pause: pause.dataset.paused !== "true" }));
    const speeds = kSpeeds.map((s) => {
      const b = el("button", { type: "button", class: "speed", "data-speed": s }, s + "×");
      b.addEventListener("click", () => ask({ speed: s }));
      return b;
    });
    nav.replaceChildren(el("span", { class: "muted" }, "Replay: "), pause, ...speeds,
      el("span", {}, "paced at ", el("b", { id: "pace" }, "")), el("span", { id: "control-error", class: "reason" }, ""));
  }
  nav.hidden = false;
  const pause = document.getElementById("pause");
  pause.dataset.paused = String(state.control.paused);
  pause.textContent = state.control.paused ? "Resume" : "Pause";
  for (const b of nav.querySelectorAll("button.speed"))
    b.classList.toggle("current", Number(b.dataset.speed) === state.control.speed);
  document.getElementById("pace").textContent = state.control.speed + "×" + (state.control.paused ? ", paused" : "");
}

function render(state) {
  renderControls(state);
  const progress = (100 * state.progress).toFixed(0) + "%";
  const channels = state.channels.map((c) => el("tr", { class: "channel", "data-channel": c.name },
    el("td", {}, c.name.replaceAll("_", " ")),
    el("td", { class: "number" }, c.servers),
    el("td", { class: "number queued" }, c.queued),
    el("td", { class: "number" }, c.served),
    el("td", { class: "number" }, seconds(c.wait_mean_s)),
    el("td", { class: "number" }, seconds(c.wait_p95_s)),
    el("td", {}, el("span", { class: "bar", style: { width: Math.min(300, c.queued) + "px" } }))));
  const referrals = Object.entries(state.referrals).sort((a, b) => b[1] - a[1]).map(([code, n]) =>
    el("tr", { class: "referral" }, el("td", {}, code), el("td", { class: "number" }, n)));
  const main = document.getElementById("port");
  main.replaceChildren(
    el("section", { class: "panel" },
      el("h2", {}, state.scenario),
      el("div", { class: "state" },
        el("span", {}, "Progress: ", el("b", { id: "progress" }, progress)),
        el("span", {}, "Simulated: ", el("b", {}, seconds(state.simulated_s))),
        state.speed ? el("span", {}, "Speed: ", el("b", {}, state.speed + "×")) : null,
        el("span", {}, "In port: ", el("b", { id: "in-port" }, state.in_port)),
        el("span", {}, "Arrived: ", el("b", { id: "arrived" }, state.arrived)),
        el("span", {}, "Departed: ", el("b", { id: "departed" }, state.departed)),
        el("span", {}, "Run: ", el("b", { id: "run-state" }, state.finished ? "finished" : "running"))),
      el("h3", {}, "Channels"),
      table([["channel"], ["servers", "number"], ["queued", "number"], ["served", "number"], ["mean wait", "number"], ["p95 wait", "number"], ["queue"]], channels)),
    el("section", { class: "panel" },
      el("h2", {}, "Referrals by reason"),
      referrals.length ? table([["reason"], ["travellers", "number"]], referrals) : el("p", { class: "muted" }, "none yet")));
  document.getElementById("summary").textContent = state.finished ? "the run is over" : "live";
}

followState(render);

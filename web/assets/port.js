"use strict";
// The Port page: progress, who is in the port, the hall as a picture (queues, gates and
// counters with their state), queues and waits per channel, referrals by reason; live during a
// real-time replay, the finished run's figures afterwards. With `--live-gate`, each live gate's
// lane beside the hall, drawn as the Lanes page draws a lane (lane_view.js).

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

// The hall as a picture (SVG, drawn here from the state): per channel a row with its queue (one
// dot a waiting traveller, up to kQueueDots, then "+N") and its gates or counters as shapes
// coloured by what each is doing: busy, idle, down (faulty), or "unknown" when the program has
// no per-gate state (a run as fast as possible, before it ends). The simulator opens every gate
// and counter for the whole run: none is ever closed.
const kSvg = "http://www.w3.org/2000/svg";
const kQueueDots = 40;

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(kSvg, tag);
  for (const [name, value] of Object.entries(attributes || {}))
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function hall(state) {
  const row = 92, width = 760, queueWidth = 300, serverLeft = 330, size = 26, gap = 6;
  const perRow = Math.floor((width - serverLeft) / (size + gap));
  const rows = state.channels.map((c) => Math.max(1, Math.ceil(c.servers / perRow)));
  const height = rows.reduce((sum, n) => sum + row + (n - 1) * (size + gap), 0) + 30;
  const picture = svg("svg", { id: "hall", class: "hall", viewBox: "0 0 " + width + " " + height, width, height, role: "img",
    "aria-label": "the hall: queues and gates by channel" });
  let y = 8;
  state.channels.forEach((c, index) => {
    const gates = c.gates || [];
    const group = svg("g", { class: "hall-channel", "data-channel": c.name });
    group.append(svg("text", { x: 0, y: y + 14, class: "hall-label" }, c.name.replaceAll("_", " ")));
    group.append(svg("text", { x: 0, y: y + 32, class: "hall-figure", "data-figure": "queued" },
      "queued " + c.queued + (c.wait_mean_s === undefined ? "" : " · mean wait " + seconds(c.wait_mean_s))));
    const dots = Math.min(kQueueDots, c.queued);
    for (let i = 0; i < dots; ++i)
      group.append(svg("circle", { class: "hall-waiting", cx: 6 + (i % 20) * 14, cy: y + 48 + Math.floor(i / 20) * 14, r: 5 }));
    if (c.queued > kQueueDots)
      group.append(svg("text", { x: 6 + 20 * 14, y: y + 66, class: "hall-figure" }, "+" + (c.queued - kQueueDots)));
    const counters = c.name === "counters";
    for (let i = 0; i < c.servers; ++i) {
      const gate = gates[i] || { state: state.finished ? "idle" : "unknown" };
      const x = serverLeft + (i % perRow) * (size + gap), top = y + 4 + Math.floor(i / perRow) * (size + gap);
      const shape = counters
        ? svg("rect", { x, y: top, width: size, height: size, rx: size / 2 })
        : svg("rect", { x, y: top, width: size, height: size, rx: 3 });
      shape.setAttribute("class", "server " + (counters ? "counter" : "gate") + " " + gate.state + (gate.live ? " live" : ""));
      shape.setAttribute("data-state", gate.state);
      shape.append(svg("title", {}, (counters ? "counter " : "gate ") + (i + 1) + ": " + gate.state + (gate.live ? " (live lane)" : "")));
      group.append(shape);
      if (gate.state === "down")
        group.append(svg("path", { class: "hall-cross", d: "M" + (x + 6) + " " + (top + 6) + "L" + (x + size - 6) + " " + (top + size - 6) +
          "M" + (x + size - 6) + " " + (top + 6) + "L" + (x + 6) + " " + (top + size - 6) }));
    }
    group.append(svg("text", { x: serverLeft, y: y + rows[index] * (size + gap) + 18, class: "hall-figure" },
      c.served + " served" + (c.wait_p95_s === undefined ? "" : " · p95 wait " + seconds(c.wait_p95_s))));
    picture.append(group);
    y += row + (rows[index] - 1) * (size + gap);
  });
  const legend = svg("g", { class: "hall-legend" });
  ["busy", "idle", "down", "unknown"].forEach((s, i) => {
    legend.append(svg("rect", { x: i * 110, y: y + 4, width: 14, height: 14, rx: 3, class: "swatch " + s }));
    legend.append(svg("text", { x: i * 110 + 20, y: y + 16, class: "hall-figure" }, s));
  });
  picture.append(legend);
  return picture;
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
      el("h3", {}, "The hall"),
      hall(state),
      el("h3", {}, "Channels"),
      table([["channel"], ["servers", "number"], ["queued", "number"], ["served", "number"], ["mean wait", "number"], ["p95 wait", "number"], ["queue"]], channels)),
    ...laneSections(state.lanes || [], !state.finished),
    el("section", { class: "panel" },
      el("h2", {}, "Referrals by reason"),
      referrals.length ? table([["reason"], ["travellers", "number"]], referrals) : el("p", { class: "muted" }, "none yet")));
  document.getElementById("summary").textContent = state.finished ? "the run is over" : "live";
}

laneView.query = followState(render);

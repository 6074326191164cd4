"use strict";
// A lane as the dashboard shows it, the same wherever a lane is shown: every lane of `gatesim
// gate` on the Lanes page, and the live gates of `gatesim simulate --live-gate` on the Port page.
// Per lane the activity under way and its timer, barrier and indicator, the camera's view
// (boxes, landmarks and scores; the frame itself only when the program runs with --http-frames),
// the last transactions, device faults and step-time histograms.

// The lanes drawn last while their run goes on (their timers count on from `at`, when their
// state arrived) and the page's own "?token=..." (frame requests carry it; followState's).
const laneView = { lanes: [], at: 0, query: "" };
// --http-frames: each lane's frame image by lane name, {number, image}; fetched once per frame
// number, though the lane is drawn again on every state the server pushes.
const frames = new Map();

function activityTimer(lane) {
  const elapsed = lane.activity_ms + (performance.now() - laneView.at);
  return (elapsed / 1000).toFixed(1) + " s";
}

function drawFrame(canvas, lane) {
  const frame = lane.frame;
  const context = canvas.getContext("2d");
  const width = frame ? frame.width : 640, height = frame ? frame.height : 480;
  canvas.width = width;
  canvas.height = height;
  context.fillStyle = "#3c4043";
  context.fillRect(0, 0, width, height);
  const overlay = () => {
    if (!frame) return;
    context.lineWidth = Math.max(2, width / 200);
    context.font = Math.round(height / 24) + "px sans-serif";
    for (const box of frame.faces) {
      context.strokeStyle = frame.quality_ok ? "#34a853" : "#ea4335";
      context.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
    }
    // The analyser's landmarks (5 points a face), when the state has them.
    context.fillStyle = "#fbbc04";
    const radius = Math.max(2, width / 250);
    for (const points of frame.landmarks || []) {
      for (const [x, y] of points || []) {
        context.beginPath();
        context.arc(x, y, radius, 0, 2 * Math.PI);
        context.fill();
      }
    }
    const lines = [frame.faces.length + " face(s)" + (frame.quality_ok === undefined ? "" : frame.quality_ok ? ", quality ok" : ", " + frame.quality_reason)];
    if (frame.distance !== undefined) lines.push("distance " + frame.distance.toFixed(3));
    if (frame.liveness) lines.push("liveness " + frame.liveness);
    context.fillStyle = "#fff";
    lines.forEach((line, i) => context.fillText(line, 10, (i + 1.3) * height / 18));
  };
  if (lane.frame_url) {
    let kept = frames.get(lane.name);
    if (!kept || kept.number !== lane.frame_number) {
      kept = { number: lane.frame_number, image: new Image() };
      kept.image.src = lane.frame_url + (laneView.query ? laneView.query + "&" : "?") + "n=" + lane.frame_number;
      frames.set(lane.name, kept);
    }
    const image = kept.image;
    const draw = () => { if (image.naturalWidth > 0) context.drawImage(image, 0, 0, width, height); overlay(); };
    if (image.complete) {
      draw();
    } else {
      image.addEventListener("load", draw, { once: true });
      image.addEventListener("error", draw, { once: true });
    }
  } else {
    overlay();
  }
}

function laneSection(lane) {
  const canvas = el("canvas", { class: "frame", "data-lane": lane.name });
  drawFrame(canvas, lane);
  const transactions = lane.recent.map((t) => el("tr", { class: "transaction", "data-decision": t.decision },
    el("td", { class: "number" }, "#" + t.transaction),
    el("td", { class: t.decision }, t.decision),
    el("td", {}, t.holder_id || "–"),
    el("td", { class: "number" }, t.distance === undefined ? "–" : t.distance.toFixed(3)),
    el("td", { class: "number" }, seconds(t.duration_s)),
    el("td", { class: "reason" }, t.reasons.map((r) => r.code + ": " + r.detail).join("; "))));
  const faults = lane.faults.map((f) => el("tr", { class: "fault" },
    el("td", {}, f.device), el("td", {}, f.kind), el("td", { class: "reason" }, f.what)));
  const steps = lane.steps.map((s) => {
    const buckets = s.bounds.map((bound, i) => {
      const count = s.cumulative[i] - (i > 0 ? s.cumulative[i - 1] : 0);
      return count > 0 ? "≤" + seconds(bound) + ": " + count : null;
    }).filter((x) => x);
    const over = s.count - (s.cumulative.length ? s.cumulative[s.cumulative.length - 1] : 0);
    if (over > 0) buckets.push(">" + seconds(s.bounds[s.bounds.length - 1]) + ": " + over);
    return el("tr", { class: "step" },
      el("td", {}, s.step), el("td", { class: "number" }, s.count), el("td", { class: "number" }, seconds(s.count ? s.sum_s / s.count : null)),
      el("td", {}, el("span", { class: "bar", style: { width: Math.min(200, 4 * s.count) + "px" } }), " ", buckets.join(", ")));
  });
  return el("section", { class: "panel lane", id: "lane-" + lane.name },
    el("h2", {}, "Lane " + lane.name + " · " + lane.channel.replace("_", "-") + " channel"),
    el("div", { class: "state" },
      el("span", {}, "Now: ", el("b", { class: "activity" }, lane.activity), " ", el("span", { class: "timer muted" }, activityTimer(lane))),
      el("span", {}, "Barrier: ", el("b", { class: "barrier barrier-" + lane.barrier }, lane.barrier)),
      el("span", {}, "Indicator: ", el("b", { class: "indicator" }, lane.indicator)),
      el("span", {}, "Transactions: ", el("b", { class: "transactions" }, lane.transactions),
        " (", el("span", { class: "cleared" }, lane.cleared + " cleared"), ", ", el("span", { class: "referred" }, lane.referred + " referred"), ")")),
    canvas,
    el("h3", {}, "Last transactions"),
    transactions.length ? table([["#", "number"], ["decision"], ["holder"], ["distance", "number"], ["time", "number"], ["reasons"]], transactions)
      : el("p", { class: "muted" }, "none yet"),
    el("h3", {}, "Device faults (" + lane.fault_count + ")"),
    faults.length ? table([["device"], ["kind"], ["what"]], faults) : el("p", { class: "muted" }, "none"),
    el("h3", {}, "Step times"),
    steps.length ? table([["step"], ["count", "number"], ["mean", "number"], ["histogram"]], steps) : el("p", { class: "muted" }, "no step timed yet"));
}

// ensures: a section per lane of `lanes` (a state's "lanes"), their timers counting on while
// `running`.
function laneSections(lanes, running) {
  laneView.lanes = running ? lanes : [];
  laneView.at = performance.now();
  return lanes.map(laneSection);
}

setInterval(() => {
  for (const lane of laneView.lanes) {
    const timer = document.querySelector("#lane-" + CSS.escape(lane.name) + " .timer");
    if (timer) timer.textContent = activityTimer(lane);
  }
}, 250);

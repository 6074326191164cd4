"use strict";
// Shared by the dashboard pages: follows the program's state and builds DOM nodes safely.

// Calls render(state) with /api/state at once, then with every state the WebSocket /ws pushes;
// while the socket is down the page polls /api/state every second and retries the socket.
function followState(render) {
  const token = new URLSearchParams(location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const connection = document.getElementById("connection");
  const say = (text) => { if (connection) connection.textContent = text; };
  let polling = null;
  async function poll() {
    try {
      const answer = await fetch("/api/state" + query, { cache: "no-store" });
      if (answer.ok) render(await answer.json());
    } catch (e) {
      say("disconnected");
    }
  }
  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + query);
    socket.onopen = () => {
      say("live");
      if (polling) { clearInterval(polling); polling = null; }
    };
    socket.onmessage = (message) => render(JSON.parse(message.data));
    socket.onclose = () => {
      say("reconnecting (polling)");
      if (!polling) polling = setInterval(poll, 1000);
      setTimeout(connect, 3000);
    };
  }
  poll().then(connect);
  return query;
}

// POSTs `body` as JSON to `path` with the page's token (when it was opened with one); the
// answer's JSON, or an Error saying what the server said.
async function postJson(path, body) {
  const token = new URLSearchParams(location.search).get("token");
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const answer = await fetch(path, { method: "POST", headers, body: JSON.stringify(body), cache: "no-store" });
  if (!answer.ok) throw new Error(answer.status + " " + (await answer.text()));
  return answer.json();
}

// el("td", {class: "number"}, "12", child, ...): text is always text (never parsed as HTML).
// `style` is an object of CSS properties ({width: "12px"}), set through element.style: the pages'
// Content-Security-Policy (no 'unsafe-inline') ignores a style attribute, so bars would not show.
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null) continue;
    if (name === "style") Object.assign(node.style, value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function seconds(value) {
  if (value === undefined || value === null) return "–";
  return value < 1 ? (value * 1000).toFixed(0) + " ms" : value < 120 ? value.toFixed(1) + " s" : (value / 60).toFixed(1) + " min";
}

// A table of rows; `columns` are [heading, className] pairs.
function table(columns, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, ...columns.map(([heading, cls]) => el("th", { class: cls }, heading)))),
    el("tbody", {}, ...rows));
}

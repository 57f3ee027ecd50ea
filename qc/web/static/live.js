// Agent desk and supervisors' wall: server-sent events (EventSource reconnects by itself and sends
// Last-Event-ID, so alerts raised while a desktop was away are delivered when it comes back).
(function () {
  "use strict";
  const script = document.currentScript;
  const mode = script.dataset.mode;
  const csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  const seen = new Set();
  window.qcLive = { received: [] };  // for tests and the latency benchmark

  function text(tag, value, cls) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function note(alert) {
    window.qcLive.received.push({ id: alert.alert_id, kind: alert.kind, at: Date.now() / 1000,
                                  speech_ended_at: alert.speech_ended_at, published_at: alert.published_at });
  }

  function deskAlert(alert) {
    const box = document.getElementById("popups");
    const pop = document.createElement("div");
    pop.className = "popup sev-" + alert.severity;
    pop.dataset.kind = alert.kind;
    pop.setAttribute("role", "alert");
    pop.appendChild(text("strong", alert.message_zh));
    pop.appendChild(text("p", alert.message_en));
    const close = text("button", "知道了 OK");
    close.type = "button";
    close.addEventListener("click", function () { pop.remove(); });
    pop.appendChild(close);
    box.prepend(pop);
    // Warnings fade on their own; critical ones stay until dismissed.
    if (alert.severity === "warning") setTimeout(function () { pop.remove(); }, 20000);
    const item = text("li", new Date().toLocaleTimeString() + " · " + alert.message_zh);
    document.getElementById("history").prepend(item);
  }

  function wallAlert(alert) {
    const body = document.getElementById("alerts");
    const row = document.createElement("tr");
    row.className = "sev-" + alert.severity;
    row.dataset.alert = alert.alert_id;
    const when = alert.raised_at ? alert.raised_at.slice(11, 19) : "";
    [when, alert.live_call_id, alert.agent_id, alert.kind].forEach(function (v) { row.appendChild(text("td", v || "")); });
    const msg = text("td", alert.message_zh);
    msg.appendChild(document.createElement("br"));
    msg.appendChild(text("small", alert.message_en));
    row.appendChild(msg);
    const ack = document.createElement("td");
    ack.className = "ack";
    if (alert.acknowledged_by) ack.textContent = "✓ " + alert.acknowledged_by;
    else ack.appendChild(ackButton(alert.alert_id));
    row.appendChild(ack);
    body.prepend(row);
  }

  function ackButton(id) {
    const b = text("button", "确认 Acknowledge");
    b.type = "button";
    b.dataset.ack = id;
    return b;
  }

  function wallCall(call) {
    const body = document.getElementById("calls");
    let row = body.querySelector('tr[data-call="' + CSS.escape(call.live_call_id) + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.dataset.call = call.live_call_id;
      ["id", "agent", "state", "num audio", "num alerts"].forEach(function (c) { row.appendChild(text("td", "", c)); });
      body.prepend(row);
    }
    const cells = row.children;
    cells[0].textContent = call.live_call_id;
    cells[1].textContent = call.agent_id;
    cells[2].textContent = call.state;
    cells[3].textContent = call.audio_s;
    cells[4].textContent = call.alerts;
    row.className = "state-" + call.state;
  }

  document.addEventListener("click", function (ev) {
    const id = ev.target && ev.target.dataset ? ev.target.dataset.ack : null;
    if (!id) return;
    fetch("/wall/alerts/" + id + "/ack", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
  });

  const source = new EventSource(mode === "desk" ? "/desk/events" : "/wall/events");
  source.addEventListener("alert", function (ev) {
    const alert = JSON.parse(ev.data);
    if (seen.has(alert.alert_id)) return;  // a replay after reconnecting may repeat one
    seen.add(alert.alert_id);
    note(alert);
    if (mode === "desk") deskAlert(alert); else wallAlert(alert);
  });
  source.addEventListener("ack", function (ev) {
    const ack = JSON.parse(ev.data);
    const cell = document.querySelector('tr[data-alert="' + ack.alert_id + '"] td.ack');
    if (cell) cell.textContent = "✓ " + ack.by;
  });
  source.addEventListener("call", function (ev) {
    const call = JSON.parse(ev.data);
    if (mode === "wall") wallCall(call);
    else document.getElementById("desk-state").textContent =
      (call.state === "live" ? "通话中 On a call: " : "通话结束 Call " + call.state + ": ") + call.live_call_id;
  });
  source.addEventListener("open", function () { document.body.dataset.live = "connected"; });
  source.addEventListener("error", function () { document.body.dataset.live = "reconnecting"; });
})();

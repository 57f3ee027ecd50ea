// Call page: waveform, speaker lanes, transcript that follows playback, play buttons for evidence spans.
(function () {
  "use strict";
  const audio = document.getElementById("audio");
  const rows = Array.from(document.querySelectorAll(".utt"));
  const lanes = document.getElementById("lanes");
  const wave = document.getElementById("wave");
  let stopAt = null;

  function duration() {
    const d = audio && isFinite(audio.duration) && audio.duration > 0 ? audio.duration : parseFloat(lanes ? lanes.dataset.duration : "0");
    return d || 1;
  }

  function play(start, end) {
    if (!audio) return;
    audio.currentTime = Math.max(0, start);
    stopAt = end;
    audio.play().catch(function () { /* autoplay refused: the position is still set */ });
  }

  if (lanes) {
    rows.forEach(function (row) {
      const seg = document.createElement("div");
      const start = parseFloat(row.dataset.start), end = parseFloat(row.dataset.end);
      seg.className = "seg " + row.dataset.role;
      seg.title = row.querySelector(".text").textContent;
      lanes.appendChild(seg);
      seg.dataset.start = start;
      seg.dataset.end = end;
    });
    function layout() {
      const d = duration();
      lanes.querySelectorAll(".seg").forEach(function (seg) {
        seg.setAttribute("data-left", (100 * seg.dataset.start / d).toFixed(3));
        seg.style.setProperty("left", (100 * seg.dataset.start / d) + "%");
        seg.style.setProperty("width", Math.max(0.2, 100 * (seg.dataset.end - seg.dataset.start) / d) + "%");
      });
    }
    layout();
    if (audio) audio.addEventListener("loadedmetadata", layout);
    lanes.addEventListener("click", function (ev) {
      const r = lanes.getBoundingClientRect();
      play(duration() * (ev.clientX - r.left) / r.width, null);
    });
  }

  if (wave && audio) {
    fetch(wave.dataset.peaks, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      const ctx = wave.getContext("2d"), h = wave.height, w = wave.width;
      const colours = ["#1f6feb", "#b35900"];
      data.channels.forEach(function (peaks, ch) {
        ctx.fillStyle = colours[ch % 2];
        ctx.globalAlpha = data.channels.length > 1 ? 0.6 : 0.9;
        const step = w / peaks.length;
        peaks.forEach(function (p, i) {
          const bar = Math.min(1, p * 1.5) * (h / 2);
          ctx.fillRect(i * step, h / 2 - bar, Math.max(1, step), 2 * bar);
        });
      });
      wave.dataset.ready = "1";
    });
    wave.addEventListener("click", function (ev) {
      const r = wave.getBoundingClientRect();
      play(duration() * (ev.clientX - r.left) / r.width, null);
    });
  }

  rows.forEach(function (row) {
    row.addEventListener("click", function () { play(parseFloat(row.dataset.start), null); });
  });
  document.querySelectorAll("button.play").forEach(function (b) {
    b.addEventListener("click", function () { play(parseFloat(b.dataset.start), parseFloat(b.dataset.end)); });
  });

  if (audio) {
    audio.addEventListener("timeupdate", function () {
      const t = audio.currentTime;
      if (stopAt !== null && t >= stopAt) { audio.pause(); stopAt = null; }
      rows.forEach(function (row) {
        const on = t >= parseFloat(row.dataset.start) && t < parseFloat(row.dataset.end);
        if (on && !row.classList.contains("playing")) row.scrollIntoView({ block: "nearest" });
        row.classList.toggle("playing", on);
      });
      document.body.dataset.position = t.toFixed(2);
    });
  }
})();

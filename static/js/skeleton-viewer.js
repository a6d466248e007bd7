/* Skeleton viewer: draws a stored COCO-17 pose sequence on a canvas, with play / pause and a
   scrubber. Markup: <div class="skeleton-viewer" data-src="URL"> (JSON: {fps, edges, width,
   height, tracks: [{id, frames: [[[x, y, confidence] x 17], ...]}]}). No library. */
(function () {
  "use strict";
  const COLOURS = ["#1f4fb8", "#b3261e", "#1b6e36", "#8a5200", "#5a2a9a"];

  function setUp(root) {
    const canvas = root.querySelector("canvas");
    const play = root.querySelector("[data-play]");
    const scrub = root.querySelector("input[type=range]");
    const label = root.querySelector("[data-frame]");
    const ctx = canvas.getContext("2d");
    let data = null, frame = 0, timer = null, count = 0, box = null;

    function bounds() {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (const track of data.tracks) for (const joints of track.frames) for (const [x, y, c] of joints) {
        if (c <= 0) continue;
        minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
      if (!isFinite(minX)) return {x: 0, y: 0, w: 1, h: 1};
      const pad = 0.05 * Math.max(maxX - minX, maxY - minY, 1);
      return {x: minX - pad, y: minY - pad, w: maxX - minX + 2 * pad, h: maxY - minY + 2 * pad};
    }

    function draw() {
      const w = canvas.width, h = canvas.height;
      ctx.clearRect(0, 0, w, h);
      const scale = Math.min(w / box.w, h / box.h);
      const ox = (w - box.w * scale) / 2, oy = (h - box.h * scale) / 2;
      const at = (x, y) => [ox + (x - box.x) * scale, oy + (y - box.y) * scale];
      data.tracks.forEach(function (track, index) {
        const joints = track.frames[Math.min(frame, track.frames.length - 1)];
        if (!joints) return;
        ctx.strokeStyle = ctx.fillStyle = COLOURS[index % COLOURS.length];
        ctx.lineWidth = 3;
        for (const [a, b] of data.edges) {
          if (joints[a][2] <= 0.05 || joints[b][2] <= 0.05) continue;
          const [x1, y1] = at(joints[a][0], joints[a][1]);
          const [x2, y2] = at(joints[b][0], joints[b][1]);
          ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
        }
        for (const [x, y, c] of joints) {
          if (c <= 0.05) continue;
          const [px, py] = at(x, y);
          ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI); ctx.fill();
        }
      });
      scrub.value = frame;
      label.textContent = "Frame " + (frame + 1) + " of " + count;
    }

    function stop() { clearInterval(timer); timer = null; play.textContent = "Play"; play.setAttribute("aria-pressed", "false"); }
    function start() {
      if (frame >= count - 1) frame = 0;
      timer = setInterval(function () { frame = (frame + 1) % count; draw(); }, 1000 / (data.fps || 25));
      play.textContent = "Pause"; play.setAttribute("aria-pressed", "true");
    }

    play.addEventListener("click", function () { timer ? stop() : start(); });
    scrub.addEventListener("input", function () { stop(); frame = Number(scrub.value); draw(); });

    fetch(root.dataset.src, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (json) {
      data = json;
      count = Math.max(1, ...data.tracks.map(function (t) { return t.frames.length; }));
      box = bounds();
      scrub.max = count - 1;
      play.disabled = scrub.disabled = false;
      root.dataset.ready = "true";
      draw();
    }).catch(function (error) {
      label.textContent = "The pose sequence could not be loaded (" + error.message + ").";
    });
  }

  function init(scope) { (scope || document).querySelectorAll(".skeleton-viewer:not([data-bound])").forEach(function (root) { root.dataset.bound = "1"; setUp(root); }); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();

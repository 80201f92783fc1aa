// Redraws the watched bar and its text from the server's answer to a progress report.

const SVG = "http://www.w3.org/2000/svg";

function clock(seconds) {
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function gaps(watched, duration) {
  const out = [];
  let at = 0;
  for (const [a, b] of watched) {
    if (a > at) out.push([at, a]);
    at = Math.max(at, b);
  }
  if (at < duration) out.push([at, duration]);
  return out;
}

export function showWatched(container, status, result) {
  const bar = container.querySelector(".watched-bar");
  const text = container.querySelector(".watched-text");
  if (bar) {
    const duration = Number(bar.dataset.duration);
    bar.querySelectorAll(".bar-watched").forEach((rect) => rect.remove());
    for (const [a, b] of result.watched) {
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("class", "bar-watched");
      rect.setAttribute("x", String((1000 * a) / duration));
      rect.setAttribute("width", String((1000 * (b - a)) / duration));
      rect.setAttribute("y", "0");
      rect.setAttribute("height", "16");
      bar.append(rect);
    }
    if (text) {
      const seen = result.watched.map(([a, b]) => `${clock(a)}–${clock(b)}`).join(", ");
      const missed = gaps(result.watched, duration).map(([a, b]) => `${clock(a)}–${clock(b)}`).join(", ");
      text.textContent = (seen ? `Watched: ${seen}.` : "Not started yet.") + (seen && missed ? ` Not yet watched: ${missed}.` : "");
    }
  }
  if (status) {
    status.textContent = result.complete
      ? "✓ Watched: this lesson is complete."
      : `Watched so far: ${Math.round(result.coverage * 100)}%.`;
  }
}

// Timing tool (author pages): mark when each transcript line begins while the video plays.
// Space/Enter (or the Mark button) marks the current line at the video's time and moves on; each line
// can be nudged 0.5 s earlier or later, replayed, or marked again. Save posts the lines as JSON.
// Usable by keyboard alone; every change is announced in the status line.

const STEP = 0.5; // seconds per nudge
const GAP = 0.05; // a line must start at least this long after the one before
const round3 = (value) => Math.round(value * 1000) / 1000;

export function clock(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "–";
  const tenths = Math.round(seconds * 10);
  const minutes = Math.floor(tenths / 600);
  return `${minutes}:${((tenths % 600) / 10).toFixed(1).padStart(4, "0")}`;
}

function setUp(tool) {
  const video = document.getElementById("timing-video");
  const markButton = document.getElementById("timing-mark");
  const playButton = document.getElementById("timing-play");
  const status = document.getElementById("timing-status");
  const position = document.getElementById("timing-position");
  const form = document.getElementById("timing-form");
  const save = document.getElementById("timing-save");
  const lines = Array.from(tool.querySelectorAll(".timing-line")).map((item) => ({
    item,
    speaker: item.dataset.speaker || null,
    text: item.dataset.text,
    start: item.dataset.start ? Number(item.dataset.start) : null,
  }));
  let current = lines.findIndex((line) => line.start == null);
  if (current < 0) current = lines.length;
  let stopAt = null;

  const say = (message) => { status.textContent = message; };
  const duration = () => (Number.isFinite(video.duration) && video.duration > 0 ? video.duration : null);
  const ready = () => duration() != null && lines.every((line) => line.start != null);
  const markedBefore = (index) => lines.slice(0, index).reverse().find((line) => line.start != null);
  const markedAfter = (index) => lines.slice(index + 1).find((line) => line.start != null);
  const endOf = (index) => (index + 1 < lines.length ? lines[index + 1].start : duration());

  function render() {
    lines.forEach((line, index) => {
      const time = line.item.querySelector(".timing-time");
      const marked = line.start != null;
      time.textContent = marked ? `${clock(line.start)} – ${clock(endOf(index))}` : "–";
      time.setAttribute("aria-label", marked ? `From ${clock(line.start)} to ${clock(endOf(index))}` : "Not marked");
      line.item.classList.toggle("is-marked", marked);
      line.item.classList.toggle("is-current", index === current);
      if (index === current) line.item.setAttribute("aria-current", "step");
      else line.item.removeAttribute("aria-current");
      for (const button of line.item.querySelectorAll("[data-action=earlier], [data-action=later], [data-action=replay]")) {
        button.disabled = !marked;
      }
    });
    markButton.textContent = current < lines.length ? `Mark line ${current + 1}` : "All lines marked";
    markButton.setAttribute("aria-disabled", String(current >= lines.length));
    save.disabled = !ready();
    const length = duration();
    document.getElementById("timing-duration").textContent = length ? `${clock(length)} (${round3(length)} s)` : "–";
  }

  function showCurrent() {
    if (current < lines.length) lines[current].item.scrollIntoView({ block: "nearest" });
  }

  function mark() {
    if (current >= lines.length) {
      say("Every line is marked. Save, or choose “Mark from here” on a line to mark again.");
      return;
    }
    const time = round3(video.currentTime);
    const before = markedBefore(current);
    if (before && time < before.start + GAP) {
      say(`Line ${current + 1} must begin after ${clock(before.start)}; the video is at ${clock(time)}.`);
      return;
    }
    lines[current].start = time;
    let cleared = 0;
    for (const later of lines.slice(current + 1)) {
      if (later.start != null && later.start < time + GAP) {
        later.start = null;
        cleared += 1;
      }
    }
    say(`Line ${current + 1} starts at ${clock(time)}.` + (cleared ? ` ${cleared} later line(s) to mark again.` : ""));
    current += 1;
    render();
    showCurrent();
  }

  function nudge(index, delta) {
    const line = lines[index];
    const low = markedBefore(index) ? markedBefore(index).start + GAP : 0;
    const following = markedAfter(index);
    const high = following ? following.start - GAP : (duration() ?? Infinity) - GAP;
    const moved = round3(Math.min(high, Math.max(low, line.start + delta)));
    if (moved === line.start) {
      say(`Line ${index + 1} cannot move ${delta < 0 ? "earlier" : "later"}: it stays at ${clock(line.start)}.`);
      return;
    }
    line.start = moved;
    render();
    say(`Line ${index + 1} now starts at ${clock(moved)}.`);
  }

  function replay(index) {
    const end = endOf(index);
    stopAt = end ?? null;
    video.currentTime = lines[index].start;
    video.play().catch(() => say("The video could not play."));
    say(`Replaying line ${index + 1} from ${clock(lines[index].start)}.`);
    requestAnimationFrame(watchStop);
  }

  function watchStop() {
    if (stopAt == null) return;
    if (video.paused) { stopAt = null; return; }
    if (video.currentTime >= stopAt) {
      video.pause();
      stopAt = null;
      return;
    }
    requestAnimationFrame(watchStop);
  }

  function pick(index) {
    current = index;
    const before = markedBefore(index);
    const from = lines[index].start != null ? lines[index].start - 2 : before ? before.start : 0;
    video.currentTime = Math.max(0, from);
    render();
    say(`Line ${index + 1} is next to mark; the video is at ${clock(video.currentTime)}.`);
    markButton.focus();
  }

  function back() {
    if (current === 0) return;
    current -= 1;
    render();
    showCurrent();
    say(`Line ${current + 1} is next to mark.`);
  }

  function togglePlay() {
    if (video.paused) video.play().catch(() => say("The video could not play."));
    else video.pause();
  }

  function usesKeys(target) {
    if (target === markButton || target === video || target === document.body) return true;
    if (!tool.contains(target)) return false;
    return !target.closest("button, input, textarea, select, a, summary, label, [contenteditable]");
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !usesKeys(event.target)) return;
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      if (!event.repeat) mark();
    } else if (event.key === "p" || event.key === "P") {
      event.preventDefault();
      togglePlay();
    } else if (event.key === "Backspace") {
      event.preventDefault();
      back();
    }
  });
  markButton.addEventListener("click", mark);
  playButton.addEventListener("click", togglePlay);
  document.getElementById("timing-back").addEventListener("click", back);
  tool.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const index = lines.findIndex((line) => line.item.contains(button));
    const action = button.dataset.action;
    if (action === "earlier") nudge(index, -STEP);
    else if (action === "later") nudge(index, STEP);
    else if (action === "replay") replay(index);
    else if (action === "pick") pick(index);
  });
  video.addEventListener("loadedmetadata", render);
  video.addEventListener("durationchange", render);
  video.addEventListener("timeupdate", () => { position.textContent = clock(video.currentTime); });
  video.addEventListener("play", () => { playButton.textContent = "Pause"; });
  video.addEventListener("pause", () => { playButton.textContent = "Play"; });
  form.addEventListener("submit", (event) => {
    if (!ready()) {
      event.preventDefault();
      say("Mark every line (and let the video load) before saving.");
      return;
    }
    document.getElementById("timing-data").value = JSON.stringify({
      duration: round3(duration()),
      lines: lines.map(({ speaker, text, start }) => ({ speaker, text, start })),
    });
  });
  render();
}

const tool = document.getElementById("timing-tool");
if (tool) setUp(tool);

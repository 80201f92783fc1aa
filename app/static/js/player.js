// Lesson player: reports the time ranges actually played (not the playhead) so the server
// can credit real watching, resumes where the learner stopped, and links the transcript.
const video = document.getElementById("lesson-video");

if (video) {
  const url = video.dataset.progressUrl;
  const csrf = video.dataset.csrf;
  const status = document.getElementById("watched-status");
  let played = [];        // [start, end] pairs played since the last accepted report
  let current = null;     // the range being played now
  let lastTime = null;
  let timer = null;

  const closeRange = () => {
    if (current && current[1] > current[0]) played.push(current);
    current = null;
  };

  video.addEventListener("timeupdate", () => {
    const t = video.currentTime;
    if (!video.paused && !video.seeking && lastTime !== null && t >= lastTime && t - lastTime < 2 * Math.max(1, video.playbackRate)) {
      if (!current) current = [lastTime, t];
      current[1] = t;
    }
    lastTime = t;
    highlight(t);
  });
  video.addEventListener("seeking", () => { closeRange(); lastTime = null; });
  video.addEventListener("playing", () => { lastTime = video.currentTime; });

  const payload = () => {
    closeRange();
    const ranges = played.map(([a, b]) => [Math.round(a * 1000) / 1000, Math.round(b * 1000) / 1000]);
    return { ranges, position: video.currentTime, speed: video.playbackRate };
  };

  async function send() {
    const body = payload();
    if (!body.ranges.length) return;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      if (!response.ok) return;  // kept in `played` and sent again: the server ignores repeats
      played = [];
      show(await response.json());
    } catch {
      // Offline between visits: the ranges stay queued for the next report.
    }
  }

  function beacon() {
    const body = payload();
    if (!body.ranges.length || !navigator.sendBeacon) return;
    const form = new FormData();
    form.append("csrf_token", csrf);
    form.append("payload", JSON.stringify(body));
    if (navigator.sendBeacon(url, form)) played = [];
  }

  function show(result) {
    if (!status) return;
    status.textContent = result.complete
      ? "✓ Watched: this lesson is complete."
      : `Watched so far: ${Math.round(result.coverage * 100)}%.`;
  }

  video.addEventListener("play", () => { timer ??= setInterval(send, 10000); });
  video.addEventListener("pause", () => { clearInterval(timer); timer = null; send(); });
  video.addEventListener("seeked", send);
  video.addEventListener("ended", send);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") beacon(); });

  // Resume: ?t=SECONDS wins, else where this learner stopped.
  const start = Number(new URLSearchParams(location.search).get("t")) || Number(video.dataset.resume) || 0;
  if (start > 0) {
    const seek = () => { video.currentTime = Math.min(start, video.duration || start); };
    if (video.readyState >= 1) seek(); else video.addEventListener("loadedmetadata", seek, { once: true });
  }

  // Transcript: the spoken line is marked with aria-current (styled with a mark, not colour alone);
  // a line is a button that plays from its start.
  const lines = [...document.querySelectorAll(".transcript .cue")];
  let active = null;
  function highlight(t) {
    const line = lines.find((li) => t >= Number(li.dataset.start) && t < Number(li.dataset.end)) || null;
    if (line === active) return;
    active?.removeAttribute("aria-current");
    line?.setAttribute("aria-current", "true");
    active = line;
  }
  for (const li of lines) {
    li.tabIndex = 0;
    li.setAttribute("role", "button");
    const play = () => { video.currentTime = Number(li.dataset.start); video.play(); };
    li.addEventListener("click", play);
    li.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); play(); }
    });
  }
}

// Reports the time ranges actually played (not the playhead), so the server can credit real watching.
// Reports go every 10 s while playing, on pause, seek and end, and by sendBeacon when the page is hidden.
// The server ignores repeats, so a report that fails is simply sent again with the next one.

const REPORT_EVERY_MS = 10000;

export function trackProgress(video, { url, csrf, onResult }) {
  let played = [];
  let current = null;
  let lastTime = null;
  let timer = null;

  const closeRange = () => {
    if (current && current[1] > current[0]) played.push(current);
    current = null;
  };

  video.addEventListener("timeupdate", () => {
    const t = video.currentTime;
    const step = lastTime === null ? null : t - lastTime;
    // A small forward step while playing is watching; anything else (a jump) starts a new range.
    if (!video.paused && !video.seeking && step !== null && step >= 0 && step < 2 * Math.max(1, video.playbackRate)) {
      if (!current) current = [lastTime, t];
      current[1] = t;
    }
    lastTime = t;
  });
  video.addEventListener("seeking", () => { closeRange(); lastTime = null; });
  video.addEventListener("playing", () => { lastTime = video.currentTime; });

  const payload = () => {
    closeRange();
    const ranges = played.map(([a, b]) => [Math.round(a * 1000) / 1000, Math.round(b * 1000) / 1000]);
    return { ranges, position: video.currentTime, speed: video.playbackRate, served: video.dataset.served };
  };

  async function send() {
    const body = payload();
    if (!body.ranges.length) return;
    // A copy: ranges closed while this report is on its way join `played` and must stay queued.
    const sent = played.slice();
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      if (!response.ok) return;
      played = played.filter((range) => !sent.includes(range));
      onResult(await response.json());
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

  video.addEventListener("play", () => { timer ??= setInterval(send, REPORT_EVERY_MS); });
  video.addEventListener("pause", () => { clearInterval(timer); timer = null; send(); });
  video.addEventListener("seeked", send);
  video.addEventListener("ended", send);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") beacon();
  });
}

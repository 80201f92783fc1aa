// Speed, captions on/off, "copy a link to this moment", chapters, and where to start playing.

export function startAt(video) {
  // ?t=SECONDS wins (a shared link), else where this learner stopped last time.
  const start = Number(new URLSearchParams(location.search).get("t")) || Number(video.dataset.resume) || 0;
  if (start <= 0) return;
  const seek = () => { video.currentTime = Math.min(start, video.duration || start); };
  if (video.readyState >= 1) seek(); else video.addEventListener("loadedmetadata", seek, { once: true });
}

export function wireControls(video, controls) {
  controls.hidden = false;
  const speed = controls.querySelector("#speed");
  const saved = Number(video.dataset.speed) || 1;
  const option = [...speed.options].find((o) => Number(o.value) === saved) || [...speed.options].find((o) => Number(o.value) === 1);
  speed.value = option.value;
  video.playbackRate = Number(speed.value);
  speed.addEventListener("change", () => { video.playbackRate = Number(speed.value); });
  video.addEventListener("loadedmetadata", () => { video.playbackRate = Number(speed.value); });

  const toggle = controls.querySelector("#captions-toggle");
  const captions = () => [...video.textTracks].find((t) => t.kind === "captions");
  toggle?.addEventListener("click", () => {
    const track = captions();
    if (!track) return;
    const on = toggle.getAttribute("aria-pressed") !== "true";
    track.mode = on ? "showing" : "hidden";
    toggle.setAttribute("aria-pressed", String(on));
  });

  const copy = controls.querySelector("#copy-moment");
  const status = controls.querySelector("#copy-status");
  copy.addEventListener("click", async () => {
    const link = `${location.origin}${location.pathname}?t=${Math.floor(video.currentTime)}`;
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = `Link copied: ${link}`;
    } catch {
      status.textContent = `Copy this link: ${link}`;  // clipboard unavailable (e.g. plain http)
    }
  });
}

export function wireChapters(video, nav) {
  const links = [...nav.querySelectorAll("a[data-start]")];
  for (const link of links) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      video.currentTime = Number(link.dataset.start);
      video.play();
    });
  }
  video.addEventListener("timeupdate", () => {
    const t = video.currentTime;
    for (const link of links) {
      const inside = t >= Number(link.dataset.start) && t < Number(link.dataset.end);
      if (inside) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current");
    }
  });
}

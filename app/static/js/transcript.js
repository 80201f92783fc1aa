// The interactive transcript: follows the video, plays from a line, moves with the arrow keys,
// and finds words. The spoken line gets aria-current and a mark (styled in CSS), not colour alone.

const PAUSE_FOLLOWING_MS = 8000;

export function linkTranscript(video, list, tools) {
  const lines = [...list.querySelectorAll(".cue")];
  if (!lines.length) return;
  tools.hidden = false;
  const follow = tools.querySelector("#autoscroll");
  const followStatus = tools.querySelector("#follow-status");
  let active = null;
  let readingUntil = 0;

  // Roving tabindex: one line is in the tab order; arrows move between lines.
  lines.forEach((li, i) => {
    li.tabIndex = i === 0 ? 0 : -1;
    li.setAttribute("role", "button");
    li.setAttribute("aria-label", `${li.textContent.replace(/\s+/g, " ").trim()}. Play from here.`);
  });
  const focusLine = (li) => {
    lines.forEach((other) => { other.tabIndex = -1; });
    li.tabIndex = 0;
    li.focus();
  };
  const play = (li) => { video.currentTime = Number(li.dataset.start); video.play(); };
  list.addEventListener("click", (event) => {
    const li = event.target.closest(".cue");
    if (li) play(li);
  });
  list.addEventListener("keydown", (event) => {
    const li = event.target.closest(".cue");
    if (!li) return;
    const i = lines.indexOf(li);
    const moves = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: lines.length - 1 };
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      play(li);
    } else if (event.key in moves) {
      event.preventDefault();
      focusLine(lines[Math.max(0, Math.min(lines.length - 1, moves[event.key]))]);
    }
  });

  // Stop following while the person scrolls or reads the transcript; resume a little later.
  const reading = () => {
    readingUntil = Date.now() + PAUSE_FOLLOWING_MS;
    if (follow.checked) followStatus.textContent = "Following paused while you read.";
  };
  ["wheel", "touchstart", "pointerdown"].forEach((type) => list.addEventListener(type, reading, { passive: true }));
  list.addEventListener("keydown", reading);
  follow.addEventListener("change", () => {
    followStatus.textContent = follow.checked ? "Following the video." : "Not following the video.";
    readingUntil = 0;
    if (follow.checked && active) scrollToLine(active);
  });

  function scrollToLine(li) {
    // Scroll the transcript box only, never the page under the reader.
    list.scrollTop = li.offsetTop - list.offsetTop - list.clientHeight / 3;
  }

  video.addEventListener("timeupdate", () => {
    const t = video.currentTime;
    const line = lines.find((li) => t >= Number(li.dataset.start) && t < Number(li.dataset.end)) || null;
    if (line === active) return;
    active?.removeAttribute("aria-current");
    line?.setAttribute("aria-current", "true");
    active = line;
    if (line && follow.checked && Date.now() > readingUntil) {
      if (followStatus.textContent.startsWith("Following paused")) followStatus.textContent = "";
      scrollToLine(line);
    }
  });

  wireSearch(video, lines, tools, scrollToLine);
}

function wireSearch(video, lines, tools, scrollToLine) {
  const form = tools.querySelector("#transcript-search");
  const input = tools.querySelector("#transcript-q");
  const count = tools.querySelector("#search-count");
  const texts = lines.map((li) => li.querySelector(".cue-text"));
  const originals = texts.map((span) => span.textContent);
  let matches = [];
  let at = -1;

  function highlight(query) {
    matches = [];
    at = -1;
    const needle = query.trim().toLowerCase();
    texts.forEach((span, i) => {
      span.replaceChildren();
      const text = originals[i];
      const speaker = lines[i].querySelector(".cue-speaker")?.textContent.toLowerCase() || "";
      if (!needle || !(text.toLowerCase().includes(needle) || speaker.includes(needle))) {
        span.append(text);
        return;
      }
      matches.push(lines[i]);
      let from = 0;
      const lower = text.toLowerCase();
      for (let hit = lower.indexOf(needle); hit !== -1; hit = lower.indexOf(needle, from)) {
        span.append(text.slice(from, hit));
        const mark = document.createElement("mark");
        mark.textContent = text.slice(hit, hit + needle.length);
        span.append(mark);
        from = hit + needle.length;
      }
      span.append(text.slice(from));
    });
    lines.forEach((li) => li.classList.remove("match-current"));
    count.textContent = !needle ? "" : matches.length
      ? `${matches.length} ${matches.length === 1 ? "match" : "matches"}. Press Enter for the next one.`
      : "No matches.";
  }

  function go(step) {
    if (!matches.length) return;
    at = (at + step + matches.length) % matches.length;
    const li = matches[at];
    lines.forEach((other) => other.classList.remove("match-current"));
    li.classList.add("match-current");
    scrollToLine(li);
    video.currentTime = Number(li.dataset.start);  // jump to the matching moment
    count.textContent = `Match ${at + 1} of ${matches.length}, at ${li.querySelector(".cue-time").textContent}.`;
  }

  input.addEventListener("input", () => highlight(input.value));
  form.addEventListener("submit", (event) => { event.preventDefault(); go(1); });
  tools.querySelector("#search-prev").addEventListener("click", () => go(-1));
}

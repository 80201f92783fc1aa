// Lesson player: wires the video to progress reports, the transcript, chapters and controls.
// Everything here enhances a page that already works without JavaScript.
import { startAt, wireChapters, wireControls } from "./controls.js";
import { trackProgress } from "./progress.js";
import { linkTranscript } from "./transcript.js";
import { showWatched } from "./watched-bar.js";

const video = document.getElementById("lesson-video");

if (video) {
  const watched = document.getElementById("watched");
  const status = document.getElementById("watched-status");
  trackProgress(video, {
    url: video.dataset.progressUrl,
    csrf: video.dataset.csrf,
    onResult: (result) => showWatched(watched, status, result),
  });
  wireControls(video, document.getElementById("player-controls"));
  const chapters = document.querySelector(".chapters");
  if (chapters) wireChapters(video, chapters);
  const list = document.getElementById("transcript-lines");
  if (list) linkTranscript(video, list, document.getElementById("transcript-tools"));
  startAt(video);
}

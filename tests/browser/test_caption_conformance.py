"""Chromium's own caption track lists the same cues, with the same ids, times and text, as the transcript.

Each file is served to a page of the live server (so its Content-Security-Policy applies, as on a
lesson page), loaded into a hidden <track> of a <video>, and the cues the browser parsed are compared
with read_cues(): the W3C conformance corpus, the course's caption files, and each disagreement
between webvtt-py and the browser recorded in tests/test_webvtt_conformance.py.
"""

from __future__ import annotations

import pytest

from app.course.transcript import read_cues
from tests.test_webvtt_conformance import (
    DISAGREEMENT_PARAMS,
    Row,
    conformance_params,
    course_params,
    need_corpus,
    rows,
)

# Loads a same-origin caption file into a hidden track (hidden still parses every cue) and returns
# [id, startTime, endTime, text] for each cue, null when the track fails to load, "timeout" if neither.
READ_TRACK = """async (url) => {
  const video = document.createElement("video");
  const track = document.createElement("track");
  track.kind = "captions";
  track.src = url;
  video.append(track);
  document.body.append(video);
  track.track.mode = "hidden";
  const settled = new Promise((done) => {
    if (track.readyState >= 2) done();
    track.addEventListener("load", done);
    track.addEventListener("error", done);
  });
  const timeout = new Promise((done) => setTimeout(() => done("timeout"), 5000));
  if ((await Promise.race([settled, timeout])) === "timeout") return "timeout";
  if (track.readyState !== 2) return null;
  return [...track.track.cues].map((cue) => [cue.id, cue.startTime, cue.endTime, cue.text]);
}"""


def chromium_cues(page, live_server: str, data: bytes) -> list[Row] | None:
    """The cues Chromium parses from the file's bytes; None when the track fails to load."""
    url = f"{live_server}/caption-conformance.vtt"
    page.route(url, lambda route: route.fulfill(status=200, body=data, headers={"Content-Type": "text/vtt"}))
    page.goto(f"{live_server}/about")
    found = page.evaluate(READ_TRACK, url)
    assert found != "timeout", "the track neither loaded nor failed"
    if found is None:
        return None
    return [(cue_id, round(start, 3), round(end, 3), text) for cue_id, start, end, text in found]


@pytest.mark.parametrize("path", conformance_params())
def test_corpus_file_in_chromium_matches_the_transcript(path, page, live_server):
    path = need_corpus(path)
    assert chromium_cues(page, live_server, path.read_bytes()) == rows(read_cues(path))


@pytest.mark.parametrize("path", course_params())
def test_course_captions_in_chromium_match_the_transcript(path, page, live_server):
    assert chromium_cues(page, live_server, path.read_bytes()) == rows(read_cues(path))


@pytest.mark.parametrize("case", DISAGREEMENT_PARAMS)
def test_chromium_parses_each_disagreement_as_recorded(case, page, live_server):
    assert chromium_cues(page, live_server, case.data) == case.browser

"""Sending a media file from ``media/`` when nginx does not (no ``MEDIA_ACCEL_PREFIX``).

A video element asks for the rest of the file from where it is (``Range: bytes=N-``). Answering that
with all of it would hold a worker for as long as a slow phone takes to download the whole video, and a
sync worker still sending after gunicorn's timeout is killed mid-answer. So an open or large range is
answered with at most ``MAX_RANGE_BYTES`` (206 with its ``Content-Range``), which HTTP allows and every
player handles: it asks for the next part when it needs it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, request, send_from_directory

MAX_RANGE_BYTES = 1024 * 1024  # a few seconds of download on a slow phone connection


def send_media(directory: Path, filename: str, *, max_age: int) -> Response:
    """The file with ranges, ETag and conditional requests; each range answer at most MAX_RANGE_BYTES."""
    _bound_the_range()
    response = send_from_directory(directory.resolve(), filename, conditional=True, max_age=max_age)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def _bound_the_range() -> None:
    asked = request.range
    if asked is None or asked.units != "bytes" or len(asked.ranges) != 1:
        return  # no range, or several (answered whole, as Werkzeug does): left as they are
    start, stop = asked.ranges[0]  # stop is exclusive, None for "to the end"
    if start < 0:
        return  # the last few bytes ("bytes=-500"): small by nature
    if stop is None or stop - start > MAX_RANGE_BYTES:
        # Werkzeug's conditional answer reads the range from the environ.
        request.environ["HTTP_RANGE"] = f"bytes={start}-{start + MAX_RANGE_BYTES - 1}"

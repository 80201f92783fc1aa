"""Links worked out once per app: ``link(endpoint, **values)`` in templates.

The layout links to the same pages on every request and a lesson page to the same lesson URLs for
everyone, and building a URL from the URL map costs more than the rest of a small template. A
relative URL depends only on the endpoint, its values and where the app is mounted, so it is
computed once per (mount point, endpoint, values) and kept. Values come from the course, not from
the request, so the set is small; it is emptied if it ever grows past ``MAX_LINKS``.
"""

from __future__ import annotations

from flask import Flask, request, url_for

MAX_LINKS = 4096


def register_links(app: Flask) -> None:
    known: dict[tuple, str] = app.extensions.setdefault("links", {})

    @app.template_global()
    def link(endpoint: str, **values: str | int) -> str:
        # Keyword order is fixed at each call site, so the values are not sorted: the same link written
        # in two orders is kept twice, which costs a little memory and nothing else.
        key = (request.script_root, endpoint, *values.items())
        url = known.get(key)
        if url is None:
            if len(known) >= MAX_LINKS:
                known.clear()
            url = known[key] = url_for(endpoint, **values)
        return url

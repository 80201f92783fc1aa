"""Pages that are the same for many visitors but for a few values: rendered once, filled in per request.

A lesson page shows every learner the same lesson, menu and transcript; only a handful of values are
the learner's own (their CSRF token, where to resume, how much they watched). Rendering the whole
template on every request cost as much as the rest of the request, so a worker renders such a page
once per key, with a marker where each of those values goes, splits it at the markers, and joins the
parts with each request's values, escaped as the template would have escaped them.

The key must hold everything else the page depends on; values that change the page's structure
(an "is complete" branch) belong in the key, not in a slot. A page with flashed messages is never
kept (they are the visitor's own), so callers render those in full.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from flask import render_template, session
from jinja2 import Template
from markupsafe import Markup, escape

# Markers carry a random part chosen at start-up, so no text on a page (an author's Markdown or a
# caption included) can pass for one.
_NONCE = secrets.token_hex(8)


class KeptPage:
    """One template's kept renderings, each for a key and then filled with a request's values.

    ``slots`` name the visitor's own values; the template writes each as ``{{ name }}``, except the
    CSRF token, which stays ``csrf_token()`` (given a marker while the page is kept).
    """

    def __init__(self, template: str | Template, slots: tuple[str, ...], max_kept: int = 512) -> None:
        self.template = template
        self.slots = frozenset(slots) | {"csrf"}
        self.max_kept = max_kept
        self._marks = {name: Markup(f"\x02{_NONCE}:{name}\x03") for name in self.slots}
        self._split = re.compile(f"\x02{_NONCE}:(\\w+)\x03")
        self._kept: dict[Hashable, tuple[str, ...]] = {}
        self._generation: Hashable = None

    def render(
        self,
        generation: Hashable,
        key: Hashable,
        values: Mapping[str, Any],
        context: Callable[[], dict[str, Any]],
    ) -> str:
        """The page for ``key``, with this request's ``values`` (one per slot, ``csrf`` included).

        ``generation`` is what every kept page depends on (the course's version): when it changes,
        everything kept is forgotten. ``context()`` gives the template's other variables, and is
        called only when the page must be rendered.
        """
        if generation != self._generation:
            self._kept, self._generation = {}, generation
        parts = self._kept.get(key)
        if parts is None:
            parts = self._render(context())
            if generation is not None:  # None: nothing to tell versions apart, so nothing is kept
                if len(self._kept) >= self.max_kept:
                    self._kept.clear()
                self._kept[key] = parts
        filled = list(parts)
        for index in range(1, len(filled), 2):  # odd places hold slot names (re.split's groups)
            filled[index] = escape(values[filled[index]])
        return "".join(filled)

    def _render(self, context: dict[str, Any]) -> tuple[str, ...]:
        marks = {name: mark for name, mark in self._marks.items() if name != "csrf"}
        csrf_mark = self._marks["csrf"]
        html = render_template(self.template, **context, **marks, csrf_token=lambda: csrf_mark)
        parts = tuple(self._split.split(html))
        unknown = set(parts[1::2]) - self.slots
        if unknown:  # cannot happen: only this page's marks are given out
            raise ValueError(f"{self.template}: unknown slots {sorted(unknown)}")
        return parts


def can_keep_page() -> bool:
    """Whether this request's page may come from a kept rendering: not while messages wait to be
    flashed, which the layout shows (and which are the visitor's own)."""
    return "_flashes" not in session

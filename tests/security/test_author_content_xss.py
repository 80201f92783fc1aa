"""Author content is inert on every page that shows it: script, event handlers, javascript: links, SVG."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

import pytest

from app.course_files import import_from_files
from app.extensions import db

PAYLOADS = {
    "script": "<script>alert('xss')</script>",
    "handler": '<img src=x onerror="alert(1)">',
    "link": "[click me](javascript:alert(1))",
    "svg": '<svg onload="alert(1)"><circle r="1"/></svg>',
}
EVERYTHING = " ".join(PAYLOADS.values())


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture
def hostile_course(app, tmp_path):
    modules, media = tmp_path / "modules", tmp_path / "media"
    (media / "clip").mkdir(parents=True)
    shutil.copy(app.config["MEDIA_DIR"] / "what-is-infant-mental-health" / "standin.webm", media / "clip" / "v.webm")
    (media / "clip" / "c.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n"
        "<v Ann<script>>&lt;script&gt;alert(1)&lt;/script&gt; <b onmouseover=x>hi</b>\n"
    )
    folder = modules / "01-hostile"
    folder.mkdir(parents=True)
    (folder / "module.yml").write_text(
        f"title: {_yaml(PAYLOADS['script'])}\nsummary: {_yaml(EVERYTHING)}\nestimated_minutes: 5\nce_hours: 1\n"
    )
    (folder / "01-read.md").write_text(f"---\ntitle: {_yaml(PAYLOADS['handler'])}\nkind: reading\n---\n{EVERYTHING}\n")
    (folder / "02-watch.md").write_text(
        f"---\ntitle: {_yaml(PAYLOADS['svg'])}\nkind: video\nmedia: clip/v.webm\ncaptions: clip/c.vtt\n"
        f"duration: 95\n---\n{EVERYTHING}\n"
    )
    (folder / "03-think.md").write_text(
        f"---\ntitle: Think\nkind: reflection\nprompt: {_yaml(EVERYTHING)}\n---\n{EVERYTHING}\n"
    )
    (folder / "quiz.yml").write_text(
        "questions:\n"
        f"  - id: q1\n    kind: true_false\n    prompt: {_yaml(EVERYTHING)}\n    answer: true\n"
        f"    explanation: {_yaml(EVERYTHING)}\n"
        f"  - id: q2\n    kind: single\n    prompt: Pick\n    explanation: x\n    choices:\n"
        f"      - text: {_yaml(PAYLOADS['script'])}\n        correct: true\n"
        f"      - text: {_yaml(PAYLOADS['handler'])}\n        correct: false\n"
    )
    saved = app.config["MEDIA_DIR"]
    app.config["MEDIA_DIR"] = media
    try:
        with app.app_context():
            report, problems = import_from_files(modules)
            assert report is not None, [str(p) for p in problems]
            db.session.remove()
        yield
    finally:
        app.config["MEDIA_DIR"] = saved


OUR_SVG = {"watched-bar", "chart"}  # drawn by the app's own templates, from numbers


class ActiveContent(HTMLParser):
    """Collects what a browser would run: inline scripts, event handlers, javascript: URLs, SVG."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"<script {attrs}>")
        if tag in ("iframe", "object", "embed") or (tag == "svg" and values.get("class") not in OUR_SVG):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("role", ["learner", "author"])
def test_hostile_author_content_is_shown_as_text(client, auth, make_user, hostile_course, role):
    auth.login(make_user(role))
    pages = ["/", "/modules/hostile", "/modules/hostile/read", "/modules/hostile/watch", "/modules/hostile/think"]
    if role == "author":
        pages += ["/author/", "/modules/hostile/quiz"]
        client.post("/modules/hostile/quiz/start")
        pages.append("/modules/hostile/quiz/attempts/1")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert active_content(html) == [], url
        assert "alert" in html, f"{url}: the author's text is still shown, as text"
    transcript = client.get("/modules/hostile/watch/transcript.txt").get_data(as_text=True)
    assert "<script>alert(1)</script>" in transcript, "the text download keeps the words, as plain text"

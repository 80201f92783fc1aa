"""Forms for writing modules and lessons in the browser.

Fields are checked by the course file rules (``app.course.loader``), not by WTForms validators, so an
author sees the same messages as ``flask course validate``. Numbers are typed as text and passed on
as the file would hold them: "12" becomes 12, "abc" stays text and gets "'minutes' must be a whole number".
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

TITLE_MAX = 200  # the database column's size
SLUG_MAX = 80
DEFAULT_COMPLETE_AT = 0.95
INT_MAX = 2**31 - 1  # INTEGER columns


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ModuleForm(FlaskForm):
    title = StringField("Title")
    slug = StringField(
        "Slug",
        description="Part of the module's address and its folder name. Leave empty to make it from the title. "
        "It cannot change once the module has been published.",
    )
    summary = TextAreaField("Summary", description="One or two sentences, shown on the learner's home page.")
    estimated_minutes = StringField("Estimated minutes", description="Shown as “About N minutes”.")
    ce_hours = StringField("CE hours", description="Continuing-education hours, for example 0.5.")
    prerequisites = MultiCheckboxField(
        "Prerequisites", coerce=int, description="Modules that must be complete before this one opens."
    )
    submit = SubmitField("Save module")

    @staticmethod
    def initial(module, others: list) -> dict[str, Any]:
        if module.id is None:  # like the files, a new module requires the module before
            return {"prerequisites": [others[-1].id] if others else []}
        return {
            "title": module.title, "slug": module.slug, "summary": module.summary,
            "estimated_minutes": str(module.estimated_minutes), "ce_hours": plain_number(module.ce_hours),
            "prerequisites": sorted(module.prerequisite_ids),
        }  # fmt: skip


class LessonForm(FlaskForm):
    title = StringField("Title")
    minutes = StringField("Minutes", description="Optional. Shown as “N min” in the module's lesson list.")
    required = BooleanField("Required to complete the module", default=True)
    body = TextAreaField(
        "Text (Markdown)", description="Markdown, as in docs/authoring.md. Raw HTML is cleaned.", render_kw={"rows": 18}
    )
    prompt = TextAreaField("Reflection prompt", description="The question the learner answers.")
    media = SelectField("Video", validate_choice=False, description="A video file in media/.")
    captions = SelectField("Captions", validate_choice=False, description="A WebVTT file in media/.")
    chapters = SelectField("Chapters", validate_choice=False, description="Optional. A WebVTT file in media/.")
    duration = StringField("Duration (seconds)", description="The video's length in seconds, for example 95.")
    complete_at = StringField(
        "Share to watch", description="Optional. Between 0 and 1; leave empty for the default, 0.95."
    )
    end_at = StringField("Content ends at (seconds)", description="Optional. Where the credits start.")
    submit = SubmitField("Save lesson")
    preview = SubmitField("Preview")

    VIDEO_FIELDS = ("media", "captions", "chapters", "duration", "complete_at", "end_at")

    def fields_for(self, kind: str) -> list[str]:
        """The fields a lesson of ``kind`` has, in the order shown."""
        names = ["title", "minutes", "required"]
        if kind == "video":
            names += list(self.VIDEO_FIELDS)
        names.append("body")
        if kind == "reflection":
            names.append("prompt")
        return names

    def values(self, kind: str) -> dict[str, Any]:
        """The lesson's front matter as a file would hold it (required keys always, optional ones when filled)."""
        values: dict[str, Any] = {"title": self.title.data or "", "kind": kind, "required": bool(self.required.data)}
        _optional_number(values, "minutes", self.minutes.data)
        if kind == "reflection" and (self.prompt.data or "").strip():
            values["prompt"] = self.prompt.data.replace("\r\n", "\n").strip()
        if kind == "video":
            values["media"] = self.media.data or ""
            values["captions"] = self.captions.data or ""
            values["duration"] = number(self.duration.data)
            if self.chapters.data:
                values["chapters"] = self.chapters.data
            _optional_number(values, "complete_at", self.complete_at.data)
            _optional_number(values, "end_at", self.end_at.data)
        return values

    @staticmethod
    def initial(lesson) -> dict[str, Any]:
        return {
            "title": lesson.title, "minutes": plain_number(lesson.minutes), "required": lesson.required,
            "body": lesson.body_md, "prompt": lesson.prompt, "media": lesson.media_src,
            "captions": lesson.captions_src, "chapters": lesson.chapters_src,
            "duration": plain_number(lesson.duration_seconds), "end_at": plain_number(lesson.end_at_seconds),
            "complete_at": "" if lesson.complete_at == DEFAULT_COMPLETE_AT else plain_number(lesson.complete_at),
        }  # fmt: skip

    def stored(self, values: dict[str, Any]) -> dict[str, Any]:
        """Checked ``values`` as the Lesson's columns, stored as an import of the same file would store them."""
        body = (self.body.data or "").replace("\r\n", "\n").strip()
        return {
            "title": values["title"].strip(), "minutes": values.get("minutes"), "required": values["required"],
            "body_md": f"{body}\n" if body else "", "prompt": values.get("prompt"), "media_src": values.get("media"),
            "captions_src": values.get("captions"), "chapters_src": values.get("chapters"),
            "duration_seconds": _float(values.get("duration")), "end_at_seconds": _float(values.get("end_at")),
            "complete_at": float(values.get("complete_at", DEFAULT_COMPLETE_AT)),
        }  # fmt: skip

    def set_media_choices(self, videos: list[str], captions: list[str], current: dict[str, str | None]) -> None:
        """Files under media/, plus a lesson's current value (an https:// video, say) so it is kept."""
        for name, files, empty in (
            ("media", videos, "Choose a video"),
            ("captions", captions, "Choose a captions file"),
            ("chapters", captions, "No chapters"),
        ):
            options = list(files)
            value = current.get(name)
            if value and value not in options:
                options.insert(0, value)
            getattr(self, name).choices = [("", f"— {empty} —")] + [(f, f) for f in options]


def number(text: str | None) -> Any:
    """A typed number as YAML would read it: an int, a float, or the text itself when it is not a number."""
    text = (text or "").strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _optional_number(values: dict[str, Any], key: str, text: str | None) -> None:
    if (text or "").strip():
        values[key] = number(text)


def plain_number(value: float | int | None) -> str:
    """A stored number as typed: 95.0 as "95", 0.25 as "0.25", None as ""."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def slugify(title: str, taken: set[str]) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "untitled"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def media_files(root: Path) -> tuple[list[str], list[str]]:
    """Videos and WebVTT files under media/, as the paths lessons name them by."""
    found = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    return [f for f in found if f.endswith((".webm", ".mp4"))], [f for f in found if f.endswith(".vtt")]


def add_problems(form, problems) -> None:
    for key, message in problems:
        field = getattr(form, key, None) if key else None
        (field.errors if field is not None else form.form_errors).append(message)


def size_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """What the database cannot hold: titles over TITLE_MAX characters, whole numbers over 32 bits."""
    problems = []
    if len(str(values.get("title", "")).strip()) > TITLE_MAX:
        problems.append(("title", f"'title' can be at most {TITLE_MAX} characters"))
    for key, value in values.items():
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_MAX:
            problems.append((key, f"'{key}' is too large"))
    return problems


def _float(value: Any) -> float | None:
    return None if value is None else float(value)

"""Read and check the ``modules/`` folder.

Every problem is collected (not just the first), each as ``path:line: message``, so an
author can fix a whole folder in one pass.

The same rules check what an author types in the browser: ``check_module_values``,
``check_lesson_values`` and ``check_prerequisites`` return the validator's own messages, each
tied to the key at fault (one set of rules, two ways in).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from app.course.captions import check_caption_file
from app.course.problems import Problems
from app.course.sources import Document, SourceError, parse_mapping, split_front_matter
from app.course.spec import LESSON_KINDS, CourseSpec, LessonSpec, ModuleSpec
from app.quiz.loader import load_quiz

NAME = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MESSAGE = "a slug uses lowercase letters and digits, with single hyphens between words (e.g. key-ideas-2)"
NO_REQUIRED_LESSON = "module needs at least one required lesson, or it could never be completed"
MODULE_FILE = "module.yml"
QUIZ_FILE = "quiz.yml"
# Files a module folder may hold besides lessons.
OTHER_FILES = {MODULE_FILE, QUIZ_FILE, "README.md"}

MODULE_KEYS = {
    "title": (str, True),
    "summary": (str, True),
    "estimated_minutes": (int, True),
    "ce_hours": ((int, float), True),
    "prerequisites": (list, False),
}
LESSON_KEYS = {
    "title": (str, True),
    "kind": (str, True),
    "minutes": (int, False),
    "required": (bool, False),
    "prompt": (str, False),
    "media": (str, False),
    "captions": (str, False),
    "chapters": (str, False),
    "duration": ((int, float), False),
    "complete_at": ((int, float), False),
    "end_at": ((int, float), False),
}
TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false", list: "a list"}


def load_course(modules_dir: Path, media_dir: Path, root: Path | None = None) -> tuple[CourseSpec, Problems]:
    """Read every module under ``modules_dir``; return what was read and every problem found."""
    problems = Problems(root or modules_dir.parent)
    course = CourseSpec()
    if not modules_dir.is_dir():
        problems.add(modules_dir, 1, "course folder not found")
        return course, problems
    for folder in sorted(p for p in modules_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        module = _load_module(folder, media_dir, problems)
        if module:
            course.modules.append(module)
    _check_course(course, problems)
    return course, problems


def _load_module(folder: Path, media_dir: Path, problems: Problems) -> ModuleSpec | None:
    match = NAME.match(folder.name)
    if not match:
        problems.add(folder / MODULE_FILE, 1, f"module folder '{folder.name}' must be named NN-slug (e.g. 01-welcome)")
        return None
    meta_path = folder / MODULE_FILE
    if not meta_path.is_file():
        problems.add(meta_path, 1, f"missing {MODULE_FILE}")
        return None
    doc = _read_document(meta_path, problems)
    if doc is None:
        return None
    values = _check_keys(doc, MODULE_KEYS, meta_path, problems)
    prerequisites = _check_module_rules(values, doc, meta_path, problems)
    module = ModuleSpec(
        slug=match.group(2),
        position=int(match.group(1)),
        title=values.get("title", ""),
        path=meta_path,
        summary=values.get("summary", ""),
        estimated_minutes=values.get("estimated_minutes", 0),
        ce_hours=float(values.get("ce_hours", 0)),
    )
    if prerequisites is not None:
        module.prerequisites = prerequisites
    module.lessons = _load_lessons(folder, media_dir, problems)
    if (folder / QUIZ_FILE).is_file():
        durations = {lesson.slug: lesson.duration or 0 for lesson in module.lessons if lesson.kind == "video"}
        module.quiz = load_quiz(folder / QUIZ_FILE, problems, review_durations=durations)
    if not any(p.suffix == ".md" and NAME.match(p.stem) for p in folder.iterdir()):
        problems.add(meta_path, 1, "module has no lessons (add a file such as 01-introduction.md)")
    elif module.lessons and not any(lesson.required for lesson in module.lessons):
        problems.add(meta_path, 1, NO_REQUIRED_LESSON)
    return module


def _check_module_rules(values: dict[str, Any], doc: Document, path: Path, problems: Problems) -> list[str] | None:
    """Rules of module.yml beyond each key's type; returns the prerequisites, if given and well formed."""
    for key in ("estimated_minutes", "ce_hours"):
        if values.get(key, 0) < 0:
            problems.add(path, doc.line(key), f"'{key}' cannot be negative")
    if "prerequisites" not in values:
        return None
    if not all(isinstance(p, str) for p in values["prerequisites"]):
        problems.add(path, doc.line("prerequisites"), "'prerequisites' must be a list of module slugs")
        return None
    return values["prerequisites"]


def _load_lessons(folder: Path, media_dir: Path, problems: Problems) -> list[LessonSpec]:
    lessons: list[LessonSpec] = []
    seen: dict[str, Path] = {}
    numbers: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name in OTHER_FILES or path.name.startswith("."):
            continue
        match = NAME.match(path.stem)
        if path.suffix != ".md" or not match:
            problems.add(path, 1, "unexpected file: lessons are named NN-slug.md")
            continue
        slug = match.group(2)
        if slug in seen:
            problems.add(path, 1, f"duplicate lesson slug '{slug}' (also {problems.display(seen[slug])})")
            continue
        seen[slug] = path
        number = int(match.group(1))
        if number in numbers:
            problems.add(
                path, 1, f"lesson number {number:02d} is used twice (also {problems.display(numbers[number])})"
            )
        numbers.setdefault(number, path)
        lesson = _load_lesson(path, int(match.group(1)), slug, media_dir, problems)
        if lesson:
            lessons.append(lesson)
    return lessons


def _load_lesson(path: Path, position: int, slug: str, media_dir: Path, problems: Problems) -> LessonSpec | None:
    try:
        text = path.read_text(encoding="utf-8")
        front, body, _body_line = split_front_matter(text)
        doc = parse_mapping(front, line_offset=1)
    except UnicodeDecodeError:
        problems.add(path, 1, "not UTF-8 text")
        return None
    except SourceError as error:
        problems.add(path, error.line, error.message)
        return None
    return _lesson_from(doc, slug, position, path, body, media_dir, problems)


def _lesson_from(
    doc: Document, slug: str, position: int, path: Path, body: str, media_dir: Path, problems: Problems
) -> LessonSpec | None:
    values = _check_keys(doc, LESSON_KEYS, path, problems)
    kind = values.get("kind", "reading")
    if "kind" in values and kind not in LESSON_KINDS:
        problems.add(path, doc.line("kind"), f"unknown kind '{kind}'; use one of: {', '.join(LESSON_KINDS)}")
        return None
    lesson = LessonSpec(
        slug=slug,
        position=position,
        title=values.get("title", ""),
        kind=kind,
        path=path,
        body=body.strip() + "\n" if body.strip() else "",
        minutes=values.get("minutes"),
        required=values.get("required", True),
        prompt=values.get("prompt"),
        media=values.get("media"),
        captions=values.get("captions"),
        chapters=values.get("chapters"),
        duration=_float_or_none(values.get("duration")),
        complete_at=float(values.get("complete_at", 0.95)),
        end_at=_float_or_none(values.get("end_at")),
    )
    _check_kind_fields(lesson, doc, media_dir, problems)
    return lesson


def _check_kind_fields(lesson: LessonSpec, doc: Document, media_dir: Path, problems: Problems) -> None:
    path = lesson.path
    video_keys = ("media", "captions", "chapters", "duration", "complete_at", "end_at")
    if lesson.kind != "video":
        for key in video_keys:
            if key in doc.data:
                problems.add(path, doc.line(key), f"'{key}' is only for video lessons")
    if lesson.kind != "reflection" and "prompt" in doc.data:
        problems.add(path, doc.line("prompt"), "'prompt' is only for reflection lessons")
    if lesson.kind == "reflection" and not (lesson.prompt or "").strip():
        problems.add(path, doc.line("prompt"), "a reflection lesson needs a 'prompt'")
    if lesson.kind != "video":
        return
    for key in ("media", "captions", "duration"):
        if key not in doc.data:
            problems.add(path, doc.first_line, f"a video lesson needs '{key}'")
    if lesson.media and not lesson.media.startswith("https://"):
        _check_media_file(lesson.media, media_dir, path, doc.line("media"), problems)
    for key in ("captions", "chapters"):
        value = getattr(lesson, key)
        if value and _check_media_file(value, media_dir, path, doc.line(key), problems):
            for caption_problem in check_caption_file(media_dir / value):
                problems.add(media_dir / value, caption_problem.line, caption_problem.message)
    if lesson.duration is not None and lesson.duration <= 0:
        problems.add(path, doc.line("duration"), "'duration' must be a positive number of seconds")
    if not 0 < lesson.complete_at <= 1:
        problems.add(path, doc.line("complete_at"), "'complete_at' is a share of the video between 0 and 1 (e.g. 0.95)")
    if lesson.end_at is not None and (lesson.end_at <= 0 or (lesson.duration and lesson.end_at > lesson.duration)):
        problems.add(path, doc.line("end_at"), "'end_at' must fall within the video's duration")


def _check_media_file(value: str, media_dir: Path, path: Path, line: int, problems: Problems) -> bool:
    """A media reference must name a readable file inside the media folder."""
    if value.startswith(("http://", "/")) or "\\" in value:
        problems.add(path, line, f"'{value}' must be a path inside media/ (or an https:// address for the video)")
        return False
    target = (media_dir / value).resolve()
    if not target.is_relative_to(media_dir.resolve()):
        problems.add(path, line, f"'{value}' points outside the media folder")
        return False
    if not target.is_file():
        problems.add(path, line, f"media file not found: media/{value}")
        return False
    if not os.access(target, os.R_OK):
        problems.add(path, line, f"media file cannot be read: media/{value}")
        return False
    return True


def _read_document(path: Path, problems: Problems) -> Document | None:
    try:
        return parse_mapping(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.add(path, 1, "not UTF-8 text")
    except SourceError as error:
        problems.add(path, error.line, error.message)
    return None


def _check_keys(doc: Document, schema: dict[str, tuple[Any, bool]], path: Path, problems: Problems) -> dict[str, Any]:
    """Report unknown, missing and mistyped keys; return the values that passed."""
    values: dict[str, Any] = {}
    for key, value in doc.data.items():
        if key not in schema:
            allowed = ", ".join(sorted(schema))
            problems.add(path, doc.line(key), f"unknown key '{key}' (allowed: {allowed})")
            continue
        expected, _required = schema[key]
        if value is None or not _is_type(value, expected):
            problems.add(path, doc.line(key), f"'{key}' must be {_type_name(expected)}")
            continue
        if isinstance(value, str) and not value.strip():
            problems.add(path, doc.line(key), f"'{key}' cannot be empty")
            continue
        values[key] = value
    for key, (_expected, required) in schema.items():
        if required and key not in doc.data:
            problems.add(path, doc.first_line, f"missing required key '{key}'")
    return values


def _is_type(value: Any, expected: Any) -> bool:
    # YAML's true/false are ints to Python; a number field must not accept them.
    if isinstance(value, bool):
        return expected is bool
    return isinstance(value, expected)


def _type_name(expected: Any) -> str:
    if isinstance(expected, tuple):
        return "a number"
    return TYPE_NAMES.get(expected, expected.__name__)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _check_course(course: CourseSpec, problems: Problems) -> None:
    """Rules across modules: unique slugs and positions, known prerequisites, no cycles."""
    by_slug: dict[str, ModuleSpec] = {}
    by_position: dict[int, ModuleSpec] = {}
    for module in course.modules:
        if module.slug in by_slug:
            other = problems.display(by_slug[module.slug].path)
            problems.add(module.path, 1, f"duplicate module slug '{module.slug}' (also {other})")
        by_slug.setdefault(module.slug, module)
        if module.position in by_position:
            other = problems.display(by_position[module.position].path)
            problems.add(module.path, 1, f"module number {module.position:02d} is used twice (also {other})")
        by_position.setdefault(module.position, module)
    for module in course.modules:
        for message in _prerequisite_messages(module.slug, module.prerequisites or [], set(by_slug)):
            problems.add(module.path, _prereq_line(module), message)
    _check_cycles(course, by_slug, problems)


def _prerequisite_messages(slug: str, prerequisites: list[str], known: set[str]) -> list[str]:
    messages = []
    for required in prerequisites:
        if required not in known:
            messages.append(f"prerequisite '{required}' is not a module in this course")
        elif required == slug:
            messages.append("a module cannot be its own prerequisite")
    return messages


def _prereq_line(module: ModuleSpec) -> int:
    text = module.path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("prerequisites"):
            return number
    return 1


def _check_cycles(course: CourseSpec, by_slug: dict[str, ModuleSpec], problems: Problems) -> None:
    """Report each cycle once, on the modules whose 'prerequisites' line closes it."""
    graph = {
        m.slug: [s for s in course.resolved_prerequisites(m) if s in by_slug and s != m.slug] for m in course.modules
    }
    for cycle in find_cycles(graph):
        explicit = [by_slug[s] for s in cycle if by_slug[s].prerequisites is not None] or [by_slug[cycle[-1]]]
        for module in explicit:
            problems.add(module.path, _prereq_line(module), cycle_message(cycle))


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle once, in depth-first order from the graph's first key: [a, b, ..., z] where z requires a."""
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(slug: str, trail: list[str]) -> None:
        state[slug] = "visiting"
        for required in graph.get(slug, []):
            if state.get(required) == "visiting":
                path = trail + [slug]
                cycles.append(path[path.index(required) :])
            elif state.get(required) is None:
                visit(required, trail + [slug])
        state[slug] = "done"

    for slug in graph:
        if state.get(slug) is None:
            visit(slug, [])
    return cycles


def cycle_message(cycle: list[str]) -> str:
    return f"prerequisites form a cycle: {' -> '.join(cycle + [cycle[0]])}"


# -- the same rules for values typed in a form ------------------------------------------------------


class FieldProblem(NamedTuple):
    key: str | None  # the key at fault, or None for the whole module or lesson
    message: str


class _Collected(Problems):
    """Keeps each problem's own path, so it can be tied back to the form field at fault."""

    def __init__(self) -> None:
        super().__init__(Path("."))
        self.found: list[tuple[Path, int, str]] = []

    def add(self, path: Path, line: int, message: str) -> None:
        self.found.append((path, line, message))


_FORM = Path("<form>")


def _form_document(values: dict[str, Any], schema: dict[str, Any]) -> Document:
    """``values`` as if read from a file with one line per key (line 1 stands for the whole file)."""
    return Document(dict(values), {key: number for number, key in enumerate(schema, start=2)}, first_line=1)


def _field_problems(doc: Document, collected: _Collected, media_dir: Path | None = None) -> list[FieldProblem]:
    keys = {line: key for key, line in doc.key_lines.items()}
    result = []
    for path, line, message in collected.found:
        if path == _FORM:
            result.append(FieldProblem(keys.get(line), message))
            continue
        # A problem inside a captions or chapters file: tie it to the field that names the file.
        key = next(
            (k for k in ("captions", "chapters") if media_dir and media_dir / str(doc.data.get(k)) == path), None
        )
        result.append(FieldProblem(key, f"media/{doc.data.get(key) if key else path.name}, line {line}: {message}"))
    return result


def check_module_values(values: dict[str, Any]) -> list[FieldProblem]:
    """The rules of ``module.yml`` for one module's values (course-wide rules: ``check_prerequisites``)."""
    doc, collected = _form_document(values, MODULE_KEYS), _Collected()
    checked = _check_keys(doc, MODULE_KEYS, _FORM, collected)
    _check_module_rules(checked, doc, _FORM, collected)
    return _field_problems(doc, collected)


def check_lesson_values(values: dict[str, Any], media_dir: Path) -> list[FieldProblem]:
    """The rules of a lesson's front matter (media are checked in ``media_dir``)."""
    doc, collected = _form_document(values, LESSON_KEYS), _Collected()
    _lesson_from(doc, "lesson", 1, _FORM, "", media_dir, collected)
    return _field_problems(doc, collected, media_dir)


def check_prerequisites(slug: str, prerequisites: list[str], graph: dict[str, list[str]]) -> list[str]:
    """Course-wide rules for one module's prerequisites: known modules, not itself, no cycle through it.

    ``graph`` maps every other module's slug to the slugs it requires.
    """
    known = set(graph) | {slug}
    messages = _prerequisite_messages(slug, prerequisites, known)
    full = {slug: [p for p in prerequisites if p in known and p != slug]}
    full.update({s: [p for p in ps if p in known and p != s] for s, ps in graph.items() if s != slug})
    messages += [cycle_message(cycle) for cycle in find_cycles(full) if slug in cycle]
    return messages


def check_slug(slug: str) -> str | None:
    return None if SLUG.match(slug) else SLUG_MESSAGE

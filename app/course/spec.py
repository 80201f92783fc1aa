"""What the course files describe, once read and checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.quiz.spec import QuizSpec

LESSON_KINDS = ("video", "reading", "reflection")


@dataclass
class LessonSpec:
    slug: str
    position: int
    title: str
    kind: str
    path: Path
    body: str = ""
    minutes: int | None = None
    required: bool = True
    prompt: str | None = None
    media: str | None = None
    captions: str | None = None
    chapters: str | None = None
    duration: float | None = None
    complete_at: float = 0.95
    end_at: float | None = None


@dataclass
class ModuleSpec:
    slug: str
    position: int
    title: str
    path: Path
    summary: str = ""
    estimated_minutes: int = 0
    ce_hours: float = 0.0
    # None means "the module before" (the default sequence).
    prerequisites: list[str] | None = None
    lessons: list[LessonSpec] = field(default_factory=list)
    quiz: QuizSpec | None = None


@dataclass
class CourseSpec:
    modules: list[ModuleSpec] = field(default_factory=list)

    def resolved_prerequisites(self, module: ModuleSpec) -> list[str]:
        """Explicit prerequisites, or the module before when none are given."""
        if module.prerequisites is not None:
            return list(module.prerequisites)
        ordered = sorted(self.modules, key=lambda m: m.position)
        index = ordered.index(module)
        return [ordered[index - 1].slug] if index > 0 else []

"""The course as stored in the database, imported from ``modules/``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.quiz import Quiz


class LessonKind(StrEnum):
    VIDEO = "video"
    READING = "reading"
    REFLECTION = "reflection"


class Module(Base):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    estimated_minutes: Mapped[int] = mapped_column(default=0)
    ce_hours: Mapped[float] = mapped_column(Float, default=0.0)
    published: Mapped[bool] = mapped_column(default=True)
    source_path: Mapped[str] = mapped_column(String(400), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # An author changed it in the browser since its files were last imported (or found to match):
    # its files do not hold that work, so an import keeps the module unless told to replace it.
    changed_in_browser: Mapped[bool] = mapped_column(default=False, server_default=false())

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module",
        cascade="all, delete-orphan",
        order_by="Lesson.position",
    )
    quiz: Mapped[Quiz | None] = relationship(back_populates="module", lazy="selectin")
    prerequisite_links: Mapped[list[ModulePrerequisite]] = relationship(
        foreign_keys="ModulePrerequisite.module_id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def active_lessons(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if not lesson.archived]

    @property
    def active_quiz(self) -> Quiz | None:
        return self.quiz if self.quiz is not None and not self.quiz.archived else None

    @property
    def prerequisite_ids(self) -> set[int]:
        return {link.requires_id for link in self.prerequisite_links}


class ModulePrerequisite(Base):
    __tablename__ = "module_prerequisites"

    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True)
    requires_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True)


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int | None] = mapped_column()
    required: Mapped[bool] = mapped_column(default=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str | None] = mapped_column(Text)
    media_src: Mapped[str | None] = mapped_column(String(500))
    captions_src: Mapped[str | None] = mapped_column(String(500))
    chapters_src: Mapped[str | None] = mapped_column(String(500))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    complete_at: Mapped[float] = mapped_column(Float, default=0.95)
    end_at_seconds: Mapped[float | None] = mapped_column(Float)
    # A lesson removed from the files is archived, not deleted, so learners keep their record.
    archived: Mapped[bool] = mapped_column(default=False)
    source_path: Mapped[str] = mapped_column(String(400), default="")

    module: Mapped[Module] = relationship(back_populates="lessons")


class ContentState(Base):
    """One row of counters the database raises (by trigger), so every worker knows when what it keeps
    is stale: ``version`` when modules, lessons, prerequisites or quizzes change, ``people_version``
    when an account or its roles change, ``teams_version`` when a team's members or assignments change
    (see ``app.shared_state``)."""

    __tablename__ = "content_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column()
    people_version: Mapped[int] = mapped_column(server_default="1")
    teams_version: Mapped[int] = mapped_column(server_default="1")

"""Quizzes as imported from ``quiz.yml``, the attempts learners make, and certificates.

An attempt stores a snapshot of every question as it was shown and graded, so editing a
quiz later never changes an attempt already made.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.course import Module


class Quiz(Base):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    review_lesson: Mapped[str | None] = mapped_column(String(80))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    source_path: Mapped[str] = mapped_column(String(400), default="")
    # A quiz removed from the files is archived: the module no longer needs it, attempts stay.
    archived: Mapped[bool] = mapped_column(default=False)

    module: Mapped[Module] = relationship(back_populates="quiz")
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="quiz", cascade="all, delete-orphan", order_by="QuizQuestion.position"
    )

    @property
    def active_questions(self) -> list[QuizQuestion]:
        return [q for q in self.questions if not q.archived]


class QuizQuestion(Base):
    __tablename__ = "quiz_questions"
    __table_args__ = (UniqueConstraint("quiz_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict] = mapped_column(JSON)
    archived: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        # A learner's results and list of attempts straight from the index: the JSON columns put these
        # on the row's overflow pages, which reading them from the rows walked attempt by attempt.
        Index("ix_quiz_attempts_results", "user_id", "quiz_id", "number", "submitted_at", "passed", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    # 128 random bits as hex: the option ids on the attempt's page must not let anyone work it out.
    seed: Mapped[str] = mapped_column(String(32))
    # The questions as shown (order, options) with what grading needs; never sent to the page.
    questions: Mapped[list] = mapped_column(JSON)
    pass_mark: Mapped[float] = mapped_column(Float)
    show_answers: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()

    quiz: Mapped[Quiz] = relationship()


class Certificate(Base):
    """Issued once a learner completes the whole course; verifiable by code without sign-in."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float] = mapped_column(Float)
    completed_on: Mapped[datetime] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

"""All models, importable from one place (Alembic's autogenerate reads this)."""

from app.models.assignments import Assignment, ReminderLog
from app.models.base import Base, utcnow
from app.models.changes import ContentChange
from app.models.course import ContentState, Lesson, LessonKind, Module, ModulePrerequisite
from app.models.people import Person, Role, Team, TeamMember, User, UserRole, new_join_code
from app.models.progress import LessonProgress, Reflection
from app.models.quiz import Certificate, Quiz, QuizAttempt, QuizQuestion
from app.models.security import AuthEvent, PasswordResetToken

__all__ = [
    "Assignment",
    "AuthEvent",
    "PasswordResetToken",
    "Base",
    "ReminderLog",
    "Certificate",
    "ContentChange",
    "ContentState",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "Lesson",
    "LessonKind",
    "LessonProgress",
    "Module",
    "ModulePrerequisite",
    "Reflection",
    "Person",
    "Role",
    "Team",
    "TeamMember",
    "User",
    "UserRole",
    "new_join_code",
    "utcnow",
]

"""Records that protect sign-in: attempts (for rate limits shared by all workers) and reset tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AuthEvent(Base):
    """One sign-in, sign-up or reset request; counted per account and per address over a window.

    Kept in the database so every worker sees the same counts without extra services.
    """

    __tablename__ = "auth_events"
    __table_args__ = (Index("ix_auth_events_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))  # e.g. "login:email:a@b.c" or "login:ip:192.0.2.1"
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordResetToken(Base):
    """A single-use, expiring reset link; only a hash of the token is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()

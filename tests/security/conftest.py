"""Fixtures for the sign-in protection tests."""

from tests.security.smtp import mailbox  # noqa: F401  (a fixture, shared with tests/test_auth.py)

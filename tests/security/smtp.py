"""A real SMTP server on loopback (aiosmtpd) that keeps the mail the app sends, for the account tests."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

SITE = "https://training.example.test"
_MAIL_KEYS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME", "SITE_URL")


class Mailbox:
    """An aiosmtpd handler that keeps every message that arrives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def body(mail: EmailMessage) -> str:
    return mail.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends


def link_path(mail: EmailMessage, prefix: str) -> str:
    """The path of the first link in ``mail`` on the site that starts with ``prefix``."""
    for url in re.findall(r"https?://\S+", body(mail)):
        parts = urlsplit(url)
        if url.startswith(SITE) and parts.path.startswith(prefix):
            return parts.path
    raise AssertionError(f"no {prefix} link in:\n{body(mail)}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(app) -> Iterator[Mailbox]:
    """Points the app's mail settings at a fresh loopback SMTP server while the block runs.

    The app sends account mail after the response (``call_on_close``): post with ``buffered=True``
    so the test client closes the response, and the mail has arrived, before the call returns.
    """
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {key: app.config.get(key) for key in _MAIL_KEYS}
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        SITE_URL=SITE,
    )
    try:
        yield box
    finally:
        app.config.update(saved)
        controller.stop()


@pytest.fixture
def mailbox(app):
    with smtp_server(app) as box:
        yield box

"""Sending e-mail through the SMTP server named in the configuration.

Plain functions taking the configuration mapping (``app.config`` or any dict), so they work
from the CLI, a worker or a test without Flask globals. Every failure raises: the caller
decides what a failed send means (the reminders retry it on the next run).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

DEFAULT_TIMEOUT = 10.0


def build_message(config: Mapping[str, Any], to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text message. Header values with line breaks raise ValueError (no header injection)."""
    sender = config.get("MAIL_FROM") or "training@localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    return message


def send_mail(config: Mapping[str, Any], to: str, subject: str, text: str) -> None:
    """Send one plain-text mail to ``to``; raise ``smtplib.SMTPException`` or ``OSError`` on failure.

    ``MAIL_USE_SSL`` connects over TLS from the start (usually port 465); otherwise
    ``MAIL_USE_TLS`` upgrades the connection with STARTTLS (usually port 587). Certificates
    are verified. ``MAIL_USERNAME``/``MAIL_PASSWORD`` log in when a user name is set.
    """
    message = build_message(config, to, subject, text)
    host = config.get("MAIL_SERVER") or "localhost"
    port = int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT)
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        refused = smtp.send_message(message)
        if refused:  # only possible with several recipients; kept so a partial refusal never passes silently
            raise smtplib.SMTPRecipientsRefused(refused)

"""Mails about accounts (finish joining, you already have an account, reset your password).

They go through ``app.mail.send_mail``, the same SMTP path as the reminders, but only *after* the
response has been sent (``call_on_close``): whether a mail went out, and how long the SMTP server
took, never shows in the answer, so timing cannot tell which email addresses have accounts.

Links point at ``SITE_URL``, never at the Host header of the request, which a client can forge to
have a reset link sent pointing at its own server.
"""

from __future__ import annotations

import smtplib

from flask import Response, after_this_request, current_app, url_for

from app.mail import send_mail

SITE_NAME = "Infant Mental Health for Home Visitors"


def site_link(endpoint: str, **values) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + url_for(endpoint, **values)


def send_after_response(to: str, subject: str, text: str) -> None:
    app = current_app._get_current_object()
    config = {key: value for key, value in app.config.items() if key.startswith("MAIL_")}

    def deliver() -> None:
        try:
            send_mail(config, to, subject, text)
        except (smtplib.SMTPException, OSError, ValueError) as error:
            app.logger.error("Could not send the mail %r to %s: %s", subject, to, error)
            if app.config.get("ENV_NAME") == "development":  # no SMTP server on a laptop: show the link
                app.logger.warning("Undelivered mail to %s:\n%s", to, text)

    @after_this_request
    def _send_when_done(response: Response) -> Response:
        response.call_on_close(deliver)
        return response


def signup_link_text(team: str, link: str, hours: int) -> tuple[str, str]:
    # No name typed into the form appears here: anyone can type any address, and the mail must
    # not carry a stranger's words to it.
    return (
        f"Finish joining {team}",
        "Hello,\n\n"
        f"To finish creating your account on {SITE_NAME} and join {team}, open this link "
        f"within {hours} hours and choose your password:\n\n{link}\n\n"
        "If you did not ask to join, you can ignore this e-mail: no account is created without the link.\n",
    )


def signup_existing_text(name: str, login: str, forgot: str) -> tuple[str, str]:
    return (
        "You already have an account",
        f"Hello {name},\n\n"
        f"Someone (probably you) tried to create an account on {SITE_NAME} with this e-mail address, "
        "but you already have one, so nothing was changed.\n\n"
        f"Sign in: {login}\n"
        f"Forgot your password? Choose a new one: {forgot}\n\n"
        "If this was not you, you can ignore this e-mail.\n",
    )


def reset_text(name: str, link: str, minutes: int) -> tuple[str, str]:
    return (
        "Reset your password",
        f"Hello {name},\n\n"
        f"Someone (probably you) asked to reset the password of your account on {SITE_NAME}.\n\n"
        f"To choose a new password, open this link within {minutes} minutes. It works once:\n\n{link}\n\n"
        "If you did not ask for this, you can ignore this e-mail: your password stays as it is.\n",
    )

"""Sending email when SMTP is configured (MAIL_SERVER); otherwise the caller shows the text."""

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import after_this_request, current_app


class MailError(RuntimeError):
    """The mail server could not be reached or refused the message; the text says why."""


def mail_configured() -> bool:
    """True when an SMTP server is configured, so links can be emailed."""
    return bool(current_app.config.get("MAIL_SERVER"))


def _settings() -> dict:
    config = current_app.config
    return {
        "server": config["MAIL_SERVER"],
        "port": config.get("MAIL_PORT", 25),
        "tls": config.get("MAIL_USE_TLS"),
        "username": config.get("MAIL_USERNAME"),
        "password": config.get("MAIL_PASSWORD"),
    }


def _deliver(message: EmailMessage, settings: dict) -> None:
    with smtplib.SMTP(settings["server"], settings["port"], timeout=10) as smtp:
        if settings["tls"]:
            smtp.starttls()
        if settings["username"]:
            smtp.login(settings["username"], settings["password"])
        smtp.send_message(message)


def _message(to_address: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to_address
    message.set_content(body)
    return message


def send_invitation(to_address: str | None, name: str, link: str) -> bool:
    """Email the sign-in invitation; False when there is no SMTP server or no address."""
    if not mail_configured() or not to_address:
        return False
    message = _message(
        to_address,
        "Your account for the WIPO training course",
        f"Dear {name},\n\nYour participation has been confirmed. Set your password with this "
        f"link (it works once, for 14 days):\n\n{link}\n\nThen you can see your timetable, "
        "submit your evaluation and download your certificate.\n",
    )
    _deliver(message, _settings())
    return True


def sign_in_link_message(
    to_address: str,
    name: str,
    link: str,
    *,
    new_account: bool,
    expires_at: datetime,
    asked_by_them: bool,
) -> EmailMessage:
    """The email carrying a link to choose a password: the first one of a new account, or a
    new one (asked for on the sign-in page, or made by the course team)."""
    until = f"it works once, until {expires_at:%Y-%m-%d %H:%M} UTC"
    if asked_by_them:
        subject = "Your link to choose a new password"
        opening = (
            f"Someone, probably you, asked for a link to choose a new password for {to_address} "
            f"on the WIPO training courses site ({until}):"
        )
        closing = (
            "If you did not ask for it, ignore this message: nothing changes until the link "
            "is used."
        )
    elif new_account:
        subject = "Your account for the WIPO training courses"
        opening = (
            f"An account has been made for you ({to_address}) on the WIPO training courses "
            f"site. Choose your password with this link ({until}):"
        )
        closing = "Then sign in with your email address and that password."
    else:
        subject = "Your link to choose a new password"
        opening = (
            f"The course team made you a link to choose a new password for {to_address} "
            f"on the WIPO training courses site ({until}):"
        )
        closing = "Your current password works until you use the link."
    body = (
        f"Dear {name},\n\n{opening}\n\n{link}\n\nChoosing the password signs you out on every "
        f"other browser. {closing}\n"
    )
    return _message(to_address, subject, body)


def evaluation_reminder_message(
    to_address: str, name: str, course: str, closes: str, link: str, anonymous: bool
) -> EmailMessage:
    """The reminder to answer a course's evaluation, sent only to those who have not."""
    privacy = (
        "Your answers are anonymous: they are stored without your name."
        if anonymous
        else "Your answers are stored with your name."
    )
    body = (
        f"Dear {name},\n\nThe evaluation of {course} is open until {closes}, and your answers "
        f"have not reached us yet. It takes a few minutes:\n\n{link}\n\n{privacy} If you have "
        "answered since this message was sent, thank you, and please ignore it.\n"
    )
    return _message(to_address, f"Reminder: your evaluation of {course}", body)


def send_message(message: EmailMessage) -> bool:
    """Send now. False when no SMTP server is configured; MailError when sending fails."""
    if not mail_configured():
        return False
    try:
        _deliver(message, _settings())
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"the mail server could not take it ({exc})") from exc
    return True


def send_after_response(message: EmailMessage) -> None:
    """Send once the response has gone out, so that how long the answer took tells nothing
    about the message (whether an account exists); a failure is logged."""
    settings, logger = _settings(), current_app.logger

    def deliver():
        try:
            _deliver(message, settings)
        except (smtplib.SMTPException, OSError):
            logger.exception("Could not send %r to %s", message["Subject"], message["To"])

    @after_this_request
    def _when_sent(response):
        response.call_on_close(deliver)
        return response

"""Sending email when SMTP is configured (MAIL_SERVER); otherwise the caller shows the text."""

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_invitation(to_address: str | None, name: str, link: str) -> bool:
    """Email the sign-in invitation; False when there is no SMTP server or no address."""
    server = current_app.config.get("MAIL_SERVER")
    if not server or not to_address:
        return False
    message = EmailMessage()
    message["Subject"] = "Your account for the WIPO training course"
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to_address
    message.set_content(
        f"Dear {name},\n\nYour participation has been confirmed. Set your password with this "
        f"link (it works once, for 14 days):\n\n{link}\n\nThen you can see your timetable, "
        "submit your evaluation and download your certificate.\n"
    )
    with smtplib.SMTP(server, current_app.config.get("MAIL_PORT", 25), timeout=10) as smtp:
        if current_app.config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if current_app.config.get("MAIL_USERNAME"):
            smtp.login(current_app.config["MAIL_USERNAME"], current_app.config["MAIL_PASSWORD"])
        smtp.send_message(message)
    return True

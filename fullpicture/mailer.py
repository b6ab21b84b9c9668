"""Sending one e-mail through the configured SMTP server (FULLPICTURE_SMTP_URL).

Plain SMTP, STARTTLS (required once asked for: a server that does not offer it is an error, never a
silent fall back to plain text) or TLS from the first byte; login when a user is given.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from fullpicture.config import MailServer

TIMEOUT_SECONDS = 30


class MailNotSent(Exception):
    """The server refused the message or could not be reached; it is tried again later."""


def send_mail(
    server: MailServer,
    to: str,
    subject: str,
    body: str,
    message_id: str,
) -> None:
    """Send one message; the same `message_id` is used when it is sent again after a crash, so a
    receiving system can tell a repeat."""
    message = EmailMessage()
    message["From"] = server.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    context = ssl.create_default_context(cafile=server.ca_file)
    try:
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            if server.security == "starttls":
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailNotSent(f"{server.host}:{server.port}: {error}") from error

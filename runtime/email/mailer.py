"""Sending email by SMTP (``aiosmtplib``): the relay is configured by ``ETHIQ_SMTP_*``."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import aiosmtplib

from runtime.settings import PeopleSettings

__all__ = ["Mail", "MailError", "Mailer", "SmtpMailer"]


class MailError(Exception):
    """The relay refused the message or could not be reached."""


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    language: str  # Content-Language, e.g. fr-CA


class Mailer(Protocol):
    async def send(self, mail: Mail) -> str:
        """Send; return the Message-ID, or raise :class:`MailError`."""
        ...


class SmtpMailer:
    def __init__(self, settings: PeopleSettings) -> None:
        self._settings = settings

    def message(self, mail: Mail) -> EmailMessage:
        """``multipart/alternative``: the plain-text part first, the HTML part preferred."""
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain="ethiq.invalid")
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        # After the parts: set_content() moves Content-* headers into the first part.
        message["Content-Language"] = mail.language
        return message

    async def send(self, mail: Mail) -> str:
        s = self._settings
        message = self.message(mail)
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                start_tls=s.smtp_starttls,
                use_tls=s.smtp_tls,
                timeout=s.smtp_timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise MailError(f"SMTP relay {s.smtp_host}:{s.smtp_port}: {error}") from error
        return str(message["Message-ID"])

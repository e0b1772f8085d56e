"""Outgoing email: messages with a plain-text and an HTML part, sent through a real SMTP relay."""

from runtime.email.mailer import Mail, Mailer, MailError, SmtpMailer

__all__ = ["Mail", "MailError", "Mailer", "SmtpMailer"]

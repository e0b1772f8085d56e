"""Outgoing email: messages with a plain-text and an HTML part, sent through a real SMTP relay.

Exceptions::

    MailError       the relay refused the message or could not be reached (never retried here)
"""

from runtime.email.mailer import Mail, Mailer, MailError, SmtpMailer

__all__ = ["Mail", "MailError", "Mailer", "SmtpMailer"]

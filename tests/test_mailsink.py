"""The demo's SMTP sink receives what the runtime's mailer sends (multipart, UTF-8)."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

from ethiq.mailsink import running_mail_sink
from runtime.email import Mail, SmtpMailer
from runtime.settings import PeopleSettings


def test_the_runtimes_mailer_delivers_to_the_sink() -> None:
    received: list[EmailMessage] = []
    with running_mail_sink(received.append) as port:
        mailer = SmtpMailer(PeopleSettings(smtp_port=port))
        mail = Mail(
            "lucie@example.org", "Votre lien", "Ouvrez :\n.\nhttp://x/login/t", "<p>é</p>", "fr-CA"
        )
        for _ in range(2):
            asyncio.run(mailer.send(mail))
    assert len(received) == 2
    text = received[0].get_body(preferencelist=("plain",))
    assert text is not None
    assert "http://x/login/t" in str(text.get_content())
    assert "\n.\r\n" in str(text.get_content())  # a lone dot survives the dot-stuffing
    assert received[0]["To"] == "lucie@example.org"
    assert received[0]["Content-Language"] == "fr-CA"

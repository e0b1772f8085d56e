"""Passwords of SIP credentials, to Twilio's rules: at least 12 characters with a lowercase,
an uppercase letter and a digit (https://www.twilio.com/docs/voice/sip/api/sip-credential-resource).

Letters and digits only: easy to type on a phone if the QR code cannot be used. Shared by the
stack's credential (``infra.providers.twilio_sip``) and the runtime's rotation
(``runtime.people.sip``).
"""

from __future__ import annotations

import secrets
import string
from typing import Final

__all__ = ["new_sip_password"]

_LENGTH: Final = 24


def new_sip_password(length: int = _LENGTH) -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password

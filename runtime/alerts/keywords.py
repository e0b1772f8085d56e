"""The SMS keywords Twilio itself handles for a tenant, in French and English: one declaration
for the runtime (which records what Twilio did), the operator's Console step (Advanced Opt-Out
is configured in the Console only) and the local sandbox (which enforces them as Twilio does).

Two regimes, both Twilio's:

- **a number in a Messaging Service with Advanced Opt-Out** (every tenant since the stack
  declares one): Twilio matches the *whole* message body against the configured keywords, case
  ignored, blocks (opt-out) or unblocks (opt-in) the recipient for the whole service, sends the
  configured reply of the keyword's language, and forwards the message with ``OptOutType``
  (``STOP``, ``START`` or ``HELP``);
  https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out
  https://help.twilio.com/articles/31560110671259 (OptOutType, whole-body match)
- **a number without one**: Twilio's default English keywords, no ``OptOutType``.
  https://help.twilio.com/articles/223134027

Twilio documents case-insensitive matching only, so accented keywords are listed with and
without their accents (ARRET and ARRÊT).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Final

from runtime.alerts.messages import consent_reply
from runtime.alerts.tables import ConsentKind

__all__ = [
    "ADVANCED_OPT_OUT",
    "CONSOLE_KIND",
    "DEFAULT_KEYWORDS",
    "OPT_OUT_TYPES",
    "KeywordLanguage",
    "advanced_opt_out",
    "console_entries",
    "console_fingerprint",
    "fold",
    "is_opt_out",
    "twilio_keyword",
]

# Twilio's default keywords (also kept in every Advanced Opt-Out configuration: STOP, START and
# HELP cannot be removed there).
DEFAULT_KEYWORDS: Final[dict[ConsentKind, frozenset[str]]] = {
    ConsentKind.WITHDRAW: frozenset(
        {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
    ),
    ConsentKind.CONSENT: frozenset({"START", "YES", "UNSTOP"}),
    ConsentKind.HELP: frozenset({"HELP", "INFO"}),
}

# ``OptOutType`` of Twilio's inbound webhook → the consent change Twilio made.
OPT_OUT_TYPES: Final = {
    "STOP": ConsentKind.WITHDRAW,
    "START": ConsentKind.CONSENT,
    "HELP": ConsentKind.HELP,
}


@dataclass(frozen=True)
class KeywordLanguage:
    """One language of the Advanced Opt-Out configuration: keywords and Twilio's reply, per
    kind (opt-out = withdraw, opt-in = consent, help)."""

    language: str  # as the Console names it
    keywords: dict[ConsentKind, tuple[str, ...]]
    replies: dict[ConsentKind, str]


def _replies(lang: str, person_name: str) -> dict[ConsentKind, str]:
    return {kind: consent_reply(kind.value, lang, person_name) for kind in ConsentKind}


_ENGLISH: Final = {kind: tuple(sorted(words)) for kind, words in DEFAULT_KEYWORDS.items()}
_FRENCH: Final = {
    ConsentKind.WITHDRAW: ("ARRET", "ARRÊT", "ARRETER", "ARRÊTER", "DESABONNER", "DÉSABONNER"),
    ConsentKind.CONSENT: ("OUI",),
    ConsentKind.HELP: ("AIDE",),
}


def advanced_opt_out(person_name: str = "") -> tuple[KeywordLanguage, ...]:
    """The Advanced Opt-Out configuration of one tenant's Messaging Service: its replies name
    the tenant's protected person (``ethiq:personName``) as the invitation does, so Twilio's
    answer to OUI/YES is the same confirmation the runtime would send."""
    return (
        KeywordLanguage("English", _ENGLISH, _replies("en-US", person_name)),
        KeywordLanguage("French", _FRENCH, _replies("fr-CA", person_name)),
    )


# The keywords (the same for every tenant), with the replies of a tenant without a name.
ADVANCED_OPT_OUT: Final = advanced_opt_out()

# The Console's names for each kind of keyword.
CONSOLE_KIND: Final = {
    ConsentKind.WITHDRAW: "Opt-out",
    ConsentKind.CONSENT: "Opt-in",
    ConsentKind.HELP: "Help",
}


def console_entries(person_name: str = "") -> str:
    """What the operator enters in the Console's Opt-Out Management for a tenant whose person
    is ``person_name``: each language's keywords and reply per kind, one per line (what
    ``ethiq tenant opt-out-replies`` prints)."""
    lines: list[str] = []
    for language in advanced_opt_out(person_name):
        lines.append(f"{language.language}:")
        for kind, words in language.keywords.items():
            lines.append(f"  {CONSOLE_KIND[kind]} keywords: {', '.join(words)}")
            lines.append(f"  {CONSOLE_KIND[kind]} reply: {language.replies[kind]}")
    return "\n".join(lines) + "\n"


def console_fingerprint(person_name: str = "") -> str:
    """The SHA-256 of :func:`console_entries` (hex): what a Messaging Service's Console must
    hold. It changes with the person's name and with any keyword or reply changed in code."""
    return hashlib.sha256(console_entries(person_name).encode("utf-8")).hexdigest()


def fold(text: str) -> str:
    """Upper case without accents: how the runtime compares keywords."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


_ADVANCED: Final = {
    fold(word): kind
    for language in ADVANCED_OPT_OUT
    for kind, words in language.keywords.items()
    for word in words
}


def _first_word(body: str) -> str:
    words = fold(body).replace(".", " ").replace("!", " ").split()
    return words[0] if words else ""


def twilio_keyword(
    body: str, opt_out_type: str | None, *, messaging_service: bool
) -> ConsentKind | None:
    """The consent change Twilio itself made (and answered) for this inbound SMS, if any.

    ``OptOutType`` is Twilio's own word and wins. Without it, a tenant on a Messaging Service
    gets Twilio's matching of the whole body (the Console step may still be pending: Twilio's
    default keywords apply then, without ``OptOutType``); a bare number, the first word against
    the default list, as before Messaging Services.
    """
    if opt_out_type:
        return OPT_OUT_TYPES.get(opt_out_type.strip().upper())
    if messaging_service:
        whole = fold(body.strip())
        return next((k for k, words in DEFAULT_KEYWORDS.items() if whole in words), None)
    word = _first_word(body)
    return next((k for k, words in DEFAULT_KEYWORDS.items() if word in words), None)


def is_opt_out(body: str, *, messaging_service: bool) -> bool:
    """Whether Twilio blocks the sender after ``body`` (a recorded withdrawal, read again)."""
    if messaging_service:
        return _ADVANCED.get(fold(body.strip())) is ConsentKind.WITHDRAW
    return _first_word(body) in DEFAULT_KEYWORDS[ConsentKind.WITHDRAW]

"""Signals from call metadata, known before anyone speaks.

STIR/SHAKEN failures and caller IDs that cannot be real are strong evidence of spoofing; a
missing or C attestation says nothing (forwarded and Canadian calls rarely keep one). A caller in
the person's contacts lowers the metadata risk only: the transcript is still scored, because the
grandparent scam comes from a hacked or imitated relative.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import phonenumbers

from runtime.screening.model import CallMeta

__all__ = ["MetaSignal", "metadata_signals"]

_DIVERSION_SUFFIXES: Final = ("-Diverted", "-Passthrough")
# What Twilio puts in From when the caller withholds their number: the alpha string, or the same
# word spelled on a keypad (ANONYMOUS = +266696687, RESTRICTED, BLOCKED, UNKNOWN, UNAVAILABLE):
# https://www.twilio.com/en-us/changelog/upcoming-changes-to-withheld-caller-ids-behavior-for-dial-calls
# A null, missing or empty From is *unknown* (a recording, an outside corpus), not withheld.
_HIDDEN: Final = frozenset(
    {"anonymous", "restricted", "unknown", "private", "unavailable", "+266696687", "+7378742833",
     "+2562533", "+8656696", "+86282452253"}
)  # fmt: skip
_MAX_E164_DIGITS: Final = 15
_NANP_EXCHANGE: Final = 6  # NPA-NXX: area code + exchange
_VELOCITY_CAMPAIGN: Final = 10
_VELOCITY_SUSPECT: Final = 3


@dataclass(frozen=True, slots=True)
class MetaSignal:
    """One metadata signal and its log-odds weight (negative when reassuring)."""

    key: str
    weight: float


def _digits(number: str | None) -> str:
    return "".join(ch for ch in number or "" if ch.isdigit())


def _parse(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, None if number.startswith("+") else "CA")
    except phonenumbers.NumberParseException:
        return None


@lru_cache(maxsize=4096)  # parsing and validating a number costs more than the rest of screening
def _is_impossible(number: str) -> bool:
    if len(_digits(number)) > _MAX_E164_DIGITS:
        return True
    parsed = _parse(number)
    return parsed is None or not phonenumbers.is_valid_number(parsed)


def _nanp_national(number: str | None) -> str | None:
    digits = _digits(number)
    if len(digits) == 11 and digits.startswith("1"):  # noqa: PLR2004
        return digits[1:]
    return digits if len(digits) == 10 else None  # noqa: PLR2004


def _stir(verstat: str | None) -> MetaSignal | None:
    if not verstat:
        return None
    base = verstat.strip()
    for suffix in _DIVERSION_SUFFIXES:
        base = base.removesuffix(suffix)
    if base.startswith("TN-Validation-Failed"):
        return MetaSignal("stir_failed", 1.3)
    if base == "TN-Validation-Passed-A":
        return MetaSignal("stir_passed", -0.5)
    if base == "TN-Validation-Passed-B":
        return MetaSignal("stir_passed", -0.2)
    return None


def _caller_id(call: CallMeta) -> list[MetaSignal]:
    caller = (call.from_ or "").strip()
    if not caller:
        return []
    if caller.lower() in _HIDDEN or not _digits(caller):
        return [MetaSignal("hidden_caller", 0.3)]
    if _is_impossible(caller):
        return [MetaSignal("impossible_number", 1.2)]
    signals: list[MetaSignal] = []
    own = {_digits(n)[-10:] for n in (call.forwarded_from, call.to) if _digits(n)}
    mine = _nanp_national(call.forwarded_from)
    national = _nanp_national(caller)
    if _digits(caller)[-10:] in own:
        signals.append(MetaSignal("own_number", 2.0))
    elif mine and national and national[:_NANP_EXCHANGE] == mine[:_NANP_EXCHANGE]:
        signals.append(MetaSignal("neighbour_spoofing", 0.5))
    return signals


def metadata_signals(call: CallMeta) -> tuple[MetaSignal, ...]:
    """All metadata signals of a call, strongest evidence of fraud first."""
    signals = _caller_id(call)
    stir = _stir(call.stir_verstat)
    if stir:
        signals.append(stir)
    velocity = call.caller_velocity or 0
    if velocity >= _VELOCITY_CAMPAIGN:
        signals.append(MetaSignal("velocity", 1.8))
    elif velocity >= _VELOCITY_SUSPECT:
        signals.append(MetaSignal("velocity", 0.9))
    if call.caller_in_contacts:
        signals.append(MetaSignal("in_contacts", -1.0))
    return tuple(sorted(signals, key=lambda s: s.weight, reverse=True))

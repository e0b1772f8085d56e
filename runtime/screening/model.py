"""Wire format of ``ethiq score``: one screened call per JSONL line in, one verdict per line out.

The input structs deliberately have no ``label`` or ``typology`` field: the scorer cannot read what
it does not decode. Unknown fields are ignored, missing required ones are decode errors.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["CallMeta", "CallRecord", "ScoreLine", "Segment", "Speaker"]

Speaker = Literal["caller", "callee"]


class CallMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What Twilio (and our own runtime) knows about a call before anyone speaks.

    Every field may be null or missing, as in real traffic. ``caller_velocity`` is the number of
    distinct tenants this caller reached recently; only the runtime can provide it.
    """

    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    forwarded_from: str | None = None
    stir_verstat: str | None = None
    caller_name: str | None = None
    caller_in_contacts: bool | None = None
    caller_velocity: int | None = None


class Segment(msgspec.Struct, frozen=True):
    """One final transcript segment; ``t`` is seconds from the start of the call."""

    t: float
    speaker: Speaker
    text: str


class CallRecord(msgspec.Struct, frozen=True):
    """One input line of ``ethiq score``."""

    id: str
    lang: str
    call: CallMeta
    segments: list[Segment]


class ScoreLine(msgspec.Struct, frozen=True):
    """One output line of ``ethiq score``."""

    id: str
    risk: float
    verdict: Literal["legit", "suspicious", "scam"]
    detected_at: float | None
    reasons: list[str]

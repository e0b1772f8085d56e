"""The call path of the runtime: pre-answer screening, transcripts, verdicts, call log.

Exceptions::

    LookupError
    └── NoConference    the call's conference is not (or no longer) in progress (calls.live)
"""

from __future__ import annotations

from runtime.calls.blocklist import Blocklist
from runtime.calls.service import Answer, CallService
from runtime.calls.tracks import speaker_for
from runtime.calls.velocity import MemoryVelocity, RedisVelocity, Velocity

__all__ = [
    "Answer",
    "Blocklist",
    "CallService",
    "MemoryVelocity",
    "RedisVelocity",
    "Velocity",
    "speaker_for",
]

"""Everything one sandbox process holds, shared by the gateway and the route handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from litestar import Request

from ethiq.sandbox.contract import Contract
from ethiq.sandbox.faults import FaultBook
from ethiq.sandbox.journal import RequestLog, Violations
from ethiq.sandbox.settings import SandboxSettings
from ethiq.sandbox.state import Store
from ethiq.sandbox.voice import VoiceEngine

__all__ = ["Sandbox", "sandbox_of"]

STATE_KEY = "sandbox"


@dataclass
class Sandbox:
    settings: SandboxSettings
    store: Store
    contract: Contract | None
    contract_notice: str
    faults: FaultBook = field(default_factory=FaultBook)
    log: RequestLog = field(default_factory=RequestLog)
    violations: Violations = field(default_factory=Violations)
    voice: VoiceEngine = field(init=False)

    def __post_init__(self) -> None:
        self.voice = VoiceEngine(self)

    def reset(self) -> None:
        """Back to a fresh start: state, faults, request log and violations."""
        self.store.reset()
        self.faults.clear()
        self.log.clear()
        self.violations.clear()


def sandbox_of(request: Request[Any, Any, Any]) -> Sandbox:
    return cast("Sandbox", request.app.state[STATE_KEY])

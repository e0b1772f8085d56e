"""A small typed client for the sandbox's control API (``/_sandbox/…``)."""

from __future__ import annotations

import fnmatch
from typing import Any, Self

import httpx
import msgspec

from ethiq.sandbox.faults import FaultSpec
from ethiq.sandbox.journal import RequestEntry, Violation

__all__ = ["SandboxControl", "SandboxControlError"]

READS = frozenset({"GET", "HEAD"})
CALL_TIMEOUT_S = 120.0  # a scripted call runs to its end inside one request


class SandboxControlError(RuntimeError):
    """The control API refused a request (bad fault spec, unknown number …)."""


class SandboxControl:
    """Inject faults, read the request log, state and contract violations, reset."""

    def __init__(
        self, base_url: str, account_sid: str, auth_token: str, *, timeout: float = 10.0
    ) -> None:
        self._http = httpx.Client(
            base_url=f"{base_url}/_sandbox", auth=(account_sid, auth_token), timeout=timeout
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(
        self, method: str, path: str, payload: Any = None, *, timeout: float | None = None
    ) -> Any:
        response = self._http.request(
            method,
            path,
            content=None if payload is None else msgspec.json.encode(payload),
            headers={"content-type": "application/json"},
            timeout=timeout or self._http.timeout,
        )
        if response.is_error:
            raise SandboxControlError(
                f"{method} /_sandbox{path}: {response.status_code} {response.text}"
            )
        return response.json() if response.content else None

    # --- faults --------------------------------------------------------------------------

    def add_fault(self, spec: FaultSpec) -> FaultSpec:
        return msgspec.convert(self._call("POST", "/faults", spec), FaultSpec)

    def fail(
        self,
        status: int,
        *,
        code: int | None = None,
        message: str | None = None,
        method: str = "*",
        path: str = "*",
        account_sid: str | None = None,
        times: int | None = 1,
    ) -> FaultSpec:
        """Answer matching requests with ``status`` / Twilio ``code`` instead of processing them."""
        return self.add_fault(
            FaultSpec(
                kind="status",
                status=status,
                code=code,
                message=message,
                method=method,
                path=path,
                account_sid=account_sid,
                times=times,
            )
        )

    def drop_after_commit(
        self,
        *,
        method: str = "POST",
        path: str = "*",
        account_sid: str | None = None,
        times: int | None = 1,
    ) -> FaultSpec:
        """Apply matching writes, then break the connection before the response completes."""
        return self.add_fault(
            FaultSpec(
                kind="drop_after_commit",
                method=method,
                path=path,
                account_sid=account_sid,
                times=times,
            )
        )

    def delay(
        self,
        seconds: float,
        *,
        method: str = "*",
        path: str = "*",
        account_sid: str | None = None,
        times: int | None = 1,
    ) -> FaultSpec:
        """Wait ``seconds`` before processing matching requests."""
        return self.add_fault(
            FaultSpec(
                kind="delay",
                seconds=seconds,
                method=method,
                path=path,
                account_sid=account_sid,
                times=times,
            )
        )

    def empty_inventory(
        self, country: str, region: str | None = None, *, times: int | None = None
    ) -> FaultSpec:
        """No numbers for sale in ``country`` (``region``): empty searches, 21452 by AreaCode."""
        return self.add_fault(
            FaultSpec(kind="empty_inventory", country=country, region=region, times=times)
        )

    def faults(self) -> list[FaultSpec]:
        return msgspec.convert(self._call("GET", "/faults")["faults"], list[FaultSpec])

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # --- what happened -------------------------------------------------------------------

    def requests(self, *, method: str | None = None, path: str = "*") -> list[RequestEntry]:
        """The request log in order, optionally only ``method`` requests on a path glob."""
        entries = msgspec.convert(self._call("GET", "/requests")["requests"], list[RequestEntry])
        return [
            entry
            for entry in entries
            if (method is None or entry.method == method.upper())
            and fnmatch.fnmatchcase(entry.path, path)
        ]

    def writes(self, path: str = "*") -> list[RequestEntry]:
        """Requests that may change state (anything but GET), on a path glob."""
        return [entry for entry in self.requests(path=path) if entry.method not in READS]

    def violations(self) -> list[Violation]:
        return msgspec.convert(self._call("GET", "/violations")["violations"], list[Violation])

    def contract_checks(self) -> bool:
        """Whether this sandbox validates against Twilio's contract (the document was found)."""
        return bool(self._call("GET", "/violations")["contract_checks"])

    def health(self) -> dict[str, Any]:
        return dict(self._call("GET", "/health"))

    def state(self) -> dict[str, Any]:
        return dict(self._call("GET", "/state"))

    def messages(self) -> list[dict[str, Any]]:
        """Every message sent through the sandbox, oldest first."""
        return list(self.state()["messages"])

    def reset(self) -> None:
        """Fresh state (only the parent account), no faults, empty request log and violations."""
        self._call("POST", "/reset")

    # --- driving the world ---------------------------------------------------------------

    def register_call(
        self,
        to: str,
        from_: str,
        *,
        status: str = "in-progress",
        forwarded_from: str | None = None,
        caller_name: str | None = None,
    ) -> dict[str, Any]:
        """A live inbound call to our number ``to``; returns the call as Twilio renders it."""
        payload = {
            "to": to,
            "from": from_,
            "status": status,
            "forwarded_from": forwarded_from,
            "caller_name": caller_name,
        }
        return dict(self._call("POST", "/calls", payload))

    def inbound_call(
        self,
        to: str,
        from_: str,
        segments: list[dict[str, Any]] | None = None,
        *,
        forwarded_from: str | None = None,
        caller_name: str | None = None,
        stir_verstat: str | None = None,
        transcription_fails_at: float | None = None,
    ) -> dict[str, Any]:
        """Play a whole inbound call as Twilio runs it (TwiML, legs, conferences, transcription
        events from ``segments``: ``{"t", "speaker": "caller"|"callee", "text"}``); its report.
        ``transcription_fails_at``: Twilio stops the call's transcription on its own before the
        first line said at or after it (the call goes on)."""
        payload = {
            "to": to,
            "from": from_,
            "segments": segments or [],
            "forwarded_from": forwarded_from,
            "caller_name": caller_name,
            "stir_verstat": stir_verstat,
            "transcription_fails_at": transcription_fails_at,
        }
        return dict(self._call("POST", "/calls/inbound", payload, timeout=CALL_TIMEOUT_S))

    def sip_call(self, from_: str, to: str) -> dict[str, Any]:
        """The SIP app ``from_`` places a call to ``to`` through its domain's voice URL (the
        runtime's ``/twilio/sip``); the report, as for an inbound call."""
        payload = {"from": from_, "to": to}
        return dict(self._call("POST", "/calls/from-sip", payload, timeout=CALL_TIMEOUT_S))

    def sip_endpoint(
        self, address: str, behaviour: str = "answer", *, secure_only: bool = True
    ) -> None:
        """How the SIP app at ``address`` answers: answer, no-answer, busy or offline."""
        payload = {"address": address, "behaviour": behaviour, "secure_only": secure_only}
        self._call("POST", "/sip-endpoints", payload)

    def sip_register(self, domain: str, username: str, password: str) -> int:
        """A SIP app registers to ``domain``: 200 when Twilio would accept it, else 401/403/404."""
        payload = {"domain": domain, "username": username, "password": password}
        return int(self._call("POST", "/sip/register", payload)["status"])

    def handset(
        self,
        number: str,
        forwarding: str = "off",
        forward_to: str | None = None,
        *,
        answers: bool = False,
        ring_s: int = 20,
        passes_forwarded_from: bool = True,
    ) -> None:
        """The phone at ``number``: call forwarding off, ``unconditional`` or ``no-answer``
        (after ``ring_s``) to ``forward_to``; whether someone answers it when it rings."""
        payload = {
            "number": number,
            "forwarding": forwarding,
            "forward_to": forward_to,
            "answers": answers,
            "ring_s": ring_s,
            "passes_forwarded_from": passes_forwarded_from,
        }
        self._call("POST", "/handsets", payload)

    def inbound_sms(self, from_: str, to: str, body: str) -> dict[str, Any]:
        """A text from ``from_`` to our number ``to``, handled as Twilio does (its keywords, or
        the Messaging Service's Advanced Opt-Out ones, block, unblock and auto-reply) and
        forwarded to the webhook (the service's, or the number's)."""
        return dict(self._call("POST", "/sms/inbound", {"from": from_, "to": to, "body": body}))

    def sms_outcome(
        self, phone_number: str, status: str = "delivered", error_code: int | None = None
    ) -> None:
        """Messages to ``phone_number`` end ``status`` (with Twilio's ``error_code``)."""
        payload = {"phone_number": phone_number, "status": status, "error_code": error_code}
        self._call("POST", "/sms-outcomes", payload)

    def advanced_opt_out(self, service_sid: str, languages: list[dict[str, Any]]) -> None:
        """The operator's Console step: the service's Advanced Opt-Out keywords and replies,
        ``[{"language", "keywords": {"STOP": [...], ...}, "replies": {"STOP": ...}}]``."""
        self._call("POST", f"/messaging-services/{service_sid}/opt-out", {"languages": languages})

    def a2p_campaign(
        self, service_sid: str, status: str = "VERIFIED", failure_reason: str = ""
    ) -> str:
        """Register the service's A2P 10DLC campaign (or set its vetting's outcome, with TCR's
        reason when FAILED); its ``QE…`` SID."""
        answer = self._call(
            "POST",
            f"/messaging-services/{service_sid}/a2p-campaign",
            {"status": status, "failure_reason": failure_reason},
        )
        return str(answer["sid"])

    def a2p_brand(self, brand_sid: str, status: str = "APPROVED", failure_reason: str = "") -> None:
        """The Campaign Registry's vetting of brand ``BN…``: APPROVED, or FAILED with a reason."""
        self._call(
            "POST",
            f"/a2p/brands/{brand_sid}",
            {"status": status, "failure_reason": failure_reason},
        )

    def tollfree_verification(
        self, phone_number: str, status: str = "TWILIO_APPROVED", rejection_reason: str = ""
    ) -> str:
        """Submit the toll-free number's Toll-Free Verification (or set its review's outcome:
        PENDING_REVIEW, IN_REVIEW, TWILIO_APPROVED, TWILIO_REJECTED); its ``HH…`` SID."""
        answer = self._call(
            "POST",
            f"/numbers/{phone_number}/tollfree-verification",
            {"status": status, "rejection_reason": rejection_reason},
        )
        return str(answer["sid"])

    def record_usage(
        self,
        account_sid: str,
        category: str,
        *,
        count: float = 1,
        usage: float = 0,
        price: float = 0,
        at: str = "",
    ) -> list[dict[str, Any]]:
        """What an account's calls and texts consumed; fires the Usage Triggers it makes cross
        (routes/usage.py) and returns them."""
        payload = {
            "account_sid": account_sid,
            "category": category,
            "count": count,
            "usage": usage,
            "price": price,
            "at": at,
        }
        fired: list[dict[str, Any]] = self._call("POST", "/usage", payload)["fired"]
        return fired

    def opt_out(self, phone_number: str) -> None:
        """``phone_number`` replied STOP: sending to it fails with 21610."""
        self._call("POST", "/opt-outs", {"phone_number": phone_number})

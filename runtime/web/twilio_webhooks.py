"""Twilio's webhooks: every path of :mod:`runtime.telephony.paths`, for every tenant.

Each request is resolved to ONE tenant before anything is read or written: by the called
number ``To`` (voice, call status, SMS) or by the ``tenant`` query parameter of URLs the runtime
gave Twilio itself (transcription events, SMS status), which is covered by the signature. Then
``X-Twilio-Signature`` must verify with that tenant's subaccount token against the public URL,
and ``AccountSid`` must be that subaccount; otherwise 403 and nothing is stored. A token of
tenant A therefore never opens tenant B's data, whatever the payload says.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.exceptions import PermissionDeniedException, ValidationException

from runtime.alerts import record_reply
from runtime.alerts.tables import bind_tables
from runtime.routing import Lookup
from runtime.telephony import paths, twiml
from runtime.telephony.signatures import SIGNATURE_HEADER, public_url, signature_valid
from runtime.tenants import TenantRecord, validate_e164
from runtime.tenants.errors import InvalidTenant
from runtime.web.state import Runtime, runtime_of

__all__ = ["TwilioWebhooks"]

logger = logging.getLogger(__name__)


async def _test_call_back(
    request: AnyRequest, tenant: TenantRecord, params: dict[str, str]
) -> str | None:
    """The answer to this call from the Ethiq number to itself if it is a test call coming
    back (``None``: it is not, screen it like any call)."""
    people = request.app.state.get("people")
    if people is None:
        return None
    try:
        answer: str | None = await people.forwarding_arrived(tenant, params)
    except Exception:
        logger.exception("forwarding test of %s not recorded", tenant.slug)
        return None
    return answer


async def _onboarding_progress(request: AnyRequest, tenant: TenantRecord) -> None:
    """A contact's yes may complete the person's onboarding step: never fail the webhook."""
    people = request.app.state.get("people")
    if people is None:
        return
    try:
        if await people.person(tenant.slug) is not None:
            await people.progress(tenant.slug)
    except Exception:
        logger.exception("onboarding of %s not updated after an SMS", tenant.slug)


XML = "application/xml"
AnyRequest = Request[Any, Any, Any]


async def _params(request: AnyRequest) -> dict[str, str]:
    form = await request.form()
    return {str(k): str(v) for k, v in form.items()}


def _url(runtime: Runtime, request: AnyRequest) -> str:
    query = request.scope.get("query_string", b"").decode("latin-1")
    return public_url(runtime.settings.twilio.public_url, request.url.path, query)


class _SignatureStorms:
    """Bad signatures per tenant in a sliding window: many in a row mean the subaccount's auth
    token was rotated (Twilio signs with the primary token), and every webhook of that tenant
    now fails. That deserves one loud, actionable line, not a warning per request."""

    WINDOW_S = 60.0
    THRESHOLD = 5

    def __init__(self) -> None:
        self._seen: dict[str, deque[float]] = {}
        self._reported: dict[str, float] = {}

    def bad(self, runtime: Runtime, slug: str) -> None:
        now = time.monotonic()
        seen = self._seen.setdefault(slug, deque())
        seen.append(now)
        while seen and now - seen[0] > self.WINDOW_S:
            seen.popleft()
        if len(seen) >= self.THRESHOLD and now - self._reported.get(slug, -1e9) > self.WINDOW_S:
            self._reported[slug] = now
            runtime.metrics.signature_storms.inc()
            logger.error(
                "tenant %s: %d webhooks with a bad signature in %.0f s: the subaccount's auth "
                "token was probably rotated; re-provision the tenant (pulumi up) so the registry "
                "holds the current token",
                slug,
                len(seen),
                self.WINDOW_S,
            )


_storms = _SignatureStorms()


def _verify(
    runtime: Runtime,
    request: AnyRequest,
    tenant: TenantRecord,
    params: Mapping[str, str],
    endpoint: str,
) -> None:
    """403 unless signed with ``tenant``'s token for the public URL, by its subaccount."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature_valid(tenant.auth_token, _url(runtime, request), params, signature):
        runtime.metrics.rejected.labels(endpoint).inc()
        logger.warning("%s: bad or missing signature for tenant %s", endpoint, tenant.slug)
        _storms.bad(runtime, tenant.slug)
        raise PermissionDeniedException("invalid Twilio signature")
    if params.get("AccountSid") != tenant.subaccount_sid:
        runtime.metrics.rejected.labels(endpoint).inc()
        logger.warning("%s: AccountSid is not tenant %s's subaccount", endpoint, tenant.slug)
        raise PermissionDeniedException("account does not own this number")


async def _by_number(runtime: Runtime, number: str) -> Lookup:
    try:
        validate_e164(number)
    except InvalidTenant:
        return Lookup(None)
    return await runtime.directory.by_number(number)


async def _tenant_or_403(
    runtime: Runtime,
    request: AnyRequest,
    params: Mapping[str, str],
    endpoint: str,
    *,
    by_query: bool = False,
) -> TenantRecord:
    if by_query:
        slug = request.query_params.get("tenant", "")
        lookup = await runtime.directory.by_slug(slug) if slug else Lookup(None)
    else:
        lookup = await _by_number(runtime, params.get("To", ""))
    if lookup.tenant is None:
        runtime.metrics.rejected.labels(endpoint).inc()
        logger.warning("%s: no tenant for this request", endpoint)
        raise PermissionDeniedException("unknown tenant")
    _verify(runtime, request, lookup.tenant, params, endpoint)
    return lookup.tenant


def _xml(body: str) -> Response[str]:
    return Response(content=body, media_type=XML)


class TwilioWebhooks(Controller):
    """Signed webhooks from Twilio (form posts); answers are TwiML or empty."""

    tags = ("twilio",)

    @post(paths.VOICE, status_code=200, summary="Incoming call: screen, then connect or reject")
    async def voice(self, request: AnyRequest) -> Response[str]:
        runtime = runtime_of(request)
        started = time.perf_counter()
        try:
            return await self._voice(runtime, request)
        finally:
            runtime.metrics.webhook_seconds.labels("voice").observe(time.perf_counter() - started)

    async def _voice(self, runtime: Runtime, request: AnyRequest) -> Response[str]:
        params = await _params(request)
        lookup = await _by_number(runtime, params.get("To", ""))
        tenant = lookup.tenant
        if tenant is None:
            if lookup.degraded:
                runtime.metrics.degraded.labels("database").inc()
                logger.error(
                    "voice: registry down and %s never seen: cannot route", params.get("To")
                )
                return _xml(twiml.unavailable_twiml())
            runtime.metrics.calls.labels("unknown", "", "").inc()
            logger.warning(
                "voice: call %s to unknown number %s", params.get("CallSid"), params.get("To")
            )
            return _xml(twiml.reject_twiml())
        _verify(runtime, request, tenant, params, "voice")
        caller = params.get("From", "")
        # The person's rules first (one statement): the limit spares the callers they trust,
        # and a call the call path screens has its velocity recorded with the tenant's call
        # count, one Redis round trip (not a test call that may come back, never screened).
        read = await runtime.calls.rules(tenant, params)
        rules = read[0]
        allowed, counted = await runtime.limits.call_admitted(
            tenant,
            caller,
            trusted=rules.trusts(params.get("StirVerstat")),
            screened=runtime.calls.screens(rules, params) and caller != tenant.phone_number,
            timeout_s=runtime.settings.store.timeout_s,
        )
        if not allowed:
            return _xml(twiml.busy_twiml())
        if caller == tenant.phone_number and (
            back := await _test_call_back(request, tenant, params)
        ):
            # A test call came back: words and <Hangup/>, or ringing the app; never a number.
            return _xml(back)
        answer = await runtime.calls.answer(tenant, params, read=read, counted=counted)
        degraded = list(answer.degraded)
        if lookup.degraded and "database" not in degraded:
            degraded.append("database")
        for dependency in degraded:
            runtime.metrics.degraded.labels(dependency).inc()
            runtime.fleet.incidents.degraded(dependency)  # opened in the background, once
        if degraded:
            logger.error(
                "voice: call %s of %s answered degraded (%s)",
                params.get("CallSid"),
                tenant.slug,
                ", ".join(degraded),
            )
        runtime.metrics.calls.labels(
            answer.verdict, runtime.metrics.tenant(tenant.slug), tenant.region
        ).inc()
        if answer.verdict == "scam":  # alerts were written with the verdict
            await runtime.jobs.notify(tenant.slug)
        return _xml(answer.twiml)

    @post(paths.VOICE_FALLBACK, status_code=200, summary="Twilio's fallback: connect, no screening")
    async def voice_fallback(self, request: AnyRequest) -> Response[str]:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "voice_fallback")
        runtime.metrics.degraded.labels("fallback").inc()
        logger.error(
            "voice fallback for call %s of %s (error %s)",
            params.get("CallSid"),
            tenant.slug,
            params.get("ErrorCode"),
        )
        return _xml(
            twiml.connect_twiml(
                sip_address=tenant.sip_address,
                caller_id=params.get("From") or None,
                language=tenant.language,
                transcription_url=None,
                dial_action_url=public_url(
                    runtime.settings.twilio.public_url, paths.DIAL_STATUS, f"tenant={tenant.slug}"
                ),
            )
        )

    @post(paths.DIAL_STATUS, status_code=200, summary="<Dial> ended: voicemail if unanswered")
    async def dial_status(self, request: AnyRequest) -> Response[str]:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "dial_status", by_query=True)
        return _xml(await runtime.calls.dial_status(tenant, params))

    @post(paths.PARTICIPANT_STATUS, status_code=204, summary="The person's conference leg")
    async def participant_status(self, request: AnyRequest) -> None:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "participant", by_query=True)
        caller_sid = request.query_params.get("call", "")
        await runtime.calls.person_status(tenant, caller_sid, params)

    @post(paths.VOICEMAIL, status_code=200, summary="A voicemail was left")
    async def voicemail(self, request: AnyRequest) -> Response[str]:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "voicemail", by_query=True)
        answer = await runtime.calls.voicemail(tenant, params)
        await runtime.jobs.notify(tenant.slug)  # the person's missed-call text
        return _xml(answer)

    @post(paths.CALL_STATUS, status_code=204, summary="Call status callback: complete the call log")
    async def call_status(self, request: AnyRequest) -> None:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "call_status")
        await runtime.calls.status(tenant, params)

    @post(paths.TRANSCRIPTION, status_code=204, summary="Real-time transcription event")
    async def transcription(self, request: AnyRequest) -> None:
        runtime = runtime_of(request)
        started = time.perf_counter()
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "transcription", by_query=True)
        restart = request.query_params.get("restart", "0")  # in the signed URL: ours
        escalation = await runtime.calls.transcription(
            tenant, params, int(restart) if restart.isdigit() else 0
        )
        if escalation.alerts:  # committed with the verdict: the tenant's job sends them
            await runtime.jobs.notify(tenant.slug)
        runtime.metrics.webhook_seconds.labels("transcription").observe(
            time.perf_counter() - started
        )

    @post(paths.WHISPER, status_code=200, summary="The warning played to the person only")
    async def whisper(self, request: AnyRequest) -> Response[str]:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "whisper", by_query=True)
        return _xml(twiml.whisper_twiml(request.query_params.get("kind", "pre"), tenant.language))

    @post(paths.SMS, status_code=200, summary="Incoming SMS: contacts' consent (YES/STOP/HELP)")
    async def sms(self, request: AnyRequest) -> Response[str]:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "sms")
        reply = await record_reply(
            bind_tables(runtime.storage.engine(tenant.slug)),
            tenant,
            params.get("From", ""),
            params.get("Body", ""),
            runtime.calls.now(),
            params.get("MessageSid", "")[:34],
            # Sent by Twilio when its Advanced Opt-Out handled a keyword (and answered it).
            # https://help.twilio.com/articles/31560110671259
            params.get("OptOutType") or None,
        )
        await _onboarding_progress(request, tenant)
        await runtime.jobs.notify(tenant.slug)  # a confirmation may have been queued
        return _xml(twiml.message_twiml(reply))

    @post(paths.SMS_STATUS, status_code=204, summary="SMS status callback: alert delivery")
    async def sms_status(self, request: AnyRequest) -> None:
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "sms_status", by_query=True)
        # The message is an alert's, an invitation's, a person's notice's or a quota notice's.
        for outbox in (runtime.outbox, runtime.invitations, runtime.notices, runtime.quotas):
            if await outbox.delivery(tenant, params):  # the row the message belongs to
                break
        if params.get("MessageStatus") in {"failed", "undelivered"}:
            await runtime.jobs.notify(tenant.slug)  # the call may have passed to the next contact

    @post(paths.FORWARD_TEST_STATUS, status_code=200, summary="How a test call ended")
    async def forward_test_status(self, request: AnyRequest) -> Response[str]:
        """The status callback of a test call, and the ``<Dial action>`` of the end-to-end
        test's arrival: TwiML, which ends the arrival once the app's call ended."""
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "forward_test", by_query=True)
        people = request.app.state.get("people")
        if people is not None:
            await people.forwarding_status(tenant, request.query_params.get("test", ""), params)
        return _xml(twiml.hangup_twiml())

    @post(paths.USAGE, status_code=204, summary="A spend Usage Trigger of the subaccount fired")
    async def usage(self, request: AnyRequest) -> None:
        """The tenant's monthly spend reached ``threshold`` % of its limit. Twilio signs the
        callback with the subaccount's token and sends ``AccountSid``, ``UsageTriggerSid``,
        ``DateFired``, ``CurrentValue``, ``TriggerValue``, ``IdempotencyToken``…
        (https://www.twilio.com/docs/usage/api/usage-trigger). Recorded once per month and
        threshold (a repeat answers 204 too, so Twilio stops); the operator is told."""
        runtime = runtime_of(request)
        params = await _params(request)
        tenant = await _tenant_or_403(runtime, request, params, "usage", by_query=True)
        raw = request.query_params.get("threshold", "")
        try:
            recorded = await runtime.quotas.spend_fired(tenant, params, int(raw))
        except ValueError:
            raise ValidationException(f"threshold {raw!r} is not 80 or 100") from None
        logger.info(
            "usage trigger %s of %s (%s %%): %s",
            params.get("UsageTriggerSid"),
            tenant.slug,
            raw,
            "recorded" if recorded is not None else "already recorded",
        )

    @post(paths.SIP_OUTBOUND, status_code=200, summary="Call placed from the person's SIP app")
    async def sip_outbound(self, request: AnyRequest) -> Response[str]:
        runtime = runtime_of(request)
        params = await _params(request)
        lookup = await runtime.directory.by_account(params.get("AccountSid", ""))
        if lookup.tenant is None:
            runtime.metrics.rejected.labels("sip").inc()
            raise PermissionDeniedException("unknown account")
        tenant = lookup.tenant
        _verify(runtime, request, tenant, params, "sip")
        return _xml(
            twiml.outbound_twiml(
                params.get("To", ""),
                tenant.phone_number,
                tenant.language,
                countries=tenant.call_countries,
            )
        )

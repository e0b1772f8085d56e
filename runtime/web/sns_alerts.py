"""``POST /operator/incidents/sns``: Amazon Managed Prometheus' alerts, through Amazon SNS.

AMP's alert manager can only send to SNS; the platform stack subscribes this route to that topic
over HTTPS. SNS sends no operator token: its message signature is the authentication
(:mod:`runtime.fleet.sns`), so this controller sits outside the operator guard.

- 503 while ``ETHIQ_SNS_TOPIC_ARN`` is unset, or while the signing certificate cannot be fetched
  (SNS retries on server errors: AWS's "Amazon SNS message delivery retries");
- 400 for a body that is not an SNS message, 403 for a message of another topic, a bad
  signature, a certificate not from SNS or one signed longer ago than
  ``ETHIQ_SNS_NOTIFICATION_DAYS`` (a replay; nothing is applied, nothing confirmed), each
  counted by ``ethiq_sns_refused_total{reason}``;
- 200 otherwise: a ``SubscriptionConfirmation`` confirmed, a ``Notification`` applied to the
  incidents like Alertmanager's webhook (firing opens, resolved marks the alert resolved), once
  per ``MessageId`` (a retry or a replay is ``duplicate``).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final

import msgspec
from litestar import Controller, Request, post
from litestar.exceptions import HTTPException

from runtime.fleet.sns import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    SnsRefused,
    SnsUnavailable,
    SnsVerifier,
)
from runtime.serving import SNS_ALERTS_PATH
from runtime.web.state import runtime_of

__all__ = ["SNS_MAX_BODY_BYTES", "SnsAlerts", "SnsOut"]

logger = logging.getLogger(__name__)

# SNS messages are at most 256 KiB; AMP truncates its alert groups to fit (AWS's "SNS receiver
# message validation and truncation rules").
SNS_MAX_BODY_BYTES: Final = 270_000


class SnsOut(msgspec.Struct):
    status: str  # confirmed | applied | duplicate | ignored
    incidents: list[int] = msgspec.field(default_factory=list)


class SnsAlerts(Controller):
    path = SNS_ALERTS_PATH
    tags = ("operator",)

    @post(
        "/",
        status_code=200,
        summary="Amazon SNS notifications of the alert manager (signed by SNS)",
        request_max_body_size=SNS_MAX_BODY_BYTES,
    )
    async def sns(self, request: Request[Any, Any, Any]) -> SnsOut:
        verifier: SnsVerifier = request.app.state.sns
        if not verifier.topic_arn:
            raise HTTPException(status_code=503, detail="SNS alerts are not configured")
        refused = runtime_of(request).metrics.sns_refused
        try:
            fields = json.loads(await request.body())
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            refused.labels("malformed").inc()
            raise HTTPException(status_code=400, detail="not an SNS message") from None
        try:
            message = await verifier.verify(fields)
            if message.type == SUBSCRIPTION_CONFIRMATION:
                await verifier.confirm(message)
                return SnsOut("confirmed")
        except SnsRefused as error:
            refused.labels(error.reason).inc()  # a bounded reason, never the sender's values
            logger.warning("SNS message refused (%s): %s", error.reason, error)
            raise HTTPException(status_code=403, detail="message refused") from None
        except SnsUnavailable as error:
            logger.error("SNS message not checked: %s", error)
            raise HTTPException(status_code=503, detail="try again later") from None
        if message.type != NOTIFICATION:  # UnsubscribeConfirmation: nothing to do
            logger.warning("SNS %s for %s: not acted on", message.type, message.topic_arn)
            return SnsOut("ignored")
        touched = await runtime_of(request).fleet.incidents.notified(
            message.message_id, message.message, message.subject
        )
        if touched is None:
            return SnsOut("duplicate")
        return SnsOut("applied", [i.id for i in touched])

"""Amazon SNS messages to the runtime's HTTPS endpoint: verified before anything is believed.

Amazon Managed Prometheus' alert manager can only send to SNS, so its alerts reach the runtime
as SNS notifications whose ``Message`` is the alert group as JSON. AWS's "Verifying the
signatures of Amazon SNS messages" guide is followed:

- the ``TopicArn`` must be the expected topic (``ETHIQ_SNS_TOPIC_ARN``), else nothing else is
  looked at;
- ``SigningCertURL`` must match ``ETHIQ_SNS_URL_PATTERN`` (by default https on
  ``sns.<region>.amazonaws.com``), so only AWS's certificate can vouch; it is fetched once and
  kept (certificates are few: one per region and rotation);
- the string to sign is rebuilt from the message's fields (``Key\\nvalue\\n`` in AWS's order)
  and checked with RSA PKCS#1 v1.5, SHA1 for ``SignatureVersion`` 1 and SHA256 for 2 (the
  platform's topic is set to 2);
- a ``SubscriptionConfirmation`` is confirmed by GETting its ``SubscribeURL`` (which must match
  the same pattern), only once its signature holds;
- a message signed longer ago than ``max_age`` (its signed ``Timestamp``) is refused as
  ``stale``: SNS retries an HTTP/S delivery for at most an hour ("The total policy retry time
  for an HTTP/S endpoint cannot be greater than 3,600 seconds", AWS's "Amazon SNS message
  delivery retries", https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html),
  so an older one is a replay. That bounds how long a notification's ``MessageId`` must be
  remembered to apply it once (``ETHIQ_SNS_NOTIFICATION_DAYS``, :meth:`Incidents.forget
  <runtime.fleet.incidents.Incidents.forget>`).

Every refusal carries a reason out of :data:`REFUSALS` (a bounded set: the metric
``ethiq_sns_refused_total`` is labelled by it, never by a URL or topic a sender chose).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "NOTIFICATION",
    "REFUSALS",
    "SUBSCRIPTION_CONFIRMATION",
    "SnsMessage",
    "SnsRefused",
    "SnsUnavailable",
    "SnsVerifier",
    "string_to_sign",
]

logger = logging.getLogger(__name__)

NOTIFICATION: Final = "Notification"
SUBSCRIPTION_CONFIRMATION: Final = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION: Final = "UnsubscribeConfirmation"
_SIGNED_FIELDS: Final = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
_SIGNED_FIELDS[UNSUBSCRIBE_CONFIRMATION] = _SIGNED_FIELDS[SUBSCRIPTION_CONFIRMATION]
_HASHES: Final = {"1": hashes.SHA1, "2": hashes.SHA256}
_MAX_CERTS: Final = 16
_MAX_CERT_BYTES: Final = 16_384
FETCH_TIMEOUT_S: Final = 5.0
# Why a message is refused: the label values of ``ethiq_sns_refused_total`` (``malformed``: the
# body is not an SNS message at all, refused by the route before any check).
REFUSALS: Final = (
    "malformed",
    "type",
    "field",
    "topic",
    "signature_version",
    "signature",
    "certificate_url",
    "certificate",
    "subscribe_url",
    "stale",
)


class SnsRefused(ValueError):
    """The message is not one to believe (logged, never acted on). ``reason`` is one of
    :data:`REFUSALS`; the text says more, for the log only."""

    def __init__(self, detail: str, reason: str) -> None:
        assert reason in REFUSALS, reason  # noqa: S101 - a bounded label set
        super().__init__(detail)
        self.reason = reason


class SnsUnavailable(RuntimeError):
    """The signing certificate could not be fetched now: SNS should try again later."""


@dataclass(frozen=True, slots=True)
class SnsMessage:
    type: str
    message_id: str
    topic_arn: str
    message: str
    subject: str
    subscribe_url: str


def string_to_sign(fields: dict[str, Any]) -> bytes:
    """What SNS signed: each signed field present, as ``name\\nvalue\\n``, in AWS's order
    (``Subject`` only when the notification has one)."""
    names = _SIGNED_FIELDS.get(str(fields.get("Type", "")))
    if names is None:
        raise SnsRefused(f"unknown message type {fields.get('Type')!r}", "type")
    parts: list[str] = []
    for name in names:
        value = fields.get(name)
        if value is None:
            if name == "Subject":
                continue
            raise SnsRefused(f"no {name}", "field")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode()


class SnsVerifier:
    """Checks SNS messages for one topic; keeps the signing certificates it fetched."""

    def __init__(
        self,
        topic_arn: str,
        url_pattern: str,
        max_age: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.topic_arn = topic_arn
        self.max_age = max_age
        self._clock = clock
        self._urls = re.compile(url_pattern)
        self._certs: dict[str, rsa.RSAPublicKey] = {}

    async def verify(self, fields: dict[str, Any]) -> SnsMessage:
        """The message, once its topic, certificate and signature hold (else SnsRefused)."""
        topic = str(fields.get("TopicArn", ""))
        if not self.topic_arn or topic != self.topic_arn:
            raise SnsRefused(f"unexpected topic {topic!r}", "topic")
        digest = _HASHES.get(str(fields.get("SignatureVersion", "")))
        if digest is None:
            raise SnsRefused(
                f"unknown SignatureVersion {fields.get('SignatureVersion')!r}", "signature_version"
            )
        try:
            signature = base64.b64decode(str(fields.get("Signature", "")), validate=True)
        except binascii.Error:
            raise SnsRefused("signature is not base64", "signature") from None
        key = await self._key(str(fields.get("SigningCertURL", "")))
        try:
            key.verify(signature, string_to_sign(fields), padding.PKCS1v15(), digest())
        except InvalidSignature:
            raise SnsRefused("bad signature", "signature") from None
        sent = _timestamp(str(fields["Timestamp"]))
        if sent is None or sent < self._clock() - self.max_age:
            raise SnsRefused(f"signed at {fields['Timestamp']!r}: a replay", "stale")
        return SnsMessage(
            type=str(fields["Type"]),
            message_id=str(fields["MessageId"]),
            topic_arn=topic,
            message=str(fields["Message"]),
            subject=str(fields.get("Subject") or ""),
            subscribe_url=str(fields.get("SubscribeURL") or ""),
        )

    async def confirm(self, message: SnsMessage) -> None:
        """Confirm the subscription a verified SubscriptionConfirmation asks for."""
        if not self._urls.match(message.subscribe_url):
            raise SnsRefused(
                f"SubscribeURL {message.subscribe_url!r} is not SNS's", "subscribe_url"
            )
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_S) as client:
                response = await client.get(message.subscribe_url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise SnsUnavailable(f"subscription not confirmed: {error!r}") from None
        logger.info("SNS subscription to %s confirmed", message.topic_arn)

    async def _key(self, url: str) -> rsa.RSAPublicKey:
        if not self._urls.match(url):
            raise SnsRefused(f"SigningCertURL {url!r} is not SNS's", "certificate_url")
        key = self._certs.get(url)
        if key is not None:
            return key
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_S) as client:
                response = await client.get(url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise SnsUnavailable(f"signing certificate not fetched: {error!r}") from None
        if len(response.content) > _MAX_CERT_BYTES:
            raise SnsRefused("signing certificate too large", "certificate")
        try:
            found = x509.load_pem_x509_certificate(response.content).public_key()
        except ValueError as error:
            raise SnsRefused(f"signing certificate not read: {error!r}", "certificate") from None
        if not isinstance(found, rsa.RSAPublicKey):
            raise SnsRefused("signing certificate holds no RSA key", "certificate")
        if len(self._certs) >= _MAX_CERTS:
            self._certs.pop(next(iter(self._certs)))
        self._certs[url] = found
        return found


def _timestamp(value: str) -> datetime | None:
    """SNS's ``Timestamp`` (ISO 8601, UTC: ``2026-12-02T13:30:00.000Z``), aware."""
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)

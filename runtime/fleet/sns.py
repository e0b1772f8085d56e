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
  the same pattern), only once its signature holds.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from typing import Any, Final

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "NOTIFICATION",
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


class SnsRefused(ValueError):
    """The message is not one to believe (the reason is logged, never acted on)."""


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
        raise SnsRefused(f"unknown message type {fields.get('Type')!r}")
    parts: list[str] = []
    for name in names:
        value = fields.get(name)
        if value is None:
            if name == "Subject":
                continue
            raise SnsRefused(f"no {name}")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode()


class SnsVerifier:
    """Checks SNS messages for one topic; keeps the signing certificates it fetched."""

    def __init__(self, topic_arn: str, url_pattern: str) -> None:
        self.topic_arn = topic_arn
        self._urls = re.compile(url_pattern)
        self._certs: dict[str, rsa.RSAPublicKey] = {}

    async def verify(self, fields: dict[str, Any]) -> SnsMessage:
        """The message, once its topic, certificate and signature hold (else SnsRefused)."""
        topic = str(fields.get("TopicArn", ""))
        if not self.topic_arn or topic != self.topic_arn:
            raise SnsRefused(f"unexpected topic {topic!r}")
        digest = _HASHES.get(str(fields.get("SignatureVersion", "")))
        if digest is None:
            raise SnsRefused(f"unknown SignatureVersion {fields.get('SignatureVersion')!r}")
        try:
            signature = base64.b64decode(str(fields.get("Signature", "")), validate=True)
        except binascii.Error:
            raise SnsRefused("signature is not base64") from None
        key = await self._key(str(fields.get("SigningCertURL", "")))
        try:
            key.verify(signature, string_to_sign(fields), padding.PKCS1v15(), digest())
        except InvalidSignature:
            raise SnsRefused("bad signature") from None
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
            raise SnsRefused(f"SubscribeURL {message.subscribe_url!r} is not SNS's")
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_S) as client:
                response = await client.get(message.subscribe_url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise SnsUnavailable(f"subscription not confirmed: {error!r}") from None
        logger.info("SNS subscription to %s confirmed", message.topic_arn)

    async def _key(self, url: str) -> rsa.RSAPublicKey:
        if not self._urls.match(url):
            raise SnsRefused(f"SigningCertURL {url!r} is not SNS's")
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
            raise SnsRefused("signing certificate too large")
        try:
            found = x509.load_pem_x509_certificate(response.content).public_key()
        except ValueError as error:
            raise SnsRefused(f"signing certificate not read: {error!r}") from None
        if not isinstance(found, rsa.RSAPublicKey):
            raise SnsRefused("signing certificate holds no RSA key")
        if len(self._certs) >= _MAX_CERTS:
            self._certs.pop(next(iter(self._certs)))
        self._certs[url] = found
        return found

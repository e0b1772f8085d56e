"""Where Twilio posts call metadata, transcripts and SMS: https, and only to our runtime (the
voice fallback may also be the tenant's own Twilio-hosted one)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "TWILIO_HOSTED",
    "hosted_fallback_origins",
    "insecure_webhook_urls",
    "missing_runtime_url",
    "mixed_webhook_origins",
    "webhook_urls",
    "webhooks_off_runtime",
]

# Twilio names its webhook properties voiceUrl, smsUrl, statusCallback, voiceFallbackUrl, ...
_WEBHOOK_KEY = re.compile(r"(url|callback)$", re.IGNORECASE)
# Settings that end like webhooks but are not (and the database URL is a secret): the
# provider's Twilio credentials (with the API base URL), the tenant database, and the page of
# the business's website showing its opt-in, which US texting registration gives Twilio's
# reviewers (Twilio never calls it).
_NOT_WEBHOOK = re.compile(
    r"^(credentials|database_?url|base_?url|opt_?in_?image_?urls?)$", re.IGNORECASE
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# The voice fallback URL (Twilio: VoiceFallbackUrl), the one webhook that may be Twilio-hosted.
_FALLBACK_KEY = re.compile(r"^voice_?fallback_?url$", re.IGNORECASE)
TWILIO_HOSTED = ".twil.io"  # Twilio Serverless domains


def webhook_urls(props: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(key path, url)`` of every known webhook-like string property, nested ones included."""
    for key, value in props.items():
        if _NOT_WEBHOOK.match(key):
            continue
        if isinstance(value, str) and _WEBHOOK_KEY.search(key):
            yield f"{prefix}{key}", value
        elif isinstance(value, Mapping):
            yield from webhook_urls(value, f"{prefix}{key}.")


def insecure_webhook_urls(props: Mapping[str, Any]) -> list[str]:
    """Webhook URLs must be https: Twilio posts call metadata and transcripts to them.

    Plain http is allowed only on loopback, where the local Twilio sandbox and runtime live.
    """
    return [
        f"{key} must be an https URL (got {value!r})"
        for key, value in webhook_urls(props)
        if not _is_secure(value)
    ]


def webhooks_off_runtime(
    props: Mapping[str, Any], runtime_url: str, hosted: Collection[str] = ()
) -> list[str]:
    """Every webhook URL must be under ``runtime_url`` (same origin, under its path): a URL
    elsewhere would hand a person's calls and transcripts to someone else.

    One exception: the voice fallback URL may point at ``hosted``, the origins of the tenant's
    own Twilio-hosted fallback (``https://<name>.twil.io`` of a Serverless service in the same
    subaccount): it must outlive a runtime outage, so it cannot share the runtime's origin.
    """
    runtime = urlsplit(runtime_url)
    return [
        f"{key} points at {value!r}, not at the runtime {runtime_url!r}"
        + (" nor at this tenant's Twilio-hosted fallback" if _FALLBACK_KEY.match(key) else "")
        for key, value in webhook_urls(props)
        if not _under(urlsplit(value), runtime) and not _hosted_fallback(key, value, hosted)
    ]


def hosted_fallback_origins(
    fallbacks: Collection[Mapping[str, Any]], account_sid: Any
) -> list[str]:
    """The origins of the Twilio-hosted fallbacks (their properties) living in ``account_sid``;
    only ``https://*.twil.io`` ones count (Twilio Serverless domains)."""
    return [
        origin
        for props in fallbacks
        if props.get("account_sid") == account_sid
        and isinstance(origin := props.get("origin"), str)
        and _is_twilio_hosted(origin)
    ]


def _is_twilio_hosted(origin: str) -> bool:
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and host.endswith(TWILIO_HOSTED) and _port(parts) == 443  # noqa: PLR2004


def _hosted_fallback(key: str, value: str, hosted: Collection[str]) -> bool:
    if not _FALLBACK_KEY.match(key.rsplit(".", 1)[-1]):
        return False
    url = urlsplit(value)
    return any(_is_twilio_hosted(o) and _origin(url) == _origin(urlsplit(o)) for o in hosted)


def missing_runtime_url() -> str:
    """The rule fails closed: an empty runtime URL would let webhooks point anywhere."""
    return (
        "no runtime URL is configured for this run: set the policy config runtimeUrl or "
        "ETHIQ_PUBLIC_URL to the runtime's public base URL"
    )


def mixed_webhook_origins(
    urls: Mapping[str, Mapping[str, Any]], hosted: Collection[str] = ()
) -> list[str]:
    """Without a configured runtime URL, a stack's webhooks must at least agree on one origin
    (a voice fallback on the tenant's Twilio-hosted ``hosted`` origins aside).

    ``urls`` maps each resource name to its properties.
    """
    origins: dict[str, list[str]] = {}
    for resource, props in urls.items():
        for key, value in webhook_urls(props):
            if _hosted_fallback(key, value, hosted):
                continue
            origins.setdefault(_origin(urlsplit(value)), []).append(f"{resource}.{key}")
    if len(origins) <= 1:
        return []
    listed = "; ".join(f"{origin} ({', '.join(keys)})" for origin, keys in sorted(origins.items()))
    return [f"webhook URLs point at {len(origins)} different origins, not one runtime: {listed}"]


def _origin(url: SplitResult) -> str:
    scheme = url.scheme.lower()
    port = _port(url)
    host = (url.hostname or "").lower()
    return (
        f"{scheme}://{host}" if port == _DEFAULT_PORTS.get(scheme) else f"{scheme}://{host}:{port}"
    )


def _port(url: SplitResult) -> int | None:
    try:
        return url.port or _DEFAULT_PORTS.get(url.scheme.lower())
    except ValueError:
        return None


def _under(url: SplitResult, runtime: SplitResult) -> bool:
    if not runtime.hostname or _origin(url) != _origin(runtime):
        return False
    base = runtime.path.rstrip("/")
    return url.path == base or url.path.startswith(base + "/")


def _is_secure(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and _is_loopback(parts.hostname or "")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

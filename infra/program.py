"""The tenant program: read and validate the stack's config, declare one Tenant, export outputs.

Run by the engine through ``infra/__main__.py``; importable for unit tests with Pulumi mocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config, is_config_secret

from infra.providers.ownership import STACK_ID, platform_id
from infra.tenant import Tenant, TenantArgs
from infra.tenant_config import ConfigError, check_keys, flag, validate_tenant
from infra.us_texting import IDENTITY_KEY, UsTextingError, parse_identity
from infra.us_texting import KEY as US_TEXTING

__all__ = ["TENANT_KEYS", "main"]

# ethiq:* keys a tenant's stack file may set, by how Pulumi's config API reads them.
TENANT_KEYS = {
    "email": str,
    "region": str,
    "near": str,
    "language": str,
    "contacts": list,
    "retainData": bool,
    "allowDestroy": bool,
    "sensitivity": str,  # low, normal, high or 0..1 (a YAML number arrives as text too)
    "personName": str,
    "callCountries": str,  # a YAML list arrives as JSON text; `config set` gives "FR,GB"
    "emergencyAddress": dict,  # the person's address for 911 (infra/emergency_address.py)
    "a2pCampaign": str,  # pending, or the US A2P 10DLC campaign (QE…) the provider checks
    "spendLimit": str,  # USD a month (a YAML number arrives as text too)
    "sender": str,  # local or toll-free
    "plan": str,  # solo or family (runtime/billing/plans.py)
    "usTexting": dict,  # the business US texting is registered for (infra/us_texting.py)
    "monitoredNumbers": list,  # the household's other phones forwarding to the Ethiq number
}


def main() -> Tenant:
    stack = pulumi.get_stack()
    config = pulumi.Config("ethiq")
    where = f"stacks/Pulumi.{stack}.yaml"
    try:
        check_keys(_ethiq_keys())
        tenant = validate_tenant(stack, _tenant_values(config))
        runtime_url = _setting(config, "runtimeUrl", "ETHIQ_PUBLIC_URL")
        adopt = config.get("adoptStackId")
        if adopt is not None and not STACK_ID.match(adopt):
            raise ConfigError("adoptStackId", f"{adopt!r} is not a stack id (8 hex digits)")
        identity = _us_texting_identity(tenant.us_texting is not None)
        twilio = {
            "account_sid": _env("TWILIO_ACCOUNT_SID"),
            "auth_token": _credential("TWILIO_AUTH_TOKEN"),
            "base_url": os.environ.get("TWILIO_API_BASE_URL", ""),
        }
    except ConfigError as error:
        raise pulumi.RunError(f"{where}: ethiq:{error.key}: {error.reason}") from None
    try:
        platform_id()
    except ValueError as error:
        raise pulumi.RunError(str(error)) from None
    if tenant.allow_destroy:
        refusal = _release_refusal(stack, tenant.region)
        if refusal is not None:
            raise pulumi.RunError(f"{where}: ethiq:allowDestroy: {refusal}")
    database_url = _secret_setting(config, "databaseUrl", "DATABASE_URL") or _preview_only()
    registry_key = _secret_setting(config, "registryKey", "ETHIQ_REGISTRY_KEY") or _preview_only()
    if database_url is None or registry_key is None:
        missing = (
            "ethiq:databaseUrl / DATABASE_URL"
            if database_url is None
            else ("ethiq:registryKey / ETHIQ_REGISTRY_KEY")
        )
        raise pulumi.RunError(f"{where}: {missing} is required (secret config or environment)")

    resource = Tenant(
        stack,
        TenantArgs(
            config=tenant,
            runtime_url=runtime_url,
            twilio=pulumi.Output.secret(pulumi.Output.all(**twilio)),
            database_url=database_url,
            registry_key=registry_key,
            adopt_stack_id=adopt,
            us_texting_identity=identity,
        ),
    )
    pulumi.export("phoneNumber", resource.phone_number)
    pulumi.export("sipAddress", resource.sip_address)
    pulumi.export("sipUsername", resource.sip_username)
    pulumi.export("subaccountSid", resource.subaccount_sid)
    pulumi.export("schema", resource.schema)
    pulumi.export("messagingServiceSid", resource.messaging_service_sid)
    pulumi.export("advancedOptOut", resource.advanced_opt_out)
    pulumi.export("a2pCampaignStatus", resource.a2p_campaign_status)
    pulumi.export("usTexting", resource.us_texting)
    return resource


def _release_refusal(stack: str, region: str) -> str | None:
    """Why the subscription's standing still keeps the number (``None``: it may go).

    Read from the platform database when the run has its URL (an apply); a pull request's
    preview has none and lets it pass, the apply decides. A read that fails refuses: a number
    is never released on a guess (runtime/billing/desired.py)."""
    url = os.environ.get("DATABASE_URL") or CONFIG.get().get("ethiq:databaseUrl")
    if not url:
        return None
    # The data layer, only for a release: every other run of the program stays without it.
    from runtime.billing.desired import read_release_refusal  # noqa: PLC0415
    from runtime.privacy.asked import erasure_asked  # noqa: PLC0415
    from runtime.settings import Settings  # noqa: PLC0415

    try:
        # Only the setting this needs: the rest of the engine's environment is not the runtime's.
        days = {k: v for k, v in os.environ.items() if k == "ETHIQ_NUMBER_RETENTION_DAYS"}
        retention = timedelta(days=Settings.from_env(days).billing.number_retention_days)
        work = read_release_refusal(
            str(url), stack, datetime.now(UTC), retention, erased_at=erasure_asked, region=region
        )
        # The program runs inside the engine's event loop: the read gets a loop of its own.
        with ThreadPoolExecutor(1) as pool, contextlib.redirect_stdout(io.StringIO()):
            return pool.submit(asyncio.run, work).result()
    except Exception as error:
        return (
            f"the billing account, which a number's release is gated on, could not be read "
            f"({type(error).__name__}; its text may hold the URL's password, so it is not shown); "
            "run again once the platform database answers"
        )


def _us_texting_identity(needed: bool) -> pulumi.Output[dict[str, Any]] | None:
    """``ethiq:usTextingIdentity``, which must be a secret: checked here, kept secret."""
    key = f"ethiq:{IDENTITY_KEY}"
    raw = get_config(key)
    if not needed:
        if raw is not None:
            raise ConfigError(IDENTITY_KEY, f"is set without ethiq:{US_TEXTING}")
        return None
    if raw is None:
        raise ConfigError(IDENTITY_KEY, f"is required with ethiq:{US_TEXTING} (a secret)")
    try:
        identity = parse_identity(raw, secret=is_config_secret(key))
    except UsTextingError as error:
        raise ConfigError(error.key, error.reason) from None
    return pulumi.Output.secret(identity)


def _ethiq_keys() -> list[str]:
    """Every ``ethiq:`` key of the stack's config, as the engine passed it."""
    return [k.removeprefix("ethiq:") for k in CONFIG.get() if k.startswith("ethiq:")]


def _tenant_values(config: pulumi.Config) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, kind in TENANT_KEYS.items():
        try:
            if kind is bool:
                raw = config.get(key)
                values[key] = None if raw is None else flag({key: raw}, key, default=False)
            elif kind in (list, dict):
                values[key] = config.get_object(key)
            else:
                values[key] = config.get(key)
        except pulumi.ConfigTypeError as error:
            raise ConfigError(key, str(error)) from None
    return {k: v for k, v in values.items() if v is not None}


def _setting(config: pulumi.Config, key: str, env: str) -> str:
    value = config.get(key) or os.environ.get(env)
    if not value:
        raise ConfigError(key, f"is required (stack config ethiq:{key} or environment {env})")
    return value


def _secret_setting(config: pulumi.Config, key: str, env: str) -> pulumi.Output[str] | None:
    secret = config.get_secret(key)
    if secret is not None:
        return secret
    value = os.environ.get(env)
    return pulumi.Output.secret(value) if value else None


async def _unknown_value() -> Any:
    return None


async def _false() -> bool:
    return False


def _preview_only() -> pulumi.Output[Any] | None:
    """In a preview, an unknown value for an apply credential the environment lacks.

    Pull request previews run without the platform's database URL, registry key and Twilio
    token, and decrypt no secret (the reconciler previews a copy of the state whose secrets are
    placeholders); what depends on them shows as unknown, and the providers do not count an
    unknown credential as a change. An ``up`` (not a dry run) still requires every one."""
    if not pulumi.runtime.is_dry_run():
        return None
    return pulumi.Output.secret(pulumi.Output(set(), _unknown_value(), _false()))


def _credential(name: str) -> str | pulumi.Output[Any]:
    value = os.environ.get(name)
    if value:
        return value
    unknown = _preview_only()
    if unknown is None:
        raise ConfigError(name, "is required in the environment (the parent Twilio account)")
    return unknown


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(name, "is required in the environment (the parent Twilio account)")
    return value

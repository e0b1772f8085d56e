"""Provisioning tenants on this machine: the repository's program, the real engine, a file
backend, and the local Twilio sandbox. Used by the demo and the provisioning benchmark."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ethiq.sandbox.server import SandboxHandle
from infra.engine import engine_env, pulumi, write_project
from infra.stack_files import read_stack_values, stack_file, write_stack_file
from infra.tenant_config import TenantConfig, parse_person_name
from runtime.alerts import keywords
from runtime.alerts.keywords import OPT_OUT_TYPES, console_fingerprint
from runtime.billing import Accounts
from runtime.storage import store_for_url
from runtime.tenants import Registry

__all__ = [
    "LOCAL_TERMS",
    "POLICY",
    "PROGRAM",
    "LocalPlatform",
    "activate_locally",
    "advanced_opt_out",
    "local_env",
    "record_opt_out_entered",
]

ROOT = Path(__file__).parents[1]
PROGRAM = ROOT  # the tenant program: the repository root (Pulumi.yaml), run under the pack
POLICY = ("--policy-pack", str(ROOT / "policies"))
LOCAL_DATA_REGION = "ca-central-1"  # where the local database is deemed to live (residency)
LOCAL_TERMS = "local-demo"  # the terms version local tenants are recorded as accepting


def activate_locally(database_url: str, tenants: Iterable[str]) -> None:
    """Record each tenant's person as verified and the terms as accepted, as Stripe's webhooks
    and the terms page would: what the activation-gate policy lets a number purchase through
    on. Local setups only (the demo, tests, benchmarks); the verification id says so."""

    async def record() -> None:
        store = store_for_url(database_url)
        try:
            await store.ensure_platform()
            accounts = Accounts(store)
            now = datetime.now(UTC)
            for tenant in tenants:
                await accounts.open(tenant, f"cus_local_{tenant}", "solo")
                await accounts.record_verification(tenant, "local-setup", "verified", now)
                await accounts.accept_terms(tenant, LOCAL_TERMS, now)
        finally:
            await store.close()

    asyncio.run(record())


def local_env(
    state_dir: Path,
    sandbox: SandboxHandle,
    *,
    database_url: str,
    runtime_url: str,
    registry_key: str,
) -> dict[str, str]:
    """The engine's environment (file backend in ``state_dir``, offline) for stacks that
    provision into ``sandbox`` and ``database_url``, with webhooks on ``runtime_url``."""
    return engine_env(state_dir, passphrase=secrets.token_urlsafe(24)) | {
        "TWILIO_ACCOUNT_SID": sandbox.account_sid,
        "TWILIO_AUTH_TOKEN": sandbox.auth_token,
        "TWILIO_API_BASE_URL": sandbox.base_url,
        "DATABASE_URL": database_url,
        "ETHIQ_REGISTRY_KEY": registry_key,
        "ETHIQ_PUBLIC_URL": runtime_url,
        "ETHIQ_DATA_REGION": LOCAL_DATA_REGION,
    }


def advanced_opt_out(sandbox: SandboxHandle, service_sid: str, person_name: str = "") -> None:
    """The operator's Console step (Advanced Opt-Out has no REST API), done on the sandbox:
    the French and English keywords and replies of ``runtime.alerts.keywords``, naming the
    tenant's protected person."""
    types = {kind: name for name, kind in OPT_OUT_TYPES.items()}
    languages = [
        {
            "language": language.language,
            "keywords": {types[kind]: list(words) for kind, words in language.keywords.items()},
            "replies": {types[kind]: reply for kind, reply in language.replies.items()},
        }
        for language in keywords.advanced_opt_out(person_name)
    ]
    sandbox.control.advanced_opt_out(service_sid, languages)


def record_opt_out_entered(
    database_url: str, registry_key: str, tenant: str, service_sid: str, person_name: str = ""
) -> None:
    """Record the sandbox's Console step as the operator's command would (the registry's
    fingerprint of the entries, by ``local-setup``), so the runtime lists it as done; no
    onboarding row: nobody's hand."""

    async def record() -> None:
        registry = Registry.for_url(database_url, registry_key)
        try:
            fingerprint = console_fingerprint(person_name)
            if (
                await registry.record_opt_out_entered(
                    tenant, fingerprint, service_sid, "local-setup"
                )
                is None
            ):
                raise LookupError(f"tenant {tenant!r} is not registered")
        finally:
            await registry.close()

    asyncio.run(record())


@dataclass
class LocalPlatform:
    """A Pulumi workspace in ``workdir`` whose stacks provision into ``sandbox`` and
    ``database_url``; stack files live in ``workdir/project/stacks``, never in the checkout."""

    workdir: Path
    sandbox: SandboxHandle
    database_url: str
    runtime_url: str
    registry_key: str

    def __post_init__(self) -> None:
        self.project = write_project(self.workdir / "project", "ethiq", PROGRAM, stacks=True)
        self.env = local_env(
            self.workdir / "state",
            self.sandbox,
            database_url=self.database_url,
            runtime_url=self.runtime_url,
            registry_key=self.registry_key,
        )

    def add(self, tenant: TenantConfig) -> None:
        """Write the tenant's stack file, then :meth:`create` its stack."""
        write_stack_file(self.project / "stacks", tenant)
        self.create(tenant.name)

    def create(self, name: str) -> None:
        """Record the person of the stack file ``stacks/Pulumi.<name>.yaml`` as verified (the
        local stand-in for Stripe Identity and the terms page) and create its stack."""
        activate_locally(self.database_url, [name])
        pulumi("stack", "init", name, cwd=self.project, env=self.env)

    def up(self, name: str) -> dict[str, Any]:
        """``pulumi up`` the tenant's stack; return its outputs (secrets shown)."""
        pulumi(
            "up",
            "--yes",
            "--skip-preview",
            "--stack",
            name,
            *POLICY,
            cwd=self.project,
            env=self.env,
        )
        outputs = self.outputs(name)
        if outputs.get("messagingServiceSid"):
            person = read_stack_values(stack_file(self.project / "stacks", name))
            person_name = parse_person_name(person.get("personName"))
            # The Console step, with the replies of this tenant's person, and its record.
            advanced_opt_out(self.sandbox, outputs["messagingServiceSid"], person_name)
            record_opt_out_entered(
                self.database_url,
                self.registry_key,
                name,
                outputs["messagingServiceSid"],
                person_name,
            )
        return outputs

    def outputs(self, name: str) -> dict[str, Any]:
        out = pulumi(
            "stack",
            "output",
            "--json",
            "--show-secrets",
            "--stack",
            name,
            cwd=self.project,
            env=self.env,
        )
        result: dict[str, Any] = json.loads(out.stdout)
        return result

    def destroy(self, name: str) -> None:
        """Destroy a scratch tenant: its number and subaccount are unprotected first (a real
        tenant needs ethiq:allowDestroy in its stack file instead)."""
        pulumi(
            "state", "unprotect", "--all", "--yes", "--stack", name, cwd=self.project, env=self.env
        )
        pulumi(
            "destroy", "--yes", "--skip-preview", "--stack", name, cwd=self.project, env=self.env
        )

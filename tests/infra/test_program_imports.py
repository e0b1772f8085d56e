"""Every ``pulumi`` command starts the tenant program, the policy pack and the provider process,
and each imports what its modules import. The data layer (piccolo, the registry) and the Twilio
SDK's client (its resource classes, its HTTP layer and `requests`) cost about a second of CPU per
process, for code that only a create,
update, read or delete runs: none of them may load when the program or a provider module is
imported (``python -m tests.benchmarks.provisioning`` prints the cost of an up)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import infra.providers
from infra.providers.database import migration_ids
from runtime.storage import TENANT_MIGRATIONS

HEAVY = (
    "piccolo",
    "black",
    "asyncpg",
    "runtime.storage",
    "runtime.tenants",
    "twilio.rest",
    "twilio.http",
    "requests",
)

PROVIDERS = sorted(
    f"infra.providers.{m.name}" for m in pkgutil.iter_modules(infra.providers.__path__)
)


def _loaded_after(*modules: str) -> set[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout))


def test_the_program_and_every_provider_module_import_no_data_layer_nor_twilio_resources() -> None:
    loaded = _loaded_after("infra.program", *PROVIDERS)
    heavy = sorted(m for m in loaded if m.startswith(HEAVY))
    assert heavy == [], f"imported at module level by the program or a provider: {heavy[:8]}"
    assert "infra.providers.twilio_number" in loaded  # the check above did import them


def test_the_migration_ids_read_from_the_files_are_the_ones_the_store_applies() -> None:
    assert migration_ids() == TENANT_MIGRATIONS.ids()
    assert len(migration_ids()) >= 6

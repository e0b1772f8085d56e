"""Keep secrets and machine details out of reports: a report becomes a PR comment, engine output
may echo a value.

Policy messages and provider errors can quote property values in plaintext even when Pulumi
holds them as secrets, so every error text is scrubbed of the environment's secret values and of
passwords in URLs before it reaches a report. Paths of the machine that ran the engine (work
directories, the virtualenv, a lock file's location) say nothing to a reviewer and describe the
runner: :func:`scrub_paths` keeps only their last component.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

__all__ = ["MASK", "redact", "scrub_paths", "secret_values"]

MASK: Final = "***"
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSPHRASE|KEY|DATABASE_URL|CREDENTIAL")
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
# An absolute path (two or more components) not inside a URL, or a file:// URL.
_PATH = re.compile(r"(?:file://|(?<![\w:/.~-]))/(?:[\w.@+~-]+/)+(?P<last>[\w.@+~-]+)")
_MIN_SECRET = 6  # shorter values would mask ordinary words


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of variables whose names say they are secret, longest first."""
    values = {v for k, v in env.items() if _SECRET_NAME.search(k.upper()) and len(v) >= _MIN_SECRET}
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        text = text.replace(value, MASK)
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)


def scrub_paths(text: str) -> str:
    """``/tmp/ethiq-reconcile-x/stacks/alpha/engine.log`` → ``…/engine.log``."""
    return _PATH.sub(lambda m: f"…/{m['last']}", text)

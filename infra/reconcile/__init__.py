"""The reconciler: tenant stacks brought to what git declares, one worker process per stack.

``changes`` finds the stacks two revisions differ on (pure git), ``project`` builds the head
revision's project and per-stack work directories, ``worker`` runs one stack through the
Automation API, ``runner`` orchestrates them with bounded parallelism, ``report`` renders JSON
and markdown. ``ethiq reconcile`` and ``ethiq drift`` are the commands.
"""

from __future__ import annotations

from infra.reconcile.changes import ChangeSet, StackChange, detect_changes
from infra.reconcile.report import Report, StackResult, to_json, to_markdown
from infra.reconcile.runner import Settings, drift, reconcile

__all__ = [
    "ChangeSet",
    "Report",
    "Settings",
    "StackChange",
    "StackResult",
    "detect_changes",
    "drift",
    "reconcile",
    "to_json",
    "to_markdown",
]

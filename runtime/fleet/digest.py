"""The operators' digest: one plain-text summary of a week, from the records only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from statistics import median
from typing import Any

from runtime.calls.campaigns import CampaignCaller
from runtime.fleet.blocks import BlockRecord
from runtime.fleet.incidents import IncidentRecord

__all__ = ["digest_text"]


def digest_text(
    *,
    since: datetime,
    until: datetime,
    incidents: Sequence[IncidentRecord],
    held: Sequence[dict[str, Any]],
    callers: Sequence[tuple[CampaignCaller, bool]],
    blocks: Sequence[BlockRecord],
) -> str:
    """What happened between ``since`` and ``until``, and what is still waiting."""
    opened = [i for i in incidents if since <= _aware(i.opened_at) < until]
    closed = [
        i for i in incidents if i.closed_at is not None and since <= _aware(i.closed_at) < until
    ]
    still_open = [i for i in incidents if i.open]
    lines = [f"Ethiq, {since:%Y-%m-%d} to {until:%Y-%m-%d} (UTC)", ""]
    lines.append(
        f"Incidents: {len(opened)} opened, {len(closed)} closed, {len(still_open)} still open."
    )
    if closed:
        minutes = median((i.resolve_s or 0.0) / 60 for i in closed)
        lines.append(f"Median time to resolve: {minutes:.0f} min (target: under 60).")
    for incident in still_open:
        lines.append(
            f"  open #{incident.id} since {_aware(incident.opened_at):%Y-%m-%d %H:%M}: "
            f"{incident.title}"
        )
    lines += ["", f"Alerts held by the hourly limit: {len(held)}."]
    lines += [f"  {_aware(r['created_at']):%Y-%m-%d %H:%M} {r['subject']}" for r in held]
    lines += ["", f"Campaign callers (recent): {len(callers)}."]
    for caller, blocked in callers:
        state = "blocked platform-wide" if blocked else "not blocked"
        lines.append(f"  {caller.caller}: {caller.tenants} tenants, {state}")
    lines += ["", f"Platform blocks in force: {len(blocks)}."]
    lines += [f"  {b.number} by {b.blocked_by}: {b.reason}" for b in blocks]
    return "\n".join(lines) + "\n"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

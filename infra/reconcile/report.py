"""The reconcile/drift report: one JSON document for machines, markdown for a PR comment."""

from __future__ import annotations

from collections import Counter
from typing import Final, Literal

import msgspec

__all__ = [
    "FAILING",
    "Mode",
    "Operation",
    "Report",
    "StackResult",
    "Status",
    "change_counts",
    "to_json",
    "to_markdown",
]

Status = Literal[
    "created", "updated", "unchanged", "destroyed", "refused", "failed", "in-sync", "drifted"
]
Mode = Literal["preview", "apply", "drift"]
Operation = Literal["up", "preview", "destroy", "preview-destroy", "preview-refresh", "none"]
FAILING: Final = frozenset({"refused", "failed", "drifted"})

# Engine op types, in the order a reader wants them, with the sign used in the markdown.
_SIGNS: Final = (
    ("create", "+"),
    ("update", "~"),
    ("replace", "±"),
    ("delete", "-"),
    ("same", "="),
)


class StackResult(msgspec.Struct, kw_only=True):
    stack: str
    change: Literal["added", "changed", "removed", "checked"]
    status: Status
    operation: Operation
    reason: str = ""
    changes: dict[str, int] = msgspec.field(default_factory=dict)  # engine op type → resources
    drifted: list[str] = msgspec.field(default_factory=list)  # URNs a refresh would change
    duration_s: float = 0.0
    attempts: int = 0  # engine runs, retries on a locked stack included
    error: str | None = None
    log: str | None = None  # the engine's full output for this stack


class Report(msgspec.Struct, kw_only=True):
    mode: Mode
    base: str | None = None
    head: str | None = None
    program_changes: list[str] = msgspec.field(default_factory=list)
    stacks_total: int = 0  # stacks declared at head (drift: stacks checked)
    engine_operations: int = 0  # stack operations the engine ran (up, preview, destroy …)
    detect_s: float = 0.0
    duration_s: float = 0.0
    ok: bool = True
    results: list[StackResult] = msgspec.field(default_factory=list)


def change_counts(changes: dict[str, int]) -> Counter[str]:
    """Fold the engine's op types into create/update/replace/delete/same."""
    folded: Counter[str] = Counter()
    for op, count in changes.items():
        key = "replace" if "replace" in op else op
        folded[key if key in dict(_SIGNS) else "update"] += count
    return folded


def to_json(report: Report) -> bytes:
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


_VERBS: Final = {
    "preview": {"created": "would create", "updated": "would update", "destroyed": "would destroy"},
}


def _resources(changes: dict[str, int]) -> str:
    folded = change_counts(changes)
    return " ".join(f"{sign}{folded[op]}" for op, sign in _SIGNS if folded[op]) or "-"


def _cell(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def to_markdown(report: Report) -> str:
    """A PR comment: a one-line verdict, a table of stacks, then each failure in full."""
    titles = {"preview": "preview", "apply": "apply", "drift": "drift check"}
    span = f" `{report.base[:10]}..{report.head[:10]}`" if report.base and report.head else ""
    verdict = "✅" if report.ok else "❌"
    tally = Counter(r.status for r in report.results)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(tally.items())) or "nothing to do"
    lines = [
        f"### {verdict} Ethiq {titles[report.mode]}{span}",
        "",
        f"{len(report.results)} of {report.stacks_total} stack(s): {summary} · "
        f"{report.engine_operations} engine operation(s) · {report.duration_s:.1f}s",
    ]
    if report.program_changes:
        shown = ", ".join(f"`{p}`" for p in report.program_changes[:5])
        more = " …" if len(report.program_changes) > 5 else ""  # noqa: PLR2004
        lines += ["", f"Program or policy code changed ({shown}{more}): every stack is checked."]
    if report.results:
        verbs = _VERBS.get(report.mode, {})
        lines += [
            "",
            "| stack | change | result | resources | time | note |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for r in report.results:
            status = verbs.get(r.status, r.status)
            status = f"**{status}**" if r.status in FAILING else status
            note = _cell(r.error or r.reason)
            lines.append(
                f"| `{r.stack}` | {r.change} | {status} | {_resources(r.changes)} | "
                f"{r.duration_s:.1f}s | {note} |"
            )
    for r in report.results:
        if r.error:
            lines += ["", f"<details><summary><code>{r.stack}</code>: {r.status}</summary>", ""]
            lines += ["```text", r.error.replace("```", "` ` `"), "```", "", "</details>"]
        if r.drifted:
            lines += ["", f"Drifted in `{r.stack}`:", *(f"- `{urn}`" for urn in r.drifted)]
    return "\n".join(lines) + "\n"

"""The reconcile/drift report: one JSON document for machines, markdown for a PR comment."""

from __future__ import annotations

from collections import Counter
from typing import Final, Literal

import msgspec

__all__ = [
    "FAILING",
    "Drift",
    "FieldDrift",
    "Mode",
    "Operation",
    "PolicyFinding",
    "Report",
    "StackResult",
    "Status",
    "Step",
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


class Step(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One resource the operation touches (``same`` steps are left out)."""

    op: str  # the engine's op: create, update, replace, delete, create-replacement …
    urn: str
    type: str
    diffs: list[str] = msgspec.field(default_factory=list)  # properties that differ
    protected: bool = False  # a delete of a resource under Pulumi's `protect` (number, subaccount)


class FieldDrift(msgspec.Struct, kw_only=True):
    """One field whose live value differs from the state: ``old`` is what the state holds,
    ``new`` what Twilio or the database holds now (``(secret)`` for secret values)."""

    name: str
    old: str
    new: str


class Drift(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A resource whose live state differs from the state a refresh would replace."""

    urn: str
    type: str
    change: Literal["changed", "deleted"]  # deleted: gone from Twilio or the database
    fields: list[FieldDrift] = msgspec.field(default_factory=list)

    @property
    def resource(self) -> str:
        """``ethiq:TwilioPhoneNumber acme-number``: the type and the name a person knows."""
        return f"{self.type.rsplit('/', 1)[-1]} {self.urn.rsplit('::', 1)[-1]}"

    def describe(self) -> str:
        """One line per field: ``<resource>: voice_url "https://…" → "https://…"``."""
        if self.change == "deleted":
            return f"{self.resource}: deleted (no longer in Twilio or the database)"
        if not self.fields:
            return f"{self.resource}: changed"
        shown = "; ".join(f"{f.name} {f.old} → {f.new}" for f in self.fields)
        return f"{self.resource}: {shown}"


class PolicyFinding(msgspec.Struct, kw_only=True, omit_defaults=True):
    policy: str
    level: str  # advisory, mandatory, remediate
    message: str
    urn: str | None = None


class StackResult(msgspec.Struct, kw_only=True):
    stack: str
    change: Literal["added", "changed", "removed", "checked"]
    status: Status
    operation: Operation
    reason: str = ""
    changes: dict[str, int] = msgspec.field(default_factory=dict)  # engine op type → resources
    drifted: list[Drift] = msgspec.field(default_factory=list)  # what a refresh would change
    duration_s: float = 0.0
    attempts: int = 0  # engine runs, retries on a locked stack included
    recovered: list[str] = msgspec.field(default_factory=list)  # stale lock, pending ops, orphans
    unprotected: list[str] = msgspec.field(default_factory=list)  # URNs an up lifted protect of
    steps: list[Step] = msgspec.field(default_factory=list)  # per resource: op, type, properties
    policies: list[PolicyFinding] = msgspec.field(default_factory=list)
    error: str | None = None
    log: str | None = None  # the engine's full output for this stack


class Report(msgspec.Struct, kw_only=True):
    mode: Mode
    base: str | None = None  # None with a head: compared with what the backend applied
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


def _resource(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _severity(op: str) -> int:
    if op == "delete":
        return 3
    return 2 if "replace" in op else 1


def _folded_steps(steps: list[Step]) -> list[tuple[str, Step]]:
    """One row per resource: a replacement's create/replace/delete steps become ``replace``."""
    rows: dict[str, tuple[str, Step]] = {}
    for step in steps:
        op = "replace" if "replace" in step.op else step.op
        if step.urn not in rows or _severity(op) > _severity(rows[step.urn][0]):
            diffs = step.diffs or (rows[step.urn][1].diffs if step.urn in rows else [])
            rows[step.urn] = (op, msgspec.structs.replace(step, diffs=diffs))
    return list(rows.values())


def _destructive(report: Report) -> list[str]:
    lines = []
    for r in report.results:
        for op, step in _folded_steps(r.steps):
            if _severity(op) > 1:
                keys = f" (because of {', '.join(f'`{k}`' for k in step.diffs[:4])})"
                would = "refused, a destroy would " if r.status == "refused" else ""
                what = f"**{op.upper()}** `{_resource(step.urn)}` ({step.type})"
                lines.append(
                    f"> - `{r.stack}`: {would}{what}"
                    + (keys if step.diffs and op != "delete" else "")
                    + (
                        " · 🔒 **PROTECTED: a person's phone number or subaccount**"
                        if step.protected
                        else ""
                    )
                )
    return lines


def _title(report: Report) -> list[str]:
    titles = {"preview": "preview", "apply": "apply", "drift": "drift check"}
    if report.base and report.head:
        span = f" `{report.base[:10]}..{report.head[:10]}`"
    elif report.head:
        span = f" `{report.head[:10]}` against the backend's applied state"
    else:
        span = ""
    verdict = "✅" if report.ok else "❌"
    tally = Counter(r.status for r in report.results)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(tally.items())) or "nothing to do"
    return [
        f"### {verdict} Ethiq {titles[report.mode]}{span}",
        "",
        f"{len(report.results)} of {report.stacks_total} stack(s): {summary} · "
        f"{report.engine_operations} engine operation(s) · {report.duration_s:.1f}s",
    ]


def _caution(report: Report) -> list[str]:
    destructive = _destructive(report)
    if not destructive:
        return []
    would = "would be" if report.mode == "preview" else "were"
    return [
        "",
        "> [!CAUTION]",
        f"> **{len(destructive)} resource(s) {would} REPLACED or DELETED.** A replaced "
        "resource is a new one: check that no phone number or subaccount is among them.",
        ">",
        *destructive,
    ]


def _table(report: Report) -> list[str]:
    if not report.results:
        return []
    verbs = _VERBS.get(report.mode, {})
    lines = [
        "",
        "| stack | change | result | resources | time | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in report.results:
        status = verbs.get(r.status, r.status)
        status = f"**{status}**" if r.status in FAILING else status
        lines.append(
            f"| `{r.stack}` | {r.change} | {status} | {_resources(r.changes)} | "
            f"{r.duration_s:.1f}s | {_cell(r.error or r.reason)} |"
        )
    return lines


def _resource_changes(r: StackResult) -> list[str]:
    rows = _folded_steps(r.steps)
    if not rows:
        return []
    lines = [
        "",
        f"<details><summary><code>{r.stack}</code>: {len(rows)} resource change(s)</summary>",
        "",
        "| resource | type | change | properties |",
        "| --- | --- | --- | --- |",
    ]
    for op, step in rows:
        shown = f"**{op.upper()}**" if _severity(op) > 1 else op
        props = ", ".join(f"`{k}`" for k in step.diffs[:8]) or "-"
        shown += " 🔒 protected" if step.protected else ""
        lines.append(f"| `{_resource(step.urn)}` | {step.type} | {shown} | {props} |")
    return [*lines, "", "</details>"]


def _notes(report: Report) -> list[str]:
    lines: list[str] = []
    findings = [(r.stack, f) for r in report.results for f in r.policies]
    if findings:
        lines += ["", "**Policy findings**", ""]
        for stack, f in findings:
            where = f" (`{_resource(f.urn)}`)" if f.urn else ""
            lines.append(f"- `{stack}` · {f.level} · `{f.policy}`{where}: {_cell(f.message, 300)}")
    lifted = [r for r in report.results if r.unprotected]
    if lifted:
        lines += ["", "**Protection lifted before the destroy** (`ethiq:allowDestroy` applied)", ""]
        for r in lifted:
            lines.append(f"- `{r.stack}`: " + ", ".join(f"`{_resource(u)}`" for u in r.unprotected))
    recovered = [(r.stack, note) for r in report.results for note in r.recovered]
    if recovered:
        lines += ["", "**Recovered from an interrupted run**", ""]
        lines += [f"- `{stack}`: {note}" for stack, note in recovered]
    return lines


def to_markdown(report: Report) -> str:
    """A PR comment: a one-line verdict, replacements and deletions called out, a table of
    stacks, each stack's resource changes, policy findings, then each failure in full."""
    lines = _title(report) + _caution(report)
    if report.program_changes:
        shown = ", ".join(f"`{p}`" for p in report.program_changes[:5])
        more = " …" if len(report.program_changes) > 5 else ""  # noqa: PLR2004
        lines += ["", f"Program or policy code changed ({shown}{more}): every stack is checked."]
    lines += _table(report)
    for r in report.results:
        lines += _resource_changes(r)
    lines += _notes(report)
    for r in report.results:
        if r.error:
            lines += ["", f"<details><summary><code>{r.stack}</code>: {r.status}</summary>", ""]
            lines += ["```text", r.error.replace("```", "` ` `"), "```", "", "</details>"]
        if r.drifted:
            lines += ["", f"Drifted in `{r.stack}`:"]
            lines += [f"- {_cell(d.describe(), 600)}" for d in r.drifted]
    return "\n".join(lines) + "\n"

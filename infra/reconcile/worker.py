"""One stack, one process: ``python -m infra.reconcile.worker JOB.json OUTCOME.json``.

The reconciler starts one of these per stack, each in its own work directory, because parallel
``create_stack``/``select_stack`` in one workspace corrupts it (pulumi#8186) and Python programs
in one process share global state (pulumi#6052, #7782). The worker selects (or creates) the stack
through the Automation API, runs one operation, retries while another update holds the stack's
lock, and writes what happened as JSON. It never exits non-zero for a stack that failed: the
outcome says so.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import msgspec
from pulumi import automation as auto

from infra.reconcile.report import Operation

__all__ = ["Job", "Outcome", "error_summary", "main", "run_job"]

# Op types a refresh reports for resources whose live state matches the state file.
_IN_SYNC = frozenset({"same", "refresh", "read"})
_MAX_ERROR_LINES = 20
_SECTIONS = frozenset({"Diagnostics:", "Policies:", "Policy Violations:"})


class Job(msgspec.Struct, kw_only=True):
    stack: str
    operation: Operation
    work_dir: str  # holds Pulumi.yaml and stacks/Pulumi.<stack>.yaml, this stack's only
    log: str  # the engine's output is appended here
    create: bool = False  # create the stack when the backend has none (up, preview)
    discard_created: bool = False  # a preview leaves no stack behind
    remove_after_destroy: bool = True
    engine_env: dict[str, str] = msgspec.field(default_factory=dict)  # for pulumi commands
    secrets_provider: str | None = None
    policy_packs: list[str] = msgspec.field(default_factory=list)
    lock_retries: int = 4
    lock_backoff_s: float = 2.0


class Outcome(msgspec.Struct, kw_only=True):
    existed: bool = True  # the backend had the stack before this run
    created: bool = False
    changes: dict[str, int] = msgspec.field(default_factory=dict)
    drifted: list[str] = msgspec.field(default_factory=list)
    attempts: int = 0
    locked: bool = False  # gave up on a stack held by another update
    error: str | None = None


def error_summary(text: str) -> str:
    """The lines of an engine failure a reviewer needs.

    The ``Diagnostics:`` and ``Policies:`` sections without traceback frames when the engine
    printed them, else every ``error`` line, else the tail of the output.
    """
    lines = [line.strip().removeprefix("stderr: ") for line in text.splitlines() if line.strip()]
    sections: list[str] = []
    errors: list[str] = []
    inside = frame = False
    for line in lines:
        if line in _SECTIONS:
            inside = True
        elif line.endswith(":") and " " not in line:  # the next section (Resources:, stderr: …)
            inside = False
        elif inside:
            skip = frame or line.startswith(('File "', "Traceback (most recent call last)"))
            skip = skip or not line.strip("^~ ")  # Python's markers under a frame's code
            frame = line.startswith('File "')
            if not skip and line not in sections:
                sections.append(line[:400])
        elif re.search(r"\berror\b", line, re.IGNORECASE) and line not in errors:
            errors.append(line[:400])
    tail = [line for line in lines if not line.startswith("@ ")]
    return "\n".join(
        sections[-_MAX_ERROR_LINES:] or errors[:_MAX_ERROR_LINES] or tail[-_MAX_ERROR_LINES:]
    )


def _ops(changes: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(op, "value", op)): n for op, n in (changes or {}).items() if n}


def _operate(stack: auto.Stack, job: Job, log: TextIO) -> Outcome:
    def out(line: str) -> None:
        log.write(line if line.endswith("\n") else line + "\n")
        log.flush()

    common: dict[str, Any] = {"on_output": out, "color": "never"}
    packs: dict[str, Any] = {"policy_packs": job.policy_packs} if job.policy_packs else {}
    if job.operation == "up":
        summary = stack.up(**common, **packs).summary
        return Outcome(changes=_ops(summary.resource_changes))
    if job.operation == "preview":
        return Outcome(changes=_ops(stack.preview(**common, **packs).change_summary))
    if job.operation == "destroy":
        return Outcome(changes=_ops(stack.destroy(**common).summary.resource_changes))
    if job.operation == "preview-destroy":
        return Outcome(changes=_ops(stack.preview_destroy(**common).change_summary))
    if job.operation == "preview-refresh":
        drifted: list[str] = []

        def event(e: auto.EngineEvent) -> None:
            step = e.res_outputs_event or e.resource_pre_event
            meta = step.metadata if step is not None else None
            if meta is not None and meta.op.value not in _IN_SYNC and meta.urn not in drifted:
                drifted.append(meta.urn)

        changes = _ops(stack.preview_refresh(**common, on_event=event, diff=True).change_summary)
        changes = {op: n for op, n in changes.items() if op not in _IN_SYNC}
        return Outcome(changes=changes, drifted=drifted)
    raise ValueError(f"unknown operation {job.operation!r}")


def _with_lock_retries(
    job: Job, attempt: Callable[[], Outcome], sleep: Callable[[float], None] = time.sleep
) -> Outcome:
    for tries in range(1, job.lock_retries + 2):
        try:
            outcome = attempt()
        except auto.ConcurrentUpdateError as error:
            if tries > job.lock_retries:
                return Outcome(
                    attempts=tries,
                    locked=True,
                    error=f"stack {job.stack} is locked by another update; gave up after "
                    f"{tries} attempt(s)\n{error_summary(str(error))}",
                )
            sleep(job.lock_backoff_s * 2 ** (tries - 1))
        else:
            outcome.attempts = tries
            return outcome
    raise AssertionError("unreachable")


def run_job(job: Job) -> Outcome:
    """Select or create the stack, run the job's operation, say what happened."""
    workspace = auto.LocalWorkspace(
        work_dir=job.work_dir, env_vars=job.engine_env, secrets_provider=job.secrets_provider
    )
    created = False
    try:
        stack = auto.Stack.select(job.stack, workspace)
    except auto.StackNotFoundError:
        if not job.create:
            return Outcome(existed=False)
        stack = auto.Stack.create(job.stack, workspace)
        created = True
    with Path(job.log).open("a") as log:
        try:
            outcome = _with_lock_retries(job, lambda: _operate(stack, job, log))
        except auto.CommandError as error:
            log.write(f"{error}\n")
            outcome = Outcome(attempts=1, error=error_summary(str(error)))
        finally:
            if created and job.discard_created:
                workspace.remove_stack(job.stack)
    outcome.existed, outcome.created = not created, created
    if job.operation == "destroy" and outcome.error is None and job.remove_after_destroy:
        workspace.remove_stack(job.stack)
    return outcome


def main(argv: list[str] | None = None) -> None:
    job_path, outcome_path = (argv or sys.argv[1:])[:2]
    job = msgspec.json.decode(Path(job_path).read_bytes(), type=Job)
    try:
        outcome = run_job(job)
    except Exception as error:
        outcome = Outcome(error=error_summary(f"{type(error).__name__}: {error}"))
    Path(outcome_path).write_bytes(msgspec.json.encode(outcome))


if __name__ == "__main__":
    main()

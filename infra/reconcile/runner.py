"""Reconcile tenant stacks with git: plan per stack, run each in its own worker process.

``converge`` (what CI runs) asks the backend which commit each stack last applied and runs the
stacks whose head differs (``changes.pending_changes``); ``deploy-all`` is the same with every
stack. ``reconcile`` turns the stacks a change touches into one job per stack (up or preview; for a
removed stack file, a destroy when removal was allowed, else a planned destroy that is refused),
runs the jobs ``parallel`` at a time, each in a separate ``infra.reconcile.worker`` process with
its own work directory, and folds the outcomes into a :class:`Report`. ``drift`` does the same
with a refresh preview of stacks in the working tree. A failing stack never stops the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec
import yaml

from infra.engine import OFFLINE
from infra.reconcile.changes import (
    ALLOW_DESTROY,
    ChangeSet,
    allows_destroy,
    detect_changes,
    last_committed_allows_destroy,
    pending_changes,
    removal_history,
    stack_name,
)
from infra.reconcile.git import first_parent_since as git_first_parent
from infra.reconcile.git import resolve as git_resolve
from infra.reconcile.processes import run_in_session
from infra.reconcile.program import program_paths
from infra.reconcile.project import checkout, policy_packs, stack_workdir
from infra.reconcile.redact import redact, scrub_paths, secret_values
from infra.reconcile.report import FAILING, Operation, Report, StackResult, change_counts
from infra.reconcile.worker import APPLIED_COMMIT, UNFINISHED, Job, Outcome

__all__ = [
    "APPLY_CREDENTIALS",
    "CredentialsError",
    "Progress",
    "Settings",
    "Task",
    "applied_commits",
    "converge",
    "drift",
    "reconcile",
    "run_tasks",
]

ChangeLabel = Literal["added", "changed", "removed", "checked"]
# What an up or destroy needs from the environment that a preview never has (the parent Twilio
# token: tenant programs and providers read it from the environment only).
APPLY_CREDENTIALS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
_CANDIDATES = 64  # commits asked about as a whole before stacks are asked one by one


@dataclass(frozen=True)
class Settings:
    env: Mapping[str, str]  # backend, secrets passphrase, Twilio and database settings
    parallel: int = 2
    secrets_provider: str | None = None  # for stacks the reconciler creates
    lock_retries: int = 4
    lock_backoff_s: float = 2.0
    policy: bool = True  # run the revision's policy pack on every preview and update
    virtualenv: Path = field(default_factory=lambda: Path(sys.prefix))
    work_dir: Path | None = None  # keep work directories and engine logs here (default: temp)


@dataclass(frozen=True)
class Task:
    stack: str
    change: ChangeLabel
    operation: Operation
    stack_file: str | None  # the config the engine gets
    path: str = ""
    reason: str = ""
    allowed: bool = True  # for a removal: a committed version carried ethiq:allowDestroy
    applied_commit: str | None = None  # recorded on the stack after a successful up
    from_backend: bool = False  # planned from the backend's applied commits (not --base)


Progress = Callable[[str, int, int, Task, StackResult | None], None]


def _quiet(_event: str, _index: int, _total: int, _task: Task, _r: StackResult | None) -> None:
    return None


@contextmanager
def _work_root(settings: Settings) -> Iterator[Path]:
    if settings.work_dir is not None:
        settings.work_dir.mkdir(parents=True, exist_ok=True)
        yield Path(tempfile.mkdtemp(prefix="run-", dir=settings.work_dir))
        return
    with tempfile.TemporaryDirectory(prefix="ethiq-reconcile-") as tmp:
        yield Path(tmp)


def reconcile(
    repo: Path,
    base: str,
    head: str,
    *,
    mode: Literal["preview", "apply"],
    settings: Settings,
    on_progress: Progress = _quiet,
) -> Report:
    """Preview or apply what changed between ``base`` and ``head`` in the stacks of ``repo``."""
    if mode == "apply":
        _require_apply_credentials(settings)
    started = time.perf_counter()
    changes = detect_changes(repo, base, head)
    report = Report(
        mode=mode,
        base=changes.base,
        head=changes.head,
        program_changes=list(changes.program_changes),
        stacks_total=changes.stacks_at_head,
        detect_s=round(time.perf_counter() - started, 4),
    )
    if changes.stacks:
        with _work_root(settings) as work:
            project = checkout(repo, changes.head, work / "head", settings.virtualenv)
            tasks = _tasks(repo, changes, project, mode)
            report.results = run_tasks(tasks, project, work, settings, on_progress)
    return _finish(report, started)


def converge(
    repo: Path,
    head: str,
    *,
    mode: Literal["preview", "apply"],
    settings: Settings,
    everything: bool = False,
    on_progress: Progress = _quiet,
) -> Report:
    """Bring every stack of ``head`` (and every backend stack it no longer has) to ``head``:
    those whose applied commit differs in content, or all of them with ``everything``."""
    if mode == "apply":
        _require_apply_credentials(settings)
    started = time.perf_counter()
    head_sha = git_resolve(repo, head)
    with _work_root(settings) as work:
        project = checkout(repo, head_sha, work / "head", settings.virtualenv)
        program = program_paths(repo, head_sha)
        candidates = git_first_parent(repo, head_sha, program, _CANDIDATES)
        applied = applied_commits(project, work / "inventory", settings, candidates)
        changes = pending_changes(repo, head_sha, applied, everything=everything)
        report = Report(
            mode=mode,
            head=changes.head,
            stacks_total=changes.stacks_at_head,
            detect_s=round(time.perf_counter() - started, 4),
        )
        tasks = _tasks(repo, changes, project, mode)
        report.results = run_tasks(tasks, project, work, settings, on_progress)
    return _finish(report, started)


def _tasks(
    repo: Path, changes: ChangeSet, project: Path, mode: Literal["preview", "apply"]
) -> list[Task]:
    tasks = []
    for change in changes.stacks:
        applied_commit = None
        if change.kind == "removed" and changes.base is None:
            allowed, stack_file = last_committed_allows_destroy(repo, changes.head, change.path)
            operation: Operation = "destroy" if allowed and mode == "apply" else "preview-destroy"
        elif change.kind == "removed":
            assert changes.base is not None  # noqa: S101  # narrowed by the branch above
            history = removal_history(repo, changes.base, changes.head, change.path)
            allowing = [text for text in history if allows_destroy(text)]
            allowed = bool(allowing)
            operation = "destroy" if allowed and mode == "apply" else "preview-destroy"
            # The newest version with the flag: a destroy applies it first to lift `protect`.
            stack_file = allowing[0] if allowing else history[0] if history else None
        else:
            allowed, stack_file = True, (project / change.path).read_text()
            operation = "up" if mode == "apply" else "preview"
            applied_commit = changes.head
        tasks.append(
            Task(
                change.stack,
                change.kind,
                operation,
                stack_file,
                change.path,
                change.reason,
                allowed,
                applied_commit,
                from_backend=changes.base is None,
            )
        )
    return tasks


def engine_settings(settings: Settings) -> dict[str, str]:
    """The environment every engine process gets: the caller's, offline, this virtualenv's
    ``bin`` (the engine and its plugins) first on PATH."""
    env = dict(settings.env) | OFFLINE
    venv_bin = str(settings.virtualenv / "bin")
    if venv_bin not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    return env


def applied_commits(
    project: Path, work: Path, settings: Settings, candidates: Sequence[str] = ()
) -> dict[str, str | None]:
    """Every stack of the project in the backend → its ``ethiq:applied-commit`` (None: unset).

    Neither ``pulumi stack ls --json`` nor the Automation API returns tags, and each ``pulumi``
    command costs its start-up (about 0.3 s of CPU), so tags are read per set, not per stack:
    ``pulumi stack ls --tag NAME=VALUE`` (the supported query, pulumi/pulumi#2712) once for the
    stacks that carry the tag at all, once for ``unfinished``, then once per ``candidates``
    commit (newest first: the commits a stack at the head's program was applied at), stopping
    when every tagged stack is placed. Only the stacks left over (applied before the program last
    changed, or off the first-parent history; they run anyway) are asked one by one."""
    stack_workdir(project, work, "inventory", None, settings.virtualenv)
    env = engine_settings(settings)

    def pulumi(*args: str) -> str:
        done = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            message = redact(done.stderr.strip(), secret_values(settings.env))
            raise InventoryError(f"pulumi {args[0]} {args[1]}: {scrub_paths(message)}")
        return done.stdout

    def listed(tag: str | None = None) -> set[str]:
        query = ["--tag", tag] if tag else []
        found = json.loads(pulumi("stack", "ls", "--json", *query) or "[]")
        return {s["name"].rsplit("/", 1)[-1] for s in found}

    def tag_of(name: str) -> str | None:
        tags = json.loads(pulumi("stack", "tag", "ls", "--json", "--stack", name) or "{}")
        value = tags.get(APPLIED_COMMIT)
        return str(value) if value else None

    width = max(4, settings.parallel)
    with ThreadPoolExecutor(max_workers=width) as pool:
        everyone, tagged, unfinished = pool.map(
            listed, [None, APPLIED_COMMIT, f"{APPLIED_COMMIT}={UNFINISHED}"]
        )
        applied: dict[str, str | None] = dict.fromkeys(everyone - tagged)
        applied |= dict.fromkeys(unfinished & everyone, UNFINISHED)
        left = (tagged - unfinished) & everyone
        queue = list(candidates)
        while left and queue:
            batch, queue = queue[:width], queue[width:]
            for commit, names in zip(
                batch, pool.map(lambda c: listed(f"{APPLIED_COMMIT}={c}"), batch), strict=True
            ):
                applied |= dict.fromkeys(names & left, commit)
                left -= names
        applied |= dict(zip(sorted(left), pool.map(tag_of, sorted(left)), strict=True))
    return {name: applied[name] for name in sorted(applied)}


class InventoryError(RuntimeError):
    """The backend could not be listed: nothing was run."""


class CredentialsError(RuntimeError):
    """An apply was asked for without the apply credentials (a preview's environment)."""


def _require_apply_credentials(settings: Settings) -> None:
    missing = [name for name in APPLY_CREDENTIALS if not settings.env.get(name)]
    if missing:
        raise CredentialsError(
            f"{', '.join(missing)} not set: an apply needs the apply credentials, which a "
            "preview's environment never holds; nothing was run. Apply from the environment "
            "that holds them (CI: the tenants-apply workflow), or run --preview."
        )


def drift(
    repo: Path,
    stacks: Sequence[str] = (),
    *,
    settings: Settings,
    on_progress: Progress = _quiet,
) -> Report:
    """Refresh previews of ``stacks`` (default: every stack file in the working tree)."""
    started = time.perf_counter()
    config_dir = _worktree_config_dir(repo)
    files = {
        name: path
        for path in sorted((repo / config_dir).glob("Pulumi.*.yaml"))
        if (name := stack_name(path.relative_to(repo).as_posix(), config_dir)) is not None
    }
    names = list(stacks) or sorted(files)
    tasks = [
        Task(
            name,
            "checked",
            "preview-refresh",
            files[name].read_text() if name in files else None,
            files[name].relative_to(repo).as_posix() if name in files else "",
        )
        for name in names
    ]
    report = Report(mode="drift", stacks_total=len(tasks))
    with _work_root(settings) as work:
        report.results = run_tasks(tasks, repo.resolve(), work, settings, on_progress)
    return _finish(report, started)


def _worktree_config_dir(repo: Path) -> str:
    """``stackConfigDir`` of the working tree's ``Pulumi.yaml``."""
    settings = yaml.safe_load((repo / "Pulumi.yaml").read_text()) or {}
    return str(settings.get("stackConfigDir") or "").strip("/")


def _finish(report: Report, started: float) -> Report:
    report.engine_operations = sum(r.attempts for r in report.results)
    report.ok = not any(r.status in FAILING for r in report.results)
    report.duration_s = round(time.perf_counter() - started, 3)
    return report


def run_tasks(
    tasks: Sequence[Task],
    project: Path,
    work: Path,
    settings: Settings,
    on_progress: Progress = _quiet,
) -> list[StackResult]:
    """Run each task in its own worker process, ``settings.parallel`` at a time, in order."""
    lock = threading.Lock()
    total = len(tasks)

    def one(index: int, task: Task) -> StackResult:
        with lock:
            on_progress("start", index, total, task, None)
        result = _run_task(task, project, work / "stacks" / task.stack, settings)
        with lock:
            on_progress("finish", index, total, task, result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, settings.parallel)) as pool:
        futures = [pool.submit(one, i, task) for i, task in enumerate(tasks, 1)]
        return [future.result() for future in futures]


def _run_task(task: Task, project: Path, work: Path, settings: Settings) -> StackResult:
    started = time.perf_counter()
    if task.stack_file is None:
        outcome = Outcome(existed=False, error=f"no stack file for {task.stack}")
    else:
        stack_workdir(project, work, task.stack, task.stack_file, settings.virtualenv)
        outcome = _spawn(task, project, work, settings)
    result = _result(task, outcome)
    if result.error:
        result.error = scrub_paths(redact(result.error, secret_values(settings.env)))
    result.duration_s = round(time.perf_counter() - started, 2)
    result.log = str(work / "engine.log") if settings.work_dir is not None else None
    return result


def _spawn(task: Task, project: Path, work: Path, settings: Settings) -> Outcome:
    pythonpath = settings.env.get("PYTHONPATH")
    job = Job(
        stack=task.stack,
        operation=task.operation,
        work_dir=str(work),
        log=str(work / "engine.log"),
        create=task.operation in ("up", "preview"),
        discard_created=task.operation == "preview",
        # The program and its providers import this revision's packages, not the installed ones.
        engine_env={"PYTHONPATH": str(project) + (f":{pythonpath}" if pythonpath else "")},
        secrets_provider=settings.secrets_provider,
        policy_packs=policy_packs(project) if settings.policy else [],
        lock_retries=settings.lock_retries,
        lock_backoff_s=settings.lock_backoff_s,
        applied_commit=task.applied_commit,
    )
    job_file, outcome_file = work / "job.json", work / "outcome.json"
    job_file.write_bytes(msgspec.json.encode(job))
    # A session of its own: whatever the engine leaves behind when killed is killed with it.
    process, leftovers = run_in_session(
        [sys.executable, "-m", "infra.reconcile.worker", str(job_file), str(outcome_file)],
        cwd=work,
        env=engine_settings(settings),
    )
    ended = [f"stopped {len(leftovers)} engine process(es) left running"] if leftovers else []
    if process.returncode != 0 or not outcome_file.is_file():
        tail = "\n".join(process.stderr.strip().splitlines()[-12:])
        return Outcome(
            attempts=0, recovered=ended, error=f"worker exited {process.returncode}:\n{tail}"
        )
    outcome = msgspec.json.decode(outcome_file.read_bytes(), type=Outcome)
    outcome.recovered += ended
    return outcome


def _result(task: Task, outcome: Outcome) -> StackResult:
    result = StackResult(
        stack=task.stack,
        change=task.change,
        status="failed",
        operation=task.operation,
        reason=task.reason,
        changes=outcome.changes,
        drifted=outcome.drifted,
        attempts=outcome.attempts,
        recovered=outcome.recovered,
        unprotected=outcome.unprotected,
        steps=outcome.steps,
        policies=outcome.policies,
        error=outcome.error,
    )
    folded = change_counts(outcome.changes)
    if task.operation == "preview-refresh":
        if outcome.error is None and not outcome.existed:
            result.error = f"no stack {task.stack} in the backend"
        elif outcome.error is None:
            result.status = "drifted" if outcome.changes or outcome.drifted else "in-sync"
    elif task.change == "removed":
        if outcome.error is None and not outcome.existed:
            result.status, result.reason = (
                "unchanged",
                "no stack in the backend: nothing to destroy",
            )
        elif not task.allowed:
            kept = sum(1 for step in outcome.steps if step.protected)
            planned = (
                f" (a destroy would delete {folded['delete']} resource(s)"
                + (f", {kept} of them protected: the phone number and subaccount" if kept else "")
                + ")"
                if folded
                else ""
            )
            result.status = "refused"
            which = (
                "its file as last committed does not carry"
                if task.from_backend
                else "no committed version of it carries"
            )
            result.error = (
                f"{task.path} was removed, but {which} `{ALLOW_DESTROY}: true`{planned}. "
                "Restore the file, or commit it with that flag (the same change may remove it): "
                "the destroy then applies the flag first, which lifts the protection, and "
                "releases the number." + (f"\n{outcome.error}" if outcome.error else "")
            )
        elif outcome.error is None:
            result.status = "destroyed"
    elif outcome.error is None:
        touched = any(n for op, n in folded.items() if op != "same")
        result.status = "created" if outcome.created else "updated" if touched else "unchanged"
    return result

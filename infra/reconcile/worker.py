"""One stack, one process: ``python -m infra.reconcile.worker JOB.json OUTCOME.json``.

The reconciler starts one of these per stack, each in its own work directory, because parallel
``create_stack``/``select_stack`` in one workspace corrupts it (pulumi#8186) and Python programs
in one process share global state (pulumi#6052, #7782). The worker selects (or creates) the stack
through the Automation API, runs one operation, retries while another update holds the stack's
lock, and writes what happened as JSON. It never exits non-zero for a stack that failed: the
outcome says so.

Recovery after a killed run (``kill -9``, a cancelled job): a lock left by a ``pulumi`` process of
this host that no longer runs is removed (``pulumi cancel``), and pending operations are dropped
from the state by ``pulumi stack export``/``import``, the procedure Pulumi documents for
interrupted updates (https://www.pulumi.com/docs/iac/operations/troubleshooting/interrupted-updates/);
an update keeps pending creates otherwise (pulumi/pulumi#9293). A lock of a live process, or of
another host, is never touched. A resource whose create was interrupted is then created again,
and the providers adopt what Twilio already holds for this stack.

After a successful ``up`` the stack's tag ``ethiq:applied-commit`` records the revision applied:
the reconciler compares it with the head to find stacks whose apply was missed or failed.
A preview of a stack the backend does not have runs on a throwaway local backend: an empty
state is what the real one would have, and a preview never writes to the real backend.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import msgspec
import yaml
from pulumi import automation as auto

from infra.providers import DRIFTED_SECRETS
from infra.reconcile.redact import redact, secret_values
from infra.reconcile.report import Drift, FieldDrift, Operation, PolicyFinding, Step
from runtime.retry import Backoff

__all__ = [
    "APPLIED_COMMIT",
    "UNFINISHED",
    "Job",
    "Outcome",
    "PolicyFinding",
    "Step",
    "drift_of",
    "error_summary",
    "main",
    "run_job",
    "stale_locks",
]

APPLIED_COMMIT = "ethiq:applied-commit"
UNFINISHED = "unfinished"  # the tag's value while an up runs

# Op types a refresh reports for resources whose live state matches the state file.
_IN_SYNC = frozenset({"same", "refresh", "read"})
_MAX_ERROR_LINES = 20
_MAX_LINE = 800  # an error that says what to do is long (ownership refusals)
_SECTIONS = frozenset({"Diagnostics:", "Policies:", "Policy Violations:"})
# How the file backend names a lock holder in its "the stack is currently locked" error.
_LOCK_HOLDER = re.compile(r"created by (?P<user>\S*)@(?P<host>\S+) \(pid (?P<pid>\d+)\)")
_TRACEBACK = re.compile(r'^((error: )?Traceback \(most recent call last\)|File "[^"]*", line \d+)')
# How the engine serialises a secret in an event (its values are blinded, never shown).
_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105 (a marker, not a secret)
_SECRET_FIELD = re.compile(r"token|password|secret|credential|key|database_url", re.IGNORECASE)
_SHOWN = 120  # characters of a drifted value shown


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
    applied_commit: str | None = None  # tag the stack with it after a successful up


class Outcome(msgspec.Struct, kw_only=True):
    existed: bool = True  # the backend had the stack before this run
    created: bool = False
    changes: dict[str, int] = msgspec.field(default_factory=dict)
    drifted: list[Drift] = msgspec.field(default_factory=list)
    attempts: int = 0
    locked: bool = False  # gave up on a stack held by another update
    recovered: list[str] = msgspec.field(default_factory=list)  # stale locks, pending ops cleared
    unprotected: list[str] = msgspec.field(default_factory=list)  # protect lifted before destroy
    steps: list[Step] = msgspec.field(default_factory=list)
    policies: list[PolicyFinding] = msgspec.field(default_factory=list)
    error: str | None = None


def error_summary(text: str) -> str:
    """The lines of an engine failure a reviewer needs.

    The ``Diagnostics:`` and ``Policies:`` sections without traceback frames when the engine
    printed them, else every ``error`` line, else the tail of the output.
    """
    lines = [line.strip().removeprefix("stderr: ") for line in text.splitlines() if line.strip()]
    kept: list[str] = []  # every line but traceback headers, frames, their code and markers
    frame = False
    for line in lines:
        if _TRACEBACK.match(line):
            frame = line.startswith("File ")
        elif frame or not line.strip("^~ "):
            frame = False  # the source line a frame quotes, or Python's markers under it
        else:
            kept.append(line)
    sections: list[str] = []
    errors: list[str] = []
    inside = False
    for line in kept:
        if line in _SECTIONS:
            inside = True
        elif line.endswith(":") and " " not in line:  # the next section (Resources:, stderr: …)
            inside = False
        elif inside:
            if line not in sections:
                sections.append(line[:_MAX_LINE])
        elif re.search(r"\berror\b", line, re.IGNORECASE) and line not in errors:
            errors.append(line[:_MAX_LINE])
    tail = [line for line in kept if not line.startswith("@ ")]
    return "\n".join(
        sections[-_MAX_ERROR_LINES:] or errors[:_MAX_ERROR_LINES] or tail[-_MAX_ERROR_LINES:]
    )


def _secret(value: Any) -> bool:
    if isinstance(value, Mapping):
        return _SECRET_SIG in value or any(_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_secret(v) for v in value)
    return False


def _shown(name: str, value: Any, present: bool) -> str:
    if not present:
        return "(none)"
    if _secret(value) or _SECRET_FIELD.search(name):
        return "(secret)"

    def cut(text: str) -> str:
        return text[:_SHOWN] + ("…" if len(text) > _SHOWN else "")

    # A string in quotes (so an empty one shows), anything else as its JSON.
    text = (
        json.dumps(cut(value), ensure_ascii=False)
        if isinstance(value, str)
        else cut(json.dumps(value, sort_keys=True, ensure_ascii=False))
    )
    return redact(text, secret_values(os.environ))


def drift_of(meta: auto.StepEventMetadata) -> Drift:
    """What a refresh step says changed: the resource, and each field with its state value and
    its live value (secret ones never shown)."""
    if meta.op.value == "delete" or meta.new is None:
        return Drift(urn=meta.urn, type=meta.type, change="deleted")
    old = dict((meta.old.outputs if meta.old is not None else None) or {})
    new = dict(meta.new.outputs or {})
    names = sorted(
        {k for k in old.keys() | new.keys() if old.get(k) != new.get(k) and k != "__provider"}
        | {str(k) for k in meta.diffs or []}
    )
    fields = [
        FieldDrift(
            name=name,
            old=_shown(name, old.get(name), name in old),
            new=_shown(name, new.get(name), name in new),
        )
        for name in names
        if name != DRIFTED_SECRETS
    ]
    named = new.get(DRIFTED_SECRETS)  # secret fields a provider says drifted (values blinded)
    for name in named if isinstance(named, list) else []:
        fields = [f for f in fields if f.name != name]
        fields.append(FieldDrift(name=str(name), old="(secret)", new="(secret)"))
    return Drift(urn=meta.urn, type=meta.type, change="changed", fields=fields)


def _ops(changes: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(op, "value", op)): n for op, n in (changes or {}).items() if n}


class _Recorder:
    """Collects what an operation's engine events say: resource steps and policy findings."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.policies: list[PolicyFinding] = []
        self.drifted: list[Drift] = []

    def __call__(self, event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            # The stack and the provider instances are not resources a reviewer acts on (the
            # dynamic provider "updates" whenever the stack's config changes, pulumi-python).
            resource = meta.type != "pulumi:pulumi:Stack" and not meta.type.startswith(
                "pulumi:providers:"
            )
            if meta.op.value not in _IN_SYNC and resource:
                diffs = list(meta.diffs or meta.keys or [])
                self.steps.append(Step(op=meta.op.value, urn=meta.urn, type=meta.type, diffs=diffs))
        if event.policy_event is not None:
            policy = event.policy_event
            finding = PolicyFinding(
                policy=policy.policy_name,
                level=policy.enforcement_level,
                message=" ".join(policy.message.split())[:400],
                urn=policy.resource_urn or None,
            )
            if finding not in self.policies:
                self.policies.append(finding)

    def refresh_event(self, event: auto.EngineEvent) -> None:
        step = event.res_outputs_event or event.resource_pre_event
        meta = step.metadata if step is not None else None
        if meta is None or meta.op.value in _IN_SYNC or meta.type == "pulumi:pulumi:Stack":
            return
        drift = drift_of(meta)
        self.drifted = [d for d in self.drifted if d.urn != drift.urn] + [drift]

    def outcome(self, changes: Mapping[Any, int] | None) -> Outcome:
        return Outcome(changes=_ops(changes), steps=self.steps, policies=self.policies)


def _export_encrypted(stack: auto.Stack) -> auto.Deployment:
    """``pulumi stack export`` as the CLI does it, secrets still encrypted: no key needed, and
    no plaintext secret on its way (the Automation API's export adds ``--show-secrets``)."""
    workspace = stack.workspace
    env = {**os.environ, **(getattr(workspace, "env_vars", None) or {})}
    done = subprocess.run(
        ["pulumi", "stack", "export", "--stack", stack.name, "--non-interactive"],
        cwd=getattr(workspace, "work_dir", None),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pulumi stack export: {error_summary(done.stderr)}")
    state = json.loads(done.stdout)
    return auto.Deployment(version=state.get("version"), deployment=state.get("deployment"))


def _state_resources(stack: auto.Stack, *, with_stack: bool = False) -> list[dict[str, Any]]:
    """The stack's resources as its state holds them, without the provider instances (and the
    stack itself unless ``with_stack``)."""
    resources = (_export_encrypted(stack).deployment or {}).get("resources") or []
    return [
        r
        for r in resources
        if (with_stack or r.get("type") != "pulumi:pulumi:Stack")
        and not str(r.get("type", "")).startswith("pulumi:providers:")
    ]


def _destroy_plan(stack: auto.Stack) -> Outcome:
    """What a destroy deletes: every resource in the state, children first, the protected ones
    flagged. The engine refuses to even plan a destroy through a protected resource, so a
    refused removal would otherwise show nothing of the person's number it would release.
    Counted as the engine counts a destroy (the stack included)."""
    resources = _state_resources(stack, with_stack=True)
    steps = [
        Step(op="delete", urn=r["urn"], type=r["type"], protected=bool(r.get("protect")))
        for r in reversed(resources)
        if r["type"] != "pulumi:pulumi:Stack"
    ]
    return Outcome(changes={"delete": len(resources)} if resources else {}, steps=steps)


def _destroy(
    stack: auto.Stack, packs: dict[str, Any], record: _Recorder, out: Callable[[str], None]
) -> Outcome:
    """A removal allowed by the file as last committed (``ethiq:allowDestroy: true``) whose flag
    was never applied leaves the number and subaccount protected, and the engine refuses to
    delete them: apply that version first (the program drops ``protect``), then destroy, in
    this one run."""
    unprotected = [r["urn"] for r in _state_resources(stack) if r.get("protect")]
    if unprotected:
        stack.up(on_output=out, color="never", **packs)
        still = [r["urn"] for r in _state_resources(stack) if r.get("protect")]
        if still:
            names = ", ".join(u.rsplit("::", 1)[-1] for u in still)
            return Outcome(error=f"the stack file allowing the removal left {names} protected")
    outcome = record.outcome(
        stack.destroy(on_output=out, color="never", on_event=record).summary.resource_changes
    )
    outcome.unprotected = unprotected
    return outcome


def _operate(stack: auto.Stack, job: Job, log: TextIO) -> Outcome:
    def out(line: str) -> None:
        log.write(line if line.endswith("\n") else line + "\n")
        log.flush()

    record = _Recorder()
    common: dict[str, Any] = {"on_output": out, "color": "never", "on_event": record}
    packs: dict[str, Any] = {"policy_packs": job.policy_packs} if job.policy_packs else {}
    if job.operation == "up":
        # Refresh first, as the Pulumi Kubernetes Operator's `refresh: true` does: what drifted
        # in Twilio or the database since the last apply is read back, so this up repairs it.
        # Previews never refresh: they hold no credential to read live state with.
        summary = stack.up(**common, **packs, refresh=True).summary
        return record.outcome(summary.resource_changes)
    if job.operation == "preview":
        return record.outcome(stack.preview(**common, **packs).change_summary)
    if job.operation == "destroy":
        return _destroy(stack, packs, record, out)
    if job.operation == "preview-destroy":
        if any(r.get("protect") for r in _state_resources(stack)):
            return _destroy_plan(stack)
        return record.outcome(stack.preview_destroy(**common).change_summary)
    if job.operation == "preview-refresh":
        common["on_event"] = record.refresh_event
        changes = _ops(stack.preview_refresh(**common, diff=True).change_summary)
        changes = {op: n for op, n in changes.items() if op not in _IN_SYNC}
        return Outcome(changes=changes, drifted=record.drifted)
    raise ValueError(f"unknown operation {job.operation!r}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_locks(message: str, hostname: str | None = None) -> list[str]:
    """The holders named by a "stack is locked" error, if every one is a process of this host
    that no longer runs; else ``[]`` (a live update, or another machine's: never ours to clear)."""
    host = hostname or socket.gethostname()
    holders = list(_LOCK_HOLDER.finditer(message))
    if not holders or any(h["host"] != host or _alive(int(h["pid"])) for h in holders):
        return []
    return [f"{h['user']}@{h['host']} (pid {h['pid']})" for h in holders]


def _clear_pending(stack: auto.Stack) -> list[str]:
    """Drop the pending operations an interrupted update left in the state (export/import).

    The state goes out and back in with its secrets still encrypted: no plaintext secret is
    ever written to a file on the way (the stack's own secrets provider reads them later)."""
    exported = _export_encrypted(stack)
    deployment = dict(exported.deployment or {})
    pending = deployment.pop("pending_operations", None) or []
    if not pending:
        return []
    stack.import_stack(auto.Deployment(version=exported.version, deployment=deployment))
    return [
        f"cleared pending {op.get('type', '?')} of {op.get('resource', {}).get('urn', '?')}"
        for op in pending
    ]


_LOCK_WAIT_MAX_S = 60.0


def _with_lock_retries(
    job: Job,
    attempt: Callable[[], Outcome],
    sleep: Callable[[float], None] = time.sleep,
    cancel: Callable[[], None] | None = None,
) -> Outcome:
    """Run ``attempt``; while another update holds the lock, back off (jittered, so reconcilers
    that collided do not collide again) and retry. A lock whose holders are all dead processes
    of this host is removed (``cancel``) and retried at once."""
    backoff = Backoff(attempts=job.lock_retries, base_s=job.lock_backoff_s, max_s=_LOCK_WAIT_MAX_S)
    recovered: list[str] = []
    tries = 0
    while True:
        tries += 1
        try:
            outcome = attempt()
        except auto.ConcurrentUpdateError as error:
            stale = stale_locks(str(error)) if cancel is not None else []
            if stale and len(recovered) < job.lock_retries + 1:
                cancel()  # type: ignore[misc]  # narrowed above
                recovered.append(f"removed the stale lock of {', '.join(stale)}")
                continue
            if tries > job.lock_retries:
                return Outcome(
                    attempts=tries,
                    locked=True,
                    recovered=recovered,
                    error=f"stack {job.stack} is locked by another update; gave up after "
                    f"{tries} attempt(s)\n{error_summary(str(error))}",
                )
            sleep(backoff.delay(tries - 1))
        else:
            outcome.attempts = tries
            outcome.recovered = recovered + outcome.recovered
            return outcome


def _scratch_backend(job: Job) -> dict[str, str]:
    """Engine settings for a throwaway local backend, and the stack file made fit for it."""
    directory = Path(tempfile.mkdtemp(prefix="preview-backend-", dir=job.work_dir))
    os.environ.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    stack_file = Path(job.work_dir) / "stacks" / f"Pulumi.{job.stack}.yaml"
    if stack_file.is_file():  # the real stack's key material would not open on this backend
        document = yaml.safe_load(stack_file.read_text()) or {}
        for key in ("encryptionsalt", "secretsprovider", "encryptedkey"):
            document.pop(key, None)
        config = document.get("config")
        config = config if isinstance(config, dict) else {}
        for key in [k for k, v in config.items() if isinstance(v, dict) and "secure" in v]:
            del config[key]  # a preview decrypts nothing: the program sees the value as unknown
        stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return {
        "PULUMI_BACKEND_URL": directory.resolve().as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": secrets.token_urlsafe(24),
    }


# How the engine marks a secret in an exported state (Pulumi's resource/sig "secret" value).
_SIG, _SECRET = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
_PLACEHOLDER = '"[secret]"'


def _without_secrets(value: Any) -> Any:
    """``value`` with every encrypted secret replaced by a plaintext placeholder secret."""
    if isinstance(value, dict):
        if value.get(_SIG) == _SECRET:
            return {_SIG: _SECRET, "plaintext": _PLACEHOLDER}
        return {k: _without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def _preview_copy(stack: auto.Stack, job: Job) -> auto.Stack:
    """The stack's state, its secrets replaced by placeholders, in a throwaway local backend.

    ``pulumi stack export`` hands out the state with its secrets still encrypted, so a preview
    needs only read access to the backend and no key: no passphrase, no KMS Decrypt, no apply
    credential. A diff then compares the declared, non-secret fields exactly (what a stack file
    can change) and never sees a secret (the providers never compare credentials), and the
    preview can neither lock nor write the real stack."""
    exported = _export_encrypted(stack)
    workspace = auto.LocalWorkspace(
        work_dir=job.work_dir, env_vars=job.engine_env | _scratch_backend(job)
    )
    copy = auto.Stack.create(job.stack, workspace)
    deployment = _without_secrets(dict(exported.deployment or {}))
    deployment.pop("pending_operations", None)  # the next apply clears them for real
    deployment["secrets_providers"] = (_export_encrypted(copy).deployment or {}).get(
        "secrets_providers"
    )
    copy.import_stack(auto.Deployment(version=exported.version, deployment=deployment))
    return copy


def _try_tag(stack: auto.Stack, value: str) -> None:
    # A locked or unreachable backend: the operation itself will say so.
    with contextlib.suppress(auto.CommandError):
        stack.set_tag(APPLIED_COMMIT, value)


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
        if job.operation == "preview":
            workspace = auto.LocalWorkspace(
                work_dir=job.work_dir, env_vars=job.engine_env | _scratch_backend(job)
            )
        stack = auto.Stack.create(job.stack, workspace)
        created = True
    else:
        if job.operation in ("preview", "preview-destroy"):
            stack = _preview_copy(stack, job)
    writes = job.operation in ("up", "destroy")
    with Path(job.log).open("a") as log:
        if job.operation == "up" and job.applied_commit:
            # Until this up succeeds the stack is not at any commit: if it fails or is killed,
            # the next run sees that and applies again.
            _try_tag(stack, UNFINISHED)

        def attempt() -> Outcome:
            cleared = _clear_pending(stack) if writes and not created else []
            outcome = _operate(stack, job, log)
            outcome.recovered = cleared
            return outcome

        try:
            outcome = _with_lock_retries(job, attempt, cancel=stack.cancel if writes else None)
        except auto.CommandError as error:
            log.write(f"{error}\n")
            outcome = Outcome(attempts=1, error=error_summary(str(error)))
        finally:
            if created and job.discard_created and job.operation != "preview":
                workspace.remove_stack(job.stack)
    outcome.existed, outcome.created = not created, created
    if job.operation == "up" and outcome.error is None and job.applied_commit:
        try:
            stack.set_tag(APPLIED_COMMIT, job.applied_commit)
        except auto.CommandError as error:
            outcome.error = f"applied, but {APPLIED_COMMIT} was not recorded (the next run applies "
            outcome.error += f"again):\n{error_summary(str(error))}"
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

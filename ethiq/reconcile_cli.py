"""``ethiq reconcile``, ``ethiq deploy-all`` and ``ethiq drift``: bring tenant stacks to what git
declares, and check that what runs still matches the state.

The backend and secrets come from the environment, as for ``pulumi`` itself:
``PULUMI_BACKEND_URL``, ``PULUMI_CONFIG_PASSPHRASE`` or a KMS provider in
``ETHIQ_SECRETS_PROVIDER`` (used for the stacks the reconciler creates).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from infra.reconcile.git import GitError, git
from infra.reconcile.report import FAILING, Report, StackResult, to_json, to_markdown

if TYPE_CHECKING:  # the runner (the Automation API) is imported when a command runs
    from infra.reconcile.runner import Settings, Task

__all__ = ["deploy_all", "drift", "reconcile"]

Repo = Annotated[
    Path, typer.Option("--repo", help="The git repository (its root or any directory in it).")
]
Parallel = Annotated[
    int, typer.Option("--parallel", min=1, max=32, help="Stacks run at once, one process each.")
]
JsonOut = Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")]
MarkdownOut = Annotated[
    Path | None, typer.Option("--markdown", help="Write the markdown report (a PR comment) here.")
]
SecretsProvider = Annotated[
    str | None,
    typer.Option(
        "--secrets-provider",
        envvar="ETHIQ_SECRETS_PROVIDER",
        help="Secrets provider for new stacks (e.g. awskms://…); default: passphrase.",
    ),
]
LockRetries = Annotated[
    int, typer.Option(min=0, help="Retries when another update holds a stack's lock.")
]
LockBackoff = Annotated[
    float, typer.Option(min=0, help="First wait (s) before a lock retry; doubles each time.")
]
WorkDir = Annotated[
    Path | None,
    typer.Option("--work-dir", help="Keep per-stack work directories and engine logs here."),
]


def _progress(event: str, index: int, total: int, task: Task, result: StackResult | None) -> None:
    if result is None:
        typer.echo(f"[{index}/{total}] {task.stack}: {task.change} → {task.operation} …")
        return
    colour = "red" if result.status in FAILING else "green"
    counts = " ".join(f"{op} {n}" for op, n in sorted(result.changes.items()))
    typer.secho(
        f"[{index}/{total}] {task.stack}: {result.status}"
        f"{f' ({counts})' if counts else ''} in {result.duration_s:.1f}s",
        fg=colour,
    )
    for drift in result.drifted:  # which resource, which field: state value → live value
        typer.secho(f"    {task.stack}: {drift.describe()}", fg="red")
    if result.error:
        typer.echo("    " + result.error.replace("\n", "\n    "), err=True)


def _write(report: Report, json_out: Path | None, markdown_out: Path | None) -> None:
    if json_out is not None:
        json_out.write_bytes(to_json(report))
    if markdown_out is not None:
        markdown_out.write_text(to_markdown(report))
    failing = [r for r in report.results if r.status in FAILING]
    summary = (
        f"{len(report.results)} stack(s), {len(failing)} failing, "
        f"{report.engine_operations} engine operation(s), {report.duration_s:.1f}s"
    )
    typer.secho(summary, fg="green" if report.ok else "red")
    if not report.ok:
        raise typer.Exit(1)


def _repo_root(repo: Path) -> Path:
    try:
        return Path(git(repo, "rev-parse", "--show-toplevel").strip())
    except GitError as error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(2) from None


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(2)


def reconcile(
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="Compare with this revision instead of the backend (only the stacks the diff "
            "touches).",
        ),
    ] = None,
    head: Annotated[str, typer.Option("--head", help="Revision to reconcile to.")] = "HEAD",
    apply: Annotated[
        bool, typer.Option("--apply/--preview", help="Apply the changes, or only preview them.")
    ] = False,
    parallel: Parallel = 2,
    json_out: JsonOut = None,
    markdown_out: MarkdownOut = None,
    repo: Repo = Path(),
    secrets_provider: SecretsProvider = None,
    lock_retries: LockRetries = 4,
    lock_backoff: LockBackoff = 2.0,
    work_dir: WorkDir = None,
) -> None:
    """Preview or apply every tenant stack whose HEAD differs from what the backend applied.

    Each stack records the commit it was last applied at (stack tag ethiq:applied-commit); a
    stack is run when it is not in the backend, its last apply did not finish, or its stack file
    or the program (infra/, policies/, runtime/, Pulumi.yaml, pyproject.toml, requirements.lock)
    differs from that commit. A backend stack without a file at HEAD is destroyed only if the
    version last applied carried ethiq:allowDestroy: true; otherwise it is refused, on every run
    until resolved. With --base, only the stacks the diff BASE..HEAD touches are run. Exit 1 if
    any stack failed or was refused.
    """
    _run(
        base,
        head,
        apply=apply,
        everything=False,
        settings=_settings(parallel, secrets_provider, lock_retries, lock_backoff, work_dir),
        repo=repo,
        outputs=(json_out, markdown_out),
    )


def deploy_all(
    head: Annotated[str, typer.Option("--head", help="Revision to deploy.")] = "HEAD",
    apply: Annotated[
        bool, typer.Option("--apply/--preview", help="Apply (the default), or only preview.")
    ] = True,
    parallel: Parallel = 2,
    json_out: JsonOut = None,
    markdown_out: MarkdownOut = None,
    repo: Repo = Path(),
    secrets_provider: SecretsProvider = None,
    lock_retries: LockRetries = 4,
    lock_backoff: LockBackoff = 2.0,
    work_dir: WorkDir = None,
) -> None:
    """Apply every tenant stack at HEAD now, whatever the backend says was applied.

    The operator's "apply everything": after a restore, a credential rotation, or to prove the
    whole fleet converges. Removals follow the same rule as reconcile. Exit 1 if any stack failed
    or was refused.
    """
    _run(
        None,
        head,
        apply=apply,
        everything=True,
        settings=_settings(parallel, secrets_provider, lock_retries, lock_backoff, work_dir),
        repo=repo,
        outputs=(json_out, markdown_out),
    )


def _settings(
    parallel: int,
    secrets_provider: str | None,
    lock_retries: int,
    lock_backoff: float,
    work_dir: Path | None,
) -> Settings:
    from infra.reconcile.runner import Settings

    return Settings(
        env=dict(os.environ),
        parallel=parallel,
        secrets_provider=secrets_provider,
        lock_retries=lock_retries,
        lock_backoff_s=lock_backoff,
        # Always: the tenant program refuses to run without the policy pack.
        policy=True,
        work_dir=work_dir,
    )


def _run(
    base: str | None,
    head: str,
    *,
    apply: bool,
    everything: bool,
    settings: Settings,
    repo: Path,
    outputs: tuple[Path | None, Path | None],
) -> None:
    from infra.reconcile.runner import CredentialsError, InventoryError, converge
    from infra.reconcile.runner import reconcile as run_reconcile

    root = _repo_root(repo)
    mode: Literal["preview", "apply"] = "apply" if apply else "preview"
    try:
        if base is not None:
            report = run_reconcile(
                root, base, head, mode=mode, settings=settings, on_progress=_progress
            )
        else:
            report = converge(
                root,
                head,
                mode=mode,
                settings=settings,
                everything=everything,
                on_progress=_progress,
            )
    except GitError as error:
        raise _fail(str(error)) from None
    except InventoryError as error:
        raise _fail(f"cannot list the backend's stacks: {error}") from None
    except CredentialsError as error:
        raise _fail(str(error)) from None
    _write(report, *outputs)


def drift(
    stacks: Annotated[
        list[str] | None, typer.Argument(help="Stacks to check (default: every stack file).")
    ] = None,
    parallel: Parallel = 2,
    json_out: JsonOut = None,
    markdown_out: MarkdownOut = None,
    repo: Repo = Path(),
    work_dir: WorkDir = None,
) -> None:
    """Refresh every stack in preview mode and report resources whose live state drifted.

    Each drifted resource is named with its type and, per field, the value in the state and the
    live one (secret values are shown as "(secret)"); a resource deleted outside Pulumi is
    "deleted". `pulumi up --refresh` (or `pulumi refresh`, then `up`) repairs it. Exit 1 if any
    stack drifted or could not be checked.
    """
    root = _repo_root(repo)
    if not (root / "Pulumi.yaml").is_file():
        typer.secho(f"error: no Pulumi.yaml in {root}", err=True, fg="red")
        raise typer.Exit(2)
    from infra.reconcile.runner import Settings
    from infra.reconcile.runner import drift as run_drift

    settings = Settings(env=dict(os.environ), parallel=parallel, work_dir=work_dir)
    report = run_drift(root, stacks or (), settings=settings, on_progress=_progress)
    _write(report, json_out, markdown_out)

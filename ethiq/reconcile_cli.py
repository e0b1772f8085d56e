"""``ethiq reconcile`` and ``ethiq drift``: bring tenant stacks to what git declares, and check
that what runs still matches the state.

The backend and secrets come from the environment, as for ``pulumi`` itself:
``PULUMI_BACKEND_URL``, ``PULUMI_CONFIG_PASSPHRASE`` or a KMS provider in
``ETHIQ_SECRETS_PROVIDER`` (used for the stacks the reconciler creates).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import typer

from infra.reconcile.git import GitError, git
from infra.reconcile.report import FAILING, Report, StackResult, to_json, to_markdown
from infra.reconcile.runner import Settings, Task
from infra.reconcile.runner import drift as run_drift
from infra.reconcile.runner import reconcile as run_reconcile

__all__ = ["drift", "reconcile"]

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


def reconcile(
    base: Annotated[str, typer.Option("--base", help="Revision the stacks are at (e.g. main~1).")],
    head: Annotated[str, typer.Option("--head", help="Revision to reconcile to.")] = "HEAD",
    apply: Annotated[
        bool, typer.Option("--apply/--preview", help="Apply the changes, or only preview them.")
    ] = False,
    parallel: Parallel = 2,
    json_out: JsonOut = None,
    markdown_out: MarkdownOut = None,
    repo: Repo = Path(),
    secrets_provider: SecretsProvider = None,
    lock_retries: Annotated[
        int, typer.Option(min=0, help="Retries when another update holds a stack's lock.")
    ] = 4,
    lock_backoff: Annotated[
        float, typer.Option(min=0, help="First wait (s) before a lock retry; doubles each time.")
    ] = 2.0,
    policy: Annotated[
        bool, typer.Option("--policy/--no-policy", help="Run the revision's policy pack.")
    ] = True,
    work_dir: WorkDir = None,
) -> None:
    """Preview or apply the tenant stacks added, changed or removed between BASE and HEAD.

    Program or policy changes (infra/, policies/, runtime/, Pulumi.yaml, pyproject.toml,
    requirements.lock) run every stack. A removed stack is destroyed only if a committed version
    of its file carried ethiq:allowDestroy: true; otherwise it is refused. Exit 1 if any stack
    failed or was refused.
    """
    root = _repo_root(repo)
    settings = Settings(
        env=dict(os.environ),
        parallel=parallel,
        secrets_provider=secrets_provider,
        lock_retries=lock_retries,
        lock_backoff_s=lock_backoff,
        policy=policy,
        work_dir=work_dir,
    )
    mode: Literal["preview", "apply"] = "apply" if apply else "preview"
    try:
        report = run_reconcile(
            root, base, head, mode=mode, settings=settings, on_progress=_progress
        )
    except GitError as error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(2) from None
    _write(report, json_out, markdown_out)


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

    Exit 1 if any stack drifted or could not be checked.
    """
    root = _repo_root(repo)
    if not (root / "Pulumi.yaml").is_file():
        typer.secho(f"error: no Pulumi.yaml in {root}", err=True, fg="red")
        raise typer.Exit(2)
    settings = Settings(env=dict(os.environ), parallel=parallel, work_dir=work_dir)
    report = run_drift(root, stacks or (), settings=settings, on_progress=_progress)
    _write(report, json_out, markdown_out)

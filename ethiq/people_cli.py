"""``ethiq people commit-changes``: contact changes asked for on people's pages, and requests
from the sign-up page, become a commit of stack files on a branch of the GitOps repository, to
review, merge and reconcile.

The runtime never writes a tenant's contacts itself (:mod:`runtime.people.changes`). This
command reads the pending changes from the platform database, applies each tenant's to its
``stacks/Pulumi.<tenant>.yaml``, validates the result with the stack's own rules (a change they
reject is refused, with why, and left out), writes a new stack file per sign-up request
(:func:`_new_stacks`), and commits every changed file in one commit on
``--branch`` (created from ``HEAD`` if missing), in a temporary worktree: the repository's own
checkout is never touched. ``--push REMOTE`` pushes the branch (a pull request's source).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
import yaml

from infra.reconcile.git import GitError, git
from infra.stack_files import read_stack_values, stack_file, write_stack_file
from infra.tenant_config import PERSON_NAME_MAX, ConfigError, validate_tenant
from runtime.people.changes import Change, ContactChanges, apply_changes
from runtime.people.signups import Signup, SignupRequests
from runtime.storage import store_for_url

__all__ = ["app", "commit_changes"]

app = typer.Typer(help="People's page changes that become stack commits.", no_args_is_help=True)

_AUTHOR = ("-c", "user.name=Ethiq people pages", "-c", "user.email=people@ethiq.invalid")


async def _run(database_url: str, repo: Path, branch: str, push: str | None) -> list[str]:
    store = store_for_url(database_url)
    changes = ContactChanges(store.platform_engine())
    signups = SignupRequests(store.platform_engine())
    try:
        pending, asked = await changes.pending(), await signups.pending()
        if not pending and not asked:
            return []
        exists = bool(git(repo, "branch", "--list", branch).strip())
        with tempfile.TemporaryDirectory(prefix="ethiq-people-") as tmp:
            work = Path(tmp) / "tree"
            args = [branch] if exists else ["-b", branch, "HEAD"]
            git(repo, "worktree", "add", "--quiet", str(work), *args)
            try:
                lines, done = _apply(work / "stacks", pending)
                for slug, why in lines.items():
                    ids = [i for i, *_ in pending[slug]]
                    if why:
                        await changes.refused(ids, why)
                created, notes, rejected = _new_stacks(work / "stacks", asked)
                for signup, stack in notes.items():  # that email already has its stack
                    await signups.committed(signup.id, stack, "")
                refused = [f"{slug}: refused: {why}" for slug, why in lines.items() if why]
                protected = [f"sign-up #{s.id}: already the stack {t}" for s, t in notes.items()]
                protected += [f"sign-up #{s.id}: refused: {why}" for s, why in rejected.items()]
                if not done and not created:
                    return refused + protected
                files = [*done, *created]
                git(work, "add", "--", *(str(stack_file(Path("stacks"), s)) for s in files))
                message = "people: changes from the people's pages\n\n" + "\n".join(
                    [f"- {slug}: {summary}" for slug, (_, summary) in sorted(done.items())]
                    + [
                        f"- {slug}: new tenant, sign-up #{s.id} ({s.region}, {s.language})"
                        for slug, s in sorted(created.items())
                    ]
                )
                git(work, *_AUTHOR, "commit", "--quiet", "-m", message)
                sha = git(work, "rev-parse", "HEAD").strip()
                for slug, (expect, _) in done.items():
                    await changes.committed([i for i, *_ in pending[slug]], sha, expect)
                for slug, signup in created.items():
                    await signups.committed(signup.id, slug, sha)
                if push:
                    git(work, "push", "--quiet", push, f"{branch}:{branch}")
            finally:
                git(repo, "worktree", "remove", "--force", str(work))
        out = [f"{slug}: committed {sha[:12]} on {branch}" for slug in sorted(done)]
        out += [
            f"{slug}: new stack from sign-up #{created[slug].id}, committed {sha[:12]} on {branch}"
            for slug in sorted(created)
        ]
        return out + refused + protected
    finally:
        await store.close()


def _new_stacks(
    stacks: Path, asked: list[Signup]
) -> tuple[dict[str, Signup], dict[Signup, str], dict[Signup, str]]:
    """Write a stack file per sign-up (slug → request), skipping an email some stack already
    protects (request → that stack). The tenant name comes from the person's name, made
    unique among the stack files; the stack's own rules validate the file before it is written
    (a request they reject stays pending, for an operator: request → why)."""
    taken = {path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in stacks.glob("*")}
    emails = {
        str(read_stack_values(path).get("email", "")).lower(): path.stem.removeprefix("Pulumi.")
        for path in stacks.glob("Pulumi.*.yaml")
    }
    created: dict[str, Signup] = {}
    notes: dict[Signup, str] = {}
    refusals: dict[Signup, str] = {}
    for signup in asked:
        if signup.email in emails:
            notes[signup] = emails[signup.email]
            continue
        base = signup.slug()[:28].strip("-")
        base = base if len(base) >= 3 and base[0].isalpha() else "person"  # noqa: PLR2004
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        values = {
            "email": signup.email,
            "region": signup.region,
            "language": signup.language,
            "personName": signup.name.split()[0][:PERSON_NAME_MAX],
            "contacts": [{"number": signup.contact_number, "name": signup.contact_name}],
        }
        try:
            tenant = validate_tenant(slug, values)
        except ConfigError as error:
            refusals[signup] = str(error)
            continue
        write_stack_file(stacks, tenant)
        taken.add(slug)
        emails[signup.email] = slug
        created[slug] = signup
    return created, notes, refusals


def _apply(
    stacks: Path, pending: dict[str, list[tuple[int, Change]]]
) -> tuple[dict[str, str], dict[str, tuple[list[str], str]]]:
    """Write each tenant's new stack file; (slug → refusal or "", slug → (numbers, summary))."""
    refusals: dict[str, str] = {}
    done: dict[str, tuple[list[str], str]] = {}
    for slug, items in sorted(pending.items()):
        path = stack_file(stacks, slug)
        if not path.exists():
            refusals[slug] = f"no stack file {path.name} on the branch"
            continue
        try:
            tenant = validate_tenant(slug, read_stack_values(path))
            ops = [change for _, change in items]
            after = apply_changes([c.as_config() for c in tenant.contacts], ops)
            changed = validate_tenant(slug, read_stack_values(path) | {"contacts": after})
        except ConfigError as error:
            refusals[slug] = str(error)
            continue
        refusals[slug] = ""
        if changed.contacts == tenant.contacts:
            done[slug] = ([c.number for c in tenant.contacts], "no change")
            continue
        _write_contacts(path, [c.as_config() for c in changed.contacts])
        summary = ", ".join(f"{op} {number}" for op, number, *_ in ops)
        done[slug] = ([c.number for c in changed.contacts], summary)
    return refusals, done


def _write_contacts(path: Path, contacts: list[dict[str, str]]) -> None:
    """Replace ``ethiq:contacts`` only (secrets, encryption salt and every other key stay as
    they are), all at once: never a half-written file."""
    document = yaml.safe_load(path.read_text()) or {}
    document.setdefault("config", {})["ethiq:contacts"] = contacts
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    os.replace(tmp, path)


@app.command("commit-changes")
def commit_changes(
    repo: Annotated[Path, typer.Option("--repo", help="The GitOps repository (its root).")],
    database_url: Annotated[
        str, typer.Option("--database-url", envvar="DATABASE_URL", help="The platform database.")
    ],
    branch: Annotated[str, typer.Option(help="The branch to commit on.")] = "people-changes",
    push: Annotated[
        str | None, typer.Option("--push", help="Push the branch to this remote.")
    ] = None,
) -> None:
    """Commit the contact changes and sign-ups people asked for to stack files, on a branch."""
    try:
        lines = asyncio.run(_run(database_url, repo, branch, push))
    except GitError as error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(1) from None
    for line in lines or ["no pending change"]:
        typer.echo(line)

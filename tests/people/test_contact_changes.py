"""Contacts changed on the person's page become a stack commit, not a database write: the page
records requests, ``ethiq people commit-changes`` (run as documented) commits them to the
tenant's stack file on a branch of a local GitOps repository and pushes it, and the page says
"pending" until the registry (what the reconcile applied) matches."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ethiq import cli
from infra.stack_files import write_stack_file
from infra.tenant_config import validate_tenant
from runtime.people.changes import Op, apply_changes
from runtime.settings import PeopleSettings, Settings
from runtime.tenants import TenantContact, TenantRecord
from tests.people.conftest import Inbox, parts
from tests.runtime.helpers import OPERATOR, Harness, harness, make_settings, make_tenant

AUTH = {"Authorization": f"Bearer {OPERATOR}"}
MARIE, PAUL, JULIE = "+15145550161", "+15145550162", "+15145550163"
ALICE = "alice@example.org"  # the email of the tenant's stack


def _git(repo: Path, *args: str) -> str:
    identity = ("-c", "user.name=Test", "-c", "user.email=test@example.org")
    done = subprocess.run(
        ["git", *identity, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def _repo(tmp: Path, tenant: TenantRecord) -> tuple[Path, Path]:
    """A GitOps repository with the tenant's stack file, and its bare remote."""
    remote, repo = tmp / "remote.git", tmp / "repo"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    subprocess.run(["git", "init", "--quiet", "-b", "main", str(repo)], check=True)
    (repo / "stacks").mkdir()
    values = {
        "email": ALICE,
        "region": "CA-QC",
        "language": "fr-CA",
        "contacts": [{"number": MARIE, "name": "Marie"}, {"number": PAUL, "name": "Paul"}],
    }
    path = write_stack_file(repo / "stacks", validate_tenant(tenant.slug, values))
    document = yaml.safe_load(path.read_text())
    document["encryptionsalt"] = "v1:keep-me"  # what `pulumi` writes: must survive the rewrite
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "tenant")
    _git(repo, "remote", "add", "origin", str(remote))
    return repo, remote


@pytest.fixture
def settings(tmp_path: Path, smtp: tuple[Inbox, int]) -> Settings:
    _, port = smtp
    base = make_settings(f"sqlite:///{tmp_path}/ethiq.sqlite")
    twilio = base.twilio.model_copy(update={"public_url": "http://internal.test:8000"})
    return base.model_copy(update={"twilio": twilio, "people": PeopleSettings(smtp_port=port)})


async def _sign_in(h: Harness, inbox: Inbox, tenant: TenantRecord, count: int = 1) -> str:
    email = f"{tenant.slug}@example.org"
    body = {"slug": tenant.slug, "email": email}
    assert (await h.client.post("/operator/people/", json=body, headers=AUTH)).status_code == 201
    await h.client.get("/")
    csrf = str(h.client.cookies["csrftoken"])
    await h.client.post("/login", data={"email": email, "_csrf_token": csrf})
    text, _ = parts(inbox.wait(email, "lien de connexion", count))
    path = re.search(r"https?://[^/]+(/login/\S+)", text).group(1)  # type: ignore[union-attr]
    assert (await h.client.post(path, data={"_csrf_token": csrf})).status_code in {200, 303}
    return csrf


def _changes(page: str) -> list[str]:
    section = page.split('id="changes"', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, flags=re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_page_changes_become_a_pushed_stack_commit_then_applied(
    settings: Settings, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, _ = smtp
    tenant = make_tenant(
        language="fr-CA",
        contacts=(TenantContact(MARIE, "Marie", 1), TenantContact(PAUL, "Paul", 2)),
    )
    repo, remote = _repo(tmp_path, tenant)
    head = _git(repo, "rev-parse", "HEAD")

    async def ask() -> None:
        async with harness(settings) as h:
            await h.add_tenant(tenant)
            csrf = await _sign_in(h, inbox, tenant)
            url = f"/people/{tenant.slug}/contacts"
            forged = await h.client.post(url, data={"name": "Julie", "number": JULIE})
            assert forged.status_code == 403  # no CSRF token
            asked = await h.client.post(
                url,
                data={
                    "name": "Julie",
                    "number": "514 555 0163",
                    "language": "en-US",  # not the person's: her invitation is in English
                    "_csrf_token": csrf,
                },
                follow_redirects=False,
            )
            assert asked.status_code == 303, asked.text
            for op, number in (("remove", MARIE), ("down", PAUL)):
                done = await h.client.post(
                    f"{url}/{op}",
                    data={"number": number, "_csrf_token": csrf},
                    follow_redirects=False,
                )
                assert done.status_code == 303, done.text
            stranger = await h.client.post(
                f"{url}/remove", data={"number": "+15145559999", "_csrf_token": csrf}
            )
            assert stranger.status_code == 400  # not one of the tenant's (applied) contacts
            unknown = await h.client.post(
                url,
                data={
                    "name": "Zoe",
                    "number": "+15145550164",
                    "language": "xx",
                    "_csrf_token": csrf,
                },
            )
            assert unknown.status_code == 400  # not a language the service speaks
            page = (await h.client.get(f"/people/{tenant.slug}")).text
            assert _changes(page) == [
                f"En attente — Descendre {PAUL}",
                f"En attente — Retirer {MARIE}",
                f"En attente — Ajouter Julie ({JULIE})",
            ]
            stored = await h.runtime.registry.get(tenant.slug)
            assert stored is not None
            assert [c.number for c in stored.contacts] == [MARIE, PAUL]  # nothing applied
            # Two sign-ups: a new person, and one whose email a stack already protects.
            for name, email in (("Hélène Tremblay", "helene@example.org"), ("A", ALICE)):
                form = {
                    "name": name,
                    "email": email,
                    "phone": "514 555 0144",
                    "language": "fr-CA",
                    "region": "CA-QC",
                    "contact_name": "Marie",
                    "contact_number": MARIE,
                    "_csrf_token": csrf,
                }
                assert (await h.client.post("/signup", data=form)).status_code == 200

    asyncio.run(ask())
    database_url = settings.database.url
    command = [
        sys.executable, "-c", "from ethiq.cli import app; app()", "people", "commit-changes",
        "--repo", str(repo), "--push", "origin",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{tenant.slug}: committed" in done.stdout
    # The repository's own checkout is untouched; the branch is on the remote.
    assert _git(repo, "rev-parse", "HEAD") == head
    assert _git(repo, "status", "--porcelain") == ""
    pushed = yaml.safe_load(
        _git(remote, "show", f"people-changes:stacks/Pulumi.{tenant.slug}.yaml")
    )
    assert pushed["config"]["ethiq:contacts"] == [
        {"number": JULIE, "name": "Julie", "language": "en-US"},
        {"number": PAUL, "name": "Paul"},
    ]
    assert pushed["encryptionsalt"] == "v1:keep-me"
    assert pushed["config"]["ethiq:email"] == ALICE
    # The sign-up became a new stack in the same commit, to review; the other one was not.
    assert re.search(r"helene-tremblay: new stack from sign-up #\d+, committed", done.stdout)
    assert f"already the stack {tenant.slug}" in done.stdout
    new = yaml.safe_load(_git(remote, "show", "people-changes:stacks/Pulumi.helene-tremblay.yaml"))
    assert new["config"]["ethiq:email"] == "helene@example.org"
    assert new["config"]["ethiq:region"] == "CA-QC"
    assert new["config"]["ethiq:language"] == "fr-CA"
    assert new["config"]["ethiq:personName"] == "Hélène"
    assert new["config"]["ethiq:contacts"] == [{"number": MARIE, "name": "Marie"}]
    files = _git(remote, "show", "--name-only", "--format=", "people-changes").split()
    assert sorted(files) == sorted(
        [f"stacks/Pulumi.{tenant.slug}.yaml", "stacks/Pulumi.helene-tremblay.yaml"]
    )
    # The same command in the process (an interpreter start costs seconds on CI).
    args = command[command.index("people") :]
    runner = CliRunner()
    again = runner.invoke(cli.app, args, env={"DATABASE_URL": database_url})
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "no pending change"

    async def applied() -> None:
        async with harness(settings) as h:
            csrf = await _sign_in(h, inbox, tenant, count=2)
            page = (await h.client.get(f"/people/{tenant.slug}")).text
            assert _changes(page)[0] == f"En attente — Descendre {PAUL}"  # committed, not applied
            # The reconcile applies the merged stack: the registry now holds its contacts.
            contacts = (TenantContact(JULIE, "Julie", 1), TenantContact(PAUL, "Paul", 2))
            await h.runtime.registry.upsert(replace(tenant, contacts=contacts))
            page = (await h.client.get(f"/people/{tenant.slug}")).text
            assert all(line.startswith("Appliqué") for line in _changes(page))
            # A sixth contact breaks the stack's rules: refused, with the rule's words.
            for n in range(4, 8):
                await h.client.post(
                    f"/people/{tenant.slug}/contacts",
                    data={"name": f"P{n}", "number": f"+1514555016{n}", "_csrf_token": csrf},
                )

    asyncio.run(applied())
    refused = runner.invoke(cli.app, args, env={"DATABASE_URL": database_url})
    assert "refused: contacts: at most 5 emergency contacts" in refused.output, refused.output


def test_changes_apply_in_order_and_are_idempotent_where_they_can_be() -> None:
    marie = {"number": MARIE, "name": "Marie", "language": "en-US"}  # other keys are kept
    paul, julie = {"number": PAUL, "name": "Paul"}, {"number": JULIE, "name": "Julie"}
    start = [marie, paul]
    added = apply_changes(start, [(Op.ADD, JULIE, "Julie", ""), (Op.UP, JULIE, "", "")])
    assert added == [marie, julie, paul]
    renamed = apply_changes(start, [(Op.ADD, MARIE, "Maman", "")])
    assert renamed == [{**marie, "name": "Maman"}, paul]
    assert apply_changes(start, [(Op.ADD, PAUL, "", "en-US")]) == [
        marie,
        {**paul, "language": "en-US"},
    ]
    assert apply_changes(start, [(Op.REMOVE, JULIE, "", ""), (Op.UP, MARIE, "", "")]) == start
    assert apply_changes(start, [(Op.DOWN, PAUL, "", "")]) == start
    assert apply_changes(start, [(Op.DOWN, MARIE, "", "")]) == [paul, marie]

"""The report: JSON for machines, markdown for a PR comment; errors scrubbed of secrets."""

from __future__ import annotations

import json
import os
import random

import msgspec
import pytest
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult

from infra.reconcile.redact import redact, scrub_paths, secret_values
from infra.reconcile.report import (
    PolicyFinding,
    Report,
    StackResult,
    Step,
    change_counts,
    to_json,
    to_markdown,
)
from infra.reconcile.worker import Job, Outcome, _with_lock_retries, error_summary, stale_locks


def _report(mode: str = "apply") -> Report:
    return Report(
        mode=mode,  # type: ignore[arg-type]
        base="a" * 40,
        head="b" * 40,
        stacks_total=3,
        engine_operations=3,
        ok=False,
        results=[
            StackResult(
                stack="alpha",
                change="added",
                status="created",
                operation="up",
                changes={"create": 11},
                duration_s=8.2,
                attempts=1,
            ),
            StackResult(
                stack="bravo",
                change="removed",
                status="refused",
                operation="preview-destroy",
                changes={"delete": 11},
                attempts=1,
                error="stacks/Pulumi.bravo.yaml was removed | without permission",
            ),
            StackResult(
                stack="charlie",
                change="changed",
                status="unchanged",
                operation="up",
                changes={"same": 11},
                attempts=1,
            ),
        ],
    )


def test_json_schema_round_trips() -> None:
    data = json.loads(to_json(_report()))
    assert set(data) == {
        "mode",
        "base",
        "head",
        "program_changes",
        "stacks_total",
        "engine_operations",
        "detect_s",
        "duration_s",
        "ok",
        "results",
    }
    assert data["results"][0] == {
        "stack": "alpha",
        "change": "added",
        "status": "created",
        "operation": "up",
        "reason": "",
        "changes": {"create": 11},
        "drifted": [],
        "duration_s": 8.2,
        "attempts": 1,
        "recovered": [],
        "unprotected": [],
        "steps": [],
        "policies": [],
        "error": None,
        "log": None,
    }
    assert msgspec.json.decode(to_json(_report()), type=Report) == _report()


def test_markdown_for_a_pr_comment() -> None:
    text = to_markdown(_report())
    assert text.startswith("### ❌ Ethiq apply `aaaaaaaaaa..bbbbbbbbbb`")
    assert "3 of 3 stack(s): 1 created, 1 refused, 1 unchanged" in text
    assert "| `alpha` | added | created | +11 | 8.2s | |" in text.replace("|  |", "| |")
    assert "| `bravo` | removed | **refused** | -11 |" in text
    assert "removed \\| without permission" in text  # a | never breaks the table
    assert "<details><summary><code>bravo</code>: refused</summary>" in text
    assert "| `charlie` | changed | unchanged | =11 |" in text


def test_a_refused_removal_shows_what_a_destroy_would_delete() -> None:
    urn = "urn:pulumi:bravo::ethiq::ethiq:index:Tenant$pulumi-python:dynamic:Resource::"
    report = _report("preview")
    report.results[1].steps = [
        Step(op="delete", urn=urn + "bravo-registration", type="pulumi-python:dynamic:Resource"),
        Step(
            op="delete",
            urn=urn + "bravo-number",
            type="pulumi-python:dynamic:Resource",
            protected=True,
        ),
    ]
    text = to_markdown(report)
    assert "> [!CAUTION]" in text
    assert "> - `bravo`: refused, a destroy would **DELETE** `bravo-registration`" in text
    number = next(line for line in text.splitlines() if "`bravo-number`" in line)
    assert "refused, a destroy would **DELETE**" in number
    assert "🔒 **PROTECTED: a person's phone number or subaccount**" in number
    assert "| `bravo-number` | pulumi-python:dynamic:Resource | **DELETE** 🔒 protected |" in text


def test_markdown_names_the_protection_lifted_before_a_destroy() -> None:
    report = _report()
    report.results[1].status = "destroyed"
    report.results[1].unprotected = ["urn:pulumi:bravo::ethiq::x::bravo-number"]
    assert "- `bravo`: `bravo-number`" in to_markdown(report)


def test_markdown_in_preview_says_would() -> None:
    text = to_markdown(_report("preview"))
    assert "| `alpha` | added | would create | +11 |" in text


def test_change_counts_fold_replacements() -> None:
    folded = change_counts({"create-replacement": 1, "delete-replaced": 1, "replace": 1, "same": 2})
    assert folded == {"replace": 3, "same": 2}


def test_secrets_are_scrubbed() -> None:
    env = {
        "DATABASE_URL": "postgresql://u:hunter22@db/x",
        "ETHIQ_REGISTRY_KEY": "k" * 44,
        "HOME": "/r",
    }
    values = secret_values(env)
    assert "/r" not in values
    text = redact(f"got 'postgresql://u:hunter22@db/x' and {'k' * 44} and redis://a:b2c3@h", values)
    assert "hunter22" not in text
    assert "k" * 44 not in text
    assert "b2c3" not in text
    assert "redis://a:***@h" in text


def test_error_summary_keeps_diagnostics_and_policies() -> None:
    output = "\n".join(
        [
            "@ updating.....",
            "+  pulumi:pulumi:Stack ethiq-acme creating",
            "Policies:",
            "- [mandatory]  webhook-urls-https  (thing)",
            "Diagnostics:",
            "  pulumi:pulumi:Stack (ethiq-acme):",
            "    error: stacks/Pulumi.acme.yaml: ethiq:language: 'xx' is not supported",
            "Resources:",
            "    1 unchanged",
            "stderr: error: update failed",
        ]
    )
    summary = error_summary(output)
    assert "@ updating" not in summary
    assert "webhook-urls-https" in summary
    assert "ethiq:language: 'xx' is not supported" in summary
    assert "1 unchanged" not in summary
    assert "update failed" not in summary  # the sections say more than the CLI's last word
    assert error_summary("@ updating\nstderr: error: update failed") == "error: update failed"
    assert error_summary("one\ntwo") == "one\ntwo"


def test_error_summary_drops_traceback_frames() -> None:
    output = "\n".join(
        [
            "Diagnostics:",
            "  pulumi-python:dynamic/ethiq:TwilioPhoneNumber (delta-number):",
            "    error: Traceback (most recent call last):",
            '      File "/x/infra/providers/twilio_number.py", line 100, in candidates',
            "        raise ProvisioningError(",
            "        ^^^^^^^^^^^^^^^^^^^^^^^",
            "    infra.providers.retry.ProvisioningError: no Twilio number with voice and SMS",
        ]
    )
    assert error_summary(output).splitlines() == [
        "pulumi-python:dynamic/ethiq:TwilioPhoneNumber (delta-number):",
        "infra.providers.retry.ProvisioningError: no Twilio number with voice and SMS",
    ]
    # Outside the engine's sections too (a crash of the program itself).
    crash = "\n".join(
        [
            "Traceback (most recent call last):",
            '  File "/srv/venv/lib/pulumi/runtime/config.py", line 40, in set_all_config',
            "    for key, value in config.items():",
            "AttributeError: 'NoneType' object has no attribute 'items'",
        ]
    )
    assert error_summary(crash) == "AttributeError: 'NoneType' object has no attribute 'items'"


def test_machine_paths_never_reach_a_report() -> None:
    text = (
        "error at /tmp/ethiq-reconcile-x/stacks/alpha/engine.log; lock "
        "file:///srv/state/.pulumi/locks/organization/ethiq/alpha/1f.json; webhook "
        "https://runtime.ethiq.example/twilio/voice; stacks/Pulumi.alpha.yaml"
    )
    assert scrub_paths(text) == (
        "error at …/engine.log; lock …/1f.json; webhook "
        "https://runtime.ethiq.example/twilio/voice; stacks/Pulumi.alpha.yaml"
    )


def test_replacements_and_deletions_are_called_out_per_resource() -> None:
    number = (
        "urn:pulumi:alpha::ethiq::ethiq:index:Tenant$pulumi-python:dynamic/ethiq:N::alpha-number"
    )
    report = _report("preview")
    report.results[0].steps = [
        Step(op="create-replacement", urn=number, type="ethiq:N", diffs=["near"]),
        Step(op="replace", urn=number, type="ethiq:N"),
        Step(op="delete-replaced", urn=number, type="ethiq:N"),
        Step(op="update", urn="urn:x::alpha-sip", type="ethiq:Sip", diffs=["voice_url"]),
    ]
    report.results[0].policies = [
        PolicyFinding(policy="contacts-consent", level="advisory", message="Paul: no consent")
    ]
    text = to_markdown(report)
    assert "> [!CAUTION]" in text
    assert "> **1 resource(s) would be REPLACED or DELETED.**" in text
    assert "> - `alpha`: **REPLACE** `alpha-number` (ethiq:N) (because of `near`)" in text
    assert "<code>alpha</code>: 2 resource change(s)" in text
    assert "| `alpha-sip` | ethiq:Sip | update | `voice_url` |" in text
    assert "- `alpha` · advisory · `contacts-consent`: Paul: no consent" in text


def test_only_dead_local_holders_make_a_lock_stale() -> None:
    host = "runner-1"
    dead = 2**22 + 12345  # above pid_max's default: no such process
    lock = "the stack is currently locked by 1 lock(s).\n  x.json: created by ci@{} (pid {}) at T"
    assert stale_locks(lock.format(host, dead), host) == [f"ci@{host} (pid {dead})"]
    assert stale_locks(lock.format(host, os.getpid()), host) == []  # alive
    assert stale_locks(lock.format("elsewhere", dead), host) == []  # another machine's
    assert stale_locks("Conflict: another update is in progress", host) == []


def test_a_locked_stack_is_retried_with_backoff_then_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(random, "uniform", lambda _low, high: high)  # the jitter's ceiling
    job = Job(stack="acme", operation="up", work_dir=".", log="x", lock_retries=2, lock_backoff_s=1)
    locked = CommandResult(
        stdout="", stderr="error: the stack is currently locked by 1 lock(s)", code=255
    )
    waits: list[float] = []

    def always_locked() -> Outcome:
        raise auto.ConcurrentUpdateError(locked)

    outcome = _with_lock_retries(job, always_locked, sleep=waits.append)
    assert waits == [1, 2]
    assert outcome.locked
    assert outcome.attempts == 3
    assert outcome.error is not None
    assert "locked by another update; gave up after 3 attempt(s)" in outcome.error

    calls = iter([True, False])

    def locked_once() -> Outcome:
        if next(calls):
            raise auto.ConcurrentUpdateError(locked)
        return Outcome(changes={"same": 11})

    outcome = _with_lock_retries(job, locked_once, sleep=waits.append)
    assert (outcome.attempts, outcome.locked, outcome.error) == (2, False, None)

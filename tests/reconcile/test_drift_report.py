"""What `ethiq drift` says about a drifted resource: its type and name, each field with the
state's value and the live one, never a secret value (as plain functions on engine events)."""

from __future__ import annotations

from pulumi import automation as auto

from infra.providers import DRIFTED_SECRETS
from infra.reconcile.report import Report, StackResult, to_markdown
from infra.reconcile.worker import drift_of

URN = "urn:pulumi:acme::ethiq::ethiq:index:Tenant$pulumi-python:dynamic/ethiq:{}::{}"
BLINDED = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
           "ciphertext": "[secret]"}  # fmt: skip  # how the engine sends a secret in an event


def _meta(
    op: str, kind: str, name: str, old: dict[str, object], new: dict[str, object] | None
) -> auto.StepEventMetadata:
    def state(outputs: dict[str, object]) -> auto.StepEventStateMetadata:
        return auto.StepEventStateMetadata(
            type=kind, urn=URN.format(kind, name), id="x", parent="", provider="", outputs=outputs
        )

    return auto.StepEventMetadata(
        op=auto.OpType(op),
        urn=URN.format(kind, name),
        type=f"pulumi-python:dynamic/ethiq:{kind}",
        provider="",
        old=state(old),
        new=None if new is None else state(new),
    )


def test_a_changed_field_is_named_with_its_state_and_live_values() -> None:
    drift = drift_of(
        _meta(
            "update",
            "TwilioPhoneNumber",
            "acme-number",
            {"voice_url": "https://runtime.example/twilio/voice", "credentials": BLINDED},
            {"voice_url": "https://attacker.example/v", "credentials": BLINDED},
        )
    )
    assert drift.describe() == (
        'ethiq:TwilioPhoneNumber acme-number: voice_url "https://runtime.example/twilio/voice"'
        ' → "https://attacker.example/v"'
    )


def test_secret_values_are_never_shown() -> None:
    drift = drift_of(
        _meta(
            "update",
            "TenantRegistration",
            "acme-registration",
            {"auth_token": BLINDED, "language": "fr-CA", "registry_key": "plain-by-mistake-1"},
            {"auth_token": BLINDED, "language": "en-US", "registry_key": "plain-by-mistake-2",
             "contacts": [{"number": "+15145550111"}], DRIFTED_SECRETS: ["auth_token"]},
        )
    )  # fmt: skip
    text = drift.describe()
    assert 'language "fr-CA" → "en-US"' in text
    assert 'contacts (none) → [{"number": "+15145550111"}]' in text
    assert "auth_token (secret) → (secret)" in text
    assert "registry_key (secret) → (secret)" in text  # by its name, even if sent in clear
    assert "plain-by-mistake" not in text
    assert DRIFTED_SECRETS not in text


def test_a_deleted_resource_and_the_markdown() -> None:
    drift = drift_of(_meta("delete", "TenantSchema", "acme-schema", {"slug": "acme"}, None))
    assert drift.change == "deleted"
    report = Report(
        mode="drift",
        stacks_total=1,
        ok=False,
        results=[
            StackResult(
                stack="acme",
                change="checked",
                status="drifted",
                operation="preview-refresh",
                drifted=[drift],
            )
        ],
    )
    markdown = to_markdown(report)
    assert "Drifted in `acme`:" in markdown
    assert "- ethiq:TenantSchema acme-schema: deleted (no longer in Twilio or the database)" in (
        markdown
    )

"""sip-domain-secure and secret-outputs as plain functions, and against the real resources."""

from __future__ import annotations

import pytest

from policies.rules import SECRET_OUTPUTS, SIP_DOMAIN, insecure_sip_domain, missing_secret_outputs

DYNAMIC = "pulumi-python:dynamic/ethiq:"


def test_a_secure_registering_sip_domain_passes() -> None:
    assert insecure_sip_domain({"secure": True, "sip_registration": True, "voice_url": "x"}) == []


@pytest.mark.parametrize(
    ("props", "messages"),
    [
        (
            {"secure": False, "sip_registration": True},
            ["SIP domain secure must be true (got False)"],
        ),
        ({"secure": True}, ["SIP domain sip_registration must be true (got None)"]),
        (
            {"secure": "true", "sip_registration": False},  # only a real boolean counts
            [
                "SIP domain secure must be true (got 'true')",
                "SIP domain sip_registration must be true (got False)",
            ],
        ),
    ],
)
def test_insecure_sip_domains_are_reported(props: dict[str, object], messages: list[str]) -> None:
    assert insecure_sip_domain(props) == messages


@pytest.mark.parametrize(
    ("kind", "declared", "missing"),
    [
        ("TwilioSipCredential", ["credentials"], ["password"]),
        ("TwilioSubaccount", ["credentials"], ["auth_token"]),
        ("TenantRegistration", ["database_url", "registry_key"], ["auth_token"]),
        ("TenantSchema", [], ["database_url"]),
        ("TwilioPhoneNumber", ["credentials"], ["database_url"]),
    ],
)
def test_outputs_that_must_be_secret_are_reported(
    kind: str, declared: list[str], missing: list[str]
) -> None:
    messages = missing_secret_outputs(DYNAMIC + kind, declared)
    assert messages == [
        f"{name} must be listed in additional_secret_outputs (it would be stored in plaintext)"
        for name in missing
    ]


def test_declared_secret_outputs_and_other_types_pass() -> None:
    for kind, names in SECRET_OUTPUTS.items():
        assert missing_secret_outputs(kind, [*names, "extra"]) == []
    assert missing_secret_outputs("aws:s3/bucket:Bucket", []) == []
    assert SIP_DOMAIN == DYNAMIC + "TwilioSipDomain"

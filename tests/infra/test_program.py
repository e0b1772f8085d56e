"""The tenant program under Pulumi mocks: config validation and the component's wiring."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from infra import program
from infra.tenant import Tenant, sip_domain_name
from infra.tenant_config import ConfigError, validate_tenant
from policies.rules import (
    calls_without_emergency_address,
    hosted_fallback_origins,
    webhooks_off_runtime,
)
from runtime.billing import Accounts
from runtime.billing.tables import BillingAccount, StripeEvent
from runtime.privacy.tables import ErasureRequest
from runtime.storage import store_for_url
from runtime.storage.bind import bind_table
from tests.pulumi_loops import own_loop
from tests.sandbox.test_registration_provider import BUSINESS

SUB_SID = "AC" + "1" * 32
RUNTIME = "https://runtime.ethiq.example"
HOSTED = "https://ethiq-fallback-1234.twil.io"
ADDRESS_SID = "AD" + "7" * 32
GOOD = {
    "ethiq:email": "famille@example.org",
    "ethiq:region": "CA-QC",
    "ethiq:near": "45.5017,-73.5673",
    "ethiq:language": "fr-CA",
    "ethiq:contacts": '[{"number": "+15145550111", "name": "Marie"}]',
    "ethiq:runtimeUrl": RUNTIME,
}


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}  # last inputs of each resource kind
        self.declared: list[tuple[str, dict[str, Any]]] = []  # (type, inputs) of each
        # What the sender pool reads of a toll-free number's Toll-Free Verification on Twilio.
        self.tollfree_status = "IN_REVIEW"

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        outs = dict(args.inputs)
        outs.pop("__provider", None)
        kind = args.typ.rsplit(":", 1)[-1]
        self.inputs[kind] = dict(args.inputs)
        self.declared.append((args.typ, dict(args.inputs)))
        fake = {
            "TwilioSubaccount": {"sid": SUB_SID, "auth_token": "sub-token"},
            "TwilioPhoneNumber": {"sid": "PN" + "2" * 32, "phone_number": "+15145550100"},
            "TwilioSipDomain": {"sid": "SD" + "3" * 32},
            "TwilioSipCredentialList": {"sid": "CL" + "4" * 32},
            "TwilioSipCredential": {"sid": "CR" + "5" * 32},
            "TenantSchema": {"schema": "tenant_acme"},
            "StackIdentity": {"stack_id": "0123abcd"},
            "TwilioHostedFallback": {
                "sid": "ZS" + "6" * 32,
                "environment_sid": "ZE" + "6" * 32,
                "origin": HOSTED,
            },
            "TwilioEmergencyAddress": {"sid": ADDRESS_SID},
        }.get(kind, {})
        if kind == "TwilioMessagingSender" and args.inputs.get("toll_free"):
            fake = {"toll_free_status": self.tollfree_status}
        outs |= fake
        return f"{args.name}-id", outs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """Keeps what was registered, with each resource's parent."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[tuple[str, str, str]] = []
        self.output_names: set[str] = set()  # of every component and of the stack (exports)

    def RegisterResource(self, request: Any) -> Any:
        own_loop()
        self.registered.append((request.type, request.name, request.parent))
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.output_names |= set(request.outputs.fields)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


@pytest.fixture
def monitor(
    monkeypatch: pytest.MonkeyPatch, pulumi_loop: asyncio.AbstractEventLoop
) -> Iterator[RecordingMonitor]:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "parent-token")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///unused.sqlite")
    monkeypatch.setenv("ETHIQ_REGISTRY_KEY", "unused-key")
    mocks = Mocks()
    recording = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="ethiq", stack="acme", preview=False, monitor=recording)
    yield recording
    pulumi.runtime.set_all_config({})


def _run(config: dict[str, str]) -> Tenant:
    pulumi.runtime.set_all_config(config)
    return program.main()


def test_tenant_children_are_wired_to_the_runtime(monitor: RecordingMonitor) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        tenant = _run(GOOD)

        def check(values: list[Any]) -> None:
            phone, sip_address, username, subaccount, schema = values
            assert phone == "+15145550100"
            assert subaccount == SUB_SID
            assert username == "user_acme"
            assert sip_address == f"sip:user_acme@{sip_domain_name('acme', SUB_SID)}"
            assert schema == "tenant_acme"

        outputs = (tenant.phone_number, tenant.sip_address, tenant.sip_username)
        return pulumi.Output.all(*outputs, tenant.subaccount_sid, tenant.schema).apply(check)

    run()  # returns once every registration has gone through the mock monitor

    kinds = [t.rsplit(":", 1)[-1] for t, _n, _p in monitor.registered if "dynamic/ethiq" in t]
    assert sorted(kinds) == sorted(
        [
            "StackIdentity",
            "TwilioSubaccount",
            "TwilioPhoneNumber",
            "TwilioMessagingService",
            "TwilioMessagingSender",
            "TwilioSipDomain",
            "TwilioSipCredentialList",
            "TwilioSipCredential",
            "TwilioSipMapping",  # registrations only: no emergency address, no calls out
            "TwilioHostedFallback",
            "TwilioFallbackDeployment",
            "TwilioUsageTrigger",  # the plan's spend limit: 80 %
            "TwilioUsageTrigger",  # and 100 %
            "TenantSchema",
            "TenantRegistration",
        ]
    )
    parents = {p for t, _n, p in monitor.registered if "dynamic/ethiq" in t}
    assert len(parents) == 1
    assert parents.pop().endswith("ethiq:index:Tenant::acme")  # every child under the component


def test_the_stack_holds_no_sip_password(
    monitor: RecordingMonitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runtime sets and shows the person's SIP password (a rotation); an output of the
    stack would be a stale copy after the first one, so there is none, nor an input."""
    exported: list[str] = []
    monkeypatch.setattr(pulumi, "export", lambda name, _value: exported.append(name))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run(GOOD).sip_username

    run()
    assert {"phoneNumber", "sipAddress", "sipUsername"} <= set(exported)
    assert "sipPassword" not in exported
    assert not {"sipPassword", "password"} & monitor.output_names  # the component's own
    mocks = monitor.mocks
    assert isinstance(mocks, Mocks)
    assert "password" not in mocks.inputs["TwilioSipCredential"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ethiq:region": "CA-ZZ"}, "Pulumi.acme.yaml: ethiq:region: 'CA-ZZ' is not a region"),
        ({"ethiq:email": "nope"}, "stacks/Pulumi.acme.yaml: ethiq:email:"),
        (
            {"ethiq:contacts": '[{"number": "5145550111"}]'},
            "ethiq:contacts[0].number: '5145550111' must be in E.164",
        ),
        ({"ethiq:contacts": "[]"}, "ethiq:contacts: at least one emergency contact"),
        ({"ethiq:retainData": "maybe"}, "ethiq:retainData:"),
        ({"ethiq:runtimeUrl": ""}, "ethiq:runtimeUrl: is required"),
        (
            {"ethiq:langauge": "en-US"},
            "ethiq:langauge: is not a setting Ethiq knows; did you mean ethiq:language?",
        ),
        ({"ethiq:allowDestroy": "yes"}, "ethiq:allowDestroy: must be true or false"),
        (
            {"ethiq:sensitivity": "paranoid"},
            "ethiq:sensitivity: must be low, normal, high or 0..1, not 'paranoid'",
        ),
        ({"ethiq:sensitivity": "1.5"}, "ethiq:sensitivity: must be between 0 and 1, not 1.5"),
    ],
)
def test_bad_config_names_the_file_and_the_key(
    monitor: RecordingMonitor, monkeypatch: pytest.MonkeyPatch, change: dict[str, str], message: str
) -> None:
    monkeypatch.delenv("ETHIQ_PUBLIC_URL", raising=False)
    with pytest.raises(pulumi.RunError) as raised:
        _run({**GOOD, **change})
    assert message in str(raised.value)
    assert monitor.registered == []  # nothing declared


def test_a_bad_platform_id_is_a_clear_error(
    monitor: RecordingMonitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ETHIQ_PLATFORM_ID", "Prod Platform")
    with pytest.raises(pulumi.RunError) as raised:
        _run(GOOD)
    assert "ETHIQ_PLATFORM_ID='Prod Platform': 1-10 characters" in str(raised.value)
    assert monitor.registered == []


@pytest.mark.parametrize(
    ("value", "stored"), [("high", "high"), (" Low ", "low"), ("0.70", "0.7"), (0.3, "0.3")]
)
def test_sensitivity_is_one_spelling_per_value(value: object, stored: str) -> None:
    values = {"email": "a@example.org", "region": "CA-QC", "contacts": ["+15145550111"]}
    assert validate_tenant("acme", {**values, "sensitivity": value}).sensitivity == stored
    assert validate_tenant("acme", values).sensitivity is None  # the platform default


def test_the_a2p_campaign_reaches_the_messaging_service(monitor: RecordingMonitor) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run({**GOOD, "ethiq:a2pCampaign": "pending"}).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    assert monitor.mocks.inputs["TwilioMessagingService"]["a2p_campaign"] == "pending"


def test_the_stack_sensitivity_reaches_the_registration(monitor: RecordingMonitor) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run({**GOOD, "ethiq:sensitivity": "high"}).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    assert monitor.mocks.inputs["TenantRegistration"]["sensitivity"] == "high"


def test_a_language_change_redeploys_only_the_fallback_documents(
    monitor: RecordingMonitor,
) -> None:
    """What the number (and the messaging sender after it) depends on does not change with
    the language: a preview would otherwise show them as changing, since the Python dynamic
    provider reports every output of an updated resource as unknown."""
    assert isinstance(monitor.mocks, Mocks)
    declared: list[dict[str, dict[str, Any]]] = []
    for language in ("fr-CA", "en-US"):

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def run(language: str = language) -> pulumi.Output[Any]:
            return _run({**GOOD, "ethiq:language": language}).subaccount_sid

        run()
        declared.append(dict(monitor.mocks.inputs))
    french, english = declared
    changed = {kind for kind in french if french[kind] != english[kind]}
    assert changed == {"TwilioFallbackDeployment", "TenantRegistration"}
    assert french["TwilioPhoneNumber"]["voice_fallback_url"] == HOSTED + "/fallback.xml"


def test_person_name_and_call_countries_as_the_cli_and_the_file_write_them() -> None:
    values = {"email": "a@example.org", "region": "CA-QC", "contacts": ["+15145550111"]}
    tenant = validate_tenant(
        "acme", {**values, "personName": "  Jeanne   Tremblay ", "callCountries": "fr, gb,FR"}
    )
    assert (tenant.person_name, tenant.call_countries) == ("Jeanne Tremblay", ("FR", "GB"))
    listed = validate_tenant("acme", {**values, "callCountries": '["GB", "US"]'})
    assert listed.call_countries == ("GB",)  # Canada and the US are always allowed
    assert validate_tenant("acme", {**values, "callCountries": ["be"]}).call_countries == ("BE",)
    plain = validate_tenant("acme", values)
    assert (plain.person_name, plain.call_countries) == ("", ())
    assert "ethiq:personName" not in plain.as_stack_config()
    assert tenant.as_stack_config()["ethiq:callCountries"] == ["FR", "GB"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ethiq:personName": "J" * 41}, "ethiq:personName: is 41 characters long; at most 40 fit"),
        ({"ethiq:personName": "Jo\x07"}, "ethiq:personName: 'Jo\\x07' holds characters"),
        (
            {"ethiq:callCountries": "FR,XX"},
            "ethiq:callCountries: 'XX' is not an ISO 3166-1 alpha-2 country code (e.g. FR)",
        ),
        ({"ethiq:callCountries": "[FR"}, "ethiq:callCountries: '[FR' is not a list"),
    ],
)
def test_bad_person_name_or_countries_name_the_key(
    monitor: RecordingMonitor, extra: dict[str, str], message: str
) -> None:
    with pytest.raises(pulumi.RunError) as raised:
        _run({**GOOD, **extra})
    assert f"stacks/Pulumi.acme.yaml: {message}" in str(raised.value)
    assert monitor.registered == []


def test_person_name_and_countries_reach_the_registration(monitor: RecordingMonitor) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        config = {**GOOD, "ethiq:personName": "Jeanne", "ethiq:callCountries": '["FR"]'}
        return _run(config).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    registration = monitor.mocks.inputs["TenantRegistration"]
    assert (registration["person_name"], registration["call_countries"]) == ("Jeanne", ["FR"])
    assert registration["us_texting"] == ""  # a Canadian tenant: no US sender to register


def test_monitored_numbers_reach_the_registration_as_the_stack_declares_them(
    monitor: RecordingMonitor,
) -> None:
    """A family stack's other phones (a spouse's with their carrier, a son's as a plain
    number) reach the registry's row, as the stack declares them."""

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        monitored = (
            '[{"number": "+15145550122", "name": "Paul", "carrier": "bell"}, "+15145550133"]'
        )
        config = {**GOOD, "ethiq:plan": "family", "ethiq:monitoredNumbers": monitored}
        return _run(config).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    registration = monitor.mocks.inputs["TenantRegistration"]
    assert registration["monitored_numbers"] == [
        {"number": "+15145550122", "name": "Paul", "carrier": "bell"},
        {"number": "+15145550133"},
    ]


def test_a_stack_without_monitored_numbers_registers_none(monitor: RecordingMonitor) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run(GOOD).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    assert monitor.mocks.inputs["TenantRegistration"].get("monitored_numbers") is None


def test_more_monitored_numbers_than_the_plan_allows_declare_nothing(
    monitor: RecordingMonitor,
) -> None:
    config = {**GOOD, "ethiq:plan": "solo", "ethiq:monitoredNumbers": '["+15145550122"]'}
    with pytest.raises(pulumi.RunError) as raised:
        _run(config)
    assert "stacks/Pulumi.acme.yaml: ethiq:plan: solo allows 1 monitored number" in str(
        raised.value
    )
    assert monitor.registered == []


@pytest.mark.parametrize(
    ("verification", "registered"),
    [
        ("NOT_SUBMITTED", "pending"),
        ("PENDING_REVIEW", "pending"),
        ("IN_REVIEW", "pending"),
        ("TWILIO_APPROVED", "approved"),
    ],
)
def test_a_canadian_toll_free_senders_verification_reaches_the_registration(
    monitor: RecordingMonitor, verification: str, registered: str
) -> None:
    """``ethiq:sender: toll-free`` in Quebec, its Toll-Free Verification submitted in the
    Console (no ``ethiq:usTexting``): the status the sender pool reads on Twilio reaches the
    registry, so the person's page says whether texts to their contacts get through."""
    assert isinstance(monitor.mocks, Mocks)
    monitor.mocks.tollfree_status = verification

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run({**GOOD, "ethiq:sender": "toll-free"}).subaccount_sid

    run()
    assert monitor.mocks.inputs["TwilioMessagingSender"]["toll_free"] is True
    assert "TwilioTollfreeVerification" not in monitor.mocks.inputs  # not the stack's own
    assert monitor.mocks.inputs["TenantRegistration"]["us_texting"] == registered


ADDRESS = {
    "street": "1234 rue Sainte-Catherine O",
    "city": "Montréal",
    "region": "qc",
    "postalCode": "h3b1a1",
}


def test_the_emergency_address_lets_the_sip_app_call_out_with_911(
    monitor: RecordingMonitor,
) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        config = {
            **GOOD,
            "ethiq:personName": "Lucie",
            "ethiq:emergencyAddress": json.dumps(ADDRESS),
        }
        return _run(config).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    mocks = monitor.mocks
    address = mocks.inputs["TwilioEmergencyAddress"]
    assert (address["customer_name"], address["region"], address["postal_code"]) == (
        "Lucie",
        "QC",
        "H3B 1A1",
    )
    assert mocks.inputs["TwilioPhoneNumber"]["emergency_address_sid"] == ADDRESS_SID
    assert mocks.inputs["TwilioSipDomain"]["emergency_caller_sid"] == "PN" + "2" * 32
    mappings = [i["mapping"] for t, i in mocks.declared if t.endswith("TwilioSipMapping")]
    assert sorted(mappings) == ["calls", "registrations"]
    assert calls_without_emergency_address(mocks.declared) == []
    # The number's fallback is the Twilio-hosted one, which the webhook policy accepts.
    number = mocks.inputs["TwilioPhoneNumber"]
    assert number["voice_fallback_url"] == HOSTED + "/fallback.xml"
    fallback = mocks.inputs["TwilioHostedFallback"] | {"origin": HOSTED}  # an output
    hosted = hosted_fallback_origins([fallback], number["account_sid"])
    assert webhooks_off_runtime(number, RUNTIME, hosted) == []


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ({**ADDRESS, "postalCode": "90210"}, "emergencyAddress.postalCode"),
        ({**ADDRESS, "region": "NY"}, "emergencyAddress.region"),
        ({k: v for k, v in ADDRESS.items() if k != "street"}, "emergencyAddress.street"),
        (ADDRESS, "emergencyAddress.name"),  # no name and no ethiq:personName
        ({**ADDRESS, "floor": "2"}, "emergencyAddress.floor"),
        ("1234 rue Sainte-Catherine", "emergencyAddress"),
    ],
)
def test_a_bad_emergency_address_names_its_field(address: object, key: str) -> None:
    values = {k.removeprefix("ethiq:"): v for k, v in GOOD.items()} | {"emergencyAddress": address}
    values["contacts"] = json.loads(GOOD["ethiq:contacts"])  # as the program reads it
    if key != "emergencyAddress.name":
        values["personName"] = "Lucie"
    with pytest.raises(ConfigError) as raised:
        validate_tenant("acme", values)
    assert raised.value.key == key


def test_a_sip_app_that_calls_out_without_an_emergency_address_is_refused() -> None:
    mapping = "pulumi-python:dynamic/ethiq:TwilioSipMapping"
    stack = [
        (mapping, {"mapping": "calls"}),
        ("pulumi-python:dynamic/ethiq:TwilioPhoneNumber", {"emergency_address_sid": ""}),
        ("pulumi-python:dynamic/ethiq:TwilioSipDomain", {"emergency_caller_sid": ""}),
    ]
    number, domain = calls_without_emergency_address(stack)
    assert "set ethiq:emergencyAddress" in number
    assert "emergency calling is not enabled on the SIP domain" in domain
    assert calls_without_emergency_address([(mapping, {"mapping": "registrations"})]) == []


def test_a_spend_limit_declares_usage_triggers_at_80_and_100_percent(
    monitor: RecordingMonitor,
) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run({**GOOD, "ethiq:spendLimit": "25"}).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    triggers = [i for t, i in monitor.mocks.declared if t.endswith("TwilioUsageTrigger")]
    assert sorted(t["trigger_value"] for t in triggers) == ["20.00", "25.00"]
    for trigger in triggers:
        assert trigger["account_sid"] == SUB_SID  # the tenant's own subaccount
        assert (trigger["usage_category"], trigger["trigger_by"], trigger["recurring"]) == (
            "totalprice",
            "price",
            "monthly",
        )
        assert trigger["callback_url"].startswith(f"{RUNTIME}/twilio/usage?tenant=acme&threshold=")
        assert webhooks_off_runtime(trigger, RUNTIME, []) == []  # the webhook policy passes


@pytest.mark.parametrize(
    ("declared", "values"),
    [
        ({}, ["24.00", "30.00"]),  # no plan declared: the entry plan's (solo) limit
        ({"ethiq:plan": "family"}, ["80.00", "100.00"]),
    ],
)
def test_a_stack_without_a_spend_limit_watches_its_plans_default(
    declared: dict[str, str], values: list[str], monitor: RecordingMonitor
) -> None:
    assert "ethiq:spendLimit" not in GOOD

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run({**GOOD, **declared}).subaccount_sid

    run()
    assert isinstance(monitor.mocks, Mocks)
    triggers = [i for t, i in monitor.mocks.declared if t.endswith("TwilioUsageTrigger")]
    assert sorted((t["trigger_value"] for t in triggers), key=float) == values
    assert {t["account_sid"] for t in triggers} == {SUB_SID}


@pytest.mark.parametrize("limit", ["0", "-5", "lots", "5000"])
def test_a_bad_spend_limit_names_its_key(limit: str) -> None:
    values = {k.removeprefix("ethiq:"): v for k, v in GOOD.items()} | {"spendLimit": limit}
    values["contacts"] = json.loads(GOOD["ethiq:contacts"])  # as the program reads it
    with pytest.raises(ConfigError) as caught:
        validate_tenant("acme", values)
    assert caught.value.key == "spendLimit"


@pytest.mark.parametrize("ends", ["retention over", "erasure asked"])
def test_a_number_is_not_released_while_the_subscription_keeps_it(
    ends: str, monitor: RecordingMonitor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``ethiq:allowDestroy: true`` lifts the number's protection: refused during the retention
    period of a canceled subscription (runtime/billing/desired.py), let through once due: the
    retention over, or the person's erasure request made after canceling carried out (one
    made before does not count)."""
    url = f"sqlite:///{tmp_path}/platform.sqlite"
    monkeypatch.setenv("DATABASE_URL", url)
    # At 02:00 UTC: the evening before in Quebec (ethiq:region CA-QC), the day the refusal names.
    at_two = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    canceled = at_two - timedelta(days=3)

    async def seed(when: datetime) -> None:
        store = store_for_url(url)
        try:
            engine = store.platform_engine()
            await bind_table(BillingAccount, engine).create_table(if_not_exists=True)
            await bind_table(StripeEvent, engine).create_table(if_not_exists=True)
            accounts = Accounts(store)
            await accounts.open("acme", "cus_acme", "solo")
            await accounts.apply_event(
                f"evt_{when.timestamp()}",
                "customer.subscription.deleted",
                "acme",
                subscription_id="sub_acme",
                subscription_status="canceled",
            )
            table = bind_table(BillingAccount, engine)
            await table.update({table.canceled_at: when}).where(table.tenant == "acme")
        finally:
            await store.close()

    def record(when: datetime) -> None:
        # In a thread: this module's event loop is Pulumi's mocks' (asyncio.run would unset it).
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, seed(when)).result()

    async def erased(asked: datetime) -> None:
        store = store_for_url(url)
        try:
            table = bind_table(ErasureRequest, store.platform_engine())
            await table.create_table(if_not_exists=True)
            await table.insert(
                table(slug="acme", state="done", requested_by="person", requested_at=asked)
            )
        finally:
            await store.close()

    def erase(asked: datetime) -> None:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, erased(asked)).result()

    record(canceled)
    release = {**GOOD, "ethiq:allowDestroy": "true"}
    with pytest.raises(pulumi.RunError) as raised:
        _run(release)
    quebec = ZoneInfo("America/Toronto")
    kept = (canceled + timedelta(days=30)).astimezone(quebec)
    day = canceled.astimezone(quebec).date()
    assert f"ethiq:allowDestroy: the subscription was canceled on {day}" in str(raised.value)
    assert f"kept until {kept:%Y-%m-%d %H:%M %Z} (the tenant's time zone)" in str(raised.value)
    assert (canceled + timedelta(days=30)).date().isoformat() not in str(raised.value)
    assert monitor.registered == []  # nothing declared, nothing unprotected

    if ends == "retention over":
        record(datetime.now(UTC) - timedelta(days=31))
    else:
        erase(canceled - timedelta(days=1))  # asked before canceling: the number stays
        with pytest.raises(pulumi.RunError, match="kept until"):
            _run(release)
        erase(canceled + timedelta(days=1))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        return _run(release).subaccount_sid

    run()
    assert monitor.registered != []


US_TEXTING = BUSINESS  # the brand's declaration, as the provider's tests make it
US_IDENTITY = '{"ein": "12-3456789", "address": {"street": "1 Main St", "city": "Albany", ' + (
    '"region": "NY", "postalCode": "12207"}}'
)
US = {
    **GOOD,
    "ethiq:region": "US-NY",
    "ethiq:near": "40.7128,-74.0060",
    "ethiq:language": "en-US",
    "ethiq:contacts": '[{"number": "+12125550111", "name": "Mary"}]',
    "ethiq:usTexting": json.dumps(US_TEXTING),
    "ethiq:usTextingIdentity": US_IDENTITY,
}


def test_us_texting_is_registered_by_the_stack_with_a_secret_identity(
    monitor: RecordingMonitor,
) -> None:
    """A US long code: the A2P brand (the identity a secret input) and the service's campaign
    under it; the tenant's ``usTexting`` says it is pending until vetting ends."""

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        pulumi.runtime.set_all_config(US, secret_keys=["ethiq:usTextingIdentity"])

        def check(status: str) -> None:
            assert status == "pending registration"

        return program.main().us_texting.apply(check)

    run()
    assert isinstance(monitor.mocks, Mocks)
    brand = monitor.mocks.inputs["TwilioA2PBrand"]
    assert brand["business"]["name"] == "Ethiq Inc."
    assert "12-3456789" not in json.dumps(brand["business"])  # only in the secret identity
    assert "TwilioA2PCampaign" in monitor.mocks.inputs
    assert "TwilioTollfreeVerification" not in monitor.mocks.inputs
    # The runtime's registry learns it too: the person's page says US texting is pending.
    assert monitor.mocks.inputs["TenantRegistration"]["us_texting"] == "pending"
    # In plain text, the identity is refused before anything is declared.
    pulumi.runtime.set_all_config(US)
    with pytest.raises(pulumi.RunError, match="usTextingIdentity: must be a secret"):
        program.main()

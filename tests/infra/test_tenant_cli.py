"""`ethiq tenant add/list/remove`: validated stack files, nothing written on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ethiq.cli import app

runner = CliRunner()


def _add(stacks: Path, *extra: str) -> tuple[int, str, str]:
    args = [
        "tenant",
        "add",
        "acme",
        "--email",
        "famille@example.org",
        "--region",
        "CA-QC",
        "--contact",
        "+15145550111:Marie",
        "--stacks-dir",
        str(stacks),
        *extra,
    ]
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def test_add_writes_the_stack_file(tmp_path: Path) -> None:
    code, out, _ = _add(tmp_path, "--contact", "+1 438 555 0199", "--near", "46.81,-71.21")
    assert code == 0, out
    config = yaml.safe_load((tmp_path / "Pulumi.acme.yaml").read_text())["config"]
    assert config == {
        "ethiq:email": "famille@example.org",
        "ethiq:region": "CA-QC",
        "ethiq:near": "46.8100,-71.2100",
        "ethiq:language": "fr-CA",
        "ethiq:contacts": [{"number": "+15145550111", "name": "Marie"}, {"number": "+14385550199"}],
        "ethiq:retainData": True,
    }


def test_add_writes_the_sensitivity_when_given(tmp_path: Path) -> None:
    code, out, _ = _add(tmp_path, "--sensitivity", "high")
    assert code == 0, out
    config = yaml.safe_load((tmp_path / "Pulumi.acme.yaml").read_text())["config"]
    assert config["ethiq:sensitivity"] == "high"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        (["--email", "not-an-email"], "email: 'not-an-email' is not an email address"),
        (["--region", "FR-IDF"], "region: 'FR-IDF' is not a region Ethiq serves"),
        (["--lang", "de-DE"], "language: 'de-DE' is not supported"),
        (["--contact", "+1514"], "contacts: '+1514' is not a valid phone number"),
        (["--contact", "5145550111"], "must be in E.164 form"),
        (["--contact", "+15145550111"], "contacts[1]: +15145550111 is listed twice"),
        (["--near", "45.5"], "near: '45.5' is not LAT,LON"),
        (["--sensitivity", "max"], "sensitivity: must be low, normal, high or 0..1, not 'max'"),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_writes_nothing(
    tmp_path: Path, extra: list[str], error: str
) -> None:
    code, _, err = _add(tmp_path, *extra)
    assert code == 2
    assert error in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_bad_name_and_existing_tenant_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "tenant",
            "add",
            "Acme!",
            "--email",
            "a@example.org",
            "--region",
            "CA-QC",
            "--contact",
            "+15145550111",
            "--stacks-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "name: 'Acme!' is not a tenant name" in result.stderr
    assert _add(tmp_path)[0] == 0
    code, _, err = _add(tmp_path)
    assert code == 2
    assert "already exists" in err


def test_list_and_remove(tmp_path: Path) -> None:
    _add(tmp_path)
    (tmp_path / "Pulumi.broken.yaml").write_text("config:\n  ethiq:region: XX\n")
    listing = runner.invoke(app, ["tenant", "list", "--stacks-dir", str(tmp_path)]).stdout
    assert "acme" in listing
    assert "CA-QC" in listing
    assert "broken" in listing
    assert "INVALID" in listing

    remove = ["tenant", "remove", "acme", "--stacks-dir", str(tmp_path)]
    assert runner.invoke(app, remove).exit_code == 0
    assert not (tmp_path / "Pulumi.acme.yaml").exists()
    again = runner.invoke(app, remove)
    assert again.exit_code == 2
    assert "no tenant 'acme'" in again.stderr


def test_add_writes_the_person_name_and_call_countries(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    result = CliRunner().invoke(
        app,
        [
            "tenant",
            "add",
            "acme",
            "--email",
            "a@example.org",
            "--region",
            "CA-QC",
            "--contact",
            "+15145550111:Marie",
            "--person-name",
            "Jeanne",
            "--call-country",
            "fr",
            "--call-country",
            "GB",
            "--stacks-dir",
            str(stacks),
        ],
    )
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((stacks / "Pulumi.acme.yaml").read_text())["config"]
    assert written["ethiq:personName"] == "Jeanne"
    assert written["ethiq:callCountries"] == ["FR", "GB"]
    refused = CliRunner().invoke(
        app,
        [
            "tenant",
            "add",
            "other",
            "--email",
            "a@example.org",
            "--region",
            "CA-QC",
            "--contact",
            "+15145550111",
            "--call-country",
            "Narnia",
            "--stacks-dir",
            str(stacks),
        ],
    )
    assert refused.exit_code == 2
    assert "callCountries: 'Narnia' is not an ISO 3166-1 alpha-2 country code" in refused.output
    assert not (stacks / "Pulumi.other.yaml").exists()


def test_add_writes_the_emergency_address_or_names_its_bad_field(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    base = ["tenant", "add", "acme", "--email", "a@example.org", "--region", "CA-QC"]
    base += ["--contact", "+15145550111", "--person-name", "Lucie", "--stacks-dir", str(stacks)]
    address = ["street=1234 rue Sainte-Catherine O", "city=Montréal", "region=QC"]
    flags = [x for field in address for x in ("--emergency-address", field)]
    refused = CliRunner().invoke(app, [*base, *flags, "--emergency-address", "postalCode=1"])
    assert refused.exit_code == 2
    assert "emergencyAddress.postalCode" in refused.stderr
    assert not (stacks / "Pulumi.acme.yaml").exists()
    result = CliRunner().invoke(app, [*base, *flags, "--emergency-address", "postalCode=h3b1a1"])
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((stacks / "Pulumi.acme.yaml").read_text())["config"]
    assert written["ethiq:emergencyAddress"] == {
        "name": "Lucie",
        "street": "1234 rue Sainte-Catherine O",
        "city": "Montréal",
        "region": "QC",
        "postalCode": "H3B 1A1",
    }


def test_add_writes_the_a2p_campaign_or_refuses_a_malformed_one(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    base = ["tenant", "add", "nyc", "--email", "a@example.org", "--region", "US-NY"]
    base += ["--contact", "+12125550111", "--stacks-dir", str(stacks)]
    refused = CliRunner().invoke(app, [*base, "--a2p-campaign", "CM123"])
    assert refused.exit_code == 2
    assert "a2pCampaign: 'CM123' is not a US A2P campaign SID" in refused.stderr
    assert not (stacks / "Pulumi.nyc.yaml").exists()
    campaign = "QE" + "0123456789abcdef" * 2
    result = CliRunner().invoke(app, [*base, "--a2p-campaign", campaign])
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((stacks / "Pulumi.nyc.yaml").read_text())["config"]
    assert written["ethiq:a2pCampaign"] == campaign
    # Or a toll-free verified sender, instead of a campaign.
    toll_free = [*base[:2], "nyc-tf", *base[3:], "--sender", "toll-free"]
    result = CliRunner().invoke(app, toll_free)
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((stacks / "Pulumi.nyc-tf.yaml").read_text())["config"]
    assert written["ethiq:sender"] == "toll-free"


def test_a_contact_may_have_a_language_of_its_own(tmp_path: Path) -> None:
    code, out, _ = _add(tmp_path, "--contact", "+14385550199:John:en-US")
    assert code == 0, out
    config = yaml.safe_load((tmp_path / "Pulumi.acme.yaml").read_text())["config"]
    assert config["ethiq:contacts"] == [
        {"number": "+15145550111", "name": "Marie"},
        {"number": "+14385550199", "name": "John", "language": "en-US"},
    ]
    (tmp_path / "other").mkdir()
    code, out, _ = _add(tmp_path / "other", "--contact", "+14385550199:Jo:en-US:x")
    assert code == 0, out  # not a language: part of the name
    written = yaml.safe_load((tmp_path / "other" / "Pulumi.acme.yaml").read_text())["config"]
    assert written["ethiq:contacts"][1] == {"number": "+14385550199", "name": "Jo:en-US:x"}


def test_opt_out_replies_are_the_tenants_own_console_entries(tmp_path: Path) -> None:
    code, out, _ = _add(tmp_path, "--person-name", "Lucie")
    assert code == 0, out
    result = runner.invoke(
        app, ["tenant", "opt-out-replies", "acme", "--stacks-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "English:"
    assert "French:" in lines
    french = lines[lines.index("French:") + 1 :]
    assert "  Opt-in keywords: OUI" in french
    assert "  Opt-out keywords: ARRET, ARRÊT, ARRETER, ARRÊTER, DESABONNER, DÉSABONNER" in french
    (consent,) = [line for line in french if line.startswith("  Opt-in reply: ")]
    assert "Lucie" in consent
    assert "votre proche" not in consent
    missing = runner.invoke(
        app, ["tenant", "opt-out-replies", "nobody", "--stacks-dir", str(tmp_path)]
    )
    assert missing.exit_code == 2
    assert "no tenant 'nobody'" in missing.stderr

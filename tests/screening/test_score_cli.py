"""``ethiq score`` and ``ethiq eval`` as users run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from runtime.screening import cli

# The four calls of the shared format examples (two scams, two legitimate, FR and EN).
EXAMPLES = """\
{"id": "ex-001", "lang": "en-US", "label": "scam", "typology": "gift_card_payment", "call": {"from": "+18445550100", "to": "+15145550100", "forwarded_from": "+15145559876", "stir_verstat": "TN-Validation-Failed", "caller_name": null, "caller_in_contacts": false}, "segments": [{"t": 1.0, "speaker": "caller", "text": "This is the billing department, your account will be suspended today."}, {"t": 6.0, "speaker": "caller", "text": "To keep it active, buy two Apple gift cards and read me the numbers on the back."}]}
{"id": "ex-002", "lang": "fr-CA", "label": "scam", "typology": "remote_access", "call": {"from": "+14505550100", "to": "+15145550100", "forwarded_from": null, "stir_verstat": null, "caller_name": null, "caller_in_contacts": false}, "segments": [{"t": 1.0, "speaker": "caller", "text": "Bonjour, ici le service technique de votre fournisseur internet, votre modem a été piraté."}, {"t": 7.5, "speaker": "caller", "text": "Installez l'application AnyDesk et donnez-moi le code affiché à l'écran."}]}
{"id": "ex-003", "lang": "en-US", "label": "legit", "typology": "appointment", "call": {"from": "+15145550300", "to": "+15145550100", "forwarded_from": "+15145559876", "stir_verstat": "TN-Validation-Passed-A", "caller_name": "DENTAL CLINIC", "caller_in_contacts": false}, "segments": [{"t": 1.0, "speaker": "caller", "text": "Hi, this is the dental clinic reminding you of your cleaning on Monday at nine."}]}
{"id": "ex-004", "lang": "fr-CA", "label": "legit", "typology": "family", "call": {"from": "+15145550301", "to": "+15145550100", "forwarded_from": "+15145559876", "stir_verstat": "TN-Validation-Passed-A", "caller_name": null, "caller_in_contacts": true}, "segments": [{"t": 1.0, "speaker": "caller", "text": "Salut papa, c'est Marie. Je t'ai acheté tes billets pour le spectacle, tu me rembourseras dimanche."}, {"t": 6.0, "speaker": "callee", "text": "Merci ma belle, à dimanche."}]}
"""  # noqa: E501

app = typer.Typer()
app.command("score")(cli.score)
app.command("eval")(cli.evaluate)
runner = CliRunner()


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    path = tmp_path / "examples.jsonl"
    path.write_text(EXAMPLES, encoding="utf-8")
    return path


def test_scores_the_format_examples(examples: Path) -> None:
    result = runner.invoke(app, ["score", str(examples)])
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["ex-001", "ex-002", "ex-003", "ex-004"]
    assert [line["verdict"] for line in lines] == ["scam", "scam", "legit", "legit"]
    assert lines[0]["detected_at"] in {1.0, 6.0}
    assert lines[1]["detected_at"] in {1.0, 7.5}
    assert lines[2]["detected_at"] is None
    assert "asks for payment by gift cards" in lines[0]["reasons"]
    assert "demande un accès à distance" in lines[1]["reasons"]
    for line in lines:
        assert set(line) == {"id", "risk", "verdict", "detected_at", "reasons"}
        assert 0.0 <= line["risk"] <= 1.0


def test_labels_are_not_read(tmp_path: Path) -> None:
    flipped = EXAMPLES.replace('"label": "scam"', '"label": "legit"').replace(
        '"typology": "gift_card_payment"', '"typology": "appointment"'
    )
    path = tmp_path / "flipped.jsonl"
    path.write_text(flipped, encoding="utf-8")
    original = tmp_path / "original.jsonl"
    original.write_text(EXAMPLES, encoding="utf-8")
    assert (
        runner.invoke(app, ["score", str(path)]).stdout
        == runner.invoke(app, ["score", str(original)]).stdout
    )


def test_malformed_json_exits_2_with_line_number_and_no_output(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    first = EXAMPLES.splitlines()[0]
    path.write_text(f"{first}\n{{not json\n{first}\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2
    assert "line 2:" in result.stderr
    assert result.stdout == ""


def test_missing_field_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"
    record = json.loads(EXAMPLES.splitlines()[2])
    del record["segments"]
    path.write_text(EXAMPLES.splitlines()[0] + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2
    assert "line 2:" in result.stderr
    assert "segments" in result.stderr
    assert result.stdout == ""


def test_wrong_type_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "typed.jsonl"
    path.write_text('{"id": "x", "lang": "en", "call": {}, "segments": [{"t": "soon", '
                    '"speaker": "caller", "text": "hi"}]}\n', encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2
    assert "line 1:" in result.stderr


def test_null_and_missing_call_fields_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "sparse.jsonl"
    path.write_text(
        '{"id": "s", "lang": "en", "call": {"from": null}, '
        '"segments": [{"t": 1, "speaker": "caller", "text": "hello"}]}\n\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "legit"


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2


def test_eval_prints_the_metrics_table(examples: Path) -> None:
    result = runner.invoke(app, ["eval", str(examples)])
    assert result.exit_code == 0, result.stderr
    assert "recall" in result.stdout
    assert "lang:fr" in result.stdout
    assert "scam:gift_card_payment" in result.stdout


def test_eval_json(examples: Path) -> None:
    result = runner.invoke(app, ["eval", str(examples), "--json"])
    assert result.exit_code == 0, result.stderr
    overall = json.loads(result.stdout)["slices"][0]
    assert overall["name"] == "overall"
    assert overall["recall"] == 1.0
    assert overall["false_alarm_rate"] == 0.0
    assert overall["median_time_to_detect"] <= 6.8

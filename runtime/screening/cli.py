"""``ethiq score`` and ``ethiq eval``: the JSONL door to the screening engine.

Bad input is refused as a whole: every line is validated before any is scored, so on exit code 2
stdout is empty and stderr lists each offending line as ``line N: ...``.
"""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path
from typing import Annotated

import msgspec
import typer

from runtime.screening.data.generate import DEVSET
from runtime.screening.engine import score_call
from runtime.screening.evaluate import as_dicts, evaluate_file, format_table, summarise
from runtime.screening.jsonl import InvalidInput, decode_lines, read_lines
from runtime.screening.model import CallRecord
from runtime.screening.risk import Sensitivity, parse_sensitivity

__all__ = ["evaluate", "score"]

_INPUT_ERROR = 2


def _sensitivity(value: str) -> Sensitivity:
    try:
        return parse_sensitivity(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _refuse(error: InvalidInput) -> typer.Exit:
    for problem in error.problems:
        typer.echo(problem, err=True)
    return typer.Exit(_INPUT_ERROR)


SensitivityOption = Annotated[
    str,
    typer.Option(help="Tenant sensitivity: low, normal, high, or a number from 0 to 1."),
]


def score(
    file: Annotated[
        Path,
        typer.Argument(help="Calls to score, one JSON object per line.", dir_okay=False),
    ],
    sensitivity: SensitivityOption = "normal",
) -> None:
    """Score each call of FILE; print one JSON verdict per line, in input order."""
    level = _sensitivity(sensitivity)
    try:
        records = decode_lines(read_lines(file), CallRecord)
    except InvalidInput as error:
        raise _refuse(error) from None
    except OSError as error:
        typer.echo(f"cannot read {file}: {error.strerror}", err=True)
        raise typer.Exit(_INPUT_ERROR) from None
    encoder = msgspec.json.Encoder()
    out = sys.stdout
    for record in records:
        out.write(encoder.encode(score_call(record, level)).decode())
        out.write("\n")


def evaluate(
    file: Annotated[
        Path,
        typer.Argument(help="Labelled calls (defaults to the development set).", dir_okay=False),
    ] = DEVSET,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    sensitivity: SensitivityOption = "normal",
) -> None:
    """Print recall, false alarms, warnings and time to detect, by language and typology."""
    level = _sensitivity(sensitivity)
    try:
        slices = summarise(evaluate_file(file, level))
    except InvalidInput as error:
        raise _refuse(error) from None
    except OSError as error:
        typer.echo(f"cannot read {file}: {error.strerror}", err=True)
        raise typer.Exit(_INPUT_ERROR) from None
    if as_json:
        typer.echo(jsonlib.dumps(as_dicts(slices), indent=2))
    else:
        typer.echo(format_table(slices))

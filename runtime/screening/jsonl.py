"""Reading JSONL files of calls with errors that point at the offending line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import msgspec

__all__ = ["InvalidInput", "decode_lines", "read_lines"]

T = TypeVar("T")


class InvalidInput(ValueError):
    """Lines that are not valid JSON or lack a required field; ``problems`` are "line N: ..."."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_lines(path: Path) -> list[tuple[int, bytes]]:
    """Numbered non-blank lines of a file (blank lines, such as a trailing one, are skipped)."""
    raw = path.read_bytes().splitlines()
    return [(number, line) for number, line in enumerate(raw, start=1) if line.strip()]


def decode_lines(lines: Iterable[tuple[int, bytes]], kind: type[T]) -> list[T]:
    """Decode every line as ``kind``, or raise :class:`InvalidInput` listing every bad line.

    All lines are checked before anything is returned, so a caller can refuse a whole file
    without having printed results for part of it.
    """
    decoder = msgspec.json.Decoder(kind)
    decoded: list[T] = []
    problems: list[str] = []
    for number, line in lines:
        try:
            decoded.append(decoder.decode(line))
        except msgspec.DecodeError as error:  # ValidationError is a subclass
            problems.append(f"line {number}: {error}")
    if problems:
        raise InvalidInput(problems)
    return decoded

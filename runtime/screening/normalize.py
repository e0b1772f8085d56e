"""Speech-to-text-robust text normalisation shared by the cue lexicon and the scorer.

Transcripts arrive with or without punctuation, capitals or accents, with amounts written as
digits or words ("cinq cents", "two thousand") and codes read digit by digit ("four eight two
one"). Everything is folded to one form so each cue needs a single spelling: lowercase, no
accents, no punctuation, numbers as digits, single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["normalize", "strip_accents"]

_UNITS: Final = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "sept": 7, "huit": 8, "neuf": 9,
}  # fmt: skip
_TEENS: Final = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dix": 10, "onze": 11,
    "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
}  # fmt: skip
_TENS: Final = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60, "septante": 70, "octante": 80, "huitante": 80, "nonante": 90,
    "quatrevingt": 80,
}  # fmt: skip
_SCALES: Final = {
    "hundred": 100, "cent": 100, "cents": 100, "thousand": 1000, "mille": 1000,
    "million": 1_000_000, "millions": 1_000_000,
}  # fmt: skip
# Words that are numbers only next to other number words ("one time code", "un code").
_AMBIGUOUS: Final = frozenset({"one", "un", "une"})

_APOSTROPHES: Final = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_THOUSANDS_SEP: Final = re.compile(r"(?<=\d)[,.\u00a0\u202f](?=\d{3}\b)")
_DECIMALS: Final = re.compile(r"(?<=\d)[.,]\d{1,2}\b")
_SENTENCE_END: Final = re.compile(r"[.!?;]+")
_NON_WORD: Final = re.compile(r"[^a-z0-9.]+")
_QUATRE_VINGT: Final = re.compile(r"\bquatre vingts?\b")


def strip_accents(text: str) -> str:
    """Remove diacritics ("numéro" -> "numero"); STT output often omits them anyway."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    for table in (_UNITS, _TEENS, _TENS, _SCALES):
        if token in table:
            return table[token]
    return None


def _extends(previous: str, token: str) -> bool:
    """Whether ``token`` continues the number that ends with ``previous`` ("twenty" + "five")."""
    if token in _SCALES:
        return True
    if token.isdigit() or previous.isdigit():
        return False
    if previous in _SCALES:
        return True
    value, before = _value(token), _value(previous)
    if value is None or before is None or value >= 20:  # noqa: PLR2004
        return False
    if value < 10:  # noqa: PLR2004 - a unit extends a tens word: "vingt cinq", "dix sept"
        return previous in _TENS or previous == "dix"
    return before in {60, 80}  # "soixante dix", "quatre-vingt dix"


def _group_value(tokens: list[str]) -> str:
    if len(tokens) == 1 and tokens[0].isdigit():
        return tokens[0]
    total, current = 0, 0
    for token in tokens:
        value = _value(token) or 0
        if token in _SCALES:
            if value == 100:  # noqa: PLR2004
                current = max(current, 1) * value
            else:
                total += max(current, 1) * value
                current = 0
        else:
            current += value
    return str(total + current)


def _convert_run(run: list[str]) -> list[str]:
    """Turn one run of number tokens into digits; digit-by-digit readings are concatenated."""
    if len(run) == 1 and run[0] in _AMBIGUOUS:
        return run
    groups: list[list[str]] = [[run[0]]]
    for token in run[1:]:
        if _extends(groups[-1][-1], token):
            groups[-1].append(token)
        else:
            groups.append([token])
    return ["".join(_group_value(group) for group in groups)]


def _numbers_to_digits(tokens: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for token in tokens:
        if _value(token) is not None:
            run.append(token)
            continue
        if run:
            out.extend(_convert_run(run))
            run = []
        out.append(token)
    if run:
        out.extend(_convert_run(run))
    return out


def normalize(text: str) -> str:
    """Fold a transcript segment to lowercase ASCII words and digits separated by single spaces.

    Sentence ends, when the transcript has them, stay as a "." token: cues and negations do not
    reach across them.

    >>> normalize("Achetez DEUX cartes-cadeaux de cinq cents $, c'est urgent!")
    'achetez 2 cartes cadeaux de 500 dollars . c est urgent'
    """
    folded = strip_accents(text.translate(_APOSTROPHES).lower())
    folded = folded.replace("$", " dollars ").replace("%", " percent ")
    folded = _THOUSANDS_SEP.sub("", folded)
    folded = _DECIMALS.sub("", folded)
    folded = _SENTENCE_END.sub(" . ", folded)
    folded = _NON_WORD.sub(" ", folded)
    folded = _QUATRE_VINGT.sub("quatrevingt", folded)
    return " ".join(_numbers_to_digits(folded.split())).strip(" .")

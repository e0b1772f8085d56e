"""Write the development set, ``devset.jsonl``, from the scenarios (deterministic, seeded).

Run ``python -m runtime.screening.data.generate``. Each call draws one wording per beat, then a
transcription style: clean punctuated text, lowercase without punctuation, or raw speech-to-text
(no accents, numbers spelled out, words split or dropped). Metadata is drawn from distributions
that overlap between scams and legitimate calls, so the set cannot be solved from metadata alone.
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path
from typing import Any, Final

import msgspec

from runtime.screening.data.scenarios_legit import LEGIT
from runtime.screening.data.scenarios_scam import SCAMS, Beats

__all__ = ["DEVSET", "generate", "main", "spell_number"]

DEVSET: Final = Path(__file__).with_name("devset.jsonl")
SEED: Final = 20_241_125
SCAMS_PER_LANG: Final = 5
LEGIT_PER_LANG: Final = 4
SLOW_BUILD: Final = frozenset({"romance", "crypto_investment"})

_SMALL_TALK: Final[dict[str, list[tuple[str, str]]]] = {
    "en": [("C", "How have you been this week?"), ("P", "Oh, not too bad, my knee hurts a bit."),
           ("C", "I'm sorry to hear that. Did you see the snow this morning?"),
           ("P", "Yes, I stayed inside all day."), ("C", "That's wise. Are you eating well?"),
           ("P", "I made soup yesterday."), ("C", "I love talking with you, you always make me "
           "smile."), ("P", "Well, that's nice of you to say.")],
    "fr": [("C", "Comment t'as passé ta semaine?"), ("P", "Pas pire, j'ai un peu mal au genou."),
           ("C", "Ah, c'est plate ça. As-tu vu la neige ce matin?"),
           ("P", "Oui, je suis restée en dedans toute la journée."),
           ("C", "T'as bien fait. Manges-tu comme du monde?"), ("P", "J'ai fait de la soupe hier."),
           ("C", "J'aime ça te parler, tu me fais toujours sourire."),
           ("P", "Ben voyons, t'es fin.")],
}  # fmt: skip

_EN_UNITS: Final = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS: Final = (
    "_",
    "_",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
)
_FR_UNITS: Final = (
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
)
_FR_TENS: Final = (
    "_",
    "_",
    "vingt",
    "trente",
    "quarante",
    "cinquante",
    "soixante",
    "soixante",
    "quatre-vingt",
    "quatre-vingt",
)

_STT_SLIPS: Final = {
    "anydesk": "any desk", "teamviewer": "team viewer", "bitcoin": "bit coin",
    "western union": "western onion", "itunes": "i tunes", "desjardins": "des jardins",
    "cartes-cadeaux": "cartes cadeau", "gift cards": "gift card", "nip": "n i p",
    "aujourd'hui": "aujourdhui", "c'est": "cest", "don't": "dont", "it's": "its",
    "grand-maman": "grand maman", "coinbase": "coin base", "quick support": "quicksupport",
}  # fmt: skip
_PUNCTUATION: Final = re.compile(r"[.,!?;:«»\"()]")
_NUMBER: Final = re.compile(r"\$?\d[\d ,]*\d|\$?\d")
_AREA_CODES: Final = ("514", "438", "450", "579", "418", "581", "819", "873", "613", "416", "647")
_TOLL_FREE: Final = ("800", "833", "844", "855", "866", "877", "888")


def _below_hundred(n: int, lang: str) -> str:
    if lang == "fr":
        if n < 20:  # noqa: PLR2004
            return _FR_UNITS[n]
        tens, unit = divmod(n, 10)
        if tens in (7, 9):  # soixante-dix, quatre-vingt-dix
            return f"{_FR_TENS[tens]}-{_FR_UNITS[10 + unit]}"
        if unit == 0:
            return "quatre-vingts" if tens == 8 else _FR_TENS[tens]  # noqa: PLR2004
        joiner = " et " if unit == 1 and tens != 8 else "-"  # noqa: PLR2004
        return f"{_FR_TENS[tens]}{joiner}{_FR_UNITS[unit]}"
    if n < 20:  # noqa: PLR2004
        return _EN_UNITS[n]
    tens, unit = divmod(n, 10)
    return _EN_TENS[tens] + (f"-{_EN_UNITS[unit]}" if unit else "")


def _below_thousand(n: int, lang: str) -> str:
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        if lang == "fr":
            cent = "cent" if rest else "cents"
            words.append("cent" if hundreds == 1 else f"{_FR_UNITS[hundreds]} {cent}")
        else:
            words.append(f"{_EN_UNITS[hundreds]} hundred")
    if rest or not hundreds:
        words.append(_below_hundred(rest, lang))
    return " ".join(words)


def spell_number(n: int, lang: str) -> str:
    """Spell a number below one million the way speech-to-text may write it out."""
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands:
        mille = "mille" if lang == "fr" else "thousand"
        words.append(mille if thousands == 1 and lang == "fr" else
                     f"{_below_thousand(thousands, lang)} {mille}")  # fmt: skip
    if rest or not thousands:
        words.append(_below_thousand(rest, lang))
    return " ".join(words)


def _spell_numbers(text: str, lang: str, rng: random.Random) -> str:
    def spell(match: re.Match[str]) -> str:
        raw = match.group()
        digits = re.sub(r"\D", "", raw)
        if len(digits) > 6 or rng.random() < 0.3:  # noqa: PLR2004 - phone numbers stay digits
            return raw
        words = spell_number(int(digits), lang)
        return f"{words} dollars" if raw.startswith("$") else words

    text = re.sub(r"(\d[\d ]*)\s?\$", r"$\1", text)
    return _NUMBER.sub(spell, text).replace("$", " dollars ")


def _transcribe(text: str, lang: str, style: str, rng: random.Random) -> str:
    """Render a written line as the chosen speech-to-text style."""
    if style == "clean":
        return text
    out = text.lower()
    if style == "raw":
        for written, heard in _STT_SLIPS.items():
            if written in out and rng.random() < 0.6:  # noqa: PLR2004
                out = out.replace(written, heard)
        out = _spell_numbers(out, lang, rng)
        if rng.random() < 0.5:  # noqa: PLR2004
            decomposed = unicodedata.normalize("NFKD", out)
            out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        words = [w for w in out.split() if len(w) > 3 or rng.random() > 0.04]  # noqa: PLR2004
        out = " ".join(words).replace("-", " ")
    return " ".join(_PUNCTUATION.sub(" ", out).split())


def _number(rng: random.Random, area: str | None = None, exchange: str | None = None) -> str:
    area = area or rng.choice(_AREA_CODES)
    exchange = exchange or str(rng.randrange(200, 1000))
    while exchange.endswith("11"):
        exchange = str(rng.randrange(200, 1000))
    return f"+1{area}{exchange}{rng.randrange(10_000):04d}"


def _metadata(rng: random.Random, scam: bool, typology: str) -> dict[str, Any]:
    person = _number(rng, rng.choice(("514", "450", "418")))
    roll = rng.random()
    if scam and roll < 0.05:  # noqa: PLR2004
        caller: str | None = person
    elif roll < (0.20 if scam else 0.10):
        caller = _number(rng, person[2:5], person[5:8])
    elif scam and roll < 0.25:  # noqa: PLR2004
        caller = rng.choice(("+1999" + person[5:], person + "4321"))
    elif roll < (0.30 if scam else 0.13):
        caller = None
    elif roll < (0.50 if scam else 0.28):
        caller = _number(rng, rng.choice(_TOLL_FREE))
    else:
        caller = _number(rng)
    stir_choices = (
        [None] * 9 + ["No-TN-Validation"] * 3 + ["TN-Validation-Passed-C"] * 2
        + ["TN-Validation-Passed-B", "TN-Validation-Passed-A"] + ["TN-Validation-Failed"] * 2
        + ["TN-Validation-Failed-A-Diverted", "TN-Validation-Failed-B"]
        if scam
        else [None] * 8 + ["TN-Validation-Passed-A"] * 5 + ["TN-Validation-Passed-A-Diverted"] * 2
        + ["TN-Validation-Passed-B"] * 2 + ["No-TN-Validation"] * 2 + ["TN-Validation-Failed-C"]
    )  # fmt: skip
    in_contacts = rng.random() < (
        0.15 if typology == "grandparent" else 0.8 if typology in {"family", "friend"} else 0.05
    )
    return {
        "from": caller,
        "to": _number(rng, "438"),
        "forwarded_from": person if rng.random() < 0.7 else None,  # noqa: PLR2004
        "stir_verstat": rng.choice(stir_choices),
        "caller_name": None,
        "caller_in_contacts": in_contacts,
    }


def _call(
    index: int, label: str, typology: str, lang: str, beats: Beats, rng: random.Random
) -> dict[str, Any]:
    lines = [(speaker, rng.choice(options)) for speaker, options in beats]
    lines = [(speaker, text) for speaker, text in lines if text]
    if typology in SLOW_BUILD and rng.random() < 0.6:  # noqa: PLR2004
        talk = _SMALL_TALK[lang]
        start = rng.randrange(0, len(talk) - 3, 2)
        lines[1:1] = talk[start : start + rng.choice((2, 4, 6))]
    style = rng.choices(("clean", "lower", "raw"), weights=(35, 30, 35))[0]
    t = round(rng.uniform(0.5, 2.0), 1)
    segments = []
    for speaker, text in lines:
        segments.append(
            {
                "t": t,
                "speaker": "caller" if speaker == "C" else "callee",
                "text": _transcribe(text, lang, style, rng),
            }
        )
        t = round(t + 0.35 * len(text.split()) + rng.uniform(0.3, 1.5), 1)
    return {
        "id": f"dev-{index:03d}",
        "lang": "fr-CA" if lang == "fr" else rng.choice(("en-CA", "en-US")),
        "label": label,
        "typology": typology,
        "call": _metadata(rng, label == "scam", typology),
        "segments": segments,
    }


def generate(seed: int = SEED) -> list[dict[str, Any]]:
    """All development calls, in a shuffled but reproducible order."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    plan = [
        ("scam", typology, lang, beats, SCAMS_PER_LANG)
        for typology, by_lang in SCAMS.items()
        for lang, beats in by_lang.items()
    ] + [
        ("legit", typology, lang, beats, LEGIT_PER_LANG)
        for typology, by_lang in LEGIT.items()
        for lang, beats in by_lang.items()
    ]
    drafts = [
        (label, typology, lang, beats)
        for label, typology, lang, beats, count in plan
        for _ in range(count)
    ]
    rng.shuffle(drafts)
    return [_call(i + 1, *draft, rng) for i, draft in enumerate(drafts)]


def main() -> None:
    """Rewrite ``devset.jsonl`` next to this file."""
    encoder = msgspec.json.Encoder()
    lines = [encoder.encode(call).decode() for call in generate()]
    DEVSET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} calls to {DEVSET.name}")


if __name__ == "__main__":
    main()

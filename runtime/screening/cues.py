"""Cue matching: which lexicon entries a transcript window contains, with negation handled.

A bank that says "we will never ask for your PIN" must not score like a caller asking for it, so
negatable cues (requests for payment, credentials or remote access) are dropped when a negation
closes in on them, and the reassurance itself is a separate, mitigating cue of the lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Final

__all__ = [
    "ACCOUNT_PROBLEMS",
    "AGENCIES",
    "ASKS",
    "LEGAL_PROBLEMS",
    "MONEY_PROBLEMS",
    "PRETEXT_PAIRS",
    "SERVICE_DESK",
    "SETUPS",
    "STEERING",
    "Cue",
    "Group",
    "Hit",
    "cue",
    "find_cues",
]


class Group(StrEnum):
    """Families of evidence; diminishing returns apply within a group, not across groups."""

    AUTHORITY = "authority"  # Pretend: bank, police, government, tech company, lawyer.
    PROBLEM = "problem"  # Problem: compromised account, virus, arrested grandson.
    THREAT = "threat"  # Threats: warrant, disconnection, suspension.
    LURE = "lure"  # Prize, romance, investment.
    PRESSURE = "pressure"  # Urgency, "don't hang up".
    SECRECY = "secrecy"  # "Don't tell anyone", coaching what to tell the teller.
    PAYMENT = "payment"  # Gift cards, crypto, wire, cash courier, safe account, fees.
    CREDENTIAL = "credential"  # One-time code, PIN, SIN, card number, banking login.
    REMOTE = "remote"  # Remote-access software.
    TOPIC = "topic"  # A payment method mentioned without a request ("I bought a gift card").
    CALLBACK = "callback"  # A callback number read out in the call.
    ROBOCALL = "robocall"  # Recorded notice with an IVR prompt: "press 1 to speak to an officer".
    MITIGATION = "mitigation"  # Reassurances real institutions give.


# A request (Pay, or hand over a credential or the computer) combined with a setup (Pretend,
# Problem, Pressure) is what makes a scam; either alone is at most suspicious. A recorded notice's
# "press 1" is the robocall's request: the scam proper starts when the person presses it.
ASKS: Final = frozenset({Group.PAYMENT, Group.CREDENTIAL, Group.REMOTE, Group.ROBOCALL})
SETUPS: Final = frozenset(
    {Group.AUTHORITY, Group.PROBLEM, Group.THREAT, Group.LURE, Group.PRESSURE, Group.SECRECY}
)
# The other half of the pattern, before any ask: the caller presents as an institution and tells
# the person of a problem that institution does not phone people about: a company's service desk
# (a tech company, a support or refund line) and a problem with their own account, device, order
# or subscription; an agency (tax office, police, an official case file) and a legal threat, a
# suspension, their identity used in a crime, their line or power to be cut, or a programme
# wiping their debts (no agency phones to offer one). Real scam calls are often cut, or handed over,
# before the ask comes. Pairs of sets of lexicon keys: one of each side, both said by the caller.
SERVICE_DESK: Final = frozenset({"tech_company", "support_line"})
ACCOUNT_PROBLEMS: Final = frozenset(
    {
        "account_problem",
        "computer_problem",
        "identity_problem",
        "refund_pretext",
        "unwanted_order",
        "verification_pretext",
        "warranty",
    }
)
AGENCIES: Final = frozenset({"government", "police", "case_file", "investigator"})
LEGAL_PROBLEMS: Final = frozenset(
    {"disconnection", "identity_problem", "legal_threat", "rate_reduction", "suspension"}
)
# A refund, a renewal or an order sorted out by steering the person's own computer: no real
# company refunds or cancels through the customer's keyboard, browser or remote access.
STEERING: Final = frozenset({"computer_guidance", "install_app", "remote_access"})
MONEY_PROBLEMS: Final = frozenset({"refund_pretext", "unwanted_order"})
PRETEXT_PAIRS: Final = (
    (SERVICE_DESK, ACCOUNT_PROBLEMS),
    (AGENCIES, LEGAL_PROBLEMS),
    (STEERING, MONEY_PROBLEMS),
)


@dataclass(frozen=True, slots=True)
class Cue:
    """One signal of the lexicon; ``weight`` is its log-odds contribution to the risk."""

    key: str
    group: Group
    weight: float
    pattern: re.Pattern[str]
    negatable: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A cue found in a window; ``text`` is the matched (normalised) text."""

    cue: Cue
    text: str


def cue(key: str, group: Group, weight: float, *alternatives: str, negatable: bool = False) -> Cue:
    """Build a cue from regex alternatives over normalised text (see :mod:`.normalize`)."""
    pattern = re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")
    return Cue(key, group, weight, pattern, negatable)


# Negated idioms that do not negate the request that follows ("don't worry, give me the code").
_BENIGN: Final = re.compile(
    r"\b(?:don t|dont|do not) (?:worry|panic|be (?:afraid|scared|alarmed))|no worries"
    r"|(?:ne )?(?:vous )?(?:inquietez|inquiete|inquietes|paniquez|panique) (?:vous |toi )?pas"
    r"|pas (?:de |d )?(?:panique|probleme|souci|soucis|inquietude|stress)|pas grave"
    r"|(?:ne )?(?:raccrochez|raccroche|eteignez|eteins) pas"
    r"|(?:don t|do not|dont) (?:hang up|turn off)"
    # Secrecy is its own cue; its negation does not negate the request that follows it.
    r"|(?:don t|dont|do not) (?:tell|say|mention|discuss|call)|(?:dis|dites|dit) (?:le |l )?pas"
    r"|ne (?:le |l |lui |leur |en )?(?:dis|dites|dit|parlez|parle) (?:pas|rien|a personne)"
    r"|(?:parle|parlez|parles) (?:en )?pas|(?:je )?(?:comprends|comprend|sais) pas"
)
# Negations placed before the verb ("we will never ask for your PIN", "ne ... jamais") reach
# further than French post-verbal ones ("on vous demandera pas votre NIP").
_NEGATION: Final = re.compile(
    r"\b(?:never|not|don t|dont|do not|won t|wont|will not|ne|n|nobody|no one|without|sans|nor)\b"
)
_POST_VERBAL: Final = re.compile(r"\b(?:pas|jamais|aucun|aucune|ni)\b")
_NEGATION_REACH: Final = 8  # words before a cue in which a negation applies to it
_POST_VERBAL_REACH: Final = 4
# Characters before a cue that the negation check reads: the reach in words plus room for the
# benign idioms it skips. Bounded, so a long unpunctuated segment with many negated matches
# costs its length, not its length squared (one check per match used to read the whole prefix).
NEGATION_CONTEXT: Final = 240


def _negated(window: str, start: int, current_from: int) -> bool:
    """Whether a negation precedes ``start`` in the same segment (or in the tail it spans)."""
    context_start = current_from if start >= current_from else 0
    if start - context_start > NEGATION_CONTEXT:
        # Cut at a word boundary: a partial first word could read as a negation ("n", "ne").
        cut = window.find(" ", start - NEGATION_CONTEXT, start)
        context_start = start if cut < 0 else cut + 1
    sentence = window[context_start:start].rsplit(" . ", 1)[-1]
    words = _BENIGN.sub(" ", sentence).split()
    near = " ".join(words[-_POST_VERBAL_REACH:])
    return (
        _NEGATION.search(" ".join(words[-_NEGATION_REACH:])) is not None
        or _POST_VERBAL.search(near) is not None
    )


_ZERO_WIDTH: Final = frozenset({sre_constants.AT})
_REPEATS: Final = frozenset(
    {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}
)


def _factors(items: Any) -> frozenset[str] | None:
    """Literal strings one of which every match of the parsed pattern ``items`` contains, or
    ``None`` when no such set is known (the cue is then always scanned)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is sre_constants.LITERAL:
            run.append(chr(av))
            continue
        if op in _ZERO_WIDTH:  # \b between two literals: they are still adjacent in the text
            continue
        flush()
        found: frozenset[str] | None = None
        if op is sre_constants.SUBPATTERN:
            if av[1] & re.IGNORECASE:  # (?i:...): its literals match in any case
                return None
            found = _factors(av[-1])
        elif op is sre_constants.BRANCH:
            branches = [_factors(branch) for branch in av[1]]
            if all(branch is not None for branch in branches):
                found = frozenset().union(*(b for b in branches if b is not None))
        elif op in _REPEATS and av[0] >= 1:
            found = _factors(av[2])
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    # The most selective set: its shortest string longest, then the fewest strings.
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))


@cache
def anchors(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which any match of ``pattern`` contains (``None``: not known)."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _factors(sre_parse.parse(pattern.pattern, pattern.flags))


@dataclass(frozen=True, slots=True)
class _Plan:
    """A lexicon's anchors: a window holding none of a cue's cannot match it, so
    :func:`find_cues` skips that regex. Substring tests cost a fraction of a scan, and most cues
    are absent from most segments; the verdicts are the same as scanning every cue."""

    lexicon: tuple[Cue, ...]
    strings: tuple[str, ...]  # every cue's anchors, each once
    needs: tuple[frozenset[str] | None, ...]  # per cue, in lexicon order


_PLANS: dict[int, _Plan] = {}


def _plan(lexicon: tuple[Cue, ...]) -> _Plan:
    plan = _PLANS.get(id(lexicon))
    if plan is None or plan.lexicon is not lexicon:
        needs = tuple(anchors(entry.pattern) for entry in lexicon)
        strings = tuple(sorted(frozenset[str]().union(*(n for n in needs if n is not None))))
        plan = _PLANS[id(lexicon)] = _Plan(lexicon, strings, needs)
    return plan


def find_cues(lexicon: tuple[Cue, ...], window: str, current_from: int) -> Iterator[Hit]:
    """Yield non-negated cues of ``window`` whose match ends in the current segment.

    ``window`` is the tail of the previous segments followed by the current one, which starts
    at ``current_from``: cues spanning a segment boundary are found, none is counted twice.
    """
    plan = _plan(lexicon)
    present = {text for text in plan.strings if text in window}
    for entry, needed in zip(lexicon, plan.needs, strict=True):
        if needed is not None and needed.isdisjoint(present):
            continue
        for match in entry.pattern.finditer(window):
            if match.end() <= current_from:
                continue
            if entry.negatable and _negated(window, match.start(), current_from):
                continue
            yield Hit(entry, match.group())
            break

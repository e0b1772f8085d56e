"""Normalisation folds every transcript style to one form the cues can rely on."""

from __future__ import annotations

import pytest

from runtime.screening.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Achetez DEUX cartes-cadeaux!", "achetez 2 cartes cadeaux"),
        ("Votre NIP, s'il vous plaît.", "votre nip s il vous plait"),
        ("numéro d'assurance sociale", "numero d assurance sociale"),
        ("It's $1,500.00 today", "it s dollars 1500 today"),
        ("quatre mille cinq cents dollars", "4500 dollars"),
        ("quatre-vingt-dix-sept", "97"),
        ("dix-sept mille", "17000"),
        ("twenty five hundred dollars", "2500 dollars"),
        ("the code is four eight two one", "the code is 4821"),
        ("call us at 514 555 0123", "call us at 5145550123"),
    ],
)
def test_folds_case_accents_punctuation_and_numbers(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_keeps_one_and_un_as_words_when_alone() -> None:
    # "one time code" and "un code" are phrases, not amounts.
    assert normalize("a one time code") == "a one time code"
    assert normalize("donnez-moi un code") == "donnez moi un code"


def test_clean_and_raw_transcripts_normalise_alike() -> None:
    clean = "Vous avez gagné! Payez 499 $ de frais."
    raw = "vous avez gagne payez quatre cent quatre vingt dix neuf dollars de frais"

    def words(text: str) -> list[str]:
        return [word for word in normalize(text).split() if word not in {".", "dollars"}]

    assert words(clean) == words(raw)


def test_sentence_ends_are_kept_as_a_token() -> None:
    assert normalize("Dis-le pas. Un coursier va passer!") == "dis le pas . un coursier va passer"

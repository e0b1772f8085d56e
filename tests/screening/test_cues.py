"""The lexicon finds each typology's cues in both languages and ignores negated requests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import runtime.screening
from runtime.screening import cues
from runtime.screening.cues import Group, find_cues
from runtime.screening.engine import WINDOW_CHARS, ScreeningSession
from runtime.screening.explain import known_keys
from runtime.screening.lexicon import LEXICON
from runtime.screening.metadata import metadata_signals
from runtime.screening.model import CallMeta, Segment
from runtime.screening.normalize import normalize


def keys(text: str) -> set[str]:
    return {hit.cue.key for hit in find_cues(LEXICON, normalize(text), 0)}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Buy two Apple gift cards at the pharmacy", "gift_cards"),
        ("achetez des cartes Google Play au dépanneur", "gift_cards"),
        ("read me the numbers on the back", "card_codes"),
        ("Please read me the code we just texted you, the one time code", "one_time_code"),
        ("donnez-moi le code de vérification que vous avez reçu", "one_time_code"),
        ("c'est quoi le code que t'as reçu par texto", "one_time_code"),
        ("quel est votre NIP", "pin"),
        ("confirm your social insurance number", "sin_request"),
        ("confirmez votre numéro d'assurance sociale", "sin_request"),
        ("install any desk so I can fix it", "remote_access"),
        ("installez TeamViewer", "remote_access"),
        ("go to the bitcoin ATM", "crypto"),
        ("envoyez l'argent par Western Union", "wire_transfer"),
        ("un coursier va passer chercher l'enveloppe", "courier_pickup"),
        ("retirez cinq mille dollars en argent comptant", "cash_withdrawal"),
        ("we'll move your savings to a secure account", "safe_account"),
        ("you've won the grand prize", "prize"),
        ("vous avez gagné un voyage", "prize"),
        ("il faut payer les frais de dossier", "upfront_fee"),
        ("rendement garanti de 20 % par mois", "investment"),
        ("there's a warrant for your arrest", "legal_threat"),
        ("un mandat d'arrestation a été émis", "legal_threat"),
        ("votre électricité va être coupée", "disconnection"),
        ("don't tell mom", "secrecy"),
        ("dis-le pas à maman", "secrecy"),
        ("ne raccrochez pas", "stay_on_line"),
        ("stay on the line", "stay_on_line"),
        ("if the teller asks, tell them it's for renovations", "coaching"),
        ("grand-maman c'est moi", "guess_who"),
        ("I'm in jail and need bail", "arrest_bail"),
        ("a criminal case has been registered against your name", "legal_threat"),
        ("you must have received an automated call and you pressed one", "robocall_followup"),
        ("vous avez reçu un appel automatisé", "robocall_followup"),
        ("i got a text earlier saying my account is on hold", "notice_followup"),
        ("the pop up said my laptop was locked", "notice_followup"),
        ("they told me to call back this number", "notice_followup"),
        ("j'ai reçu un courriel hier disant que mon compte", "notice_followup"),
        ("on m'a dit de rappeler ce numéro", "notice_followup"),
        ("we had a missed call on this phone from you", "notice_followup"),
        ("they asked me to contact you about it", "notice_followup"),
        ("j'ai vu deux appels manqués ce matin", "notice_followup"),
        ("this is the officer handling your case file", "case_file"),
        ("l'agente responsable de votre dossier", "case_file"),
        ("you will need a criminal lawyer to represent you in court", "legal_threat"),
        ("vous recevrez une citation à comparaître", "legal_threat"),
        ("this is HM Revenue & Customs", "government"),
        ("call us back at 1-888-555-0142", "callback_number"),
        ("rappelez notre numéro sans frais", "callback_number"),
        ("your power will be disconnected unless you pay", "pay_or_else"),
        ("il faut payer d'ici 30 minutes", "pay_or_else"),
    ],
)
def test_finds_typology_cues_in_both_languages(text: str, key: str) -> None:
    assert key in keys(text)


# How real fake-order, refund and tech-support calls word their pretext, each beside what
# ordinary talk about shopping, software and computers says instead (written for these tests).
@pytest.mark.parametrize(
    ("text", "key", "ordinary"),
    [
        (
            "a purchase has been made on the account for an ipad",
            "unwanted_order",
            "if the purchase was made by mail order they keep a record",
        ),
        (
            "une commande a été passée hier soir",
            "unwanted_order",
            "on a passé une belle soirée hier",
        ),
        (
            "i did not authorize this i didn't order it",
            "unwanted_order",
            "i never buy anything from a telephone salesman",
        ),
        (
            "je n'ai jamais commandé ça",
            "unwanted_order",
            "je n'ai jamais aimé ça",
        ),
        (
            "somebody placed an order with your card",
            "unwanted_order",
            "we placed the flowers by the door",
        ),
        (
            "there was an order on my amazon i never saw",
            "unwanted_order",
            "i keep my reading list on my amazon account",
        ),
        (
            "the message said i was getting charged every month",
            "unwanted_order",
            "the battery was getting charged overnight",
        ),
        (
            "this call is about the technical services on your computer",
            "tech_company",
            "he studies computer science at the university",
        ),
        (
            "l'abonnement de protection de votre ordinateur",
            "tech_company",
            "la protection de votre maison",
        ),
        (
            "there is an error connecting to the printer and i'm not able to print",
            "computer_problem",
            "the printer is in the basement next to the desk",
        ),
        (
            "mon imprimante ne fonctionne plus",
            "computer_problem",
            "mon imprimante est neuve",
        ),
        (
            "look at your keyboard and press the control key",
            "computer_guidance",
            "she plays the keyboard in a band",
        ),
        (
            "regardez sur votre clavier la touche contrôle",
            "computer_guidance",
            "le clavier du piano est désaccordé",
        ),
    ],
)
def test_finds_real_calls_pretexts_but_not_ordinary_talk(
    text: str, key: str, ordinary: str
) -> None:
    assert key in keys(text)
    assert key not in keys(ordinary)


@pytest.mark.parametrize(
    "text",
    [
        "We will never ask for your PIN or your passwords.",
        "Je ne vous demanderai jamais votre NIP.",
        "on vous demandera jamais de code ni de NIP au téléphone",
        "Never share your verification code with anyone.",
        "Ne donnez jamais votre NIP à personne.",
        "We will never ask you to pay by gift card.",
    ],
)
def test_reassurances_are_not_requests(text: str) -> None:
    found = {hit.cue for hit in find_cues(LEXICON, normalize(text), 0)}
    assert not any(cue.group in {Group.CREDENTIAL, Group.PAYMENT} for cue in found)
    assert "never_asks" in {cue.key for cue in found}


def test_benign_negated_idioms_do_not_hide_a_request() -> None:
    assert "one_time_code" in keys("Don't worry, just read me the code you received")
    assert "pin" in keys("Ne raccrochez pas, donnez-moi votre NIP")


def test_negation_does_not_leak_from_the_previous_segment() -> None:
    window = "si vous payez pas il faut payer avec des cartes prepayees"
    current_from = len("si vous payez pas ")
    found = {hit.cue.key for hit in find_cues(LEXICON, window, current_from)}
    assert "gift_cards" in found


def test_cue_spanning_two_segments_is_found_once() -> None:
    window = "please buy some google play cards"
    boundary = len("please buy some ")
    spanning = [hit.cue.key for hit in find_cues(LEXICON, window, boundary)]
    assert spanning.count("gift_cards") == 1
    assert "gift_cards" not in {hit.cue.key for hit in find_cues(LEXICON, window, len(window))}


def test_official_callback_is_not_a_card_code_request() -> None:
    found = keys("Raccrochez et appelez le numéro au dos de votre carte.")
    assert "official_callback" in found
    assert not found & {"card_codes", "card_number", "gift_cards"}


def test_mentioning_a_gift_card_is_not_asking_for_one() -> None:
    found = keys("Merci! Je me suis acheté une carte cadeau pour des livres.")
    assert found == {"gift_card_mention"}


def test_postal_code_is_not_a_one_time_code() -> None:
    assert "one_time_code" not in keys("can you confirm your postal code")


def test_every_signal_has_a_human_reason() -> None:
    lexicon_keys = {entry.key for entry in LEXICON}
    meta = CallMeta(
        from_="+15145559876",
        forwarded_from="+15145559876",
        stir_verstat="TN-Validation-Failed",
        caller_in_contacts=True,
        caller_velocity=20,
    )
    meta_keys = {signal.key for signal in metadata_signals(meta)}
    assert lexicon_keys | meta_keys <= known_keys()


def test_negation_check_reads_a_bounded_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long unpunctuated segment full of negated requests (a recorded disclaimer, a run-on
    transcript) costs its length: each match's negation check reads a bounded context, where it
    used to read the whole segment before it (quadratic: 14,000 words took 30 s)."""
    read: list[int] = []
    benign = cues._BENIGN

    class Counting:
        def sub(self, repl: str, string: str) -> str:
            read.append(len(string))
            return benign.sub(repl, string)

    monkeypatch.setattr(cues, "_BENIGN", Counting())
    text = "we will never ask for your pin or your password or your card number " * 300
    session = ScreeningSession(CallMeta(), "en", model=None)
    session.feed(Segment(1.0, "caller", text))
    assert len(read) > 100  # every match was checked: all of them are negated
    assert max(read) <= cues.NEGATION_CONTEXT
    assert session.assessment.verdict == "legit"
    # A negation still reaches a request right after it, however long the segment before it.
    far = "so yeah we went to the lake and had dinner " * 200 + "we will never ask for your pin"
    assert "pin" not in keys(far)
    assert "pin" in keys("so yeah we went to the lake and had dinner " * 200 + "tell me your pin")


def test_a_cue_matches_whole_words_of_any_alternative() -> None:
    built = cues.cue("fee", Group.PAYMENT, 1.5, r"processing fees?", "frais de dossier")
    assert (built.key, built.group, built.weight, built.negatable) == (
        "fee", Group.PAYMENT, 1.5, False
    )  # fmt: skip
    assert built.pattern.search("pay the processing fee today")
    assert built.pattern.search("payez les frais de dossier")
    assert not built.pattern.search("reprocessing fees")
    assert not built.pattern.search("processing feesx")
    assert cues.cue("pin", Group.CREDENTIAL, 2.0, "pin", negatable=True).negatable


def test_a_cue_said_again_in_the_current_segment_is_found() -> None:
    window = "give me your pin give me your pin"
    assert "pin" in {hit.cue.key for hit in find_cues(LEXICON, window, len("give me your pin "))}


def test_a_negation_ending_the_previous_segment_does_not_reach_this_one() -> None:
    window = "i do not know read me the code"
    found = {hit.cue.key for hit in find_cues(LEXICON, window, len("i do not know "))}
    assert "one_time_code" in found
    window = "i do not know tell me your pin"
    assert "pin" in {hit.cue.key for hit in find_cues(LEXICON, window, len("i do not know "))}


def test_a_negation_reaches_a_cue_that_started_in_the_previous_segment() -> None:
    window = "never read me the code"  # "never read me the" | "code"
    found = {hit.cue.key for hit in find_cues(LEXICON, window, len("never read me the "))}
    assert "one_time_code" not in found


def test_a_long_previous_segment_lends_no_negation_to_this_one() -> None:
    tail = "we went to the lake " * 7 + "and yes i did not"  # a tail the engine keeps
    words = "authentication verification confirmation straightforwardly responsibility"
    window = f"{tail} {words} accountability read me the code"
    assert len(tail) <= WINDOW_CHARS
    assert window.index("read") > cues.NEGATION_CONTEXT
    found = {hit.cue.key for hit in find_cues(LEXICON, window, len(tail) + 1)}
    assert "one_time_code" in found
    assert "one_time_code" not in keys(window)  # in one segment, the negation reaches it


def test_only_the_last_sentence_before_a_cue_can_negate_it() -> None:
    assert "pin" in keys("Hello. We never ask. Give me your PIN.")
    assert "pin" not in keys("Hello. We never ask for your PIN.")


def test_a_post_verbal_negation_reaches_the_next_words() -> None:
    assert "pin" not in keys("on vous demandera pas votre NIP")
    assert "pin" in keys("on vous demandera votre NIP")


def test_benign_idioms_do_not_count_towards_the_negations_reach() -> None:
    said = "we will never don't worry don't worry don't worry don't worry ask for your pin"
    assert "pin" not in keys(said)
    assert "pin" in keys(said.replace("never", "now"))


def test_the_negation_context_is_read_up_to_its_bound_included() -> None:
    before = "never " + "don t worry " * 19 + "so ok "
    assert len(before) == cues.NEGATION_CONTEXT
    assert "one_time_code" not in keys(before + "read me the code")
    assert "one_time_code" in keys("x " + before + "read me the code")  # "never" out of reach


def test_the_bounded_context_starts_at_a_whole_word() -> None:
    """Cut inside a word, "une" would read as the negation "ne"."""
    text = "x" * 50 + " une " + "don t worry " * 16 + "read me the code"
    assert text.index("read") - cues.NEGATION_CONTEXT < 50  # the bound falls in the long word
    assert "one_time_code" in keys(text)


def _anchors(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """:func:`cues.anchors` computed afresh: it caches per pattern, and the scorer's first use
    (or another test's) would otherwise answer for it."""
    return cues.anchors.__wrapped__(pattern)


def test_every_match_holds_one_of_its_cues_anchors() -> None:
    """The prefilter skips a cue whose anchors are all absent: exact only if every match of the
    cue contains one of them (checked on every segment of the development set)."""
    path = Path(runtime.screening.__file__).parent / "data" / "devset.jsonl"
    texts = [
        normalize(segment["text"])
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for segment in json.loads(line).get("segments", [])
    ]
    assert texts
    matched = 0
    for entry in LEXICON:
        needed = _anchors(entry.pattern)
        assert needed, entry.key  # every cue of the lexicon is prefiltered
        for text in texts:
            for match in entry.pattern.finditer(text):
                matched += 1
                assert any(anchor in match.group() for anchor in needed), (entry.key, match)
    assert matched > 100


@pytest.mark.parametrize(
    ("pattern", "anchors"),
    [
        (r"\b(?:gift cards?|cartes? cadeaux?)\b", {"gift card", " cadeau"}),
        (r"\b(?:read|give) me the code\b", {" me the code"}),
        (r"\b(?:a|b)?x\b", {"x"}),
        (r"\b\d+\b", None),
        (r"(?i:code)", None),
    ],
)
def test_anchors_are_literals_every_match_contains(pattern: str, anchors: set[str] | None) -> None:
    found = _anchors(re.compile(pattern))
    assert (None if found is None else set(found)) == anchors

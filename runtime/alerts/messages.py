"""Texts sent to emergency contacts, in the contact's language (French for ``fr-*``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runtime.screening.explain import is_french, known_keys, reason

__all__ = [
    "MAX_SEGMENTS",
    "alert_body",
    "alert_marker",
    "consent_reply",
    "local_time",
    "missed_call_body",
    "relative",
    "sms_segments",
    "to_gsm7",
    "translate_reasons",
    "zone_for",
]


@cache
def _reverse() -> dict[str, str]:
    found: dict[str, str] = {}
    for key in known_keys():
        found[reason(key, "en")] = key
        found[reason(key, "fr")] = key
    return found


def translate_reasons(reasons: Sequence[str], lang: str) -> list[str]:
    """Reasons stored in the tenant's language, given again in ``lang``."""
    reverse = _reverse()
    return [reason(reverse[r], lang) if r in reverse else r for r in reasons]


def alert_marker(alert_id: int, call_sid: str) -> str:
    """A reference in every alert, to find a message Twilio sent before we could record it."""
    return f"#{alert_id}-{call_sid[-6:]}"


# The tenant's region (``QC`` or ``CA-QC``) → its time zone, for the time written in alerts.
_ZONES = {
    "QC": "America/Toronto",  # Montréal keeps Toronto's time
    "ON": "America/Toronto",
    "BC": "America/Vancouver",
    "NY": "America/New_York",
    "US-CA": "America/Los_Angeles",
}
_DEFAULT_ZONE = "America/Toronto"

# GSM 03.38: any other character switches the whole SMS to UCS-2 (70 characters per segment
# instead of 160). https://www.twilio.com/docs/glossary/what-sms-character-limit
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€")  # two septets each
_TO_GSM7 = str.maketrans(
    {
        "ç": "c",
        "â": "a",
        "ê": "e",
        "ë": "e",
        "î": "i",
        "ï": "i",
        "ô": "o",
        "û": "u",
        "À": "A",
        "Â": "A",
        "È": "E",
        "Ê": "E",
        "Î": "I",
        "Ô": "O",
        "Ù": "U",
        "Û": "U",
        "\u2019": "'",
        "\u2018": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "…": "...",
    }
)
MAX_SEGMENTS = 2


def to_gsm7(text: str) -> str:
    """``text`` with the characters GSM-7 lacks replaced by their closest GSM-7 letters
    (``ç`` → ``c``, ``ô`` → ``o``, curly quotes → ``'``): é, è, à, ù and É stay, they are GSM-7."""
    return text.translate(_TO_GSM7)


def sms_segments(text: str) -> tuple[str, int]:
    """Encoding Twilio will use (``GSM-7`` or ``UCS-2``) and the number of segments."""
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in text):
        septets = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        return "GSM-7", 1 if septets <= 160 else -(-septets // 153)  # noqa: PLR2004
    units = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if units <= 70 else -(-units // 67)  # noqa: PLR2004


@cache
def zone_for(region: str) -> ZoneInfo | None:
    key = region.upper()
    name = _ZONES.get(key) or _ZONES.get(key.rsplit("-", 1)[-1]) or _DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - a system without tzdata
        return None


def local_time(at: datetime, region: str) -> datetime:
    """``at`` as the tenant reads it: in its region's time zone (UTC without tzdata); a naive
    ``at`` is UTC. Alerts, the person's notices and the pages' dates all go through it."""
    zone = zone_for(region)
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(zone or UTC)


def alert_body(
    *,
    lang: str,
    caller: str,
    caller_name: str | None,
    at: datetime,
    reasons: Sequence[str],
    marker: str,
    region: str = "",
    person_name: str | None = None,
) -> str:
    """Who called, when (the tenant's time zone), why, and what to do: in GSM-7 and at most
    two segments, reasons shortened first when they do not fit, then the caller's name cut
    (a name outside GSM-7, e.g. "Ł", would make the whole text UCS-2: it is dropped)."""
    local = local_time(at, region)
    name = (caller_name or "").strip()
    french = is_french(lang)
    person = relative(person_name, lang)
    why_all = translate_reasons(reasons, lang)
    for width, count in ((w, c) for w in (len(name), 24, 0) for c in range(len(why_all), -1, -1)):
        who = f"{name[:width]} ({caller})" if name and width else (caller or "?")
        why = "; ".join(why_all[:count]) or (
            "plusieurs signaux de fraude" if french else "several fraud signals"
        )
        if french:
            body = (
                f"Ethiq ALERTE FRAUDE: {person} a reçu un appel frauduleux probable de {who} "
                f"le {local:%d/%m} à {local:%H:%M}. Motifs: {why}. Appelez {person}: a-t-on "
                f"donné argent, carte, code ou NIP? Répondez OK si vous appelez. Réf {marker}"
            )
        else:
            body = (
                f"Ethiq FRAUD ALERT: {person} got a likely scam call from {who} on "
                f"{local:%b %d} at {local:%H:%M}. Why: {why}. Call {person}; check no money, "
                f"card, code or PIN was given. Reply OK if you call. Ref {marker}"
            )
        body = to_gsm7(body)
        if sms_segments(body)[1] <= MAX_SEGMENTS:
            return body
    return body


# What the call's verdict means to the person, French then English.
_VERDICTS = {
    "scam": ("fraude probable, ne rappelez pas ce numéro", "likely scam, do not call back"),
    "suspicious": ("suspect, méfiez-vous avant de rappeler", "suspicious, be careful calling back"),
}
_NO_SIGN = ("aucun signe de fraude détecté", "no sign of fraud detected")


def missed_call_body(
    *,
    lang: str,
    caller: str,
    caller_name: str | None,
    at: datetime,
    verdict: str | None,
    marker: str,
    region: str = "",
) -> str:
    """The person's missed call: who, when (the tenant's time zone), Ethiq's verdict, and that
    a voicemail was left. GSM-7 and one or two segments (a caller name is cut to fit)."""
    local = local_time(at, region)
    french = is_french(lang)
    said = _VERDICTS.get(verdict or "", _NO_SIGN)[0 if french else 1]
    name = (caller_name or "").strip()
    for width in (len(name), 24, 0):
        who = f"{name[:width]} ({caller})" if name and width else (caller or "?")
        if french:
            body = (
                f"Ethiq: appel manqué de {who} le {local:%d/%m} à {local:%H:%M}. Verdict: "
                f"{said}. Un message vocal a été laissé. Réf {marker}"
            )
        else:
            body = (
                f"Ethiq: missed call from {who} on {local:%b %d} at {local:%H:%M}. Verdict: "
                f"{said}. They left a voicemail. Ref {marker}"
            )
        body = to_gsm7(body)
        if sms_segments(body)[1] <= MAX_SEGMENTS:
            return body
    return body


_REPLIES = {
    # Also Twilio's Advanced Opt-Out reply to OUI/YES (runtime.alerts.keywords): the one
    # confirmation then, so it says what was agreed to, how often, the cost and how to stop.
    "consent": (
        "Ethiq: Merci, c'est confirmé. Vous recevrez une alerte de fraude par texto seulement "
        "si un appel frauduleux vise {person}. Frais de messagerie possibles. Répondez "
        "ARRET pour ne plus en recevoir, AIDE pour de l'aide.",
        "Ethiq: Thank you, confirmed. You will get a fraud alert text only if a scam call "
        "targets {person}. Msg&data rates may apply. Reply STOP to stop, HELP for help.",
    ),
    "already": (
        "Ethiq: c'est déjà confirmé, vous recevez les alertes de fraude pour {person}. "
        "Répondez ARRET pour ne plus en recevoir.",
        "Ethiq: already confirmed, you receive fraud alerts for {person}. Reply STOP to stop.",
    ),
    "withdraw": (
        "Vous ne recevrez plus d'alertes Ethiq pour {person}. Répondez OUI pour les recevoir "
        "de nouveau.",
        "You will no longer receive Ethiq alerts for {person}. Reply YES to receive them again.",
    ),
    "help": (
        "Ethiq protège {person} contre la fraude téléphonique et vous avertit par texto "
        "si un appel frauduleux est détecté. Répondez OUI pour accepter, ARRET pour refuser.",
        "Ethiq protects {person} from phone fraud and texts you when a scam call is "
        "detected. Reply YES to accept, STOP to opt out.",
    ),
    "unknown": (
        "Répondez OUI pour recevoir les alertes de fraude Ethiq, ARRET pour refuser, AIDE "
        "pour de l'aide.",
        "Reply YES to receive Ethiq fraud alerts, STOP to opt out, HELP for help.",
    ),
    "blocked": (
        "Vous aviez répondu STOP: pour recevoir de nouveau les alertes Ethiq, répondez START.",
        "You replied STOP earlier: to receive Ethiq alerts again, reply START.",
    ),
    "acknowledged": (
        "Merci, c'est noté: vous vous en chargez, nous n'alertons pas le contact suivant.",
        "Thank you, noted: you are handling it, we will not alert the next contact.",
    ),
    "stranger": (
        "Ce numéro envoie les alertes de fraude Ethiq à des contacts inscrits. Vous n'êtes pas "
        "inscrit.",
        "This number sends Ethiq fraud alerts to registered contacts. You are not registered.",
    ),
}


def relative(person_name: str | None, lang: str) -> str:
    """How a contact's texts name the protected person: their name, else "your relative"."""
    return person_name or ("votre proche" if is_french(lang) else "your relative")


def consent_reply(kind: str, lang: str, person_name: str = "") -> str:
    """The answer to a contact's reply, naming the protected person as their invitation did."""
    french, english = _REPLIES[kind]
    text = french if is_french(lang) else english
    return to_gsm7(text.format(person=relative(person_name, lang)))

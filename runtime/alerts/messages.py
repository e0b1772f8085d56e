"""Texts sent to emergency contacts, in the contact's language (French for ``fr-*``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runtime.screening.explain import is_french, known_keys, reason

__all__ = [
    "alert_body",
    "alert_marker",
    "consent_reply",
    "translate_reasons",
]

_TIMEZONE = "America/Toronto"


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


def _local(at: datetime) -> datetime:
    try:
        zone = ZoneInfo(_TIMEZONE)
    except ZoneInfoNotFoundError:  # pragma: no cover - a system without tzdata
        return at.astimezone(UTC)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone)


def alert_body(
    *,
    lang: str,
    person_number: str,
    caller: str,
    caller_name: str | None,
    at: datetime,
    reasons: Sequence[str],
    marker: str,
) -> str:
    """Who called, when, why, and what to do."""
    local = _local(at)
    who = f"{caller_name} ({caller})" if caller_name else (caller or "?")
    why = "; ".join(translate_reasons(reasons, lang))
    if is_french(lang):
        return (
            f"Ethiq - ALERTE FRAUDE : votre proche ({person_number}) a reçu un appel "
            f"probablement frauduleux de {who} le {local:%Y-%m-%d} à {local:%H:%M}. "
            f"Motifs : {why or 'plusieurs signaux de fraude'}. "
            "Que faire : appelez votre proche directement, rassurez-le et vérifiez qu'il n'a "
            "donné ni argent, ni carte, ni code, ni NIP. En cas de perte, contactez sa banque "
            f"et la police. Réf. {marker}"
        )
    return (
        f"Ethiq - FRAUD ALERT: your relative ({person_number}) received a likely scam call "
        f"from {who} on {local:%Y-%m-%d} at {local:%H:%M}. "
        f"Why: {why or 'several fraud signals'}. "
        "What to do: call your relative directly, reassure them and check they gave no money, "
        "card, code or PIN. If they did, call their bank and the police. "
        f"Ref. {marker}"
    )


_REPLIES = {
    "consent": (
        "Merci. Vous recevrez les alertes de fraude Ethiq pour votre proche. "
        "Répondez ARRET pour ne plus les recevoir, AIDE pour de l'aide.",
        "Thank you. You will receive Ethiq fraud alerts for your relative. "
        "Reply STOP to stop them, HELP for help.",
    ),
    "withdraw": (
        "Vous ne recevrez plus d'alertes Ethiq. Répondez OUI pour les recevoir de nouveau.",
        "You will no longer receive Ethiq alerts. Reply YES to receive them again.",
    ),
    "help": (
        "Ethiq protège votre proche contre la fraude téléphonique et vous avertit par texto "
        "si un appel frauduleux est détecté. Répondez OUI pour accepter, ARRET pour refuser.",
        "Ethiq protects your relative from phone fraud and texts you when a scam call is "
        "detected. Reply YES to accept, STOP to opt out.",
    ),
    "unknown": (
        "Répondez OUI pour recevoir les alertes de fraude Ethiq, ARRET pour refuser, AIDE "
        "pour de l'aide.",
        "Reply YES to receive Ethiq fraud alerts, STOP to opt out, HELP for help.",
    ),
    "stranger": (
        "Ce numéro envoie les alertes de fraude Ethiq à des contacts inscrits. Vous n'êtes pas "
        "inscrit.",
        "This number sends Ethiq fraud alerts to registered contacts. You are not registered.",
    ),
}


def consent_reply(kind: str, lang: str) -> str:
    french, english = _REPLIES[kind]
    return french if is_french(lang) else english

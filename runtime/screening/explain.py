"""Human reasons for a verdict, in the call's language (French for ``fr-*``, else English)."""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_REASONS", "is_french", "known_keys", "reason"]

MAX_REASONS: Final = 4

# key -> (English, French)
_REASONS: Final[dict[str, tuple[str, str]]] = {
    # Pretend
    "bank": ("claims to call from your bank", "dit appeler de votre banque"),
    "investigator": ("claims to run an investigation", "parle d'une enquête"),
    "police": ("claims to be the police", "se présente comme la police"),
    "government": ("claims to be a government agency", "se présente comme un organisme public"),
    "tech_company": ("claims to be technical support", "se présente comme le soutien technique"),
    "utility": ("claims to be your utility company", "se présente comme Hydro ou un fournisseur"),
    "clergy": ("claims to be from a church", "se présente comme quelqu'un de l'église"),
    "lawyer": ("mentions a lawyer or a court", "parle d'un avocat ou d'un tribunal"),
    "support_line": (
        "answers as a company's support or refund line",
        "se présente comme un service d'assistance ou de remboursement",
    ),
    # Problem
    "account_problem": ("says your account is compromised", "dit que votre compte est compromis"),
    "identity_problem": (
        "says your identity or SIN is compromised",
        "dit que votre identité ou votre NAS est compromis",
    ),
    "computer_problem": ("says your computer is infected", "dit que votre ordinateur est infecté"),
    "refund_pretext": ("offers a refund", "offre un remboursement"),
    "unwanted_order": (
        "talks about an order or charge you did not make",
        "parle d'une commande ou d'un prélèvement que vous n'avez pas fait",
    ),
    "warranty": ("says a warranty is expiring", "dit qu'une garantie arrive à échéance"),
    "arrest_bail": ("talks about an arrest or bail", "parle d'une arrestation ou d'une caution"),
    "emergency": ("describes an emergency", "décrit une urgence"),
    "verification_pretext": (
        "uses a verification pretext",
        "prétexte une vérification",
    ),
    "guess_who": ("caller does not say who they are", "l'appelant ne dit pas qui il est"),
    "impersonation_hint": (
        "explains away a different voice or number",
        "justifie une voix ou un numéro différent",
    ),
    # Threats
    "case_file": (
        "speaks of an official case or file in your name",
        "parle d'un dossier officiel à votre nom",
    ),
    "legal_threat": ("threatens arrest or legal action", "menace d'arrestation ou de poursuites"),
    "disconnection": ("threatens to cut off a service", "menace de couper un service"),
    "overdue": ("claims you owe money", "dit que vous devez de l'argent"),
    "suspension": ("threatens to suspend or block something", "menace de suspendre ou bloquer"),
    # Lures
    "prize": ("says you won a prize", "dit que vous avez gagné un prix"),
    "rate_reduction": (
        "offers a lower interest rate or debt relief",
        "offre un taux d'intérêt réduit ou d'effacer vos dettes",
    ),
    "endearment": ("uses terms of endearment", "utilise des mots doux"),
    "remote_romance": ("romance with someone never met", "relation avec une personne jamais vue"),
    "investment": ("promises guaranteed returns", "promet des rendements garantis"),
    # Pressure
    "urgency": ("pressures you to act now", "vous presse d'agir tout de suite"),
    "stay_on_line": ("tells you not to hang up", "vous dit de ne pas raccrocher"),
    "secrecy": ("asks you to keep it secret", "vous demande de garder le secret"),
    "confidential": ("insists on confidentiality", "insiste sur la confidentialité"),
    "coaching": (
        "tells you what to say to others",
        "vous dit quoi répondre aux autres",
    ),
    # Pay
    "gift_cards": ("asks for payment by gift cards", "demande un paiement en cartes-cadeaux"),
    "crypto": ("asks for payment in cryptocurrency", "demande un paiement en cryptomonnaie"),
    "wire_transfer": ("asks for a wire or money transfer", "demande un transfert d'argent"),
    "cash_withdrawal": ("asks you to withdraw cash", "vous demande de retirer de l'argent"),
    "courier_pickup": ("sends someone to pick something up", "envoie quelqu'un chercher un colis"),
    "safe_account": (
        "asks to move money to a 'safe' account",
        "veut déplacer l'argent « à l'abri »",
    ),
    "upfront_fee": ("asks for a fee up front", "demande des frais à l'avance"),
    "pay_or_else": (
        "demands payment under a threat or a deadline",
        "exige un paiement sous menace ou dans un délai",
    ),
    "gift_card_mention": ("talks about gift cards", "parle de cartes-cadeaux"),
    "card_codes": (
        "asks for the numbers on the back of cards",
        "demande les numéros au dos des cartes",
    ),
    "send_money": ("asks for money", "demande de l'argent"),
    # Credentials and access
    "one_time_code": ("asks for a one-time code", "demande un code de vérification"),
    "pin": ("asks for a PIN or password", "demande un NIP ou un mot de passe"),
    "sin_request": ("asks for your SIN", "demande votre NAS"),
    "card_number": ("asks for card details", "demande les informations de votre carte"),
    "bank_details": ("asks for your bank account details", "demande vos coordonnées bancaires"),
    "computer_guidance": (
        "tells you what to do on your computer",
        "vous guide sur votre ordinateur",
    ),
    "banking_login": ("asks for your online banking login", "demande vos accès bancaires"),
    "remote_access": ("asks for remote access to your computer", "demande un accès à distance"),
    "install_app": ("asks you to install an app or visit a site", "vous fait installer une appli"),
    "callback_number": ("gives a number to call back", "donne un numéro où rappeler"),
    # Robocalls
    "ivr_prompt": (
        "recorded message asks you to press a key",
        "message enregistré qui vous fait appuyer sur une touche",
    ),
    "recorded_notice": (
        "sounds like a recorded notice",
        "ressemble à un message enregistré",
    ),
    "robocall_followup": (
        'follows up a recorded call ("you pressed 1")',
        "fait suite à un appel enregistré (« vous avez appuyé sur 1 »)",
    ),
    "notice_followup": (
        "follows up a call, text or pop-up you did not ask for",
        "fait suite à un appel ou un texto non sollicité",
    ),
    "pretext_pair": (
        "a company or an agency calling about a problem it never phones people about",
        "un service qui appelle pour un problème dont il n'appelle jamais",
    ),
    "learned": (
        "sounds like known scam calls",
        "ressemble à des appels frauduleux connus",
    ),
    # Reassurances
    "never_asks": ("says they will never ask for codes", "dit ne jamais demander de codes"),
    "surprise": ("the secret is a surprise for someone", "le secret est une surprise"),
    "official_callback": (
        "tells you to call the official number",
        "vous dit d'appeler le numéro officiel",
    ),
    "self_initiated": ("follows up on your own request", "fait suite à votre demande"),
    # Metadata
    "stir_failed": (
        "caller ID failed STIR/SHAKEN",
        "l'identité de l'appelant a échoué STIR/SHAKEN",
    ),
    "stir_passed": ("caller ID verified", "identité de l'appelant vérifiée"),
    "hidden_caller": ("caller ID hidden", "numéro masqué"),
    "impossible_number": ("caller ID is not a real number", "le numéro affiché n'existe pas"),
    "own_number": ("caller ID shows your own number", "l'appel affiche votre propre numéro"),
    "neighbour_spoofing": (
        "caller ID imitates a number close to yours",
        "le numéro affiché imite un numéro voisin du vôtre",
    ),
    "velocity": ("this number is calling many people", "ce numéro appelle beaucoup de gens"),
    "in_contacts": ("caller is in your contacts", "l'appelant est dans vos contacts"),
}


def is_french(lang: str) -> bool:
    """Whether reasons are given in French (``fr``, ``fr-CA``, ``fr_ca``...)."""
    return lang.strip().lower().startswith("fr")


def reason(key: str, lang: str) -> str:
    """The reason for a signal key in the call's language."""
    english, french = _REASONS.get(key, (key.replace("_", " "), key.replace("_", " ")))
    return french if is_french(lang) else english


def known_keys() -> frozenset[str]:
    """Signal keys that have a human reason (the lexicon and metadata must stay covered)."""
    return frozenset(_REASONS)

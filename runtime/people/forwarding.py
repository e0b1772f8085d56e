"""Call forwarding: carriers' codes with the Ethiq number filled in, and where each came from.

GSM networks (every Canadian carrier and AT&T/T-Mobile today) accept the MMI codes of 3GPP
TS 22.030 (supplementary service codes, annex B) for call forwarding (TS 22.082):
``**21*<number>#`` registers and activates unconditional forwarding, ``##21#`` erases it;
``**004*<number>#`` all conditional forwarding (busy, no reply, not reachable), ``##004#``
erases it. Carriers that document other codes say so in ``source``.

Every ``source`` names where its codes came from, and says "not checked" unless it is the
carrier's own support page (only TELUS's is): the others are unverified, the page shows them
with their source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["CARRIERS", "Carrier", "ForwardingCodes", "codes_for"]

Format = Literal["e164", "nanp10"]

GSM_SOURCE: Final = (
    "3GPP TS 22.030 (MMI codes) and TS 22.082 (call forwarding); carrier page not checked"
)


@dataclass(frozen=True, slots=True)
class Carrier:
    key: str
    name: str
    country: Literal["CA", "US"]
    activate: str  # "{n}" is the Ethiq number in ``number_format``
    deactivate: str
    conditional: str | None
    conditional_off: str | None
    number_format: Format
    source: str


def _gsm(key: str, name: str, country: Literal["CA", "US"], source: str = GSM_SOURCE) -> Carrier:
    return Carrier(key, name, country, "**21*{n}#", "##21#", "**004*{n}#", "##004#", "e164", source)


CARRIERS: Final[dict[str, Carrier]] = {
    c.key: c
    for c in (
        _gsm("bell", "Bell", "CA"),
        _gsm("rogers", "Rogers", "CA"),
        _gsm("fido", "Fido", "CA"),
        Carrier(
            "telus",
            "TELUS",
            "CA",
            "*21*{n}#",
            "#21#",
            "**004*{n}#",
            "##004#",
            "nanp10",
            "TELUS Mobility support, call forwarding for HSPA/LTE devices "
            "(telusmobility.com/en/ON/support_services/callforwarding.shtml); conditional: "
            "3GPP TS 22.030",
        ),
        _gsm("koodo", "Koodo", "CA"),
        _gsm("virgin", "Virgin Plus", "CA"),
        _gsm("freedom", "Freedom Mobile", "CA"),
        _gsm(
            "videotron",
            "Vidéotron",
            "CA",
            "Vidéotron community forum, mobility: call forwarding on a mobile phone "
            "(forum.videotron.com/t5/mobility/call-forwarding-on-a-mobile-phone/m-p/828); "
            "Vidéotron's support page gives no code, only the phone's menu "
            "(support.videotron.com/business/mobile/optionnal-services/call-display-services/"
            "call-forwarding): carrier page not checked for these codes",
        ),
        _gsm("att", "AT&T", "US"),
        _gsm(
            "tmobile",
            "T-Mobile",
            "US",
            "T-Mobile GSM service codes, conditional call forwarding **004* "
            "(wiki.howardforums.com/index.php/T-Mobile_Conditional_Call_Forwarding, a users' "
            "wiki); T-Mobile's own page not checked",
        ),
        Carrier(
            "verizon",
            "Verizon",
            "US",
            "*72{n}",
            "*73",
            None,
            None,
            "nanp10",
            "Verizon star codes *72 + 10-digit number / *73, as summarised by "
            "bubblyphone.com/tools/call-forwarding-codes; Verizon's own page not checked",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class ForwardingCodes:
    carrier: Carrier
    activate: str
    deactivate: str
    conditional: str | None
    conditional_off: str | None


def codes_for(carrier_key: str, ethiq_number: str) -> ForwardingCodes:
    """The exact codes to dial on ``carrier_key`` to forward to ``ethiq_number`` (E.164).

    Unknown carriers get the generic GSM codes.
    """
    carrier = CARRIERS.get(carrier_key) or _gsm("gsm", "GSM", "CA")
    number = ethiq_number
    if carrier.number_format == "nanp10" and ethiq_number.startswith("+1"):
        number = ethiq_number[2:]
    return ForwardingCodes(
        carrier,
        carrier.activate.format(n=number),
        carrier.deactivate,
        carrier.conditional.format(n=number) if carrier.conditional else None,
        carrier.conditional_off,
    )

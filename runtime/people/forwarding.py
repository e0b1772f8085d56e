"""Call forwarding: carriers' codes with the Ethiq number filled in, and where each came from.

GSM networks (every Canadian carrier and AT&T/T-Mobile today) accept the MMI codes of 3GPP
TS 22.030 (supplementary service codes, annex B) for call forwarding (TS 22.082):
``**21*<number>#`` registers and activates unconditional forwarding, ``##21#`` erases it;
``**004*<number>#`` all conditional forwarding (busy, no reply, not reachable), ``##004#``
erases it. Carriers that document other codes say so in their source.

``activate``/``deactivate`` are unconditional forwarding (all calls, the phone never rings):
what Ethiq needs: with conditional forwarding the phone rings first, and a call answered there
never reaches the Ethiq number nor is screened. ``conditional`` forwards only when busy,
unanswered or unreachable; the page offers it second.

Every carrier's ``source_key`` names the sentence of the pages' texts (:mod:`.i18n`, in each
language) that says where its codes came from. ``page`` is the carrier's own support page that
states them (TELUS, Koodo, Vidéotron; Verizon's states ``*72`` but not ``*73``), empty when none
was found: the sentence then says "not checked", as it does for any code the page does not give
(the conditional codes are the standard's everywhere). T-Mobile's support page gives no code but
says forwarding goes to 10- or 11-digit numbers only, never international ones: its codes take
the 10-digit number, not the E.164 ``+1`` form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["CARRIERS", "Carrier", "ForwardingCodes", "codes_for"]

Format = Literal["e164", "nanp10"]

GSM_SOURCE: Final = "source_gsm"


@dataclass(frozen=True, slots=True)
class Carrier:
    key: str
    name: str
    country: Literal["CA", "US"]
    activate: str  # unconditional (all calls); "{n}" is the Ethiq number in ``number_format``
    deactivate: str
    conditional: str | None  # busy, no reply and not reachable only
    conditional_off: str | None
    number_format: Format
    source_key: str  # a key of runtime.people.i18n.TEXTS: where the codes came from
    page: str = ""  # the carrier's own page stating its codes; "" when none was found


def _gsm(
    key: str,
    name: str,
    country: Literal["CA", "US"],
    source: str = GSM_SOURCE,
    number_format: Format = "e164",
) -> Carrier:
    return Carrier(
        key, name, country, "**21*{n}#", "##21#", "**004*{n}#", "##004#", number_format, source
    )


def _star21(key: str, name: str, page: str) -> Carrier:
    """What TELUS's, Koodo's and Vidéotron's pages give: ``*21*`` + the 10-digit number + ``#``,
    ``#21#`` to stop (conditional forwarding: the standard's all-conditional code)."""
    source = f"source_{key}"
    return Carrier(
        key, name, "CA", "*21*{n}#", "#21#", "**004*{n}#", "##004#", "nanp10", source, page
    )


CARRIERS: Final[dict[str, Carrier]] = {
    c.key: c
    for c in (
        _gsm("bell", "Bell", "CA"),
        _gsm("rogers", "Rogers", "CA"),
        _gsm("fido", "Fido", "CA"),
        _star21("telus", "TELUS", "telusmobility.com/en/ON/support_services/callforwarding.shtml"),
        _star21("koodo", "Koodo", "koodomobile.com/en/help/call-forwarding"),
        _gsm("virgin", "Virgin Plus", "CA"),
        _gsm("freedom", "Freedom Mobile", "CA"),
        _star21("videotron", "Vidéotron", "videotron.com/service/wireless/faq/call-forwarding"),
        _gsm("att", "AT&T", "US"),
        _gsm("tmobile", "T-Mobile", "US", "source_tmobile", "nanp10"),
        Carrier(
            "verizon",
            "Verizon",
            "US",
            "*72{n}",
            "*73",
            None,
            None,
            "nanp10",
            "source_verizon",
            "verizonwireless.com/support/features/calling_features/call_forwarding.html",
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

"""The tenant as declared: a valid config with an emergency contact, data kept in its region,
and contacts who agreed to be alerted.

``values`` are the stack's ``ethiq:*`` config values without the prefix (see
:mod:`policies.stack_config`); ``registration`` is the properties of the tenant's
``TenantRegistration`` resource, the row the runtime routes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.tenant_config import REGIONS, ConfigError, validate_tenant
from policies.values import UNKNOWN

__all__ = ["residency_errors", "tenant_config_errors", "unconsented_contacts"]


def tenant_config_errors(
    stack: str, values: Mapping[str, Any], registration: Mapping[str, Any]
) -> list[str]:
    """The program's own validator on the stack's config, and at least one emergency contact in
    what is registered for the runtime."""
    if not values:
        return ["the stack's ethiq:* config did not reach the policy pack: nothing to validate"]
    errors: list[str] = []
    try:
        config = validate_tenant(stack, values)
    except ConfigError as error:
        errors.append(f"stacks/Pulumi.{stack}.yaml: ethiq:{error.key}: {error.reason}")
    else:
        region = registration.get("region", UNKNOWN)
        if region is not UNKNOWN and region != config.region:
            errors.append(f"the registration's region {region!r} is not ethiq:region")
    contacts = registration.get("contacts", UNKNOWN)
    if contacts is not UNKNOWN and not contacts:
        errors.append("the tenant registration has no emergency contact: alerts would go nowhere")
    return errors


def residency_errors(region: Any, data_region: str | None) -> list[str]:
    """The tenant's region is served, and the database it uses is in that region's data region."""
    if region is UNKNOWN:
        return []
    served = REGIONS.get(str(region))
    if served is None:
        return [f"region {region!r} is not a region Ethiq serves ({', '.join(sorted(REGIONS))})"]
    if not data_region:
        return [
            "the database's data region is unknown: set the policy config dataRegion "
            "(or ETHIQ_DATA_REGION) to the platform region of DATABASE_URL"
        ]
    if served.data_region != data_region:
        return [
            f"the data of a {region} tenant must stay in {served.data_region}, but the database "
            f"it uses is in {data_region}"
        ]
    return []


def unconsented_contacts(values: Mapping[str, Any]) -> list[str]:
    """Contacts who have not opted in to alerts yet (``consented: true`` once the runtime has
    recorded their consent): SMS rules in Canada and the US require the opt-in."""
    contacts = values.get("contacts")
    if not isinstance(contacts, list):
        return []
    return [
        f"emergency contact {index + 1} ({_who(contact)}) has not consented to alerts yet "
        f"(ethiq:contacts[{index}].consented)"
        for index, contact in enumerate(contacts)
        if not (isinstance(contact, Mapping) and contact.get("consented") is True)
    ]


def _who(contact: Any) -> str:
    """Name and the last digits only: policy output ends up in pull request comments."""
    if isinstance(contact, Mapping):
        number, name = str(contact.get("number", "")), str(contact.get("name", ""))
    else:
        number, _, name = str(contact).partition(":")
    masked = f"…{number.strip()[-4:]}"
    return f"{name.strip()}, {masked}" if name.strip() else masked

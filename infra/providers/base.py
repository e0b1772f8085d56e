"""What every Twilio dynamic provider shares: clients from secret inputs, diffs, adoption.

A concrete provider names its fields and implements ``find``/``create``/``update``/``delete``
against the twilio SDK. This base turns them into Pulumi's create/diff/update/delete:

- ``create`` looks for the resource first (``find``) and adopts it, so a create whose response
  was lost, or a run that crashed after Twilio committed, never makes a duplicate;
- ``diff`` compares only the declared fields (credentials are never a reason to change);
- fields in ``replace_fields`` force a replacement, the others are updated in place.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pulumi import dynamic
from twilio.rest import Client

from runtime.telephony.twilio_api import TwilioCredentials, make_client

__all__ = ["CREDENTIALS", "TwilioProvider"]

CREDENTIALS = "credentials"


class TwilioProvider(dynamic.ResourceProvider):
    kind: ClassVar[str]
    update_fields: ClassVar[tuple[str, ...]] = ()
    replace_fields: ClassVar[tuple[str, ...]] = ()

    # --- what a concrete provider implements -------------------------------------------------
    def find(self, client: Client, props: dict[str, Any]) -> dict[str, Any] | None:
        """The existing resource's outputs, or None."""
        raise NotImplementedError

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        """Create the resource in Twilio; return its outputs (``sid`` included)."""
        raise NotImplementedError

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        """Apply ``update_fields`` in place; return the new outputs."""
        raise NotImplementedError

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        raise NotImplementedError

    def account_sid(self, props: dict[str, Any]) -> str | None:
        """The subaccount the resource lives in (None: the parent account)."""
        value = props.get("account_sid")
        return str(value) if value else None

    # --- Pulumi's protocol -------------------------------------------------------------------
    def client(self, props: dict[str, Any]) -> Client:
        credentials = TwilioCredentials.from_mapping(props[CREDENTIALS])
        return make_client(credentials, account_sid=self.account_sid(props))

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        client = self.client(props)
        found = self.find(client, props)
        # A found resource is adopted (lost response, crashed run) and brought to the desired state.
        outs = (
            self.make(client, props) if found is None else self.change(client, found["sid"], props)
        )
        return dynamic.CreateResult(id_=outs["sid"], outs=_outputs(props, outs))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        fields = self.update_fields + self.replace_fields
        changed = [f for f in fields if olds.get(f) != news.get(f)]
        replaces = [f for f in changed if f in self.replace_fields]
        return dynamic.DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        outs = self.change(self.client(news), olds["sid"], news)
        # New inputs win over old outputs; what Twilio returned wins over both.
        return dynamic.UpdateResult(outs=_outputs({**olds, **news}, outs))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self.remove(self.client(props), props["sid"], props)


def _outputs(props: dict[str, Any], outs: dict[str, Any]) -> dict[str, Any]:
    """Outputs = inputs + what Twilio returned.

    The credentials stay in the outputs because ``delete`` receives nothing else; every resource
    class lists them in ``additional_secret_outputs`` so they are encrypted in the state.
    """
    merged = {**props, **outs}
    merged.pop("__provider", None)
    return merged

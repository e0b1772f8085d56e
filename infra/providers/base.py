"""What every Twilio dynamic provider shares: clients, diffs, ownership, adoption, drift.

A concrete provider names its fields and implements ``find``/``fetch``/``make``/``change``/
``remove`` against the twilio SDK. This base turns them into Pulumi's create/diff/update/
read/delete:

- ``create`` looks for the resource first (``find``) and adopts it only when it carries this
  platform's and this stack's identity (a lost response, a crashed run); a resource of another
  owner is refused with an error naming it (:mod:`infra.providers.ownership`);
- every create or adoption writes a new generation into the resource's friendly name, and
  ``delete`` leaves a resource alone when Twilio holds a newer generation than its state: in a
  create-before-delete replacement (``--replace``, a rename without aliases) the adopted SID is
  never deleted;
- ``read`` returns what Twilio holds now (``pulumi refresh``, ``ethiq drift``): a changed webhook
  shows as a diff, a deleted resource (or one whose subaccount was closed) leaves the state, and
  the next ``up`` repairs both;
- ``diff`` compares only the declared fields (credentials are never a reason to change);
  fields in ``replace_fields`` force a replacement, the others are updated in place;
- the parent credentials come from the environment of the run (``TWILIO_ACCOUNT_SID``,
  ``TWILIO_AUTH_TOKEN``, ``TWILIO_API_BASE_URL``) when set, so a rotated token works for
  refresh and destroy too; the secret copy in the state is only a fallback.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi import dynamic
from twilio.base.exceptions import TwilioRestException

from infra.providers.ownership import Owner, new_generation, parse_tag
from infra.providers.retry import ProvisioningError, call_twilio
from runtime.telephony.twilio_api import TwilioCredentials, make_client

if TYPE_CHECKING:  # the SDK's client loads requests: ~0.2 s per process, types only
    from twilio.rest import Client

__all__ = ["CREDENTIALS", "SubaccountProvider", "TwilioProvider", "parent_credentials"]

CREDENTIALS = "credentials"
_AUTHENTICATE = 20003
_NOT_FOUND = 404


def parent_credentials(props: dict[str, Any]) -> TwilioCredentials:
    """The run's parent credentials (environment), else the ones the state kept."""
    sid, token = os.environ.get("TWILIO_ACCOUNT_SID"), os.environ.get("TWILIO_AUTH_TOKEN")
    if sid and token:
        return TwilioCredentials(sid, token, os.environ.get("TWILIO_API_BASE_URL", ""))
    return TwilioCredentials.from_mapping(props[CREDENTIALS])


class TwilioProvider(dynamic.ResourceProvider):
    kind: ClassVar[str]
    update_fields: ClassVar[tuple[str, ...]] = ()
    replace_fields: ClassVar[tuple[str, ...]] = ()
    # The Twilio friendly name carries the owner tag (``friendly_name`` input → ``twilio_name``).
    tagged: ClassVar[bool] = True

    # --- what a concrete provider implements -------------------------------------------------
    def find(self, client: Client, props: dict[str, Any]) -> list[dict[str, Any]]:
        """Existing resources that could be this one, whoever owns them (outputs each)."""
        raise NotImplementedError

    def fetch(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        """The live resource's outputs, or None when Twilio no longer has it."""
        raise NotImplementedError

    def make(self, client: Client, props: dict[str, Any]) -> dict[str, Any]:
        """Create the resource in Twilio; return its outputs (``sid`` included)."""
        raise NotImplementedError

    def change(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        """Apply ``update_fields`` (and the friendly name) in place; return the new outputs."""
        raise NotImplementedError

    def remove(self, client: Client, sid: str, props: dict[str, Any]) -> None:
        raise NotImplementedError

    def adopt(self, client: Client, sid: str, props: dict[str, Any]) -> dict[str, Any]:
        """Bring a found resource of ours to the desired state."""
        return self.change(client, sid, props)

    def account_sid(self, props: dict[str, Any]) -> str | None:
        """The subaccount the resource lives in (None: the parent account)."""
        value = props.get("account_sid")
        return str(value) if value else None

    # --- shared helpers ----------------------------------------------------------------------
    def client(self, props: dict[str, Any]) -> Client:
        return make_client(parent_credentials(props), account_sid=self.account_sid(props))

    def mine(self, client: Client, props: dict[str, Any]) -> dict[str, Any] | None:
        """The found resource this very create wrote (same tag, generation included): what a
        retry after an uncertain write adopts."""
        for found in self.find(client, props):
            if not self.tagged or found.get("twilio_name") == props["twilio_name"]:
                return found
        return None

    def _desired(self, props: dict[str, Any], generation: str | None) -> dict[str, Any]:
        if not self.tagged:
            return dict(props)
        generation = generation or new_generation()
        owner = Owner.from_props(props)
        return {
            **props,
            "generation": generation,
            "twilio_name": owner.tag(props["friendly_name"], generation),
        }

    def _claim(self, found: list[dict[str, Any]], props: dict[str, Any]) -> dict[str, Any] | None:
        """Ours among ``found`` (to adopt), None when there is none; another owner's: refused."""
        if not self.tagged:
            return found[0] if found else None
        owner = Owner.from_props(props)
        for item in found:
            tag = parse_tag(item.get("twilio_name"))
            if tag.name != props["friendly_name"]:
                continue
            if owner.same(tag):
                return item
            if tag.platform is not None and tag.platform != owner.platform:
                continue  # another platform's tenant of the same name: it keeps its own
            adopt = (
                f" If it is this tenant's and its stack is gone (`pulumi stack rm --force`, a "
                f"lost backend), adopt it: set `ethiq:adoptStackId: {tag.stack_id}` in "
                f"stacks/Pulumi.{owner.stack}.yaml (a reviewed change; the next up adopts what "
                "that stack id owns). Otherwise,"
                if tag.stack_id is not None
                else " Either"
            )
            raise ProvisioningError(
                f"the {self.kind} {item['sid']} ({item.get('twilio_name')!r}) belongs to "
                f"{tag.describe()}, not to this stack ({owner.describe()}); refusing to adopt "
                f"it.{adopt} run this stack from the backend that owns it (the same "
                "PULUMI_BACKEND_URL), move that stack's state here (`pulumi stack export` / "
                "`pulumi stack import`), or choose another tenant name."
            )
        return None

    # --- Pulumi's protocol -------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        client = self.client(props)
        desired = self._desired(props, None)
        ours = self._claim(self.find(client, desired), desired)
        outs = (
            self.make(client, desired) if ours is None else self.adopt(client, ours["sid"], desired)
        )
        return dynamic.CreateResult(id_=outs["sid"], outs=_outputs(desired, outs))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        fields = self.update_fields + self.replace_fields
        changed = [f for f in fields if olds.get(f) != news.get(f)]
        if self.tagged:
            # The owner is unknown in a preview that also creates the stack identity (a stack
            # from before ownership tags): then the retag is certain.
            known = isinstance(news.get("owner"), dict) and isinstance(
                news.get("friendly_name"), str
            )
            expected = (
                Owner.from_props(news).tag(news["friendly_name"], olds.get("generation") or "")
                if known
                else None
            )
            if olds.get("owner") != news.get("owner") or olds.get("twilio_name") != expected:
                changed.append("twilio_name")  # untagged yet, or renamed in Twilio: retag
        replaces = [f for f in changed if f in self.replace_fields]
        return dynamic.DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=False
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        desired = self._desired(news, olds.get("generation"))
        outs = self.change(self.client(news), olds["sid"], desired)
        # New inputs win over old outputs; what Twilio returned wins over both.
        return dynamic.UpdateResult(outs=_outputs({**olds, **desired}, outs))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        try:
            live = self.fetch(self.client(props), props.get("sid") or id_, props)
        except ProvisioningError as error:
            if error.code != _AUTHENTICATE or not self._account_closed(props):
                raise
            live = None  # its subaccount was closed: Twilio keeps nothing of it
        if live is None:
            return dynamic.ReadResult(None, {})  # gone: refresh drops it, `up` recreates it
        return dynamic.ReadResult(id_, _outputs(props, live))

    def _account_closed(self, props: dict[str, Any]) -> bool:
        """Whether the subaccount this resource lives in is closed (or gone).

        Twilio answers 20003 to any request made in a closed subaccount, even with the parent's
        credentials; only the parent can still see the account and its status.
        """
        sid = self.account_sid(props)
        if sid is None:
            return False
        parent = make_client(parent_credentials(props))
        try:
            account = parent.api.v2010.accounts(sid).fetch()
        except TwilioRestException as error:
            if error.status == _NOT_FOUND:
                return True
            raise ProvisioningError.from_twilio("reading the subaccount", error) from None
        return bool(account.status == "closed")

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        client = self.client(props)
        if self.tagged and props.get("generation"):
            live = self.fetch(client, props["sid"], props)
            if live is None:
                return  # already gone
            tag = parse_tag(live.get("twilio_name"))
            if tag.generation != props["generation"] or not Owner.from_props(props).same(tag):
                pulumi.log.info(
                    f"{self.kind} {props['sid']} was adopted by a newer resource "
                    f"({live.get('twilio_name')!r}): kept"
                )
                return
        self.remove(client, props["sid"], props)


class SubaccountProvider(TwilioProvider):
    """Signs with the subaccount's own credentials, as Twilio asks for CRUD within a subaccount
    on the APIs whose URLs name no account (Messaging, Serverless: they act on the signing
    account; https://www.twilio.com/docs/iam/api/subaccounts).

    The subaccount's token is read through the parent at each run, never kept in the state: a
    token rotated in the Console (a secondary token, promoted) is picked up by the next refresh,
    update or destroy.
    """

    def subaccount_credentials(self, props: dict[str, Any]) -> TwilioCredentials:
        parent = parent_credentials(props)
        sid = str(props["account_sid"])
        account = call_twilio(
            lambda: make_client(parent).api.v2010.accounts(sid).fetch(),
            what="reading the subaccount for its own credentials",
        )
        return TwilioCredentials(sid, account.auth_token, parent.base_url)

    def client(self, props: dict[str, Any]) -> Client:
        return make_client(self.subaccount_credentials(props))


def _outputs(props: dict[str, Any], outs: dict[str, Any]) -> dict[str, Any]:
    """Outputs = inputs + what Twilio returned.

    The credentials stay in the outputs (a fallback when the environment has none, since
    ``delete`` receives nothing else); every resource class lists them in
    ``additional_secret_outputs`` so they are encrypted in the state.
    """
    merged = {**props, **outs}
    merged.pop("__provider", None)
    return merged

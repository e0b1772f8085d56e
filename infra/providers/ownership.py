"""Who owns a Twilio resource, written where Twilio keeps it: the resource's friendly name.

A tenant's resources carry ``<name>@<platform>#<stack id>.<generation>``:

- ``platform``: this platform's id (``ETHIQ_PLATFORM_ID``, e.g. ``prod``, ``staging``; default
  ``local``), so two platforms on one parent account never mistake each other's tenants;
- ``stack id``: 8 hex digits drawn once per stack and kept in that stack's state
  (:class:`StackIdentity`), so two backends holding a stack of the same name differ;
- ``generation``: 4 hex digits drawn each time a resource is created or adopted. Pulumi replaces
  create-before-delete; when the new resource adopts the old one's SID, the old one's delete
  finds a newer generation in Twilio and leaves the resource alone (nothing adopted is ever
  deleted).

``create`` adopts only a resource carrying this platform's and this stack's identity (a lost
response, a crash); any other owner is refused with an error that names it. A stack removed from
its backend while its resources lived on (``pulumi stack rm --force``, a lost backend) leaves
them under its stack id: a new stack of that tenant adopts them only when its stack file says
so (``ethiq:adoptStackId: <stack id>``: the next ``up`` makes it this stack's id), the GitOps
form of ``pulumi import``, which dynamic resources lack (pulumi/pulumi#16175).
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final

import pulumi
from pulumi import dynamic

__all__ = [
    "PLATFORM_ENV",
    "STACK_ID",
    "Owner",
    "StackIdentity",
    "Tag",
    "new_generation",
    "parse_tag",
    "platform_id",
]

PLATFORM_ENV: Final = "ETHIQ_PLATFORM_ID"
STACK_ID: Final = re.compile(r"^[0-9a-f]{8}$")
_PLATFORM = re.compile(r"^[a-z][a-z0-9-]{0,9}$")
_TAG = re.compile(
    r"^(?P<name>.+)@(?P<platform>[a-z][a-z0-9-]{0,9})#(?P<stack_id>[0-9a-f]{8})\.(?P<gen>[0-9a-f]{4})$"
)


def platform_id() -> str:
    """This platform's id, from ``ETHIQ_PLATFORM_ID`` (default ``local``)."""
    value = os.environ.get(PLATFORM_ENV, "").strip() or "local"
    if not _PLATFORM.match(value):
        raise ValueError(
            f"{PLATFORM_ENV}={value!r}: 1-10 characters, lowercase letters, digits and hyphens"
        )
    return value


@dataclass(frozen=True)
class Owner:
    platform: str
    stack: str
    stack_id: str

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> Owner:
        owner = props["owner"]
        return cls(owner["platform"], owner["stack"], owner["stack_id"])

    def tag(self, name: str, generation: str) -> str:
        return f"{name}@{self.platform}#{self.stack_id}.{generation}"

    def same(self, tag: Tag) -> bool:
        return tag.platform == self.platform and tag.stack_id == self.stack_id

    def describe(self) -> str:
        return f"platform {self.platform!r}, stack {self.stack!r} (stack id {self.stack_id})"


@dataclass(frozen=True)
class Tag:
    name: str
    platform: str | None = None
    stack_id: str | None = None
    generation: str | None = None

    def describe(self) -> str:
        if self.platform is None:
            return "no owner (made before resources carried their owner, or by hand)"
        return f"platform {self.platform!r}, stack id {self.stack_id}"


def parse_tag(text: str | None) -> Tag:
    match = _TAG.match(text or "")
    if match is None:
        return Tag(text or "")
    return Tag(match["name"], match["platform"], match["stack_id"], match["gen"])


def new_generation() -> str:
    return secrets.token_hex(2)


class _IdentityProvider(dynamic.ResourceProvider):
    """Draws the stack id once; only an ``adopt`` id differing from it changes it afterwards
    (state only, nothing in Twilio)."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        outs = {**props, "stack_id": props.get("adopt") or secrets.token_hex(4)}
        return dynamic.CreateResult(id_=outs["stack_id"], outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        adopt = news.get("adopt")
        return dynamic.DiffResult(changes=bool(adopt) and adopt != olds.get("stack_id"))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        # Only ``ethiq:adoptStackId`` changes the id: the stack's resources then carry that
        # stack's identity (found ones are adopted, the stack's own retagged in place).
        return dynamic.UpdateResult(outs={**olds, **news, "stack_id": news["adopt"]})

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        return dynamic.ReadResult(id_, props)


class StackIdentity(dynamic.Resource, module="ethiq", name="StackIdentity"):
    """This stack's identity: ``owner`` = {platform, stack, stack_id}, for every resource."""

    platform: pulumi.Output[str]
    stack: pulumi.Output[str]
    stack_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        stack: str,
        adopt: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"platform": platform_id(), "stack": stack, "stack_id": None}
        if adopt:  # only then: the state of a stack without it stays as it was
            props["adopt"] = adopt
        super().__init__(_IdentityProvider(), name, props, opts)
        self.owner: pulumi.Output[dict[str, str]] = pulumi.Output.all(
            platform=self.platform, stack=self.stack, stack_id=self.stack_id
        )

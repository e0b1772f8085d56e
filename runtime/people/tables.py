"""Tables of piccolo app ``people``, in the platform database (next to the registry).

They hold what the person's pages need across tenants: who may sign in for which tenant (the
login email is the lookup key), the onboarding steps, used magic links (single use) and the
forwarding test calls.
"""

from __future__ import annotations

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = [
    "ContactChange",
    "ForwardingTest",
    "LoginLink",
    "OnboardingStep",
    "Person",
    "SignupRequest",
]


class Person(Table, tablename="person"):
    """The protected person (or their helper) of one tenant."""

    slug = Varchar(length=63, unique=True)
    email = Varchar(length=254, unique=True)
    language = Varchar(length=5)
    own_number = Varchar(length=16, default="")  # their own mobile number (E.164), if given
    platform = Varchar(length=16, default="")  # iphone | android
    carrier = Varchar(length=32, default="")  # a key of runtime.people.forwarding.CARRIERS
    created_at = Timestamptz()
    updated_at = Timestamptz()


class OnboardingStep(Table, tablename="onboarding_step"):
    """One completed step of a tenant's onboarding: when, and how it completed; or, with
    ``step`` = ``operator:<action>``, the first time an operator acted on it outside its steps
    (see :data:`runtime.people.onboarding.BY_OPERATOR`)."""

    key = Varchar(length=128, unique=True)  # "<slug>:<step>": a step completes once
    slug = Varchar(length=63, index=True)
    step = Varchar(length=32)
    how = Text()
    completed_at = Timestamptz()


class LoginLink(Table, tablename="login_link"):
    """A magic link issued; ``used_at`` set once, atomically, when it signs someone in."""

    nonce = Varchar(length=64, unique=True)
    slug = Varchar(length=63)
    created_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class ForwardingTest(Table, tablename="forwarding_test"):
    """A test call placed for the person's onboarding, of one ``kind``:

    - ``forwarding``: to the person's own number, ``calling`` until it comes back to the Ethiq
      number (``passed``) or Twilio reports how the call ended without coming back (``failed``,
      ``outcome`` = the call's status: ``completed`` (answered), ``no-answer``, ``busy``, …);
    - ``app``: to the person's SIP app, ``passed`` once the app answered (Twilio's final status
      ``completed``), else ``failed`` with the status (``no-answer``, ``busy``, ``failed``)."""

    token = Varchar(length=32, unique=True)  # ours, in the status callback URL (signed)
    kind = Varchar(length=16, default="forwarding")
    call_sid = Varchar(length=34, default="")  # the outbound leg, once Twilio answered
    slug = Varchar(length=63, index=True)
    own_number = Varchar(length=16)
    status = Varchar(length=16, default="calling")
    outcome = Varchar(length=32, default="")
    forwarded_from = Varchar(length=32, default="")
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class ContactChange(Table, tablename="contact_change"):
    """A change to a tenant's emergency contacts asked for on the person's page. The page never
    writes the contacts themselves (the stack file declares them): ``ethiq people
    commit-changes`` turns pending changes into a commit of the stack file (``committed``,
    ``commit`` = its sha, ``expect`` = the contacts' numbers in order after it), or refuses one
    the stack's rules reject (``refused``, ``detail`` says why); the reconcile applies it."""

    slug = Varchar(length=63, index=True)
    op = Varchar(length=8)  # add | remove | up | down
    number = Varchar(length=16)
    name = Varchar(length=100, default="")
    language = Varchar(length=8, default="")  # a new contact's own; "" : the tenant's
    state = Varchar(length=12, default="pending")
    commit = Varchar(length=40, default="")
    expect = Text(default="")  # comma-separated E.164 numbers
    detail = Text(default="")
    requested_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)


class SignupRequest(Table, tablename="signup_request"):
    """A request for protection from the sign-up page (:mod:`runtime.people.signups`): it
    becomes a new stack file in a commit to review (``tenant``, ``commit``), or an operator
    writes the stack and marks it done; never a tenant by itself."""

    name = Varchar(length=100)
    email = Varchar(length=254, index=True)
    phone = Varchar(length=16)
    language = Varchar(length=5)
    region = Varchar(length=8, default="")  # a key of runtime.regions.REGIONS
    contact_name = Varchar(length=100, default="")  # their first emergency contact
    contact_number = Varchar(length=16, default="")
    # pending | stacked | claimed | greet | done | refused (runtime.people.signups)
    state = Varchar(length=8, default="pending")
    requested_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)
    tenant = Varchar(length=63, default="")  # the stack written for it, if committed
    commit = Varchar(length=40, default="")  # the commit that added the stack file
    reason = Text(default="")  # why its enrolment was refused (state refused; done_at: when)

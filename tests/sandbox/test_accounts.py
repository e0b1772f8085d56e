from __future__ import annotations

from collections.abc import Callable

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ethiq.sandbox.server import SandboxHandle


def test_subaccount_create_list_fetch_and_close(parent: Client, sandbox: SandboxHandle) -> None:
    sub = parent.api.v2010.accounts.create(friendly_name="tenant-alice")

    assert sub.sid.startswith("AC")
    assert len(sub.sid) == 34
    assert sub.sid != sandbox.account_sid
    assert sub.auth_token
    assert sub.status == "active"
    assert sub.owner_account_sid == sandbox.account_sid
    assert sub.date_created is not None  # the SDK parsed Twilio's RFC 2822 date

    listed = parent.api.v2010.accounts.list(friendly_name="tenant-alice")
    assert [a.sid for a in listed] == [sub.sid]
    assert {a.sid for a in parent.api.v2010.accounts.list()} == {sandbox.account_sid, sub.sid}

    closed = parent.api.v2010.accounts(sub.sid).update(status="closed")
    assert closed.status == "closed"
    assert [a.sid for a in parent.api.v2010.accounts.list(status="closed")] == [sub.sid]
    assert parent.api.v2010.accounts(sub.sid).fetch().status == "closed"


def test_closing_releases_the_accounts_numbers(
    parent: Client, client_for: Callable[..., Client], sandbox: SandboxHandle
) -> None:
    sub = parent.api.v2010.accounts.create(friendly_name="leaving")
    bought = client_for(sub.sid).incoming_phone_numbers.create(phone_number="+15145550100")

    parent.api.v2010.accounts(sub.sid).update(status="closed")

    assert sandbox.control.state()["incoming_phone_numbers"] == []
    again = parent.incoming_phone_numbers.create(phone_number=bought.phone_number)
    assert again.account_sid == sandbox.account_sid


def test_parent_credentials_act_on_a_subaccount(
    parent: Client, client_for: Callable[..., Client]
) -> None:
    sub = parent.api.v2010.accounts.create(friendly_name="t")
    number = client_for(sub.sid).incoming_phone_numbers.create(phone_number="+15145550101")
    assert number.account_sid == sub.sid
    assert parent.incoming_phone_numbers.list() == []  # bought in the subaccount, not the parent


def test_subaccount_credentials_only_reach_the_subaccount(
    parent: Client, client_for: Callable[..., Client], sandbox: SandboxHandle
) -> None:
    alice = parent.api.v2010.accounts.create(friendly_name="alice")
    bob = parent.api.v2010.accounts.create(friendly_name="bob")
    as_alice = client_for(alice.sid, alice.auth_token)

    assert as_alice.incoming_phone_numbers.list() == []
    assert [a.sid for a in as_alice.api.v2010.accounts.list()] == [alice.sid]

    targets = {"parent": sandbox.account_sid, "sibling": bob.sid}
    for target in targets.values():
        with pytest.raises(TwilioRestException) as caught:
            as_alice.api.v2010.accounts(target).incoming_phone_numbers.create(area_code="514")
        assert (caught.value.status, caught.value.code) == (401, 20003)
        with pytest.raises(TwilioRestException) as caught:
            as_alice.api.v2010.accounts(target).fetch()
        assert (caught.value.status, caught.value.code) == (401, 20003)
    with pytest.raises(TwilioRestException) as caught:
        as_alice.api.v2010.accounts.create(friendly_name="grandchild")
    assert caught.value.code == 20003


def test_bad_or_missing_credentials_get_20003(
    client_for: Callable[..., Client], sandbox: SandboxHandle
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client_for(sandbox.account_sid, "not-the-token").api.v2010.accounts.create()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert sandbox.control.requests()[-1].code == 20003


def test_a_closed_subaccounts_credentials_stop_working(
    parent: Client, client_for: Callable[..., Client]
) -> None:
    sub = parent.api.v2010.accounts.create(friendly_name="closing")
    parent.api.v2010.accounts(sub.sid).update(status="closed")

    with pytest.raises(TwilioRestException) as caught:
        client_for(sub.sid, sub.auth_token).api.v2010.accounts(sub.sid).fetch()
    assert caught.value.code == 20003
    with pytest.raises(TwilioRestException) as caught:  # parent acting in a closed subaccount
        client_for(sub.sid).incoming_phone_numbers.create(area_code="514")
    assert caught.value.code == 20003
    with pytest.raises(TwilioRestException) as caught:
        parent.api.v2010.accounts(sub.sid).update(status="active")
    assert caught.value.status == 400


def test_unknown_account_is_404(parent: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        parent.api.v2010.accounts("AC" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_the_parent_token_rotates_as_twilio_documents(
    parent: Client, client_for: Callable[..., Client], sandbox: SandboxHandle
) -> None:
    """A secondary token works beside the primary; once promoted, the old primary gets 20003."""
    with pytest.raises(TwilioRestException) as caught:
        parent.accounts.v1.auth_token_promotion().update()  # nothing to promote yet
    assert caught.value.status == 400
    secondary = parent.accounts.v1.secondary_auth_token().create()
    assert secondary.account_sid == sandbox.account_sid
    token = secondary.secondary_auth_token
    assert client_for(sandbox.account_sid, token).api.v2010.accounts(sandbox.account_sid).fetch()
    assert parent.api.v2010.accounts(sandbox.account_sid).fetch()  # both work meanwhile

    promoted = parent.accounts.v1.auth_token_promotion().update()
    assert promoted.auth_token == token
    with pytest.raises(TwilioRestException) as caught:
        parent.api.v2010.accounts(sandbox.account_sid).fetch()
    assert caught.value.code == 20003
    rotated = client_for(sandbox.account_sid, token)
    assert rotated.api.v2010.accounts.create(friendly_name="after rotation").status == "active"

    spare = rotated.accounts.v1.secondary_auth_token().create().secondary_auth_token
    rotated.accounts.v1.secondary_auth_token().delete()  # revoked: only the primary works
    with pytest.raises(TwilioRestException) as caught:
        client_for(sandbox.account_sid, spare).api.v2010.accounts(sandbox.account_sid).fetch()
    assert caught.value.code == 20003
    sandbox.control.reset()  # the next test gets the sandbox's own token back
    assert parent.api.v2010.accounts(sandbox.account_sid).fetch()

"""Records → Twilio's JSON shapes (snake_case fields, RFC 2822 dates, uris, paging envelope)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from ethiq.sandbox.formats import API_VERSION, format_date, friendly_number
from ethiq.sandbox.inventory import AvailableNumber
from ethiq.sandbox.state import (
    Account,
    Call,
    Conference,
    Credential,
    CredentialList,
    IncomingNumber,
    Mapping,
    Message,
    Participant,
    SipDomain,
    Store,
    Transcription,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "account",
    "available_number",
    "call",
    "conference",
    "credential",
    "credential_list",
    "incoming_number",
    "mapping",
    "message",
    "page",
    "participant",
    "sip_domain",
    "transcription",
]

DEFAULT_PAGE_SIZE = 50
BASE = f"/{API_VERSION}"
T = TypeVar("T")


def _account_base(account_sid: str) -> str:
    return f"{BASE}/Accounts/{account_sid}"


def account(record: Account) -> dict[str, Any]:
    base = _account_base(record.sid)
    names = {
        "addresses": "Addresses",
        "conferences": "Conferences",
        "signing_keys": "SigningKeys",
        "transcriptions": "Transcriptions",
        "connect_apps": "ConnectApps",
        "sip": "SIP",
        "authorized_connect_apps": "AuthorizedConnectApps",
        "usage": "Usage",
        "keys": "Keys",
        "applications": "Applications",
        "recordings": "Recordings",
        "short_codes": "SMS/ShortCodes",
        "calls": "Calls",
        "notifications": "Notifications",
        "incoming_phone_numbers": "IncomingPhoneNumbers",
        "queues": "Queues",
        "messages": "Messages",
        "outgoing_caller_ids": "OutgoingCallerIds",
        "available_phone_numbers": "AvailablePhoneNumbers",
        "balance": "Balance",
    }
    return {
        "auth_token": record.auth_token,
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "friendly_name": record.friendly_name,
        "owner_account_sid": record.owner_account_sid,
        "sid": record.sid,
        "status": record.status,
        "subresource_uris": {key: f"{base}/{path}.json" for key, path in names.items()},
        "type": "Full",
        "uri": f"{base}.json",
    }


def available_number(record: AvailableNumber) -> dict[str, Any]:
    return {
        "friendly_name": friendly_number(record.phone_number),
        "phone_number": record.phone_number,
        "lata": record.lata,
        "locality": record.locality,
        "rate_center": record.rate_center,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "region": record.region,
        "postal_code": record.postal_code,
        "iso_country": record.iso_country,
        "address_requirements": record.address_requirements,
        "beta": False,
        "capabilities": {"voice": record.voice, "sms": record.sms, "mms": record.mms, "fax": False},
    }


def incoming_number(record: IncomingNumber) -> dict[str, Any]:
    return {
        "account_sid": record.account_sid,
        "address_sid": None,
        "address_requirements": record.address_requirements,
        "api_version": API_VERSION,
        "beta": False,
        "capabilities": {"voice": record.voice, "sms": record.sms, "mms": record.mms, "fax": False},
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "friendly_name": record.friendly_name,
        "identity_sid": None,
        "phone_number": record.phone_number,
        "origin": "twilio",
        "sid": record.sid,
        "sms_application_sid": None,
        "sms_fallback_method": record.sms_fallback_method,
        "sms_fallback_url": record.sms_fallback_url,
        "sms_method": record.sms_method,
        "sms_url": record.sms_url,
        "status_callback": record.status_callback,
        "status_callback_method": record.status_callback_method,
        "trunk_sid": None,
        "uri": f"{_account_base(record.account_sid)}/IncomingPhoneNumbers/{record.sid}.json",
        "voice_receive_mode": "voice",
        "voice_application_sid": None,
        "voice_caller_id_lookup": record.voice_caller_id_lookup,
        "voice_fallback_method": record.voice_fallback_method,
        "voice_fallback_url": record.voice_fallback_url,
        "voice_method": record.voice_method,
        "voice_url": record.voice_url,
        "emergency_status": "Active" if record.emergency_address_sid else "Inactive",
        "emergency_address_sid": record.emergency_address_sid,
        "emergency_address_status": (
            "registered" if record.emergency_address_sid else "unregistered"
        ),
        "bundle_sid": None,
        "status": "in-use",
        "type": "local",
    }


def sip_domain(record: SipDomain, store: Store) -> dict[str, Any]:
    base = f"{_account_base(record.account_sid)}/SIP/Domains/{record.sid}"
    has_credentials = any(
        m.domain_sid == record.sid and m.kind == "calls" for m in store.mappings.values()
    )
    return {
        "account_sid": record.account_sid,
        "api_version": API_VERSION,
        "auth_type": "CREDENTIAL_LIST" if has_credentials else "",
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "domain_name": record.domain_name,
        "friendly_name": record.friendly_name,
        "sid": record.sid,
        "uri": f"{base}.json",
        "voice_fallback_method": record.voice_fallback_method,
        "voice_fallback_url": record.voice_fallback_url,
        "voice_method": record.voice_method,
        "voice_status_callback_method": record.voice_status_callback_method,
        "voice_status_callback_url": record.voice_status_callback_url,
        "voice_url": record.voice_url,
        "subresource_uris": {
            "credential_list_mappings": f"{base}/CredentialListMappings.json",
            "ip_access_control_list_mappings": f"{base}/IpAccessControlListMappings.json",
        },
        "sip_registration": record.sip_registration,
        "emergency_calling_enabled": record.emergency_calling_enabled,
        "secure": record.secure,
        "byoc_trunk_sid": record.byoc_trunk_sid,
        "emergency_caller_sid": record.emergency_caller_sid,
    }


def credential_list(record: CredentialList) -> dict[str, Any]:
    base = f"{_account_base(record.account_sid)}/SIP/CredentialLists/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "friendly_name": record.friendly_name,
        "sid": record.sid,
        "subresource_uris": {"credentials": f"{base}/Credentials.json"},
        "uri": f"{base}.json",
    }


def credential(record: Credential) -> dict[str, Any]:
    """The credential without its password: Twilio never returns it."""
    base = f"{_account_base(record.account_sid)}/SIP/CredentialLists/{record.credential_list_sid}"
    return {
        "sid": record.sid,
        "account_sid": record.account_sid,
        "credential_list_sid": record.credential_list_sid,
        "username": record.username,
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "uri": f"{base}/Credentials/{record.sid}.json",
    }


def mapping(record: Mapping, store: Store) -> dict[str, Any]:
    listed = store.credential_lists.get(record.sid)
    return {
        "account_sid": record.account_sid,
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "friendly_name": listed.friendly_name if listed else None,
        "sid": record.sid,
    }


def message(record: Message) -> dict[str, Any]:
    base = f"{_account_base(record.account_sid)}/Messages/{record.sid}"
    return {
        "body": record.body,
        "num_segments": str(max(1, -(-len(record.body) // 160))),
        "direction": record.direction,
        "from": record.from_,
        "to": record.to,
        "date_updated": format_date(record.date_updated),
        "price": None,
        "error_message": None,
        "uri": f"{base}.json",
        "account_sid": record.account_sid,
        "num_media": "0",
        "status": record.status,
        "messaging_service_sid": record.messaging_service_sid,
        "sid": record.sid,
        "date_sent": None,
        "date_created": format_date(record.date_created),
        "error_code": record.error_code,
        "price_unit": "USD",
        "api_version": API_VERSION,
        "subresource_uris": {"media": f"{base}/Media.json"},
    }


def call(record: Call) -> dict[str, Any]:
    base = f"{_account_base(record.account_sid)}/Calls/{record.sid}"
    subresources = {
        "notifications": "Notifications",
        "recordings": "Recordings",
        "payments": "Payments",
        "events": "Events",
        "siprec": "Siprec",
        "streams": "Streams",
        "transcriptions": "Transcriptions",
        "user_defined_message_subscriptions": "UserDefinedMessageSubscriptions",
        "user_defined_messages": "UserDefinedMessages",
    }
    ended = record.end_time
    return {
        "sid": record.sid,
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "parent_call_sid": record.parent_call_sid,
        "account_sid": record.account_sid,
        "to": record.to,
        "to_formatted": friendly_number(record.to),
        "from": record.from_,
        "from_formatted": friendly_number(record.from_),
        "phone_number_sid": record.phone_number_sid,
        "status": record.status,
        "start_time": format_date(record.start_time),
        "end_time": format_date(ended) if ended else None,
        "duration": str(int((ended - record.start_time).total_seconds())) if ended else None,
        "price": None,
        "price_unit": "USD",
        "direction": record.direction,
        "answered_by": None,
        "api_version": API_VERSION,
        "forwarded_from": record.forwarded_from,
        "group_sid": None,
        "caller_name": record.caller_name,
        "queue_time": "0",
        "trunk_sid": None,
        "uri": f"{base}.json",
        "subresource_uris": {key: f"{base}/{path}.json" for key, path in subresources.items()},
    }


def conference(record: Conference) -> dict[str, Any]:
    base = f"{_account_base(record.account_sid)}/Conferences/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "api_version": API_VERSION,
        "friendly_name": record.friendly_name,
        "region": "us1",
        "sid": record.sid,
        "status": record.status,
        "uri": f"{base}.json",
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "reason_conference_ended": record.reason_ended,
        "call_sid_ending_conference": None,
    }


def participant(record: Participant) -> dict[str, Any]:
    base = f"{_account_base(record.account_sid)}/Conferences/{record.conference_sid}"
    return {
        "account_sid": record.account_sid,
        "call_sid": record.call_sid,
        "label": record.label,
        "call_sid_to_coach": record.call_sid_to_coach,
        "coaching": record.coaching,
        "conference_sid": record.conference_sid,
        "date_created": format_date(record.date_created),
        "date_updated": format_date(record.date_updated),
        "end_conference_on_exit": record.end_conference_on_exit,
        "muted": record.muted,
        "hold": record.hold,
        "start_conference_on_enter": record.start_conference_on_enter,
        "status": record.status,
        "queue_time": "0",
        "uri": f"{base}/Participants/{record.call_sid}.json",
    }


def transcription(record: Transcription) -> dict[str, Any]:
    base = f"{_account_base(record.account_sid)}/Calls/{record.call_sid}"
    return {
        "sid": record.sid,
        "account_sid": record.account_sid,
        "call_sid": record.call_sid,
        "name": record.name,
        "status": record.status,
        "date_updated": format_date(record.date_updated),
        "uri": f"{base}/Transcriptions/{record.sid}.json",
    }


def page(
    key: str,
    records: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    path: str,
    filters: dict[str, str],
    page_number: int,
    page_size: int,
) -> dict[str, Any]:
    """Twilio's paging envelope around one page of ``records`` (already filtered)."""

    def uri(number: int) -> str:
        return f"{path}?{urlencode({**filters, 'PageSize': page_size, 'Page': number})}"

    start = page_number * page_size
    chunk = records[start : start + page_size]
    has_next = start + page_size < len(records)
    return {
        key: [render(record) for record in chunk],
        "end": start + max(len(chunk) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": uri(page_number + 1) if has_next else None,
        "page": page_number,
        "page_size": page_size,
        "previous_page_uri": uri(page_number - 1) if page_number > 0 else None,
        "start": start,
        "uri": uri(page_number),
    }

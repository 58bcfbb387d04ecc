"""Twilio's REST API 2010-04-01 through the official `twilio` library: send an SMS
(`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`), place a call (`Calls.json`), and
check the `X-Twilio-Signature` of Twilio's webhooks.

References: https://www.twilio.com/docs/messaging/api/message-resource,
https://www.twilio.com/docs/voice/api/call-resource,
https://www.twilio.com/docs/usage/webhooks/webhooks-security.

The library's `Api` domain is an attribute `base_url` ("https://api.twilio.com"); it is
set to the `TWILIO_API_URL` setting, so a local stand-in (or a regional proxy) needs no
patched HTTP client. Settings: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from portal.notifications.providers import DeliveryError

CARRIER = "twilio"
LABEL = "Twilio"
TIMEOUT_SECONDS = 10


class TwilioError(DeliveryError):
    """Twilio refused the request (4xx/5xx), could not be reached, or is not set up."""


def configured() -> bool:
    return bool(
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    )


def _client() -> Client:
    if not configured():
        raise TwilioError(
            "Twilio is not set up (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)"
        )
    client = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS),
    )
    # The library reads TWILIO_EDGE/TWILIO_REGION from os.environ and would rewrite the
    # host; TWILIO_API_URL says where to go.
    client.edge = client.region = None
    client.api.base_url = str(settings.TWILIO_API_URL)
    return client


def _refused(exc: Exception) -> TwilioError:
    if isinstance(exc, TwilioRestException):
        code = f" error {exc.code}" if exc.code else ""
        return TwilioError(f"Twilio refused: HTTP {exc.status}{code}: {exc.msg}"[:500])
    return TwilioError(f"Twilio could not be reached: {type(exc).__name__}")


def send_sms(*, to: str, body: str, status_callback: str = "") -> str:
    """Messages.json; returns the message SID (SM…)."""
    client = _client()
    try:
        message = client.messages.create(
            to=to,
            from_=settings.TWILIO_FROM_NUMBER,
            body=body,
            **({"status_callback": status_callback} if status_callback else {}),
        )
    except (TwilioException, requests.RequestException) as exc:
        raise _refused(exc) from exc
    if not message.sid:
        raise TwilioError("Twilio accepted the message without a SID")
    return str(message.sid)


def place_call(*, to: str, twiml: str, status_callback: str = "") -> str:
    """Calls.json with inline TwiML; returns the call SID (CA…)."""
    client = _client()
    extra: dict[str, Any] = {}
    if status_callback:
        extra = {
            "status_callback": status_callback,
            "status_callback_event": ["initiated", "ringing", "answered", "completed"],
        }
    try:
        call = client.calls.create(to=to, from_=settings.TWILIO_FROM_NUMBER, twiml=twiml, **extra)
    except (TwilioException, requests.RequestException) as exc:
        raise _refused(exc) from exc
    if not call.sid:
        raise TwilioError("Twilio accepted the call without a SID")
    return str(call.sid)


def signature_valid(*, url: str, params: Mapping[str, Any], signature: str) -> bool:
    """Twilio's HMAC-SHA1 of the webhook URL and its POST parameters, keyed by the auth
    token (`RequestValidator`). False when no auth token is set: nothing is trusted then."""
    token = str(settings.TWILIO_AUTH_TOKEN)
    if not token or not signature:
        return False
    return bool(RequestValidator(token).validate(url, params, signature))

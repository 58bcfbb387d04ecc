"""Telnyx's messaging webhooks, API v2 (the door; `phone_replies` decides what an answer
means). One URL, `POST /notify/telnyx/`, set as the messaging profile's webhook URL (and
named as `webhook_url` on each SMS the portal sends through Telnyx):

- `message.received`: an SMS to the portal's Telnyx number, `data.payload.from.
  phone_number`, `data.payload.text`, `data.payload.to[0].phone_number`
  (https://developers.telnyx.com/api-reference/callbacks/inbound-message). A reply
  code is read as for Twilio (`phone_replies.answer_sms`). Telnyx has no TwiML: the
  webhook answers 200 at once and the portal's answer is an outbox row
  (`services.enqueue_sms_reply`) sent after the commit through `POST /v2/messages`, from
  the number the person texted. One answer per inbound message (`data.payload.id`):
  Telnyx repeating an event (no 2xx within 2 seconds) changes nothing and sends nothing
  twice.
- `message.sent`, `message.finalized`: a delivery receipt for the message
  `data.payload.id`, its status in `data.payload.to[0].status`
  (https://developers.telnyx.com/api-reference/callbacks/delivery-update,
  https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks): the outbox
  row whose `provider_ref` is "telnyx:<id>" moves forward
  (`phone_replies.record_telnyx_status`).
- Other event types are answered 200 and ignored.

Every request must carry Telnyx's Ed25519 signature of "{telnyx-timestamp}|{raw body}"
(`telnyx-signature-ed25519`, `telnyx-timestamp`), checked with the `telnyx` library's
`verify_webhook_signature` against TELNYX_PUBLIC_KEY (`telnyx_api.webhook_problem`):
missing, wrong, or a timestamp more than 5 minutes from now (a replay): 403, nothing
changes. A signed body that is not a Telnyx event (not UTF-8, not JSON, a field
missing): 400 naming the problem. No CSRF token (Telnyx has none); no session.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.notifications import phone_replies, services
from portal.notifications.providers import telnyx_api

logger = logging.getLogger("portal.notifications")

RECEIPTS = ("message.sent", "message.finalized")


class NotAnEvent(ValueError):
    """The signed body is not the Telnyx event it says it is."""


def _text(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _at(event: Any, path: str, *, required: bool = True) -> str:
    """The string at `path` ("data.payload.to[0].status") of the event."""
    value = event
    for part in path.split("."):
        name, _, index = part.partition("[")
        value = value.get(name) if isinstance(value, dict) else None
        if index:
            position = int(index.rstrip("]"))
            value = value[position] if isinstance(value, list) and len(value) > position else None
    if isinstance(value, str) and (value or not required):
        return value
    if value is None and not required:
        return ""
    raise NotAnEvent(f"{path} is missing or not a string.")


def _received(event: Any) -> HttpResponse:
    sender = _at(event, "data.payload.from.phone_number")
    number = _at(event, "data.payload.to[0].phone_number")
    message_id = _at(event, "data.payload.id")
    text = _at(event, "data.payload.text", required=False)
    in_reply_to = f"{telnyx_api.CARRIER}:{message_id}"
    with transaction.atomic():
        if services.sms_reply_written(in_reply_to=in_reply_to):
            return _text(200, "Answered already.")
        answer = phone_replies.answer_sms(from_number=sender, text=text, carrier=telnyx_api.CARRIER)
        services.enqueue_sms_reply(
            to=sender,
            text=answer.text,
            carrier=telnyx_api.CARRIER,
            in_reply_to=in_reply_to,
            data={"telnyx_from": number},
        )
    return _text(200, "")


def _receipt(event: Any) -> HttpResponse:
    message_id = _at(event, "data.payload.id")
    status = _at(event, "data.payload.to[0].status")
    errors = event["data"]["payload"].get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    code = first.get("code") if isinstance(first, dict) else None
    phone_replies.record_telnyx_status(
        message_id=message_id, status=status, error_code=str(code or "")
    )
    return _text(200, "")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return _text(400, "The body is not UTF-8 text: Telnyx sends JSON events.")
    problem = telnyx_api.webhook_problem(body=body, headers=request.headers)
    if problem:
        logger.info("telnyx webhook refused: %s", problem)
        return _text(
            403,
            "The Telnyx signature (telnyx-signature-ed25519, telnyx-timestamp) is missing, "
            f"wrong or stale for TELNYX_PUBLIC_KEY: {problem}",
        )
    try:
        event = json.loads(body)
    except ValueError as exc:
        return _text(400, f"The body is not JSON: {exc}.")
    try:
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise NotAnEvent("data is missing or not an object.")
        event_type = _at(event, "data.event_type")
        if event_type == "message.received":
            return _received(event)
        if event_type in RECEIPTS:
            return _receipt(event)
    except NotAnEvent as exc:
        return _text(400, f"Not a Telnyx messaging event: {exc}")
    return _text(200, f"{event_type} is not read here; ignored.")

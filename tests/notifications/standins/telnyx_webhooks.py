"""Telnyx's messaging webhooks (API v2) as Telnyx sends them to the portal: the published
example events, filled in, signed with a test Ed25519 key pair as Telnyx signs them.

- https://developers.telnyx.com/api-reference/callbacks/inbound-message: `message.received`
  (`data.record_type` "event", `data.id`, `data.event_type`, `data.occurred_at`,
  `data.payload` a message: `id`, `direction` "inbound", `type` "SMS",
  `from.phone_number`, `to[].phone_number`, `text`, `media`, `encoding`, `parts`…;
  `meta.attempt`, `meta.delivered_to`): `telnyx_events/message_received.json`.
- https://developers.telnyx.com/api-reference/callbacks/delivery-update: `message.sent`
  (the outbound message, `to[0].status` "sent"): `telnyx_events/message_sent.json`.
- https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks: the delivery
  receipt `message.finalized` ("an outbound message has reached a terminal state",
  `completed_at`, `cost`, `cost_breakdown`, `to[0].status` "delivered"; the statuses
  queued, sending, sent, delivered, sending_failed, delivery_failed,
  delivery_unconfirmed; `errors` as `[{"code", "title", "detail"}]`):
  `telnyx_events/message_finalized.json`. The same page's "Verify webhook signatures":
  every event carries `telnyx-signature-ed25519` (the base64 Ed25519 signature of
  "{telnyx-timestamp}|{raw body}") and `telnyx-timestamp` (Unix seconds), checked against
  the account's public key (Mission Control, "Keys & Credentials"), with a 5-minute
  tolerance (https://developers.telnyx.com/docs/development/sdk/python/webhooks).

Signed with PyNaCl, the library `telnyx[webhooks]` verifies with; the portal checks
through the `telnyx` library's own `verify_webhook_signature`.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

from django.test import Client
from nacl.signing import SigningKey

from tests.notifications.standins.telnyx_standin import FROM_NUMBER

PATH = "/notify/telnyx/"
EVENTS = Path(__file__).with_name("telnyx_events")
# The test account's key pair: Telnyx keeps the private half, the portal is given the
# public one (TELNYX_PUBLIC_KEY, base64).
KEY = SigningKey(bytes(range(32)))
PUBLIC_KEY = base64.b64encode(bytes(KEY.verify_key)).decode()
OTHER_KEY = SigningKey(bytes(range(32, 64)))


def _example(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    event["data"]["id"] = str(uuid.uuid4())
    return event


def received(*, sender: str, text: str, to: str = FROM_NUMBER) -> dict[str, Any]:
    """`message.received`: `sender` texted `text` to the portal's Telnyx number `to`."""
    event = _example("message_received")
    payload = event["data"]["payload"]
    payload["id"] = str(uuid.uuid4())
    payload["from"]["phone_number"] = sender
    payload["to"][0]["phone_number"] = to
    payload["text"] = text
    return event


def receipt(
    event_type: str, *, message_id: str, status: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """`message.sent` or `message.finalized` about the outbound message `message_id`."""
    event = _example(event_type.replace(".", "_"))
    payload = event["data"]["payload"]
    payload["id"] = message_id
    payload["to"][0]["status"] = status
    payload["errors"] = errors or []
    return event


def body_of(event: dict[str, Any] | bytes) -> bytes:
    return event if isinstance(event, bytes) else json.dumps(event).encode()


def signed(
    event: dict[str, Any] | bytes, *, key: SigningKey = KEY, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and the headers Telnyx sends with it (signed now unless told when)."""
    body = body_of(event)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign(stamp.encode() + b"|" + body).signature
    return body, {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": stamp,
    }


def send(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(PATH, body, content_type="application/json", headers=headers)


def post(client: Client, event: dict[str, Any] | bytes, **signing: Any) -> Any:
    """Telnyx delivers `event` to the portal's webhook, signed."""
    return send(client, *signed(event, **signing))

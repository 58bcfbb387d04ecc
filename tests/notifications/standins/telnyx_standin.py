"""A stand-in for Telnyx's Messaging API v2 on 127.0.0.1 (port 0), as documented:

- https://developers.telnyx.com/docs/messaging/messages/send-message: `POST /v2/messages`
  with `Authorization: Bearer <API key>` and a JSON body `{"from", "to", "text"}`, and
  optionally `webhook_url` (where this message's `message.sent`/`message.finalized`
  events go before the messaging profile's; receiving-webhooks, "Webhook URL hierarchy");
  answered 200 with `{"data": {"record_type": "message", "id", "direction": "outbound",
  "type": "SMS", "from": {"phone_number"}, "to": [{"phone_number", "status": "queued"}],
  "text", "parts", "encoding", "created_at", "errors": []…}}`.
- https://developers.telnyx.com/development/api-fundamentals/api-errors: errors as
  `{"errors": [{"code", "title", "detail"}]}` (10009 Authentication failed, 401; 10002
  Invalid phone number / 10004 Missing required parameter, 422; 10007 Unexpected error).

It records what each phone received, from which number, when, and the message's
`webhook_url`, and can be told to answer 500. Telnyx's webhooks to the portal (signed
events) are `telnyx_webhooks.py`.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from tests.notifications.standins import RunningStandIn

API_KEY = "KEY0123456789ABCDEF_standin"
FROM_NUMBER = "+15005550099"


@dataclass(frozen=True)
class Received:
    phone: str
    text: str
    at: datetime.datetime
    id: str
    sender: str = ""
    webhook_url: str = ""


class TelnyxStandIn(BaseHTTPRequestHandler):
    received: list[Received] = []
    fail_with: int = 0

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, title: str, detail: str) -> None:
        self._reply(status, {"errors": [{"code": code, "title": title, "detail": detail}]})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if TelnyxStandIn.fail_with:
            self._error(TelnyxStandIn.fail_with, "10007", "Unexpected error",
                        "An unexpected error occured.")  # fmt: skip
            return
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            self._error(401, "10009", "Authentication failed",
                        "The required authentication headers were either invalid or not included in the request.")  # fmt: skip
            return
        if urlsplit(self.path).path != "/v2/messages":
            self._error(404, "10005", "Resource not found", "The requested resource or URL could not be found.")  # fmt: skip
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._error(400, "10015", "Bad Request", "The request failed because it was not well-formed.")  # fmt: skip
            return
        for field in ("to", "from", "text"):
            if not body.get(field):
                self._error(422, "10004", "Missing required parameter", f"The '{field}' parameter is required.")  # fmt: skip
                return
        if not str(body["to"]).startswith("+"):
            self._error(422, "10016", "Phone number must be in +E.164 format", "The 'to' phone number must be in +E.164 format.")  # fmt: skip
            return
        message_id = str(uuid.uuid4())
        now = timezone.now()
        TelnyxStandIn.received.append(
            Received(body["to"], body["text"], now, message_id, sender=body["from"],
                     webhook_url=body.get("webhook_url", ""))
        )  # fmt: skip
        self._reply(
            200,
            {
                "data": {
                    "record_type": "message",
                    "direction": "outbound",
                    "id": message_id,
                    "type": "SMS",
                    "from": {
                        "phone_number": body["from"],
                        "carrier": "Telnyx",
                        "line_type": "VoIP",
                    },
                    "to": [
                        {
                            "phone_number": body["to"],
                            "status": "queued",
                            "carrier": "",
                            "line_type": "Wireless",
                        }
                    ],
                    "text": body["text"],
                    "media": [],
                    "encoding": "GSM-7",
                    "parts": 1,
                    "tags": [],
                    "created_at": now.isoformat(),
                    "errors": [],
                }
            },
        )

    def log_message(self, *args: Any) -> None:
        """Say nothing."""


class RunningTelnyx(RunningStandIn):
    handler = TelnyxStandIn

    def texts_to(self, phone: str) -> list[str]:
        return [r.text for r in self.received if r.phone == phone]


def running(settings: Any) -> Iterator[RunningTelnyx]:
    """For a fixture: the stand-in, with the portal's Telnyx settings pointed at it."""
    telnyx = RunningTelnyx()
    settings.TELNYX_API_KEY = API_KEY
    settings.TELNYX_FROM_NUMBER = FROM_NUMBER
    settings.TELNYX_API_URL = telnyx.url
    try:
        yield telnyx
    finally:
        telnyx.stop()

"""A stand-in for Twilio's REST API 2010-04-01 on 127.0.0.1 (port 0), as documented:

- Message resource, https://www.twilio.com/docs/messaging/api/message-resource:
  `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form parameters `To`, `From`,
  `Body`, `StatusCallback`; answered 201 with the Message's JSON (`sid` "SM…",
  `account_sid`, `to`, `from`, `body`, `status` "queued", `num_segments`, `direction`,
  `api_version`, `date_created` (RFC 2822), `error_code`, `error_message`, `uri`…).
- Call resource, https://www.twilio.com/docs/voice/api/call-resource:
  `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, `To`, `From`, `Twiml` or `Url`,
  `StatusCallback`, `StatusCallbackEvent`; answered 201 with the Call's JSON (`sid`
  "CA…", `status` "queued", `to`, `from`, `direction` "outbound-api"…).
- HTTP Basic auth with the account SID and auth token; errors answered as
  `{"code", "message", "more_info", "status"}` (e.g. 20003 Authenticate, 401; 21604 "A
  'To' phone number is required", 400).

It records what each phone received and when (`received`: the phone, "sms" or "call",
the text or TwiML, the time), and can be told to answer every request with an error
(`fail_with = 500`) or refuse connections (`stop()`).
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from tests.notifications.standins import RunningStandIn

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
FROM_NUMBER = "+15005550006"


@dataclass(frozen=True)
class Received:
    phone: str
    kind: str  # "sms" or "call"
    text: str  # the SMS body, or the call's TwiML
    at: datetime.datetime
    sid: str
    status_callback: str


class TwilioStandIn(BaseHTTPRequestHandler):
    received: list[Received] = []
    fail_with: int = 0

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: int, message: str) -> None:
        self._reply(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return self.headers.get("Authorization", "") == f"Basic {expected}"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        path = urlsplit(self.path).path
        if TwilioStandIn.fail_with:
            self._error(TwilioStandIn.fail_with, 20500, "Internal Server Error")
            return
        if not self._authorised():
            self._error(401, 20003, "Authenticate")
            return
        prefix = f"/2010-04-01/Accounts/{ACCOUNT_SID}/"
        if path == prefix + "Messages.json":
            self._message(form)
        elif path == prefix + "Calls.json":
            self._call(form)
        else:
            self._error(404, 20404, f"The requested resource {path} was not found")

    def _message(self, form: dict[str, str]) -> None:
        if not form.get("To"):
            self._error(400, 21604, "A 'To' phone number is required.")
            return
        if form.get("From") != FROM_NUMBER:
            self._error(400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this account.")  # fmt: skip
            return
        if not form.get("Body"):
            self._error(400, 21602, "Message body is required.")
            return
        sid = "SM" + uuid.uuid4().hex
        now = timezone.now()
        TwilioStandIn.received.append(
            Received(form["To"], "sms", form["Body"], now, sid, form.get("StatusCallback", ""))
        )
        self._reply(201, self._resource(sid, form, now, body=form["Body"], kind="Messages"))

    def _call(self, form: dict[str, str]) -> None:
        if not form.get("To"):
            self._error(400, 21201, "No 'To' number is specified")
            return
        if not (form.get("Twiml") or form.get("Url")):
            self._error(400, 21205, "Url parameter is required.")
            return
        sid = "CA" + uuid.uuid4().hex
        now = timezone.now()
        TwilioStandIn.received.append(
            Received(
                form["To"],
                "call",
                form.get("Twiml") or form["Url"],
                now,
                sid,
                form.get("StatusCallback", ""),
            )  # fmt: skip
        )
        self._reply(201, self._resource(sid, form, now, body=None, kind="Calls"))

    def _resource(
        self, sid: str, form: dict[str, str], now: datetime.datetime, body: Any, kind: str
    ) -> dict[str, Any]:
        return {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form["To"],
            "from": form.get("From"),
            "body": body,
            "status": "queued",
            "num_segments": "1" if body is not None else None,
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": email.utils.format_datetime(now),
            "date_updated": email.utils.format_datetime(now),
            "date_sent": None,
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/{kind}/{sid}.json",
        }

    def log_message(self, *args: Any) -> None:
        """Say nothing: a request line per call would bury the test's own output."""


class RunningTwilio(RunningStandIn):
    handler = TwilioStandIn

    def texts_to(self, phone: str) -> list[str]:
        return [r.text for r in self.received if r.phone == phone and r.kind == "sms"]


def running(settings: Any) -> Iterator[RunningTwilio]:
    """For a fixture: the stand-in, with the portal's Twilio settings pointed at it."""
    twilio = RunningTwilio()
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_API_URL = twilio.url
    try:
        yield twilio
    finally:
        twilio.stop()

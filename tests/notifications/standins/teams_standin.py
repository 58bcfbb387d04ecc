"""A stand-in for a Microsoft Teams Workflows webhook ("When a Teams webhook request is
received" → "Post card in a chat or channel") on 127.0.0.1 (port 0), as documented:

- https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
  ("Create and send messages"): Workflows support Adaptive Cards only, not the older
  message card format; a card is posted as `{"type": "message", "attachments":
  [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
  "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type":
  "AdaptiveCard", "version": "1.2", "body": [...]}}]}`.
- https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
  (notes): the message size limit is 28 KB, over it the request is refused; more than
  four requests in a second are throttled (HTTP 429).
- https://learn.microsoft.com/en-us/azure/connectors/connectors-native-reqres (the
  Request trigger under Workflows): without a Response action the trigger answers
  `202 Accepted` at once. A refused body is answered `400` in the Azure error envelope
  `{"error": {"code", "message"}}`; the code name used here (`TriggerInputSchemaMismatch`)
  is the Logic Apps runtime's, not quoted from these pages: the portal reads only the
  status and shows code and message as given.

It records every card it accepted (so tests read what the person's Teams chat shows)
and can be told to answer an error status.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from django.utils import timezone

from tests.notifications.standins import RunningStandIn

WORKFLOW_PATH = "/workflows/0f8fad5b/triggers/manual/paths/invoke"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_BYTES = 28 * 1024


@dataclass(frozen=True)
class Card:
    path: str
    content: dict[str, Any]
    at: datetime.datetime

    @property
    def texts(self) -> list[str]:
        return [str(b.get("text", "")) for b in self.content.get("body", [])]

    @property
    def actions(self) -> dict[str, str]:
        """Button title → URL (Action.OpenUrl)."""
        return {
            a["title"]: a["url"]
            for a in self.content.get("actions", [])
            if a.get("type") == "Action.OpenUrl"
        }


class TeamsWorkflowStandIn(BaseHTTPRequestHandler):
    received: list[Card] = []
    fail_with: int = 0

    def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _mismatch(self, message: str) -> None:
        self._answer(400, {"error": {"code": "TriggerInputSchemaMismatch", "message": message}})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if TeamsWorkflowStandIn.fail_with:
            self._answer(
                TeamsWorkflowStandIn.fail_with,
                {"error": {"code": "ServiceUnavailable", "message": "Try again later."}},
            )
            return
        if not self.path.startswith(WORKFLOW_PATH):
            self._answer(404, {"error": {"code": "WorkflowNotFound", "message": self.path}})
            return
        if len(raw) > MAX_BYTES:
            self._answer(413, {"error": {"code": "MessageSizeExceeded", "message": "28 KB"}})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._mismatch("The request content is not valid JSON.")
            return
        attachments = body.get("attachments") if isinstance(body, dict) else None
        if body.get("type") != "message" or not isinstance(attachments, list) or not attachments:
            self._mismatch("Expected a message with attachments (Adaptive Cards only).")
            return
        for attachment in attachments:
            content = attachment.get("content") or {}
            if attachment.get("contentType") != CARD_TYPE or content.get("type") != "AdaptiveCard":
                self._mismatch("Workflows support Adaptive Cards only.")
                return
            if not content.get("version") or not isinstance(content.get("body"), list):
                self._mismatch("An AdaptiveCard needs a version and a body.")
                return
            TeamsWorkflowStandIn.received.append(
                Card(path=self.path, content=content, at=timezone.now())
            )
        self._answer(202)

    def log_message(self, *args: Any) -> None:
        """Quiet: the recorded cards are asserted instead."""


class RunningTeams(RunningStandIn):
    handler = TeamsWorkflowStandIn

    @property
    def workflow_url(self) -> str:
        return f"{self.url}{WORKFLOW_PATH}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sig=abc123"

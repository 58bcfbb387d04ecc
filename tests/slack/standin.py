"""A local stand-in for Slack: the Web API subset the app uses, in Slack's documented
request and response shapes (https://api.slack.com/methods), plus response_url.

Records every call; `stop()` takes it off the network (connection refused), `start()`
brings it back on the same port.
"""

from __future__ import annotations

import http.server
import itertools
import json
import threading
import urllib.parse
from typing import Any

from tests.standin_timing import STANDIN_POLL_SECONDS

BOT_TOKEN = "xoxb-test-123456789012-abcdefabcdef"


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.responses: list[dict[str, Any]] = []
        self.users_by_email: dict[str, str] = {}
        self.channels: dict[str, dict[str, Any]] = {
            "C0ALERTS": {"id": "C0ALERTS", "name": "alerts"}
        }
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.archived: set[str] = set()
        self.pins: list[tuple[str, str]] = []
        self.members: dict[str, set[str]] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self.port = 0
        self.server: http.server.ThreadingHTTPServer | None = None
        self.start()

    # --- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                standin._handle(self)

            def log_message(self, *args: Any) -> None:
                """Quiet: the recorded calls are asserted instead."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for m, params in self.calls if m == method]

    # --- the API -----------------------------------------------------------------
    def _handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(request.path)
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if request.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(raw or b"{}")
        else:
            params = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        params.update({k: v[0] for k, v in urllib.parse.parse_qs(path.query).items()})
        if path.path.startswith("/respond/"):
            self.responses.append(params)
            self._send(request, 200, b"ok", "text/plain")
            return
        method = path.path.removeprefix("/api/")
        if request.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            self._json(request, {"ok": False, "error": "invalid_auth"})
            return
        self.calls.append((method, params))
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        body = handler(params) if handler else {"ok": False, "error": "unknown_method"}
        self._json(request, body)

    def _send(self, request: Any, status: int, body: bytes, kind: str) -> None:
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _json(self, request: Any, data: dict[str, Any]) -> None:
        self._send(request, 200, json.dumps(data).encode(), "application/json; charset=utf-8")

    def _channel(self, ref: str) -> dict[str, Any] | None:
        ref = ref.lstrip("#")
        if ref in self.users_by_email.values():
            # Posting to a user id lands in the app's direct-message channel with them.
            return self.channels.setdefault(f"D{ref}", {"id": f"D{ref}", "name": "", "is_im": True})
        for channel in self.channels.values():
            if ref in (channel["id"], channel["name"]):
                return channel
        return None

    def api_conversations_create(self, p: dict[str, Any]) -> dict[str, Any]:
        if self._channel(p["name"]) is not None:
            return {"ok": False, "error": "name_taken"}
        cid = f"C{next(self._ids):08d}"
        self.channels[cid] = {"id": cid, "name": p["name"], "is_channel": True}
        return {"ok": True, "channel": self.channels[cid]}

    def api_conversations_invite(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p["channel"])
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        self.members.setdefault(channel["id"], set()).update(p["users"].split(","))
        return {"ok": True, "channel": channel}

    def api_conversations_archive(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p["channel"])
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel["id"] in self.archived:
            return {"ok": False, "error": "already_archived"}
        self.archived.add(channel["id"])
        return {"ok": True}

    def api_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        channel = self._channel(p["channel"])
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel["id"] in self.archived:
            return {"ok": False, "error": "is_archived"}
        ts = f"1790000000.{next(self._ts):06d}"
        message = {"type": "message", "text": p.get("text", ""), "ts": ts, "bot_id": "B01"}
        if p.get("thread_ts"):
            message["thread_ts"] = p["thread_ts"]
        self.messages.setdefault(channel["id"], []).append(message)
        return {"ok": True, "channel": channel["id"], "ts": ts, "message": message}

    def api_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p["channel"])
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel["id"], "ts": p["ts"], "text": p.get("text", "")}

    def api_pins_add(self, p: dict[str, Any]) -> dict[str, Any]:
        self.pins.append((p["channel"], p["timestamp"]))
        return {"ok": True}

    def api_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        slack_id = self.users_by_email.get(p["email"].lower())
        if slack_id is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": slack_id, "profile": {"email": p["email"]}}}

    def api_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        for email, slack_id in self.users_by_email.items():
            if slack_id == p["user"]:
                return {"ok": True, "user": {"id": slack_id, "profile": {"email": email}}}
        return {"ok": True, "user": {"id": p["user"], "profile": {}}}

    def api_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V0001"}}

    def api_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        found = [m for m in self.messages.get(p["channel"], []) if m["ts"] == p.get("latest")]
        return {"ok": True, "messages": found, "has_more": False}

    def api_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.api_conversations_history(p)

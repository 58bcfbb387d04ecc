"""Local stand-ins for the PagerDuty, Opsgenie and Grafana OnCall APIs.

Each is a real HTTP server on 127.0.0.1 (ephemeral port) that checks the vendor's
auth header, serves the vendor's documented response shapes, paginates lists the
vendor's way (with a small page size so the fixtures span several pages), and answers
the first request to the incident list with 429 plus the vendor's rate-limit header.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.standin_timing import STANDIN_POLL_SECONDS

KEY = "read-only-key-123"
PAGE_CAP = 10  # the stand-ins serve at most 10 items per page

Response = tuple[int, dict[str, str], Any]
Routes = Callable[[str, dict[str, list[str]], str], Response]


@contextmanager
def serve(routes: Routes, expected_auth: str) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parsed = urllib.parse.urlsplit(self.path)
            seen.append(self.path)
            if self.headers.get("Authorization") != expected_auth:
                status, headers, body = 401, dict[str, str](), {"error": "unauthorized"}
            else:
                status, headers, body = routes(
                    parsed.path, urllib.parse.parse_qs(parsed.query), self.base()
                )
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def base(self) -> str:
            return f"http://127.0.0.1:{server.server_port}"

        def log_message(self, *args: Any) -> None:
            pass  # keep test output clean; every request is recorded in `seen`

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    return int(query.get(name, [default])[0])


class Throttle:
    """429 once for the first request to `path`, with the vendor's header."""

    def __init__(self, path: str, header: str) -> None:
        self.path, self.header, self.done = path, header, False

    def hit(self, path: str) -> Response | None:
        if path == self.path and not self.done:
            self.done = True
            return 429, {self.header: "0"}, {"message": "rate limited"}
        return None


# --- PagerDuty REST API v2: {"<key>": [...], "limit", "offset", "more", "total"} -------


def pagerduty_routes(data: dict[str, Any]) -> Routes:
    throttle = Throttle("/incidents", "ratelimit-reset")

    def page(key: str, items: list[Any], query: dict[str, list[str]]) -> Response:
        limit = min(_int(query, "limit", 25), PAGE_CAP)
        offset = _int(query, "offset", 0)
        chunk = items[offset : offset + limit]
        more = offset + limit < len(items)
        return 200, {}, {key: chunk, "limit": limit, "offset": offset, "more": more, "total": None}

    def routes(path: str, query: dict[str, list[str]], base: str) -> Response:
        if (limited := throttle.hit(path)) is not None:
            return limited
        parts = path.strip("/").split("/")
        if path in ("/users", "/schedules", "/escalation_policies", "/services", "/incidents"):
            return page(parts[0], data[parts[0]], query)
        if parts[0] == "schedules" and len(parts) == 2:
            return 200, {}, {"schedule": data["schedule_details"][parts[1]]}
        if parts[0] == "schedules" and parts[2] == "overrides":
            return 200, {}, {"overrides": data["overrides"].get(parts[1], [])}
        if parts[0] == "incidents" and parts[2] == "log_entries":
            return page("log_entries", data["log_entries"][parts[1]], query)
        return 404, {}, {"error": {"message": "Not Found", "code": 2100}}

    return routes


# --- Opsgenie API v2: {"data": [...], "paging": {"next": url}, "took", "requestId"} ------


def opsgenie_routes(data: dict[str, Any]) -> Routes:
    throttle = Throttle("/v2/alerts", "X-RateLimit-Period-In-Sec")

    def page(items: list[Any], query: dict[str, list[str]], path: str, base: str) -> Response:
        limit = min(_int(query, "limit", 20), PAGE_CAP)
        offset = _int(query, "offset", 0)
        paging: dict[str, str] = {}
        if offset + limit < len(items):
            rest = {k: v[0] for k, v in query.items() if k not in ("offset", "limit")}
            following = urllib.parse.urlencode({**rest, "limit": limit, "offset": offset + limit})
            paging["next"] = f"{base}{path}?{following}"
        body = {"data": items[offset : offset + limit], "paging": paging, "took": 0.01,
                "requestId": "req-1"}  # fmt: skip
        return 200, {}, body

    def routes(path: str, query: dict[str, list[str]], base: str) -> Response:
        if (limited := throttle.hit(path)) is not None:
            return limited
        lists = {"/v2/users": "users", "/v2/schedules": "schedules", "/v2/escalations": "escalations",
                 "/v1/services": "services", "/v2/integrations": "integrations", "/v2/alerts": "alerts"}  # fmt: skip
        if path in lists:
            return page(data[lists[path]], query, path, base)
        parts = path.strip("/").split("/")
        if parts[1] == "schedules" and parts[-1] == "overrides":
            return 200, {}, {"data": data["overrides"].get(parts[2], []), "took": 0.01}
        if parts[1] == "alerts" and parts[-1] == "logs":
            return page(data["logs"][parts[2]], query, path, base)
        return 404, {}, {"message": "Not found", "took": 0.0}

    return routes


# --- Grafana OnCall API v1: {"count", "next", "previous", "results", "page_size", …} --


def grafana_routes(data: dict[str, Any]) -> Routes:
    throttle = Throttle("/api/v1/alert_groups/", "Retry-After")

    def page(items: list[Any], query: dict[str, list[str]], path: str, base: str) -> Response:
        number = _int(query, "page", 1)
        start = (number - 1) * PAGE_CAP
        rest = {k: v[0] for k, v in query.items() if k != "page"}

        def link(n: int) -> str:
            return f"{base}{path}?{urllib.parse.urlencode({**rest, 'page': n})}"

        body = {
            "count": len(items),
            "next": link(number + 1) if start + PAGE_CAP < len(items) else None,
            "previous": link(number - 1) if number > 1 else None,
            "results": items[start : start + PAGE_CAP],
            "page_size": PAGE_CAP,
            "current_page_number": number,
            "total_pages": max(1, -(-len(items) // PAGE_CAP)),
        }
        return 200, {}, body

    def routes(path: str, query: dict[str, list[str]], base: str) -> Response:
        if (limited := throttle.hit(path)) is not None:
            return limited
        name = path.removeprefix("/api/v1/").strip("/")
        if name == "resolution_notes":
            group = query.get("alert_group_id", [""])[0]
            return page(data["resolution_notes"].get(group, []), query, path, base)
        if name in data:
            return page(data[name], query, path, base)
        return 404, {}, {"detail": "Not found."}

    return routes

"""Local stand-ins for the PagerDuty, Opsgenie and Grafana OnCall APIs.

Each is a real HTTP server on 127.0.0.1 (ephemeral port) that checks the vendor's
auth header, serves the vendor's documented response shapes, paginates lists the
vendor's way (with a small page size so the fixtures span several pages), and answers
the first request to the incident list with 429 plus the vendor's rate-limit header.
"""

from __future__ import annotations

import calendar
import datetime
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


def _months_later(at: datetime.datetime, months: int) -> datetime.datetime:
    month = at.month - 1 + months
    year, month = at.year + month // 12, month % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def _instant(text: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def pagerduty_routes(data: dict[str, Any]) -> Routes:
    """PagerDuty as its REST API reference documents it
    (https://developer.pagerduty.com/api-reference/, "List incidents": `since`/`until`,
    "The maximum range is 6 months", a wider range is a 400 Bad Request; "List overrides"
    (`/schedules/{id}/overrides`): the overrides that overlap the required `since`–`until`
    range, no more)."""
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
        if path == "/incidents" and "since" in query:
            since, until = _instant(query["since"][0]), _instant(query["until"][0])
            if until > _months_later(since, 6):
                error = {"message": "Invalid Input Provided", "code": 2001,
                         "errors": ["Date range cannot exceed 6 months"]}  # fmt: skip
                return 400, {}, {"error": error}
            listed = [i for i in data["incidents"] if since <= _instant(i["created_at"]) < until]
            return page("incidents", listed, query)
        if path in ("/users", "/schedules", "/escalation_policies", "/services", "/incidents"):
            return page(parts[0], data[parts[0]], query)
        if parts[0] == "schedules" and len(parts) == 2:
            return 200, {}, {"schedule": data["schedule_details"][parts[1]]}
        if parts[0] == "schedules" and parts[2] == "overrides":
            since, until = _instant(query["since"][0]), _instant(query["until"][0])
            overlapping = [
                o for o in data["overrides"].get(parts[1], [])
                if _instant(o["start"]) < until and _instant(o["end"]) > since
            ]  # fmt: skip
            return 200, {}, {"overrides": overlapping}
        if parts[0] == "incidents" and parts[2] == "log_entries":
            return page("log_entries", data["log_entries"][parts[1]], query)
        return 404, {}, {"error": {"message": "Not Found", "code": 2100}}

    return routes


# --- Opsgenie API v2: {"data": [...], "paging": {"next": url}, "took", "requestId"} ------


def opsgenie_routes(data: dict[str, Any]) -> Routes:
    """Opsgenie as its API documents it (https://docs.opsgenie.com/docs/api-overview):
    schedules with rotations (https://docs.opsgenie.com/docs/schedule-rotation-api:
    `startDate`, `endDate`, participants of type user or the reserved `none`), escalation
    rules (https://docs.opsgenie.com/docs/escalation-api: `condition` if-not-acked or
    if-not-closed, `delay` {timeAmount, timeUnit}), and the Service API
    (https://docs.opsgenie.com/docs/service-api), which "is available only for Standard
    and Enterprise plans": `data["services_status"] = 403` plays an account without it."""
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
        if path == "/v1/services" and data.get("services_status", 200) != 200:
            message = "Your plan does not include the Service API."
            return data["services_status"], {}, {"message": message, "took": 0.0}
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
    """Grafana OnCall's public API as documented
    (https://grafana.com/docs/oncall/latest/oncall-api-reference/): on-call shifts
    (…/on_call_shifts/: `rolling_users`, `start_rotation_from_user_index`, `until`,
    `level`, override shifts) and schedules (…/schedules/: `type` calendar or ical with
    `ical_url_primary` / `ical_url_overrides`), served as the fixtures give them."""
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

"""Local stand-ins for Linear's GraphQL API and GitHub's REST issues API, answering in
their documented shapes (developers.linear.app/docs/graphql, docs.github.com/rest/issues)
and recording every request."""

from __future__ import annotations

import abc
import http.server
import itertools
import json
import re
import threading
from typing import Any

from tests.standin_timing import STANDIN_POLL_SECONDS


class StandIn(abc.ABC):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next = 0
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _do(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw else None
                entry = {
                    "method": method,
                    "path": self.path,
                    "body": body,
                    "headers": dict(self.headers),
                }
                standin.requests.append(entry)
                if standin.fail_next:
                    standin.fail_next -= 1
                    status, data = 502, {"message": "Bad gateway"}
                else:
                    status, data = standin.answer(entry)
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_POST(self) -> None:  # noqa: N802
                self._do("POST")

            def do_GET(self) -> None:  # noqa: N802
                self._do("GET")

            def log_message(self, *args: Any) -> None:
                """Quiet: the recorded requests are asserted instead."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @abc.abstractmethod
    def answer(self, entry: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The vendor's status and JSON body for one recorded request."""


class LinearStandIn(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self.labels: dict[str, str] = {}
        self.users: dict[str, str] = {}
        self.issues: dict[str, dict[str, Any]] = {}
        self._n = itertools.count(1)

    def operation(self, entry: dict[str, Any]) -> str:
        match = re.match(r"\s*(query|mutation)\s+(\w+)", entry["body"]["query"])
        return match.group(2) if match else ""

    def created(self) -> list[dict[str, Any]]:
        return [
            r["body"]["variables"]["input"]
            for r in self.requests
            if r["body"] and self.operation(r) == "IssueCreate"
        ]

    def answer(self, entry: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not entry["headers"].get("Authorization"):
            return 400, {"errors": [{"message": "Authentication required, not authenticated"}]}
        op, variables = self.operation(entry), entry["body"].get("variables") or {}
        if op == "Labels":
            name = variables["name"]
            nodes = [{"id": self.labels[name], "name": name}] if name in self.labels else []
            return 200, {"data": {"issueLabels": {"nodes": nodes}}}
        if op == "LabelCreate":
            label_id = f"label-{next(self._n)}"
            self.labels[variables["input"]["name"]] = label_id
            return 200, {
                "data": {"issueLabelCreate": {"success": True, "issueLabel": {"id": label_id}}}
            }
        if op == "Users":
            user = self.users.get(variables["email"])
            return 200, {"data": {"users": {"nodes": [{"id": user}] if user else []}}}
        if op == "IssueCreate":
            n = next(self._n)
            issue: dict[str, Any] = {
                "id": f"issue-uuid-{n}",
                "identifier": f"OPS-{n}",
                "url": f"https://linear.app/acme/issue/OPS-{n}",
                "state": {"type": "unstarted", "name": "Todo"},
            }
            self.issues[issue["id"]] = issue
            return 200, {"data": {"issueCreate": {"success": True, "issue": issue}}}
        if op == "Issues":
            nodes = [
                {"id": i, "state": {"type": self.issues[i]["state"]["type"]}}
                for i in variables["ids"]
                if i in self.issues
            ]
            return 200, {"data": {"issues": {"nodes": nodes}}}
        return 400, {"errors": [{"message": f"Unknown operation {op}"}]}


class GitHubStandIn(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[int, dict[str, Any]] = {}

    def answer(self, entry: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if entry["headers"].get("Authorization") != "Bearer ghp_test_token_1234":
            return 401, {"message": "Bad credentials"}
        match = re.match(r"^/repos/([^/]+)/([^/]+)/issues(?:/(\d+))?$", entry["path"])
        if not match:
            return 404, {"message": "Not Found"}
        owner, repo, number = match.groups()
        if entry["method"] == "POST":
            n = len(self.issues) + 1
            body = entry["body"]
            self.issues[n] = {
                "id": 1000 + n,
                "number": n,
                "state": "open",
                "state_reason": None,
                "title": body["title"],
                "body": body.get("body"),
                "html_url": f"https://github.com/{owner}/{repo}/issues/{n}",
                "labels": [{"name": name} for name in body.get("labels", [])],
                "assignees": [{"login": login} for login in body.get("assignees", [])],
            }
            return 201, self.issues[n]
        issue = self.issues.get(int(number or 0))
        return (200, issue) if issue else (404, {"message": "Not Found"})

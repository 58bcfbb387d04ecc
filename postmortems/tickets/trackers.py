"""Talking to the trackers: Linear's GraphQL API and GitHub's REST API (issues).

Neither vendor ships an official Python client, so these are plain HTTP calls with
`requests`, in the documented request and response shapes. Called only by tasks.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import requests

from postmortems.choices import ActionItemStatus
from postmortems.tickets.choices import TrackerKind
from postmortems.tickets.models import TicketTracker

TIMEOUT = 15


class TrackerError(Exception):
    """The tracker refused or could not be reached; retried with backoff."""


@dataclass(frozen=True)
class NewTicket:
    title: str
    body: str
    label: str
    due_date: datetime.date | None
    assignee_email: str
    assignee_account: str


@dataclass(frozen=True)
class CreatedTicket:
    external_id: str
    identifier: str
    url: str
    state: str


def _check(response: requests.Response) -> Any:
    if response.status_code >= 300:
        raise TrackerError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        return response.json()
    except ValueError:
        raise TrackerError("the answer is not JSON") from None


class Linear:
    """https://developers.linear.app/docs/graphql — one POST per query."""

    def __init__(self, tracker: TicketTracker) -> None:
        self.tracker = tracker
        token = tracker.api_token
        # Personal API keys go as they are; OAuth access tokens as Bearer.
        self.auth = token if token.startswith("lin_api_") else f"Bearer {token}"

    def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = requests.post(
                self.tracker.base_url,
                json={"query": query, "variables": variables},
                headers={"Authorization": self.auth, "Content-Type": "application/json"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TrackerError(f"{type(exc).__name__}: {exc}") from exc
        data = _check(response)
        if data.get("errors"):
            raise TrackerError("; ".join(e.get("message", "?") for e in data["errors"])[:300])
        result: dict[str, Any] = data.get("data") or {}
        return result

    def label_id(self, name: str) -> str:
        found = self.query(
            "query Labels($name: String!) { issueLabels(filter: {name: {eq: $name}}) "
            "{ nodes { id name } } }",
            {"name": name},
        )
        nodes = found.get("issueLabels", {}).get("nodes", [])
        if nodes:
            return str(nodes[0]["id"])
        created = self.query(
            "mutation LabelCreate($input: IssueLabelCreateInput!) { issueLabelCreate(input: $input) "
            "{ success issueLabel { id } } }",
            {"input": {"name": name, "teamId": self.tracker.team_id}},
        )
        return str(created["issueLabelCreate"]["issueLabel"]["id"])

    def user_id(self, ticket: NewTicket) -> str | None:
        if ticket.assignee_account:
            return ticket.assignee_account
        if not ticket.assignee_email:
            return None
        found = self.query(
            "query Users($email: String!) { users(filter: {email: {eq: $email}}) "
            "{ nodes { id } } }",
            {"email": ticket.assignee_email},
        )
        nodes = found.get("users", {}).get("nodes", [])
        return str(nodes[0]["id"]) if nodes else None

    def create(self, ticket: NewTicket) -> CreatedTicket:
        data: dict[str, Any] = {
            "teamId": self.tracker.team_id,
            "title": ticket.title,
            "description": ticket.body,
            "labelIds": [self.label_id(ticket.label)],
        }
        assignee = self.user_id(ticket)
        if assignee:
            data["assigneeId"] = assignee
        if ticket.due_date:
            data["dueDate"] = ticket.due_date.isoformat()
        result = self.query(
            "mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) "
            "{ success issue { id identifier url state { type name } } } }",
            {"input": data},
        )["issueCreate"]
        if not result.get("success"):
            raise TrackerError("issueCreate did not succeed")
        issue = result["issue"]
        return CreatedTicket(issue["id"], issue["identifier"], issue["url"], issue["state"]["type"])

    def states(self, ids: list[str]) -> dict[str, str]:
        found = self.query(
            "query Issues($ids: [ID!]) { issues(filter: {id: {in: $ids}}) "
            "{ nodes { id state { type } } } }",
            {"ids": ids},
        )
        return {n["id"]: n["state"]["type"] for n in found.get("issues", {}).get("nodes", [])}


# Linear's workflow state types, and GitHub's state/state_reason, as action-item statuses.
LINEAR_STATUS = {
    "backlog": ActionItemStatus.OPEN,
    "unstarted": ActionItemStatus.OPEN,
    "triage": ActionItemStatus.OPEN,
    "started": ActionItemStatus.IN_PROGRESS,
    "completed": ActionItemStatus.DONE,
    "canceled": ActionItemStatus.WONT_DO,
}


class GitHub:
    """https://docs.github.com/en/rest/issues/issues — create and read issues."""

    def __init__(self, tracker: TicketTracker) -> None:
        self.tracker = tracker
        self.headers = {
            "Authorization": f"Bearer {tracker.api_token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def _url(self, suffix: str) -> str:
        return f"{self.tracker.base_url}/repos/{self.tracker.repository}/issues{suffix}"

    def create(self, ticket: NewTicket) -> CreatedTicket:
        body = ticket.body
        if ticket.due_date:
            # GitHub issues have no due date field: it is stated on the first line.
            body = f"Due: {ticket.due_date.isoformat()}\n\n{body}"
        payload: dict[str, Any] = {"title": ticket.title, "body": body, "labels": [ticket.label]}
        if ticket.assignee_account:
            payload["assignees"] = [ticket.assignee_account]
        try:
            response = requests.post(
                self._url(""), json=payload, headers=self.headers, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise TrackerError(f"{type(exc).__name__}: {exc}") from exc
        issue = _check(response)
        return CreatedTicket(
            str(issue["number"]), f"#{issue['number']}", issue["html_url"], issue["state"]
        )

    def state(self, number: str) -> str:
        try:
            response = requests.get(self._url(f"/{number}"), headers=self.headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise TrackerError(f"{type(exc).__name__}: {exc}") from exc
        issue = _check(response)
        if issue["state"] == "closed":
            return "closed:" + (issue.get("state_reason") or "completed")
        return "open"


GITHUB_STATUS = {
    "open": ActionItemStatus.OPEN,
    "closed:completed": ActionItemStatus.DONE,
    "closed:not_planned": ActionItemStatus.WONT_DO,
    "closed:duplicate": ActionItemStatus.WONT_DO,
}


def client_for(tracker: TicketTracker) -> Linear | GitHub:
    return Linear(tracker) if tracker.kind == TrackerKind.LINEAR else GitHub(tracker)

"""`/incident open|ack|update|resolve|oncall|link` — the Slack door.

The view answered Slack at once; this runs in the worker: it maps the Slack user to a
portal user, calls the same incident services as the admin, and answers through the
command's response_url (ephemeral). Parsing errors are answered by the view itself.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from incidents import extension_point, services
from incidents.choices import IncidentStatus
from incidents.models import Incident
from incidents.slack.choices import Operation
from incidents.slack.identities import portal_user_for
from incidents.slack.models import SlackApp, WarRoom
from incidents.slack.operations import web_client
from incidents.slack.outbox import enqueue_call
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

LINK_SALT = "slack.link"
USAGE = (
    'Usage: /incident open --sev 2 --summary "…" [--public-title "…" | --internal] | ack [REF] | '
    'update [REF] --status identified --message "…" | resolve [REF] [--reason "…"] | oncall | link'
)
UPDATE_STATUSES = ("investigating", "identified", "monitoring", "resolved")


class CommandSyntaxError(Exception):
    """The command line cannot be read: answered at once, nothing is done."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise CommandSyntaxError(message)


def _parser() -> _Parser:
    parser = _Parser(prog="/incident", add_help=False)
    sub = parser.add_subparsers(dest="action", required=True, parser_class=_Parser)
    open_ = sub.add_parser("open", add_help=False)
    open_.add_argument("--sev", "--severity", dest="severity", required=True)
    open_.add_argument("--summary", required=True)
    open_.add_argument("--title")
    public = open_.add_mutually_exclusive_group()
    public.add_argument("--public-title", dest="public_title", default="")
    public.add_argument("--internal", action="store_true")
    for name in ("ack", "resolve"):
        p = sub.add_parser(name, add_help=False)
        p.add_argument("ref", nargs="?")
        p.add_argument("--message", default="")
        if name == "resolve":
            # Why the customer comms the level requires were not sent (the refusal asks).
            p.add_argument("--reason", default="")
    update = sub.add_parser("update", add_help=False)
    update.add_argument("ref", nargs="?")
    update.add_argument("--status", choices=UPDATE_STATUSES)
    update.add_argument("--message", required=True)
    update.add_argument("--next-steps", dest="next_steps", default="")
    update.add_argument("--eta", default="")
    sub.add_parser("oncall", add_help=False)
    sub.add_parser("link", add_help=False)
    return parser


def parse(text: str) -> argparse.Namespace:
    """Read the command line; raises CommandSyntaxError with the reason."""
    try:
        words = shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError as exc:
        raise CommandSyntaxError(str(exc)) from None
    if not words:
        raise CommandSyntaxError("say what to do")
    return _parser().parse_args(words)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def respond(payload: dict[str, Any], text: str) -> str:
    """Answer the user only they can see, through the outbox (retried like the rest)."""
    url = payload.get("response_url", "")
    if url:
        enqueue_call(
            operation=Operation.RESPOND,
            dedupe_key=f"respond:{payload.get('trigger_id') or url}:{_digest(text)}",
            params={"response_url": url, "text": text},
        )
    return text


def acting_user(payload: dict[str, Any], permission: str) -> tuple[Any, str]:
    """(portal user, "") or (None, the refusal to show)."""
    app = SlackApp.objects.get(pk=1)
    slack_id = payload.get("user_id") or (payload.get("user") or {}).get("id", "")
    user = portal_user_for(slack_id, web_client(app))
    if user is None:
        return None, (
            "You are not linked to a portal user: ask a founder to give your portal account "
            "your Slack e-mail address, or type `/incident link`."
        )
    if not user.has_perm(permission):
        return None, f"{user.get_username()}, you are not allowed to do that in the portal."
    return user, ""


def incident_for(ref: str | None, channel_id: str) -> Incident:
    """The incident named, or the one whose war room this channel is."""
    if ref:
        incident = Incident.objects.filter(ref=ref.upper()).first()
        if incident is None:
            raise DomainError(f"No incident {ref}.", field="ref")
        return incident
    room = WarRoom.objects.select_related("incident").filter(channel_id=channel_id).first()
    if room is None:
        raise DomainError("Name the incident (INC-…) outside its war room.", field="ref")
    return room.incident


def link_url(slack_user_id: str) -> str:
    token = signing.dumps({"slack_user_id": slack_user_id}, salt=LINK_SALT)
    return settings.PORTAL_BASE_URL + reverse("slack:link", args=[token])


def run_command(payload: dict[str, Any]) -> str:
    """Do what `/incident …` asks; returns (and sends) the answer."""
    try:
        args = parse(payload.get("text", ""))
    except CommandSyntaxError as exc:
        return respond(payload, f"{exc}. {USAGE}")
    if args.action == "link":
        return respond(
            payload,
            f"Open {link_url(payload.get('user_id', ''))} while logged in to the portal "
            "to link your Slack account (valid for one hour).",
        )
    permission = "incidents.add_incident" if args.action == "open" else "incidents.change_incident"
    if args.action == "oncall":
        permission = "oncall.view_schedule"
    user, refusal = acting_user(payload, permission)
    if user is None:
        return respond(payload, refusal)
    actor = Actor.for_user(user)
    try:
        text = _do(args, payload, actor)
    except DomainError as exc:
        field = f" ({exc.field})" if getattr(exc, "field", "") else ""
        text = f"Refused{field}: {exc}"
        if exc.field == "unmet_comms_reason":
            text += ' To resolve anyway: /incident resolve --reason "why they will not be sent".'
    return respond(payload, text)


def _do(args: argparse.Namespace, payload: dict[str, Any], actor: Actor) -> str:
    if args.action == "open":
        summary = args.summary.strip()
        incident = services.declare_incident(
            actor=actor,
            title=(args.title or (summary.splitlines()[0] if summary else ""))[:200],
            severity=args.severity,
            summary=summary,
            public_title=args.public_title,
            customer_facing=not args.internal,
        )
        return f"{incident.ref} declared ({incident.severity.code}): {incident.title}"
    if args.action == "oncall":
        lines = extension_point.on_call_now()
        if lines is None:
            return "No on-call schedules are kept here."
        if not lines:
            return "Nobody is on call."
        return "On call now: " + "; ".join(lines)
    incident = incident_for(args.ref, payload.get("channel_id", ""))
    if args.action == "ack":
        services.acknowledge_incident(incident=incident, actor=actor)
        return f"{incident.ref} acknowledged: you are on it."
    if args.action == "resolve":
        services.resolve_incident(
            incident=incident,
            actor=actor,
            message=args.message,
            unmet_comms_reason=args.reason,
        )
        return f"{incident.ref} resolved."
    status = args.status or (
        incident.status if incident.status in UPDATE_STATUSES else IncidentStatus.INVESTIGATING
    )
    services.post_status_update(
        incident=incident,
        actor=actor,
        status=status,
        message=args.message,
        next_steps=args.next_steps,
        eta=args.eta,
    )
    return f"{incident.ref}: update posted ({status})."

"""The texts and Block Kit layouts the app posts: the playbook's templates, filled in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, StatusUpdate
from incidents.slack.models import SlackLevelSetting

DEFAULT_ANNOUNCEMENT = "{severity}: {title}\nStatus: {status}\nIncident Commander: {commander}"

ACK_ACTION = "incident.acknowledge"
UPDATE_ACTION = "incident.update"
RESOLVE_ACTION = "incident.resolve"
UPDATE_VIEW = "incident.update_view"


def incident_url(incident: Incident) -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def announcement_text(
    incident: Incident,
    setting: SlackLevelSetting,
    channel: str,
    *,
    commander_mention: str = "",
) -> str:
    """`@here SEV-X: Brief description` then the playbook's announcement lines.

    `commander_mention` (`<@U…>`, known once the worker has looked the person up in
    Slack) makes the commander a mention Slack notifies and links; else the username."""
    commander = incident.commander.get_username() if incident.commander else "unassigned"
    values = _Blank(
        severity=incident.severity.code,
        title=incident.title,
        status=incident.get_status_display(),
        impact=incident.summary or "being assessed",
        commander=commander,
        channel=channel,
        ref=incident.ref,
        url=incident_url(incident),
    )
    template = setting.announcement or DEFAULT_ANNOUNCEMENT
    if commander_mention and incident.commander:
        values["commander"] = commander_mention
        template = template.replace("@{commander}", "{commander}")  # 001 writes "@{commander}"
    body = template.format_map(values)
    mention = f"<!{setting.mention.lstrip('@')}> " if setting.mention else ""
    headline = f"{mention}{incident.severity.code}: {incident.title}"
    drill = "[DRILL] " if incident.is_drill else ""
    return f"{drill}{headline}\n{body}\n{incident.ref} · {incident_url(incident)}"


def incident_buttons(ref: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": f"incident:{ref}",
        "elements": [
            {
                "type": "button",
                "action_id": ACK_ACTION,
                "text": {"type": "plain_text", "text": "I am on it"},
                "style": "primary",
                "value": ref,
            },
            {
                "type": "button",
                "action_id": UPDATE_ACTION,
                "text": {"type": "plain_text", "text": "Post update"},
                "value": ref,
            },
            {
                "type": "button",
                "action_id": RESOLVE_ACTION,
                "text": {"type": "plain_text", "text": "Resolve"},
                "style": "danger",
                "value": ref,
                "confirm": {
                    "title": {"type": "plain_text", "text": f"Resolve {ref}?"},
                    "text": {"type": "plain_text", "text": "Customers no longer feel it."},
                    "confirm": {"type": "plain_text", "text": "Resolve"},
                    "deny": {"type": "plain_text", "text": "Not yet"},
                },
            },
        ],
    }


def announcement_blocks(text: str, ref: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}, incident_buttons(ref)]


def status_update_text(update: StatusUpdate, number: int) -> str:
    """001's "Status Update" template."""
    lines = [
        f"📊 Update #{number} - {update.posted_at:%H:%M} UTC",
        f"Status: {update.get_status_display()}",
        f"Summary: {update.message}",
    ]
    if update.next_steps:
        lines.append(f"Next: {update.next_steps}")
    if update.eta:
        lines.append(f"ETA: {update.eta}")
    return "\n".join(lines)


def resolution_text(incident: Incident) -> str:
    """001's "Resolution" template (root cause and fix come with the post-mortem)."""
    resolved = incident.resolved_at or timezone.now()
    minutes = int((resolved - incident.declared_at).total_seconds() // 60)
    return (
        f"✅ Resolved - {resolved:%H:%M} UTC\n"
        f"Duration: {minutes // 60} hours {minutes % 60} minutes\n"
        f"Postmortem: {incident_url(incident)}"
    )


def update_modal(ref: str) -> dict[str, Any]:
    statuses = [
        ("investigating", "Investigating"),
        ("identified", "Identified"),
        ("monitoring", "Monitoring"),
        ("resolved", "Resolved"),
    ]
    return {
        "type": "modal",
        "callback_id": UPDATE_VIEW,
        "private_metadata": ref,
        "title": {"type": "plain_text", "text": f"Update {ref}"[:24]},
        "submit": {"type": "plain_text", "text": "Post"},
        "blocks": [
            {
                "type": "input",
                "block_id": "status",
                "label": {"type": "plain_text", "text": "Status"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [
                        {"text": {"type": "plain_text", "text": label}, "value": value}
                        for value, label in statuses
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "message",
                "label": {"type": "plain_text", "text": "What we know"},
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
            },
            {
                "type": "input",
                "block_id": "next_steps",
                "optional": True,
                "label": {"type": "plain_text", "text": "Next steps"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            },
        ],
    }

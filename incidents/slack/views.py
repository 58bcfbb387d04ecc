"""Slack's request URLs (slash command, interactivity, events), the manifest and the
one-time account link.

Every request from Slack is verified first (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`
with the signing secret, timestamp within five minutes): a bad one gets 401 and
nothing is written or queued. A good one is answered at once — Slack gives up after
3 seconds — and the work is queued for the worker after the commit.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from incidents.slack import messages
from incidents.slack.choices import IdentitySource
from incidents.slack.commands import LINK_SALT, USAGE, CommandSyntaxError, parse
from incidents.slack.identities import remember_identity
from incidents.slack.interactions import submit_update
from incidents.slack.manifest import BOT_SCOPES, build_manifest
from incidents.slack.models import SlackApp
from incidents.slack.operations import web_client
from incidents.slack.replays import first_time, request_key
from portal.kernel.actors import Actor

logger = logging.getLogger("incidents.slack")
LINK_MAX_AGE = 3600


def verified_app(request: HttpRequest) -> SlackApp | None:
    """The installed app if the request carries its valid signature, else None."""
    app = SlackApp.objects.filter(pk=1).first()
    if app is None or not app.enabled or not app.signing_secret:
        return None
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not timestamp.isdigit():
        return None  # the SDK would raise on a non-number
    ok = SignatureVerifier(app.signing_secret).is_valid(
        body=request.body,
        timestamp=timestamp,
        signature=request.headers.get("X-Slack-Signature", ""),
    )
    return app if ok else None


def refused() -> HttpResponse:
    response = JsonResponse({"error": "invalid signature"}, status=401)
    response._has_been_logged = True  # type: ignore[attr-defined]
    logger.info("slack request refused: bad or stale signature")
    return response


def queue(task: str, payload: dict[str, Any]) -> None:
    def _enqueue() -> None:
        from django_q.tasks import async_task

        async_task(task, payload)

    transaction.on_commit(_enqueue)


@csrf_exempt
@require_POST
def slash_command(request: HttpRequest) -> HttpResponse:
    if verified_app(request) is None:
        return refused()
    payload = {key: request.POST.get(key, "") for key in request.POST}
    try:
        parse(payload.get("text", ""))
    except CommandSyntaxError as exc:
        return JsonResponse({"response_type": "ephemeral", "text": f"{exc}. {USAGE}"})
    if not first_time(request_key(request)):
        return JsonResponse(
            {"response_type": "ephemeral", "text": "This request was already handled."}
        )
    queue("incidents.slack.tasks.handle_command", payload)
    return JsonResponse(
        {"response_type": "ephemeral", "text": f"On it: /incident {payload.get('text', '')}"}
    )


@csrf_exempt
@require_POST
def interactions(request: HttpRequest) -> HttpResponse:
    app = verified_app(request)
    if app is None:
        return refused()
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except ValueError:
        return JsonResponse({"error": "payload: not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "payload: not an object"}, status=400)
    if not first_time(request_key(request)):
        return HttpResponse(status=200)  # a replayed click or submission acts once
    actions = payload.get("actions") or []
    if actions and actions[0].get("action_id") == messages.UPDATE_ACTION:
        # trigger_id lives 3 seconds: the modal is opened now, its submission is checked.
        try:
            web_client(app).views_open(
                trigger_id=payload.get("trigger_id", ""),
                view=messages.update_modal(str(actions[0].get("value", ""))),
            )
        except (SlackApiError, OSError) as exc:
            logger.warning("slack views.open failed: %s", exc)
        return HttpResponse(status=200)
    if payload.get("type") == "view_submission":
        # In the request, not queued: a refused submission must say why in the modal
        # (Slack shows `errors` under the field); queued, it closed and said nothing.
        result = submit_update(payload)
        if result.ok:
            return JsonResponse({"response_action": "clear"})
        return JsonResponse(
            {"response_action": "errors", "errors": {result.block: result.text[:150]}}
        )
    queue("incidents.slack.tasks.handle_interaction", payload)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def events(request: HttpRequest) -> HttpResponse:
    if verified_app(request) is None:
        return refused()
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "body: not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "body: not an object"}, status=400)
    if payload.get("type") == "url_verification":
        return JsonResponse({"challenge": payload.get("challenge", "")})
    if payload.get("type") == "event_callback":
        if not first_time(request_key(request, str(payload.get("event_id") or ""))):
            return HttpResponse(status=200)  # Slack's retry of an event already queued
        queue("incidents.slack.tasks.handle_event", payload)
    return HttpResponse(status=200)


@staff_member_required
def manifest(request: HttpRequest) -> HttpResponse:
    data = build_manifest()
    if request.GET.get("format") == "json":
        response = JsonResponse(data, json_dumps_params={"indent": 2})
        response["Content-Disposition"] = 'attachment; filename="slack-manifest.json"'
        return response
    return render(
        request,
        "slack/manifest.html",
        {
            "title": "Slack app manifest",
            "manifest": json.dumps(data, indent=2, ensure_ascii=False),
            "scopes": sorted(BOT_SCOPES.items()),
        },
    )


@login_required(login_url="admin:login")
def link_account(request: HttpRequest, token: str) -> HttpResponse:
    """`/incident link` sends a signed link; the logged-in user confirms it once."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return render(request, "slack/link.html", {"error": "This link is invalid or expired."})
    slack_user_id = str(data.get("slack_user_id", ""))
    if request.method == "POST" and slack_user_id:
        remember_identity(
            user=request.user,
            slack_user_id=slack_user_id,
            source=IdentitySource.LINK,
            actor=Actor.for_user(request.user),
        )
        return render(request, "slack/link.html", {"linked": slack_user_id})
    return render(request, "slack/link.html", {"slack_user_id": slack_user_id})

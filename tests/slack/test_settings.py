"""The manifest the portal serves, and the app's credentials: masked, rotatable by
founders only, audited without the secrets."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from incidents.slack.manifest import BOT_SCOPES
from incidents.slack.models import SlackApp
from incidents.slack.services import configure_slack_app
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from tests.slack.standin import BOT_TOKEN


@pytest.mark.django_db
@override_settings(PORTAL_BASE_URL="https://incidents.example.com")
def test_manifest_lists_the_bot_scopes_and_request_urls_from_portal_base_url(
    client: Client, founder: User
) -> None:
    client.force_login(founder)
    manifest = client.get("/slack/manifest/?format=json").json()
    assert manifest["oauth_config"]["scopes"]["bot"] == sorted(BOT_SCOPES)
    for needed in ("channels:manage", "chat:write", "pins:write", "users:read.email", "commands"):
        assert needed in manifest["oauth_config"]["scopes"]["bot"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/incident"
    assert command["url"] == "https://incidents.example.com/slack/commands/"
    settings = manifest["settings"]
    assert settings["interactivity"]["request_url"] == (
        "https://incidents.example.com/slack/interactions/"
    )
    assert settings["event_subscriptions"]["request_url"] == (
        "https://incidents.example.com/slack/events/"
    )
    assert settings["event_subscriptions"]["bot_events"] == ["pin_added", "reaction_added"]
    page = client.get("/slack/manifest/").content.decode()
    assert "channels:manage" in page
    assert "create the incident channel" in page


@pytest.mark.django_db
def test_manifest_is_for_staff_only(client: Client) -> None:
    assert client.get("/slack/manifest/").status_code == 302


@pytest.mark.django_db
def test_credentials_are_masked_rotatable_by_founders_and_audited_without_secrets(
    client: Client, founder: User, responder: User
) -> None:
    actor = Actor.for_user(founder)
    configure_slack_app(actor=actor, bot_token=BOT_TOKEN, signing_secret="first-secret-0001")
    configure_slack_app(actor=actor, signing_secret="second-secret-0002")
    app = SlackApp.objects.get()
    assert (app.bot_token, app.signing_secret) == (BOT_TOKEN, "second-secret-0002")
    assert app.rotated_by == founder
    assert app.rotated_at is not None
    dumped = str(
        list(AuditEntry.objects.filter(object_type="slack.slackapp").values("before", "after"))
    )
    assert "first-secret" not in dumped
    assert "second-secret" not in dumped
    assert BOT_TOKEN not in dumped
    assert "xoxb-…cdef" in dumped
    # The admin shows the masked values only
    client.force_login(founder)
    page = client.get(f"/admin/slack/slackapp/{app.pk}/change/").content.decode()
    assert "xoxb-…cdef" in page
    assert "…0002" in page
    assert BOT_TOKEN not in page
    assert "second-secret-0002" not in page
    # Not a founder: refused, nothing changes
    with pytest.raises(DomainError) as refused:
        configure_slack_app(actor=Actor.for_user(responder), signing_secret="stolen-000000")
    assert refused.value.field == "actor"
    assert SlackApp.objects.get().signing_secret == "second-secret-0002"
    with pytest.raises(DomainError) as refused:
        configure_slack_app(actor=actor, bot_token="xoxp-user-token-not-a-bot")
    assert refused.value.field == "bot_token"


@pytest.mark.django_db
def test_admin_rotates_the_signing_secret_from_the_change_form(
    client: Client, founder: User
) -> None:
    configure_slack_app(
        actor=Actor.for_user(founder), bot_token=BOT_TOKEN, signing_secret="first-secret-0001"
    )
    client.force_login(founder)
    response = client.post(
        "/admin/slack/slackapp/1/change/",
        {
            "new_bot_token": "",
            "new_signing_secret": "rotated-secret-0003",
            "team_id": "T0001",
            "api_url": "https://slack.com/api/",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    app = SlackApp.objects.get()
    assert app.signing_secret == "rotated-secret-0003"
    assert app.bot_token == BOT_TOKEN

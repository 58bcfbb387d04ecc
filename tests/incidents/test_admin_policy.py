"""Admin for the policy (versions, sign-off, levels), API tokens, and the other lists."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from incidents.choices import PolicyStatus
from incidents.models import PolicyVersion, SeverityLevel
from incidents.policies import copy_to_draft
from portal.access.models import ApiToken, hash_token_key
from portal.kernel.actors import Actor


def test_active_version_is_read_only_with_its_sign_off(admin_client: Any, policy: Any) -> None:
    url = reverse("admin:incidents_policyversion_change", args=[policy.pk])
    response = admin_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert policy.content_hash in page
    assert 'name="levels-0-code"' not in page
    assert 'name="time_zone"' not in page
    response = admin_client.post(url, {"time_zone": "Europe/Paris"})
    assert response.status_code == 403


def test_copy_into_draft_then_sign_off_and_activate(
    admin_client: Any, founder: Any, policy: Any
) -> None:
    changelist = reverse("admin:incidents_policyversion_changelist")
    # When the active version is copied into a new draft
    admin_client.post(
        changelist, {"action": "copy_into_new_draft", "_selected_action": [policy.pk]}
    )
    draft = PolicyVersion.objects.get(status=PolicyStatus.DRAFT)
    # Then the draft is editable in the admin
    page = admin_client.get(
        reverse("admin:incidents_policyversion_change", args=[draft.pk])
    ).content.decode()
    assert 'name="levels-0-code"' in page
    # When it is signed off and activated
    response = admin_client.post(
        changelist, {"action": "sign_off_and_activate", "_selected_action": [draft.pk]}, follow=True
    )
    # Then it is in force with the founder as approver; the previous version retired
    draft.refresh_from_db()
    policy.refresh_from_db()
    assert draft.status == PolicyStatus.ACTIVE
    assert draft.approved_by == founder
    assert draft.content_hash
    assert policy.status == PolicyStatus.RETIRED
    assert "is in force; signed off by founder" in response.content.decode()


def test_activating_a_retired_version_is_refused_with_a_message(
    admin_client: Any, policy: Any
) -> None:
    draft = copy_to_draft(version=policy, actor=Actor.system("test"))
    changelist = reverse("admin:incidents_policyversion_changelist")
    admin_client.post(
        changelist, {"action": "sign_off_and_activate", "_selected_action": [draft.pk]}
    )
    response = admin_client.post(
        changelist,
        {"action": "sign_off_and_activate", "_selected_action": [policy.pk]},
        follow=True,
    )
    assert "A retired version cannot come back" in response.content.decode()


def test_review_due_is_highlighted(admin_client: Any, policy: Any) -> None:
    PolicyVersion.objects.filter(pk=policy.pk).update(next_review_on=datetime.date(2020, 1, 1))
    page = admin_client.get(reverse("admin:incidents_policyversion_changelist")).content.decode()
    assert "review due" in page


def test_severity_level_page_lists_comms_requirements(admin_client: Any, policy: Any) -> None:
    level = SeverityLevel.objects.get(version=policy, code="SEV-1")
    page = admin_client.get(
        reverse("admin:incidents_severitylevel_change", args=[level.pk])
    ).content.decode()
    assert "comms requirement" in page.lower()
    assert 'name="comms_requirements-0-deadline"' not in page  # active version: read-only


def test_policy_service_and_severity_lists_open(admin_client: Any, policy: Any) -> None:
    for name in ("policy", "severitylevel", "service", "policyversion"):
        assert admin_client.get(reverse(f"admin:incidents_{name}_changelist")).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:incidents_policy_change", args=[policy.policy_id])
        ).status_code
        == 200
    )


# --- API tokens ------------------------------------------------------------------------------


def test_create_token_shows_the_key_once(admin_client: Any, responder: Any) -> None:
    add = reverse("admin:portal_apitoken_add")
    assert admin_client.get(add).status_code == 200
    response = admin_client.post(add, {"name": "Grafana", "user": responder.pk, "read_only": "on"})
    key = response.context["key"]
    token = ApiToken.objects.get()
    assert key in response.content.decode()
    assert token.key_hash == hash_token_key(key)
    assert token.read_only
    # The list and the token's page never show the key or its hash
    for url in (
        reverse("admin:portal_apitoken_changelist"),
        reverse("admin:portal_apitoken_change", args=[token.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert key not in page
        assert token.key_hash not in page
        assert 'name="key_hash"' not in page


def test_create_token_without_name_is_a_form_error(admin_client: Any, responder: Any) -> None:
    response = admin_client.post(
        reverse("admin:portal_apitoken_add"), {"name": "", "user": responder.pk}
    )
    assert "name" in response.context["form"].errors
    assert ApiToken.objects.count() == 0


def test_revoke_token(admin_client: Any, founder: Any, make_token: Any) -> None:
    token, _ = make_token(founder)
    admin_client.post(
        reverse("admin:portal_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- other lists: constant query counts -----------------------------------------------------


def _grow(model: str, n: int, policy: Any, founder: Any, make_token: Any) -> None:
    from incidents.models import Service

    start = Service.objects.count()
    for i in range(start, start + n):
        if model in ("policyversion", "severitylevel", "policy"):
            copy_to_draft(version=policy, actor=Actor.system("test"))
        elif model == "service":
            Service.objects.create(name=f"Service {i}", slug=f"service-{i}", owner=founder)
        elif model == "apitoken":
            make_token(founder)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:incidents_policy_changelist",
        "admin:incidents_policyversion_changelist",
        "admin:incidents_severitylevel_changelist",
        "admin:incidents_service_changelist",
        "admin:portal_apitoken_changelist",
    ],
)
def test_other_changelists_have_a_constant_query_count(
    admin_client: Any, founder: Any, policy: Any, make_token: Any, url_name: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    model = url_name.split("_")[1]
    url = reverse(url_name)
    counts = []
    for n in (1, 4):
        _grow(model, n, policy, founder, make_token)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts

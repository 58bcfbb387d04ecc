"""The incident change page writes through `update_incident_details` on save, never while
its form validates (issue 12, item 4): a refused page writes nothing."""

from __future__ import annotations

from typing import Any

from incidents.choices import TimelineKind
from incidents.forms import IncidentChangeForm
from incidents.models import TimelineEntry
from portal.audit.models import AuditEntry
from tests.incidents.admin_pages import change_url, timeline_messages
from tests.incidents.test_admin import _change_data


def test_validating_the_change_form_writes_nothing(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    data = _change_data(admin_client, incident, title="Checkout errors in EU")
    form = IncidentChangeForm(data, instance=incident)
    form.is_valid()
    incident.refresh_from_db()
    assert incident.title == "Checkout errors"
    assert not TimelineEntry.objects.filter(
        incident=incident, kind=TimelineKind.FIELDS_CHANGED
    ).exists()


def test_a_page_refused_by_an_inline_writes_nothing(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    before = timeline_messages(incident)
    data = _change_data(admin_client, incident, title="Checkout errors in EU")
    # A tampered inline management form: Django re-renders the page with the error.
    prefix = next(key for key in data if key.endswith("-TOTAL_FORMS"))
    del data[prefix]
    response = admin_client.post(change_url(incident), data)
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.title == "Checkout errors"
    assert timeline_messages(incident) == before


def test_a_valid_edit_writes_once_through_the_service_as_the_admin_user(
    admin_client: Any, declare: Any, founder: Any
) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        change_url(incident), _change_data(admin_client, incident, title="Checkout errors in EU")
    )
    assert response.status_code == 302
    [edited] = TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.FIELDS_CHANGED)
    assert edited.actor_id == founder.pk
    [entry] = AuditEntry.objects.filter(
        object_type="incidents.incident", object_id=str(incident.pk), action="update"
    )
    assert entry.actor_user_id == founder.pk
    assert entry.after == {"title": "Checkout errors in EU"}

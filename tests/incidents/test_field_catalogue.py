"""Every field of the incident catalogue (incidents/fields.py) through every door:
the declare form and the change page, the API's output, create and update
serializers, the incident-register export and config-as-code's history."""

from __future__ import annotations

import csv
import datetime
import decimal
import inspect
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import services
from incidents.api.serializers import IncidentCreateSerializer, IncidentUpdateSerializer
from incidents.fields import INCIDENT_FIELDS, field_names, model_field
from incidents.forms import DeclareIncidentForm, IncidentChangeForm
from incidents.models import Incident, PolicyVersion, Service
from portal.kernel.actors import Actor
from portal.project.configuration.sections import export_configuration
from portal.project.configuration.shapes import HISTORY_DETAILS, HISTORY_OWN_KEYS
from portal.project.reports.exporters import stream
from portal.project.reports.periods import Period

DECLARED_AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
# Milestones in order, each a few minutes after the one before.
MILESTONE_MINUTES = {
    "impact_started_at": -30,
    "detected_at": -10,
    "declared_at": 0,
    "acknowledged_at": 5,
    "mitigated_at": 20,
    "resolved_at": 40,
    "closed_at": 60,
    "cancelled_at": 61,
}


def distinctive(name: str) -> Any:
    """A value no default has, of the field's own type."""
    field = model_field(name)
    if name in MILESTONE_MINUTES:
        return DECLARED_AT + datetime.timedelta(minutes=MILESTONE_MINUTES[name])
    if isinstance(field, models.BooleanField):
        return not field.get_default()
    if field.choices:
        return [value for value, _ in field.choices if value != field.get_default()][0]
    if isinstance(field, models.PositiveIntegerField):
        return 4242
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("12.34")
    if isinstance(field, models.JSONField):
        return [f"https://runbooks.example/{name}"]
    if name == "revenue_currency":
        return "EUR"
    assert isinstance(field, models.CharField | models.TextField), name
    return f"{name} value"


def shown(value: Any) -> str:
    """How a value reads in a CSV cell."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list):
        return "; ".join(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@pytest.fixture
def walked(policy: PolicyVersion, founder: User) -> Incident:
    """An incident with a distinctive value in every catalogue field."""
    service = Service.objects.create(name="Checkout", slug="checkout")
    actor = Actor.for_user(founder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: DECLARED_AT)
        incident = services.declare_incident(
            actor=actor,
            severity=policy.levels.order_by("rank").first().code,  # type: ignore[union-attr]
            services=[service],
            **{
                name: distinctive(name)
                for name in field_names(declared=True, relation=False)
                if name != "data_loss"  # data loss forces the worst level; set below
            },
        )
    services.update_incident_details(
        incident=incident,
        actor=actor,
        changes={
            name: distinctive(name)
            for name in field_names(editable=True, declared=False, relation=False)
            if name != "mitigated_at"
        }
        | {"data_loss": True, "mitigated_at": distinctive("mitigated_at")},
    )
    # The milestones the transitions stamp, stamped directly: the walk is about doors.
    Incident.objects.filter(pk=incident.pk).update(
        **{name: distinctive(name) for name in field_names(editable=False, milestone=True)}
    )
    incident.refresh_from_db()
    return incident


def test_the_catalogue_names_each_field_once_and_only_model_fields() -> None:
    names = [f.name for f in INCIDENT_FIELDS]

    assert len(names) == len(set(names))
    for name in names:
        model_field(name)


def test_the_declaring_service_takes_every_declared_field() -> None:
    parameters = inspect.signature(services.declare_incident).parameters

    assert [n for n in field_names(declared=True) if n not in parameters] == []


def test_the_forms_and_serializers_take_what_the_catalogue_says() -> None:
    declare_form = set(DeclareIncidentForm.base_fields)
    change_form = set(IncidentChangeForm.base_fields)
    create = set(IncidentCreateSerializer().fields)
    update = set(IncidentUpdateSerializer().fields)

    assert set(field_names(declared=True)) <= declare_form
    assert declare_form - set(field_names(declared=True)) == {"severity", "commander"}
    assert change_form == set(field_names(editable=True))
    assert create - set(field_names(declared=True)) == {"severity", "commander"}
    assert update == set(field_names(editable=True))


@pytest.mark.django_db
def test_every_field_reaches_the_api(walked: Incident, api: APIClient) -> None:
    body = api.get(f"/api/v1/incidents/{walked.ref}/").json()

    assert body["services"] == ["checkout"]
    for name in field_names(relation=False):
        expected = distinctive(name)
        got = body[name]
        if isinstance(expected, datetime.datetime):
            assert datetime.datetime.fromisoformat(got) == expected, name
        elif isinstance(expected, decimal.Decimal):
            assert decimal.Decimal(str(got)) == expected, name
        else:
            assert got == expected, name


@pytest.mark.django_db
def test_every_field_is_on_the_change_page(walked: Incident, founder: User) -> None:
    client = Client()
    client.force_login(founder)

    html = client.get(f"/admin/incidents/incident/{walked.pk}/change/").content.decode()

    assert [n for n in field_names() if f"field-{n}" not in html] == []
    assert [n for n in field_names(editable=True) if f'name="{n}' not in html] == []


@pytest.mark.django_db
def test_every_field_reaches_the_register_export(walked: Incident) -> None:
    period = Period(DECLARED_AT.date(), DECLARED_AT.date())

    text = b"".join(stream("incident-register", "csv", period)).decode()
    header, row = list(csv.reader(io.StringIO(text)))

    cells = dict(zip(header, row, strict=True))
    for name in field_names():
        expected = "Checkout" if name == "services" else shown(distinctive(name))
        assert cells[name] == expected, name


@pytest.mark.django_db
def test_every_field_reaches_the_config_export(walked: Incident) -> None:
    Incident.objects.filter(pk=walked.pk).update(
        is_historical=True, imported_from="pagerduty:QWALK"
    )

    (entry,) = export_configuration()["history"]

    assert set(HISTORY_DETAILS) | set(HISTORY_OWN_KEYS) == set(field_names())
    assert entry["title"] == walked.title
    assert entry["service"] == "checkout"
    for name in HISTORY_DETAILS:
        expected = distinctive(name)
        if isinstance(expected, datetime.datetime):
            expected = shown(expected)
        elif isinstance(expected, decimal.Decimal):
            expected = str(expected)
        assert entry[name] == expected, name

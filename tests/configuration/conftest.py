"""A fixture team described as a configuration document, and its users."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from incidents.integrations.models import Integration
from incidents.models import (
    ClassificationRule,
    CommsRequirement,
    Policy,
    PolicyVersion,
    Service,
    SeverityLevel,
)
from incidents.oncall.models import (
    EscalationPolicy,
    EscalationStep,
    Layer,
    Override,
    Rotation,
    RotationMember,
    Schedule,
    SeverityEscalation,
)
from portal.notifications.models import NotificationChannel, NotificationRoute

TEAM_YAML = """\
version: 1
services:
  - slug: api
    name: API
    owner: ana@example.com
  - slug: web
    name: Web app
    public: false
channels:
  - name: "#errors"
    kind: slack
    target: slack://T000/B000/XXXX
  - name: Founder email
    kind: email
    target: founder@example.com
routing:
  - level: SEV-1
    channel: "#errors"
  - level: "*"
    channel: Founder email
schedules:
  - name: Platform
    time_zone: Europe/Paris
    layers: [primary, secondary]
    rotations:
      - layer: primary
        kind: weekly
        start_date: "2026-01-05"
        handoff_time: 09:00
        members: [ana@example.com, bo@example.com]
      - layer: secondary
        kind: weekly
        start_date: 2026-01-05
        handoff_time: 17:00
        members: [cy@example.com, ana@example.com]
    overrides:
      - layer: primary
        user: cy@example.com
        start: "2026-03-01T09:00:00Z"
        end: "2026-03-02T09:00:00+00:00"
        reason: swap
escalation_policies:
  - name: Platform default
    levels: [SEV-2, SEV-1]
    steps:
      - target: schedule
        schedule: Platform
        layer: primary
      - target: next_in_rotation
        schedule: Platform
        layer: primary
        delay_minutes: 5
      - target: user
        user: dee@example.com
        delay_minutes: 5
        channel: Founder email
integrations:
  - name: Prometheus
    kind: alertmanager
    service: api
    default_severity: SEV-2
    routing_rules:
      - path: labels.severity
        value: critical
        severity: SEV-1
  - name: Nightly backup
    kind: heartbeat
    heartbeat_period_seconds: 86400
    heartbeat_grace_seconds: 3600
"""


@pytest.fixture
def team(db: Any) -> dict[str, Any]:
    users = {}
    for name in ("ana", "bo", "cy", "dee"):
        users[name] = get_user_model().objects.create_user(name, f"{name}@example.com")
    Group.objects.create(name="EMs")
    return users


def wipe_configuration() -> None:
    """An empty configuration (users and groups stay: the document refers to them).
    Steps go before the schedules, layers, channels and users their targets protect;
    their parallel targets go with them."""
    for model in (SeverityEscalation, EscalationStep, EscalationPolicy, Override, RotationMember,
                  Rotation, Layer, Schedule, NotificationRoute, Integration, NotificationChannel,
                  Service, ClassificationRule, CommsRequirement, SeverityLevel):  # fmt: skip
        model.objects.all().delete()
    PolicyVersion.objects.all().delete()
    Policy.objects.all().delete()

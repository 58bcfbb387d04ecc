"""Fixtures of the on-call tests: people and a schedule builder."""

from __future__ import annotations

import datetime
import functools
from typing import Any

import pytest

from incidents.oncall.models import Layer, Rotation, RotationMember, Schedule


@pytest.fixture
def people(db: Any, django_user_model: Any) -> dict[str, Any]:
    return {
        name: django_user_model.objects.create_user(
            name, f"{name}@example.com", "pw-x-123456", is_staff=True
        )
        for name in ("alice", "bob", "carol", "emma")
    }


@pytest.fixture
def make_schedule(db: Any) -> Any:
    """make_schedule(name, members, kind="daily", tz="UTC", start=date, handoff=time, shift_hours=None)."""

    def _make(
        name: str,
        members: list[Any],
        *,
        kind: str = "daily",
        tz: str = "UTC",
        start: datetime.date = datetime.date(2026, 3, 1),
        handoff: datetime.time = datetime.time(9, 0),
        shift_hours: int | None = None,
        layer: str = "primary",
        order: int = 1,
    ) -> Rotation:
        schedule, _ = Schedule.objects.get_or_create(name=name, defaults={"time_zone": tz})
        lay = Layer.objects.create(schedule=schedule, name=layer, order=order)
        rotation = Rotation.objects.create(
            layer=lay, kind=kind, start_date=start, handoff_time=handoff, shift_hours=shift_hours
        )
        RotationMember.objects.bulk_create(
            [
                RotationMember(rotation=rotation, user=u, position=i)
                for i, u in enumerate(members, 1)
            ]
        )
        return rotation

    return _make


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """`with committed(): declare_incident(...)`: what a service leaves until its commit
    (the first escalation step, its pages and their Slack messages) runs as it would
    after a real commit; pytest-django's `db` never commits."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def declare(declare: Any, committed: Any) -> Any:
    """The shared `declare`, committed: its first escalation step has run."""

    def _declare(*args: Any, **kwargs: Any) -> Any:
        with committed():
            return declare(*args, **kwargs)

    return _declare


@pytest.fixture
def ana(django_user_model: Any) -> Any:
    """A responder who manages her own contact methods."""
    from django.contrib.auth.models import Group

    from portal.audit.roles import RESPONDERS

    user = django_user_model.objects.create_user(
        "ana", "ana@example.com", "pw-ana-1", is_staff=True
    )
    user.groups.add(Group.objects.get_or_create(name=RESPONDERS)[0])
    return user

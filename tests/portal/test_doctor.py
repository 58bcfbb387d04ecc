"""Issue 24, "deployment is prose": `manage.py doctor` says what is missing before the
first page (engine heartbeat, a verified phone, channels, on-call coverage), one line
each, and exits 1 until a page would reach the person on call."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.oncall.models import ContactMethod, NotificationRule, RotationMember
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db


def _doctor() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("doctor", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_an_empty_portal_is_told_what_to_run(db: Any) -> None:
    code, out, err = _doctor()
    assert code == 1
    assert "No severity policy is in force: " in out
    assert " manage.py loadpolicy PRESET" in out
    assert err.strip().startswith("doctor: ")
    assert err.strip().endswith(" thing(s) missing before a page reaches a person.")


def test_from_the_preset_to_a_reachable_person(
    load_policy: Any, founder: Any, settings: Any
) -> None:
    from incidents.oncall.models import Rotation
    from incidents.oncall.roster import add_rotation_member
    from portal.project.heartbeats import _last_written, beat

    settings.PORTAL_BASE_URL = "https://portal.example.com"
    load_policy("founder-24x7")
    RotationMember.objects.all().delete()
    code, out, _ = _doctor()
    assert code == 1
    assert "The paging engine has never run" in out
    assert "No task schedules" in out
    assert "has no members: " in out
    assert " manage.py oncall member add" in out
    assert "nobody on call" in out  # the next 14 days, hour by hour
    # Given the founder on the rotation, the engine beating and the task schedules
    rotation = Rotation.objects.order_by("id")[0]
    add_rotation_member(rotation=rotation, user=founder, actor=Actor.system("test"))
    call_command("setup_schedules", stdout=io.StringIO())
    _last_written.clear()
    for loop in ("opening", "escalation", "delivery"):
        beat(loop)
    code, out, _ = _doctor()
    assert code == 1
    assert "founder (on a rotation): A page would not reach them" in out
    # When the founder has a verified phone, a page reaches them
    phone = ContactMethod.objects.create(
        user=founder, kind="sms", address="+15551230001", verified_at=timezone.now()
    )
    NotificationRule.objects.create(user=founder, contact_method=phone, delay_minutes=0)
    code, out, err = _doctor()
    assert code == 0, out
    assert out.strip().endswith("ok       a page would reach the person on call.")
    assert "DEADMAN_URL is unset" in out  # advice, not missing
    assert "advice   Channel #alerts disabled" in out  # people are paged on their phones
    assert not err

"""`manage.py setup_schedules` installs every app's schedules, listed explicitly in the
project's top floor (portal/project/schedules.py); moved jobs keep or retire their names."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django_q.models import Schedule

from portal.project.management.commands.setup_schedules import declared_schedules
from portal.project.schedules import APP_SCHEDULES


def _apps_with_schedules() -> set[str]:
    found = set()
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        if getattr(module, "SCHEDULES", None):
            found.add(config.name)
    return found


def test_every_app_that_declares_schedules_is_listed() -> None:
    # An app that adds tasks.SCHEDULES must add its line to portal/project/schedules.py.
    assert {owner for owner, _ in APP_SCHEDULES} == _apps_with_schedules()


def test_each_job_is_scheduled_by_its_owner() -> None:
    funcs = {name.removeprefix("portal:"): s["func"] for name, s in declared_schedules().items()}
    assert funcs["incidents-missed-deadlines"] == "incidents.tasks.record_missed_deadlines"
    assert funcs["notifications-deliver-due"] == "portal.notifications.tasks.deliver_due_messages"
    assert funcs["audit-weekly-security-audit"] == "incidents.tasks.run_security_audit"
    assert funcs["oncall-sweep"] == "incidents.oncall.tasks.sweep"


def test_a_name_declared_twice_or_an_unknown_field_is_refused() -> None:
    twice = [("a", [{"name": "x", "func": "a.f"}]), ("b", [{"name": "x", "func": "b.f"}])]
    with pytest.raises(CommandError, match="^name: schedule 'x' is declared twice"):
        declared_schedules(twice)
    odd = [("a", [{"name": "x", "func": "a.f", "hook": "a.g"}])]
    with pytest.raises(CommandError, match=r"^hook: not a schedule field \(a.tasks\)"):
        declared_schedules(odd)


@pytest.mark.django_db
def test_a_moved_job_is_updated_in_place_and_a_retired_one_removed() -> None:
    # Given a deploy from before the move: the security audit scheduled by portal.audit
    Schedule.objects.create(
        name="portal:audit-weekly-security-audit",
        func="portal.audit.tasks.run_security_audit",
        schedule_type="C",
        cron="0 6 * * 1",
    )
    # When setup_schedules runs
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    # Then the same schedule now runs the incidents task
    moved = Schedule.objects.get(name="portal:audit-weekly-security-audit")
    assert moved.func == "incidents.tasks.run_security_audit"
    assert "1 updated" in out.getvalue()

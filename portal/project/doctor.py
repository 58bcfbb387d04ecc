"""What is missing before the first page: `manage.py doctor` reads it, one line each.

`manage.py check --deploy` knows Django's settings; it does not know that nobody is on
call, that the engine never ran, or that the person on call has no phone. A finding is
`missing` (a page would not reach a person: the command exits 1) or `advice` (the portal
pages, but something an operator would want is off).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from portal.kernel.command_line import manage_py

MISSING = "missing"
ADVICE = "advice"


@dataclass(frozen=True)
class Finding:
    kind: str  # MISSING or ADVICE
    text: str


def _database() -> list[Finding]:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return [Finding(MISSING, f"{len(plan)} migrations not applied: " + manage_py("migrate"))]
    findings = []
    for alias in ("engine", "throttle"):
        try:
            caches[alias].get("doctor:probe")
        except Exception as exc:  # noqa: BLE001 - any failure: the table is not there
            findings.append(
                Finding(
                    MISSING,
                    f"cache '{alias}' unusable ({type(exc).__name__}): "
                    + manage_py("createcachetable"),
                )
            )
    return findings


def _deploy_settings() -> list[Finding]:
    if settings.DEBUG:
        return [Finding(ADVICE, "DEBUG is on: not a production configuration.")]
    found = [
        Finding(ADVICE, f"check --deploy: {message.id}: {message.msg.splitlines()[0]}")
        for message in checks.run_checks(include_deployment_checks=True)
        if message.level >= checks.WARNING and not message.is_silenced()
    ]
    base = settings.PORTAL_BASE_URL
    if "127.0.0.1" in base or "localhost" in base:
        found.append(
            Finding(
                MISSING,
                f"PORTAL_BASE_URL is {base}: acknowledge links in pages would "
                "point at the server itself, not a phone-reachable address.",
            )
        )
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        found.append(Finding(ADVICE, "EMAIL_URL is unset: e-mail pages go to the console."))
    return found


def _policy_and_schedules() -> list[Finding]:
    from django_q.models import Schedule as TaskSchedule

    from incidents.exceptions import NoActivePolicy
    from incidents.selectors import active_policy_version

    found = []
    try:
        version = active_policy_version()
    except NoActivePolicy:
        return [
            Finding(MISSING, "No severity policy is in force: " + manage_py("loadpolicy PRESET"))
        ]
    if not TaskSchedule.objects.exists():
        found.append(
            Finding(
                MISSING,
                "No task schedules (the minute safety nets, reminders): "
                + manage_py("setup_schedules"),
            )
        )
    from incidents.oncall.coverage import setup_missing

    codes = list(version.levels.order_by("rank").values_list("code", flat=True))
    # A disabled or target-less channel holds its broadcast; people are still paged on
    # their own contact methods (checked below), so it is advice, not a missing page.
    found += [
        Finding(ADVICE if line.startswith("Channel ") else MISSING, line)
        for line in setup_missing(codes)
    ]
    return found


def _engine() -> list[Finding]:
    from portal.project.heartbeats import engine_state
    from portal.project.pager_watch import due_lag

    found = []
    state = engine_state()
    if not state.ok:
        found.append(
            Finding(MISSING, f"{state.words} Run `{manage_py('engine')}` under a supervisor.")
        )
    if late := due_lag().words:
        found.append(Finding(MISSING, f"The pager is late: {late}."))
    if not settings.DEADMAN_URL:
        found.append(
            Finding(
                ADVICE,
                "DEADMAN_URL is unset: nothing outside the portal notices if it "
                "stops (docs/monitoring.md).",
            )
        )
    return found


def _people(now: datetime.datetime) -> list[Finding]:
    from incidents.oncall.coverage import coverage_gaps
    from incidents.oncall.personal import phone_gap
    from incidents.oncall.selectors import schedules_with_rotations

    found = [Finding(MISSING, str(gap)) for gap in coverage_gaps(now, 14)]
    people = {}
    for schedule in schedules_with_rotations():
        for layer in schedule.layers.all():
            for rotation in layer.rotations.all():
                for membership in rotation.memberships.all():
                    if membership.user is not None:  # a gap has nobody to reach
                        people[membership.user.pk] = membership.user
    for user in sorted(people.values(), key=lambda u: u.get_username()):
        if gap := phone_gap(user):
            kind = MISSING if "would not reach" in gap else ADVICE
            words = gap.replace("you have", "they have").replace("reach you", "reach them")
            found.append(
                Finding(
                    kind,
                    f"{user.get_username()} (on a rotation): {words} "
                    + manage_py(f"contact add {user.get_username()} --kind sms --to +1…"),
                )
            )
    if not people and not found:
        found.append(Finding(MISSING, "Nobody is on any rotation."))
    return found


def diagnose(now: datetime.datetime | None = None) -> list[Finding]:
    now = now or timezone.now()
    found = _database()
    if any(f.kind == MISSING for f in found):
        return found  # the rest reads tables that may not exist yet
    return found + _deploy_settings() + _policy_and_schedules() + _engine() + _people(now)

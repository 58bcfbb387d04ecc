"""Migration from PagerDuty, Opsgenie and Grafana OnCall against local stand-ins.

For each vendor: the fixture team (two-layer weekly rotation, an override, a
three-step escalation, two services, 30 past incidents) is read through the vendor's
paginated, rate-limited API; every loss is reported; `config plan` is checked line by
line; `config apply` is checked in the database; the history is checked through the
MTTA/MTTR figures and the incident-register export; a second plan changes nothing.
"""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from pytest_django import Settings

from incidents.integrations.models import Integration
from incidents.models import Deadline, Incident, PolicyVersion, Service
from incidents.oncall.models import EscalationPolicy, Schedule
from portal.project.configuration.yaml_io import load_document
from portal.project.reports.exporters import stream
from portal.project.reports.periods import Period
from portal.project.reports.selectors import compute_metrics
from portal.project.vendor_import import opsgenie
from portal.project.vendor_import.build import Builder
from tests.migration import fixtures, standins

VENDORS = {
    "pagerduty": (standins.pagerduty_routes, fixtures.pagerduty, f"Token token={standins.KEY}", ""),
    "opsgenie": (standins.opsgenie_routes, fixtures.opsgenie, f"GenieKey {standins.KEY}", ""),
    "grafana-oncall": (standins.grafana_routes, fixtures.grafana_oncall, standins.KEY, "/api/v1"),
}
ZOE = (
    "no portal user with this e-mail; left out of rotations, overrides and steps (create the "
    "user, then migrate again)"
)
LOSSES = {
    "pagerduty": [
        f"user Zoe <zoe@example.com>: {ZOE}",
        "notification targets: user contact methods (4 email, 1 phone) are not migrated; the "
        "portal pages by e-mail or through a step's channel",
        "schedule Platform / Secondary: time-restricted rotation (1 restrictions) imported as a "
        "full-time rotation",
        "schedule Platform: PagerDuty layers stack (a higher layer hides the ones below); portal "
        "layers are all on call at once (primary, secondary…)",
        "schedule Platform: whole-schedule overrides placed on layer 'Primary'",
        "service API: PagerDuty picks escalation policy 'Platform default' by service; the "
        "portal picks it by severity (set escalation_policies[].levels)",
        "service Web app: PagerDuty picks escalation policy 'Platform default' by service; the "
        "portal picks it by severity (set escalation_policies[].levels)",
        "integration Email (generic_email_inbound_integration): e-mail ingestion has no equivalent",
    ],
    "opsgenie": [
        f"user Zoe <zoe@example.com>: {ZOE}",
        "notification targets: user contact methods and notification rules are not migrated; "
        "the portal pages by e-mail or through a step's channel",
        "schedule Platform / Secondary: time-restricted rotation imported as a full-time rotation",
        "escalation Platform default: Opsgenie picks it by team and routing rule; the portal "
        "picks it by severity (set escalation_policies[].levels)",
        "integration Email (Email): no portal equivalent; left out",
    ],
    "grafana-oncall": [
        f"user zoe <zoe@example.com>: {ZOE}",
        "notification targets: personal notification rules (SMS, phone, mobile app) are not "
        "migrated; the portal pages by e-mail or through a step's channel",
        "schedule Platform / Secondary: time-restricted rotation imported as a full-time rotation",
        "schedule Platform: OnCall levels stack (a higher one wins); portal layers are all on "
        "call at once",
        "integration API: its route picks escalation chain 'Platform default'; the portal picks "
        "it by severity (set escalation_policies[].levels)",
        "integration Web app: its route picks escalation chain 'Platform default'; the portal "
        "picks it by severity (set escalation_policies[].levels)",
        "services: Grafana OnCall has none; one portal service per integration",
        "30 incidents had no priority the portal could map; given SEV-2 (choose with "
        "--severity LABEL=CODE or --default-severity)",
    ],
}
INTEGRATIONS: dict[str, list[tuple[str, str, str | None]]] = {
    "pagerduty": [
        ("API: Prometheus", "alertmanager", "api"),
        ("Web app: Datadog", "pagerduty", "web-app"),
    ],
    "opsgenie": [("Prometheus", "alertmanager", None)],
    # Grafana Alerting posts `"version": "1"`: its own source, not Alertmanager (issue 27).
    "grafana-oncall": [("API", "alertmanager", "api"), ("Web app", "grafana", "web-app")],
}
PREFIX = {
    "pagerduty": "pagerduty:Q",
    "opsgenie": "opsgenie:a-",
    "grafana-oncall": "grafana-oncall:AG",
}
FIRST_LOG = {
    "pagerduty": ["Imported: Triggered through the API.", "Imported: Notified Ana by email.",
                  "Imported: Acknowledged by Ana.", "Imported: Resolved by Ana."],
    "opsgenie": ["Imported: Opsgenie: Alert created via API",
                 "Imported: ana@example.com: Alert acknowledged via web",
                 "Imported: ana@example.com: Alert closed via web"],
    "grafana-oncall": ["Imported: Restarted the pod"],
}  # fmt: skip
KEEP = [
    '! keep policy "Founder on call 24/7": not in the file (pass --prune to delete it)',
    '! keep channel "#alerts": not in the file (pass --prune to delete it)',
    '! keep route "SEV-1 → #alerts": not in the file (pass --prune to delete it)',
    '! keep route "SEV-2 → #alerts": not in the file (pass --prune to delete it)',
    '! keep schedule "Founder 24/7": not in the file (pass --prune to delete it)',
    '! keep escalation policy "Founder 24/7": not in the file (pass --prune to delete it)',
    # The preset pages SEV-3/4 through a second policy that does not mention @here.
    '! keep escalation policy "Founder 24/7 (no @here)": not in the file (pass --prune to delete it)',
]


def migrate(vendor: str, tmp_path: Path, *extra: str) -> tuple[list[str], Path, list[str]]:
    routes, data, auth, prefix = VENDORS[vendor]
    target = tmp_path / f"{vendor}.yaml"
    out = StringIO()
    with standins.serve(routes(data()), auth) as (base, seen):
        call_command("migrate_oncall", vendor, "--api-key", standins.KEY, "--base-url",
                     base + prefix, "--since", "2025-12-01", "-o", str(target), *extra, stdout=out)  # fmt: skip
    return out.getvalue().splitlines(), target, seen


def config(*args: str) -> list[str]:
    out = StringIO()
    call_command("config", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
@pytest.mark.parametrize("vendor", list(VENDORS))
def test_migration_report_plan_apply_and_history(
    vendor: str, people: dict[str, User], tmp_path: Path
) -> None:
    extra = ("--default-severity", "SEV-2") if vendor == "grafana-oncall" else ()
    report, target, seen = migrate(vendor, tmp_path, *extra)

    # Every loss is reported, never guessed.
    start = report.index(f"Not migrated as it was ({len(LOSSES[vendor])}):")
    assert report[start + 1 : start + 1 + len(LOSSES[vendor])] == [
        f"  - {x}" for x in LOSSES[vendor]
    ]
    # The re-pointing checklist names each new integration and its endpoint form.
    checklist = report[
        report.index("Re-pointing checklist (each integration's key is printed by apply):") + 1 :
    ]
    assert len(checklist) == len(INTEGRATIONS[vendor])
    assert all(line.startswith("  [ ] ") and settings.PORTAL_BASE_URL in line for line in checklist)
    # Pagination and the rate limit were honoured (stand-ins serve 10 per page, 429 once).
    assert len(seen) == len(set(seen)) + 1  # exactly one retried request

    # The plan, line by line.
    names = [name for name, _, _ in INTEGRATIONS[vendor]]
    history = [f'+ create historical incident "{PREFIX[vendor]}{i:03d}"' for i in range(30)]
    assert config("plan", str(target)) == [
        KEEP[0],
        '+ create service "api"',
        '+ create service "web-app"',
        *KEEP[1:4],
        '+ create schedule "Platform"',
        KEEP[4],
        '+ create escalation policy "Platform default"',
        *KEEP[5:7],
        *[f'+ create integration "{name}"' for name in names],
        *history,
    ]

    # Apply: the team is in the database.
    applied = config("apply", str(target))
    assert f"Applied {4 + len(names) + 30} change(s)." in applied
    schedule = Schedule.objects.get(name="Platform")
    assert schedule.time_zone == "Europe/Paris"
    primary, secondary = schedule.layers.order_by("order")
    assert (primary.name, secondary.name) == ("Primary", "Secondary")
    rotation = primary.rotations.get()
    assert (rotation.kind, rotation.start_date, rotation.handoff_time) == (
        "weekly", datetime.date(2026, 1, 5), datetime.time(9, 0))  # fmt: skip
    assert [m.user and m.user.username for m in rotation.memberships.order_by("position")] == [
        "ana",
        "bo",
    ]
    # Zoe has no portal account: her turns stay, as gaps, so Cy keeps only his own
    assert [m.user and m.user.username for m in secondary.rotations.get().memberships.all()] == [
        "cy",
        None,
    ]
    override = primary.overrides.get()
    assert (override.user.username, override.start, override.end) == (
        "cy",
        datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC),
    )
    steps = [
        (s.target_kind, s.delay_minutes, s.schedule and s.schedule.name, s.user and s.user.username)
        for s in EscalationPolicy.objects.get(name="Platform default").steps.order_by("order")
    ]
    third = ("schedule", 0, "Platform", None)
    second = (
        ("next_in_rotation", 5, "Platform", None)
        if vendor == "opsgenie"
        else ("user", 5, None, "bo")
    )
    assert steps == [third, second, ("user", 10, None, "ana")]
    assert sorted(Service.objects.filter(slug__in=["api", "web-app"]).values_list("slug", flat=True)) == [
        "api", "web-app"]  # fmt: skip
    assert [
        (i.name, i.kind, i.service.slug if i.service else None)
        for i in Integration.objects.filter(name__in=names).order_by("name")
    ] == INTEGRATIONS[vendor]
    urls = [line for line in applied if line.startswith("  [ ] re-point senders of")]
    assert len(urls) == len(names)

    # History: 30 closed historical incidents, no live deadlines, counted in MTTA/MTTR.
    imported = Incident.objects.filter(is_historical=True).order_by("declared_at")
    assert imported.count() == 30
    assert not Deadline.objects.filter(incident__in=imported).exists()
    assert set(imported.values_list("status", "next_deadline_at")) == {("closed", None)}
    first = imported.first()
    assert first is not None
    assert (
        list(first.timeline.order_by("at", "id").values_list("message", flat=True))
        == FIRST_LOG[vendor]
    )
    codes = [i.severity.code for i in imported]
    expected_codes = (
        ["SEV-2"] * 30 if vendor == "grafana-oncall" else ["SEV-1", "SEV-2", "SEV-3"] * 10
    )
    assert codes == expected_codes
    period = Period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    metrics = compute_metrics(period)
    assert metrics.incident_count == 30
    assert metrics.overall["tta"].median == 15.5 * 60
    assert metrics.overall["ttr"].median == 44.5 * 60
    rows = json.loads(b"".join(stream("incident-register", "json", period)))
    assert [(r["tta_seconds"], r["ttr_seconds"]) for r in rows] == [
        ((i + 1) * 60, (30 + i) * 60) for i in range(30)
    ]

    # Applying the migration again changes nothing.
    assert config("plan", str(target)) == ["No changes.", *KEEP]


@pytest.mark.django_db
def test_unmapped_priorities_are_reported_with_the_level_they_got(
    people: dict[str, User], tmp_path: Path
) -> None:
    report, target, _ = migrate("grafana-oncall", tmp_path)
    assert (
        "  - 30 incidents had no priority the portal could map; given SEV-4 (choose with "
        "--severity LABEL=CODE or --default-severity)"
    ) in report
    assert {i["severity"] for i in load_document(target.read_text())["history"]} == {"SEV-4"}


@pytest.mark.django_db
def test_severity_map_option(people: dict[str, User], tmp_path: Path) -> None:
    _, target, _ = migrate(
        "pagerduty", tmp_path, "--severity", "P3=SEV-4", "--severity", "P1=SEV-2"
    )
    severities = [i["severity"] for i in load_document(target.read_text())["history"][:3]]
    assert severities == ["SEV-2", "SEV-2", "SEV-4"]


@pytest.mark.django_db
def test_wrong_key_is_one_clear_error(people: dict[str, User], tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    routes, data, auth, _ = VENDORS["pagerduty"]
    with (
        standins.serve(routes(data()), auth) as (base, _seen),
        pytest.raises(CommandError, match="pagerduty: GET .*/users: HTTP 401"),
    ):
        call_command("migrate_oncall", "pagerduty", "--api-key", "wrong", "--base-url", base,
                     "-o", str(tmp_path / "x.yaml"), stdout=StringIO())  # fmt: skip
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.django_db
def test_the_key_comes_from_the_setting_when_no_option_gives_it(
    people: dict[str, User], tmp_path: Path, settings: Settings
) -> None:
    from django.core.management.base import CommandError

    routes, data, auth, _ = VENDORS["pagerduty"]
    target = tmp_path / "x.yaml"
    with standins.serve(routes(data()), auth) as (base, _seen):
        # Neither the option nor ONCALL_MIGRATION_API_KEY: one error naming the key
        settings.ONCALL_MIGRATION_API_KEY = ""
        with pytest.raises(CommandError, match="api-key"):
            call_command("migrate_oncall", "pagerduty", "--base-url", base, "-o", str(target),
                         stdout=StringIO())  # fmt: skip
        # The setting (read from the environment by settings.py) is used
        settings.ONCALL_MIGRATION_API_KEY = standins.KEY
        call_command("migrate_oncall", "pagerduty", "--base-url", base, "-o", str(target),
                     stdout=StringIO())  # fmt: skip
    assert target.exists()


def test_opsgenie_eu_accounts_use_the_eu_host() -> None:
    assert opsgenie.base_url(eu=True) == "https://api.eu.opsgenie.com"
    assert opsgenie.base_url(eu=False) == "https://api.opsgenie.com"


@pytest.mark.django_db
def test_rounded_delays_and_turns_are_reported(policy: PolicyVersion) -> None:
    builder = Builder("test", severity_map={}, default_severity=None)
    assert builder.minutes(90, "chain X step 2") == 2
    assert builder.rotation_kind(5400, "schedule Y / L1") == ("custom", 2)
    assert builder.rotation_kind(7 * 86400, "schedule Y / L2") == ("weekly", None)
    assert builder.losses == [
        "chain X step 2: 90 s rounded to 2 min",
        "schedule Y / L1: a 5400 s turn rounded to every 2 hours",
    ]

"""A migration keeps who is on call (issue 27, item 1).

One test per thing seen from outside, against the stand-ins serving each vendor's
documented payloads with the fields that decide who is on call (`fixtures.*_rotations`),
and the cross-check: for 14 days, hour by hour, the vendor's own rule on the vendor's
data against the portal's resolution of the planned schedules.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from incidents.oncall.choices import StepCondition
from incidents.oncall.models import EscalationPolicy
from incidents.oncall.selectors import who_is_on_call
from portal.project.configuration.yaml_io import load_document
from tests.migration import fixtures, standins
from tests.migration.test_migration import VENDORS, config

NOW = fixtures.NOW
ROTATIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "pagerduty": fixtures.pagerduty_rotations,
    "opsgenie": lambda: fixtures.without_service_api(fixtures.opsgenie_rotations()),
    "grafana-oncall": lambda: fixtures.with_ical_schedule(fixtures.grafana_oncall_rotations()),
}


def migrate(
    vendor: str, tmp_path: Path, data: dict[str, Any], *extra: str
) -> tuple[list[str], dict[str, Any], list[str]]:
    """Run the command at NOW against the vendor's stand-in serving `data`."""
    routes, _, auth, prefix = VENDORS[vendor]
    target = tmp_path / f"{vendor}.yaml"
    out = StringIO()
    with (
        time_machine.travel(NOW, tick=False),
        standins.serve(routes(data), auth) as (base, seen),
    ):
        call_command("migrate_oncall", vendor, "--api-key", standins.KEY, "--base-url",
                     base + prefix, "--since", "2025-12-01", "-o", str(target), *extra,
                     "--default-severity", "SEV-2", stdout=out)  # fmt: skip
    return out.getvalue().splitlines(), load_document(target.read_text()), seen


def on_call_after_apply(document_path: Path, at: datetime.datetime) -> list[str]:
    with time_machine.travel(NOW, tick=False):
        config("apply", str(document_path))
        return sorted(
            f"{e.schedule.name}: {e.user.username}"
            for e in who_is_on_call(at)
            if e.schedule.name == "Platform"
        )


def schedule(document: dict[str, Any], name: str = "Platform") -> dict[str, Any]:
    return next(s for s in document["schedules"] if s["name"] == name)


# --- Grafana OnCall ----------------------------------------------------------------


@pytest.mark.django_db
def test_grafana_start_rotation_from_user_index_puts_grafanas_person_on_call(
    people: dict[str, User], tmp_path: Path
) -> None:
    # Given [[Bo], [Ana]] weekly since 5 January, starting from user index 1
    migrate("grafana-oncall", tmp_path, fixtures.grafana_oncall_rotations())
    # When applied, then this week (turn 8) is Ana's, as Grafana's rule (1 + 8) % 2 gives
    assert on_call_after_apply(tmp_path / "grafana-oncall.yaml", NOW) == ["Platform: ana"]


@pytest.mark.django_db
def test_grafana_shift_that_repeated_until_the_past_is_left_out_and_reported(
    people: dict[str, User], tmp_path: Path
) -> None:
    report, document, _ = migrate("grafana-oncall", tmp_path, fixtures.grafana_oncall_rotations())
    # The shift's last repetition started 29 December 09:00 Paris and ran a week
    assert "  - schedule Platform / Old: ended 2026-01-05T08:00:00Z; not imported" in report
    platform = schedule(document)
    assert platform["layers"] == ["Current"]
    assert [r["layer"] for r in platform["rotations"]] == ["Current"]
    # and the override is on the live layer, not on the dead one
    assert [(o["layer"], o["user"], o["start"]) for o in platform["overrides"]] == [
        ("Current", "cy@example.com", fixtures.NEXT_WEEK[0])
    ]


@pytest.mark.django_db
def test_grafana_ical_schedule_is_reported_as_a_loss(
    people: dict[str, User], tmp_path: Path
) -> None:
    data = fixtures.with_ical_schedule(fixtures.grafana_oncall_rotations())
    report, document, _ = migrate("grafana-oncall", tmp_path, data)
    assert (
        "  - schedule Legacy: an iCal schedule (its shifts live in its primary feed "
        "https://example.com/meow_calendar.ics and overrides feed "
        "https://example.com/meow_calendar_overrides.ics); imported without rotations, so it "
        "puts nobody on call until you add them"
    ) in report
    assert schedule(document, "Legacy")["rotations"] == []


# --- Opsgenie ----------------------------------------------------------------------


@pytest.mark.django_db
def test_opsgenie_none_participant_is_a_gap_that_keeps_the_order(
    people: dict[str, User], tmp_path: Path
) -> None:
    # Given [Ana, none, Bo] weekly since 5 January: turn 8 (this week) is Bo's
    _, document, _ = migrate("opsgenie", tmp_path, fixtures.opsgenie_rotations())
    (rotation,) = schedule(document)["rotations"]
    assert rotation["members"] == ["ana@example.com", None, "bo@example.com"]
    assert on_call_after_apply(tmp_path / "opsgenie.yaml", NOW) == ["Platform: bo"]
    # and the week of the `none` turn (turn 7) has nobody on call
    assert on_call_after_apply(tmp_path / "opsgenie.yaml", NOW - datetime.timedelta(7)) == []


@pytest.mark.django_db
def test_opsgenie_if_not_closed_is_the_not_resolved_condition(
    people: dict[str, User], tmp_path: Path
) -> None:
    report, _, _ = migrate("opsgenie", tmp_path, fixtures.opsgenie_rotations())
    assert not [line for line in report if "if-not-closed" in line]
    with time_machine.travel(NOW, tick=False):
        config("apply", str(tmp_path / "opsgenie.yaml"))
    steps = EscalationPolicy.objects.get(name="Platform default").steps.order_by("order")
    assert [s.condition for s in steps] == [
        StepCondition.UNACKNOWLEDGED, StepCondition.UNACKNOWLEDGED, StepCondition.UNRESOLVED]  # fmt: skip


@pytest.mark.django_db
def test_opsgenie_delays_in_seconds_and_miliseconds(
    people: dict[str, User], tmp_path: Path
) -> None:
    # Given rules at 0 minutes, 300 seconds and 900000 "miliseconds" after the alert
    _, document, _ = migrate("opsgenie", tmp_path, fixtures.opsgenie_rotations())
    (policy,) = document["escalation_policies"]
    # Then the steps wait 0, 5 and 10 minutes after each other
    assert [s["delay_minutes"] for s in policy["steps"]] == [0, 5, 10]


@pytest.mark.django_db
def test_opsgenie_service_api_refused_is_a_loss_line_not_an_abort(
    people: dict[str, User], tmp_path: Path
) -> None:
    # Given an account whose plan has no Service API (/v1/services answers 403)
    data = fixtures.without_service_api(fixtures.opsgenie_rotations())
    report, document, _ = migrate("opsgenie", tmp_path, data)
    # Then everything else is migrated and the services are one loss line
    assert (
        "  - services (/v1/services): the API answered HTTP 403 (not in this account's plan "
        "or not enabled for this key); not imported"
    ) in report
    assert document["services"] == []
    assert [s["name"] for s in document["schedules"]] == ["Platform"]
    assert len(document["history"]) == 30


# --- PagerDuty ---------------------------------------------------------------------


@pytest.mark.django_db
def test_pagerduty_history_over_six_months_is_read_in_ranges_the_api_accepts(
    people: dict[str, User], tmp_path: Path
) -> None:
    # Given the default window (365 days back from NOW), which /incidents refuses whole
    _, document, seen = migrate(
        "pagerduty", tmp_path, fixtures.pagerduty_rotations(), "--since", ""
    )
    # Then it is read in ranges of at most 180 days, and every incident comes once
    asked = [parse_qs(urlsplit(s).query) for s in seen if s.startswith("/incidents?")]
    assert sorted({(q["since"][0], q["until"][0]) for q in asked}) == [
        ("2025-03-04T00:00:00Z", "2025-08-31T00:00:00Z"),
        ("2025-08-31T00:00:00Z", "2026-02-27T00:00:00Z"),
        ("2026-02-27T00:00:00Z", "2026-03-04T10:00:00Z"),
    ]
    assert len(document["history"]) == 30
    assert len({i["source"] for i in document["history"]}) == 30


@pytest.mark.django_db
def test_pagerduty_future_overrides_are_imported(people: dict[str, User], tmp_path: Path) -> None:
    _, document, _ = migrate("pagerduty", tmp_path, fixtures.pagerduty_rotations())
    assert [(o["user"], o["start"]) for o in schedule(document)["overrides"]] == [
        ("cy@example.com", "2026-03-01T09:00:00Z"),
        ("bo@example.com", fixtures.NEXT_WEEK[0]),
        ("ana@example.com", fixtures.JUNE[0]),
    ]


# --- The cross-check ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("vendor", list(ROTATIONS))
def test_cross_check_finds_no_mismatch_in_14_days(
    vendor: str, people: dict[str, User], tmp_path: Path
) -> None:
    # Given teams with start indices, ended rotations, `none` turns and future overrides
    report, _, _ = migrate(vendor, tmp_path, ROTATIONS[vendor]())
    # Then the report and the head of the file say: no hour differs
    summary = (
        "Cross-check of who is on call, hour by hour for 14 days from 2026-03-04 10:00 UTC: "
        "0 mismatched hour(s) in 0 stretch(es)."
    )
    unchecked = (
        ["  ? schedule Legacy: not checked (an iCal schedule, read from its feed; the "
         "cross-check does not follow that rule)"]
        if vendor == "grafana-oncall" else []
    )  # fmt: skip
    start = report.index(summary)
    assert report[start : start + 2 + len(unchecked)] == [
        summary, *unchecked, f"Next: manage.py config plan {tmp_path / vendor}.yaml, then "
        f"config apply {tmp_path / vendor}.yaml."]  # fmt: skip
    head = (tmp_path / f"{vendor}.yaml").read_text().splitlines()
    assert head[: 1 + len(unchecked)] == [f"# {line}" for line in [summary, *unchecked]]


@pytest.mark.django_db
def test_cross_check_prints_every_mismatch_before_apply(
    people: dict[str, User], tmp_path: Path
) -> None:
    # Given PagerDuty's first team: two stacked layers, the second restricted to 09:00-17:00
    # Paris and shared with Zoe, who has no portal account
    report, _, _ = migrate("pagerduty", tmp_path, fixtures.pagerduty())
    mismatches = [line for line in report if line.startswith("  ! ")]
    # Then every stretch where the portal will page someone else is printed
    assert mismatches
    assert all(line.startswith("  ! schedule Platform, ") for line in mismatches)
    assert any("PagerDuty has " in line and "the portal will have" in line for line in mismatches)

"""Migration from PagerDuty, Opsgenie and Grafana OnCall against local stand-ins."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.migration import fixtures, standins

VENDORS = {
    "pagerduty": (standins.pagerduty_routes, fixtures.pagerduty, f"Token token={standins.KEY}", ""),
    "opsgenie": (standins.opsgenie_routes, fixtures.opsgenie, f"GenieKey {standins.KEY}", ""),
    "grafana-oncall": (standins.grafana_routes, fixtures.grafana_oncall, standins.KEY, "/api/v1"),
}


@pytest.fixture
def people(policy):
    return {n: get_user_model().objects.create_user(n, f"{n}@example.com") for n in ("ana", "bo", "cy")}


def run(vendor: str, tmp_path: Path, *extra: str) -> tuple[str, Path, list[str]]:
    routes, data, auth, prefix = VENDORS[vendor]
    target = tmp_path / f"{vendor}.yaml"
    out = StringIO()
    with standins.serve(routes(data()), auth) as (base, seen):
        call_command("migrate_oncall", vendor, "--api-key", standins.KEY, "--base-url",
                     base + prefix, "--since", "2025-12-01", "-o", str(target), *extra, stdout=out)  # fmt: skip
    return out.getvalue(), target, seen


@pytest.mark.django_db
def test_smoke(people, tmp_path):
    for vendor in VENDORS:
        out, target, seen = run(vendor, tmp_path)
        print(out)
        print(target.read_text()[:3000])
        plan = StringIO()
        call_command("config", "plan", str(target), stdout=plan)
        print(plan.getvalue())
    assert 0

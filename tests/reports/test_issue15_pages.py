"""Issue 15, "Also": the dashboard shows labels, the exports page names its default period."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_dashboard_shows_detection_source_labels_not_raw_values(
    client: Any, founder: Any, declare: Any
) -> None:
    client.force_login(founder)
    declare("SEV-2", title="Slow", detection_source="monitoring_alert")
    page = client.get("/admin/reports/exportrecord/dashboard/").content.decode()
    assert "Monitoring alert" in page
    assert "monitoring_alert" not in page


def test_exports_page_says_empty_dates_mean_the_last_90_days(client: Any, founder: Any) -> None:
    client.force_login(founder)
    page = client.get("/admin/reports/exportrecord/exports/").content.decode()
    today = datetime.datetime.now(datetime.UTC).date()
    first = today - datetime.timedelta(days=89)
    assert 'id="default-period"' in page
    assert f"last 90 days up to today ({first.isoformat()} to {today.isoformat()})" in page

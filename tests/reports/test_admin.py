"""The dashboard, exports and evidence pages in the admin."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.reports.conftest import T0

DASHBOARD = "admin:reports_dashboard"
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def admin_client(client: Any, founder: Any) -> Any:
    client.force_login(founder)
    return client


def test_index_links_to_dashboard_and_exports(admin_client: Any) -> None:
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse(DASHBOARD) in page
    assert reverse("admin:reports_exports") in page


def test_dashboard_shows_figures_and_svg_charts(admin_client: Any, history: Any) -> None:
    page = admin_client.get(reverse(DASHBOARD), MARCH).content.decode()
    assert '<b id="incident-count">3</b>' in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox') == 3
    assert "Incidents per week by severity" in page
    assert "SEV-1: 1</title>" in page  # the bar's tooltip
    assert "33 %" in page  # one of three found by customers


def test_dashboard_bad_date_is_a_form_error(admin_client: Any, db: Any) -> None:
    response = admin_client.get(reverse(DASHBOARD), {"start": "2026-04-01", "end": "2026-03-01"})
    assert response.status_code == 200
    assert "Must not be after" in response.content.decode()
    assert 'viewBox="0 0 640' not in response.content.decode()


def _more_incidents(declare: Any, n: int) -> None:
    with time_machine.travel(T0 + datetime.timedelta(days=3), tick=False):
        for i in range(n):
            declare("SEV-3", title=f"Extra {i}", services=[])


def test_dashboard_queries_are_constant(
    admin_client: Any, history: Any, declare: Any, django_assert_num_queries: Any
) -> None:
    admin_client.get(reverse(DASHBOARD), MARCH)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        admin_client.get(reverse(DASHBOARD), MARCH)
    _more_incidents(declare, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        page = admin_client.get(reverse(DASHBOARD), MARCH).content.decode()
    assert '<b id="incident-count">15</b>' in page


def test_exports_page_downloads_a_file(admin_client: Any, history: Any) -> None:
    url = reverse("admin:reports_exports")
    assert admin_client.get(url).status_code == 200
    response = admin_client.get(url, {**MARCH, "name": "incident-register", "fmt": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert b"Checkout down" in b"".join(response.streaming_content)
    bad = admin_client.get(url, {**MARCH, "name": "nope", "fmt": "csv"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


def test_evidence_page_downloads_a_zip(admin_client: Any, history: Any) -> None:
    response = admin_client.get(reverse("admin:reports_evidence"), MARCH)
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        assert "MANIFEST.sha256" in zf.namelist()


def test_responders_see_the_dashboard_but_cannot_export(
    client: Any, responder: Any, db: Any
) -> None:
    from django.apps import apps
    from django.contrib.auth.models import Group

    from portal.audit.roles import setup_roles

    setup_roles(apps)
    responder.groups.add(Group.objects.get(name="Responders"))
    client.force_login(responder)
    assert client.get(reverse(DASHBOARD)).status_code == 200
    assert client.get(reverse("admin:reports_exports")).status_code == 403
    assert client.get(reverse("admin:reports_evidence"), MARCH).status_code == 403


def test_the_dashboard_links_to_the_definitions_it_names(client: Any, founder: Any) -> None:
    """Issue 25: "Definitions: docs/reports.md" was plain text on the page."""
    client.force_login(founder)
    page = client.get("/admin/reports/exportrecord/dashboard/").content.decode()
    assert 'href="/admin/reports/exportrecord/definitions/"' in page
    definitions = client.get("/admin/reports/exportrecord/definitions/")
    assert definitions.status_code == 200
    assert "Target compliance" in definitions.content.decode()


def test_the_exports_page_has_no_id_twice(client: Any, founder: Any) -> None:
    """Issue 25: both forms of the exports page had id_start, id_end and their help ids."""
    import re
    from collections import Counter

    client.force_login(founder)
    for url in (
        "/admin/reports/exportrecord/exports/",
        "/admin/reports/exportrecord/evidence/?start=2026-04-01&end=2026-03-01",
    ):
        page = client.get(url).content.decode()
        twice = [i for i, n in Counter(re.findall(r'\bid="([^"]+)"', page)).items() if n > 1]
        assert twice == [], url
        assert 'for="id_evidence_start"' in page

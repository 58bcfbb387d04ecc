"""Issue 27, "The status page buckles when customers arrive": public pages answered from
a rendered cache, with the HTTP caching headers a CDN or proxy needs (RFC 9111
Cache-Control, RFC 5861 stale-while-revalidate, RFC 9110 §13 conditional requests)."""

from __future__ import annotations

import datetime
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from incidents.comms import page_cache
from incidents.models import Incident

PUBLIC_URLS = (
    "/status/",
    "/status/feed/",
    "/status/summary.json",
    "/status/api/v2/summary.json",
    "/status/api/v2/status.json",
    "/status/api/v2/components.json",
    "/status/api/v2/incidents.json",
    "/status/api/v2/incidents/unresolved.json",
    "/status/api/v2/scheduled-maintenances.json",
    "/status/api/v2/scheduled-maintenances/upcoming.json",
    "/status/api/v2/scheduled-maintenances/active.json",
)


@pytest.fixture
def incident(declare: Callable[..., Incident], send: Any, components: Any) -> Incident:
    incident = declare("SEV-2", title="Checkout errors", services=[components["api"]])
    send(incident, "status_page", body="We're investigating checkout errors.")
    return incident


def _urls(incident: Incident) -> list[str]:
    return [*PUBLIC_URLS, f"/status/incidents/{incident.ref}/"]


def test_cached_answers_take_no_query_and_carry_caching_headers(
    incident: Incident, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = Client()
    for url in _urls(incident):
        first = client.get(url)
        assert first.status_code == 200, url
        cache_control = {p.strip() for p in first["Cache-Control"].split(",")}
        assert {"public", "max-age=10", "stale-while-revalidate=30"} <= cache_control, url
        assert first["ETag"].startswith('"'), url
        assert "Last-Modified" in first, url
        assert not first.cookies, url
        # Served from the rendered cache: no database query at all, same bytes
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.status_code == 200
        assert again.content == first.content, url
        assert again["ETag"] == first["ETag"]
        assert again["Content-Type"] == first["Content-Type"]


def test_conditional_requests_get_304(
    incident: Incident, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = Client()
    for url in _urls(incident):
        first = client.get(url)
        with django_assert_num_queries(0):
            by_etag = client.get(url, headers={"If-None-Match": first["ETag"]})
            by_date = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
        for response in (by_etag, by_date):
            assert response.status_code == 304, url
            assert response.content == b""
            assert response["ETag"] == first["ETag"]
            assert "public" in response["Cache-Control"]
        other = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200


def test_head_answers_the_headers_without_a_body(incident: Incident) -> None:
    client = Client()
    get = client.get("/status/")
    head = client.head("/status/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]


def test_publishing_invalidates_every_public_page(incident: Incident, send: Any) -> None:
    client = Client()
    before = {url: client.get(url) for url in _urls(incident)}
    # When the team publishes an update
    send(
        incident,
        "status_page",
        body="FIX-DEPLOYED: checkout recovering.",
        announced_status="monitoring",
    )
    # Then each page is rendered again: new ETag, the new update in it, old ETag → 200
    for url, old in before.items():
        new = client.get(url, headers={"If-None-Match": old["ETag"]})
        assert new.status_code == 200, url
        assert new["ETag"] != old["ETag"], url
        if "scheduled-maintenances" not in url and not url.endswith(
            ("status.json", "components.json")
        ):
            assert b"FIX-DEPLOYED" in new.content, url


def test_an_incident_change_invalidates_too(incident: Incident, system: Any) -> None:
    from incidents.services import resolve_incident

    client = Client()
    old = client.get("/status/api/v2/incidents/unresolved.json")
    assert incident.ref in old.json()["incidents"][0]["id"]
    resolve_incident(incident=incident, actor=system, reason="fixed")
    assert client.get("/status/api/v2/incidents/unresolved.json").json()["incidents"] == []


def test_while_another_process_renders_a_page_the_last_copy_is_answered(
    incident: Incident, send: Any, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # Under a rush, an expiry or a publication must not have every worker render the
    # same page at once while the requests queue (bench/status_rush.py).
    client = Client()
    old = {url: client.get(url) for url in _urls(incident)}
    send(incident, "status_page", body="FIX-DEPLOYED: checkout recovering.")
    # While another worker renders the new pages
    token = page_cache.claim_rendering()
    assert token is not None
    with django_assert_num_queries(0):
        during = {url: client.get(url) for url in old}
    for url, response in during.items():
        assert response.status_code == 200, url
        assert response.content == old[url].content, url
        assert response["ETag"] == old[url]["ETag"], url
        assert "public" in response["Cache-Control"], url
    assert page_cache.claim_rendering() is None
    page_cache.release_rendering(token)
    # Then the next request renders the new content, and frees the right to render
    after = client.get("/status/")
    assert b"FIX-DEPLOYED" in after.content
    assert after["ETag"] != old["/status/"]["ETag"]
    assert page_cache.claim_rendering() is not None


def test_a_page_another_process_just_rendered_is_not_rendered_again(
    incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    first = client.get("/status/")
    # Another worker stores the page between this one's miss and its claim to render
    real_get = page_cache.get
    lookups: list[str] = []

    def get(name: str) -> Any:
        lookups.append(name)
        return None if len(lookups) == 1 else real_get(name)

    stored: list[Any] = []
    monkeypatch.setattr(page_cache, "get", get)
    monkeypatch.setattr(page_cache, "set", lambda *args, **kwargs: stored.append(args))
    again = client.get("/status/")
    assert again.status_code == 200
    assert again["ETag"] == first["ETag"]
    assert lookups == ["page:/status/", "page:/status/"]
    assert stored == []  # answered, not rendered again
    assert page_cache.claim_rendering() is not None  # and the right to render released


def test_a_page_without_a_last_copy_is_rendered_even_while_another_renders(
    incident: Incident,
) -> None:
    assert page_cache.claim_rendering() is not None
    first = Client().get(f"/status/incidents/{incident.ref}/")
    assert first.status_code == 200
    assert b"investigating checkout errors" in first.content


def test_the_last_copy_is_not_answered_past_the_stale_window(incident: Incident, send: Any) -> None:
    client = Client()
    client.get("/status/")
    send(incident, "status_page", body="FIX-DEPLOYED: checkout recovering.")
    later = timezone.now() + datetime.timedelta(seconds=page_cache.stale_seconds() + 1)
    with time_machine.travel(later, tick=False):
        assert page_cache.claim_rendering() is not None
        assert b"FIX-DEPLOYED" in client.get("/status/").content


def test_only_successful_answers_are_stored(db: None) -> None:
    client = Client()
    for _ in range(2):
        missing = client.get("/status/incidents/INC-19990101-01/")
        assert missing.status_code == 404
        assert "ETag" not in missing


def test_subscribe_form_works_from_the_shared_cached_page(db: None) -> None:
    # The cached page carries no per-visitor CSRF token; the form still posts.
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/status/").content.decode()
    assert "csrfmiddlewaretoken" not in page
    response = browser.post("/status/subscribe/", {"email": "ann@customer.test"})
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


@pytest.fixture
def file_cache(settings: Any, tmp_path: Path) -> Path:
    """The status cache as in production: a file cache, shared by every process."""
    location = tmp_path / "status-cache"
    settings.CACHES = {
        **settings.CACHES,
        "status": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(location),
        },
    }
    return location


def test_with_the_file_cache_one_claim_to_render_wins_among_simultaneous_ones(
    file_cache: Path,
) -> None:
    start = threading.Barrier(8)

    def claim() -> str | None:
        start.wait()
        return page_cache.claim_rendering()

    with ThreadPoolExecutor(8) as pool:
        tokens = [t for t in pool.map(lambda _: claim(), range(8)) if t is not None]
    assert len(tokens) == 1
    assert page_cache.claim_rendering() is None
    page_cache.release_rendering("someone-else")
    assert page_cache.claim_rendering() is None
    page_cache.release_rendering(tokens[0])
    assert page_cache.claim_rendering() is not None


def test_with_the_file_cache_a_claim_left_by_a_dead_process_expires(file_cache: Path) -> None:
    assert page_cache.claim_rendering() is not None
    lock = next(p for p in file_cache.iterdir() if not p.name.endswith(".djcache"))
    old = time.time() - page_cache.RENDERING_LOCK_SECONDS - 1
    os.utime(lock, (old, old))
    assert page_cache.claim_rendering() is not None


def test_with_the_file_cache_pages_are_answered_from_the_last_copy_too(
    file_cache: Path, incident: Incident, send: Any
) -> None:
    client = Client()
    old = client.get("/status/")
    send(incident, "status_page", body="FIX-DEPLOYED: checkout recovering.")
    token = page_cache.claim_rendering()
    assert token is not None
    assert client.get("/status/")["ETag"] == old["ETag"]
    page_cache.release_rendering(token)
    assert b"FIX-DEPLOYED" in client.get("/status/").content

"""Issue 14, "Every input either works or gets a 4xx": hypothesis drives each ingestion
endpoint with generated payloads (NUL, lone surrogates, deep nesting, huge numbers,
wrong types), based on the senders' real samples. Only 2xx/4xx; nothing written on 4xx.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integrations.conftest import pd_event, rows, sample

pytestmark = pytest.mark.django_db

NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfff", "", " ", "9" * 400, "null"]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    NASTY_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(NASTY_TEXT, children, max_size=3)
    ),
    max_leaves=8,
)


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


MUTATION = st.one_of(VALUES, st.sampled_from([_deep(30), _deep(100)]))


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: Any, base: Any) -> Any:
    """The sample with 1–3 values replaced (or keys added) by hostile ones."""
    document = copy.deepcopy(base)
    paths = _paths(base)  # of the sample only: never walk into inserted (deep) values
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        value = draw(MUTATION)
        add_key = draw(st.booleans())
        parent = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced an ancestor
        if add_key and isinstance(parent, dict):
            parent[draw(NASTY_TEXT)] = value
        else:
            parent[path[-1]] = value
    return document


FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _check(response: Any, before: dict[str, int]) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert rows() == before, response.content[:300]
        assert response.json()


def test_fuzz_pagerduty_enqueue(pd: Any, client: Any) -> None:
    base = pd_event(pd.key)

    @FUZZ
    @given(body=mutated(base))
    def run(body: Any) -> None:
        if isinstance(body, dict) and "routing_key" in body:
            body.setdefault("routing_key", pd.key)
        before = rows()
        response = client.post(
            "/integrations/pagerduty/v2/enqueue", json.dumps(body), content_type="application/json"
        )
        _check(response, before)

    run()


def test_fuzz_pagerduty_change_enqueue(pd: Any, client: Any) -> None:
    base = {**sample("pagerduty_change.json"), "routing_key": pd.key}

    @FUZZ
    @given(body=mutated(base))
    def run(body: Any) -> None:
        before = rows()
        response = client.post(
            "/integrations/pagerduty/v2/change/enqueue",
            json.dumps(body),
            content_type="application/json",
        )
        _check(response, before)

    run()


@pytest.mark.parametrize(
    ("kind", "fixture"),
    [("alertmanager", "alertmanager_v4_firing.json"), ("uptime", "uptime_kuma_down.json")],
)
def test_fuzz_keyed_webhooks(make_integration: Any, client: Any, kind: str, fixture: str) -> None:
    integration = make_integration(kind)

    @FUZZ
    @given(body=mutated(sample(fixture)))
    def run(body: Any) -> None:
        before = rows()
        response = client.post(
            f"/integrations/{kind}/{integration.key}/",
            json.dumps(body),
            content_type="application/json",
        )
        _check(response, before)

    run()


@pytest.mark.parametrize(
    ("resource", "fixture"),
    [
        ("event_alert", "sentry_event_alert.json"),
        ("issue", "sentry_issue_created.json"),
        ("metric_alert", "sentry_metric_alert_critical.json"),
    ],
)
def test_fuzz_sentry(make_integration: Any, client: Any, resource: str, fixture: str) -> None:
    sentry = make_integration("sentry")

    @FUZZ
    @given(body=mutated(sample(fixture)), request_id=NASTY_TEXT)
    def run(body: Any, request_id: str) -> None:
        raw = json.dumps(body).encode()
        signature = hmac.new(sentry.client_secret.encode(), raw, hashlib.sha256).hexdigest()
        headers = {"HTTP_SENTRY_HOOK_SIGNATURE": signature, "HTTP_SENTRY_HOOK_RESOURCE": resource}
        if request_id.isprintable() and request_id.isascii():
            headers["HTTP_REQUEST_ID"] = request_id
        before = rows()
        response = client.post(
            f"/integrations/sentry/{sentry.key}/", raw, content_type="application/json", **headers
        )
        _check(response, before)

    run()


def test_fuzz_heartbeat_key(make_integration: Any, client: Any) -> None:
    make_integration("heartbeat")

    @FUZZ
    @given(key=NASTY_TEXT)
    def run(key: str) -> None:
        before = rows()
        response = client.get(
            "/integrations/heartbeat/",
            HTTP_X_INTEGRATION_KEY=key.encode("utf-8", "surrogatepass").decode("latin-1"),
        )
        _check(response, before)

    run()

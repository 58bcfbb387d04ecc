"""The extension point: one typed registration per app, an explicit order, hooks in the
service's transaction, work leaving the database enqueued on commit (docs/extending.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from incidents import extension_point
from incidents.extension_point import Extension, IncidentEvent
from incidents.models import Incident
from portal.kernel.actors import Actor

# The order docs/extending.md documents. Changing it is a decision: update both.
DOCUMENTED_ORDER = [
    ("oncall", 10),
    ("integrations", 20),
    ("comms", 30),
    ("slack", 40),
    ("postmortems", 50),
    ("tickets", 60),
    ("drills", 70),
]


@pytest.fixture
def isolated(monkeypatch: Any) -> None:
    """An empty registry for the test (the project's extensions come back afterwards)."""
    monkeypatch.setattr(extension_point, "_EXTENSIONS", {})


def test_the_project_extensions_run_in_the_documented_order() -> None:
    assert [(e.app_label, e.order) for e in extension_point.extensions()] == DOCUMENTED_ORDER


def test_the_order_is_the_declared_order_not_the_registration_order(isolated: None) -> None:
    # Given two extensions registered last-first
    extension_point.register(Extension(app_label="late", order=20))
    extension_point.register(Extension(app_label="early", order=10))
    # Then they run by their order
    assert [e.app_label for e in extension_point.extensions()] == ["early", "late"]


def test_a_taken_order_or_a_second_extension_of_an_app_is_refused(isolated: None) -> None:
    extension_point.register(Extension(app_label="first", order=10))
    extension_point.register(Extension(app_label="first", order=10))  # ready() twice: no-op
    with pytest.raises(ValueError, match="order: 10 is taken by 'first'"):
        extension_point.register(Extension(app_label="second", order=10))
    with pytest.raises(ValueError, match="app_label: 'first' already has an extension"):
        extension_point.register(Extension(app_label="first", order=11))


def test_a_hook_on_a_string_event_is_refused() -> None:
    with pytest.raises(TypeError, match="'declared' is not an IncidentEvent"):
        Extension(app_label="x", order=1, hooks={"declared": [lambda i, a: None]})  # type: ignore[dict-item]


def test_hooks_outside_a_transaction_are_refused() -> None:
    # No database here: the check comes before any hook runs.
    with pytest.raises(RuntimeError, match="inside the incident service's transaction"):
        extension_point.run_hooks(IncidentEvent.DECLARED, Incident(), Actor.system("test"))


def test_a_hook_runs_in_the_transaction_and_its_task_is_sent_on_commit(
    isolated: None, declare: Any, system: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[tuple[str, str, bool]] = []
    sent: list[str] = []

    def on_declared(incident: Incident, actor: Actor) -> None:
        seen.append((incident.ref, actor.label, transaction.get_connection().in_atomic_block))
        # Anything leaving the database goes after the commit: the worker must find the rows.
        transaction.on_commit(lambda: sent.append(incident.ref))

    extension_point.register(
        Extension(app_label="addon", order=1, hooks={IncidentEvent.DECLARED: [on_declared]})
    )

    def declare_then_fail() -> None:
        with transaction.atomic():
            declare("SEV-3", title="rolled back")
            raise ZeroDivisionError  # anything failing after the service, same transaction

    # When a declaration rolls back, the hook ran but nothing left the database
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
    ):
        declare_then_fail()
    assert len(seen) == 1
    assert callbacks == []
    assert sent == []
    # When it commits, the task is sent once, after the commit
    with django_capture_on_commit_callbacks(execute=True):
        incident = declare("SEV-3", title="committed")
        assert sent == []
    assert seen[-1] == (incident.ref, system.label, True)
    assert sent == [incident.ref]


def test_hooks_of_an_event_run_in_extension_order(isolated: None, declare: Any) -> None:
    calls: list[str] = []

    def hook(name: str) -> extension_point.IncidentHook:
        return lambda incident, actor: calls.append(name)

    extension_point.register(
        Extension(app_label="b", order=2, hooks={IncidentEvent.DECLARED: [hook("b")]})
    )
    extension_point.register(
        Extension(
            app_label="a",
            order=1,
            hooks={IncidentEvent.DECLARED: [hook("a1"), hook("a2")], IncidentEvent.CLOSED: []},
        )
    )
    declare("SEV-3")
    assert calls == ["a1", "a2", "b"]


def test_placeholder_values_first_non_empty_answer_wins(isolated: None) -> None:
    extension_point.register(
        Extension(app_label="a", order=1, placeholder_values=lambda i: {"root_cause": ""})
    )
    extension_point.register(
        Extension(app_label="b", order=2, placeholder_values=lambda i: {"root_cause": "disk full"})
    )
    assert extension_point.placeholder_values(Incident()) == {"root_cause": "disk full"}

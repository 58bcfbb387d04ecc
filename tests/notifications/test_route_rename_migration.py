"""The two models once both named `RoutingRule` were renamed with `RenameModel`: the
rows configured before the migration are there after it, under the new names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("notifications", "0006_pushover_receipts"),
    ("integrations", "0002_integration_key_rotation"),
]
AFTER = [
    ("notifications", "0007_rename_routingrule_notificationroute"),
    ("integrations", "0003_rename_routingrule_alertroutingrule"),
]


@pytest.mark.django_db(transaction=True)
def test_routing_rows_survive_the_rename() -> None:
    # Given routing rows written under the old model names
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    channel = old.get_model("notifications", "NotificationChannel").objects.create(
        name="#errors", kind="discord", target="discord://x/y"
    )
    old.get_model("notifications", "RoutingRule").objects.create(level_code="S1", channel=channel)
    integration = old.get_model("integrations", "Integration").objects.create(
        name="Prometheus", kind="alertmanager", key="k" * 32
    )
    old.get_model("integrations", "RoutingRule").objects.create(
        integration=integration, path="labels.severity", value="critical", severity="S1"
    )
    # when the renames run
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    # then the same rows answer to the new names
    routes = new.get_model("notifications", "NotificationRoute").objects.all()
    assert [(r.level_code, r.channel.name) for r in routes] == [("S1", "#errors")]
    rules = new.get_model("integrations", "AlertRoutingRule").objects.all()
    assert [(r.integration.name, r.path, r.severity) for r in rules] == [
        ("Prometheus", "labels.severity", "S1")
    ]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema() -> Iterator[None]:
    """The tests after this one expect every migration applied, later ones included."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

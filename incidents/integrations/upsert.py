"""The hot path's one statement: insert an alert or count a repeat, atomically.

`INSERT … SELECT … FROM integration WHERE key = … AND enabled ON CONFLICT
(integration_id, open_key) DO UPDATE SET count = count + 1 RETURNING …` checks the
key, inserts the first alert of a key or counts a repeat in ONE round trip. Concurrent
identical triggers serialise on the unique index: the second waits for the first's
transaction (which declares the incident) and then updates the committed row, so it
sees the incident id. Works on PostgreSQL and SQLite (≥ 3.35 for RETURNING).

On PostgreSQL both statements run through a server-side-binding cursor, so psycopg
prepares them after a few runs on a connection (`prepare_threshold`): PostgreSQL then
skips parsing and planning, which halved the database CPU of a repeat (0.77 → 0.39 ms,
measured) and is what the raw-upsert baseline of `bench/alert_storm.py` gets too.
Django's own cursors bind client-side (the ORM's SQL is not always preparable), so
only these two fixed statements use it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from incidents.choices import OPEN_STATUSES
from incidents.integrations.choices import AlertStatus
from incidents.integrations.models import Alert, Integration
from incidents.models import Incident


@dataclass(frozen=True)
class UpsertedAlert:
    alert_id: int
    integration_id: int
    incident_id: int | None
    count: int
    inserted: bool
    opening: bool  # stored, its incident not declared yet


def _sql(vendor: str) -> str:
    alert = connection.ops.quote_name(Alert._meta.db_table)
    integration = connection.ops.quote_name(Integration._meta.db_table)
    if vendor == "postgresql":
        details, inserted = "CAST(%s AS jsonb)", "(xmax = 0)"
    else:
        # SQLite has no xmax: a freshly inserted row is the only one with count 1
        # (a repeat makes it ≥ 2).
        details, inserted = "%s", "(count = 1)"
    # Only quoted table names are interpolated; every value is a bound parameter.
    return (
        f"INSERT INTO {alert} (integration_id, dedup_key, open_key, status, count, summary, "  # noqa: S608
        f"first_seen_at, last_seen_at, details, opening, severity_hint) "
        f"SELECT i.id, %s, %s, %s, 1, %s, %s, %s, {details}, %s, %s FROM {integration} i "
        f"WHERE i.key = %s AND i.kind = %s AND i.enabled "
        f"ON CONFLICT (integration_id, open_key) DO UPDATE SET count = {alert}.count + 1, "
        f"last_seen_at = EXCLUDED.last_seen_at, summary = EXCLUDED.summary "
        f"RETURNING id, integration_id, incident_id, count, {inserted}, opening"
    )


_SQL_CACHE: dict[str, str] = {}


@contextlib.contextmanager
def _prepared_cursor() -> Iterator[Any]:
    """A Django cursor wrapper (error translation, query logging) around a psycopg
    cursor that binds server-side, so that repeated statements get prepared."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    cursor_class: Any = ServerBindingCursor  # django-stubs do not describe its constructor
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = cursor_class(connection.connection)
    wrapped = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with wrapped as cursor:
        yield cursor


def _fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    if connection.vendor == "postgresql":
        with _prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def upsert_alert(
    *,
    key: str,
    kind: str,
    dedup_key: str,
    summary: str,
    details: dict[str, Any],
    at: datetime.datetime,
    severity_hint: str = "",
) -> UpsertedAlert | None:
    """Insert-or-count the open alert of (integration with `key`, `dedup_key`); None for a bad key.

    Must run inside the caller's transaction: the inserting caller declares the
    incident before it commits, so no one ever sees an open alert without its incident.
    """
    vendor = connection.vendor
    sql = _SQL_CACHE.get(vendor) or _SQL_CACHE.setdefault(vendor, _sql(vendor))
    stamp = connection.ops.adapt_datetimefield_value(at)
    params = [
        dedup_key,
        dedup_key,
        AlertStatus.TRIGGERED.value,
        summary,
        stamp,
        stamp,
        json.dumps(details, default=str),
        True,  # opening: a new alert's incident is declared next (`opening`)
        severity_hint[:10],  # the sender's severity, for an opener in another process
        key,
        kind,
    ]
    row = _fetch_one(sql, params)
    if row is None:
        return None
    return UpsertedAlert(
        alert_id=row[0],
        integration_id=row[1],
        incident_id=row[2],
        count=row[3],
        inserted=bool(row[4]),
        opening=bool(row[5]),
    )


@dataclass(frozen=True)
class CountedRepeat:
    alert_id: int
    incident_id: int
    count: int
    incident_open: bool
    integration_name: str


def _repeat_sql() -> str:
    alert = connection.ops.quote_name(Alert._meta.db_table)
    integration = connection.ops.quote_name(Integration._meta.db_table)
    incident = connection.ops.quote_name(Incident._meta.db_table)
    # The open statuses are code constants (lower-case words), written as literals: binding
    # them as an array parameter cost psycopg ~0.3 ms of list-type sniffing per request.
    if not all(str(s).isalpha() for s in OPEN_STATUSES):
        raise ValueError("open statuses must be plain words")
    open_statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    # Only quoted table names and the constants above are interpolated; values are bound.
    return (
        f"WITH i AS (SELECT id, name FROM {integration} WHERE key = %s AND kind = %s AND enabled), "  # noqa: S608
        f"a AS (UPDATE {alert} SET count = {alert}.count + 1, last_seen_at = %s, summary = %s "
        f"FROM i WHERE {alert}.integration_id = i.id AND {alert}.open_key = %s "
        f"AND {alert}.incident_id IS NOT NULL "
        f"RETURNING {alert}.id, {alert}.incident_id, {alert}.count, i.name), "
        f"n AS (UPDATE {incident} SET alert_count = alert_count + 1 FROM a "
        f"WHERE {incident}.id = a.incident_id AND {incident}.status IN ({open_statuses}) RETURNING {incident}.id) "
        f"SELECT a.id, a.incident_id, a.count, EXISTS (SELECT 1 FROM n), a.name FROM a"
    )


def count_repeat(
    *, key: str, kind: str, dedup_key: str, summary: str, at: datetime.datetime
) -> CountedRepeat | None:
    """PostgreSQL only: count a repeat of an open alert and its incident in ONE statement.

    Data-modifying CTEs make the alert and incident updates one atomic statement, so a
    repeat costs one round trip and one commit in autocommit mode. None when there is
    no committed open alert for the key (first trigger, a bad key, or an insert still
    in flight): the caller falls back to `upsert_alert` in a transaction, which waits
    on the unique index for any in-flight insert. The integration's name comes back
    too: the timeline entries of folded repeats name it as their actor.
    """
    if connection.vendor != "postgresql":
        return None
    sql = _SQL_CACHE.get("repeat") or _SQL_CACHE.setdefault("repeat", _repeat_sql())
    row = _fetch_one(sql, (key, kind, at, summary, dedup_key))
    if row is None:
        return None
    return CountedRepeat(
        alert_id=row[0],
        incident_id=row[1],
        count=row[2],
        incident_open=bool(row[3]),
        integration_name=row[4],
    )


@dataclass(frozen=True)
class LinkedAlert:
    count: int  # every trigger counted on the alert so far, the opening one included
    still_open: bool  # False when a resolve closed it while its incident was opening
    # True when an acknowledge arrived while its incident was opening (issue 24: the
    # incident it opens is acknowledged, not paged on).
    acknowledged: bool = False


def link_alert(*, alert_id: int, incident_id: int) -> LinkedAlert | None:
    """Give an unopened alert its incident, in the opener's transaction; None when another
    opener linked it first. The row stays locked until the caller commits, so the count
    returned is exact: every repeat counted before is carried to the incident, every
    repeat after waits and then counts on both (`count_repeat`, `upsert_alert`)."""
    alert = connection.ops.quote_name(Alert._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {alert} SET incident_id = %s, opening = %s WHERE id = %s AND opening "  # noqa: S608 - our table name
            # open_key itself, not `open_key IS NOT NULL`: SQLite 3.40 returned 1 for
            # that expression on a NULL open_key (seen here, in the tests).
            f"RETURNING count, open_key, status",
            [incident_id, False, alert_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return LinkedAlert(
        count=row[0],
        still_open=row[1] is not None,
        acknowledged=row[2] == AlertStatus.ACKNOWLEDGED,
    )


def _unopened_repeat_sql() -> str:
    alert = connection.ops.quote_name(Alert._meta.db_table)
    integration = connection.ops.quote_name(Integration._meta.db_table)
    return (
        f"UPDATE {alert} SET count = {alert}.count + 1, last_seen_at = %s, summary = %s "  # noqa: S608 - our table names
        f"FROM {integration} i WHERE i.key = %s AND i.kind = %s AND i.enabled "
        f"AND {alert}.integration_id = i.id AND {alert}.open_key = %s "
        f"AND {alert}.opening AND {alert}.first_seen_at > %s "
        f"RETURNING {alert}.id"
    )


def count_unopened_repeat(
    *,
    key: str,
    kind: str,
    dedup_key: str,
    summary: str,
    at: datetime.datetime,
    opened_since: datetime.datetime,
) -> int | None:
    """PostgreSQL only: count a repeat of an alert whose incident is being opened (first
    seen after `opened_since`), in ONE statement; its id, or None.

    The opener's link carries the count to the incident. When the link commits while
    this statement waits on the row, PostgreSQL re-checks `opening` on the
    linked row, which no longer matches: nothing is counted here and the caller takes
    the transactional path, which counts on both (never on the alert alone, too late
    for the link to carry it)."""
    if connection.vendor != "postgresql":
        return None
    sql = _SQL_CACHE.get("unopened") or _SQL_CACHE.setdefault("unopened", _unopened_repeat_sql())
    row = _fetch_one(sql, (at, summary, key, kind, dedup_key, opened_since))
    return None if row is None else int(row[0])

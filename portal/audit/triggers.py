"""Database triggers that make the audit log append-only below the ORM.

PostgreSQL refuses UPDATE and DELETE of audit rows (TRUNCATE, a table owner's
privilege, stays possible for test flushes and deliberate resets). SQLite refuses
UPDATE only: its flush is a DELETE, and a deleted row still breaks the chain,
which `audit verify` reports.
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditentry"

POSTGRES_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"DROP TRIGGER IF EXISTS audit_entry_append_only ON {TABLE};",
    f"""
    CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
    """,
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_entry_append_only ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_entry_append_only();",
]
SQLITE_INSTALL = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    f"""
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END;
    """,
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS audit_entry_no_update;"]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []


def install(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)

"""Database triggers that make the audit log append-only below the ORM.

PostgreSQL refuses DELETE of audit rows and every UPDATE except sealing: an unsealed
row (no `seq` yet) may get its `seq`, `prev_hash` and `hash` once, its content
unchanged (TRUNCATE, a table owner's privilege, stays possible for test flushes and
deliberate resets). SQLite refuses the same UPDATEs but not DELETE: its flush is a
DELETE, and a deleted row still breaks the chain, which `audit verify` reports.
"""

from __future__ import annotations

from typing import Any

from portal.audit.hashing import HASHED_FIELDS

TABLE = "audit_auditentry"

# The content of an entry: what sealing must leave untouched (everything hashed but the
# chain fields the sealer sets, and the row id).
CONTENT = ("id", *(f for f in HASHED_FIELDS if f not in ("seq", "prev_hash")))
_PG_SAME = " AND ".join(f'NEW."{c}" IS NOT DISTINCT FROM OLD."{c}"' for c in CONTENT)
_SQLITE_MOVED = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in CONTENT)

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.hash = '' AND {_PG_SAME} THEN
            RETURN NEW;  -- sealing: the chain fields are set once, the content stays
        END IF;
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
    WHEN OLD.seq IS NOT NULL OR OLD.hash != '' OR {_SQLITE_MOVED}
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

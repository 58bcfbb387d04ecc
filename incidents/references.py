"""Incident references `INC-YYYYMMDD-NN`: sequential per UTC day, gap-free.

The counter row is bumped with one upsert inside the declaring transaction, so
concurrent declarations queue on the row lock and a rolled-back declaration
gives its number back.
"""

from __future__ import annotations

import datetime

from django.db import connection

from incidents.models import ReferenceCounter


def allocate_reference(day: datetime.date) -> str:
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (number,) = cursor.fetchone()
    return format_reference(day, number)


def format_reference(day: datetime.date, number: int) -> str:
    return f"INC-{day:%Y%m%d}-{number:02d}"

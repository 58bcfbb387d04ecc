#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def make_sqlite_folder() -> None:
    """SQLite creates its file but not the folder (var/ in a fresh clone); settings
    write nothing at import, so the commands that open the database make it here."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        database = settings.DATABASES["default"]
    except ImproperlyConfigured:
        return  # Django's own start-up reports it, naming the setting
    if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] != ":memory:":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line

    make_sqlite_folder()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

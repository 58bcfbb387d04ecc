"""Loaded by pytest before Django's settings (`-p tests.environment` in pyproject.toml).

The settings are imported before any conftest.py, and they refuse to start with DEBUG
off and no SECRET_KEY. The tests run as `make run` does, with DEBUG on, unless the
environment says otherwise; subprocesses the tests start (`manage.py …`) inherit it.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")
# The suite runs production's default, the engine as opener (ALERT_OPENING=engine): a
# trigger is stored and answered, and the engine's opening loop declares its incident.
# Tests that post alerts drive that loop right after each request, as the engine does
# when the commit wakes it (tests/integrations/conftest.py `post`, `open_now`); the
# inline mode is tested where it is named (test_concurrency, test_write_path_concurrency).
# The status pages' cache in the test process (each pytest-xdist worker its own), not
# the file cache under var/ that workers would share.
os.environ.setdefault("STATUS_CACHE_URL", "locmemcache://status-pages")

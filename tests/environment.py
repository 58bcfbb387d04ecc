"""Loaded by pytest before Django's settings (`-p tests.environment` in pyproject.toml).

The settings are imported before any conftest.py, and they refuse to start with DEBUG
off and no SECRET_KEY. The tests run as `make run` does, with DEBUG on, unless the
environment says otherwise; subprocesses the tests start (`manage.py …`) inherit it.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")
# Triggers open their incidents before answering, so a test sees the incident at once;
# tests of the engine as opener say so (tests/integrations/test_opening.py).
os.environ.setdefault("ALERT_OPENING", "inline")
# The status pages' cache in the test process (each pytest-xdist worker its own), not
# the file cache under var/ that workers would share.
os.environ.setdefault("STATUS_CACHE_URL", "locmemcache://status-pages")

"""The audit log is exported through `/api/v1/exports/audit-log/` (portal.reports)."""

urlpatterns: list = []

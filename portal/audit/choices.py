"""Choices of the audit log and the security audit."""

from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    GRANT = "grant", "Granted"
    REVOKE = "revoke", "Revoked"
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOGOUT = "logout", "Logged out"


class FindingKind(models.TextChoices):
    NEW_SUPERUSER = "new_superuser", "New superuser"
    NEW_STAFF = "new_staff", "New staff user"
    PERMISSION_GRANT = "permission_grant", "Permission or group granted"
    TOKEN_CREATED = "token_created", "API token created"
    MASS_DELETION = "mass_deletion", "Mass deletion"
    FAILED_LOGINS = "failed_logins", "Repeated failed logins"
    ODD_HOUR_LOGIN = "odd_hour_login", "Login at an unusual hour"


class FindingSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    SEVERE = "severe", "Severe"

"""A new responder's invitation: set a password on a page of the portal, then land where
the work is (the incident of their latest page), not on Django's stock reset pages.

The link is Django's password-reset token (`portal.access.responders.invitation_url`):
it works once and expires after PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.utils import timezone

from incidents.oncall.models import Page

LANDING_WINDOW = datetime.timedelta(hours=24)


def landing_url(user: Any) -> str:
    """The incident of the person's latest page (a day at most), else the admin home."""
    page = (
        Page.objects.filter(user=user, paged_at__gte=timezone.now() - LANDING_WINDOW)
        .order_by("-paged_at", "-id")
        .first()
    )
    if page is not None:
        return reverse("admin:incidents_incident_change", args=[page.incident_id])
    return reverse("admin:index")


class InvitationView(auth_views.PasswordResetConfirmView):
    template_name = "registration/invitation.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["portal_name"] = settings.PORTAL_NAME
        context["site_header"] = settings.PORTAL_NAME
        return context

    def get_success_url(self) -> str:
        return landing_url(self.user)

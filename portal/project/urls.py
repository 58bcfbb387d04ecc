"""URL map: admin, REST API, integration endpoints, public pages."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from portal.project.invitation import InvitationView
from portal.project.metrics import metrics


class FaviconRedirect(RedirectView):
    """To the icon's hashed static URL, looked up per request: at import, before
    `collectstatic` has written the manifest, the lookup raised and `manage.py migrate`
    and `check --deploy` failed on a fresh production server."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str | None:
        return static("portal/favicon.svg")


urlpatterns = [
    # A new responder's invitation link sets their password on the portal's own page and
    # lands on their incident; see portal.access.responders and portal.project.invitation.
    path(
        "admin/invitation/<uidb64>/<token>/",
        InvitationView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/invitation/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("api/", include("portal.project.api_urls")),
    # Alert ingestion endpoints (SPEC §6); authenticated by the integration key.
    path("integrations/", include("incidents.integrations.urls")),
    # Public status page, feed and summary (SPEC §7).
    path("status/", include("incidents.comms.urls")),
    # iCal feeds and one-click acknowledge links (secret/signed URLs, no login).
    path("oncall/", include("incidents.oncall.urls")),
    # Carriers' webhooks: SMS replies, keys pressed on calls, delivery status (signed).
    path("notify/", include("portal.notifications.urls")),
    # Slack's request URLs (signed by Slack), the manifest and the account link.
    path("slack/", include("incidents.slack.urls")),
    # Prometheus scrapes here (token or allow-listed address; portal.project.metrics).
    path("metrics", metrics, name="metrics"),
    # Browsers ask for /favicon.ico on every page that names no icon (the acknowledge
    # page, the Slack link page); it was a 404 logged on each (issue 25).
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
]

handler404 = "portal.kernel.api.errors.not_found"
handler500 = "portal.kernel.api.errors.server_error"

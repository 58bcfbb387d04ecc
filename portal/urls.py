"""URL map: admin, REST API v1, health, and the apps' public pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("portal.api.urls")),
]

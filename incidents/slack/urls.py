"""Slack's request URLs (as in the manifest), the manifest page and the account link."""

from django.urls import path

from incidents.slack import views

app_name = "slack"

urlpatterns = [
    path("commands/", views.slash_command, name="commands"),
    path("interactions/", views.interactions, name="interactions"),
    path("events/", views.events, name="events"),
    path("manifest/", views.manifest, name="manifest"),
    path("link/<str:token>/", views.link_account, name="link"),
]

"""Carriers' webhooks (`inbound.py`), mounted at /notify/ by the project's URL map."""

from django.urls import path

from portal.notifications import inbound

app_name = "notify"

urlpatterns = [
    path("twilio/sms/", inbound.sms, name="twilio-sms"),
    path("twilio/voice/", inbound.voice, name="twilio-voice"),
    path("twilio/status/", inbound.status, name="twilio-status"),
]

"""Carriers' webhooks (`inbound_twilio.py`, `inbound_telnyx.py`), mounted at /notify/ by
the project's URL map."""

from django.urls import path

from portal.notifications import inbound_telnyx, inbound_twilio

app_name = "notify"

urlpatterns = [
    path("twilio/sms/", inbound_twilio.sms, name="twilio-sms"),
    path("twilio/voice/", inbound_twilio.voice, name="twilio-voice"),
    path("twilio/status/", inbound_twilio.status, name="twilio-status"),
    path("telnyx/", inbound_telnyx.webhook, name="telnyx"),
]

from django.urls import path

from incidents.oncall import views

app_name = "oncall"

urlpatterns = [
    path("ack/<str:token>/", views.acknowledge, name="ack"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
    path("page-me/", views.page_me, name="page-me"),
    path("verify/<str:token>/", views.verify_contact, name="verify-contact"),
]

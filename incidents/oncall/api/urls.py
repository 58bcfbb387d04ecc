from django.urls import URLPattern, URLResolver, path

from incidents.oncall.api import contact_views, setup_views
from incidents.oncall.api.views import OnCallView

urlpatterns: list[URLPattern | URLResolver] = [
    path("oncall/", OnCallView.as_view(), name="api-oncall"),
    path("oncall/members/", setup_views.MembersView.as_view(), name="api-oncall-members"),
    path(
        "oncall/members/<int:pk>/",
        setup_views.MemberDetailView.as_view(),
        name="api-oncall-member",
    ),
    path("oncall/overrides/", setup_views.OverridesView.as_view(), name="api-oncall-overrides"),
    path(
        "oncall/overrides/<int:pk>/",
        setup_views.OverrideDetailView.as_view(),
        name="api-oncall-override",
    ),
    path("channels/", setup_views.ChannelsView.as_view(), name="api-channels"),
    path("channels/<int:pk>/test/", setup_views.ChannelTestView.as_view(), name="api-channel-test"),
    path("services/", setup_views.ServicesView.as_view(), name="api-services"),
    path(
        "contact-methods/", contact_views.ContactMethodsView.as_view(), name="api-contact-methods"
    ),
    path(
        "contact-methods/<int:pk>/",
        contact_views.ContactMethodDetailView.as_view(),
        name="api-contact-method",
    ),
    path(
        "contact-methods/<int:pk>/<str:action>/",
        contact_views.ContactMethodActionView.as_view(),
        name="api-contact-method-action",
    ),
    path(
        "notification-rules/",
        contact_views.NotificationRulesView.as_view(),
        name="api-notification-rules",
    ),
]

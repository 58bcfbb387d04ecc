"""Set-up API (no admin needed): rotation members, overrides, channels with a test
send, services with owners. Doors only: parse, call the services, present.

Each view names the model whose Django permissions guard it, as the admin's pages of
the same rows do (portal.access.api.permissions): on-call and channels are the
Founders' (Responders and Auditors read them), services follow the incidents app.
Create-or-change by name needs both add and change.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.catalog import save_service
from incidents.models import Service
from incidents.oncall import roster
from incidents.oncall.api import setup_serializers as s
from incidents.oncall.models import Override, RotationMember
from incidents.oncall.selectors import overrides, rotation_members
from portal.access.responders import find_user
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.channels import send_test_message, update_channel
from portal.notifications.models import NotificationChannel


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _channel_context(request: Request) -> dict[str, Any]:
    """Targets are shown whole only to those who may change them (as in the admin)."""
    return {"show_target": request.user.has_perm("notifications.change_notificationchannel")}


class MembersView(APIView):
    permission_model = RotationMember
    parser_classes = [JSONParser]

    @extend_schema(summary="Rotation members", responses=s.MemberSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = rotation_members(schedule=request.query_params.get("schedule"))
        return Response(s.MemberSerializer(qs, many=True).data)

    @extend_schema(
        summary="Add a person to a rotation",
        request=s.MemberInputSerializer,
        responses={201: s.MemberSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.MemberInputSerializer, request)
        member = roster.add_rotation_member(
            rotation=roster.find_rotation(
                data["schedule"], data.get("layer"), data.get("rotation")
            ),
            user=find_user(data["username"], field="username"),
            position=data.get("position"),
            actor=Actor.for_request(request),
        )
        return Response(s.MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    permission_model = RotationMember

    @extend_schema(summary="Remove a person from a rotation", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        member = RotationMember.objects.select_related("rotation", "user").filter(pk=pk).first()
        if member is None:
            raise DomainError(f"No rotation member {pk}.", field="id", code="not_found")
        roster.remove_rotation_member(
            rotation=member.rotation, user=member.user, actor=Actor.for_request(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverridesView(APIView):
    permission_model = Override
    # Responders take shifts themselves: the door lets whoever sees overrides ask, and
    # `roster.add_override` refuses anyone else's override without `add_override`.
    permission_verbs = {"POST": "view"}
    parser_classes = [JSONParser]

    @extend_schema(summary="Overrides", responses=s.OverrideSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(s.OverrideSerializer(overrides(), many=True).data)

    @extend_schema(
        summary="Give a layer's shift to someone for a window",
        request=s.OverrideInputSerializer,
        responses={201: s.OverrideSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.OverrideInputSerializer, request)
        override = roster.add_override(
            layer=roster.find_layer(data["schedule"], data.get("layer")),
            user=find_user(data["username"], field="username"),
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            actor=Actor.for_request(request),
        )
        return Response(s.OverrideSerializer(override).data, status=status.HTTP_201_CREATED)


class OverrideDetailView(APIView):
    permission_model = Override
    permission_verbs = {"DELETE": "view"}  # one's own; see OverridesView

    @extend_schema(summary="Remove an override", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        roster.delete_override(override_id=pk, actor=Actor.for_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChannelsView(APIView):
    permission_model = NotificationChannel
    permission_verbs = {"POST": ("add", "change")}
    parser_classes = [JSONParser]

    @extend_schema(summary="Notification channels", responses=s.ChannelSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = NotificationChannel.objects.order_by("name")
        return Response(s.ChannelSerializer(qs, many=True, context=_channel_context(request)).data)

    @extend_schema(
        summary="Create or change a channel by name (only the given fields change)",
        request=s.ChannelInputSerializer,
        responses={200: s.ChannelSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.ChannelInputSerializer, request)
        channel = update_channel(actor=Actor.for_request(request), **data)
        return Response(s.ChannelSerializer(channel, context=_channel_context(request)).data)


class ChannelTestView(APIView):
    # The server posts to the channel's target: only those who may set that target
    # (who see it whole) may make it send, and learn how the provider answered.
    permission_model = NotificationChannel
    permission_verbs = {"POST": "change"}

    @extend_schema(
        summary="Send a test message to a channel now",
        request=None,
        responses=s.ChannelTestSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        channel = NotificationChannel.objects.filter(pk=pk).first()
        if channel is None:
            raise DomainError(f"No channel {pk}.", field="id", code="not_found")
        message = send_test_message(channel=channel, actor=Actor.for_request(request))
        return Response(s.ChannelTestSerializer(message).data)


class ServicesView(APIView):
    permission_model = Service
    permission_verbs = {"POST": ("add", "change")}
    parser_classes = [JSONParser]

    @extend_schema(summary="Services and their owners", responses=s.ServiceSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = Service.objects.select_related("owner").order_by("name")
        return Response(s.ServiceSerializer(qs, many=True).data)

    @extend_schema(
        summary="Create or change a service by name, and its owner",
        request=s.ServiceInputSerializer,
        responses={200: s.ServiceSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.ServiceInputSerializer, request)
        owner = data.get("owner")
        service = save_service(
            name=data["name"],
            owner=find_user(owner, field="owner") if owner else None,
            clear_owner="owner" in data and owner is None,
            public=data.get("public"),
            description=data.get("description"),
            actor=Actor.for_request(request),
        )
        return Response(s.ServiceSerializer(service).data)

"""Comms API: templates, and the messages of an incident (send = POST)."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.comms.api.serializers import (
    CommsMessageSerializer,
    CommsTemplateSerializer,
    SendCommsSerializer,
)
from incidents.comms.models import CommsMessage, CommsTemplate
from incidents.comms.selectors import incident_for_comms, messages_for_incident, template_list
from incidents.comms.services import send_comms
from portal.kernel.actors import Actor
from portal.kernel.api.parsers import StorableJSONParser


class CommsTemplateFilter(filters.FilterSet):
    class Meta:
        model = CommsTemplate
        fields = ("kind", "audience", "policy_version")


class CommsTemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = CommsTemplateSerializer
    permission_model = CommsTemplate
    filterset_class = CommsTemplateFilter
    ordering_fields = ("kind", "name", "updated_at")

    def get_queryset(self) -> Any:
        return template_list()


class IncidentCommsView(generics.GenericAPIView):
    serializer_class = CommsMessageSerializer
    # JSON only: one request content type per write, so generated clients import (issue 27).
    parser_classes = [StorableJSONParser]
    # Reading needs view_commsmessage; sending (POST) add_commsmessage.
    permission_model = CommsMessage
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return CommsMessage.objects.none()
        return messages_for_incident(incident_for_comms(self.kwargs["ref"]))

    def get_serializer_class(self) -> Any:
        return SendCommsSerializer if self.request.method == "POST" else CommsMessageSerializer

    @extend_schema(responses=CommsMessageSerializer(many=True))
    def get(self, request: Request, ref: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CommsMessageSerializer(page, many=True).data)

    @extend_schema(
        request=SendCommsSerializer,
        responses={201: CommsMessageSerializer, 200: CommsMessageSerializer},
    )
    def post(self, request: Request, ref: str) -> Response:
        incident = incident_for_comms(ref)
        data = SendCommsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = send_comms(
            incident=incident,
            actor=Actor.for_request(request),
            channel=values["channel"],
            template=values.get("template"),
            subject=values["subject"],
            body=values["body"],
            idempotency_key=values["idempotency_key"],
            extra_recipients=values["recipients"],
            allow_blanks=values["allow_blanks"],
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(CommsMessageSerializer(result.message).data, status=code)

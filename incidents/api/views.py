"""REST API v1 for incidents and the policy: parse, call a service or selector, present."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import services
from incidents.api import policy_serializers
from incidents.api.filters import IncidentListQuerySerializer, IncidentOrdering
from incidents.api.serializers import (
    CancelSerializer,
    FactsSerializer,
    IncidentCreateSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    ResolveSerializer,
    RoleAssignSerializer,
    SeverityChangeSerializer,
    StatusUpdateCreateSerializer,
    StatusUpdateSerializer,
    SuggestionSerializer,
    TimelineEntrySerializer,
    suggestion_data,
)
from incidents.classification import IncidentFacts, suggest_severity
from incidents.models import Incident, PolicyVersion
from incidents.selectors import (
    active_policy_version,
    incident_by_ref,
    incident_list,
    incident_status_updates,
    incident_timeline,
    policy_version_detail,
)
from portal.access.api.permissions import FollowsModelPermissions
from portal.kernel.actors import Actor
from portal.kernel.api.parsers import StorableJSONParser
from portal.kernel.api.schema import AUTH_ERRORS, error_responses
from portal.kernel.errors import DomainError

ERRORS = error_responses(
    bad_input={"severity": ["Unknown severity 'SEV-9'; this policy has SEV-1, SEV-2."]},
    not_found={"ref": ["No incident 'INC-20260301-99'."]},
    missing="No incident with that reference.",
)

REF_SHAPE = re.compile(r"[A-Za-z0-9-]{1,24}")
REF = OpenApiParameter(
    "ref", str, OpenApiParameter.PATH, description="Incident reference, e.g. INC-20260301-01."
)


def _present(incident: Incident, request: Request, *, code: int = status.HTTP_200_OK) -> Response:
    """The incident as the list shows it, freshly loaded (services return a locked bare row)."""
    fresh = incident_by_ref(incident.ref)
    context = {"request": request, "now": timezone.now()}
    return Response(IncidentSerializer(fresh, context=context).data, status=code)


@extend_schema_view(
    list=extend_schema(
        summary="List incidents",
        parameters=[IncidentListQuerySerializer],
        responses={200: IncidentSerializer(many=True), 400: ERRORS.bad_input, **AUTH_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One incident", parameters=[REF], responses={200: IncidentSerializer, **ERRORS.read}
    ),
)
@extend_schema(tags=["incidents"])
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    parser_classes = [StorableJSONParser]
    permission_model = Incident
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    filter_backends = [IncidentOrdering]
    ordering_fields = IncidentOrdering.ordering_fields
    serializer_class = IncidentSerializer

    def get_queryset(self) -> QuerySet[Incident]:
        query = IncidentListQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        # The policy name is shown in every row; one join keeps the list constant.
        return incident_list(filters=query.filters())

    def get_object(self) -> Incident:
        ref = self.kwargs["ref"]
        if not REF_SHAPE.fullmatch(ref):
            # Refuse what cannot be a reference before it reaches the database
            # (PostgreSQL rejects NUL characters with an error, not a miss).
            raise DomainError(f"No incident {ref[:40]!r}.", field="ref", code="not_found")
        return incident_by_ref(ref)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _actor(self) -> Actor:
        return Actor.for_request(self.request)

    @extend_schema(
        summary="Declare an incident",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, 400: ERRORS.bad_input, **AUTH_ERRORS},
        examples=[
            OpenApiExample(
                "Declare",
                value={"title": "Checkout errors", "severity": "SEV-2", "services": ["checkout"]},
                request_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.declare_incident(actor=self._actor(), **data.validated_data)
        return _present(incident, request, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit details and milestones",
        parameters=[REF],
        request=IncidentUpdateSerializer,
        responses={200: IncidentSerializer, **ERRORS.write},
    )
    def partial_update(self, request: Request, ref: str) -> Response:
        incident = self.get_object()
        data = IncidentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.update_incident_details(
            incident=incident, actor=self._actor(), changes=dict(data.validated_data)
        )
        return _present(incident, request)

    @extend_schema(
        summary="Acknowledge (I am on it)",
        parameters=[REF],
        request=None,
        responses={200: IncidentSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, ref: str) -> Response:
        incident = services.acknowledge_incident(incident=self.get_object(), actor=self._actor())
        return _present(incident, request)

    @extend_schema(
        methods=["GET"],
        summary="Status updates posted so far",
        parameters=[REF],
        responses={200: StatusUpdateSerializer(many=True), **ERRORS.read},
    )
    @extend_schema(
        methods=["POST"],
        summary="Post a status update",
        parameters=[REF],
        request=StatusUpdateCreateSerializer,
        responses={201: StatusUpdateSerializer, **ERRORS.write},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="status-updates",
        pagination_class=None,
        filter_backends=[],
    )
    def status_updates(self, request: Request, ref: str) -> Response:
        incident = self.get_object()
        if request.method == "GET":
            updates = incident_status_updates(incident)
            return Response(StatusUpdateSerializer(updates, many=True).data)
        data = StatusUpdateCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.post_status_update(
            incident=incident, actor=self._actor(), **data.validated_data
        )
        return Response(StatusUpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change the severity (with a reason)",
        parameters=[REF],
        request=SeverityChangeSerializer,
        responses={200: IncidentSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def severity(self, request: Request, ref: str) -> Response:
        incident = self.get_object()
        data = SeverityChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.change_severity(
            incident=incident, actor=self._actor(), **data.validated_data
        )
        return _present(incident, request)

    @extend_schema(
        summary="Mark the impact mitigated",
        parameters=[REF],
        request=None,
        responses={200: IncidentSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def mitigate(self, request: Request, ref: str) -> Response:
        incident = services.mitigate_incident(incident=self.get_object(), actor=self._actor())
        return _present(incident, request)

    @extend_schema(
        summary="Resolve",
        parameters=[REF],
        request=ResolveSerializer,
        responses={200: IncidentSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, ref: str) -> Response:
        incident = self.get_object()
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.resolve_incident(
            incident=incident, actor=self._actor(), **data.validated_data
        )
        return _present(incident, request)

    @extend_schema(
        summary="Cancel (not an incident after all)",
        parameters=[REF],
        request=CancelSerializer,
        responses={200: IncidentSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, ref: str) -> Response:
        incident = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.cancel_incident(
            incident=incident, actor=self._actor(), **data.validated_data
        )
        return _present(incident, request)

    @extend_schema(
        summary="Assign a role (commander, comms lead, scribe, investigator, ops)",
        parameters=[REF],
        request=RoleAssignSerializer,
        responses={200: IncidentSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def roles(self, request: Request, ref: str) -> Response:
        incident = self.get_object()
        data = RoleAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.assign_role(
            incident=incident,
            actor=self._actor(),
            role=data.validated_data["role"],
            user=data.validated_data["username"],
        )
        return _present(incident, request)

    @extend_schema(
        summary="Timeline (append-only, oldest first)",
        parameters=[REF],
        responses={200: TimelineEntrySerializer(many=True), **ERRORS.read},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request: Request, ref: str) -> Response:
        entries = incident_timeline(self.get_object())
        page = self.paginate_queryset(entries)
        if page is not None:
            return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)
        return Response(TimelineEntrySerializer(entries, many=True).data)

    @extend_schema(
        summary="Severity the policy suggests for the incident's facts",
        parameters=[REF],
        responses={200: SuggestionSerializer, **ERRORS.read},
    )
    @action(detail=True, methods=["get"], url_path="suggest-severity", filter_backends=[])
    def suggest_severity(self, request: Request, ref: str) -> Response:
        suggestion = services.suggest_for_incident(self.get_object())
        return Response(SuggestionSerializer(suggestion_data(suggestion)).data)


@extend_schema(tags=["policy"])
class PolicyView(APIView):
    permission_model = PolicyVersion

    @extend_schema(
        summary="The policy in force",
        responses={
            200: policy_serializers.PolicyVersionSerializer,
            400: ERRORS.bad_input,
            **AUTH_ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        version = policy_version_detail(active_policy_version())
        return Response(policy_serializers.PolicyVersionSerializer(version).data)


@extend_schema(tags=["policy"])
class SuggestSeverityView(APIView):
    parser_classes = [StorableJSONParser]
    # A computation, not a write: read-only tokens (dashboards, tools) may ask too.
    permission_classes = [permissions.IsAuthenticated, FollowsModelPermissions]
    permission_model = PolicyVersion
    permission_verbs = {"POST": "view"}

    @extend_schema(
        summary="Suggest a severity from facts, before declaring",
        request=FactsSerializer,
        responses={200: SuggestionSerializer, 400: ERRORS.bad_input, 401: AUTH_ERRORS[401]},
    )
    def post(self, request: Request) -> Response:
        data = FactsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = suggest_severity(active_policy_version(), IncidentFacts(**data.validated_data))
        return Response(SuggestionSerializer(suggestion_data(suggestion)).data)

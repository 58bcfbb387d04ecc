from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError

from incidents.integrations import selectors
from incidents.integrations.api.serializers import AlertSerializer, IntegrationSerializer
from incidents.integrations.models import Alert, Integration
from incidents.selectors import incident_by_ref
from portal.kernel.errors import DomainError


class IntegrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Integrations (read-only; create them with the admin or `manage.py integration create`)."""

    serializer_class = IntegrationSerializer
    permission_model = Integration
    filterset_fields = ("kind", "enabled")
    ordering_fields = ("name", "created_at")

    def get_queryset(self) -> QuerySet[Integration]:
        return selectors.integration_list()


@extend_schema(
    parameters=[
        OpenApiParameter(
            "incident", OpenApiTypes.STR, description="Incident reference, e.g. INC-20260301-01"
        )
    ]
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deduplicated alerts; `?incident=REF` lists an incident's alerts."""

    serializer_class = AlertSerializer
    permission_model = Alert
    filterset_fields = ("status", "dedup_key")
    ordering_fields = ("last_seen_at", "first_seen_at", "count")

    def get_queryset(self) -> QuerySet[Alert]:
        ref = self.request.query_params.get("incident") if hasattr(self, "request") else None
        if ref:
            try:
                incident = incident_by_ref(ref)
            except DomainError as exc:
                # A filter naming no incident is bad input (400), not a missing resource.
                raise ValidationError({"incident": [exc.message]}) from None
            return selectors.alert_list(incident=incident)
        return selectors.alert_list()

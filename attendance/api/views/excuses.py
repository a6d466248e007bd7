"""Excuses and leave (registrars): absences in the period become excused."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request

from accounts.roles import Capability
from attendance import selectors, services
from attendance.api import serializers as s
from attendance.api.base import AttendanceModelViewSet
from attendance.api.filtersets import ExcuseFilter
from attendance.models import Excuse
from gaitportal.api.parsers import JSONParser
from gaitportal.downloads import file_attachment
from gaitportal.uploads import DOCUMENT_KINDS, detect_kind


class ExcuseViewSet(AttendanceModelViewSet):
    """Excused absences: person, period, reason and an optional document (multipart)."""

    queryset = Excuse.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.ExcuseSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = ExcuseFilter
    search_fields = ["person__external_id", "person__last_name", "reason"]
    ordering_fields = ["starts_at", "ends_at", "created_at"]

    def get_queryset(self):
        return selectors.excuse_list(actor=self.actor).order_by("-starts_at", "-pk")

    def perform_create(self, serializer) -> None:
        serializer.instance = services.excuse_create(
            institution=self.actor.institution, actor=self.actor, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.excuse_update(
            excuse=serializer.instance, actor=self.actor, **serializer.validated_data
        )

    def perform_destroy(self, instance: Excuse) -> None:
        services.excuse_delete(excuse=instance, actor=self.actor)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="document")
    def document(self, request: Request, pk=None):
        """Download the excuse's document (registrars and administrators only): always as an
        attachment, with the type its content shows, never rendered on the portal's origin."""
        excuse = self.get_object()
        if not self.actor.can(Capability.MANAGE_ATTENDANCE):
            raise PermissionDenied("Only registrars and administrators read excuse documents.")
        if not excuse.document:
            raise NotFound("This excuse has no document.")
        handle = excuse.document.open("rb")
        kind = detect_kind(handle, DOCUMENT_KINDS)
        content_type = kind.mime if kind is not None else "application/octet-stream"
        extension = kind.extension if kind is not None else "bin"
        return file_attachment(
            handle, content_type=content_type, filename=f"excuse-{excuse.pk}.{extension}"
        )

"""Excuses and leave (registrars): absences in the period become excused."""

from __future__ import annotations

from rest_framework.parsers import FormParser, MultiPartParser

from accounts.roles import Capability
from attendance import selectors, services
from attendance.api import serializers as s
from attendance.api.base import AttendanceModelViewSet
from attendance.api.filtersets import ExcuseFilter
from attendance.models import Excuse
from gaitportal.api.parsers import JSONParser


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

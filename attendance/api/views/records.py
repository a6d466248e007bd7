"""Attendance records: read, override, clear the override, history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Capability
from attendance import selectors, services
from attendance.api import serializers as s
from attendance.api.base import AttendanceReadOnlyViewSet
from attendance.api.filtersets import RecordFilter
from attendance.models import AttendanceRecord


class RecordViewSet(AttendanceReadOnlyViewSet):
    """One record per session and expected person, with its status and the reason for it.

    Filter by session, person, unit, status (repeatable), flag, local dates (date_from,
    date_to). Registrars override a status (it survives recomputation) and clear it; both are
    audited in the record's history.
    """

    queryset = AttendanceRecord.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.RecordSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE
    filterset_class = RecordFilter
    search_fields = ["person__external_id", "person__last_name", "person__first_name"]
    ordering_fields = ["session__starts_at", "person__last_name", "status", "minutes_present"]

    def get_queryset(self):
        return selectors.record_list(actor=self.actor).order_by(
            "-session__starts_at", "person__last_name", "person__first_name", "pk"
        )

    @extend_schema(request=s.OverrideSerializer, responses=s.RecordSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk=None) -> Response:
        """Set the status by hand, with a reason."""
        incoming = s.OverrideSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        record = services.record_override(
            record=self.get_object(), actor=self.actor, **incoming.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(request=s.ClearOverrideSerializer, responses=s.RecordSerializer)
    @action(detail=True, methods=["post"], url_path="clear-override")
    def clear_override(self, request: Request, pk=None) -> Response:
        """Remove the manual status: the computed one counts again."""
        incoming = s.ClearOverrideSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        record = services.record_override_clear(
            record=self.get_object(), actor=self.actor, **incoming.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(responses=s.RecordChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk=None) -> Response:
        """Every status change of the record, newest first: who, when, before, after, why."""
        changes = selectors.record_history(record=self.get_object())
        return Response(s.RecordChangeSerializer(changes, many=True).data)

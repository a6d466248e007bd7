"""Cameras, rules, schedules, holidays and the institution's attendance settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Capability
from attendance import selectors, services
from attendance.api import serializers as s
from attendance.api.base import AttendanceAPIMixin, AttendanceModelViewSet
from attendance.api.filtersets import ScheduleFilter
from attendance.models import AttendanceRule, Camera, Holiday, SessionSchedule


class CameraViewSet(AttendanceModelViewSet):
    """Entry and exit points. Deleting a camera with events is refused: switch it off."""

    queryset = Camera.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.CameraSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE
    filterset_fields = ["role", "is_active", "room"]
    search_fields = ["name", "room"]
    ordering_fields = ["name", "room", "created_at"]

    def get_queryset(self):
        return selectors.camera_list(actor=self.actor)

    def perform_create(self, serializer) -> None:
        serializer.instance = services.camera_create(
            institution=self.actor.institution, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.camera_update(
            camera=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Camera) -> None:
        services.camera_delete(camera=instance)


class RuleViewSet(AttendanceModelViewSet):
    """Attendance rules (thresholds: docs/ATTENDANCE_RULES.md) and the units that follow them."""

    queryset = AttendanceRule.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.RuleSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.rule_list(actor=self.actor)

    def perform_create(self, serializer) -> None:
        serializer.instance = services.rule_create(
            institution=self.actor.institution, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.rule_update(
            rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: AttendanceRule) -> None:
        services.rule_delete(rule=instance)


class ScheduleViewSet(AttendanceModelViewSet):
    """Weekly timetables with term dates; sessions for the next two weeks are generated daily
    (and at once on create or change); `generate` makes a longer stretch on demand."""

    queryset = SessionSchedule.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.ScheduleSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE
    filterset_class = ScheduleFilter
    search_fields = ["title", "room"]
    ordering_fields = ["title", "start_time", "valid_from", "created_at"]

    def get_queryset(self):
        return selectors.schedule_list(actor=self.actor)

    def perform_create(self, serializer) -> None:
        serializer.instance = services.schedule_create(
            institution=self.actor.institution, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.schedule_update(
            schedule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: SessionSchedule) -> None:
        services.schedule_delete(schedule=instance)

    @extend_schema(request=s.GenerateSerializer, responses={201: s.SessionSerializer(many=True)})
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def generate(self, request: Request, pk=None) -> Response:
        """Create this schedule's sessions between two local dates (idempotent)."""
        incoming = s.GenerateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        created = services.sessions_generate(schedule=self.get_object(), **incoming.validated_data)
        return Response(
            s.SessionSerializer(created, many=True).data, status=status.HTTP_201_CREATED
        )


class HolidayViewSet(AttendanceModelViewSet):
    """Days without sessions: schedules skip them; generated sessions not started are removed."""

    queryset = Holiday.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.HolidaySerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE
    search_fields = ["name"]
    ordering_fields = ["starts_on", "name"]

    def get_queryset(self):
        return selectors.holiday_list(actor=self.actor)

    def perform_create(self, serializer) -> None:
        serializer.instance = services.holiday_create(
            institution=self.actor.institution, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.holiday_update(
            holiday=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Holiday) -> None:
        services.holiday_delete(holiday=instance)


class AttendanceSettingsView(AttendanceAPIMixin, GenericAPIView):
    """The institution's default rule and absence notifications (administrators change them)."""

    serializer_class = s.SettingsSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_SETTINGS

    def get(self, request: Request) -> Response:
        config = services.attendance_settings_get(institution=self.actor.institution)
        return Response(self.get_serializer(config).data)

    def patch(self, request: Request) -> Response:
        config = services.attendance_settings_get(institution=self.actor.institution)
        serializer = self.get_serializer(config, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        config = services.attendance_settings_update(
            institution=self.actor.institution, **serializer.validated_data
        )
        return Response(self.get_serializer(config).data)

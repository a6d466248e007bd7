"""Input and output shapes of the attendance API."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import TenantPrimaryKeyRelatedField
from accounts.models import Person, Unit
from attendance.models import (
    OVERRIDE_STATUSES,
    AttendanceRecord,
    AttendanceRule,
    AttendanceSettings,
    Camera,
    Direction,
    Excuse,
    Holiday,
    PresenceEvent,
    RecordChange,
    Session,
    SessionSchedule,
    Status,
    WalkingDirection,
)
from gaitportal.api.fields import DateField, DateTimeField


class CameraSerializer(serializers.ModelSerializer):
    units = TenantPrimaryKeyRelatedField(Unit, many=True, required=False)

    class Meta:
        model = Camera
        fields = [
            "id",
            "name",
            "room",
            "role",
            "entering_direction",
            "debounce_seconds",
            "units",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        validators: list = []  # uniqueness is checked by the service (full_clean)


class RuleSerializer(serializers.ModelSerializer):
    units = TenantPrimaryKeyRelatedField(Unit, many=True, required=False)

    class Meta:
        model = AttendanceRule
        fields = [
            "id",
            "name",
            "units",
            "entry_window_minutes",
            "exit_window_minutes",
            "late_grace_minutes",
            "early_exit_grace_minutes",
            "minimum_presence_minutes",
            "full_attendance_minutes",
            "presence_counting",
            "direction_mode",
            "finalise_after_minutes",
            "lateness_flag_count",
            "lateness_flag_period_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class SettingsSerializer(serializers.ModelSerializer):
    default_rule = TenantPrimaryKeyRelatedField(AttendanceRule, allow_null=True, required=False)

    class Meta:
        model = AttendanceSettings
        fields = ["default_rule", "notify_absences", "absence_contact_email", "updated_at"]
        read_only_fields = ["updated_at"]


class ScheduleSerializer(serializers.ModelSerializer):
    unit = TenantPrimaryKeyRelatedField(Unit)
    cameras = TenantPrimaryKeyRelatedField(Camera, many=True, required=False)
    rule = TenantPrimaryKeyRelatedField(AttendanceRule, allow_null=True, required=False)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=False,
        help_text="0 = Monday ... 6 = Sunday.",
    )

    class Meta:
        model = SessionSchedule
        fields = [
            "id",
            "unit",
            "title",
            "room",
            "cameras",
            "rule",
            "weekdays",
            "start_time",
            "end_time",
            "valid_from",
            "valid_until",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class GenerateSerializer(serializers.Serializer):
    start = DateField(help_text="First local date (inclusive).")
    end = DateField(help_text="Last local date (inclusive).")

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": "The end comes after the start."})
        if (data["end"] - data["start"]).days > 366:
            raise serializers.ValidationError({"end": "At most a year at a time."})
        return data


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "name", "starts_on", "ends_on"]
        read_only_fields = ["id"]


class StatusCountsSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    present = serializers.IntegerField()
    late = serializers.IntegerField()
    left_early = serializers.IntegerField()
    partial = serializers.IntegerField()
    absent = serializers.IntegerField()
    excused = serializers.IntegerField()


class SessionSerializer(serializers.ModelSerializer):
    unit = TenantPrimaryKeyRelatedField(Unit)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    cameras = TenantPrimaryKeyRelatedField(Camera, many=True, required=False)
    rule = TenantPrimaryKeyRelatedField(AttendanceRule, allow_null=True, required=False)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "unit",
            "unit_code",
            "title",
            "room",
            "cameras",
            "starts_at",
            "ends_at",
            "rule",
            "schedule",
            "state",
            "finalised_at",
            "planned_ends_at",
            "closed_early_by",
            "close_early_reason",
            "counts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "schedule",
            "state",
            "finalised_at",
            "planned_ends_at",
            "closed_early_by",
            "close_early_reason",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(StatusCountsSerializer(allow_null=True))
    def get_counts(self, session: Session) -> dict[str, int] | None:
        """Records per status (in lists and details)."""
        if not hasattr(session, "count_present"):
            return None
        return {status: getattr(session, f"count_{status}") for status in Status.values}


class EventSerializer(serializers.ModelSerializer):
    """A stored presence event (events are never edited; a wrong one is deleted)."""

    person_external_id = serializers.CharField(source="person.external_id", read_only=True)
    # Blank when the camera could not tell: the schema lists "" beside the enum.
    walking_direction = serializers.ChoiceField(
        choices=WalkingDirection.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = PresenceEvent
        fields = [
            "id",
            "person",
            "person_external_id",
            "camera",
            "direction",
            "walking_direction",
            "occurred_at",
            "received_at",
            "source",
            "confidence",
            "idempotency_key",
            "source_ref",
            "recorded_by",
            "note",
        ]
        read_only_fields = fields


class EventInSerializer(serializers.Serializer):
    """One event to record. person or person_external_id; times with an offset (without one they
    are the institution's local time); no direction: decided by the camera or the rule."""

    person = serializers.IntegerField(required=False)
    person_external_id = serializers.CharField(required=False)
    camera = serializers.IntegerField(required=False, allow_null=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    walking_direction = serializers.ChoiceField(choices=WalkingDirection.choices, required=False)
    occurred_at = DateTimeField()
    confidence = serializers.FloatField(required=False, min_value=0, max_value=1)
    idempotency_key = serializers.CharField(required=False, max_length=128)
    source = serializers.ChoiceField(choices=PresenceEvent.Source.choices, required=False)
    source_ref = serializers.CharField(required=False, max_length=200)
    note = serializers.CharField(required=False, max_length=500)


class BulkEventsInSerializer(serializers.Serializer):
    events = EventInSerializer(many=True, help_text="At most 5,000 rows.")


class ItemErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class IngestItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "error"])
    id = serializers.IntegerField(required=False)
    duplicate_of = serializers.ChoiceField(choices=["idempotency_key", "debounce"], required=False)
    errors = ItemErrorSerializer(many=True, required=False)


class IngestReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = serializers.IntegerField()
    records_changed = serializers.IntegerField()
    items = IngestItemSerializer(many=True)


class EventDeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RecordSerializer(serializers.ModelSerializer):
    person_external_id = serializers.CharField(source="person.external_id", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    session_title = serializers.CharField(source="session.title", read_only=True)
    session_starts_at = DateTimeField(source="session.starts_at", read_only=True)
    unit = serializers.IntegerField(source="session.unit_id", read_only=True)
    rule_name = serializers.SerializerMethodField()
    override_status = serializers.ChoiceField(
        choices=Status.choices, allow_blank=True, read_only=True, help_text="Blank: no override."
    )

    class Meta:
        model = AttendanceRecord
        fields = [
            "id",
            "session",
            "session_title",
            "session_starts_at",
            "unit",
            "person",
            "person_external_id",
            "person_name",
            "status",
            "reason",
            "computed_status",
            "computed_reason",
            "first_in",
            "last_out",
            "minutes_present",
            "flags",
            "arrived_late",
            "left_early",
            "rule",
            "rule_name",
            "excuse",
            "override_status",
            "override_reason",
            "overridden_by",
            "overridden_at",
            "is_final",
            "computed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_rule_name(self, record: AttendanceRecord) -> str:
        return record.rule_snapshot.get("name", "")


class OverrideSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OVERRIDE_STATUSES)
    reason = serializers.CharField(max_length=500)


class ClearOverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RecordChangeSerializer(serializers.ModelSerializer):
    status_before = serializers.ChoiceField(
        choices=Status.choices, allow_blank=True, read_only=True, help_text="Blank: a new record."
    )

    class Meta:
        model = RecordChange
        fields = [
            "id",
            "changed_at",
            "changed_by",
            "kind",
            "status_before",
            "status_after",
            "before",
            "after",
            "why",
        ]
        read_only_fields = fields


class ExcuseDocumentField(serializers.FileField):
    """In: a PDF, PNG or JPEG (checked by content by the service). Out: the URL of the
    authorised download (excuses/{id}/document/), never a public media URL."""

    def to_representation(self, value):
        if not value:
            return None
        url = reverse("attendance-excuse-document", args=[value.instance.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ExcuseSerializer(serializers.ModelSerializer):
    person = TenantPrimaryKeyRelatedField(Person)
    person_external_id = serializers.CharField(source="person.external_id", read_only=True)
    document = ExcuseDocumentField(
        required=False,
        help_text="PDF, PNG or JPEG (by content), at most EXCUSE_DOCUMENT_MAX_BYTES. "
        "Read back as the URL of the authorised download.",
    )

    class Meta:
        model = Excuse
        fields = [
            "id",
            "person",
            "person_external_id",
            "starts_at",
            "ends_at",
            "reason",
            "document",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]


class FinaliseSerializer(serializers.Serializer):
    close_early_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Needed only before the session ends: it is then closed early, now (audited).",
    )


class RecomputeSerializer(serializers.Serializer):
    include_late_data = serializers.BooleanField(
        default=True,
        help_text="Also count events that arrived after the session was finalised.",
    )


class RefreshResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    status_changes = serializers.IntegerField()

"""Input and output shapes of the recognition API."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import TenantPrimaryKeyRelatedField
from accounts.models import Person
from attendance.models import Camera
from gaitportal.api import fields
from recognition.models import (
    BiometricAccessLog,
    Decision,
    GaitModelVersion,
    GaitSample,
    GaitTemplate,
    Recognition,
    RecognitionSettings,
)
from recognition.services.review import ACTIONS


@extend_schema_field(OpenApiTypes.INT)
class IdField(TenantPrimaryKeyRelatedField):
    """A tenant-scoped id (an integer in the schema)."""


class SampleInSerializer(serializers.Serializer):
    """An upload: a video or keypoint file (multipart `file`), or keypoints as JSON."""

    file = serializers.FileField(required=False, help_text="A walking video or keypoint file.")
    keypoints = serializers.JSONField(
        required=False,
        help_text="Keypoints as JSON (AlphaPose, OpenPose frame, MMPose or COCO), instead of a "
        "file.",
    )
    purpose = serializers.ChoiceField(choices=GaitSample.Purpose.choices)
    person = IdField(
        Person, required=False, allow_null=True, help_text="Who walks (enrolment only)."
    )
    camera = IdField(Camera, required=False, allow_null=True)
    captured_at = fields.DateTimeField(
        required=False, help_text="When the clip was recorded (default: the upload time)."
    )

    def validate(self, attrs: dict) -> dict:
        has_file, has_json = "file" in attrs, "keypoints" in attrs
        if has_file == has_json:
            raise serializers.ValidationError(
                {"file": ["Send either a file or keypoints as JSON (one of the two)."]}
            )
        if attrs["purpose"] == GaitSample.Purpose.ENROL and not attrs.get("person"):
            raise serializers.ValidationError({"person": ["An enrolment names the person."]})
        return attrs


class RecognitionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recognition
        fields = [
            "id",
            "track_id",
            "person",
            "decision",
            "score",
            "candidates",
            "direction",
            "occurred_at",
            "presence_event",
        ]


class SampleSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    recognitions = RecognitionBriefSerializer(many=True, read_only=True)
    templates = serializers.SerializerMethodField()
    file_kept = serializers.SerializerMethodField()
    model_version = serializers.SlugRelatedField(
        slug_field="model_version", read_only=True, allow_null=True
    )

    class Meta:
        model = GaitSample
        fields = [
            "id",
            "url",
            "purpose",
            "person",
            "camera",
            "captured_at",
            "uploaded_by",
            "kind",
            "original_name",
            "size_bytes",
            "status",
            "progress",
            "stage",
            "error",
            "attempts",
            "model_version",
            "details",
            "file_kept",
            "created_at",
            "started_at",
            "finished_at",
            "recognitions",
            "templates",
        ]
        read_only_fields = fields

    def get_url(self, obj: GaitSample) -> str:
        return reverse("recognition-sample-detail", args=[obj.pk])

    def get_file_kept(self, obj: GaitSample) -> bool:
        return bool(obj.file)

    def get_templates(self, obj: GaitSample) -> list[int]:
        return [t.pk for t in obj.templates.all()]


class RecognitionSerializer(serializers.ModelSerializer):
    camera = serializers.IntegerField(source="sample.camera_id", read_only=True, allow_null=True)
    model_version = serializers.SlugRelatedField(
        slug_field="model_version", read_only=True, allow_null=True
    )

    class Meta:
        model = Recognition
        fields = [
            "id",
            "sample",
            "track_id",
            "camera",
            "person",
            "decision",
            "score",
            "threshold",
            "review_threshold",
            "candidates",
            "direction",
            "occurred_at",
            "usable_seconds",
            "quality",
            "model_version",
            "presence_event",
            "reviewer",
            "reviewed_at",
            "review_note",
            "enrolment_note",
            "created_at",
        ]
        read_only_fields = fields


class ReviewInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=ACTIONS,
        help_text="confirm: the best candidate is right; person: name who it was; unknown.",
    )
    person = IdField(Person, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GaitModelVersion
        fields = [
            "id",
            "model_version",
            "kind",
            "parent",
            "is_active",
            "input_spec",
            "metrics",
            "shipped_threshold",
            *GaitModelVersion.CALIBRATION_FIELDS,
            "created_at",
            "activated_at",
        ]
        read_only_fields = fields


class CalibrationSerializer(serializers.ModelSerializer):
    source = serializers.SerializerMethodField()

    class Meta:
        model = GaitModelVersion
        fields = [
            "id",
            "model_version",
            "source",
            "shipped_threshold",
            *GaitModelVersion.CALIBRATION_FIELDS,
        ]
        read_only_fields = fields

    def get_source(self, obj: GaitModelVersion) -> str:
        return "model_default" if obj.is_fallback else "calibrated"


class TemplateSerializer(serializers.ModelSerializer):
    model_version = serializers.SlugRelatedField(slug_field="model_version", read_only=True)

    class Meta:
        model = GaitTemplate
        fields = [
            "id",
            "sample",
            "track_id",
            "model_version",
            "usable_seconds",
            "quality",
            "direction",
            "created_at",
        ]
        read_only_fields = fields


class EnrolmentQualitySerializer(serializers.Serializer):
    person = serializers.IntegerField()
    clips = serializers.IntegerField()
    usable_seconds = serializers.FloatField()
    consistency = serializers.FloatField(allow_null=True)
    nearest_person = serializers.IntegerField(allow_null=True)
    nearest_score = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField()
    weak = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())


class EnrolmentSerializer(serializers.Serializer):
    quality = EnrolmentQualitySerializer()
    templates = TemplateSerializer(many=True)


class EraseInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class EraseOutSerializer(serializers.Serializer):
    templates = serializers.IntegerField()
    enrolment_samples = serializers.IntegerField()
    files_of_recognised_clips = serializers.IntegerField()
    reason = serializers.CharField()


class RecognitionSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecognitionSettings
        fields = [*RecognitionSettings.EDITABLE_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]


class AdaptInSerializer(serializers.Serializer):
    epochs = serializers.IntegerField(min_value=1, max_value=50, default=10)


class QueuedSerializer(serializers.Serializer):
    queued = serializers.CharField()


class AccessLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = BiometricAccessLog
        fields = ["id", "person", "person_label", "actor_label", "action", "what", "detail", "at"]
        read_only_fields = fields


DECISIONS = Decision.values

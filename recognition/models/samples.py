"""Uploaded walking videos and keypoint files, and how far their processing has got."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Institution, Person
from accounts.tenancy import TenantOwnedModel
from attendance.models import Camera


def sample_upload_to(instance: GaitSample, filename: str) -> str:
    return f"recognition/{instance.institution_id}/samples/{filename}"


def keypoints_upload_to(instance: GaitSample, filename: str) -> str:
    return f"recognition/{instance.institution_id}/keypoints/{filename}"


class GaitSample(TenantOwnedModel):
    """One uploaded file: enrol a person from it, or identify whoever walks in it.

    The raw file is deleted after processing unless the institution keeps videos N days
    (purge_raw_videos); the extracted pose tracks (`keypoints`, NPZ) are what stays, so the
    gallery can be re-embedded by a new model without the video. `sha256` makes a re-upload
    of the same file answer with the existing sample.
    """

    class Purpose(models.TextChoices):
        ENROL = "enrol", "Enrol a person"
        IDENTIFY = "identify", "Identify"

    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        KEYPOINTS = "keypoints", "Keypoint file"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="gait_samples"
    )
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="gait_samples"
    )
    camera = models.ForeignKey(
        Camera, on_delete=models.SET_NULL, null=True, blank=True, related_name="gait_samples"
    )
    captured_at = models.DateTimeField()
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_by = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=sample_upload_to, max_length=300, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.FloatField(default=0.0)
    stage = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    keypoints = models.FileField(upload_to=keypoints_upload_to, max_length=300, blank=True)
    model_version = models.ForeignKey(
        "recognition.GaitModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="samples",
    )
    # What processing found besides the walkers (tracks skipped and why, timings per stage).
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "sha256"], name="unique_gait_sample_content"
            ),
            models.CheckConstraint(
                condition=Q(purpose="identify") | Q(person__isnull=False),
                name="gait_enrol_sample_has_person",
            ),
        ]
        indexes = [models.Index(fields=["institution", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} sample {self.pk} ({self.status})"

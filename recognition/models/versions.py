"""Gait model versions per institution, with the open-set calibration that belongs to them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.models import Institution
from accounts.tenancy import TenantOwnedModel


def checkpoint_upload_to(instance: GaitModelVersion, filename: str) -> str:
    return f"recognition/{instance.institution_id}/models/{filename}"


class GaitModelVersion(TenantOwnedModel):
    """A gait network an institution matches with: the shipped default or an adapted one.

    Templates and recognitions name the version they were made with; only the active version's
    templates form the gallery. Thresholds live here (a cosine score means something only for
    one model at one site): `threshold` accepts, `review_threshold` starts the review band.
    `is_fallback` marks thresholds taken from the model's shipped value while the
    institution's enrolments are too few to calibrate.
    """

    class Kind(models.TextChoices):
        SHIPPED = "shipped", "Shipped default"
        ADAPTED = "adapted", "Adapted to this institution"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="gait_model_versions"
    )
    model_version = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SHIPPED)
    # Adapted checkpoints are stored here; the shipped one is read from settings.GAIT_MODEL_PATH.
    checkpoint = models.FileField(upload_to=checkpoint_upload_to, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    input_spec = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    shipped_threshold = models.FloatField(help_text="The model's own threshold (synthetic data).")
    # Calibration on this institution's enrolments.
    threshold = models.FloatField()
    review_threshold = models.FloatField()
    target_far = models.FloatField(default=0.01)
    estimated_far = models.FloatField(null=True, blank=True)
    estimated_tar = models.FloatField(null=True, blank=True)
    calibration_people = models.PositiveIntegerField(default=0)
    genuine_pairs = models.PositiveIntegerField(default=0)
    impostor_pairs = models.PositiveIntegerField(default=0)
    is_fallback = models.BooleanField(default=True)
    calibration_note = models.TextField(blank=True)
    calibrated_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every service that adds or removes templates of this version, so each worker's
    # cached gallery matrix is checked with one primary-key read (matching.gallery_for).
    gallery_revision = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    # What a calibration writes (services.versions) and the API shows, in this order.
    CALIBRATION_FIELDS = (
        "threshold",
        "review_threshold",
        "target_far",
        "estimated_far",
        "estimated_tar",
        "calibration_people",
        "genuine_pairs",
        "impostor_pairs",
        "is_fallback",
        "calibration_note",
        "calibrated_at",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "model_version"], name="unique_gait_model_version"
            ),
            models.UniqueConstraint(
                fields=["institution"],
                condition=Q(is_active=True),
                name="one_active_gait_model_per_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_version}{' (active)' if self.is_active else ''}"

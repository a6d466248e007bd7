"""An institution's recognition settings (one row, created on first use)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Institution
from accounts.tenancy import TenantOwnedModel


class RecognitionSettings(TenantOwnedModel):
    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="recognition_settings"
    )
    require_consent = models.BooleanField(
        default=True,
        help_text="Enrol a person only once their consent to gait processing is recorded.",
    )
    target_far = models.FloatField(
        default=0.01,
        validators=[MinValueValidator(0.0001), MaxValueValidator(0.2)],
        help_text="False-accept rate the accept threshold is calibrated for (0.01 = 1 %).",
    )
    review_far = models.FloatField(
        default=0.05,
        validators=[MinValueValidator(0.0001), MaxValueValidator(0.5)],
        help_text="False-accept rate at the bottom of the review band.",
    )
    enrol_from_reviews = models.BooleanField(
        default=False,
        help_text="Add a walk a registrar confirmed in review to that person's gallery "
        "(never a recognition the model accepted on its own).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # What recognition_settings_update changes (the settings page, the admin and the API).
    EDITABLE_FIELDS = ("require_consent", "target_far", "review_far", "enrol_from_reviews")

    class Meta:
        verbose_name = "recognition settings"
        verbose_name_plural = "recognition settings"

    def __str__(self) -> str:
        return f"Recognition settings of {self.institution_id}"

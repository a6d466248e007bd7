"""Gallery templates: one person's embedding from one walk, for one model version."""

from __future__ import annotations

import numpy as np
from django.db import models

from accounts.models import Institution, Person
from accounts.tenancy import TenantOwnedModel


class GaitTemplate(TenantOwnedModel):
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="gait_templates"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="gait_templates")
    model_version = models.ForeignKey(
        "recognition.GaitModelVersion", on_delete=models.CASCADE, related_name="templates"
    )
    sample = models.ForeignKey(
        "recognition.GaitSample", on_delete=models.CASCADE, related_name="templates"
    )
    track_id = models.IntegerField(default=0)
    # Set when the template came from a reviewed recognition (enrol_from_reviews), not an
    # enrolment sample: withdrawing that review removes it.
    recognition = models.ForeignKey(
        "recognition.Recognition",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="templates",
    )
    embedding = models.BinaryField()  # float32 little-endian, L2-normalised
    usable_seconds = models.FloatField(default=0.0)
    quality = models.FloatField(default=0.0)
    direction = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "sample", "track_id"], name="unique_gait_template"
            )
        ]
        indexes = [models.Index(fields=["institution", "model_version"])]

    def __str__(self) -> str:
        return f"Template of {self.person_id} ({self.model_version_id})"

    @property
    def vector(self) -> np.ndarray:
        return np.frombuffer(bytes(self.embedding), dtype="<f4")

    @staticmethod
    def pack(vector: np.ndarray) -> bytes:
        return np.asarray(vector, dtype="<f4").tobytes()

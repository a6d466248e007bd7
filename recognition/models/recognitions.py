"""Who walked in an identify sample: one row per walker, accepted, unknown or for review."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Institution, Person
from accounts.tenancy import TenantOwnedModel
from attendance.models import PresenceEvent


class Decision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    NEEDS_REVIEW = "needs_review", "Needs review"
    UNKNOWN = "unknown", "Unknown"


class Recognition(TenantOwnedModel):
    """The match of one walker against the institution's gallery.

    `person` is the accepted (or reviewed) person, or the best candidate awaiting review; it is
    empty for unknown walkers, who are never forced onto the nearest person. An accepted
    recognition at a camera produced `presence_event` through attendance.services.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="gait_recognitions"
    )
    sample = models.ForeignKey(
        "recognition.GaitSample", on_delete=models.CASCADE, related_name="recognitions"
    )
    track_id = models.IntegerField(default=0)
    model_version = models.ForeignKey(
        "recognition.GaitModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recognitions",
    )
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="gait_recognitions"
    )
    score = models.FloatField(null=True, blank=True)
    candidates = models.JSONField(default=list, blank=True)  # [{person, score}] best first
    decision = models.CharField(max_length=12, choices=Decision.choices)
    threshold = models.FloatField(null=True, blank=True)
    review_threshold = models.FloatField(null=True, blank=True)
    direction = models.CharField(max_length=16, blank=True)
    occurred_at = models.DateTimeField()
    usable_seconds = models.FloatField(default=0.0)
    quality = models.FloatField(default=0.0)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)
    # What the review did to the gallery (enrol_from_reviews): added, queued, or why not.
    enrolment_note = models.CharField(max_length=300, blank=True)
    presence_event = models.ForeignKey(
        PresenceEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gait_recognitions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "track_id"], name="unique_recognition_walker")
        ]
        indexes = [models.Index(fields=["institution", "decision", "occurred_at"])]

    def __str__(self) -> str:
        return f"Recognition {self.pk}: {self.decision}"

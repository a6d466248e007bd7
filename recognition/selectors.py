"""Reads of recognition data, scoped to what the actor may see."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import selectors as account_selectors
from accounts.actors import Actor
from recognition.models import (
    BiometricAccessLog,
    GaitModelVersion,
    GaitSample,
    GaitTemplate,
    Recognition,
)


def sample_list(*, actor: Actor) -> QuerySet[GaitSample]:
    samples = GaitSample.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        samples = samples.filter(uploader=actor.user) if actor.user else samples.none()
    return samples.select_related("person", "camera", "model_version")


def recognition_list(*, actor: Actor) -> QuerySet[Recognition]:
    recognitions = Recognition.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        recognitions = recognitions.filter(person__in=account_selectors.person_list(actor=actor))
    return recognitions.select_related("person", "sample", "sample__camera", "presence_event")


def model_version_list(*, actor: Actor) -> QuerySet[GaitModelVersion]:
    return GaitModelVersion.objects.filter(institution=actor.institution)


def template_list(*, person) -> QuerySet[GaitTemplate]:
    return GaitTemplate.objects.filter(person=person).select_related("model_version", "sample")


def access_log_list(*, actor: Actor) -> QuerySet[BiometricAccessLog]:
    return BiometricAccessLog.objects.filter(institution=actor.institution).select_related(
        "person", "user"
    )

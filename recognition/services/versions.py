"""Model versions of an institution and their open-set calibration."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Institution
from recognition.gait.calibration import calibrate
from recognition.gait.embedding import GaitEmbedder
from recognition.models import GaitModelVersion, GaitTemplate, RecognitionSettings
from recognition.services import runtime

FALLBACK_REVIEW_MARGIN = 0.1


def recognition_settings_get(*, institution: Institution) -> RecognitionSettings:
    settings_row, _ = RecognitionSettings.objects.get_or_create(institution=institution)
    return settings_row


def model_version_active(*, institution: Institution) -> GaitModelVersion:
    """The version this institution matches with; the shipped model on first use.

    Call inside the institution's tenant scope.
    """
    active = GaitModelVersion.objects.filter(institution=institution, is_active=True).first()
    if active is not None:
        return active
    summary = runtime.shipped_model_summary()
    try:
        with transaction.atomic():
            version, _ = GaitModelVersion.objects.get_or_create(
                institution=institution,
                model_version=summary["model_version"],
                defaults={
                    "kind": GaitModelVersion.Kind.SHIPPED,
                    "input_spec": summary["input"],
                    "metrics": summary["metrics"],
                    "shipped_threshold": summary["threshold"],
                    "threshold": summary["threshold"],
                    "review_threshold": summary["threshold"] - FALLBACK_REVIEW_MARGIN,
                    "is_fallback": True,
                    "calibration_note": "Using the model's own threshold until enrolments "
                    "are calibrated.",
                },
            )
            if not GaitModelVersion.objects.filter(
                institution=institution, is_active=True
            ).exists():
                version.is_active = True
                version.activated_at = timezone.now()
                version.save(update_fields=["is_active", "activated_at"])
    except IntegrityError:  # another worker activated one at the same moment
        pass
    return GaitModelVersion.objects.get(institution=institution, is_active=True)


def model_version_activate(*, version: GaitModelVersion) -> GaitModelVersion:
    with transaction.atomic():
        GaitModelVersion.objects.filter(institution=version.institution, is_active=True).exclude(
            pk=version.pk
        ).update(is_active=False)
        version.is_active = True
        version.activated_at = timezone.now()
        version.save(update_fields=["is_active", "activated_at"])
    return version


def checkpoint_path(version: GaitModelVersion) -> Path:
    if version.kind == GaitModelVersion.Kind.ADAPTED and version.checkpoint:
        return Path(version.checkpoint.path)
    return runtime.shipped_model_path()


def embedder_for(version: GaitModelVersion) -> GaitEmbedder:
    return runtime.embedder_for_path(checkpoint_path(version))


def enrolment_embeddings(*, version: GaitModelVersion) -> dict[int, np.ndarray]:
    """person id -> [n_clips, D] embeddings of the person's enrolment clips for ``version``."""
    rows: dict[int, list[np.ndarray]] = defaultdict(list)
    for person_id, blob in (
        GaitTemplate.objects.filter(model_version=version)
        .order_by("person_id", "id")
        .values_list("person_id", "embedding")
    ):
        rows[person_id].append(np.frombuffer(bytes(blob), dtype="<f4"))
    return {pid: np.stack(vectors) for pid, vectors in rows.items()}


def calibration_recompute(*, version: GaitModelVersion) -> GaitModelVersion:
    """Thresholds for the institution's target false-accept rate from its own enrolments.

    Too few enrolments: the model's shipped threshold, marked `is_fallback`, with the reason.
    """
    site = recognition_settings_get(institution=version.institution)
    result = calibrate(
        enrolment_embeddings(version=version),
        fallback_threshold=version.shipped_threshold,
        target_far=site.target_far,
        review_far=max(site.review_far, site.target_far),
    )
    version.threshold = result.threshold
    version.review_threshold = result.review_threshold
    version.target_far = result.target_far
    version.estimated_far = result.estimated_far
    version.estimated_tar = result.estimated_tar
    version.calibration_people = result.people
    version.genuine_pairs = result.genuine_pairs
    version.impostor_pairs = result.impostor_pairs
    version.is_fallback = not result.sufficient
    version.calibration_note = result.reason
    version.calibrated_at = timezone.now()
    version.save(update_fields=list(GaitModelVersion.CALIBRATION_FIELDS))
    return version


def recognition_settings_update(*, institution: Institution, **changes) -> RecognitionSettings:
    """Change the institution's recognition settings (consent rule, target false-accept rates,
    enrolment from reviewed recognitions)."""
    from django.core.exceptions import ValidationError

    row = recognition_settings_get(institution=institution)
    allowed = set(RecognitionSettings.EDITABLE_FIELDS)
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: ["Not a recognition setting."] for name in unknown})
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean(exclude=["institution"])
    if row.review_far < row.target_far:
        raise ValidationError(
            {"review_far": ["The review band's false-accept rate cannot be below the target."]}
        )
    row.save()
    return row

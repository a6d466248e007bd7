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


class ShippedModelChangedError(RuntimeError):
    """A shipped version row names a model other than the one deployed: its templates cannot be
    compared with what the deployed network embeds (services.model_upgrade moves the site)."""


def _shipped_version_fields() -> dict:
    """A new version row's fields for the deployed shipped model, thresholds as fallback."""
    summary = runtime.shipped_model_summary()
    return {
        "model_version": summary["model_version"],
        "kind": GaitModelVersion.Kind.SHIPPED,
        "input_spec": summary["input"],
        "metrics": summary["metrics"],
        "shipped_threshold": summary["threshold"],
        "threshold": summary["threshold"],
        "review_threshold": summary["threshold"] - FALLBACK_REVIEW_MARGIN,
        "is_fallback": True,
        "calibration_note": "Using the model's own threshold until enrolments are calibrated.",
    }


def shipped_version_is_deployed(version: GaitModelVersion) -> bool:
    """False for a shipped version whose model is no longer the deployed one."""
    return (
        version.kind != GaitModelVersion.Kind.SHIPPED
        or version.model_version == runtime.shipped_model_summary()["model_version"]
    )


def model_version_shipped(*, institution: Institution) -> GaitModelVersion:
    """The institution's row for the deployed shipped model (made, not activated, if new)."""
    fields = _shipped_version_fields()
    try:
        with transaction.atomic():
            version, _ = GaitModelVersion.objects.get_or_create(
                institution=institution, model_version=fields.pop("model_version"), defaults=fields
            )
    except IntegrityError:  # another worker made it at the same moment
        version = GaitModelVersion.objects.get(
            institution=institution, model_version=runtime.shipped_model_summary()["model_version"]
        )
    return version


def model_version_active(*, institution: Institution) -> GaitModelVersion:
    """The version this institution matches with; the shipped model on first use.

    Call inside the institution's tenant scope.
    """
    active = GaitModelVersion.objects.filter(institution=institution, is_active=True).first()
    if active is not None:
        return active
    version = model_version_shipped(institution=institution)
    try:
        with transaction.atomic():
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
    if not shipped_version_is_deployed(version):
        raise ShippedModelChangedError(
            f"{version.model_version} is no longer the deployed model "
            f"({runtime.shipped_model_summary()['model_version']}); move the institution to it "
            "with `manage.py gait_upgrade_model`."
        )
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

"""Adapting the model to an institution: fine-tune on its enrolments, keep, activate when better."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import Institution
from recognition.gait.adaptation import ADAPT_LR, adapt
from recognition.gait.checkpoint import save_checkpoint
from recognition.gait.tracks import PoseTrack
from recognition.models import GaitModelVersion
from recognition.services.gallery import gallery_reembed, gallery_sources, kept_walker_track
from recognition.services.model_upgrade import model_version_for_work
from recognition.services.versions import (
    FALLBACK_REVIEW_MARGIN,
    checkpoint_path,
    model_version_activate,
)


def _enrolment_walks(institution: Institution) -> dict[int, list[PoseTrack]]:
    """person id -> the walks each of the person's enrolment samples enrolled (the walker of
    its template), oldest first: what adaptation trains and judges on."""
    walks: dict[int, list[PoseTrack]] = defaultdict(list)
    for template in gallery_sources(institution):
        if template.recognition_id is not None:
            continue  # reviewed walks stay out of training: enrolments only
        track = kept_walker_track(template.sample, template.track_id)
        if track is not None:
            walks[template.person_id].append(track)
    return walks


def institution_model_adapt(
    *, institution: Institution, epochs: int = 10, seed: int = 0, lr: float = ADAPT_LR
) -> dict:
    """Fine-tune the active model on the institution's enrolments and judge it on held-back
    enrolment walks (recognition.gait.adaptation). The adapted model is kept as a version with
    the held-back figures in its metrics; it is activated, after re-embedding the gallery with
    it, only when it is better than the active one. ``lr`` is the fine-tuning rate."""
    base = model_version_for_work(institution=institution)
    result = adapt(
        checkpoint_path(base),
        _enrolment_walks(institution),
        epochs=epochs,
        seed=seed,
        threads=1,
        lr=lr,
    )
    outcome = {
        "accepted": result.accepted,
        "reason": result.reason,
        "before": result.before,
        "after": result.after,
        "base": base.model_version,
        "version": None,
        "activated": None,
    }
    if result.checkpoint is None:
        return outcome  # too few people or walks to adapt at all
    metrics = {
        "held_back_before": result.before,
        "held_back_after": result.after,
        "accepted": result.accepted,
        "reason": result.reason,
        "fine_tune": (result.checkpoint.get("training") or {}).get("fine_tune") or {},
    }
    name = str(result.checkpoint["model_version"])[:120]
    threshold = float(
        (result.checkpoint.get("threshold") or {}).get("value") or base.shipped_threshold
    )
    with transaction.atomic():
        # The same weights again (same enrolments, seed and rate) are the same version.
        version = GaitModelVersion.objects.filter(institution=institution, model_version=name)
        version = version.first()
        if version is None:
            version = GaitModelVersion(
                institution=institution,
                model_version=name,
                kind=GaitModelVersion.Kind.ADAPTED,
                parent=base,
                input_spec=result.checkpoint.get("input") or {},
                shipped_threshold=threshold,
                threshold=threshold,
                review_threshold=threshold - FALLBACK_REVIEW_MARGIN,
                calibration_note="Not calibrated yet.",
            )
            with tempfile.TemporaryDirectory() as tmp:
                path = save_checkpoint(result.checkpoint, Path(tmp) / "adapted.pt")
                version.checkpoint.save(
                    f"{name[:80]}.pt", ContentFile(path.read_bytes()), save=False
                )
        version.metrics = metrics
        version.save()
    outcome["version"] = version.model_version
    if not result.accepted:
        return outcome
    gallery_reembed(version=version)
    model_version_activate(version=version)
    outcome["activated"] = version.model_version
    return outcome

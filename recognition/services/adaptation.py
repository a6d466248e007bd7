"""Adapting the model to an institution, and re-embedding its gallery with another version."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import Institution
from recognition.gait.adaptation import ADAPT_LR, adapt
from recognition.gait.checkpoint import save_checkpoint
from recognition.gait.errors import GaitInputError
from recognition.gait.pipeline import analyse_tracks
from recognition.gait.tracks import PoseTrack
from recognition.models import GaitModelVersion, GaitTemplate
from recognition.services.processing import kept_walker_track, template_store
from recognition.services.versions import (
    FALLBACK_REVIEW_MARGIN,
    calibration_recompute,
    checkpoint_path,
    embedder_for,
    model_version_activate,
    model_version_active,
)


def _gallery_sources(institution: Institution, *, exclude: GaitModelVersion | None = None):
    """One template per walk in the institution's gallery, whatever its version: the walks
    (enrolment samples, and reviewed recognitions where enrolled from reviews) to embed."""
    seen: set[tuple[int, int]] = set()
    templates = (
        GaitTemplate.objects.filter(institution=institution)
        .select_related("sample")
        .order_by("person_id", "sample__created_at", "sample_id", "track_id", "-id")
    )
    if exclude is not None:
        templates = templates.exclude(model_version=exclude)
    for template in templates:
        key = (template.sample_id, template.track_id)
        if key not in seen:
            seen.add(key)
            yield template


def _enrolment_walks(institution: Institution) -> dict[int, list[PoseTrack]]:
    """person id -> the walks each of the person's enrolment samples enrolled (the walker of
    its template), oldest first: what adaptation trains and judges on."""
    walks: dict[int, list[PoseTrack]] = defaultdict(list)
    for template in _gallery_sources(institution):
        if template.recognition_id is not None:
            continue  # reviewed walks stay out of training: enrolments only
        track = kept_walker_track(template.sample, template.track_id)
        if track is not None:
            walks[template.person_id].append(track)
    return walks


def gallery_reembed(*, version: GaitModelVersion) -> int:
    """Templates of ``version`` for every walk in the institution's gallery (from the kept
    keypoints), then its calibration on them. Returns the number of templates made."""
    embedder = embedder_for(version)
    made = 0
    for source in _gallery_sources(version.institution, exclude=version):
        if GaitTemplate.objects.filter(
            model_version=version, sample_id=source.sample_id, track_id=source.track_id
        ).exists():
            continue
        track = kept_walker_track(source.sample, source.track_id)
        if track is None:
            continue
        try:
            walker = analyse_tracks([track], embedder=embedder).walkers[0]
        except GaitInputError:
            continue
        _, created = template_store(
            sample=source.sample,
            version=version,
            walker=walker,
            person_id=source.person_id,
            recognition_id=source.recognition_id,
        )
        made += int(created)
    calibration_recompute(version=version)
    return made


def institution_model_adapt(
    *, institution: Institution, epochs: int = 10, seed: int = 0, lr: float = ADAPT_LR
) -> dict:
    """Fine-tune the active model on the institution's enrolments and judge it on held-back
    enrolment walks (recognition.gait.adaptation). The adapted model is kept as a version with
    the held-back figures in its metrics; it is activated, after re-embedding the gallery with
    it, only when it is better than the active one. ``lr`` is the fine-tuning rate."""
    base = model_version_active(institution=institution)
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

"""Adapting the model to an institution, and re-embedding its gallery with another version."""

from __future__ import annotations

import io
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Institution
from recognition.gait.adaptation import adapt
from recognition.gait.checkpoint import save_checkpoint
from recognition.gait.keypoints import read_keypoint_file
from recognition.gait.pipeline import analyse_tracks
from recognition.gait.tracks import PoseTrack
from recognition.models import GaitModelVersion, GaitSample, GaitTemplate
from recognition.services.matching import gallery_changed
from recognition.services.versions import (
    calibration_recompute,
    checkpoint_path,
    embedder_for,
    model_version_activate,
    model_version_active,
)


def _enrolment_walks(institution: Institution) -> dict[int, list[tuple[GaitSample, PoseTrack]]]:
    """person id -> [(sample, main walker track)] of the institution's done enrolment samples."""
    walks: dict[int, list] = defaultdict(list)
    samples = GaitSample.objects.filter(
        institution=institution,
        purpose=GaitSample.Purpose.ENROL,
        status=GaitSample.Status.DONE,
    ).exclude(keypoints="")
    for sample in samples.order_by("person_id", "created_at", "pk"):
        tracks = read_keypoint_file(sample.keypoints.path)
        if tracks:
            walks[sample.person_id].append((sample, max(tracks, key=len)))
    return walks


def gallery_reembed(*, version: GaitModelVersion) -> int:
    """Templates of ``version`` for every enrolment sample (from its kept keypoints)."""
    embedder = embedder_for(version)
    made = 0
    for _person, items in _enrolment_walks(version.institution).items():
        for sample, track in items:
            if GaitTemplate.objects.filter(model_version=version, sample=sample).exists():
                continue
            try:
                analysis = analyse_tracks([track], embedder=embedder)
            except ValueError:
                continue
            walker = analysis.walkers[0]
            GaitTemplate.objects.get_or_create(
                model_version=version,
                sample=sample,
                track_id=walker.track_id,
                defaults={
                    "institution": version.institution,
                    "person_id": sample.person_id,
                    "embedding": GaitTemplate.pack(walker.embedding),
                    "usable_seconds": walker.usable_seconds,
                    "quality": walker.quality,
                    "direction": walker.direction,
                },
            )
            made += 1
    if made:
        gallery_changed(versions=[version])
    calibration_recompute(version=version)
    return made


def institution_model_adapt(*, institution: Institution, epochs: int = 10, seed: int = 0) -> dict:
    """Fine-tune the active model on the enrolments; activate the result only if it identifies
    held-back enrolment walks better, after re-embedding the gallery with it."""
    base = model_version_active(institution=institution)
    walks = {
        pid: [track for _, track in items] for pid, items in _enrolment_walks(institution).items()
    }
    result = adapt(checkpoint_path(base), walks, epochs=epochs, seed=seed, threads=1)
    outcome = {
        "accepted": result.accepted,
        "reason": result.reason,
        "before": result.before,
        "after": result.after,
        "base": base.model_version,
    }
    if result.checkpoint is None or not result.accepted:
        return outcome
    name = f"{result.checkpoint['model_version']}"
    buffer = io.BytesIO()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = save_checkpoint(result.checkpoint, Path(tmp) / "adapted.pt")
        buffer.write(path.read_bytes())
    threshold = (result.checkpoint.get("threshold") or {}).get("value") or base.shipped_threshold
    with transaction.atomic():
        version = GaitModelVersion(
            institution=institution,
            model_version=name[:120],
            kind=GaitModelVersion.Kind.ADAPTED,
            parent=base,
            input_spec=result.checkpoint.get("input") or {},
            metrics={"held_back_before": result.before, "held_back_after": result.after},
            shipped_threshold=float(threshold),
            threshold=float(threshold),
            review_threshold=float(threshold) - 0.1,
            created_at=timezone.now(),
        )
        version.checkpoint.save(f"{name[:80]}.pt", ContentFile(buffer.getvalue()), save=False)
        version.save()
    gallery_reembed(version=version)
    model_version_activate(version=version)
    outcome["activated"] = version.model_version
    return outcome

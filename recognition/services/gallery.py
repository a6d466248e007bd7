"""The gallery's templates and the kept keypoints they come from: keeping a sample's tracks,
storing a template, reading back its walk, re-embedding every walk of an institution's gallery
for another model version."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File

from accounts.models import Institution
from recognition.gait.errors import GaitInputError
from recognition.gait.keypoints import read_keypoint_file, write_keypoint_file
from recognition.gait.pipeline import WalkerResult, analyse_tracks
from recognition.gait.tracks import PoseTrack
from recognition.models import GaitModelVersion, GaitSample, GaitTemplate
from recognition.services.matching import gallery_changed
from recognition.services.versions import calibration_recompute, embedder_for


def template_store(
    *,
    sample: GaitSample,
    version: GaitModelVersion,
    walker: WalkerResult,
    person_id: int | None = None,
    recognition_id: int | None = None,
) -> tuple[GaitTemplate, bool]:
    """The template of one walker of a sample for ``version`` (the sample's person unless
    ``person_id``; ``recognition_id`` when a review enrolled it), and whether it is new; a new
    one tells the workers' gallery caches."""
    template, created = GaitTemplate.objects.get_or_create(
        model_version=version,
        sample=sample,
        track_id=walker.track_id,
        defaults={
            "institution": sample.institution,
            "person_id": person_id if person_id is not None else sample.person_id,
            "recognition_id": recognition_id,
            "embedding": GaitTemplate.pack(walker.embedding),
            "usable_seconds": walker.usable_seconds,
            "quality": walker.quality,
            "direction": walker.direction,
        },
    )
    if created:
        gallery_changed(versions=[version])
    return template, created


def keypoints_keep(sample: GaitSample, tracks: list[PoseTrack]) -> None:
    """Keep the sample's pose tracks (re-embedding, the skeleton viewer) once, as .npz."""
    if sample.keypoints or not tracks:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = write_keypoint_file(Path(tmp) / "tracks.npz", tracks, "npz")
        with path.open("rb") as handle:
            sample.keypoints.save(f"sample-{sample.pk}.npz", File(handle), save=False)
    GaitSample.objects.filter(pk=sample.pk).update(keypoints=sample.keypoints.name)


def kept_walker_track(sample: GaitSample, track_id: int) -> PoseTrack | None:
    """Walker ``track_id`` of the sample's kept keypoints (None when they or it are gone)."""
    if not sample.keypoints:
        return None
    for track in read_keypoint_file(sample.keypoints.path):
        if track.track_id == track_id:
            return track
    return None


def gallery_sources(institution: Institution, *, exclude: GaitModelVersion | None = None):
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


def gallery_reembed(*, version: GaitModelVersion) -> int:
    """Templates of ``version`` for every walk in the institution's gallery (from the kept
    keypoints), then its calibration on them. Returns the number of templates made."""
    embedder = embedder_for(version)
    made = 0
    for source in gallery_sources(version.institution, exclude=version):
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

"""Biometric privacy: access log, a person's erasure, purge of raw videos."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Institution, Person
from recognition.gait.keypoints import read_keypoint_file
from recognition.models import (
    BiometricAccessLog,
    GaitModelVersion,
    GaitSample,
    GaitTemplate,
    Recognition,
)
from recognition.services.gallery import keypoints_keep
from recognition.services.matching import gallery_changed


def access_log_record(
    *,
    actor: Actor,
    institution: Institution,
    what: str,
    person: Person | None = None,
    action: str = BiometricAccessLog.Action.VIEW,
    detail: dict | None = None,
) -> BiometricAccessLog:
    return BiometricAccessLog.objects.create(
        institution=institution,
        person=person,
        person_label=str(person) if person is not None else "",
        user=actor.user,
        actor_label=actor.label,
        action=action,
        what=what[:200],
        detail=detail or {},
    )


@transaction.atomic
def person_biometrics_erase(*, person: Person, actor: Actor, reason: str = "") -> dict:
    """Remove a person's templates, enrolment samples (files and keypoints), and from clips
    they were recognised in the raw video and their walkers' tracks (the kept keypoints keep
    other people's, whose templates may need re-embedding for a later model); attendance
    stays. Leaves an audit entry."""
    templates = GaitTemplate.objects.filter(person=person)
    n_templates = templates.count()
    versions = list(GaitModelVersion.objects.filter(templates__person=person).distinct())
    templates.delete()
    gallery_changed(versions=versions)
    samples = list(GaitSample.objects.filter(person=person))
    for sample in samples:
        _delete_files(sample)
        sample.delete()
    seen_in = GaitSample.objects.filter(
        pk__in=Recognition.objects.filter(person=person).values("sample_id")
    )
    cleared = 0
    for sample in seen_in:
        if sample.file:
            sample.file.delete(save=False)
            cleared += 1
            GaitSample.objects.filter(pk=sample.pk).update(file="", file_deleted_at=timezone.now())
        erased = set(
            Recognition.objects.filter(person=person, sample=sample).values_list(
                "track_id", flat=True
            )
        )
        cleared += kept_keypoints_without(sample, erased)
    Recognition.objects.filter(person=person).update(candidates=[])
    summary = {
        "templates": n_templates,
        "enrolment_samples": len(samples),
        "files_of_recognised_clips": cleared,
        "reason": (reason or "").strip()[:500],
    }
    access_log_record(
        actor=actor,
        institution=person.institution,
        what="gait data erased",
        person=person,
        action=BiometricAccessLog.Action.ERASE,
        detail=summary,
    )
    return summary


def kept_keypoints_without(sample: GaitSample, track_ids: set[int]) -> int:
    """Rewrite the sample's kept keypoints without walkers ``track_ids`` (deleted when nobody
    else is left); 1 when the file changed."""
    if not sample.keypoints:
        return 0
    tracks = read_keypoint_file(sample.keypoints.path)
    others = [track for track in tracks if track.track_id not in track_ids]
    if len(others) == len(tracks):
        return 0
    sample.keypoints.delete(save=False)
    GaitSample.objects.filter(pk=sample.pk).update(keypoints="")
    keypoints_keep(sample, others)
    return 1


def _delete_files(sample: GaitSample) -> int:
    n = 0
    for field_file in (sample.file, sample.keypoints):
        if field_file:
            field_file.delete(save=False)
            n += 1
    return n


def raw_videos_purge(*, institution: Institution, now: datetime | None = None) -> int:
    """Delete processed raw videos older than the institution's retention; keypoints stay."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=institution.raw_video_retention_days)
    due = GaitSample.objects.filter(
        institution=institution,
        kind=GaitSample.Kind.VIDEO,
        status=GaitSample.Status.DONE,
        finished_at__lte=cutoff,
    ).exclude(file="")
    purged = 0
    for sample in due:
        sample.file.delete(save=False)
        GaitSample.objects.filter(pk=sample.pk).update(file="", file_deleted_at=now)
        purged += 1
    return purged

"""Processing a sample: pose tracks, embeddings, then enrolment or identification.

Exactly once, whatever the worker does: the sample is claimed under a row lock, the long
analysis runs outside any transaction, and its results (templates, recognitions, presence
events, status done) are committed together under the lock again, after checking the sample
is not already done. A worker killed mid-way commits nothing; the redelivered task starts over.
Recognitions are unique per (sample, walker) and their presence events are keyed by the
recognition, so even two workers racing cannot make two events.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.models import Person
from attendance.models import PresenceEvent
from attendance.services import sighting_record
from recognition.gait.errors import GaitInputError, PoseBackendUnavailableError
from recognition.gait.extraction import load_tracks
from recognition.gait.keypoints import read_keypoint_file
from recognition.gait.pipeline import SampleAnalysis, analyse_tracks
from recognition.gait.tracks import PoseTrack
from recognition.models import Decision, GaitModelVersion, GaitSample, Recognition
from recognition.services import runtime
from recognition.services.gallery import keypoints_keep, template_store
from recognition.services.matching import (
    gallery_for,
    gallery_forget,
    match_probe,
)
from recognition.services.model_upgrade import model_version_for_work
from recognition.services.versions import embedder_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
RETRY_BASE_SECONDS = 30

STAGE_LABELS = {"pose": "Finding people", "embed": "Recognising gait", "match": "Matching"}


class TransientProcessingError(RuntimeError):
    """A failure worth retrying (storage, database): the task is queued again with backoff."""


def _progress_writer(sample_id: int):
    last = [0.0]

    def write(stage: str, fraction: float) -> None:
        # pose is most of the work: 0-80 %, embedding 80-95 %, matching to 100 %.
        base, span = {"pose": (0.0, 0.8), "embed": (0.8, 0.15), "match": (0.95, 0.05)}.get(
            stage, (0.0, 1.0)
        )
        progress = round(base + span * max(0.0, min(1.0, fraction)), 3)
        now = time.monotonic()
        if fraction in (0.0, 1.0) or now - last[0] > 0.5:
            last[0] = now
            GaitSample.objects.filter(pk=sample_id).update(stage=stage, progress=progress)

    return write


def _claim(sample_id: int) -> GaitSample | None:
    """Mark the sample processing (one more attempt); None when it is already finished."""
    with transaction.atomic():
        sample = GaitSample.objects.select_for_update().filter(pk=sample_id).first()
        if sample is None or sample.status in (GaitSample.Status.DONE, GaitSample.Status.FAILED):
            return None
        sample.status = GaitSample.Status.PROCESSING
        sample.attempts += 1
        sample.started_at = timezone.now()
        sample.error = ""
        sample.save(update_fields=["status", "attempts", "started_at", "error"])
        return sample


def _tracks(sample: GaitSample, progress) -> list[PoseTrack]:
    """Pose tracks of the sample: from its kept keypoints when a previous attempt extracted
    them, else from the uploaded file (a video through the configured pose backend)."""
    if sample.keypoints:
        return read_keypoint_file(sample.keypoints.path)
    if not sample.file:
        raise GaitInputError("The uploaded file is no longer kept; upload it again.")
    path = Path(sample.file.path)
    progress("pose", 0.0)
    if sample.kind == GaitSample.Kind.VIDEO:
        from django.conf import settings

        tracks = load_tracks(
            path,
            backend=runtime.pose_backend(),
            max_side=settings.GAIT_POSE_MAX_SIDE,
            min_fps=settings.GAIT_POSE_MIN_FPS,
            progress=lambda fraction: progress("pose", fraction),
        )
    else:
        tracks = load_tracks(path)
    progress("pose", 1.0)
    return tracks


def _fail(sample_id: int, message: str, details: dict | None = None) -> None:
    with transaction.atomic():
        sample = GaitSample.objects.select_for_update().get(pk=sample_id)
        if sample.status == GaitSample.Status.DONE:
            return
        sample.status = GaitSample.Status.FAILED
        sample.error = message[:2000]
        sample.finished_at = timezone.now()
        if details:
            sample.details = {**sample.details, **details}
        sample.save(update_fields=["status", "error", "finished_at", "details"])


def sample_process(*, sample_id: int) -> GaitSample | None:
    """Run one sample to done or failed. Call inside the sample's tenant scope.

    Bad input (no person, unreadable file) fails the sample with a plain message. Transient
    errors raise TransientProcessingError after putting the sample back in the queue state,
    so the task can be retried; after MAX_ATTEMPTS the sample fails.
    """
    sample = _claim(sample_id)
    if sample is None:
        return GaitSample.objects.filter(pk=sample_id).first()
    timings: dict[str, float] = {}
    progress = _progress_writer(sample_id)
    try:
        version = model_version_for_work(institution=sample.institution)
        started = time.perf_counter()
        tracks = _tracks(sample, progress)
        timings["pose_s"] = round(time.perf_counter() - started, 3)
        keypoints_keep(sample, tracks)
        if not tracks:
            raise GaitInputError("Nobody was found walking in this file.")
        started = time.perf_counter()
        analysis = analyse_tracks(tracks, embedder=embedder_for(version), progress=progress)
        timings["embed_s"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        progress("match", 0.0)
        result = _commit(sample_id, version, analysis, timings)
        timings["match_s"] = round(time.perf_counter() - started, 3)
        return result
    except GaitInputError as exc:
        _fail(
            sample_id,
            str(exc).replace(str(Path(sample.file.path)) if sample.file else "#", "the file"),
        )
    except PoseBackendUnavailableError as exc:
        _fail(sample_id, f"The pose backend is not available on this server: {exc}")
    except (OSError, DatabaseError) as exc:
        log.warning("gait sample %s: transient failure %s", sample_id, exc)
        if sample.attempts >= MAX_ATTEMPTS:
            _fail(sample_id, f"Processing failed {sample.attempts} times; last error: {exc}")
        else:
            GaitSample.objects.filter(pk=sample_id).update(
                status=GaitSample.Status.QUEUED, error=f"Retrying after: {exc}"
            )
            raise TransientProcessingError(str(exc)) from exc
    return GaitSample.objects.filter(pk=sample_id).first()


def retry_delay_seconds(attempts: int) -> float:
    return RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)


def _commit(
    sample_id: int, version: GaitModelVersion, analysis: SampleAnalysis, timings: dict
) -> GaitSample:
    with transaction.atomic():
        sample = (
            GaitSample.objects.select_for_update(of=("self",))
            .select_related("institution", "camera", "person")
            .get(pk=sample_id)
        )
        if sample.status == GaitSample.Status.DONE:
            return sample
        details = {
            "skipped": analysis.skipped,
            "walkers": len(analysis.walkers),
            "timings": timings,
        }
        if sample.purpose == GaitSample.Purpose.ENROL:
            _enrol(sample, version, analysis, details)
        else:
            _identify(sample, version, analysis, details)
        sample.status = GaitSample.Status.DONE
        sample.progress = 1.0
        sample.stage = "done"
        sample.model_version = version
        sample.finished_at = timezone.now()
        sample.details = details
        sample.save(
            update_fields=[
                "status",
                "progress",
                "stage",
                "model_version",
                "finished_at",
                "details",
            ]
        )
        if sample.purpose == GaitSample.Purpose.ENROL:
            transaction.on_commit(lambda: calibration_enqueue(version=version))
        if (
            sample.kind == GaitSample.Kind.VIDEO
            and sample.institution.raw_video_retention_days == 0
        ):
            transaction.on_commit(lambda: _delete_raw_file(sample.pk))
    return sample


def _delete_raw_file(sample_id: int) -> None:
    sample = GaitSample.objects.filter(pk=sample_id).first()
    if sample is not None and sample.file:
        sample.file.delete(save=False)
        GaitSample.objects.filter(pk=sample_id).update(file="", file_deleted_at=timezone.now())


def calibration_enqueue(*, version: GaitModelVersion) -> None:
    from django_q.tasks import async_task

    async_task("recognition.tasks.recalibrate", version.pk, task_name=f"calibrate {version.pk}")


def _enrol(
    sample: GaitSample, version: GaitModelVersion, analysis: SampleAnalysis, details: dict
) -> None:
    # An enrolment clip shows one person: the walker with the most usable walking.
    walker = max(analysis.walkers, key=lambda w: w.usable_seconds)
    if len(analysis.walkers) > 1:
        details["note"] = (
            f"{len(analysis.walkers)} people walked in this clip; the longest walker "
            f"(track {walker.track_id}) was enrolled."
        )
    template_store(sample=sample, version=version, walker=walker)


def _identify(
    sample: GaitSample, version: GaitModelVersion, analysis: SampleAnalysis, details: dict
) -> None:
    gallery = gallery_for(version=version)
    attendance_errors = []
    for walker in analysis.walkers:
        match = match_probe(
            walker.embedding,
            gallery=gallery,
            threshold=version.threshold,
            review_threshold=version.review_threshold,
        )
        if match.person_id is not None and not Person.objects.filter(pk=match.person_id).exists():
            # deleted without the services since this worker built its gallery: rebuild
            gallery_forget(version=version)
            gallery = gallery_for(version=version)
            match = match_probe(
                walker.embedding,
                gallery=gallery,
                threshold=version.threshold,
                review_threshold=version.review_threshold,
            )
        recognition, _ = Recognition.objects.get_or_create(
            sample=sample,
            track_id=walker.track_id,
            defaults={
                "institution": sample.institution,
                "model_version": version,
                "person_id": match.person_id,
                "score": match.score,
                "candidates": match.candidates,
                "decision": match.decision,
                "threshold": version.threshold,
                "review_threshold": version.review_threshold,
                "direction": walker.direction if walker.direction != "unknown" else "",
                "occurred_at": sample.captured_at + timedelta(seconds=walker.start_s),
                "usable_seconds": walker.usable_seconds,
                "quality": walker.quality,
            },
        )
        if recognition.decision == Decision.ACCEPTED:
            error = recognition_event_record(recognition=recognition)
            if error:
                attendance_errors.append({"track_id": walker.track_id, "error": error})
    if attendance_errors:
        details["attendance_errors"] = attendance_errors


def recognition_event_record(*, recognition: Recognition) -> str:
    """The presence event of an accepted recognition at a camera (once); '' or why not."""
    sample = recognition.sample
    if recognition.presence_event_id or recognition.person_id is None:
        return ""
    if sample.camera is None:
        return "No camera was given for this clip, so no presence event was recorded."
    try:
        item = sighting_record(
            camera=sample.camera,
            person=recognition.person,
            occurred_at=recognition.occurred_at,
            walking_direction=recognition.direction,
            confidence=max(0.0, min(1.0, recognition.score or 0.0)),
            produced_by=recognition,
        )
    except ValidationError as exc:
        return "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
    event_id = item.event_id or (item.event.pk if item.event is not None else None)
    if event_id and PresenceEvent.objects.filter(pk=event_id).exists():
        recognition.presence_event_id = event_id
        recognition.save(update_fields=["presence_event"])
    return ""

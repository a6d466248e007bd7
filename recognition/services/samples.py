"""Accepting an upload: check the content at the door, store it once, queue its processing."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Institution, Person
from attendance.models import Camera
from recognition.gait.errors import GaitInputError
from recognition.gait.keypoints import KEYPOINT_EXTENSIONS, read_keypoint_file
from recognition.gait.video import VIDEO_EXTENSIONS, VideoReader
from recognition.models import GaitSample
from recognition.services.versions import recognition_settings_get

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class SampleCreated:
    sample: GaitSample
    created: bool  # False: the same file was uploaded before; this is that sample


def _sniff_video(head: bytes) -> str | None:
    """The container a video's first bytes announce (None: not a video we know)."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return ".mp4" if head[8:10] != b"qt" else ".mov"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return ".avi"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return ".webm" if b"webm" in head[:64] else ".mkv"
    return None


def _suffix(name: str) -> str:
    return Path(name or "").suffix.lower()


def _hash_and_size(handle: IO[bytes]) -> tuple[str, int, bytes]:
    digest = hashlib.sha256()
    size, head = 0, b""
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        if not head:
            head = chunk[:64]
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size, head


def _check_content(path: Path, kind: str) -> None:
    """Raise ValidationError({"file": ...}) unless the stored file really is what it claims."""
    try:
        if kind == GaitSample.Kind.VIDEO:
            with VideoReader(path):
                pass  # opening decodes the first frame
        else:
            read_keypoint_file(path)
    except GaitInputError as exc:
        raise ValidationError({"file": [str(exc).replace(str(path), "the file")]}) from exc
    except ValueError as exc:  # a keypoint array of the wrong shape, and the like
        raise ValidationError({"file": [f"Not a readable keypoint file: {exc}"]}) from exc


def _checked_kind(name: str, head: bytes) -> tuple[str, str]:
    """(kind, suffix) from the content's magic bytes, checked against the name's extension."""
    suffix = _suffix(name)
    container = _sniff_video(head)
    if suffix in VIDEO_EXTENSIONS:
        if container is None:
            raise ValidationError(
                {"file": [f"The file is named {suffix} but its content is not a video."]}
            )
        return GaitSample.Kind.VIDEO, suffix
    if suffix in KEYPOINT_EXTENSIONS:
        if container is not None:
            raise ValidationError(
                {"file": ["The file is a video but is named like a keypoint file."]}
            )
        return GaitSample.Kind.KEYPOINTS, suffix
    if container is not None:
        return GaitSample.Kind.VIDEO, container
    raise ValidationError(
        {
            "file": [
                f"Unsupported file type {suffix or '(no extension)'}: upload a video "
                f"({', '.join(sorted(VIDEO_EXTENSIONS))}) or a keypoint file "
                f"({', '.join(sorted(KEYPOINT_EXTENSIONS))})."
            ]
        }
    )


def sample_create(
    *,
    institution: Institution,
    actor: Actor | None,
    content: IO[bytes] | bytes,
    filename: str,
    purpose: str,
    person: Person | None = None,
    camera: Camera | None = None,
    captured_at: datetime | None = None,
) -> SampleCreated:
    """Store an uploaded video or keypoint file as a queued GaitSample and queue its processing.

    Checks, each a ValidationError naming the field: purpose; person required for enrolment,
    of this institution, with consent recorded when the institution requires it; camera of this
    institution; size under settings.GAIT_UPLOAD_MAX_BYTES; content really a decodable video or
    a parseable keypoint file (by content, not by name). The same file uploaded again to this
    institution answers with the existing sample (created=False) and queues nothing.
    """
    errors: dict[str, list[str]] = {}
    if purpose not in GaitSample.Purpose.values:
        errors["purpose"] = [f"Choose one of {', '.join(GaitSample.Purpose.values)}."]
    if person is not None and person.institution_id != institution.pk:
        errors["person"] = ["No such person."]
    elif purpose == GaitSample.Purpose.ENROL and person is None:
        errors["person"] = ["An enrolment sample needs the person it shows."]
    elif purpose == GaitSample.Purpose.ENROL and person is not None:
        site = recognition_settings_get(institution=institution)
        if site.require_consent and not person.consent_given:
            errors["person"] = [
                "This person's consent to gait processing is not recorded; record it first."
            ]
    if camera is not None and camera.institution_id != institution.pk:
        errors["camera"] = ["No such camera."]
    if captured_at is not None and captured_at > timezone.now() + timedelta(minutes=5):
        errors["captured_at"] = ["The capture time is in the future."]
    if errors:
        raise ValidationError(errors)

    handle = File(io.BytesIO(content)) if isinstance(content, bytes) else content
    limit = settings.GAIT_UPLOAD_MAX_BYTES
    declared = getattr(handle, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError(
            {"file": [f"The file is over the {limit // (1024 * 1024)} MB limit."]}
        )
    known = getattr(handle, "sha256_hexdigest", None)  # hashed while uploading (api/uploads.py)
    if known and declared is not None:
        sha256, size = known, declared
        handle.seek(0)
        head = handle.read(64)
        handle.seek(0)
    else:
        sha256, size, head = _hash_and_size(handle)
    if size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    if size > limit:
        raise ValidationError(
            {"file": [f"The file is over the {limit // (1024 * 1024)} MB limit."]}
        )

    existing = GaitSample.objects.filter(institution=institution, sha256=sha256).first()
    if existing is not None:
        return SampleCreated(existing, False)

    kind, suffix = _checked_kind(filename, head)
    sample = GaitSample(
        institution=institution,
        purpose=purpose,
        person=person,
        camera=camera,
        captured_at=captured_at or timezone.now(),
        uploader=actor.user if actor is not None else None,
        uploaded_by=actor.label if actor is not None else "system",
        kind=kind,
        original_name=Path(filename or "").name[:255],
        size_bytes=size,
        sha256=sha256,
    )
    # An upload Django already spooled to a temporary file is moved, not copied, into storage.
    stored = handle if hasattr(handle, "temporary_file_path") else File(handle)
    sample.file.save(f"{sha256[:20]}{suffix}", stored, save=False)
    try:
        _check_content(Path(sample.file.path), kind)
    except ValidationError:
        sample.file.delete(save=False)
        raise
    try:
        with transaction.atomic():
            sample.save()
            transaction.on_commit(lambda: sample_enqueue(sample=sample))
    except IntegrityError:  # the same file arrived twice at the same moment
        sample.file.delete(save=False)
        existing = GaitSample.objects.get(institution=institution, sha256=sha256)
        return SampleCreated(existing, False)
    return SampleCreated(sample, True)


def sample_enqueue(*, sample: GaitSample, delay_seconds: float = 0) -> None:
    """Queue processing on the heavy cluster (after ``delay_seconds``: a retry's backoff)."""
    from django_q.models import Schedule
    from django_q.tasks import async_task

    if delay_seconds > 0:
        Schedule.objects.create(
            name=f"retry gait sample {sample.pk} attempt {sample.attempts + 1}",
            func="recognition.tasks.process_sample",
            args=repr((sample.pk,)),
            schedule_type=Schedule.ONCE,
            repeats=-1,
            next_run=timezone.now() + timedelta(seconds=delay_seconds),
            cluster=settings.GAIT_HEAVY_CLUSTER,
        )
        return
    async_task(
        "recognition.tasks.process_sample",
        sample.pk,
        cluster=settings.GAIT_HEAVY_CLUSTER,
        task_name=f"gait sample {sample.pk}",
    )


def sample_retry(*, sample: GaitSample) -> GaitSample:
    """Queue a failed sample again (the upload is kept for this)."""
    if sample.status != GaitSample.Status.FAILED:
        raise ValidationError({"status": ["Only a failed sample can be retried."]})
    if not sample.file and not sample.keypoints:
        raise ValidationError({"file": ["The uploaded file is no longer kept."]})
    GaitSample.objects.filter(pk=sample.pk).update(
        status=GaitSample.Status.QUEUED, error="", progress=0.0, stage=""
    )
    sample.refresh_from_db()
    transaction.on_commit(lambda: sample_enqueue(sample=sample))
    return sample


def sample_delete(*, sample: GaitSample) -> None:
    """Remove a sample with its files (its recognitions go with it; presence events stay)."""
    from recognition.models import GaitModelVersion
    from recognition.services.matching import gallery_changed

    versions = list(GaitModelVersion.objects.filter(templates__sample=sample).distinct())
    for field_file in (sample.file, sample.keypoints):
        if field_file:
            field_file.delete(save=False)
    sample.delete()
    gallery_changed(versions=versions)

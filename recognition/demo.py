"""Demo recognition: the first demo people enrolled from synthetic walks, a few clips identified.

Each enrolled demo person walks like one synthetic person (subject DEMO_SUBJECT_BASE + their
position), so `gait_demo_clip` can render a new walk of theirs for a newcomer to upload and see
recognised. Keypoint files keep seeding fast; the first person is also enrolled from rendered
videos through pose estimation (MediaPipe's tracks of a cartoon differ from keypoint files', so a
video is recognised only against video enrolments). Idempotent (a file already uploaded is the
same sample; rendering is deterministic).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.actors import Actor
from accounts.models import Institution, Membership, Person
from accounts.roles import Role
from accounts.services import person_consent_record
from accounts.tenancy import tenant_scope
from attendance.models import Camera
from recognition import services
from recognition.demo_render import render_walk_video
from recognition.gait.keypoints import write_keypoint_file
from recognition.gait.synthetic import EVAL_SUBJECT_BASE, generate_person, walk
from recognition.gait.tracks import PoseTrack
from recognition.models import GaitSample, Recognition

DEMO_SUBJECT_BASE = EVAL_SUBJECT_BASE + 700_000
DEMO_ENROLLED = 5
ENROL_WALKS = (1, 2)
PROBE_WALK = 5
# Only the first person per institution: MediaPipe's tracks of different cartoon walkers are
# alike enough that a second video-enrolled person would take the first one's clips.
VIDEO_ENROLLED = 1
VIDEO_FRAMES, VIDEO_FPS = 120, 30.0  # 4 s: the shortest random walks (2 s) are often not found
STRANGER_SUBJECT = DEMO_SUBJECT_BASE + 999
# Someone not enrolled whose walk scores between the review and accept thresholds (0.76 against
# the demo gallery with the shipped model, measured), so the review queue has a case to show.
LOOKALIKE_SUBJECT = DEMO_SUBJECT_BASE + 937


def demo_people(institution: Institution) -> list[Person]:
    """The demo people who are enrolled, in the order that gives their synthetic walker."""
    return list(Person.objects.filter(institution=institution).order_by("pk")[:DEMO_ENROLLED])


def demo_walk(subject: int, walk_seed: int, *, view: float = 90) -> PoseTrack:
    return walk(generate_person(subject), "nm", view, seed=walk_seed)


def demo_video_walk(subject: int, walk_seed: int) -> PoseTrack:
    """A walk to render: fixed length, no simulated detector noise (MediaPipe adds its own)."""
    return walk(
        generate_person(subject),
        "nm",
        90,
        seed=walk_seed,
        n_frames=VIDEO_FRAMES,
        fps=VIDEO_FPS,
        noise=False,
    )


def _keypoint_bytes(track: PoseTrack) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_keypoint_file(Path(tmp) / "walk.npz", [track], "npz").read_bytes()


def _video_bytes(track: PoseTrack) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return render_walk_video(track, Path(tmp) / "walk.mp4").read_bytes()


def _upload(institution, actor, track, *, video: bool = False, **kwargs) -> GaitSample:
    content = _video_bytes(track) if video else _keypoint_bytes(track)
    with transaction.atomic():
        made = services.sample_create(
            institution=institution,
            actor=actor,
            content=content,
            filename="walk.mp4" if video else "walk.npz",
            **kwargs,
        )
    # Seeding runs without a worker: process here (a worker finding it done does nothing).
    services.sample_process(sample_id=made.sample.pk)
    made.sample.refresh_from_db()
    return made.sample


def seed_recognition_demo(*, institution: Institution) -> dict[str, Any]:
    with tenant_scope(institution):
        registrar = Membership.objects.filter(role=Role.REGISTRAR).select_related("user").first()
        actor = Actor(
            institution=institution,
            role=Role.REGISTRAR,
            user=registrar.user if registrar else None,
        )
        people = demo_people(institution)
        for i, person in enumerate(people):
            if not person.consent_given:
                person_consent_record(person=person, given=True, actor=actor, note="demo")
            for w in ENROL_WALKS:
                _upload(
                    institution,
                    actor,
                    demo_walk(DEMO_SUBJECT_BASE + i, w),
                    purpose=GaitSample.Purpose.ENROL,
                    person=person,
                )
                if i < VIDEO_ENROLLED:
                    _upload(
                        institution,
                        actor,
                        demo_video_walk(DEMO_SUBJECT_BASE + i, w),
                        video=True,
                        purpose=GaitSample.Purpose.ENROL,
                        person=person,
                    )
        camera = Camera.objects.filter(name="Main entrance").first()
        probes = [DEMO_SUBJECT_BASE + i for i in range(min(2, len(people)))]
        probes += [STRANGER_SUBJECT, LOOKALIKE_SUBJECT]
        for subject in probes:
            _upload(
                institution,
                actor,
                demo_walk(subject, PROBE_WALK),
                purpose=GaitSample.Purpose.IDENTIFY,
                camera=camera,
            )
        version = services.model_version_active(institution=institution)
        services.calibration_recompute(version=version)
        return {
            "enrolled": len(people),
            "recognitions": {
                d: Recognition.objects.filter(decision=d).count()
                for d in ("accepted", "needs_review", "unknown")
            },
        }

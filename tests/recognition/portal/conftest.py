"""Synthetic walkers as uploads: keypoint files of people with distinct gaits."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.services import person_consent_record
from recognition.gait.keypoints import write_keypoint_file
from recognition.gait.synthetic import generate_person, walk
from tests.factories import CameraFactory, PersonFactory

SEED_BASE = 9_500_000


def walk_bytes(subject: int, walk_seed: int, *, view: float = 90, fmt: str = "npz") -> bytes:
    """A keypoint file (bytes) of one synthetic walk."""
    track = walk(generate_person(SEED_BASE + subject), "nm", view, seed=walk_seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_keypoint_file(Path(tmp) / f"walk.{fmt}", [track], fmt)
        return path.read_bytes()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def gait_site(tenant_a):
    """tenant_a with an entry camera and consenting people ready to enrol."""
    inst = tenant_a.institution
    camera = CameraFactory(institution=inst, name="Main door", role="entry")
    people = [PersonFactory(institution=inst, units=[tenant_a.unit]) for _ in range(6)]
    for person in people:
        person_consent_record(person=person, given=True, actor=None)
    return tenant_a, camera, people


def upload(content: bytes, name: str = "walk.npz"):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def now():
    return timezone.now()

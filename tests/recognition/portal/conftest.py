"""Synthetic walkers as uploads: keypoint files of people with distinct gaits."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone

from recognition.gait.keypoints import write_keypoint_file
from recognition.gait.synthetic import generate_person, walk

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
    from tests.recognition.enrolled import consenting_people, entry_camera

    return tenant_a, entry_camera(tenant_a.institution), consenting_people(tenant_a)


@pytest.fixture
def redeploy(settings, tmp_path):
    """Call to deploy a new shipped model: the shipped weights under another model version
    (so templates re-embedded with it must equal the earlier ones)."""
    from recognition.gait.checkpoint import load_checkpoint, save_checkpoint

    def deploy() -> Path:
        checkpoint = load_checkpoint(settings.GAIT_MODEL_PATH)
        checkpoint["model_version"] += "-redeployed"
        settings.GAIT_MODEL_PATH = save_checkpoint(checkpoint, tmp_path / "redeployed.pt")
        return settings.GAIT_MODEL_PATH

    return deploy


@pytest.fixture
def uploads_run_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    """What a service queues runs when its transaction commits (the sync worker), as in
    production: uploads (sample_create) and reviews (recognition_review) of this test."""
    from recognition import services

    for name in ("sample_create", "recognition_review"):
        original = getattr(services, name)

        def committed(_original=original, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return _original(**kwargs)

        monkeypatch.setattr(services, name, committed)


def upload(content: bytes, name: str = "walk.npz"):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def now():
    return timezone.now()

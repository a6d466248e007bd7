"""Shared fixtures for the gait engine tests: tiny networks and checkpoints (no database)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recognition.gait.checkpoint import build_checkpoint, save_checkpoint
from recognition.gait.network import GaitGraphNet, NetworkConfig
from recognition.gait.normalize import normalize_track, to_clips
from recognition.gait.synthetic import generate_person, walk
from recognition.gait.training import TrainConfig, fine_tune

TINY_NETWORK = NetworkConfig(
    embedding_dim=16, branch_channels=(8,), main_channels=(16, 16), main_strides=(2, 1)
)


def tiny_train_config(**changes) -> TrainConfig:
    base = dict(
        seed=0,
        steps=4,
        people=6,
        walks_per_person=2,
        refresh_every=2,
        refresh_people=3,
        batch_people=4,
        clips_per_person=2,
        clip_length=30,
        warmup_steps=1,
        threads=1,
        checkpoint_every=0,
        validation_people=0,
        network=TINY_NETWORK.to_dict(),
    )
    base.update(changes)
    return TrainConfig(**base)


def _calibrated_tiny_model() -> GaitGraphNet:
    """A random tiny network whose batch-norm statistics come from real clips.

    At initialisation (running mean 0, variance 1) a deep network maps every input to almost
    the same vector, which would make embedding tests pass or fail for the wrong reasons.
    """
    torch.manual_seed(0)
    model = GaitGraphNet(TINY_NETWORK)
    with torch.no_grad():  # trained edge weights are not left/right symmetric; make these so too
        for name, param in model.named_parameters():
            if name.endswith("importance"):
                param.mul_(1 + 0.5 * torch.randn_like(param))
    clips = np.concatenate(
        [
            to_clips(normalize_track(walk(generate_person(s), c, v, seed=0)), 60)
            for s, c, v in ((1, "nm", 90), (2, "bg", 0), (3, "cl", 45), (4, "nm", 180))
        ]
    )
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        model(torch.from_numpy(clips))
    return model.eval()


@pytest.fixture(scope="session")
def _tiny_model():
    return _calibrated_tiny_model()


@pytest.fixture
def tiny_checkpoint(tmp_path, _tiny_model):
    """A random (untrained) tiny model saved as a checkpoint with an operating threshold."""
    model = _tiny_model
    ckpt = build_checkpoint(model, threshold={"value": 0.5, "far_target": 0.01})
    return save_checkpoint(ckpt, tmp_path / "tiny.pt")


def tiny_fine_tune(base, out_path, first_subject: int = 100):
    """Fine-tune ``base`` on 3 labelled synthetic people (2 walks each) for one tiny epoch."""
    tracks = {
        f"person-{s}": [
            walk(generate_person(first_subject + s), "nm", 90, seed=w) for w in range(2)
        ]
        for s in range(3)
    }
    return fine_tune(
        base, tracks, epochs=1, seed=0, out_path=out_path,
        synthetic_people=2, batch_people=4, clips_per_person=2, threads=1, validation_people=3,
    )  # fmt: skip

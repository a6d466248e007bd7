"""Ensembles of gait networks: fused embeddings, checkpoints, threshold, fine-tuning, command."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command

from recognition.gait.checkpoint import (
    CheckpointError,
    build_checkpoint,
    ensemble_checkpoint,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
    write_summary,
)
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.network import (
    ENSEMBLE_ARCHITECTURE,
    EnsembleConfig,
    GaitGraphEnsemble,
    GaitGraphNet,
)
from recognition.gait.synthetic import generate_person, walk
from recognition.gait.training import build_ensemble, train

from .conftest import TINY_NETWORK, tiny_fine_tune, tiny_train_config


def _member(seed: int) -> GaitGraphNet:
    torch.manual_seed(seed)
    return GaitGraphNet(TINY_NETWORK).eval()


@pytest.fixture
def member_files(tmp_path, _tiny_model):
    """Two different tiny models saved as checkpoints (the calibrated one and a perturbed copy)."""
    other = GaitGraphNet(TINY_NETWORK)
    other.load_state_dict(_tiny_model.state_dict())
    with torch.no_grad():
        for param in other.parameters():
            param.add_(0.05 * torch.randn_like(param, generator=torch.Generator().manual_seed(1)))
    paths = []
    for i, model in enumerate((_tiny_model, other.eval())):
        ckpt = build_checkpoint(model, threshold={"value": 0.5, "far_target": 0.01})
        paths.append(save_checkpoint(ckpt, tmp_path / f"member{i}.pt"))
    return paths


def test_fused_embedding_is_the_weighted_concatenation_and_a_unit_vector():
    a, b = _member(0), _member(1)
    ensemble = GaitGraphEnsemble([a, b], [2.0, 1.0]).eval()
    x, y = torch.randn(3, 30, 17, 3), torch.randn(3, 30, 17, 3)
    with torch.inference_mode():
        fused_x, fused_y = ensemble(x), ensemble(y)
        expected = torch.cat([2 * a(x), b(x)], -1) / 5**0.5
        torch.testing.assert_close(fused_x, expected)
        torch.testing.assert_close(fused_x.norm(dim=1), torch.ones(3))
        # the fused cosine is the weighted mean of the members' cosines (weights w^2 / sum w^2)
        members = 4 * (a(x) * a(y)).sum(1) / 5 + (b(x) * b(y)).sum(1) / 5
        torch.testing.assert_close((fused_x * fused_y).sum(1), members)
    assert ensemble.embedding_dim == 2 * TINY_NETWORK.embedding_dim


def test_config_rejects_a_single_member_and_bad_weights():
    with pytest.raises(ValueError, match="at least two"):
        GaitGraphEnsemble([_member(0)])
    with pytest.raises(ValueError, match="positive weight"):
        GaitGraphEnsemble([_member(0), _member(1)], [1.0, 0.0])
    with pytest.raises(ValueError, match="positive weight"):
        EnsembleConfig((TINY_NETWORK, TINY_NETWORK), (1.0,))
    with pytest.raises(ValueError, match="positive weight"):
        EnsembleConfig((TINY_NETWORK, TINY_NETWORK), (1.0, float("nan")))


def test_checkpoint_round_trip_embeds_like_the_members(tmp_path, member_files):
    ckpt = ensemble_checkpoint(member_files)
    path = save_checkpoint(ckpt, tmp_path / "ensemble.pt")
    loaded = load_checkpoint(path)
    assert loaded["architecture"] == ENSEMBLE_ARCHITECTURE
    assert loaded["model_version"].startswith(ENSEMBLE_ARCHITECTURE)
    versions = [load_checkpoint(p)["model_version"] for p in member_files]
    assert [m["model_version"] for m in loaded["members"]] == versions
    assert isinstance(model_from_checkpoint(loaded), GaitGraphEnsemble)

    tracks = [walk(generate_person(s), c, v, seed=1) for s, c, v in ((3, "nm", 90), (4, "cl", 0))]
    fused = GaitEmbedder.from_checkpoint(path).embed_batch(tracks)
    assert fused.shape == (2, 2 * TINY_NETWORK.embedding_dim)
    np.testing.assert_allclose(np.linalg.norm(fused, axis=1), 1.0, atol=1e-5)
    # each half points where that member alone points (it is that member's clip mean, scaled)
    d = TINY_NETWORK.embedding_dim
    for i, member in enumerate(member_files):
        alone = GaitEmbedder.from_checkpoint(member).embed_batch(tracks)
        half = fused[:, i * d : (i + 1) * d]
        half = half / np.linalg.norm(half, axis=1, keepdims=True)
        np.testing.assert_allclose(half, alone, atol=1e-5)


def test_frozen_ensemble_matches_eager(member_files):
    ckpt = ensemble_checkpoint(member_files)
    frozen = GaitEmbedder.from_checkpoint(ckpt, frozen=True)
    eager = GaitEmbedder.from_checkpoint(ckpt, frozen=False)
    tracks = [walk(generate_person(7), "bg", 36, seed=2)]
    np.testing.assert_allclose(frozen.embed_batch(tracks), eager.embed_batch(tracks), atol=1e-5)
    assert isinstance(frozen.forward, torch.jit.ScriptModule)  # it traced and froze


def test_members_must_expect_the_same_input(tmp_path, member_files):
    other = load_checkpoint(member_files[1])
    other["input"] = dict(other["input"], clip_length=30)
    with pytest.raises(CheckpointError, match="expects other input"):
        ensemble_checkpoint([member_files[0], other])
    with pytest.raises(CheckpointError, match="at least two"):
        ensemble_checkpoint([member_files[0]])
    nested = save_checkpoint(ensemble_checkpoint(member_files), tmp_path / "nested.pt")
    with pytest.raises(CheckpointError, match="itself an ensemble"):
        ensemble_checkpoint([nested, member_files[0]])


def test_build_ensemble_chooses_its_own_threshold(tmp_path, member_files):
    path = build_ensemble(member_files, out_path=tmp_path / "e.pt", validation_people=4)
    ckpt = load_checkpoint(path)
    assert ckpt["threshold"]["far_target"] == 0.01
    assert ckpt["threshold"]["value"] != 0.5  # chosen on fused scores, not copied
    assert "validation_rank1" in ckpt["metrics"]
    summary = json.loads(write_summary(path).read_text())
    assert [m["weight"] for m in summary["members"]] == [1.0, 1.0]


def test_threshold_walks_follow_the_first_members_training_seed(tmp_path, member_files):
    first = load_checkpoint(member_files[0])
    first["training"] = {"config": {"seed": 3}, "step": 10}
    members = [first, member_files[1]]
    chosen = {
        seed: load_checkpoint(
            build_ensemble(
                members, out_path=tmp_path / f"{seed}.pt", validation_people=6, seed=seed
            )
        )["threshold"]["value"]
        for seed in (None, 3, 0)
    }
    assert chosen[None] == chosen[3] != chosen[0]


def test_an_ensemble_fine_tunes_as_one_model_and_cannot_be_resumed(tmp_path, member_files):
    base = build_ensemble(member_files, out_path=tmp_path / "e.pt", validation_people=0)
    out = tiny_fine_tune(base, tmp_path / "ft.pt", first_subject=200)
    tuned = load_checkpoint(out)
    assert tuned["architecture"] == ENSEMBLE_ARCHITECTURE
    assert tuned["parent"] == load_checkpoint(base)["model_version"]
    before = load_checkpoint(base)["model_state"]
    assert any(not torch.equal(before[k], tuned["model_state"][k]) for k in before)
    with pytest.raises(ValueError, match="no training state"):
        train(tiny_train_config(steps=6), out_path=tmp_path / "r.pt", resume=base, progress=False)


def test_ensemble_command(tmp_path, member_files):
    out = tmp_path / "combined.pt"
    stdout = StringIO()
    call_command(
        "gait_train", out=str(out), ensemble=[str(p) for p in member_files], weights="2,1",
        validation_people=4, stdout=stdout,
    )  # fmt: skip
    ckpt = load_checkpoint(out)
    assert ckpt["network"]["weights"] == [2.0, 1.0]
    assert out.with_suffix(".json").exists()
    assert ckpt["model_version"] in stdout.getvalue()
    with pytest.raises(CommandError, match="one positive weight per member"):
        call_command(
            "gait_train", out=str(out), ensemble=[str(p) for p in member_files], weights="1",
            stdout=StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="not a list of numbers"):
        call_command(
            "gait_train", out=str(out), ensemble=[str(member_files[0])], weights="a,b",
            stdout=StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="separate steps"):
        call_command(
            "gait_train", out=str(out), ensemble=[str(p) for p in member_files],
            fine_tune=str(member_files[0]), stdout=StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="no such checkpoint"):
        call_command(
            "gait_train", out=str(out), ensemble=[str(member_files[0]), str(tmp_path / "x.pt")],
            stdout=StringIO(),
        )  # fmt: skip

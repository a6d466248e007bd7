"""Embedding tracks, the mirror test-time augmentation, and cosine search."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recognition.gait.augment import mirror
from recognition.gait.checkpoint import (
    build_checkpoint,
    input_spec,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from recognition.gait.embedding import GaitEmbedder, cosine_similarity, search
from recognition.gait.preprocess import LEG_PAIRS
from recognition.gait.skeleton import JOINT_INDEX
from recognition.gait.synthetic import generate_person, walk
from recognition.gait.tracks import PoseTrack


def test_mirror_swaps_left_and_right_joints():
    rng = np.random.default_rng(0)
    clip = rng.normal(size=(10, 17, 3)).astype(np.float32)
    out = mirror(clip)
    lw, rw = JOINT_INDEX["left_wrist"], JOINT_INDEX["right_wrist"]
    np.testing.assert_allclose(out[:, lw, 0], -clip[:, rw, 0])
    np.testing.assert_allclose(out[:, lw, 1], clip[:, rw, 1])
    np.testing.assert_allclose(out[:, 0, 0], -clip[:, 0, 0])  # the nose has no mirror joint
    np.testing.assert_allclose(mirror(out), clip)


def test_tta_makes_embeddings_invariant_to_a_mirrored_walker(tiny_checkpoint):
    """Fails with GaitGraph's flip, which negates x but keeps the joint labels."""
    embedder = GaitEmbedder.from_checkpoint(tiny_checkpoint, tta=True)
    clips = embedder.clips(walk(generate_person(1), "nm", 90, seed=0))
    mirrored = np.stack([mirror(c) for c in clips])  # the same walk seen from the other side
    ours = embedder.embed_clips(clips)
    np.testing.assert_allclose(ours, embedder.embed_clips(mirrored), atol=1e-5)

    plain = GaitEmbedder.from_checkpoint(tiny_checkpoint, tta=False)

    def label_keeping_flip_tta(c):
        flipped = c.copy()
        flipped[..., 0] *= -1
        both = plain.embed_clips(c) + plain.embed_clips(flipped)
        return both / np.linalg.norm(both, axis=1, keepdims=True)

    a, b = label_keeping_flip_tta(clips), label_keeping_flip_tta(mirrored)
    assert np.abs(a - b).max() > 10 * np.abs(ours - embedder.embed_clips(mirrored)).max() + 1e-4
    assert not np.allclose(plain.embed_clips(clips), plain.embed_clips(mirrored), atol=1e-4)


def test_embed_track_is_unit_and_matches_batch(tiny_checkpoint):
    embedder = GaitEmbedder.from_checkpoint(tiny_checkpoint)
    tracks = [walk(generate_person(s), "nm", 90, seed=0) for s in (1, 2)]
    one = embedder.embed_track(tracks[0])
    assert one.shape == (embedder.embedding_dim,) and one.dtype == np.float32
    assert np.linalg.norm(one) == pytest.approx(1.0, abs=1e-5)
    batch = embedder.embed_batch(tracks)
    np.testing.assert_allclose(batch[0], one, atol=1e-5)
    assert embedder.threshold == 0.5
    assert embedder.model_version.startswith("gaitgraph2-resgcn-")


def test_embedder_matches_plain_forward_without_tta(tiny_checkpoint):
    embedder = GaitEmbedder.from_checkpoint(tiny_checkpoint, tta=False)
    model = model_from_checkpoint(load_checkpoint(tiny_checkpoint))
    clips = embedder.clips(walk(generate_person(3), "bg", 45, seed=0))
    with torch.inference_mode():
        expected = model(torch.from_numpy(clips)).numpy()
    np.testing.assert_allclose(embedder.embed_clips(clips), expected, atol=1e-5)


def test_search_returns_best_first():
    rng = np.random.default_rng(0)
    gallery = rng.normal(size=(1000, 128)).astype(np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    probe = gallery[123] + 0.01 * rng.normal(size=128)
    idx, scores = search(probe, gallery, k=5)
    assert idx[0] == 123
    expected = np.argsort(-(gallery @ (probe / np.linalg.norm(probe))))[:5]
    np.testing.assert_array_equal(idx, expected)
    assert np.all(np.diff(scores) <= 0)
    idx_all, _ = search(probe, gallery[:3], k=10)
    assert len(idx_all) == 3
    assert search(probe, np.zeros((0, 128), np.float32), k=3)[0].size == 0


def test_cosine_similarity():
    a = np.array([1.0, 0.0])
    b = np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0]])
    np.testing.assert_allclose(cosine_similarity(a, b), [1.0, 0.0, -1.0], atol=1e-6)


def _legs_swapped_in_a_few_frames(track):
    kp = track.keypoints.copy()
    frames = np.arange(5, len(kp), 15)
    for a, b in LEG_PAIRS:
        kp[frames, a], kp[frames, b] = track.keypoints[frames, b], track.keypoints[frames, a]
    return PoseTrack(kp, track.frame_indices, track.fps)


def test_leg_swap_repair_follows_the_checkpoint_input_spec(tmp_path, _tiny_model):
    """New checkpoints ask for the repair; an older one (no flag) is fed as it was trained."""
    new = load_checkpoint(_tiny_checkpoint_fed(tmp_path, _tiny_model, repair=True))
    old = load_checkpoint(_tiny_checkpoint_fed(tmp_path, _tiny_model, repair=None))
    assert new["input"]["leg_swap_repair"] is True and "leg_swap_repair" not in old["input"]
    # the same weights fed differently give other embeddings, so another version
    assert new["model_version"] != old["model_version"]
    track = walk(generate_person(4), "nm", 90, seed=2, noise=False)
    swapped = _legs_swapped_in_a_few_frames(track)
    repairing, plain = GaitEmbedder.from_checkpoint(new), GaitEmbedder.from_checkpoint(old)
    assert repairing.leg_swap_repair and not plain.leg_swap_repair
    np.testing.assert_allclose(repairing.clips(swapped), repairing.clips(track), atol=1e-5)
    assert np.abs(plain.clips(swapped) - plain.clips(track)).max() > 0.05


def _tiny_checkpoint_fed(tmp_path, model, *, repair):
    spec = input_spec()
    if repair is None:
        del spec["leg_swap_repair"]
    ckpt = build_checkpoint(model, input=spec, threshold={"value": 0.5, "far_target": 0.01})
    return save_checkpoint(ckpt, tmp_path / f"tiny-{repair}.pt")


def test_frozen_inference_gives_the_eager_embeddings(tiny_checkpoint):
    frozen = GaitEmbedder.from_checkpoint(tiny_checkpoint)
    eager = GaitEmbedder.from_checkpoint(tiny_checkpoint, frozen=False)
    tracks = [walk(generate_person(s), "nm", 30.0 * s, seed=s) for s in range(1, 5)]
    np.testing.assert_allclose(frozen.embed_batch(tracks), eager.embed_batch(tracks), atol=1e-5)
    assert isinstance(frozen.forward, torch.jit.ScriptModule)  # the frozen graph really ran
    assert eager.forward is eager.model
    # other batch sizes (1 clip, more than max_batch) and clip lengths run through the same graph
    clips = np.concatenate([frozen.clips(t) for t in tracks] * 20)
    assert len(clips) > frozen.max_batch
    np.testing.assert_allclose(frozen.embed_clips(clips), eager.embed_clips(clips), atol=1e-5)
    np.testing.assert_allclose(
        frozen.embed_clips(clips[:1]), eager.embed_clips(clips[:1]), atol=1e-5
    )
    longer = clips[:3, :45].repeat(2, axis=1)
    np.testing.assert_allclose(frozen.embed_clips(longer), eager.embed_clips(longer), atol=1e-5)


class _NotTraceable(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner, self.config = inner, inner.config

    def forward(self, x):
        if torch.jit.is_tracing():
            raise RuntimeError("this network cannot be traced")
        return self.inner(x)


def test_a_network_that_does_not_trace_runs_eagerly(tiny_checkpoint, caplog):
    ckpt = load_checkpoint(tiny_checkpoint)
    model = _NotTraceable(model_from_checkpoint(ckpt))
    embedder = GaitEmbedder(model, input_spec=ckpt["input"])
    emb = embedder.embed_track(walk(generate_person(1), "nm", 90, seed=0))
    assert embedder.forward is model
    assert "runs eagerly" in caplog.text
    np.testing.assert_allclose(np.linalg.norm(emb), 1.0, atol=1e-5)

"""Real 3D walks through virtual door cameras, and the hand-crafted gait features.

The real-walks data is licensed and never needed here: the tests write a small file of the same
layout from the synthetic walker's 3D skeletons.
"""

from __future__ import annotations

import numpy as np
import pytest

from recognition.gait import handcrafted
from recognition.gait.realwalks import (
    RealWalk,
    gallery_and_probes,
    load_real_walks,
    project_walk,
    split_subjects,
    to_walker_frame,
)
from recognition.gait.synthetic import generate_person
from recognition.gait.synthetic.kinematics import skeleton_3d
from recognition.gait.tracks import PoseTrack


def _walk_3d(seed: int, n: int = 90) -> np.ndarray:
    """A synthetic 3D walk in the walker frame (x forward), starting at the origin."""
    joints = skeleton_3d(generate_person(seed), n, 30.0, np.random.default_rng(seed))
    start = joints[0, 11:13].mean(0)
    return joints - np.array([start[0], 0.0, start[2]])


def _to_real_frame(joints: np.ndarray) -> np.ndarray:
    """Inverse of to_walker_frame: x left, y up, z forward."""
    return np.stack([-joints[..., 2], joints[..., 1], joints[..., 0]], -1)


def _write_set(path, walks: list[tuple[str, str, str, str, np.ndarray]]) -> None:
    lengths = [len(w[4]) for w in walks]
    np.savez_compressed(
        path,
        joints=np.concatenate([w[4] for w in walks]).astype(np.float32),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        subject=np.array([w[0] for w in walks]),
        trial=np.array([w[1] for w in walks]),
        walk_id=np.array([w[2] for w in walks]),
        source=np.array(["test"] * len(walks)),
        condition=np.array([w[3] for w in walks]),
        fps=np.full(len(walks), 30.0, dtype=np.float32),
        n_frames=np.array(lengths),
    )


def test_frames_round_trip():
    joints = _walk_3d(1)
    np.testing.assert_allclose(to_walker_frame(_to_real_frame(joints)), joints, atol=1e-9)


def test_load_keeps_one_file_per_physical_walk(tmp_path):
    a, b = _walk_3d(1), _walk_3d(2)
    _write_set(
        tmp_path / "walks.npz",
        [
            ("kook_h01", "kook_h01_n01_k1", "kook_h01_n01", "normal", _to_real_frame(a[:60])),
            ("kook_h01", "kook_h01_n01_k2", "kook_h01_n01", "normal", _to_real_frame(a)),
            ("ucal_s01", "ucal_s01_run3_AR", "ucal_s01_run3_AR", "abnormal_right_leg",
             _to_real_frame(b)),
        ],
    )  # fmt: skip
    walks = load_real_walks(tmp_path)
    assert [w.trial for w in walks] == ["kook_h01_n01_k2", "ucal_s01_run3_AR"]  # the longer file
    assert walks[1].condition == "limp"
    np.testing.assert_allclose(walks[0].joints, a, atol=1e-5)
    assert len(load_real_walks(tmp_path / "walks.npz", one_per_walk=False)) == 3
    with pytest.raises(FileNotFoundError):
        load_real_walks(tmp_path / "absent")


def test_split_alternates_people_within_each_source():
    people = [f"ucal_s{i:02d}" for i in range(1, 7)] + [f"kook_h{i:02d}" for i in range(1, 5)]
    fit, evaluate = split_subjects(people[::-1])
    assert fit == ["kook_h01", "kook_h03", "ucal_s01", "ucal_s03", "ucal_s05"]
    assert evaluate == ["kook_h02", "kook_h04", "ucal_s02", "ucal_s04", "ucal_s06"]


def test_gallery_is_each_persons_first_normal_walk():
    def w(subject, trial, condition):
        return RealWalk(subject, trial, trial, "test", condition, 30.0, np.zeros((1, 17, 3)))

    walks = [
        w("a", "a1", "limp"), w("a", "a2", "normal"), w("a", "a3", "normal"),
        w("b", "b1", "normal"), w("c", "c1", "limp"),
    ]  # fmt: skip
    gallery, probes = gallery_and_probes(walks)
    assert gallery == [1, 3]
    assert probes == [0, 2]  # c has no normal walk: no gallery, so no probes either
    # a site enrols with two walks where a person has them (b has one)
    assert gallery_and_probes(walks, per_person=2) == ([1, 2, 3], [0])


@pytest.mark.parametrize("view", [90.0, 45.0, 0.0])
def test_projection_sees_the_person_at_the_distance_asked(view):
    joints = _walk_3d(3)
    near = project_walk(joints, view, distance=3.0, noise=False, view_jitter=0.0)
    far = project_walk(joints, view, distance=8.0, noise=False, view_jitter=0.0)
    assert isinstance(near, PoseTrack) and near.image_size == (1280, 720)

    def height(track):
        kp = track.keypoints
        seen = kp[..., 2] > 0
        return np.median([np.ptp(f[s, 1]) for f, s in zip(kp, seen, strict=True) if s.sum() > 8])

    # apparent size falls with distance (the frontal camera backs off to keep 2 m clearance)
    assert height(near) > 1.8 * height(far)
    x = far.keypoints[:, 11:13, 0].mean(1)
    if view == 90.0:  # a side camera seeing the left side: the walker crosses the image
        assert np.ptp(x) > 100
    if view == 0.0:  # walking towards the camera: little lateral motion, growing
        assert np.ptp(x) < 60


def test_projection_is_deterministic_and_noisy():
    joints = _walk_3d(4)
    a = project_walk(joints, 90.0, seed=1)
    b = project_walk(joints, 90.0, seed=1)
    c = project_walk(joints, 90.0, seed=2)
    clean = project_walk(joints, 90.0, seed=1, noise=False)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    assert not np.array_equal(a.keypoints, c.keypoints)
    seen = a.keypoints[..., 2] > 0
    err = np.abs(a.keypoints[..., :2] - clean.keypoints[..., :2])[seen]
    assert 0.1 < np.median(err) < 10  # pixels: a detector's jitter, not a different person


def test_handcrafted_features_ignore_walking_direction_and_distance():
    joints = _walk_3d(5)
    right = project_walk(joints, 90.0, distance=5.0, noise=False, view_jitter=0.0)
    left = project_walk(joints, 270.0, distance=5.0, noise=False, view_jitter=0.0)
    far = project_walk(joints, 90.0, distance=8.0, noise=False, view_jitter=0.0)
    f_right, f_left, f_far = (handcrafted.features(t) for t in (right, left, far))
    assert f_right.shape == (handcrafted.FEATURE_DIM,)
    other = handcrafted.features(
        project_walk(_walk_3d(6), 90.0, distance=5.0, noise=False, view_jitter=0.0)
    )
    same = max(np.abs(f_right - f_left).mean(), np.abs(f_right - f_far).mean())
    assert same < 0.5 * np.abs(f_right - other).mean()


def test_fuse_mixes_cosines_by_weight():
    rng = np.random.default_rng(0)
    emb, feats = rng.normal(size=(4, 8)), rng.normal(size=(4, 5))
    fused = handcrafted.fuse(emb, feats, 0.3)
    e, f = handcrafted.unit_rows(emb), handcrafted.unit_rows(feats)
    np.testing.assert_allclose(fused @ fused.T, 0.7 * (e @ e.T) + 0.3 * (f @ f.T), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(fused, axis=1), 1.0, atol=1e-5)
    z = handcrafted.Standardizer.fit(feats)
    np.testing.assert_allclose(z(feats).mean(0), 0.0, atol=1e-5)
    assert handcrafted.Standardizer.from_dict(z.to_dict()).std.tolist() == z.std.tolist()


def test_real_fit_population_changes_people_and_their_walks_only_when_asked():
    from recognition.gait.synthetic import walk
    from recognition.gait.synthetic.person import DEFAULT_SPREADS, population

    fitted = population("real-fit")
    assert population("default") == DEFAULT_SPREADS
    assert set(DEFAULT_SPREADS) <= set(fitted) and "walk_stride_sd" in fitted
    with pytest.raises(ValueError, match="unknown population"):
        population("martian")
    plain, real = generate_person(5), generate_person(5, fitted)
    # as a training config's [walker] table names it
    named = generate_person(5, population="real-fit")
    assert (named.stride_hz, named.extras) == (real.stride_hz, real.extras)
    assert plain.extras == {} and real.extras["walk"]["walk_scale_sd"] == fitted["walk_scale_sd"]
    assert generate_person(5, DEFAULT_SPREADS).stature == plain.stature  # same draws, same seed
    track = walk(real, "nm", 90, seed=1)
    assert len(track) > 0 and np.isfinite(track.keypoints).all()
    cadence = np.std([generate_person(s, fitted).stride_hz for s in range(200)])
    assert 0.04 < cadence < 0.12

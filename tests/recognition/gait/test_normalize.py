"""Normalisation: invariance to position and scale, repair of missing joints, windowing."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.gait.normalize import (
    body_height,
    fill_missing,
    normalize_pose,
    normalize_track,
    resample,
    to_clips,
)
from recognition.gait.skeleton import FLIP_INDEX, JOINT_INDEX
from recognition.gait.synthetic import generate_person, walk


@pytest.fixture(scope="module")
def keypoints():
    return walk(generate_person(3), "nm", 60, seed=1, noise=False, n_frames=80).keypoints


def test_invariant_to_translation_and_scale(keypoints):
    base = normalize_pose(keypoints)
    moved = keypoints.copy()
    moved[..., :2] = moved[..., :2] * 2.7 + np.array([123.0, -45.0])
    np.testing.assert_allclose(normalize_pose(moved)[..., :2], base[..., :2], atol=1e-4)


def test_neck_at_origin_and_unit_height(keypoints):
    out = normalize_pose(keypoints, smooth=1)
    neck = out[:, [JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"]], :2].mean(1)
    np.testing.assert_allclose(neck, 0.0, atol=1e-5)
    np.testing.assert_allclose(body_height(out), 1.0, atol=1e-4)


def test_camera_distance_does_not_matter():
    person = generate_person(5)
    near = walk(person, "nm", 90, seed=2, noise=False, n_frames=60, fps=25, distance=4.0)
    far = walk(person, "nm", 90, seed=2, noise=False, n_frames=60, fps=25, distance=9.0)
    a, b = normalize_track(near), normalize_track(far)
    # perspective differs a little between 4 m and 9 m; the figure must not
    assert np.abs(a[..., :2] - b[..., :2]).mean() < 0.03


def test_fill_missing_interpolates_in_time():
    kp = np.zeros((5, 17, 3), np.float32)
    kp[..., 2] = 1.0
    kp[:, :, 0] = np.arange(5)[:, None] * 10.0
    kp[2, 9, :] = 0.0  # left wrist lost in the middle frame
    out = fill_missing(kp)
    assert out[2, 9, 0] == pytest.approx(20.0)
    assert out[2, 9, 2] == 0.0


def test_fill_missing_uses_mirror_joint_when_never_seen():
    kp = np.random.default_rng(0).random((6, 17, 3)).astype(np.float32) + 1
    kp[..., 2] = 1.0
    j = JOINT_INDEX["left_ankle"]
    kp[:, j, 2] = 0.0
    out = fill_missing(kp)
    np.testing.assert_allclose(out[:, j, :2], kp[:, FLIP_INDEX[j], :2])


def test_resample_changes_frame_rate_and_fills_gaps():
    kp = np.zeros((31, 17, 3), np.float32)
    kp[:, :, 0] = np.arange(31)[:, None]  # x = source frame number at 30 fps
    kp[..., 2] = 1
    out = resample(kp, np.arange(31), 30.0, 25.0)
    assert len(out) == 26  # one second at 25 fps, both ends included
    np.testing.assert_allclose(out[:, 0, 0], np.arange(26) * 30 / 25, atol=1e-4)
    gappy = resample(kp[[0, 1, 5, 6]], np.array([0, 1, 5, 6]), 25.0, 25.0)
    np.testing.assert_allclose(gappy[:, 0, 0], [0, 1, 2, 3, 4, 5, 6])


def test_to_clips_windows_and_loops():
    seq = np.arange(100)[:, None, None] * np.ones((1, 17, 3))
    clips = to_clips(seq, 60, 30)
    assert clips.shape == (3, 60, 17, 3)
    assert clips[0, 0, 0, 0] == 0 and clips[-1, -1, 0, 0] == 99  # last window at the end
    short = to_clips(seq[:25], 60)
    assert short.shape == (1, 60, 17, 3)
    assert short[0, 25, 0, 0] == 0  # looped


def test_normalize_track_handles_dropouts_and_frame_rates():
    track = walk(generate_person(6), "cl", 30, seed=4, fps=30)
    seq = normalize_track(track)
    assert np.isfinite(seq).all()
    expected = int((track.frame_indices[-1] - track.frame_indices[0]) / 30 * 25) + 1
    assert len(seq) == expected

"""Gap filling, smoothing, resampling and walking direction on synthetic walkers."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.gait.pose import resample_track
from recognition.gait.preprocess import (
    LEG_PAIRS,
    Direction,
    fill_gaps,
    leg_motion,
    repair_leg_swaps,
    smooth,
    walking_direction,
)
from recognition.gait.synthetic import generate_person, walk
from recognition.gait.tracks import PoseTrack
from tests.recognition.gait.perception_helpers import IMAGE_SIZE, standing_still, walker_track


def linear_motion(n: int = 20, fps: float = 25.0) -> PoseTrack:
    """Every joint moves 3 px right per frame: resampling must reproduce it exactly."""
    kp = np.zeros((n, 17, 3), np.float32)
    kp[:, :, 0] = 3.0 * np.arange(n)[:, None] + np.arange(17)
    kp[:, :, 1] = 100.0 + np.arange(17)
    kp[:, :, 2] = 0.8
    return PoseTrack(kp, np.arange(n), fps)


def test_fill_gaps_interpolates_short_gaps_only():
    kp = linear_motion(30).keypoints
    holed = kp.copy()
    holed[5:8, 3, 2] = 0.0  # 3 frames: filled
    holed[12:22, 4, 2] = 0.0  # 10 frames: left alone
    holed[0:2, 5, 2] = 0.0  # at the start: nothing to interpolate from
    filled = fill_gaps(holed, max_gap=4)
    np.testing.assert_allclose(filled[5:8, 3, :2], kp[5:8, 3, :2], atol=1e-4)
    assert (filled[5:8, 3, 2] == 0.8).all()
    assert (filled[12:22, 4, 2] == 0).all() and (filled[0:2, 5, 2] == 0).all()
    assert (holed[5:8, 3, 2] == 0).all()  # input untouched


def test_smooth_reduces_jitter_but_not_across_missing_frames():
    clean = walker_track(n_frames=60).keypoints
    clean[..., 2] = 0.9
    noisy = clean.copy()
    noisy[..., :2] += np.random.default_rng(1).normal(0, 3, noisy[..., :2].shape)
    noisy[30:33, 9, 2] = 0.0
    noisy[30:33, 9, :2] = 0.0  # undetected: coordinates are meaningless zeros
    out = smooth(noisy, window=7)
    ok = noisy[..., 2] > 0
    error_before = np.abs(noisy[..., :2] - clean[..., :2])[ok].mean()
    error_after = np.abs(out[..., :2] - clean[..., :2])[ok].mean()
    assert error_after < 0.7 * error_before
    assert (out[30:33, 9] == noisy[30:33, 9]).all()
    # the zeros did not leak into the neighbouring frames
    assert np.abs(out[27:30, 9, :2] - clean[27:30, 9, :2]).max() < 15
    with pytest.raises(ValueError):
        smooth(noisy, window=4)


@pytest.mark.parametrize(
    ("start", "heading", "expected"),
    [
        ((-2.5, 0, 6), (1, 0, 0), Direction.LEFT_TO_RIGHT),
        ((2.5, 0, 6), (-1, 0, 0), Direction.RIGHT_TO_LEFT),
        ((0.8, 0, 9), (0, 0, -1), Direction.TOWARD),
        ((-0.8, 0, 3), (0, 0, 1), Direction.AWAY),
        # off to the side and slanted: the pixel drift must not read as crossing
        ((1.5, 0, 9), (-0.25, 0, -1), Direction.TOWARD),
        ((-1.5, 0, 3.5), (0.2, 0, 1), Direction.AWAY),
        ((-3.0, 0, 8), (1, 0, -0.3), Direction.LEFT_TO_RIGHT),
    ],
)
def test_walking_direction(start, heading, expected):
    track = walker_track(start=start, heading=heading, n_frames=100, noise_px=2.0)
    assert walking_direction(track) is expected


def test_walking_direction_ignores_outliers_and_low_confidence_frames():
    track = walker_track(start=(2.5, 0, 6), heading=(-1, 0, 0), n_frames=100, noise_px=2.0)
    rng = np.random.default_rng(3)
    wild = rng.choice(100, 12, replace=False)
    track.keypoints[wild, :, 0] = rng.uniform(0, IMAGE_SIZE[0], (12, 1))  # 12 bad detections
    track.keypoints[80:, 11:13, 2] = 0.1  # hips unsure at the end
    assert walking_direction(track) is Direction.RIGHT_TO_LEFT


def test_walking_direction_unknown_when_standing_or_too_little_data():
    standing = walker_track(n_frames=80, noise_px=0.0)
    rng = np.random.default_rng(2)
    standing.keypoints[..., :2] = standing.keypoints[:1, :, :2] + rng.normal(0, 2, (80, 17, 2))
    assert walking_direction(standing) is Direction.UNKNOWN
    assert walking_direction(walker_track(n_frames=2)) is Direction.UNKNOWN
    no_hips = walker_track(n_frames=50)
    no_hips.keypoints[:, 11:13, 2] = 0
    assert walking_direction(no_hips) is Direction.UNKNOWN


@pytest.mark.parametrize("source_fps", [10.0, 30.0, 60.0])
def test_resample_reproduces_linear_motion(source_fps):
    track = linear_motion(n=31, fps=source_fps)
    out = resample_track(track, 25.0)
    assert out.fps == 25.0 and out.meta["source_fps"] == source_fps
    duration = 30 / source_fps
    assert len(out) == int(np.floor(duration * 25 + 1e-6)) + 1
    t = out.frame_indices / 25.0
    expected_x = 3.0 * t * source_fps  # joint 0
    np.testing.assert_allclose(out.keypoints[:, 0, 0], expected_x, atol=1e-3)
    np.testing.assert_allclose(out.keypoints[:, :, 2], 0.8, atol=1e-6)


def test_resample_leaves_long_gaps_missing_and_bridges_short_ones():
    track = linear_motion(n=50, fps=25.0)
    track.keypoints[10:13, 2, 2] = 0  # 3 missing frames: 0.16 s between detections
    track.keypoints[20:40, 3, 2] = 0  # 20 missing frames: 0.84 s
    out = resample_track(track, 25.0, max_gap_s=0.25)
    assert (out.keypoints[10:13, 2, 2] > 0).all()
    np.testing.assert_allclose(out.keypoints[10:13, 2, 0], 3.0 * np.arange(10, 13) + 2, atol=1e-4)
    assert (out.keypoints[20:40, 3] == 0).all()
    assert out.keypoints[19, 3, 2] > 0 and out.keypoints[40, 3, 2] > 0


def test_resample_keeps_time_origin_and_handles_gappy_indices():
    track = walker_track(n_frames=10, fps=50.0, first_frame=100)  # starts at 2 s
    out = resample_track(track, 25.0)
    assert out.frame_indices[0] == 50 and out.frame_indices[-1] == 54
    np.testing.assert_allclose(out.keypoints[0], track.keypoints[0], atol=1e-5)
    empty = resample_track(PoseTrack(np.zeros((0, 17, 3)), np.zeros(0), 30.0), 25.0)
    assert len(empty) == 0 and empty.fps == 25.0


def _swap_legs(keypoints: np.ndarray, frames: np.ndarray) -> np.ndarray:
    out = keypoints.copy()
    for a, b in LEG_PAIRS:
        out[frames, a], out[frames, b] = keypoints[frames, b], keypoints[frames, a]
    return out


def _wrong_frames(keypoints: np.ndarray, truth: np.ndarray) -> int:
    """Frames whose ankles sit closer to the other ankle's true position than to their own."""
    la, ra = LEG_PAIRS[1]
    own = np.linalg.norm(keypoints[:, [la, ra], :2] - truth[:, [la, ra], :2], axis=-1).sum(1)
    other = np.linalg.norm(keypoints[:, [la, ra], :2] - truth[:, [ra, la], :2], axis=-1).sum(1)
    return int((other < own).sum())


@pytest.mark.parametrize("view", [90, 54, 0])
def test_repair_leg_swaps_undoes_brief_swaps(view):
    rng = np.random.default_rng(view)
    truth = walk(generate_person(3), "nm", view, seed=1, noise=False).keypoints
    truth[..., 2] = rng.uniform(0.5, 1.0, truth.shape[:2])
    jittery = truth.copy()
    height = np.median(np.linalg.norm(truth[:, 5, :2] - truth[:, 15, :2], axis=-1))
    jittery[..., :2] += rng.normal(0, 0.01 * height, truth[..., :2].shape)  # detector jitter
    swapped = np.zeros(len(truth), bool)
    # runs of 1-3 frames, about 10 % of the walk (MediaPipe: 3-9 % on real side views)
    for start in rng.choice(np.arange(2, len(truth) - 4, 12), 3, replace=False):
        swapped[start : start + rng.integers(1, 4)] = True
    seen = _swap_legs(jittery, swapped)
    before = _wrong_frames(seen, truth)
    assert before >= 3  # the swaps are visible (legs apart in those frames)
    repaired = repair_leg_swaps(seen, fps=25.0)
    assert _wrong_frames(repaired, truth) <= max(1, before // 3)
    ankles = list(LEG_PAIRS[1])

    def ankle_error(kp):
        return np.linalg.norm(kp[:, ankles, :2] - truth[:, ankles, :2], axis=-1).mean()

    # most of the error the swaps added on top of the jitter is gone
    excess_before = ankle_error(seen) - ankle_error(jittery)
    assert ankle_error(repaired) - ankle_error(jittery) < 0.3 * excess_before
    # a repaired frame exchanges whole joints (position and confidence); the input is untouched
    la, ra = LEG_PAIRS[1]
    moved = (repaired[:, la] != seen[:, la]).any(1)
    assert moved.any()
    np.testing.assert_array_equal(repaired[moved, la], seen[moved, ra])
    np.testing.assert_array_equal(seen, _swap_legs(jittery, swapped))
    # a walk without swaps keeps (almost) all its labels
    assert _wrong_frames(repair_leg_swaps(jittery, fps=25.0), truth) <= 2


def test_repair_leg_swaps_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="keypoints must be"):
        repair_leg_swaps(np.zeros((10, 17)), fps=25.0)
    short = np.random.default_rng(0).normal(size=(2, 17, 3)).astype(np.float32)
    np.testing.assert_array_equal(repair_leg_swaps(short, fps=25.0), short)  # too short to judge


@pytest.mark.parametrize("view", [30.0, 60.0, 120.0, 150.0])
def test_leg_motion_tells_walking_from_standing(view):
    for subject in range(3):
        walking = walk(generate_person(subject), "nm", view, seed=subject + 1)
        for jitter in (1.5, 3.0):
            still = standing_still(walking, frame=10 * subject, seed=subject, jitter_px=jitter)
            assert leg_motion(walking) > 1.25 > leg_motion(still), (view, subject, jitter)
            assert walking_direction(still) is Direction.UNKNOWN
    hidden_feet = walk(generate_person(5), "nm", view, seed=2)
    hidden_feet.keypoints[:, 15:17, 2] = 0.0
    assert leg_motion(hidden_feet) is None  # cannot tell: the caller keeps the walker

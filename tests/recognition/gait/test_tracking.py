"""Associating detections across frames, and picking the walker a clip is about."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.gait.errors import NoPersonFoundError
from recognition.gait.tracking import main_walker, object_keypoint_similarity, track_detections
from recognition.gait.tracks import PoseTrack
from tests.recognition.gait.perception_helpers import walker_track


def frames_of(*tracks: PoseTrack, n_frames: int, drop=()) -> list[list[np.ndarray]]:
    """Per-frame detection lists (shuffled order) from ground-truth tracks."""
    rng = np.random.default_rng(0)
    per_frame: list[list[np.ndarray]] = [[] for _ in range(n_frames)]
    for track in tracks:
        for frame, kp in zip(track.frame_indices, track.keypoints, strict=True):
            if (track.track_id, int(frame)) not in drop:
                per_frame[frame].append(kp)
    for detections in per_frame:
        rng.shuffle(detections)
    return per_frame


def identity_of(track: PoseTrack, truths: list[PoseTrack]) -> set[int]:
    """Which ground-truth walkers a track's detections came from."""
    found = set()
    for frame, kp in zip(track.frame_indices, track.keypoints, strict=True):
        for truth in truths:
            rows = np.flatnonzero(truth.frame_indices == frame)
            if len(rows) and np.allclose(truth.keypoints[rows[0]], kp):
                found.add(truth.track_id)
    return found


def test_two_walkers_crossing_each_other_keep_their_identity():
    # one walks left to right near the camera, the other right to left further away:
    # their boxes overlap in the middle frames
    a = walker_track(start=(-2.0, 0, 5.0), heading=(1, 0, 0), n_frames=60, track_id=0)
    b = walker_track(start=(2.0, 0, 6.5), heading=(-1, 0, 0), n_frames=60, track_id=1)
    tracks = track_detections(frames_of(a, b, n_frames=60), fps=25.0)
    assert len(tracks) == 2
    assert sorted(len(t) for t in tracks) == [60, 60]
    assert sorted(identity_of(t, [a, b]).pop() for t in tracks) == [0, 1]
    assert all(len(identity_of(t, [a, b])) == 1 for t in tracks)


def test_a_short_gap_is_bridged_and_a_long_one_splits_the_track():
    walker = walker_track(n_frames=50, noise_px=1.0)
    short = {(0, f) for f in range(20, 26)}  # 6 frames missing < half a second at 25 fps
    (track,) = track_detections(frames_of(walker, n_frames=50, drop=short), fps=25.0)
    assert len(track) == 44
    assert 19 in track.frame_indices and 26 in track.frame_indices
    long = {(0, f) for f in range(15, 35)}  # 20 frames missing
    tracks = track_detections(frames_of(walker, n_frames=50, drop=long), fps=25.0)
    assert [len(t) for t in tracks] == [15, 15]
    assert len(track_detections(frames_of(walker, n_frames=50, drop=long), 25.0, max_gap=25)) == 1


def test_very_short_tracks_and_weak_detections_are_dropped():
    walker = walker_track(n_frames=40)
    per_frame = frames_of(walker, n_frames=40)
    ghost = walker_track(start=(3.0, 0, 4.0), n_frames=3).keypoints  # a 3-frame false positive
    for i in range(3):
        per_frame[10 + i].append(ghost[i])
    weak = walker.keypoints[0].copy()
    weak[:, 2] = 0.05  # nothing confident
    per_frame[30].append(weak + np.array([300, 0, 0], np.float32))
    tracks = track_detections(per_frame, fps=25.0)
    assert len(tracks) == 1 and len(tracks[0]) == 40
    assert len(track_detections(per_frame, fps=25.0, min_length=1)) == 2


def test_duplicate_detections_of_one_person_are_merged():
    walker = walker_track(n_frames=20)
    per_frame = frames_of(walker, n_frames=20)
    for detections in per_frame:
        twin = detections[0].copy()
        twin[:, :2] += 0.5
        twin[:, 2] *= 0.9
        detections.append(twin)
    (track,) = track_detections(per_frame, fps=25.0)
    np.testing.assert_array_equal(track.keypoints, walker.keypoints)


def test_tracks_carry_fps_image_size_and_frame_numbers():
    walker = walker_track(n_frames=10)
    tracks = track_detections(
        frames_of(walker, n_frames=10), 30.0, frame_indices=range(100, 110), image_size=(64, 48)
    )
    assert tracks[0].fps == 30.0 and tracks[0].image_size == (64, 48)
    assert tracks[0].frame_indices.tolist() == list(range(100, 110))
    assert track_detections([[], [], []], 25.0) == []


def test_oks_is_one_for_the_same_pose_and_falls_with_distance():
    kp = walker_track(n_frames=1).keypoints[0]
    assert object_keypoint_similarity(kp, kp) == pytest.approx(1.0)
    moved = kp.copy()
    moved[:, 0] += 20
    assert 0 < object_keypoint_similarity(kp, moved) < 0.5


def test_main_walker_is_the_longest_well_detected_track():
    long_faint = walker_track(n_frames=60, track_id=0)
    long_faint.keypoints[..., 2] = 0.1
    walker = walker_track(n_frames=40, track_id=1)
    passer = walker_track(n_frames=15, track_id=2)
    assert main_walker([long_faint, passer, walker]).track_id == 1
    with pytest.raises(NoPersonFoundError):
        main_walker([])
    with pytest.raises(NoPersonFoundError):
        main_walker([long_faint])

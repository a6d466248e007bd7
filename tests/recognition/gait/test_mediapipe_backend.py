"""The MediaPipe backend on videos of rendered cartoon people (no recording needed)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from recognition.gait.errors import NoPersonFoundError
from recognition.gait.extraction import load_tracks
from recognition.gait.pose import PoseBackend, get_backend
from recognition.gait.pose.mediapipe_backend import pose_landmarker_bundle
from recognition.gait.preprocess import Direction, walking_direction
from recognition.gait.skeleton import JOINT_INDEX
from recognition.gait.tracking import main_walker
from tests.recognition.gait.perception_helpers import render_video

HEIGHT_PX = 170  # drawn person height in a 320x240 frame


def crossing(i):  # one person walking left to right
    return [(60 + 6 * i, 30, HEIGHT_PX, np.sin(i / 2))]


@pytest.fixture(scope="module")
def backend():
    pose = get_backend("mediapipe", max_people=2)
    yield pose
    pose.close()


@pytest.fixture(scope="module")
def crossing_video(tmp_path_factory):
    return render_video(tmp_path_factory.mktemp("v") / "walk.avi", crossing, n_frames=30)


def test_bundle_is_built_from_the_wheel_models():
    with zipfile.ZipFile(io.BytesIO(pose_landmarker_bundle())) as bundle:
        assert sorted(bundle.namelist()) == [
            "pose_detector.tflite",
            "pose_landmarks_detector.tflite",
        ]


def test_a_rendered_person_is_found_where_it_was_drawn(backend, crossing_video):
    tracks = backend.process_video(crossing_video)
    assert isinstance(backend, PoseBackend) and backend.name == "mediapipe"
    assert len(tracks) == 1
    (track,) = tracks
    assert len(track) >= 28 and track.fps == pytest.approx(15.0)
    assert track.image_size == (320, 240)
    assert track.meta["backend"] == "mediapipe"
    s = HEIGHT_PX / 8  # head height of the drawing
    for row, frame in zip(track.keypoints, track.frame_indices, strict=True):
        cx = crossing(frame)[0][0]
        nose, ankle = row[JOINT_INDEX["nose"]], row[JOINT_INDEX["left_ankle"]]
        assert abs(nose[0] - cx) < s and abs(nose[1] - (30 + 0.55 * s)) < s
        assert nose[2] > 0.8
        assert abs(ankle[1] - (30 + 7.8 * s)) < 1.5 * s
        # the drawing faces the camera: its left side is on the image's right
        assert row[JOINT_INDEX["left_shoulder"], 0] > row[JOINT_INDEX["right_shoulder"], 0]
    assert walking_direction(track) is Direction.LEFT_TO_RIGHT


def test_two_people_give_two_tracks(backend, tmp_path):
    def two(i):
        return [(70 + 2 * i, 30, HEIGHT_PX, np.sin(i / 2)), (250 - 2 * i, 40, 160, np.cos(i / 2))]

    tracks = backend.process_video(render_video(tmp_path / "two.avi", two, n_frames=24))
    assert len(tracks) == 2
    starts = sorted(float(np.median(t.keypoints[:3, 0, 0])) for t in tracks)
    assert starts[0] == pytest.approx(70, abs=15) and starts[1] == pytest.approx(250, abs=15)
    assert all(len(t) >= 20 for t in tracks)


def test_a_second_person_coming_into_view_is_found_within_a_few_frames(backend, tmp_path):
    # the second slot looks for somebody else only every search_every-th frame while it
    # follows nobody: the newcomer's track starts at most that many frames late
    def second_arrives(i):
        first = (70 + 2 * i, 30, HEIGHT_PX, np.sin(i / 2))
        return [first] if i < 11 else [first, (250 - 2 * i, 40, 160, np.cos(i / 2))]

    tracks = backend.process_video(render_video(tmp_path / "late.avi", second_arrives, n_frames=30))
    assert len(tracks) == 2
    late = max(tracks, key=lambda t: float(np.median(t.keypoints[:3, 0, 0])))
    early = min(tracks, key=lambda t: float(np.median(t.keypoints[:3, 0, 0])))
    assert early.frame_indices[0] == 0 and len(early) >= 28
    assert 11 <= late.frame_indices[0] < 11 + backend.search_every
    assert len(late) >= 30 - 11 - backend.search_every


def test_faster_videos_are_posed_at_the_rate_asked_for(backend, tmp_path):
    path = render_video(tmp_path / "fast.avi", crossing, n_frames=30, fps=30.0)
    (every,) = backend.process_video(path)
    reports: list[float] = []
    (half,) = backend.process_video(path, min_fps=15.0, progress=reports.append)
    assert every.fps == pytest.approx(30.0) and half.fps == pytest.approx(15.0)
    assert half.meta["frame_step"] == 2 and half.meta["frames_posed"] == 15
    # frame k of the half-rate track is frame 2k of the video
    both = np.intersect1d(every.frame_indices, 2 * half.frame_indices)
    a = every.keypoints[np.isin(every.frame_indices, both)]
    b = half.keypoints[np.isin(2 * half.frame_indices, both)]
    assert len(both) >= 12 and np.median(np.abs(a[..., :2] - b[..., :2])) < 4.0
    assert reports and reports == sorted(reports) and 0.0 < reports[-1] <= 1.0
    # a rate already at or below min_fps is left as it is
    (same,) = backend.process_video(path, min_fps=30.0)
    assert same.fps == pytest.approx(30.0) and same.meta["frame_step"] == 1


def test_person_leaving_the_frame_leaves_a_gap(backend, tmp_path):
    def in_and_out(i):  # visible, gone for frames 10..19, visible again
        return [] if 10 <= i < 20 else [(160, 30, HEIGHT_PX, np.sin(i / 2))]

    path = render_video(tmp_path / "gap.avi", in_and_out, n_frames=30)
    tracks = backend.process_video(path)
    frames = np.concatenate([t.frame_indices for t in tracks])
    assert not np.isin(frames, np.arange(10, 20)).any()
    assert np.isin(np.arange(0, 10), frames).sum() >= 8


def test_nobody_in_the_video(backend, tmp_path, crossing_video):
    path = render_video(tmp_path / "empty.avi", lambda i: [], n_frames=10)
    assert len(backend.process_video(crossing_video)) == 1
    # the same backend right after a video with a person: nothing carried over
    assert backend.process_video(path) == []
    with pytest.raises(NoPersonFoundError):
        main_walker(backend.process_video(path))
    with pytest.raises(NoPersonFoundError, match="no person found"):
        load_tracks(path, backend=backend)


def test_shrunk_frames_give_full_size_coordinates(backend, crossing_video):
    (full,) = backend.process_video(crossing_video)
    (small,) = backend.process_video(crossing_video, max_side=200)
    common = np.intersect1d(full.frame_indices, small.frame_indices)
    a = full.keypoints[np.isin(full.frame_indices, common)]
    b = small.keypoints[np.isin(small.frame_indices, common)]
    assert np.median(np.abs(a[..., :2] - b[..., :2])) < 6.0


def test_frames_and_per_frame_api(backend, crossing_video):
    from recognition.gait.video import iter_frames

    frames = list(iter_frames(crossing_video))
    (track,) = backend.process_video(frames[:10], fps=20.0)
    assert track.fps == 20.0 and track.meta["source"] == "frames"
    (small,) = backend.process_video(frames[:10], fps=20.0, max_side=200)
    assert small.image_size == (320, 240)
    assert np.median(np.abs(small.keypoints[:, :, :2] - track.keypoints[:, :, :2])) < 6.0
    backend.reset()
    poses = [backend.detect(frame, round(i * 1000 / 15)) for i, frame in enumerate(frames[:5])]
    assert all(len(p) == 1 and p[0].shape == (17, 3) and p[0].dtype == np.float32 for p in poses)


def test_unknown_backend_name():
    with pytest.raises(ValueError, match="unknown pose backend 'openpifpaf'"):
        get_backend("openpifpaf")


def test_partly_hidden_people_have_low_confidence_where_hidden(backend):
    from tests.recognition.gait.perception_helpers import BACKGROUND, draw_person

    def frames(cx, hide_legs):
        for i in range(16):
            img = np.empty((240, 320, 3), np.uint8)
            img[:] = BACKGROUND
            draw_person(img, cx, 30, HEIGHT_PX, np.sin(i / 2))
            if hide_legs:
                img[140:] = (90, 90, 90)  # a counter in front of the legs
            yield img

    (behind_counter,) = backend.process_video(frames(160, hide_legs=True), fps=15.0)
    conf = behind_counter.keypoints[:, :, 2].mean(axis=0)
    assert conf[JOINT_INDEX["nose"]] > 0.8 and conf[JOINT_INDEX["left_hip"]] > 0.8
    # hidden ankles: at most half the confidence of the visible joints
    assert conf[JOINT_INDEX["left_ankle"]] < 0.45 and conf[JOINT_INDEX["right_ankle"]] < 0.45
    # at the left edge: the person's right side (image left) is cut off
    (at_edge,) = backend.process_video(frames(10, hide_legs=False), fps=15.0)
    conf = at_edge.keypoints[:, :, 2].mean(axis=0)
    assert conf[JOINT_INDEX["right_wrist"]] < 0.5 < conf[JOINT_INDEX["left_hip"]]

"""load_tracks: the one entry point from an uploaded file to 25 frames/s tracks."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.gait.errors import GaitInputError, KeypointFormatError, VideoDecodeError
from recognition.gait.extraction import UnsupportedInputError, load_tracks
from recognition.gait.keypoints import write_keypoint_file
from tests.recognition.gait.perception_helpers import render_video, walker_track


def test_keypoint_file_is_read_and_resampled(tmp_path):
    tracks = [walker_track(n_frames=60, fps=30.0), walker_track(track_id=4, n_frames=30)]
    path = write_keypoint_file(tmp_path / "k.csv", tracks, "csv")
    loaded = load_tracks(path, fps=30.0)
    assert [t.track_id for t in loaded] == [0, 4]
    assert all(t.fps == 25.0 and t.meta["source_fps"] == 30.0 for t in loaded)
    assert len(loaded[0]) == 50  # 59 frames at 30 fps = 1.97 s -> 50 frames at 25 fps
    custom = load_tracks(path, fps=30.0, target_fps=15.0)
    assert custom[0].fps == 15.0


def test_video_goes_through_the_pose_backend(tmp_path):
    def person(i):
        return [(100 + 4 * i, 30, 170, np.sin(i / 2))]

    path = render_video(tmp_path / "walk.mkv", person, n_frames=20, fps=10.0)
    (track,) = load_tracks(path)
    assert track.fps == 25.0 and track.meta["source_fps"] == pytest.approx(10.0)
    assert 40 <= len(track) <= 48  # 1.9 s at 25 fps


def test_unsupported_missing_and_broken_inputs(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UnsupportedInputError, match=r"unsupported file type '\.txt'"):
        load_tracks(tmp_path / "notes.txt")
    assert issubclass(UnsupportedInputError, GaitInputError)
    with pytest.raises(GaitInputError, match="no such file"):
        load_tracks(tmp_path / "gone.mp4")
    (tmp_path / "broken.mp4").write_bytes(b"\x00" * 1000)
    with pytest.raises(VideoDecodeError):
        load_tracks(tmp_path / "broken.mp4")
    (tmp_path / "broken.json").write_text("[")
    with pytest.raises(KeypointFormatError):
        load_tracks(tmp_path / "broken.json")

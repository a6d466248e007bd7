"""Decoding videos the tests write with OpenCV: containers, frame rate, rotation, damage."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognition.gait.errors import GaitInputError, VideoDecodeError
from recognition.gait.video import iter_frames, open_video, read_video_info, rotate_frame
from tests.recognition.gait.perception_helpers import set_mp4_rotation

WIDTH, HEIGHT, FRAMES = 96, 64, 24


def write_video(path, fourcc: str, fps: float = 12.5, n: int = FRAMES, size=(WIDTH, HEIGHT)):
    """Frame i is grey level 10 * i with a white block in the top-left corner."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} into {path.suffix}"
    for i in range(n):
        frame = np.full((size[1], size[0], 3), 10 * i, np.uint8)
        frame[:16, :24] = 255
        writer.write(frame)
    writer.release()
    return path


CONTAINERS = [
    ("mp4", "mp4v"),
    ("avi", "MJPG"),
    ("avi", "XVID"),
    ("mkv", "MJPG"),
    ("mov", "mp4v"),
    ("webm", "VP80"),
]


@pytest.mark.parametrize(("ext", "fourcc"), CONTAINERS)
def test_containers_decode_with_their_frame_rate(tmp_path, ext, fourcc):
    path = write_video(tmp_path / f"clip.{ext}", fourcc, fps=12.5)
    with open_video(path) as reader:
        assert reader.info.fps == pytest.approx(12.5)
        assert (reader.info.width, reader.info.height) == (WIDTH, HEIGHT)
        assert reader.info.rotation == 0
        frames = list(reader.frames())
    assert len(frames) == FRAMES
    assert frames[0].shape == (HEIGHT, WIDTH, 3) and frames[0].dtype == np.uint8
    levels = [float(f[32:, 40:].mean()) for f in frames]
    np.testing.assert_allclose(levels, 10 * np.arange(FRAMES), atol=6)


def test_other_frame_rates_are_honoured(tmp_path):
    for fps in (10.0, 30.0, 60.0):
        path = write_video(tmp_path / f"clip{int(fps)}.avi", "MJPG", fps=fps, n=5)
        assert read_video_info(path).fps == pytest.approx(fps)


def test_max_side_shrinks_frames(tmp_path):
    path = write_video(tmp_path / "clip.avi", "MJPG", n=3)
    frames = list(iter_frames(path, max_side=48))
    assert frames[0].shape == (32, 48, 3)
    assert next(iter_frames(path, max_side=500)).shape == (HEIGHT, WIDTH, 3)


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotation_tag_is_applied_like_a_player_does(tmp_path, degrees):
    path = write_video(tmp_path / "phone.mp4", "mp4v", n=4)
    set_mp4_rotation(path, degrees)
    with open_video(path) as reader:
        info = reader.info
        ours = list(reader.frames())
    assert info.rotation == degrees
    expected_size = (HEIGHT, WIDTH) if degrees in (90, 270) else (WIDTH, HEIGHT)
    assert (info.width, info.height) == expected_size
    assert ours[0].shape[:2] == expected_size[::-1]
    # OpenCV's own auto-orientation as the reference
    capture = cv2.VideoCapture(str(path))
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    ok, reference = capture.read()
    capture.release()
    assert ok
    assert np.abs(ours[0].astype(int) - reference.astype(int)).mean() < 1.0


def test_rotate_frame_on_arrays():
    frame = np.zeros((2, 3), np.uint8)
    frame[0, 0] = 1  # top-left corner
    assert rotate_frame(frame, 0) is frame
    assert rotate_frame(frame, 90)[0, -1] == 1  # clockwise: top-left goes top-right
    assert rotate_frame(frame, 180)[-1, -1] == 1
    assert rotate_frame(frame, 270)[-1, 0] == 1
    assert rotate_frame(frame, -90)[-1, 0] == 1
    assert rotate_frame(frame, 90).shape == (3, 2)


def test_corrupt_empty_and_missing_files(tmp_path):
    (tmp_path / "noise.mp4").write_bytes(np.random.default_rng(0).bytes(20000))
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.avi").write_text("not a video")
    for name, message in [
        ("noise.mp4", "cannot open"),
        ("empty.mp4", "empty"),
        ("text.avi", "cannot open"),
        ("missing.mp4", "no such video"),
    ]:
        with pytest.raises(VideoDecodeError, match=message):
            open_video(tmp_path / name)
    assert issubclass(VideoDecodeError, GaitInputError)


@pytest.mark.parametrize(("ext", "fourcc"), [("mp4", "mp4v"), ("avi", "MJPG"), ("mkv", "MJPG")])
def test_truncated_uploads_are_refused(tmp_path, ext, fourcc):
    full = write_video(tmp_path / f"clip.{ext}", fourcc, n=40)
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoDecodeError, match="truncated"):
        list(iter_frames(cut))


def test_frames_can_be_iterated_once(tmp_path):
    path = write_video(tmp_path / "clip.avi", "MJPG", n=2)
    with open_video(path) as reader:
        assert len(list(reader)) == 2
        with pytest.raises(RuntimeError):
            list(reader.frames())


@pytest.mark.parametrize(("ext", "fourcc"), [("mp4", "mp4v"), ("avi", "MJPG")])
def test_every_nth_frame_is_the_right_frame(tmp_path, ext, fourcc):
    path = write_video(tmp_path / f"clip.{ext}", fourcc, n=FRAMES)
    with open_video(path) as reader:
        kept = list(reader.frames(every=3))
        assert reader.frames_read == FRAMES  # the skipped frames count as read
    levels = [float(f[32:, 40:].mean()) for f in kept]
    np.testing.assert_allclose(levels, 10 * np.arange(0, FRAMES, 3), atol=6)
    with pytest.raises(ValueError, match="at least 1"), open_video(path) as reader:
        list(reader.frames(every=0))


def test_skipping_frames_still_finds_a_truncated_upload(tmp_path):
    data = write_video(tmp_path / "clip.avi", "MJPG", n=40).read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoDecodeError, match="truncated"), open_video(cut) as reader:
        list(reader.frames(every=2))

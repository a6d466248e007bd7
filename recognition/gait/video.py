"""Decoding video files into BGR frames with the facts the pose stage needs.

OpenCV (its bundled FFmpeg) decodes mp4/mov (H.264, HEVC, MPEG-4), webm/mkv (VP8, VP9) and avi
(MJPG, XVID). Phones record portrait video as landscape frames plus a rotation tag; we read the
tag (CAP_PROP_ORIENTATION_META) and rotate the frames ourselves, with OpenCV's own
auto-orientation switched off, so the result does not depend on that setting's default in a
given OpenCV build. Frame times are frame index / fps (constant frame rate assumed).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from recognition.gait.errors import VideoDecodeError

VIDEO_EXTENSIONS: frozenset[str] = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm"})
FALLBACK_FPS = 25.0
# A file that declares N frames but decodes fewer than this share of them is truncated. Headers'
# frame counts are estimates for some containers, hence not an exact comparison.
_TRUNCATION_SHARE = 0.9

_ROTATIONS = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


@dataclass(frozen=True)
class VideoInfo:
    """fps: frames per second (the container's, or 25 when it gives none).
    frame_count: frames the container declares (an estimate for some formats; 0 if unknown).
    width, height: size of the frames as displayed, after rotation, at full resolution.
    rotation: degrees clockwise the decoded frames are rotated by (0, 90, 180 or 270)."""

    fps: float
    frame_count: int
    width: int
    height: int
    rotation: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0


def rotate_frame(frame: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate a frame clockwise by rotation degrees (0, 90, 180, 270; other values: nearest
    multiple of 90), as players do for a video with that rotation tag."""
    rotation = normalised_rotation(rotation)
    return frame if rotation == 0 else cv2.rotate(frame, _ROTATIONS[rotation])


def normalised_rotation(value: float) -> int:
    if not math.isfinite(value):
        return 0
    return round(value / 90.0) % 4 * 90


def scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) shrunk so that the longer side is at most max_side (never enlarged)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class VideoReader:
    """An open video file; iterate frames() once. Use as a context manager or call close()."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise VideoDecodeError(f"{self.path}: no such video file")
        if self.path.stat().st_size == 0:
            raise VideoDecodeError(f"{self.path}: the video file is empty")
        self._capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not self._capture.isOpened():
            raise VideoDecodeError(
                f"{self.path}: cannot open the video (corrupt, truncated or an unknown format)"
            )
        self._capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        ok, first = self._capture.read()
        if not ok or first is None:
            self.close()
            raise VideoDecodeError(f"{self.path}: the video has no decodable frame")
        self._first: np.ndarray | None = first
        rotation = normalised_rotation(self._capture.get(cv2.CAP_PROP_ORIENTATION_META))
        height, width = rotate_frame(first, rotation).shape[:2]
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        if not (math.isfinite(fps) and 0 < fps <= 1000):
            fps = FALLBACK_FPS
        count = self._capture.get(cv2.CAP_PROP_FRAME_COUNT)
        self.info = VideoInfo(
            fps=float(fps),
            frame_count=int(count) if math.isfinite(count) and count > 0 else 0,
            width=width,
            height=height,
            rotation=rotation,
        )
        self.frames_read = 0

    def frames(self, max_side: int | None = None, *, every: int = 1) -> Iterator[np.ndarray]:
        """BGR uint8 frames, rotated upright, shrunk to max_side if given.

        every: yield only every n-th frame (0, n, 2n, ...); the others are grabbed from the
        stream without being converted to images, which costs a fraction of a full read.
        Raises VideoDecodeError at the end if the file ends far before the frame count its
        header declares (a truncated upload)."""
        if self._first is None:
            raise RuntimeError("frames() can be iterated only once per VideoReader")
        if every < 1:
            raise ValueError("every must be at least 1")
        size = scaled_size(self.info.width, self.info.height, max_side)
        frame: np.ndarray | None = self._first
        self._first = None
        while frame is not None:
            frame = rotate_frame(frame, self.info.rotation)
            if (frame.shape[1], frame.shape[0]) != size:
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            self.frames_read += 1
            yield frame
            frame = self._next_kept(every)
        declared = self.info.frame_count
        if declared and self.frames_read < _TRUNCATION_SHARE * declared - 1:
            raise VideoDecodeError(
                f"{self.path}: the video is truncated or damaged: decoded {self.frames_read} of "
                f"the {declared} frames its header declares"
            )

    def _next_kept(self, every: int) -> np.ndarray | None:
        """Skip every - 1 frames, then read one; None at the end of the stream."""
        for _ in range(every - 1):
            if not self._capture.grab():
                return None
            self.frames_read += 1
        ok, frame = self._capture.read()
        return frame if ok else None

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[np.ndarray]:
        return self.frames()


def open_video(path: str | Path) -> VideoReader:
    """Open a video file; raises VideoDecodeError if it cannot be decoded."""
    return VideoReader(path)


def read_video_info(path: str | Path) -> VideoInfo:
    with open_video(path) as reader:
        return reader.info


def iter_frames(path: str | Path, *, max_side: int | None = None) -> Iterator[np.ndarray]:
    """BGR frames of a video file (see VideoReader.frames); the file is closed at the end."""
    with open_video(path) as reader:
        yield from reader.frames(max_side)

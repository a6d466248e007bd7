"""The pose backend interface: frames in, COCO-17 detections per frame, tracks per person."""

from __future__ import annotations

import abc
import itertools
import math
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np

from recognition.gait.tracking import track_detections
from recognition.gait.tracks import PoseTrack
from recognition.gait.video import open_video, scaled_size

DEFAULT_FRAMES_FPS = 25.0


def frame_step(rate: float, min_fps: float | None) -> int:
    """Keep every n-th frame: the largest n with rate / n >= min_fps (1 without min_fps)."""
    if not min_fps or min_fps <= 0 or rate <= min_fps:
        return 1
    return max(1, math.floor(rate / min_fps + 1e-9))


class PoseBackend(abc.ABC):
    """A 2D pose estimator.

    Per-frame API: call reset() at the start of each video, then detect(frame, timestamp_ms) for
    each frame in order; it returns one float32 [17, 3] array (x, y, confidence; pixels of the
    frame given) per person seen. Backends may use the previous frames (tracking) to be faster.
    Whole-video API: process_video(path or frames) -> one PoseTrack per person.
    An instance is not thread-safe: use one per worker.
    """

    name: str = ""

    @abc.abstractmethod
    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int) -> list[np.ndarray]:
        """COCO-17 poses of the people in one BGR frame."""

    def reset(self) -> None:  # noqa: B027 - stateless backends need not override it
        """Forget the previous frames (start of a new video)."""

    def close(self) -> None:  # noqa: B027
        """Free the model."""

    def process_video(
        self,
        source: str | Path | Iterable[np.ndarray],
        *,
        fps: float | None = None,
        max_side: int | None = None,
        min_fps: float | None = None,
        track_options: dict | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> list[PoseTrack]:
        """One PoseTrack per person in a video file or an iterable of BGR frames.

        fps overrides the file's frame rate (frames given as an iterable default to 25).
        max_side shrinks frames (files and iterables alike) before pose estimation for speed;
        keypoints are always returned in pixels of the full-size (rotated upright) frames.
        min_fps: estimate poses on every n-th frame only, the largest n that keeps the rate at
        or above min_fps (a 25 frames/s video at min_fps 12.5: every other frame); the tracks
        then have that lower rate. Pose estimation is nearly all of a video's cost.
        progress(fraction) is called every few frames of a file with a known frame count.
        An empty list means nobody was found. Frames without anybody leave gaps in the tracks'
        frame_indices.
        """
        reader = None
        if isinstance(source, str | Path):
            reader = open_video(source)
            rate = float(fps or reader.info.fps)
            every = frame_step(rate, min_fps)
            frames: Iterable[np.ndarray] = reader.frames(max_side, every=every)
            full_size: tuple[int, int] | None = (reader.info.width, reader.info.height)
        else:
            rate = float(fps or DEFAULT_FRAMES_FPS)
            every = frame_step(rate, min_fps)
            frames, full_size = itertools.islice(source, 0, None, every), None

        self.reset()
        per_frame: list[list[np.ndarray]] = []
        try:
            for index, frame in enumerate(frames):
                if full_size is None:
                    full_size = (frame.shape[1], frame.shape[0])
                if reader is None and max_side:
                    size = scaled_size(frame.shape[1], frame.shape[0], max_side)
                    if size != (frame.shape[1], frame.shape[0]):
                        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
                height, width = frame.shape[:2]
                poses = self.detect(frame, round(index * every * 1000.0 / rate))
                if (width, height) != full_size:
                    scale = np.array([full_size[0] / width, full_size[1] / height, 1.0])
                    poses = [(p * scale).astype(np.float32) for p in poses]
                per_frame.append(poses)
                if progress and reader is not None and reader.info.frame_count and index % 10 == 0:
                    progress(min(1.0, reader.frames_read / reader.info.frame_count))
        finally:
            if reader is not None:
                reader.close()

        rate /= every
        tracks = track_detections(per_frame, rate, image_size=full_size, **(track_options or {}))
        for track in tracks:
            track.meta.update(
                {
                    "backend": self.name,
                    "source": str(source) if reader is not None else "frames",
                    "frames_posed": len(per_frame),
                    "frame_step": every,
                }
            )
        return tracks

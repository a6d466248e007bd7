"""The engine's unit of work: one person's pose sequence."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recognition.gait.skeleton import NUM_JOINTS


@dataclass
class PoseTrack:
    """One person followed through a clip.

    keypoints: float32 [T, 17, 3] in COCO-17 order (see skeleton.py), pixel coordinates.
    frame_indices: int [T], the source frame each row came from (gaps allowed before resampling).
    fps: frames per second of the source the indices refer to.
    track_id: identifier of the person within the clip (stable across frames).
    image_size: (width, height) of the source frames when known.
    """

    keypoints: np.ndarray
    frame_indices: np.ndarray
    fps: float
    track_id: int = 0
    image_size: tuple[int, int] | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keypoints = np.asarray(self.keypoints, dtype=np.float32)
        self.frame_indices = np.asarray(self.frame_indices, dtype=np.int64)
        if self.keypoints.ndim != 3 or self.keypoints.shape[1:] != (NUM_JOINTS, 3):
            raise ValueError(
                f"keypoints must have shape [T, {NUM_JOINTS}, 3], got {self.keypoints.shape}"
            )
        if len(self.frame_indices) != len(self.keypoints):
            raise ValueError("frame_indices and keypoints must have the same length")
        if self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")

    def __len__(self) -> int:
        return len(self.keypoints)

    @property
    def duration_s(self) -> float:
        if len(self) == 0:
            return 0.0
        return float(self.frame_indices[-1] - self.frame_indices[0] + 1) / self.fps

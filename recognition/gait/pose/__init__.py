"""Pose estimation: video frames to COCO-17 keypoints, and resampling to a fixed rate."""

from __future__ import annotations

from recognition.gait.pose.base import PoseBackend
from recognition.gait.pose.resample import DEFAULT_FPS, resample_track

BACKEND_NAMES: tuple[str, ...] = ("mediapipe", "mmpose")

__all__ = ["BACKEND_NAMES", "DEFAULT_FPS", "PoseBackend", "get_backend", "resample_track"]


def get_backend(name: str = "mediapipe", **options) -> PoseBackend:
    """A pose backend by name.

    "mediapipe" (default): MediaPipeBackend(max_people=2, ...), offline, no options needed.
    "mmpose": MMPoseBackend(config=..., checkpoint=..., device="cpu", ...); raises
    PoseBackendUnavailableError when mmpose is not installed.
    """
    if name == "mediapipe":
        from recognition.gait.pose.mediapipe_backend import MediaPipeBackend

        return MediaPipeBackend(**options)
    if name == "mmpose":
        from recognition.gait.pose.mmpose_backend import MMPoseBackend

        return MMPoseBackend(**options)
    raise ValueError(f"unknown pose backend {name!r}; expected one of {BACKEND_NAMES}")

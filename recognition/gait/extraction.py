"""One entry point from an uploaded file to fixed-rate pose tracks.

Video files go through a pose backend, keypoint files through read_keypoint_file; every track
is then resampled to 25 frames/s. The portal calls load_tracks and main_walker and shows the
message of any GaitInputError to the user.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from recognition.gait.errors import GaitInputError, NoPersonFoundError
from recognition.gait.keypoints import KEYPOINT_EXTENSIONS, is_keypoint_path, read_keypoint_file
from recognition.gait.pose import DEFAULT_FPS, PoseBackend, get_backend, resample_track
from recognition.gait.tracks import PoseTrack
from recognition.gait.video import VIDEO_EXTENSIONS


class UnsupportedInputError(GaitInputError):
    """A file that is neither a supported video nor a supported keypoint file."""


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def load_tracks(
    path: str | Path,
    *,
    backend: str | PoseBackend = "mediapipe",
    fps: float | None = None,
    target_fps: float = DEFAULT_FPS,
    max_side: int | None = None,
    min_fps: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[PoseTrack]:
    """Pose tracks (one per person, resampled to target_fps) from a video or keypoint file.

    backend: a backend name for get_backend or a ready PoseBackend (reuse one across calls to
    avoid loading the model each time). fps overrides the source's frame rate. max_side shrinks
    video frames before pose estimation (keypoints stay in full-size pixels); min_fps lets the
    backend skip frames down to that rate and progress(fraction) follows a video's frames
    (PoseBackend.process_video).
    Raises UnsupportedInputError for other files, KeypointFormatError / VideoDecodeError for
    unreadable ones and NoPersonFoundError when nobody is found.
    """
    path = Path(path)
    if not path.exists():
        raise GaitInputError(f"{path}: no such file")
    if is_video_path(path):
        owned = isinstance(backend, str)
        pose_backend = get_backend(backend) if isinstance(backend, str) else backend
        try:
            tracks = pose_backend.process_video(
                path, fps=fps, max_side=max_side, min_fps=min_fps, progress=progress
            )
        finally:
            if owned:
                pose_backend.close()
    elif is_keypoint_path(path):
        tracks = read_keypoint_file(path, fps=fps)
    else:
        raise UnsupportedInputError(
            f"{path.name}: unsupported file type {path.suffix or '(no extension)'!r}; expected a "
            f"video ({', '.join(sorted(VIDEO_EXTENSIONS))}) or a keypoint file "
            f"({', '.join(sorted(KEYPOINT_EXTENSIONS))}, or a directory of OpenPose JSON)"
        )
    resampled = [resample_track(track, target_fps) for track in tracks]
    resampled = [t for t in resampled if len(t) and (t.keypoints[:, :, 2] > 0).any()]
    if not resampled:
        raise NoPersonFoundError(f"{path.name}: no person found")
    return resampled

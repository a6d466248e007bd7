"""NumPy keypoint files.

.npy: float array [T, 17, 3] (x, y, confidence) or [T, 17, 2] (x, y; NaN marks a missing joint,
every finite joint gets confidence 1), or [P, T, 17, 3] for P people on a shared timeline.
.npz: key "keypoints" as above, optional "fps" (scalar), "frame_indices" [T], "track_ids" [P],
"image_size" [2] (width, height).
Rows in which no joint has confidence > 0 mean "not in this frame" and are skipped.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from recognition.gait.errors import KeypointFormatError
from recognition.gait.keypoints.detections import (
    Detection,
    ParsedKeypoints,
    check_tracks_to_write,
    checked_finite,
)
from recognition.gait.skeleton import NUM_JOINTS
from recognition.gait.tracks import PoseTrack


def parse_npy(path: Path) -> ParsedKeypoints:
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise KeypointFormatError(f"{path}: not a readable .npy array ({exc})") from None
    return _parse_array(arr, None, None, str(path))


def parse_npz(path: Path) -> ParsedKeypoints:
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise KeypointFormatError(f"{path}: not a readable .npz archive ({exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise KeypointFormatError(f"{path}: a .npz archive was expected, found a plain array")
    with archive:
        if "keypoints" not in archive.files:
            raise KeypointFormatError(
                f"{path}: .npz has no 'keypoints' array (found {sorted(archive.files)})"
            )
        arrays = {name: archive[name] for name in archive.files}
    fps = None
    if "fps" in arrays:
        fps_value = np.asarray(arrays["fps"], dtype=np.float64).reshape(-1)
        if fps_value.size != 1 or not np.isfinite(fps_value[0]) or fps_value[0] <= 0:
            raise KeypointFormatError(f"{path}: 'fps' must be one positive number")
        fps = float(fps_value[0])
    parsed = _parse_array(
        arrays["keypoints"], arrays.get("frame_indices"), arrays.get("track_ids"), str(path)
    )
    parsed.fps = fps
    if "image_size" in arrays:
        size = np.asarray(arrays["image_size"]).reshape(-1)
        if size.size != 2:
            raise KeypointFormatError(f"{path}: 'image_size' must be [width, height]")
        parsed.image_size = (int(size[0]), int(size[1]))
    return parsed


def _parse_array(
    arr: np.ndarray, frame_indices: np.ndarray | None, track_ids: np.ndarray | None, where: str
) -> ParsedKeypoints:
    if not np.issubdtype(arr.dtype, np.number):
        raise KeypointFormatError(f"{where}: keypoints must be numbers, got dtype {arr.dtype}")
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[2] != NUM_JOINTS or arr.shape[3] not in (2, 3):
        raise KeypointFormatError(
            f"{where}: expected keypoints of shape [T, 17, 3], [T, 17, 2] or [P, T, 17, 3], "
            f"got {arr.shape}"
        )
    arr = arr.astype(np.float64)
    if arr.shape[3] == 2:
        conf = np.isfinite(arr).all(axis=-1).astype(np.float64)
        arr = np.concatenate([arr, conf[..., None]], axis=-1)
    arr = checked_finite(arr, where)
    people, length = arr.shape[:2]
    if length == 0:
        raise KeypointFormatError(f"{where}: no detections (zero frames)")

    frames = np.arange(length)
    if frame_indices is not None:
        frames = np.asarray(frame_indices).reshape(-1)
        if len(frames) != length or not np.issubdtype(frames.dtype, np.integer):
            raise KeypointFormatError(
                f"{where}: 'frame_indices' must hold {length} integers, got {frames.shape} "
                f"of {frames.dtype}"
            )
    ids: list[int | None] = [None] * people if people == 1 else list(range(people))
    if track_ids is not None:
        ids = [int(i) for i in np.asarray(track_ids).reshape(-1)]
        if len(ids) != people:
            raise KeypointFormatError(f"{where}: 'track_ids' must hold {people} ids")
    detections = [
        Detection(int(frames[t]), arr[p, t].astype(np.float32), ids[p])
        for p in range(people)
        for t in range(length)
    ]
    return ParsedKeypoints(detections)


def _shared_timeline(tracks: Sequence[PoseTrack]) -> tuple[np.ndarray, np.ndarray]:
    """[P, T, 17, 3] over the union of the tracks' frames (confidence 0 where absent)."""
    frames = np.unique(np.concatenate([t.frame_indices for t in tracks]))
    stacked = np.zeros((len(tracks), len(frames), NUM_JOINTS, 3), dtype=np.float32)
    for p, track in enumerate(tracks):
        stacked[p, np.searchsorted(frames, track.frame_indices)] = track.keypoints
    return frames, stacked


def write_npy(path: Path, tracks: Sequence[PoseTrack]) -> Path:
    """[T, 17, 3] for one track, [P, T, 17, 3] for several; rows cover every frame from the
    first to the last (a .npy has no frame numbers, so the timeline starts at 0)."""
    check_tracks_to_write(tracks)
    frames, stacked = _shared_timeline(tracks)
    dense = np.zeros((len(tracks), frames[-1] - frames[0] + 1, NUM_JOINTS, 3), np.float32)
    dense[:, frames - frames[0]] = stacked
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, dense[0] if len(tracks) == 1 else dense)
    return path


def write_npz(path: Path, tracks: Sequence[PoseTrack]) -> Path:
    check_tracks_to_write(tracks)
    frames, stacked = _shared_timeline(tracks)
    extra = {}
    size = next((t.image_size for t in tracks if t.image_size), None)
    if size:
        extra["image_size"] = np.asarray(size, dtype=np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:  # np.savez would append .npz to other suffixes
        np.savez_compressed(
            handle,
            keypoints=stacked[0] if len(tracks) == 1 else stacked,
            fps=np.float64(tracks[0].fps),
            frame_indices=frames.astype(np.int64),
            track_ids=np.asarray([t.track_id for t in tracks], dtype=np.int64),
            **extra,
        )
    return path

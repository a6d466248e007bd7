"""What every keypoint reader produces before it becomes tracks: detections per frame.

Readers parse their format into a list of Detection (frame number, COCO-17 [17, 3] array,
person id when the file gives one); tracks_from_detections turns that into one PoseTrack per
person, using the file's ids when it has them and the tracker when it has not.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognition.gait.errors import KeypointFormatError
from recognition.gait.skeleton import NUM_JOINTS
from recognition.gait.tracking import track_detections
from recognition.gait.tracks import PoseTrack

DEFAULT_FPS = 25.0


@dataclass(frozen=True)
class Detection:
    frame: int
    keypoints: np.ndarray  # float32 [17, 3], COCO-17 order
    person_id: int | None = None


@dataclass
class ParsedKeypoints:
    detections: list[Detection]
    fps: float | None = None
    image_size: tuple[int, int] | None = None


def joint_array(values: Sequence | np.ndarray, num_joints: int, where: str) -> np.ndarray:
    """Validate flat [x, y, c, x, y, c, ...] or nested [[x, y(, c)], ...] values.

    Returns float32 [num_joints, 3]. Coordinates that are NaN are accepted only on joints whose
    confidence is 0 (several tools write NaN for "not detected"); they become 0. NaN or infinite
    confidence, and NaN/inf coordinates on a detected joint, are errors. Confidences above 1
    are clipped to 1.
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise KeypointFormatError(f"{where}: keypoints are not numbers ({exc})") from None
    if arr.ndim == 1:
        if arr.size != num_joints * 3:
            raise KeypointFormatError(
                f"{where}: expected {num_joints * 3} numbers (x, y, confidence for "
                f"{num_joints} joints), got {arr.size}"
            )
        arr = arr.reshape(num_joints, 3)
    elif arr.ndim == 2 and arr.shape[0] == num_joints and arr.shape[1] in (2, 3):
        if arr.shape[1] == 2:
            conf = np.where(np.isfinite(arr).all(axis=1), 1.0, 0.0)
            arr = np.concatenate([arr, conf[:, None]], axis=1)
    else:
        raise KeypointFormatError(
            f"{where}: expected {num_joints} joints as [x, y(, confidence)], "
            f"got an array of shape {arr.shape}"
        )
    return checked_finite(arr, where).astype(np.float32)


def checked_finite(arr: np.ndarray, where: str) -> np.ndarray:
    """Apply the NaN rule of joint_array to an array [..., 3] (returns a cleaned copy)."""
    arr = np.array(arr, dtype=np.float64)
    conf = arr[..., 2]
    if not np.isfinite(conf).all():
        raise KeypointFormatError(f"{where}: confidence values must be finite (found NaN/inf)")
    if (conf < 0).any():
        raise KeypointFormatError(f"{where}: confidence values must not be negative")
    # some estimators (AlphaPose) give heatmap scores slightly above 1
    arr[..., 2] = np.minimum(conf, 1.0)
    bad_xy = ~np.isfinite(arr[..., :2]).all(axis=-1)
    if (bad_xy & (conf > 0)).any():
        raise KeypointFormatError(
            f"{where}: NaN or infinite coordinates on a joint with confidence > 0"
        )
    arr[bad_xy] = 0.0
    return arr


def frame_number_from_name(name: str) -> int | None:
    """The frame number in names like '12.jpg', 'clip_000000000012_keypoints.json'."""
    digits = re.findall(r"\d+", Path(name).name)
    return int(digits[-1]) if digits else None


def person_id_value(raw: object, where: str) -> int | None:
    """Person ids come as int, float, str or a one-element list (AlphaPose 'idx')."""
    if raw is None:
        return None
    if isinstance(raw, list | tuple):
        if not raw:
            return None
        raw = raw[0]
    if isinstance(raw, bool):
        raise KeypointFormatError(f"{where}: person id must be a number, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise KeypointFormatError(f"{where}: person id must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise KeypointFormatError(f"{where}: person id must be finite, got {raw!r}")
    return int(value)


def tracks_from_detections(
    parsed: ParsedKeypoints, *, fps: float | None, source: str
) -> list[PoseTrack]:
    """Group detections into one PoseTrack per person.

    Detections without any confident joint are ignored. When every detection carries a person
    id (and ids are not negative, OpenPose's "unknown"), the ids are used; otherwise, if some
    frame has several detections, the tracker associates them; otherwise all form one track.
    """
    rate = float(fps or parsed.fps or DEFAULT_FPS)
    detections = [d for d in parsed.detections if (d.keypoints[:, 2] > 0).any()]
    if not detections:
        raise KeypointFormatError(f"{source}: no detections (no joint with confidence > 0)")

    has_ids = all(d.person_id is not None and d.person_id >= 0 for d in detections)
    if has_ids:
        by_person: dict[int, dict[int, np.ndarray]] = defaultdict(dict)
        for d in detections:
            frames = by_person[d.person_id]  # type: ignore[index]
            if d.frame in frames:
                raise KeypointFormatError(
                    f"{source}: person {d.person_id} appears twice in frame {d.frame}"
                )
            frames[d.frame] = d.keypoints
        tracks = []
        for pid in sorted(by_person):
            frames = by_person[pid]
            order = sorted(frames)
            tracks.append(
                PoseTrack(
                    keypoints=np.stack([frames[f] for f in order]),
                    frame_indices=np.asarray(order),
                    fps=rate,
                    track_id=pid,
                    image_size=parsed.image_size,
                    meta={"source": source, "ids": "file"},
                )
            )
        return tracks

    per_frame: dict[int, list[np.ndarray]] = defaultdict(list)
    for d in detections:
        per_frame[d.frame].append(d.keypoints)
    frames = sorted(per_frame)
    if max(len(v) for v in per_frame.values()) == 1:
        return [
            PoseTrack(
                keypoints=np.stack([per_frame[f][0] for f in frames]),
                frame_indices=np.asarray(frames),
                fps=rate,
                track_id=0,
                image_size=parsed.image_size,
                meta={"source": source, "ids": "single"},
            )
        ]
    tracks = track_detections(
        [per_frame[f] for f in frames],
        rate,
        frame_indices=frames,
        min_length=1,
        image_size=parsed.image_size,
    )
    for track in tracks:
        track.meta.update({"source": source, "ids": "tracker"})
    return tracks


def iter_track_rows(tracks: Iterable[PoseTrack]) -> Iterator[tuple[int, int, np.ndarray]]:
    """(frame, track id, [17, 3]) for every row of every track, ordered by frame then track."""
    rows = [
        (int(frame), track.track_id, kp)
        for track in tracks
        for frame, kp in zip(track.frame_indices, track.keypoints, strict=True)
    ]
    rows.sort(key=lambda r: (r[0], r[1]))
    yield from rows


def check_tracks_to_write(tracks: Sequence[PoseTrack]) -> None:
    if not tracks:
        raise KeypointFormatError("nothing to write: no tracks given")
    ids = [t.track_id for t in tracks]
    if len(set(ids)) != len(ids):
        raise KeypointFormatError(f"track ids must be unique to be written, got {ids}")
    for track in tracks:
        if track.keypoints.shape[1] != NUM_JOINTS:
            raise KeypointFormatError(f"track {track.track_id}: expected {NUM_JOINTS} joints")

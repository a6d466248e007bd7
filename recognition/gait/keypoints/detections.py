"""What every keypoint reader produces before it becomes tracks: detections per frame.

Readers parse their format into a list of Detection (frame number, COCO-17 [17, 3] array,
person id when the file gives one); tracks_from_detections turns that into one PoseTrack per
person, using the file's ids when it has them and the tracker when it has not.
"""

from __future__ import annotations

import itertools
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
    """Person ids come as int, float, numeric str or a (nested) list of one value: AlphaPose's
    tracker writes ``idx`` as ``[2]``, ``[[2.0]]`` or ``[[0.0], [0.0]]`` (AlphaPose issue #761).

    A list holding several different ids says nothing usable about who this is: None, so the
    file's ids are not trusted and the tracker follows people instead. Anything that is not a
    number (a name, a boolean, an object) is an error.
    """
    if isinstance(raw, list | tuple):
        flat = list(_flatten(raw))
        if not flat:
            return None
        values = {person_id_value(v, where) for v in flat}
        return values.pop() if len(values) == 1 else None
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise KeypointFormatError(f"{where}: person id must be a number, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise KeypointFormatError(f"{where}: person id must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise KeypointFormatError(f"{where}: person id must be finite, got {raw!r}")
    return int(value)


def _flatten(values: list | tuple) -> Iterator[object]:
    for v in values:
        if isinstance(v, list | tuple):
            yield from _flatten(v)
        else:
            yield v


def tracks_from_detections(
    parsed: ParsedKeypoints, *, fps: float | None, source: str
) -> list[PoseTrack]:
    """Group detections into one PoseTrack per person.

    Detections without any confident joint are ignored. The file's person ids are used when
    every detection carries one (not negative: OpenPose's "unknown") and they can be trusted:
    no id twice in one frame and no id jumping across the picture from one frame to the next.
    Real trackers break both (AlphaPose gives two people the same ``idx``, or every person
    ``idx`` 0, issue #795), so otherwise the engine's tracker follows people, as for files
    without ids (``meta["ids"]`` says which, ``meta["ids_note"]`` why). A file with one
    detection per frame and no usable ids is one person.
    """
    rate = float(fps or parsed.fps or DEFAULT_FPS)
    detections = [d for d in parsed.detections if (d.keypoints[:, 2] > 0).any()]
    if not detections:
        raise KeypointFormatError(f"{source}: no detections (no joint with confidence > 0)")

    note = ""
    if all(d.person_id is not None and d.person_id >= 0 for d in detections):
        by_person, note = _group_by_file_ids(detections)
        if by_person is not None:
            return [
                PoseTrack(
                    keypoints=np.stack([frames[f] for f in sorted(frames)]),
                    frame_indices=np.asarray(sorted(frames)),
                    fps=rate,
                    track_id=pid,
                    image_size=parsed.image_size,
                    meta={"source": source, "ids": "file"},
                )
                for pid, frames in sorted(by_person.items())
            ]
    elif any(d.person_id is not None for d in detections):
        note = "some detections carry no usable person id"

    per_frame: dict[int, list[np.ndarray]] = defaultdict(list)
    for d in detections:
        per_frame[d.frame].append(d.keypoints)
    frames = sorted(per_frame)
    if max(len(v) for v in per_frame.values()) == 1:
        tracks = [
            PoseTrack(
                keypoints=np.stack([per_frame[f][0] for f in frames]),
                frame_indices=np.asarray(frames),
                fps=rate,
                track_id=0,
                image_size=parsed.image_size,
                meta={"source": source, "ids": "single"},
            )
        ]
        if not note:
            return tracks
        # ids were given but inconsistent with one detection per frame (e.g. people one after
        # the other under one id): let the tracker split them where they jump
    tracks = track_detections(
        [per_frame[f] for f in frames],
        rate,
        frame_indices=frames,
        min_length=1,
        image_size=parsed.image_size,
    )
    for track in tracks:
        track.meta.update({"source": source, "ids": "tracker"})
        if note:
            track.meta["ids_note"] = f"the file's person ids were not used: {note}"
    return tracks


# A person's box centre moves a few percent of their height per frame; a jump of more than
# this fraction of their height between consecutive frames is another person under the same id.
MAX_JUMP_PER_FRAME = 0.5


def _group_by_file_ids(
    detections: Sequence[Detection],
) -> tuple[dict[int, dict[int, np.ndarray]] | None, str]:
    """{id: {frame: keypoints}} when the ids can be trusted, else (None, why not)."""
    by_person: dict[int, dict[int, np.ndarray]] = defaultdict(dict)
    for d in detections:
        frames = by_person[d.person_id]  # type: ignore[index]
        if d.frame in frames:
            return None, f"person {d.person_id} appears twice in frame {d.frame}"
        frames[d.frame] = d.keypoints
    for pid, frames in by_person.items():
        order = sorted(frames)
        for a, b in itertools.pairwise(order):
            if b - a > 2:
                continue  # after a gap anything may have happened; only judge neighbours
            jump = _centre_jump(frames[a], frames[b])
            if jump is not None and jump > MAX_JUMP_PER_FRAME * (b - a):
                return None, f"person {pid} jumps across the picture at frame {b}"
    return dict(by_person), ""


def _centre_jump(a: np.ndarray, b: np.ndarray) -> float | None:
    """Distance between the joint-box centres of two poses, in units of the larger height."""
    boxes = []
    for kp in (a, b):
        seen = kp[:, 2] > 0
        if seen.sum() < 3:
            return None
        lo, hi = kp[seen, :2].min(axis=0), kp[seen, :2].max(axis=0)
        boxes.append((lo, hi))
    height = max(float(hi[1] - lo[1]) for lo, hi in boxes)
    if height <= 0:
        return None
    (lo_a, hi_a), (lo_b, hi_b) = boxes
    return float(np.linalg.norm((lo_a + hi_a) / 2 - (lo_b + hi_b) / 2)) / height


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

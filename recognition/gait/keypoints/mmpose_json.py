"""MMPose inferencer predictions JSON.

Three shapes are read:
- video, as written by MMPoseInferencer(pred_out_dir=...):
  [{"frame_id": 0, "instances": [{"keypoints": [[x, y], ...], "keypoint_scores": [...],
  "bbox": [[x1, y1, x2, y2]], "bbox_score": s, "track_id"?: n}, ...]}, ...]
- a list per frame of instances: [[{instance}, ...], [...], ...]
- one image: [{instance}, ...]
- MMPose's demo scripts (``--save-predictions``): {"meta_info": {...}, "instance_info": X}
  with X either of the two shapes above (video: frames with "frame_id" and "instances").
Instances are read as the versions write them: ``keypoints`` as [[x, y], ...] or
[[x, y, score], ...], also with a leading batch dimension ([[[x, y], ...]]),
``keypoint_scores`` flat or nested the same way, ``track_id`` optional (missing or negative:
the engine's tracker follows people), ``bbox`` in any form (not used).
Keypoints may be 17 (COCO), 26 (Halpe) or 133 (COCO-WholeBody) joints, which all begin with the
COCO-17 joints in COCO order. We write the first shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recognition.gait.errors import KeypointFormatError
from recognition.gait.keypoints.detections import (
    Detection,
    ParsedKeypoints,
    check_tracks_to_write,
    iter_track_rows,
    joint_array,
    person_id_value,
)
from recognition.gait.keypoints.jsonfile import dump_json, rounded
from recognition.gait.skeleton import NUM_JOINTS
from recognition.gait.tracks import PoseTrack

SUPPORTED_JOINT_COUNTS = (17, 26, 133)


def _points(value: Any) -> Any:
    """Keypoints without MMPose's leading batch dimension of one ([[[x, y], ...]])."""
    while (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], list)
        and value[0]
        and isinstance(value[0][0], list)
    ):
        value = value[0]
    return value


def _is_instance(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    points = _points(item.get("keypoints"))
    return isinstance(points, list) and (not points or isinstance(points[0], list))


def _unwrap(data: Any) -> Any:
    """The predictions inside a demo script's {"meta_info", "instance_info"} file."""
    if isinstance(data, dict) and "instance_info" in data:
        return data["instance_info"]
    return data


def looks_like(data: Any) -> bool:
    data = _unwrap(data)
    if not isinstance(data, list) or not data:
        return False
    first = data[0]
    if isinstance(first, dict) and "instances" in first:
        return True
    if isinstance(first, list):
        return not first or _is_instance(first[0])
    return _is_instance(first)


def parse(data: Any, where: str) -> ParsedKeypoints:
    data = _unwrap(data)
    if not isinstance(data, list) or not data:
        raise KeypointFormatError(f"{where}: no detections (empty MMPose prediction list)")
    first = data[0]
    if isinstance(first, dict) and "instances" in first:
        frames = []
        for i, entry in enumerate(data):
            if not isinstance(entry, dict) or not isinstance(entry.get("instances"), list):
                raise KeypointFormatError(f"{where}: entry {i} has no 'instances' list")
            frame = entry.get("frame_id", i)
            if isinstance(frame, float) and frame.is_integer():
                frame = int(frame)
            if not isinstance(frame, int) or isinstance(frame, bool):
                raise KeypointFormatError(f"{where}: entry {i}: 'frame_id' must be an integer")
            frames.append((frame, entry["instances"]))
    elif isinstance(first, list):
        frames = []
        for i, entry in enumerate(data):
            if not isinstance(entry, list):
                raise KeypointFormatError(f"{where}: frame {i} is not a list of instances")
            frames.append((i, entry))
    else:
        frames = [(0, data)]

    detections = []
    for frame, instances in frames:
        for j, inst in enumerate(instances):
            here = f"{where}: frame {frame}, instance {j}"
            if not isinstance(inst, dict) or not isinstance(inst.get("keypoints"), list):
                raise KeypointFormatError(f"{here}: instance has no 'keypoints' list")
            if not _points(inst["keypoints"]):
                continue  # nobody's joints in this instance
            detections.append(_instance_detection(inst, frame, here))
    return ParsedKeypoints(detections)


def _instance_detection(inst: dict, frame: int, where: str) -> Detection:
    points = _points(inst["keypoints"])
    if len(points) not in SUPPORTED_JOINT_COUNTS:
        raise KeypointFormatError(
            f"{where}: expected 17 keypoints (or 26/133 with COCO-17 first), got {len(points)}"
        )
    try:
        xy = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise KeypointFormatError(f"{where}: keypoints must be [x, y] pairs of numbers") from None
    if xy.ndim != 2 or xy.shape[1] not in (2, 3):
        raise KeypointFormatError(f"{where}: keypoints must be [x, y] pairs, got shape {xy.shape}")
    scores = inst.get("keypoint_scores")
    while isinstance(scores, list) and len(scores) == 1 and isinstance(scores[0], list):
        scores = scores[0]  # the same batch dimension as the keypoints
    if scores is not None:
        if not isinstance(scores, list) or len(scores) != len(points):
            raise KeypointFormatError(
                f"{where}: 'keypoint_scores' must hold one number per keypoint ({len(points)})"
            )
        try:
            conf = np.asarray(scores, dtype=np.float64)
        except (TypeError, ValueError):
            raise KeypointFormatError(f"{where}: 'keypoint_scores' must be numbers") from None
    elif xy.shape[1] == 3:
        conf = xy[:, 2]
    else:
        conf = np.where(np.isfinite(xy).all(axis=1), 1.0, 0.0)
    joints = np.column_stack([xy[:, :2], conf])[:NUM_JOINTS]
    return Detection(
        frame, joint_array(joints, NUM_JOINTS, where), person_id_value(inst.get("track_id"), where)
    )


def write(path: Path, tracks: Sequence[PoseTrack]) -> Path:
    check_tracks_to_write(tracks)
    by_frame: dict[int, list[dict]] = {}
    for frame, track_id, kp in iter_track_rows(tracks):
        visible = kp[:, 2] > 0
        box = [0.0, 0.0, 0.0, 0.0]
        if visible.any():
            box = [*kp[visible, :2].min(axis=0), *kp[visible, :2].max(axis=0)]
        by_frame.setdefault(frame, []).append(
            {
                "keypoints": [rounded(p, 4) for p in kp[:, :2]],
                "keypoint_scores": rounded(kp[:, 2], 4),
                "bbox": [rounded(box, 2)],
                "bbox_score": round(float(np.mean(kp[:, 2])), 4),
                "track_id": track_id,
            }
        )
    return dump_json(
        path,
        [{"frame_id": frame, "instances": by_frame[frame]} for frame in sorted(by_frame)],
    )

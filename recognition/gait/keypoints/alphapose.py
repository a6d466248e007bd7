"""AlphaPose results JSON (also the COCO "results" format).

A list of detections: {"image_id": "12.jpg" or 12, "category_id": 1, "keypoints": [x, y, score
x 17], "score": float, "idx": person id (optional; int, float or a one-element list),
"box": [x, y, w, h] (optional)}. Several detections per frame are usual. Halpe-26, Halpe-136
and COCO-WholeBody-133 outputs start with the 17 COCO joints in COCO order, so those are read too.
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
    frame_number_from_name,
    iter_track_rows,
    joint_array,
    person_id_value,
)
from recognition.gait.keypoints.jsonfile import dump_json, rounded
from recognition.gait.skeleton import NUM_JOINTS
from recognition.gait.tracks import PoseTrack

# Joint counts of AlphaPose's output layouts; each starts with COCO-17 in COCO order.
SUPPORTED_JOINT_COUNTS = (17, 26, 133, 136)


def looks_like(data: Any) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and "image_id" in data[0]
        and isinstance(data[0].get("keypoints"), list)
        and not (data[0]["keypoints"] and isinstance(data[0]["keypoints"][0], list))
    )


def parse(data: Any, where: str) -> ParsedKeypoints:
    if not isinstance(data, list):
        raise KeypointFormatError(f"{where}: AlphaPose results must be a JSON list")
    if not data:
        raise KeypointFormatError(f"{where}: no detections (empty list)")
    frame_of = _frame_numbering([_image_id(item, where, i) for i, item in enumerate(data)])
    detections = []
    for i, item in enumerate(data):
        here = f"{where}: detection {i}"
        values = item.get("keypoints")
        if not isinstance(values, list):
            raise KeypointFormatError(f"{here}: 'keypoints' must be a list of numbers")
        if len(values) % 3 or len(values) // 3 not in SUPPORTED_JOINT_COUNTS:
            raise KeypointFormatError(
                f"{here}: expected 51 keypoint numbers (17 joints x [x, y, score]), "
                f"got {len(values)}"
            )
        kp = joint_array(values, len(values) // 3, here)[:NUM_JOINTS]
        detections.append(
            Detection(
                frame=frame_of[item["image_id"]],
                keypoints=kp,
                person_id=person_id_value(item.get("idx"), here),
            )
        )
    return ParsedKeypoints(detections)


def _image_id(item: Any, where: str, i: int) -> Any:
    if not isinstance(item, dict):
        raise KeypointFormatError(f"{where}: detection {i} is not an object")
    if "image_id" not in item:
        raise KeypointFormatError(f"{where}: detection {i} has no 'image_id'")
    image_id = item["image_id"]
    if not isinstance(image_id, str | int) or isinstance(image_id, bool):
        raise KeypointFormatError(
            f"{where}: detection {i}: 'image_id' must be a file name or an integer"
        )
    return image_id


def _frame_numbering(image_ids: Sequence[Any]) -> dict[Any, int]:
    """Frame number per image id: the id itself, the number in its file name, else the order."""
    numbers = {
        image_id: image_id if isinstance(image_id, int) else frame_number_from_name(image_id)
        for image_id in image_ids
    }
    if all(n is not None for n in numbers.values()) and len(set(numbers.values())) == len(numbers):
        return numbers  # type: ignore[return-value]
    ordered = sorted(numbers, key=str)
    return {image_id: i for i, image_id in enumerate(ordered)}


def write(path: Path, tracks: Sequence[PoseTrack]) -> Path:
    check_tracks_to_write(tracks)
    items = []
    for frame, track_id, kp in iter_track_rows(tracks):
        visible = kp[:, 2] > 0
        if not visible.any():
            continue
        x0, y0 = kp[visible, :2].min(axis=0)
        x1, y1 = kp[visible, :2].max(axis=0)
        items.append(
            {
                "image_id": f"{frame}.jpg",
                "category_id": 1,
                "keypoints": rounded(kp.reshape(-1), 4),
                "score": round(float(np.mean(kp[:, 2])), 4),
                "box": rounded([x0, y0, x1 - x0, y1 - y0], 2),
                "idx": [track_id],
            }
        )
    return dump_json(path, items)

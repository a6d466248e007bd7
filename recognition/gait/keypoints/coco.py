"""COCO keypoint annotations (also PoseTrack-style files with per-image "frame_id").

{"images": [{"id", "file_name", "width", "height", "frame_id"?}],
 "annotations": [{"image_id", "category_id": 1, "keypoints": [x, y, v x 17], "track_id"?,
                  "keypoint_scores"?: [17]}],
 "categories": [{"id": 1, "name": "person", "keypoints": [...], "skeleton": [...]}]}
COCO's visibility flag v becomes the confidence: 2 (visible) -> 1.0, 1 (labelled, occluded) ->
0.5, 0 -> 0. Files we write also carry "keypoint_scores" (the real confidences), which a reader
prefers when present; other COCO tools ignore the extra key.
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
from recognition.gait.skeleton import BONES, COCO17_JOINTS, NUM_JOINTS
from recognition.gait.tracks import PoseTrack

VISIBILITY_CONFIDENCE = {0: 0.0, 1: 0.5, 2: 1.0}


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and "annotations" in data


def parse(data: Any, where: str) -> ParsedKeypoints:
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise KeypointFormatError(f"{where}: COCO file must have an 'annotations' list")
    images = data.get("images") or []
    if not isinstance(images, list) or not all(
        isinstance(im, dict) and "id" in im for im in images
    ):
        raise KeypointFormatError(f"{where}: 'images' must be a list of objects with an 'id'")
    frame_of = _frame_numbers(images)
    sizes = {(im.get("width"), im.get("height")) for im in images}
    image_size = None
    if len(sizes) == 1:
        w, h = next(iter(sizes))
        if isinstance(w, int) and isinstance(h, int):
            image_size = (w, h)

    detections = []
    for i, ann in enumerate(data["annotations"]):
        here = f"{where}: annotation {i}"
        if not isinstance(ann, dict) or "image_id" not in ann:
            raise KeypointFormatError(f"{here}: annotation has no 'image_id'")
        if ann.get("category_id", 1) != 1:
            continue  # not a person
        values = ann.get("keypoints")
        if not isinstance(values, list) or len(values) != NUM_JOINTS * 3:
            got = len(values) if isinstance(values, list) else type(values).__name__
            raise KeypointFormatError(
                f"{here}: expected 'keypoints' with 51 numbers (17 joints x [x, y, v]), got {got}"
            )
        scores = ann.get("keypoint_scores")
        if scores is not None:
            if not isinstance(scores, list) or len(scores) != NUM_JOINTS:
                raise KeypointFormatError(f"{here}: 'keypoint_scores' must hold 17 numbers")
            confidence = scores
        else:
            flags = values[2::3]
            if not all(v in (0, 1, 2) and not isinstance(v, bool) for v in flags):
                raise KeypointFormatError(f"{here}: visibility flags must be 0, 1 or 2")
            confidence = [VISIBILITY_CONFIDENCE[int(v)] for v in flags]
        triples = [[*values[3 * j : 3 * j + 2], confidence[j]] for j in range(NUM_JOINTS)]
        kp = joint_array(triples, NUM_JOINTS, here)
        image_id = ann["image_id"]
        if image_id not in frame_of:
            if images:
                raise KeypointFormatError(f"{here}: image_id {image_id!r} is not in 'images'")
            frame_of[image_id] = image_id if isinstance(image_id, int) else len(frame_of)
        detections.append(
            Detection(frame_of[image_id], kp, person_id_value(ann.get("track_id"), here))
        )
    return ParsedKeypoints(detections, image_size=image_size)


def _frame_numbers(images: list[dict]) -> dict[Any, int]:
    """frame_id when given, else the number in file_name, else the order of the images."""
    if all(isinstance(im.get("frame_id"), int) for im in images):
        return {im["id"]: im["frame_id"] for im in images}
    numbers = [frame_number_from_name(str(im.get("file_name", ""))) for im in images]
    if None not in numbers and len(set(numbers)) == len(numbers):
        return {im["id"]: n for im, n in zip(images, numbers, strict=True)}
    return {im["id"]: i for i, im in enumerate(images)}


def write(path: Path, tracks: Sequence[PoseTrack]) -> Path:
    check_tracks_to_write(tracks)
    frames = sorted({int(f) for t in tracks for f in t.frame_indices})
    size = next((t.image_size for t in tracks if t.image_size), None)
    images = []
    for frame in frames:
        image = {"id": frame + 1, "file_name": f"{frame:06d}.jpg", "frame_id": frame}
        if size:
            image.update(width=int(size[0]), height=int(size[1]))
        images.append(image)
    annotations = []
    for frame, track_id, kp in iter_track_rows(tracks):
        visible = kp[:, 2] > 0
        flat = np.column_stack([kp[:, :2], np.where(visible, 2, 0)]).reshape(-1)
        box = [0.0, 0.0, 0.0, 0.0]
        if visible.any():
            (x0, y0), (x1, y1) = kp[visible, :2].min(axis=0), kp[visible, :2].max(axis=0)
            box = [x0, y0, x1 - x0, y1 - y0]
        annotations.append(
            {
                "id": len(annotations) + 1,
                "image_id": frame + 1,
                "category_id": 1,
                "track_id": track_id,
                "keypoints": rounded(flat, 4),
                "keypoint_scores": rounded(kp[:, 2], 4),
                "num_keypoints": int(visible.sum()),
                "bbox": rounded(box, 2),
                "area": round(float(box[2] * box[3]), 2),
                "iscrowd": 0,
            }
        )
    categories = [
        {
            "id": 1,
            "name": "person",
            "supercategory": "person",
            "keypoints": list(COCO17_JOINTS),
            # COCO's skeleton is 1-based
            "skeleton": [[a + 1, b + 1] for a, b in BONES],
        }
    ]
    return dump_json(path, {"images": images, "annotations": annotations, "categories": categories})

"""CSV keypoints: one row per person per frame.

Header (required, in this order): frame,person,nose_x,nose_y,nose_conf,left_eye_x,...,
right_ankle_conf (the 17 COCO joints of skeleton.py, each as _x, _y, _conf). "person" may be
left empty when unknown (the tracker then separates people). An empty x/y/conf cell means the
joint was not detected (confidence 0).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from recognition.gait.errors import KeypointFormatError
from recognition.gait.keypoints.detections import (
    Detection,
    ParsedKeypoints,
    check_tracks_to_write,
    iter_track_rows,
    joint_array,
)
from recognition.gait.skeleton import COCO17_JOINTS, NUM_JOINTS
from recognition.gait.tracks import PoseTrack

CSV_HEADER: tuple[str, ...] = (
    "frame",
    "person",
    *(f"{joint}_{part}" for joint in COCO17_JOINTS for part in ("x", "y", "conf")),
)


def parse(path: Path) -> ParsedKeypoints:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise KeypointFormatError(f"{path}: not a UTF-8 text CSV file") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise KeypointFormatError(f"{path}: empty CSV file (expected the header {CSV_HEADER[:3]}…)")
    header = tuple(cell.strip().lower() for cell in rows[0])
    if header != CSV_HEADER:
        missing = [c for c in CSV_HEADER if c not in header]
        detail = f"missing columns {missing[:4]}" if missing else "columns in a different order"
        raise KeypointFormatError(
            f"{path}: unexpected CSV header ({detail}); expected frame,person,nose_x,nose_y,"
            "nose_conf,... for the 17 COCO joints"
        )
    detections = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        here = f"{path}: line {line}"
        if len(row) != len(CSV_HEADER):
            raise KeypointFormatError(f"{here}: expected {len(CSV_HEADER)} columns, got {len(row)}")
        frame = _integer(row[0], here, "frame")
        if frame is None:
            raise KeypointFormatError(f"{here}: 'frame' is empty")
        person = _integer(row[1], here, "person")
        values = []
        for j in range(NUM_JOINTS):
            cells = [cell.strip() for cell in row[2 + 3 * j : 5 + 3 * j]]
            if all(cell == "" for cell in cells):
                values.extend([0.0, 0.0, 0.0])  # joint not detected
            elif any(cell == "" for cell in cells):
                raise KeypointFormatError(
                    f"{here}: {COCO17_JOINTS[j]}: x, y and conf must all be given or all be empty"
                )
            else:
                values.extend(cells)
        detections.append(Detection(frame, joint_array(values, NUM_JOINTS, here), person))
    if not detections:
        raise KeypointFormatError(f"{path}: no detections (the CSV has only a header)")
    return ParsedKeypoints(detections)


def _integer(cell: str, where: str, column: str) -> int | None:
    cell = cell.strip()
    if cell == "":
        return None
    try:
        value = float(cell)
    except ValueError:
        raise KeypointFormatError(f"{where}: '{column}' must be an integer, got {cell!r}") from None
    if not math.isfinite(value) or value != int(value):
        raise KeypointFormatError(f"{where}: '{column}' must be an integer, got {cell!r}")
    return int(value)


def write(path: Path, tracks: Sequence[PoseTrack]) -> Path:
    check_tracks_to_write(tracks)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for frame, track_id, kp in iter_track_rows(tracks):
            cells: list[object] = [frame, track_id]
            for x, y, c in np.asarray(kp, dtype=np.float64):
                cells.extend([""] * 3 if c <= 0 else [f"{x:.4f}", f"{y:.4f}", f"{c:.4f}"])
            writer.writerow(cells)
    return path

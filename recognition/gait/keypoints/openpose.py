"""OpenPose per-frame JSON: {"people": [{"person_id": [-1], "pose_keypoints_2d": [...]}]}.

OpenPose writes one file per frame ("<name>_000000000012_keypoints.json"); we read a directory
of them, a zip of them, or a single file (one frame). BODY_25 (75 numbers) and COCO-18 (54
numbers) are told apart by length. Both have joints COCO-17 lacks (Neck, MidHip, feet): those are
dropped on reading and, on writing, derived (Neck/MidHip as midpoints) or left undetected (feet).
"""

from __future__ import annotations

import json
import zipfile
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
from recognition.gait.keypoints.jsonfile import dump_json, load_json, parse_json_text, rounded
from recognition.gait.skeleton import JOINT_INDEX, NUM_JOINTS
from recognition.gait.tracks import PoseTrack

BODY25_JOINTS = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
    "left_elbow", "left_wrist", "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip",
    "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear", "left_big_toe",
    "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel",
)  # fmt: skip
COCO18_JOINTS = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
    "left_elbow", "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip",
    "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear",
)  # fmt: skip
LAYOUTS = {"body25": BODY25_JOINTS, "coco18": COCO18_JOINTS}


def _to_coco17_index(layout: Sequence[str]) -> np.ndarray:
    """For each COCO-17 joint, its index in the OpenPose layout."""
    return np.array([layout.index(name) for name in JOINT_INDEX])


TO_COCO17 = {name: _to_coco17_index(layout) for name, layout in LAYOUTS.items()}


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and "people" in data


# OpenPose's MPI models (15 joints): no face joints, which COCO-17 leaves undetected.
MPI_JOINTS = (
    "head_top", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
    "left_elbow", "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip",
    "left_knee", "left_ankle", "chest",
)  # fmt: skip
MPI_TO_COCO17 = {
    j: MPI_JOINTS.index(name) for j, name in enumerate(JOINT_INDEX) if name in MPI_JOINTS
}
# BODY_135 (405 numbers) and the 26/133-joint layouts start with COCO-17 in COCO order.
COCO_FIRST_JOINT_COUNTS = (17, 26, 133, 135)
# The keys OpenPose versions have used for the body: 1.3 and later, and 1.0-1.2.
BODY_KEYS = ("pose_keypoints_2d", "pose_keypoints")


def parse_frame(data: Any, frame: int, where: str) -> list[Detection]:
    """Detections of one OpenPose frame file.

    Read as OpenPose writes them: an empty ``pose_keypoints_2d`` (a person with no body part
    found) is skipped, the joint layout is told from each person's length (BODY_25, COCO-18,
    MPI-15, BODY_135), ``person_id`` [-1] means "no id" and a frame without ``people`` holds
    nobody.
    """
    if not isinstance(data, dict):
        raise KeypointFormatError(f"{where}: an OpenPose frame must be an object with 'people'")
    people = data.get("people", [])
    if not isinstance(people, list):
        raise KeypointFormatError(f"{where}: 'people' must be a list")
    detections = []
    for p, person in enumerate(people):
        here = f"{where}: person {p}"
        if not isinstance(person, dict):
            raise KeypointFormatError(f"{here}: a person must be an object")
        values = next((person[k] for k in BODY_KEYS if k in person), None)
        if not isinstance(values, list):
            raise KeypointFormatError(f"{here}: 'pose_keypoints_2d' must be a list of numbers")
        if not values:
            continue
        kp = _coco17(values, here)
        detections.append(
            Detection(
                frame=frame, keypoints=kp, person_id=person_id_value(person.get("person_id"), here)
            )
        )
    return detections


def _coco17(values: list, where: str) -> np.ndarray:
    n = len(values) // 3
    if len(values) % 3 == 0 and n == len(BODY25_JOINTS):
        return joint_array(values, n, where)[TO_COCO17["body25"]]
    if len(values) % 3 == 0 and n == len(COCO18_JOINTS):
        return joint_array(values, n, where)[TO_COCO17["coco18"]]
    if len(values) % 3 == 0 and n == len(MPI_JOINTS):
        full = joint_array(values, n, where)
        out = np.zeros((NUM_JOINTS, 3), dtype=np.float32)
        for coco, mpi in MPI_TO_COCO17.items():
            out[coco] = full[mpi]
        return out
    if len(values) % 3 == 0 and n in COCO_FIRST_JOINT_COUNTS:
        return joint_array(values, n, where)[:NUM_JOINTS]
    raise KeypointFormatError(
        f"{where}: expected 75 numbers (BODY_25), 54 (COCO-18), 45 (MPI) or 405 (BODY_135) in "
        f"'pose_keypoints_2d', got {len(values)}"
    )


def parse_path(path: Path) -> ParsedKeypoints:
    """A directory or zip of per-frame files, or one frame file."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json")
        if not files:
            raise KeypointFormatError(f"{path}: directory holds no .json frame files")
        frames = [(f.name, load_json(f), f"{path}/{f.name}") for f in files]
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(
                n for n in archive.namelist() if n.lower().endswith(".json") and "__MACOSX" not in n
            )
            if not names:
                raise KeypointFormatError(f"{path}: zip holds no .json frame files")
            frames = [
                (n, parse_json_text(archive.read(n), f"{path}:{n}"), f"{path}:{n}") for n in names
            ]
    elif path.suffix.lower() == ".zip":
        raise KeypointFormatError(f"{path}: not a valid zip file")
    else:
        return ParsedKeypoints(parse_frame(load_json(path), 0, str(path)))

    numbers = [frame_number_from_name(name) for name, _, _ in frames]
    if None in numbers or len(set(numbers)) != len(numbers):
        numbers = list(range(len(frames)))  # names carry no usable frame number: use the order
    detections = []
    for number, (_, data, where) in zip(numbers, frames, strict=True):
        detections.extend(parse_frame(data, number, where))  # type: ignore[arg-type]
    return ParsedKeypoints(detections)


def from_coco17(kp: np.ndarray, layout: str) -> np.ndarray:
    """COCO-17 [17, 3] to the OpenPose layout; Neck and MidHip are shoulder/hip midpoints."""
    names = LAYOUTS[layout]
    out = np.zeros((len(names), 3), dtype=np.float32)
    out[TO_COCO17[layout]] = kp
    for joint, (a, b) in {
        "neck": ("left_shoulder", "right_shoulder"),
        "mid_hip": ("left_hip", "right_hip"),
    }.items():
        if joint not in names:
            continue
        ka, kb = kp[JOINT_INDEX[a]], kp[JOINT_INDEX[b]]
        if ka[2] > 0 and kb[2] > 0:
            out[names.index(joint)] = [*((ka[:2] + kb[:2]) / 2), min(ka[2], kb[2])]
    return out


def write(path: Path, tracks: Sequence[PoseTrack], layout: str) -> Path:
    """One file per frame into a directory, or into a zip when path ends with .zip."""
    check_tracks_to_write(tracks)
    frames: dict[int, list[dict]] = {}
    first = min(int(t.frame_indices.min()) for t in tracks if len(t))
    last = max(int(t.frame_indices.max()) for t in tracks if len(t))
    for frame in range(first, last + 1):
        frames[frame] = []  # OpenPose writes a file for every frame, empty ones too
    for frame, track_id, kp in iter_track_rows(tracks):
        assert kp.shape == (NUM_JOINTS, 3)
        frames[frame].append(
            {
                "person_id": [track_id],
                "pose_keypoints_2d": rounded(from_coco17(kp, layout).reshape(-1), 4),
            }
        )
    documents = {
        f"walk_{frame:012d}_keypoints.json": {"version": 1.3, "people": people}
        for frame, people in frames.items()
    }
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, doc in documents.items():
                archive.writestr(name, json.dumps(doc, separators=(",", ":")))
        return path
    path.mkdir(parents=True, exist_ok=True)
    for name, doc in documents.items():
        dump_json(path / name, doc)
    return path

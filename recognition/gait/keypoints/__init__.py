"""Keypoint files in, keypoint files out: every format mapped to COCO-17 PoseTracks.

read_keypoint_file detects the format from the extension and the content; write_keypoint_file
writes one of KEYPOINT_FORMATS. Per-format details live in the modules of this package and in
docs/GAIT_INPUTS.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from recognition.gait.errors import KeypointFormatError
from recognition.gait.keypoints import alphapose, arrays, coco, csv_table, mmpose_json, openpose
from recognition.gait.keypoints.csv_table import CSV_HEADER
from recognition.gait.keypoints.detections import ParsedKeypoints, tracks_from_detections
from recognition.gait.keypoints.jsonfile import load_json
from recognition.gait.tracks import PoseTrack

KEYPOINT_FORMATS: tuple[str, ...] = (
    "alphapose",
    "openpose_body25",
    "openpose_coco18",
    "mmpose",
    "coco",
    "csv",
    "npy",
    "npz",
)
# Extensions read_keypoint_file accepts (a directory of OpenPose frame files is accepted too).
KEYPOINT_EXTENSIONS: frozenset[str] = frozenset({".json", ".zip", ".csv", ".npy", ".npz"})

__all__ = [
    "CSV_HEADER",
    "KEYPOINT_EXTENSIONS",
    "KEYPOINT_FORMATS",
    "detect_format",
    "is_keypoint_path",
    "read_keypoint_file",
    "write_keypoint_file",
]


def is_keypoint_path(path: str | Path) -> bool:
    path = Path(path)
    return path.is_dir() or path.suffix.lower() in KEYPOINT_EXTENSIONS


def detect_format(path: str | Path) -> str:
    """Name of the format of a keypoint file: one of KEYPOINT_FORMATS, or "openpose" for a
    directory, zip or frame of OpenPose files (BODY_25 vs COCO-18 is decided per person)."""
    path = Path(path)
    return _parse_with_format(path)[0]


def read_keypoint_file(path: str | Path, *, fps: float | None = None) -> list[PoseTrack]:
    """Read a keypoint file of any supported format into one PoseTrack per person.

    fps overrides the frame rate the file gives (only .npz stores one); the default is 25.
    Raises KeypointFormatError naming the file and the problem.
    """
    path = Path(path)
    if fps is not None and not fps > 0:
        raise KeypointFormatError(f"fps must be positive, got {fps}")
    fmt, parsed = _parse_with_format(path)
    tracks = tracks_from_detections(parsed, fps=fps, source=str(path))
    for track in tracks:
        track.meta["format"] = fmt
    return tracks


def _parse_with_format(path: Path) -> tuple[str, ParsedKeypoints]:
    if not path.exists():
        raise KeypointFormatError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".zip":
        return "openpose", openpose.parse_path(path)
    if path.stat().st_size == 0:
        raise KeypointFormatError(f"{path}: the file is empty")
    if suffix == ".csv":
        return "csv", csv_table.parse(path)
    if suffix == ".npy":
        return "npy", arrays.parse_npy(path)
    if suffix == ".npz":
        return "npz", arrays.parse_npz(path)
    if suffix != ".json":
        raise KeypointFormatError(
            f"{path}: unsupported keypoint file extension {suffix or '(none)'!r}; expected one "
            f"of {sorted(KEYPOINT_EXTENSIONS)} or a directory of OpenPose JSON files"
        )
    data = load_json(path)
    where = str(path)
    if openpose.looks_like(data):
        return "openpose", ParsedKeypoints(openpose.parse_frame(data, 0, where))
    if coco.looks_like(data):
        return "coco", coco.parse(data, where)
    if isinstance(data, list) and not data:
        raise KeypointFormatError(f"{where}: no detections (empty list)")
    if alphapose.looks_like(data):
        return "alphapose", alphapose.parse(data, where)
    if mmpose_json.looks_like(data):
        return "mmpose", mmpose_json.parse(data, where)
    found = type(data).__name__
    if isinstance(data, dict):
        found = f"an object with keys {sorted(data)[:6]}"
    elif isinstance(data, list):
        found = f"a list of {type(data[0]).__name__}"
    raise KeypointFormatError(
        f"{where}: JSON of no known keypoint format (found {found}); expected AlphaPose results, "
        "an OpenPose frame, MMPose predictions or COCO annotations"
    )


def write_keypoint_file(path: str | Path, tracks: Sequence[PoseTrack], fmt: str) -> Path:
    """Write tracks as fmt (one of KEYPOINT_FORMATS). OpenPose formats write one file per frame
    into a directory, or into a zip when path ends with .zip. Returns the path written."""
    path = Path(path)
    tracks = list(tracks)
    if fmt == "alphapose":
        return alphapose.write(path, tracks)
    if fmt == "openpose_body25":
        return openpose.write(path, tracks, "body25")
    if fmt == "openpose_coco18":
        return openpose.write(path, tracks, "coco18")
    if fmt == "mmpose":
        return mmpose_json.write(path, tracks)
    if fmt == "coco":
        return coco.write(path, tracks)
    if fmt == "csv":
        return csv_table.write(path, tracks)
    if fmt == "npy":
        return arrays.write_npy(path, tracks)
    if fmt == "npz":
        return arrays.write_npz(path, tracks)
    raise ValueError(f"unknown keypoint format {fmt!r}; expected one of {KEYPOINT_FORMATS}")

"""Malformed keypoint files: each gives a KeypointFormatError that names the problem."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from recognition.gait.errors import GaitInputError, KeypointFormatError
from recognition.gait.keypoints import read_keypoint_file, write_keypoint_file
from recognition.gait.keypoints.csv_table import CSV_HEADER
from tests.recognition.gait.perception_helpers import walker_track

GOOD = walker_track(n_frames=2).keypoints[0]
FLAT = GOOD.ravel().tolist()


def alphapose(keypoints, **extra):
    return [{"image_id": "0.jpg", "keypoints": keypoints, **extra}]


def openpose(values):
    return {"people": [{"pose_keypoints_2d": values}]}


def mmpose(points, scores):
    return [{"frame_id": 0, "instances": [{"keypoints": points, "keypoint_scores": scores}]}]


def coco(keypoints, image_id=1):
    return {"images": [{"id": 1}], "annotations": [{"image_id": image_id, "keypoints": keypoints}]}


def with_nan_confidence():
    values = list(FLAT)
    values[5] = float("nan")
    return values


def with_nan_coordinate():
    values = list(FLAT)
    values[3] = float("nan")  # joint 1's x; its confidence stays > 0
    return values


JSON_CASES = {
    "empty list": ([], "no detections"),
    "alphapose 50 numbers": (alphapose(FLAT[:50]), "expected 51 keypoint numbers"),
    "alphapose text keypoints": (alphapose(["a"] * 51), "not numbers"),
    "alphapose NaN confidence": (alphapose(with_nan_confidence()), "confidence values must be"),
    "alphapose NaN on a detected joint": (alphapose(with_nan_coordinate()), "NaN or infinite"),
    "alphapose negative confidence": (
        alphapose([v if i % 3 != 2 else -0.5 for i, v in enumerate(FLAT)]),
        "must not be negative",
    ),
    "alphapose all confidences zero": (
        alphapose([v if i % 3 != 2 else 0 for i, v in enumerate(FLAT)]),
        "no detections",
    ),
    "alphapose bad idx": (alphapose(FLAT, idx="someone"), "person id must be a number"),
    "alphapose boolean image id": ([{"image_id": True, "keypoints": FLAT}], "image_id"),
    "alphapose item not an object": ([{"image_id": 0, "keypoints": FLAT}, 3], "not an object"),
    "openpose 60 numbers": (openpose(FLAT[:48] + [0.0] * 12), r"75 numbers \(BODY_25\), 54"),
    "openpose people not a list": ({"people": 3}, "'people'"),
    "openpose no keypoints": ({"people": [{"face_keypoints_2d": []}]}, "pose_keypoints_2d"),
    "mmpose 16 keypoints": (mmpose([[1, 2]] * 16, [0.5] * 16), "expected 17 keypoints"),
    "mmpose score count": (mmpose([[1, 2]] * 17, [0.5] * 3), "one number per keypoint"),
    "mmpose bad frame id": (
        [{"frame_id": "one", "instances": [{"keypoints": [[1, 2]] * 17}]}],
        "'frame_id' must be an integer",
    ),
    "mmpose instances not a list": ([{"frame_id": 0, "instances": {}}], "'instances'"),
    "coco 34 numbers": (coco(FLAT[:34]), "51 numbers"),
    "coco bad visibility": (coco([v if i % 3 != 2 else 0.7 for i, v in enumerate(FLAT)]), "0, 1"),
    "coco unknown image": (coco([1, 1, 2] * 17, image_id=9), "is not in 'images'"),
    "coco annotations not a list": ({"annotations": {}}, "'annotations' list"),
    "unknown JSON object": ({"frames": []}, "no known keypoint format"),
    "unknown JSON list": ([1, 2, 3], "no known keypoint format"),
    "JSON number": (3, "no known keypoint format"),
}


@pytest.mark.parametrize("case", JSON_CASES)
def test_malformed_json(tmp_path, case):
    data, message = JSON_CASES[case]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))  # json writes NaN as NaN, which Python's reader accepts
    with pytest.raises(KeypointFormatError, match=message) as error:
        read_keypoint_file(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"{not json", "not JSON"),
        (b'[{"image_id": 0,', "not JSON"),
        (b'{"broken', r"not JSON \(Unterminated string starting at line 1, column 2\)"),
        (b'{"a": "\x01"}', r"not JSON \(Invalid control character at line 1, column 8\)"),
        (b"\xff\xfe\x00garbage", "not JSON"),
    ],
)
def test_unreadable_json(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(KeypointFormatError, match=message):
        read_keypoint_file(path)


def csv_text(*rows: list) -> str:
    return "\n".join(",".join(map(str, row)) for row in [list(CSV_HEADER), *rows]) + "\n"


def csv_row(frame=0, person=0, values=None):
    return [frame, person, *(FLAT if values is None else values)]


CSV_CASES = {
    "header only": (csv_text(), "only a header"),
    "wrong header": ("frame,person,x,y\n0,0,1,2\n", "unexpected CSV header"),
    "columns reordered": (
        ",".join(["person", "frame", *CSV_HEADER[2:]]) + "\n",
        "different order",
    ),
    "short row": (csv_text(csv_row()[:10]), "line 2: expected 53 columns"),
    "text in a number": (csv_text(csv_row(values=["x"] * 51)), "not numbers"),
    "fractional frame": (csv_text(csv_row(frame=1.5)), "'frame' must be an integer"),
    "empty frame": (csv_text(csv_row(frame="")), "'frame' is empty"),
    "half a joint": (csv_text(csv_row(values=["", "", 0.5, *FLAT[3:]])), "nose: x, y and conf"),
    "nan confidence": (csv_text(csv_row(values=with_nan_confidence())), "confidence values"),
}


@pytest.mark.parametrize("case", CSV_CASES)
def test_malformed_csv(tmp_path, case):
    text, message = CSV_CASES[case]
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(KeypointFormatError, match=message):
        read_keypoint_file(path)


def test_same_person_twice_in_a_frame_is_followed_by_the_tracker(tmp_path):
    # ids that contradict themselves are not trusted (real trackers write such files)
    path = tmp_path / "dup.csv"
    path.write_text(csv_text(csv_row(frame=4, person=1), csv_row(frame=4, person=1)))
    (track,) = read_keypoint_file(path)
    assert track.meta["ids"] == "tracker"
    assert "person 1 appears twice in frame 4" in track.meta["ids_note"]


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("k.npy", npy_bytes(np.zeros((4, 18, 3))), "expected keypoints of shape"),
        ("k.npy", npy_bytes(np.zeros((4, 17))), "expected keypoints of shape"),
        ("k.npy", npy_bytes(np.zeros((0, 17, 3))), "zero frames"),
        ("k.npy", npy_bytes(np.zeros((4, 17, 3))), "no detections"),
        ("k.npy", npy_bytes(np.array([{"a": 1}], dtype=object)), "not a readable .npy"),
        ("k.npy", npy_bytes(np.full((2, 17, 3), "a")), "must be numbers"),
        ("k.npy", b"this is not numpy", "not a readable .npy"),
        ("k.npz", b"PK\x03\x04broken zip", "not a readable .npz"),
    ],
)
def test_malformed_numpy(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(KeypointFormatError, match=message):
        read_keypoint_file(path)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"points": np.zeros((2, 17, 3))}, "no 'keypoints' array"),
        ({"keypoints": np.ones((2, 17, 3)), "fps": np.float64(-5)}, "'fps' must be one positive"),
        (
            {"keypoints": np.ones((2, 17, 3)), "frame_indices": np.arange(3)},
            "'frame_indices' must hold 2 integers",
        ),
        (
            {"keypoints": np.ones((2, 2, 17, 3)), "track_ids": np.arange(3)},
            "'track_ids' must hold 2 ids",
        ),
    ],
)
def test_malformed_npz(tmp_path, arrays, message):
    path = tmp_path / "k.npz"
    np.savez(path, **arrays)
    with pytest.raises(KeypointFormatError, match=message):
        read_keypoint_file(path)


def test_openpose_containers_without_frames(tmp_path):
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(KeypointFormatError, match=r"no \.json frame files"):
        read_keypoint_file(tmp_path / "empty_dir")
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    with pytest.raises(KeypointFormatError, match=r"zip holds no \.json"):
        read_keypoint_file(tmp_path / "empty.zip")
    (tmp_path / "broken.zip").write_bytes(b"PK not really")
    with pytest.raises(KeypointFormatError, match="not a valid zip"):
        read_keypoint_file(tmp_path / "broken.zip")
    with zipfile.ZipFile(tmp_path / "bad_frame.zip", "w") as archive:
        archive.writestr("x_000000000000_keypoints.json", "{oops")
    with pytest.raises(KeypointFormatError, match=r"x_000000000000_keypoints\.json: not JSON"):
        read_keypoint_file(tmp_path / "bad_frame.zip")


def test_missing_file_unknown_extension_and_bad_fps(tmp_path):
    with pytest.raises(KeypointFormatError, match="no such file"):
        read_keypoint_file(tmp_path / "missing.json")
    (tmp_path / "k.txt").write_text("0 1 2")
    with pytest.raises(KeypointFormatError, match=r"unsupported keypoint file extension '\.txt'"):
        read_keypoint_file(tmp_path / "k.txt")
    good = write_keypoint_file(tmp_path / "k.csv", [walker_track(n_frames=3)], "csv")
    with pytest.raises(KeypointFormatError, match="fps must be positive"):
        read_keypoint_file(good, fps=0)


def test_errors_are_gait_input_errors_and_value_errors():
    assert issubclass(KeypointFormatError, GaitInputError)
    assert issubclass(KeypointFormatError, ValueError)


def test_writing_nothing_or_duplicate_ids_is_refused(tmp_path):
    with pytest.raises(KeypointFormatError, match="no tracks"):
        write_keypoint_file(tmp_path / "k.csv", [], "csv")
    track = walker_track(n_frames=3)
    with pytest.raises(KeypointFormatError, match="must be unique"):
        write_keypoint_file(tmp_path / "k.csv", [track, track], "csv")

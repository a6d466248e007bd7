"""Keypoint files: every format written and read back, several people, format specifics."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from recognition.gait.keypoints import (
    CSV_HEADER,
    KEYPOINT_FORMATS,
    detect_format,
    read_keypoint_file,
    write_keypoint_file,
)
from recognition.gait.keypoints.openpose import BODY25_JOINTS, COCO18_JOINTS
from recognition.gait.skeleton import COCO17_JOINTS, JOINT_INDEX
from recognition.gait.tracks import PoseTrack
from tests.recognition.gait.perception_helpers import walker_track

SUFFIX = {
    "alphapose": "results.json",
    "openpose_body25": "frames.zip",
    "openpose_coco18": "frames_dir",
    "mmpose": "predictions.json",
    "coco": "annotations.json",
    "csv": "keypoints.csv",
    "npy": "keypoints.npy",
    "npz": "keypoints.npz",
}


def two_walkers() -> list[PoseTrack]:
    a = walker_track(track_id=3, n_frames=30)
    b = walker_track(start=(2.5, 0, 7), heading=(-1, 0, 0), track_id=7, n_frames=20, first_frame=5)
    # b is not detected in frames 10..12 and its left wrist is missing from frame 15 on
    keep = ~np.isin(b.frame_indices, [10, 11, 12])
    b = PoseTrack(b.keypoints[keep], b.frame_indices[keep], b.fps, b.track_id, b.image_size)
    b.keypoints[b.frame_indices >= 15, JOINT_INDEX["left_wrist"]] = 0
    return [a, b]


def assert_same_tracks(read: list[PoseTrack], written: list[PoseTrack], *, ids=True, offset=0):
    assert len(read) == len(written)
    for got, want in zip(sorted(read, key=lambda t: t.track_id), written, strict=True):
        if ids:
            assert got.track_id == want.track_id
        np.testing.assert_array_equal(got.frame_indices, want.frame_indices - offset)
        missing = want.keypoints[..., 2] == 0
        np.testing.assert_array_equal(got.keypoints[..., 2] == 0, missing)
        np.testing.assert_allclose(got.keypoints[~missing], want.keypoints[~missing], atol=1e-3)


def test_the_formats_listed_are_the_ones_promised():
    assert set(KEYPOINT_FORMATS) == set(SUFFIX)


@pytest.mark.parametrize("fmt", KEYPOINT_FORMATS)
def test_round_trip_of_several_people(tmp_path, fmt):
    tracks = two_walkers()
    path = write_keypoint_file(tmp_path / SUFFIX[fmt], tracks, fmt)
    read = read_keypoint_file(path)
    # .npy keeps neither ids nor frame numbers: people are 0, 1, ... on a timeline from 0
    if fmt == "npy":
        assert [t.track_id for t in read] == [0, 1]
        assert_same_tracks(read, tracks, ids=False)
    else:
        assert_same_tracks(read, tracks)
    assert all(t.keypoints.dtype == np.float32 for t in read)


@pytest.mark.parametrize("fmt", KEYPOINT_FORMATS)
def test_round_trip_of_one_person_starting_late(tmp_path, fmt):
    track = walker_track(track_id=0, n_frames=12, first_frame=40, fps=30.0)
    path = write_keypoint_file(tmp_path / SUFFIX[fmt], [track], fmt)
    read = read_keypoint_file(path, fps=30.0)
    assert len(read) == 1 and read[0].fps == 30.0
    assert_same_tracks(read, [track], ids=fmt != "npy", offset=40 if fmt == "npy" else 0)


def test_npz_keeps_fps_and_image_size_and_fps_argument_overrides(tmp_path):
    track = walker_track(n_frames=10, fps=50.0)
    path = write_keypoint_file(tmp_path / "k.npz", [track], "npz")
    assert read_keypoint_file(path)[0].fps == 50.0
    assert read_keypoint_file(path)[0].image_size == track.image_size
    assert read_keypoint_file(path, fps=12.0)[0].fps == 12.0


def test_other_formats_default_to_25_fps(tmp_path):
    path = write_keypoint_file(tmp_path / "k.csv", [walker_track(n_frames=5, fps=60)], "csv")
    assert read_keypoint_file(path)[0].fps == 25.0


def test_detect_format(tmp_path):
    tracks = two_walkers()
    expected = {"openpose_body25": "openpose", "openpose_coco18": "openpose"}
    for fmt in KEYPOINT_FORMATS:
        path = write_keypoint_file(tmp_path / SUFFIX[fmt], tracks, fmt)
        assert detect_format(path) == expected.get(fmt, fmt)
        assert read_keypoint_file(path)[0].meta["format"] == expected.get(fmt, fmt)


def test_alphapose_without_ids_is_split_by_the_tracker(tmp_path):
    tracks = two_walkers()
    path = write_keypoint_file(tmp_path / "ap.json", tracks, "alphapose")
    items = json.loads(path.read_text())
    for item in items:
        del item["idx"]
    items.reverse()  # order of detections in the file must not matter
    path.write_text(json.dumps(items))
    read = read_keypoint_file(path)
    assert len(read) == 2
    assert all(t.meta["ids"] == "tracker" for t in read)
    # each tracked person is exactly one of the walkers, frame for frame
    for got in read:
        want = min(tracks, key=lambda w: abs(w.keypoints[0, 0, 0] - got.keypoints[0, 0, 0]))
        np.testing.assert_array_equal(got.frame_indices, want.frame_indices)
        np.testing.assert_allclose(got.keypoints, want.keypoints, atol=1e-3)


def test_alphapose_image_ids_and_idx_variants(tmp_path):
    kp = walker_track(n_frames=3).keypoints
    items = [
        {"image_id": "frame_000007.jpg", "keypoints": kp[0].ravel().tolist(), "idx": 2.0},
        {"image_id": "frame_000008.jpg", "keypoints": kp[1].ravel().tolist(), "idx": [2]},
        {"image_id": "frame_000009.jpg", "keypoints": kp[2].ravel().tolist(), "idx": 2},
    ]
    path = tmp_path / "ap.json"
    path.write_text(json.dumps(items))
    (track,) = read_keypoint_file(path)
    assert track.track_id == 2
    assert track.frame_indices.tolist() == [7, 8, 9]
    items = [{"image_id": i * 5, "keypoints": kp[i].ravel().tolist()} for i in range(3)]
    path.write_text(json.dumps(items))
    assert read_keypoint_file(path)[0].frame_indices.tolist() == [0, 5, 10]


def test_alphapose_halpe26_keeps_the_coco_joints(tmp_path):
    kp = walker_track(n_frames=2).keypoints
    extra = np.ones((9, 3), np.float32)
    items = [
        {"image_id": f"{i}.jpg", "keypoints": np.concatenate([kp[i], extra]).ravel().tolist()}
        for i in range(2)
    ]
    (tmp_path / "h.json").write_text(json.dumps(items))
    np.testing.assert_allclose(read_keypoint_file(tmp_path / "h.json")[0].keypoints, kp, atol=1e-4)


def test_openpose_joint_mapping_body25_and_coco18(tmp_path):
    for layout, names in (("body25", BODY25_JOINTS), ("coco18", COCO18_JOINTS)):
        values = np.zeros((len(names), 3))
        for i in range(len(names)):
            values[i] = [i * 10.0, i * 10.0 + 1, 0.5]  # x encodes the source index
        frame = {"people": [{"person_id": [-1], "pose_keypoints_2d": values.ravel().tolist()}]}
        path = tmp_path / f"{layout}_000000000004_keypoints.json"
        path.write_text(json.dumps(frame))
        (track,) = read_keypoint_file(path)
        for j, joint in enumerate(COCO17_JOINTS):
            assert track.keypoints[0, j, 0] == names.index(joint) * 10.0, (layout, joint)


def test_openpose_directory_with_several_people_without_ids(tmp_path):
    tracks = two_walkers()
    folder = write_keypoint_file(tmp_path / "op", tracks, "openpose_body25")
    for file in folder.iterdir():
        frame = json.loads(file.read_text())
        for person in frame["people"]:
            person["person_id"] = [-1]  # what OpenPose writes without its tracker
        file.write_text(json.dumps(frame))
    read = read_keypoint_file(folder)
    assert sorted(len(t) for t in read) == sorted(len(t) for t in tracks)


def test_openpose_writer_derives_neck_and_midhip(tmp_path):
    track = walker_track(n_frames=1)
    path = write_keypoint_file(tmp_path / "op.zip", [track], "openpose_body25")
    with zipfile.ZipFile(path) as archive:
        (name,) = archive.namelist()
        values = json.loads(archive.read(name))["people"][0]["pose_keypoints_2d"]
    body = np.asarray(values).reshape(25, 3)
    kp = track.keypoints[0]
    shoulders = kp[[JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"]], :2].mean(0)
    np.testing.assert_allclose(body[BODY25_JOINTS.index("neck"), :2], shoulders, atol=1e-3)
    assert body[BODY25_JOINTS.index("left_heel"), 2] == 0


def test_mmpose_per_frame_lists_and_single_image(tmp_path):
    kp = walker_track(n_frames=2).keypoints

    def instance(k):
        return {"keypoints": k[:, :2].tolist(), "keypoint_scores": k[:, 2].tolist(), "bbox": []}

    (tmp_path / "frames.json").write_text(json.dumps([[instance(kp[0])], [instance(kp[1])]]))
    (track,) = read_keypoint_file(tmp_path / "frames.json")
    np.testing.assert_allclose(track.keypoints, kp, atol=1e-4)
    (tmp_path / "image.json").write_text(json.dumps([instance(kp[0]), instance(kp[1] + 300)]))
    read = read_keypoint_file(tmp_path / "image.json")
    assert len(read) == 2 and all(len(t) == 1 for t in read)


def test_coco_visibility_flags_become_confidence(tmp_path):
    kp = walker_track(n_frames=1).keypoints[0].copy()
    kp[:, 2] = 2
    kp[0, 2], kp[1, 2] = 1, 0
    doc = {
        "images": [{"id": 5, "file_name": "000012.jpg", "width": 640, "height": 480}],
        "annotations": [{"image_id": 5, "category_id": 1, "keypoints": kp.ravel().tolist()}],
    }
    (tmp_path / "gt.json").write_text(json.dumps(doc))
    (track,) = read_keypoint_file(tmp_path / "gt.json")
    assert track.frame_indices.tolist() == [12]
    assert track.image_size == (640, 480)
    assert track.keypoints[0, :3, 2].tolist() == [0.5, 0.0, 1.0]


def test_csv_header_missing_joints_and_unknown_people(tmp_path):
    assert CSV_HEADER[:5] == ("frame", "person", "nose_x", "nose_y", "nose_conf")
    assert len(CSV_HEADER) == 2 + 17 * 3
    rows = [",".join(CSV_HEADER)]
    kp = walker_track(n_frames=4).keypoints
    for t in range(4):
        cells = [str(t), ""]
        for j in range(17):
            cells += ["", "", ""] if j == 0 else [f"{v:.3f}" for v in kp[t, j]]
        rows.append(",".join(cells))
    (tmp_path / "k.csv").write_text("\n".join(rows) + "\n")
    (track,) = read_keypoint_file(tmp_path / "k.csv")
    assert track.keypoints[:, 0, 2].tolist() == [0, 0, 0, 0]
    np.testing.assert_allclose(track.keypoints[:, 1:], kp[:, 1:], atol=1e-3)


def test_npy_with_two_columns_treats_nan_as_missing(tmp_path):
    kp = walker_track(n_frames=3).keypoints[:, :, :2].copy()
    kp[1, 4] = np.nan
    np.save(tmp_path / "xy.npy", kp)
    (track,) = read_keypoint_file(tmp_path / "xy.npy")
    assert track.keypoints[1, 4, 2] == 0 and track.keypoints[0, 4, 2] == 1
    np.testing.assert_allclose(track.keypoints[0, :, :2], kp[0])


def test_rows_without_any_detected_joint_are_skipped(tmp_path):
    kp = walker_track(n_frames=5).keypoints
    kp[2, :, 2] = 0
    np.save(tmp_path / "k.npy", kp)
    assert read_keypoint_file(tmp_path / "k.npy")[0].frame_indices.tolist() == [0, 1, 3, 4]


def test_unknown_output_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown keypoint format"):
        write_keypoint_file(tmp_path / "x.txt", two_walkers(), "text")


def test_confidences_above_one_are_clipped(tmp_path):
    kp = walker_track(n_frames=1).keypoints[0].copy()
    kp[:, 2] = 1.07  # AlphaPose heatmap scores can exceed 1
    (tmp_path / "ap.json").write_text(
        json.dumps([{"image_id": 0, "keypoints": kp.ravel().tolist()}])
    )
    assert (read_keypoint_file(tmp_path / "ap.json")[0].keypoints[..., 2] == 1.0).all()

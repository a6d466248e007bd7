"""Keypoint files shaped like what real tools write, ids they get wrong included.

AlphaPose's tracker writes ``idx`` as nested lists, gives two people one id or every person id 0
(AlphaPose issues #761, #795); OpenPose writes empty people, ``person_id`` [-1] and layouts of
several lengths; MMPose's demo scripts wrap predictions in ``instance_info``, add a batch
dimension and leave out ``track_id``. The walkers are synthetic (perception_helpers); each file
must be read as the people who walked, and garbage must still be refused by name.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from recognition.gait.errors import KeypointFormatError
from recognition.gait.extraction import load_tracks
from recognition.gait.keypoints import read_keypoint_file, write_keypoint_file
from recognition.gait.keypoints.openpose import BODY25_JOINTS, MPI_JOINTS
from recognition.gait.skeleton import COCO17_JOINTS
from recognition.gait.synthetic import generate_person, walk
from recognition.gait.tracks import PoseTrack
from tests.recognition.gait.perception_helpers import walker_track


def crossing_walkers() -> list[PoseTrack]:
    """Two people in the same frames, walking towards each other, apart in depth."""
    a = walker_track(track_id=0, n_frames=40)
    b = walker_track(start=(2.5, 0, 9), heading=(-1, 0, 0), track_id=1, n_frames=40)
    return [a, b]


def alphapose_items(tracks: list[PoseTrack], idx) -> list[dict]:
    """AlphaPose detections of ``tracks``; ``idx(track_id, frame)`` is what the tracker wrote."""
    items = []
    for track in tracks:
        for frame, kp in zip(track.frame_indices, track.keypoints, strict=True):
            items.append(
                {
                    "image_id": f"{frame}.jpg",
                    "category_id": 1,
                    "keypoints": kp.ravel().tolist(),
                    "score": 2.7,
                    "box": [1.0, 2.0, 30.0, 90.0],
                    "idx": idx(track.track_id, int(frame)),
                }
            )
    items.sort(key=lambda item: int(item["image_id"].split(".")[0]))
    return items


def assert_people(read: list[PoseTrack], walkers: list[PoseTrack]) -> None:
    """Each read track is exactly one of the walkers, frame for frame."""
    assert len(read) == len(walkers)
    for want in walkers:
        first = want.keypoints[0, :, :2]
        got = min(read, key=lambda t: np.abs(t.keypoints[0, :, :2] - first).sum())
        np.testing.assert_array_equal(got.frame_indices, want.frame_indices)
        np.testing.assert_allclose(got.keypoints, want.keypoints, atol=1e-3)


def write_json(path, data):
    path.write_text(json.dumps(data))
    return path


def test_alphapose_nested_idx_lists_are_the_ids(tmp_path):
    walkers = crossing_walkers()
    items = alphapose_items(walkers, lambda pid, _f: [[float(pid + 4)], [float(pid + 4)]])
    read = read_keypoint_file(write_json(tmp_path / "ap.json", items))
    assert sorted(t.track_id for t in read) == [4, 5]
    assert all(t.meta["ids"] == "file" for t in read)
    assert_people(read, walkers)


@pytest.mark.parametrize(
    "idx",
    [
        pytest.param(lambda _pid, _f: 0, id="every person idx 0"),
        pytest.param(lambda _pid, _f: [[0.0], [0.0]], id="every person nested idx 0"),
        pytest.param(lambda pid, f: 0 if 10 <= f < 14 else pid, id="same idx twice in frames"),
        pytest.param(lambda pid, _f: [[float(pid)], [float(pid + 7)]], id="idx lists disagree"),
        pytest.param(lambda pid, f: pid if f % 3 else None, id="idx missing now and then"),
    ],
)
def test_alphapose_ids_that_cannot_be_trusted_fall_back_to_the_tracker(tmp_path, idx):
    walkers = crossing_walkers()
    read = read_keypoint_file(write_json(tmp_path / "ap.json", alphapose_items(walkers, idx)))
    assert all(t.meta["ids"] == "tracker" for t in read)
    assert_people(read, walkers)


def test_alphapose_one_id_for_people_one_after_the_other_is_split(tmp_path):
    first = walker_track(track_id=0, n_frames=20)
    second = walker_track(start=(1.5, 0, 5), heading=(-1, 0, 0), n_frames=20, first_frame=20)
    items = alphapose_items([first, second], lambda _pid, _f: 0)
    read = read_keypoint_file(write_json(tmp_path / "ap.json", items))
    assert "jumps" in read[0].meta["ids_note"]
    assert_people(read, [first, second])


def test_alphapose_tracker_file_of_a_synthetic_walker_goes_through_the_loader(tmp_path):
    track = walk(generate_person(3), "nm", 90, seed=1)
    items = alphapose_items([track], lambda _pid, _f: [[0.0], [0.0]])
    (loaded,) = load_tracks(write_json(tmp_path / "walk.json", items))
    assert loaded.meta["ids"] == "file"
    assert len(loaded) == pytest.approx(len(track), abs=2)


def test_openpose_as_openpose_writes_it(tmp_path):
    """Frames with nobody, without 'people', an empty person, ids [-1] and four layouts."""
    walkers = crossing_walkers()
    folder = write_keypoint_file(tmp_path / "op", walkers, "openpose_body25")
    files = sorted(folder.iterdir())
    for i, file in enumerate(files):
        frame = json.loads(file.read_text())
        for person in frame["people"]:
            person["person_id"] = [-1]
            body = np.asarray(person["pose_keypoints_2d"]).reshape(25, 3)
            coco = body[[BODY25_JOINTS.index(n) for n in COCO17_JOINTS]]
            if i % 4 == 1:  # BODY_135 starts with COCO-17 in COCO order
                values = np.concatenate([coco, np.zeros((118, 3))])
                person["pose_keypoints_2d"] = values.ravel().tolist()
            elif i % 4 == 2:  # OpenPose 1.0-1.2 named the key without "_2d"
                person["pose_keypoints"] = person.pop("pose_keypoints_2d")
        nobody = {"person_id": [-1], "pose_keypoints_2d": [], "face_keypoints_2d": []}
        frame["people"].append(nobody)
        file.write_text(json.dumps(frame))
    (folder / "walk_000000000999_keypoints.json").write_text(json.dumps({"version": 1.3}))
    read = read_keypoint_file(folder)
    assert all(t.meta["ids"] == "tracker" for t in read)
    assert_people(read, walkers)


def test_openpose_mpi_layout_keeps_the_body_joints(tmp_path):
    track = walker_track(n_frames=3)
    for f, kp in enumerate(track.keypoints):
        mpi = np.zeros((15, 3))
        for j, name in enumerate(COCO17_JOINTS):
            if name in MPI_JOINTS:
                mpi[MPI_JOINTS.index(name)] = kp[j]
        write_json(
            tmp_path / f"w_{f:012d}_keypoints.json",
            {"people": [{"person_id": [-1], "pose_keypoints_2d": mpi.ravel().tolist()}]},
        )
    (read,) = read_keypoint_file(tmp_path)
    body = [j for j, name in enumerate(COCO17_JOINTS) if name in MPI_JOINTS]
    face = [j for j, name in enumerate(COCO17_JOINTS) if name not in MPI_JOINTS]
    np.testing.assert_allclose(read.keypoints[:, body], track.keypoints[:, body], atol=1e-4)
    assert (read.keypoints[:, face, 2] == 0).all()


def mmpose_instance(kp: np.ndarray, **extra) -> dict:
    return {
        "keypoints": [kp[:, :2].tolist()],  # the demo scripts' batch dimension
        "keypoint_scores": [kp[:, 2].tolist()],
        "bbox": [float(kp[:, 0].min()), float(kp[:, 1].min()), 40.0, 90.0],
        "bbox_score": 0.9,
        **extra,
    }


def test_mmpose_demo_script_predictions_without_track_ids(tmp_path):
    walkers = crossing_walkers()
    frames = []
    for f in range(40):
        instances = [mmpose_instance(w.keypoints[f]) for w in walkers]
        if f == 5:
            instances.append({"keypoints": [], "keypoint_scores": []})  # nobody in it
        frames.append({"frame_id": f + 1, "instances": instances})
    data = {"meta_info": {"dataset_name": "coco"}, "instance_info": frames}
    read = read_keypoint_file(write_json(tmp_path / "results_walk.json", data))
    assert all(t.meta["ids"] == "tracker" and t.meta["format"] == "mmpose" for t in read)
    assert_people(read, [PoseTrack(w.keypoints, w.frame_indices + 1, w.fps) for w in walkers])


def test_mmpose_per_frame_lists_with_box_lists_and_track_ids(tmp_path):
    walkers = crossing_walkers()
    frames = [
        [
            mmpose_instance(w.keypoints[f], track_id=w.track_id + 10, bbox=[[0, 0, 9, 9]])
            for w in walkers
        ]
        for f in range(40)
    ]
    read = read_keypoint_file(write_json(tmp_path / "pred.json", frames))
    assert sorted(t.track_id for t in read) == [10, 11]
    assert_people(read, walkers)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            [{"image_id": "0.jpg", "keypoints": [1.0] * 51, "idx": {"id": 3}}],
            "person id must be a number",
        ),
        (
            [{"image_id": "0.jpg", "keypoints": [1.0] * 51, "idx": [["first"]]}],
            "person id must be a number",
        ),
        ({"people": [{"pose_keypoints_2d": [1.0] * 50}]}, "got 50"),
        ({"people": [7]}, "a person must be an object"),
        ({"meta_info": {}, "instance_info": [[{"keypoints": [["a", "b"]] * 17}]]}, "numbers"),
    ],
)
def test_garbage_is_still_refused_by_name(tmp_path, data, message):
    path = write_json(tmp_path / "bad.json", data)
    with pytest.raises(KeypointFormatError, match=message):
        read_keypoint_file(path)

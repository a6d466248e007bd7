"""MediaPipe BlazePose (full model) as a multi-person pose backend, fully offline.

Why the Tasks PoseLandmarker and not mediapipe.solutions.pose: the solution is single-person,
while the Tasks API follows up to num_poses people with one detector + landmark model. The Tasks
API loads a ".task" bundle that pip's mediapipe does not ship (it would be downloaded), but the
wheel does ship the two models inside it (pose_detection.tflite and pose_landmark_full.tflite,
the latter being solutions.pose's model_complexity=1). We add the input normalisation metadata
the Tasks runtime needs ([-1, 1] for the detector, [0, 1] for the landmark model, as in
MediaPipe's own graphs) and zip them into a bundle in memory, once per process. On the same
image it gives the same landmarks as solutions.pose with model_complexity=1 (checked to 3
decimals), and about the same speed.

The BlazePose detector is made for people that fill a good part of the frame (a door camera);
small far-away people (a hall seen from the ceiling) are mostly not found.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from recognition.gait.errors import PoseBackendUnavailableError
from recognition.gait.pose.base import PoseBackend

# COCO-17 joint -> BlazePose landmark index (nose, eyes, ears, shoulders ... ankles).
BLAZEPOSE_TO_COCO17 = np.array([0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])

_DETECTOR = ("modules/pose_detection/pose_detection.tflite", 127.5, 127.5, 2)
_LANDMARKER = ("modules/pose_landmark/pose_landmark_full.tflite", 0.0, 255.0, 5)


@functools.lru_cache(maxsize=1)
def pose_landmarker_bundle() -> bytes:
    """A PoseLandmarker .task bundle built from the models inside the mediapipe wheel."""
    try:
        import mediapipe
        from mediapipe.tasks.python.metadata.metadata_writers import (
            metadata_writer,
            model_asset_bundle_utils,
        )
    except ImportError as exc:  # pragma: no cover - mediapipe is a hard requirement
        raise PoseBackendUnavailableError(f"mediapipe is not installed: {exc}") from exc
    root = Path(mediapipe.__file__).parent

    def with_metadata(relative: str, mean: float, std: float, outputs: int) -> bytes:
        path = root / relative
        if not path.is_file():
            raise PoseBackendUnavailableError(
                f"mediapipe's model {relative} is missing from the installed wheel"
            )
        writer = metadata_writer.MetadataWriter.create(bytearray(path.read_bytes()))
        writer.add_general_info(path.stem).add_image_input(norm_mean=[mean], norm_std=[std])
        for _ in range(outputs):
            writer.add_feature_output()
        return bytes(writer.populate()[0])

    models = {
        "pose_detector.tflite": with_metadata(*_DETECTOR),
        "pose_landmarks_detector.tflite": with_metadata(*_LANDMARKER),
    }
    # The bundle helper writes aligned zip entries to a file path only.
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "pose_landmarker.task")
        model_asset_bundle_utils.create_model_asset_bundle(models, target)
        return Path(target).read_bytes()


class MediaPipeBackend(PoseBackend):
    """BlazePose full through MediaPipe Tasks in video (tracking) mode, up to max_people people.

    Each person has a slot: a one-person landmarker in video mode. The first slot sees the whole
    frame; each later slot sees the frame with the people of the earlier slots painted over, so
    it can only find somebody else. MediaPipe's own multi-person landmarker (num_poses > 1)
    runs its person detector on every frame in which fewer people than slots are tracked, which
    for the usual door clip (one walker) made pose estimation about 1.6x slower than one slot
    (a 10 s 720p clip shrunk to 640: 5.5 s against 3.5 s, 2026-12-07). Here a slot that follows
    nobody searches only every search_every-th frame, so a second person is picked up within
    that many frames of coming into view, and a clip with one walker costs about what one slot
    costs (docs/perf/pose.md). A person tracked by two slots at once
    (the first slot loses someone and picks up the person a later slot follows) is reported once.
    Later slots need surer detections (extra_confidence, for detection and presence): searching
    what is left of the frame, at 0.5 they took a parked bicycle and a seated bystander at the
    edge of two real clips for walkers.

    Confidence of a joint is the landmark's visibility.
    """

    name = "mediapipe"

    def __init__(
        self,
        *,
        max_people: int = 2,
        search_every: int = 5,
        extra_confidence: float = 0.7,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if max_people < 1:
            raise ValueError("max_people must be at least 1")
        if search_every < 1:
            raise ValueError("search_every must be at least 1")
        import mediapipe as mp
        from mediapipe.tasks import python as mp_tasks
        from mediapipe.tasks.python import vision

        self._mp = mp
        self._vision = vision
        self._options = vision.PoseLandmarkerOptions(
            base_options=mp_tasks.BaseOptions(model_asset_buffer=pose_landmarker_bundle()),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._extra_options = dataclasses.replace(
            self._options,
            min_pose_detection_confidence=max(min_detection_confidence, extra_confidence),
            min_pose_presence_confidence=max(min_presence_confidence, extra_confidence),
        )
        self.max_people = max_people
        self.search_every = search_every
        self._slots: list = []  # one landmarker per person slot, created on first use
        self._following = [False] * max_people  # whether each slot tracked someone last frame
        self._frame_number = 0  # frames seen in the current video
        self._last_timestamp = -1  # as given by the caller, within the current video
        self._offset_ms = 0  # added to the caller's timestamps (see reset)
        self._last_internal_ms = -1
        self._last_shape: tuple[int, ...] | None = None

    def reset(self) -> None:
        """Start a new video.

        The landmarkers are kept (creating one costs about 0.15 s, a tenth of a short clip's
        processing): the new video's timestamps are shifted to continue after the previous
        video's with a 10 s pause. A landmarker still following someone at the end of the
        previous video is shown one empty frame, so that it drops that person and looks for
        people anew on the new video's first frame instead of where the old person was."""
        self._last_timestamp = -1
        self._offset_ms = self._last_internal_ms + 10_000
        self._frame_number = 0
        if self._last_shape is not None:
            empty = np.full(self._last_shape, 127, np.uint8)
            for slot, following in enumerate(self._following):
                if following and slot < len(self._slots):
                    image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=empty)
                    self._slots[slot].detect_for_video(image, self._offset_ms - 1)
        self._following = [False] * self.max_people

    def close(self) -> None:
        for landmarker in self._slots:
            landmarker.close()
        self._slots = []

    def _landmarker(self, slot: int):
        while len(self._slots) <= slot:
            options = self._extra_options if self._slots else self._options
            self._slots.append(self._vision.PoseLandmarker.create_from_options(options))
        return self._slots[slot]

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int) -> list[np.ndarray]:
        # video mode needs increasing timestamps; a repeated or earlier one starts a new video
        if timestamp_ms <= self._last_timestamp:
            self.reset()
        self._last_timestamp = timestamp_ms
        internal_ms = self._offset_ms + int(timestamp_ms)
        self._last_internal_ms = internal_ms
        searching = self._frame_number % self.search_every == 0
        self._frame_number += 1
        height, width = frame_bgr.shape[:2]
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        self._last_shape = rgb.shape
        poses: list[np.ndarray] = []
        boxes: list[tuple[int, int, int, int]] = []
        for slot in range(self.max_people):
            if slot > 0:
                if not (self._following[slot] or searching):
                    continue
                if not (boxes or self._following[slot]):
                    continue  # nobody in the earlier slots: a search would find the same
            seen = rgb if slot == 0 else _painted_over(rgb, boxes)
            image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=seen)
            result = self._landmarker(slot).detect_for_video(image, internal_ms)
            self._following[slot] = bool(result.pose_landmarks)
            if not result.pose_landmarks:
                continue
            landmarks = result.pose_landmarks[0]
            box = _person_box(landmarks, width, height)
            if any(_overlap(box, other) > 0.5 for other in boxes):
                continue  # the same person followed by two slots
            boxes.append(box)
            chosen = [landmarks[i] for i in BLAZEPOSE_TO_COCO17]
            pose = np.array(
                [[lm.x * width, lm.y * height, lm.visibility or 0.0] for lm in chosen],
                dtype=np.float32,
            )
            pose[:, 2] = np.clip(pose[:, 2], 0.0, 1.0)
            poses.append(pose)
        return poses

    def __del__(self) -> None:
        # at interpreter shutdown module globals (contextlib included) may already be gone
        try:  # noqa: SIM105 - not contextlib: it may be gone by then
            self.close()
        except Exception:
            pass


def _person_box(landmarks, width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) pixels around all 33 landmarks, widened for the body's outline and the
    top of the head (the highest landmarks are the eyes)."""
    xs = np.array([lm.x for lm in landmarks]) * width
    ys = np.array([lm.y for lm in landmarks]) * height
    w, h = xs.max() - xs.min(), ys.max() - ys.min()
    x0, x1 = xs.min() - 0.15 * w - 0.05 * h, xs.max() + 0.15 * w + 0.05 * h
    y0, y1 = ys.min() - 0.12 * h, ys.max() + 0.05 * h
    return (
        int(max(0, x0)),
        int(max(0, y0)),
        int(min(width, np.ceil(x1))),
        int(min(height, np.ceil(y1))),
    )


def _painted_over(rgb: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A copy of the image with every box filled grey."""
    painted = rgb.copy()
    for x0, y0, x1, y1 in boxes:
        painted[y0:y1, x0:x1] = 127
    return painted


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(1, smaller)

"""MediaPipe BlazePose (full model) as a multi-person pose backend, fully offline.

Why the Tasks PoseLandmarker and not mediapipe.solutions.pose: the solution is single-person,
while the Tasks API follows up to num_poses people with one detector + landmark model. The Tasks
API loads a ".task" bundle that pip's mediapipe does not ship (it would be downloaded), but the
wheel does ship the two models inside it (pose_detection.tflite and pose_landmark_full.tflite,
the latter being solutions.pose's model_complexity=1). We add the input normalisation metadata
the Tasks runtime needs ([-1, 1] for the detector, [0, 1] for the landmark model, as in
MediaPipe's own graphs) and zip them into a bundle in memory, once per process. On the same
image it gives the same landmarks as solutions.pose with model_complexity=1 (checked to 3
decimals), and with num_poses=1 about the same speed; each extra person slot costs speed because
the detector then runs on every frame in which fewer people than slots are being tracked.

The BlazePose detector is made for people that fill a good part of the frame (a door camera);
small far-away people (a hall seen from the ceiling) are mostly not found.
"""

from __future__ import annotations

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
    """BlazePose full through MediaPipe Tasks in video (tracking) mode.

    max_people: how many people are followed at once (1 is fastest).
    Confidence of a joint is the landmark's visibility.
    """

    name = "mediapipe"

    def __init__(
        self,
        *,
        max_people: int = 2,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if max_people < 1:
            raise ValueError("max_people must be at least 1")
        import mediapipe as mp
        from mediapipe.tasks import python as mp_tasks
        from mediapipe.tasks.python import vision

        self._mp = mp
        self._vision = vision
        self._options = vision.PoseLandmarkerOptions(
            base_options=mp_tasks.BaseOptions(model_asset_buffer=pose_landmarker_bundle()),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self.max_people = max_people
        self._landmarker = None
        self._last_timestamp = -1  # as given by the caller, within the current video
        self._offset_ms = 0  # added to the caller's timestamps (see reset)
        self._last_internal_ms = -1

    def reset(self) -> None:
        """Start a new video.

        The landmarker is kept (creating one costs about 0.15 s, a tenth of a short clip's
        processing): the new video's timestamps are shifted to continue after the previous
        video's with a 10 s pause. Poses tracked at the end of the previous video do not leak
        into the new one: the landmark model's presence check drops them on the first frame
        where nobody is there (checked on rendered videos), and anything it keeps is computed
        on the new frame."""
        self._last_timestamp = -1
        self._offset_ms = self._last_internal_ms + 10_000

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int) -> list[np.ndarray]:
        if self._landmarker is None:
            self._landmarker = self._vision.PoseLandmarker.create_from_options(self._options)
        # video mode needs increasing timestamps; a repeated or earlier one starts a new video
        if timestamp_ms <= self._last_timestamp:
            self.reset()
        self._last_timestamp = timestamp_ms
        internal_ms = self._offset_ms + int(timestamp_ms)
        self._last_internal_ms = internal_ms
        height, width = frame_bgr.shape[:2]
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        result = self._landmarker.detect_for_video(image, internal_ms)
        poses = []
        for landmarks in result.pose_landmarks:
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

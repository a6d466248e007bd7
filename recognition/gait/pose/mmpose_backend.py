"""MMPose top-down backend (RTMPose, HRNet, ...): person boxes, then keypoints per box.

mmpose is optional and heavy (mmcv 2.1.0 must be built from source; see requirements/mmpose.txt
and deploy/build_mmpose_wheels.sh), so it is imported only when this backend is created, and a
missing install gives a PoseBackendUnavailableError that says what to install.

Person boxes come from an MMDetection detector when det_config/det_checkpoint are given,
otherwise from OpenCV's HOG people detector (shipped with OpenCV, no download), otherwise
(person_detector="full_frame") the whole frame is one box, which suits a single-person clip.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import cv2
import numpy as np

from recognition.gait.errors import PoseBackendUnavailableError
from recognition.gait.pose.base import PoseBackend
from recognition.gait.skeleton import NUM_JOINTS

# Keypoint layouts whose first 17 joints are COCO-17 in COCO order.
_COCO_FIRST_LAYOUTS = (17, 26, 133)
MMPOSE_INSTALL_HINT = (
    "install it with: pip install -r requirements/mmpose.txt (after building the mmcv wheel with "
    "deploy/build_mmpose_wheels.sh); see docs/GAIT_INPUTS.md"
)


def import_mmpose_apis():
    """mmpose.apis, or PoseBackendUnavailableError explaining how to install it."""
    try:
        from mmpose import apis
    except ImportError as exc:
        raise PoseBackendUnavailableError(
            f"the MMPose backend needs the mmpose package, which is not importable here ({exc}); "
            + MMPOSE_INSTALL_HINT
        ) from exc
    return apis


@contextlib.contextmanager
def _full_checkpoint_loading():
    """Let mmengine unpickle the checkpoint's metadata.

    torch >= 2.6 loads with weights_only=True unless told otherwise, which refuses the metadata
    (mmengine's HistoryBuffer, numpy scalars) that OpenMMLab checkpoints carry, and mmengine
    0.10.7 calls torch.load without the argument. TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD is torch's own
    switch for that; the checkpoint is the administrator's (settings.MMPOSE_CHECKPOINT), trusted.
    """
    previous = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", None)
        else:
            os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = previous


class MMPoseBackend(PoseBackend):
    name = "mmpose"

    def __init__(
        self,
        *,
        config: str | Path,
        checkpoint: str | Path | None,
        device: str = "cpu",
        person_detector: str = "hog",
        det_config: str | Path | None = None,
        det_checkpoint: str | Path | None = None,
        min_box_score: float = 0.3,
    ) -> None:
        apis = import_mmpose_apis()
        if not config:
            raise PoseBackendUnavailableError(
                "the MMPose backend needs a model config (settings.MMPOSE_CONFIG)"
            )
        for label, path in (("config", config), ("checkpoint", checkpoint)):
            if path and not Path(path).is_file():
                raise PoseBackendUnavailableError(f"MMPose {label} file not found: {path}")
        if person_detector not in ("hog", "full_frame"):
            raise ValueError("person_detector must be 'hog' or 'full_frame'")
        self._apis = apis
        with _full_checkpoint_loading():
            self.model = apis.init_model(
                str(config), str(checkpoint) if checkpoint else None, device=device
            )
        self.person_detector = person_detector
        self.min_box_score = min_box_score
        self._detector = None
        if det_config and det_checkpoint:
            try:
                from mmdet.apis import inference_detector, init_detector
            except ImportError as exc:
                raise PoseBackendUnavailableError(
                    f"a person detector config was given but mmdet is not importable ({exc})"
                ) from exc
            self._detector = init_detector(str(det_config), str(det_checkpoint), device=device)
            self._inference_detector = inference_detector
        self._hog = None
        if self._detector is None and person_detector == "hog":
            self._hog = cv2.HOGDescriptor()
            self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def person_boxes(self, frame_bgr: np.ndarray) -> np.ndarray:
        """[N, 4] boxes x1, y1, x2, y2 of the people in the frame."""
        height, width = frame_bgr.shape[:2]
        if self._detector is not None:
            result = self._inference_detector(self._detector, frame_bgr)
            instances = result.pred_instances
            keep = (instances.labels == 0) & (instances.scores >= self.min_box_score)
            return instances.bboxes[keep].cpu().numpy().reshape(-1, 4)
        if self._hog is not None:
            rects, weights = self._hog.detectMultiScale(frame_bgr, winStride=(8, 8), scale=1.05)
            if len(rects):
                boxes = [[x, y, x + w, y + h] for x, y, w, h in rects]
                scores = np.asarray(weights, dtype=float).reshape(-1).tolist()
                keep = cv2.dnn.NMSBoxes([[x, y, w, h] for x, y, w, h in rects], scores, 0.0, 0.4)
                return np.asarray([boxes[i] for i in np.asarray(keep).reshape(-1)], np.float32)
            return np.zeros((0, 4), np.float32)
        return np.array([[0, 0, width, height]], dtype=np.float32)

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int) -> list[np.ndarray]:
        boxes = self.person_boxes(frame_bgr)
        if len(boxes) == 0:
            return []
        samples = self._apis.inference_topdown(self.model, frame_bgr, boxes, bbox_format="xyxy")
        poses = []
        for sample in samples:
            keypoints = np.asarray(sample.pred_instances.keypoints)[0]
            scores = np.asarray(sample.pred_instances.keypoint_scores)[0]
            if len(keypoints) not in _COCO_FIRST_LAYOUTS:
                raise PoseBackendUnavailableError(
                    f"the MMPose model predicts {len(keypoints)} keypoints; a COCO-17 model "
                    "(or Halpe-26 / COCO-WholeBody-133) is needed"
                )
            pose = np.column_stack([keypoints[:NUM_JOINTS], np.clip(scores[:NUM_JOINTS], 0, 1)])
            poses.append(pose.astype(np.float32))
        return poses

"""The MMPose backend: a clear error without mmpose, real inference when it is installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recognition.gait.errors import PoseBackendUnavailableError
from recognition.gait.pose import get_backend


def _mmpose_importable() -> bool:
    # import, not just find: mmpose installed over an mmcv without its compiled ops fails here
    try:
        import mmpose.apis  # noqa: F401
    except Exception:
        return False
    return True


HAS_MMPOSE = _mmpose_importable()


@pytest.mark.skipif(HAS_MMPOSE, reason="checks the error raised when mmpose is not installed")
def test_missing_mmpose_gives_an_install_hint(tmp_path):
    config = tmp_path / "rtmpose.py"
    config.write_text("")
    with pytest.raises(PoseBackendUnavailableError, match=r"requirements/mmpose\.txt"):
        get_backend("mmpose", config=config, checkpoint=None)


@pytest.mark.skipif(not HAS_MMPOSE, reason="mmpose is not installed (requirements/mmpose.txt)")
def test_random_init_rtmpose_runs_on_a_frame():
    import mmpose

    configs = Path(mmpose.__file__).parent / ".mim" / "configs"
    config = next(
        configs.glob("body_2d_keypoint/rtmpose/coco/rtmpose-t_8xb256-420e_coco-256x192.py")
    )
    backend = get_backend("mmpose", config=config, checkpoint=None, person_detector="full_frame")
    frame = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    (pose,) = backend.detect(frame, 0)
    assert pose.shape == (17, 3) and pose.dtype == np.float32
    assert ((pose[:, 2] >= 0) & (pose[:, 2] <= 1)).all()
    with pytest.raises(PoseBackendUnavailableError, match="not found"):
        get_backend("mmpose", config=config, checkpoint="/nonexistent.pth")

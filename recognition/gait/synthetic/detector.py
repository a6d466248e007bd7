"""What a 2D pose detector does to perfect keypoints: jitter, drift, bias, swaps, dropouts.

The jitter levels were fitted to MediaPipe Pose (model_complexity=1, video mode) on real
side-view walks by bench/bench_gait_fit_detector_noise.py (robust high-frequency residual after a
Savitzky-Golay filter, as a fraction of the neck-to-ankle height), at two person heights:
about 95 px (CASIA-B, 320x240) and about 233 px (960x540 lab clips). Between and beyond those the
level follows a power law in the person's height in pixels. Measured too: the far-side arm gets
MediaPipe visibility 0.1-0.25 and the far leg 0.7-0.85, the near side 0.95-1.0; the knee and
ankle labels of the two legs swapped in 3-9 % of frames; small people were lost for long runs
of frames (a shorter track). Confidence values differ between detectors (MediaPipe visibility,
AlphaPose heatmap scores), so the engine's network does not read them; they are generated only
to exercise confidence handling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition.gait.skeleton import FLIP_INDEX, JOINT_INDEX, NUM_JOINTS
from recognition.gait.synthetic.kinematics import smooth_noise

# joint groups: head, shoulders, elbows, wrists, hips, knees, ankles
_GROUP = np.array([0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6])
# robust jitter (fraction of neck-to-ankle height) fitted at two person heights in pixels
_JITTER_AT_95PX = np.array([0.0025, 0.0050, 0.0075, 0.0100, 0.0056, 0.0133, 0.0210])
_JITTER_AT_233PX = np.array([0.0030, 0.0030, 0.0045, 0.0060, 0.0038, 0.0058, 0.0065])
_EXPONENT = np.log(_JITTER_AT_95PX / _JITTER_AT_233PX) / np.log(233.0 / 95.0)
LEG_SWAP_FRACTION = (0.0, 0.09)  # fraction of frames with the leg labels swapped (side views)
# An arm hidden behind the body is guessed, not seen: MediaPipe's far-side elbow and wrist spread
# 0.095 and 0.157 (fraction of height) more than the near side's on real side-view walks.
OCCLUDED_ERROR = np.zeros(NUM_JOINTS)
OCCLUDED_ERROR[[JOINT_INDEX["left_elbow"], JOINT_INDEX["right_elbow"]]] = 0.095
OCCLUDED_ERROR[[JOINT_INDEX["left_wrist"], JOINT_INDEX["right_wrist"]]] = 0.157


def jitter_level(person_height_px: float) -> np.ndarray:
    """Per-joint jitter standard deviation as a fraction of the person's height."""
    h = float(np.clip(person_height_px, 50.0, 800.0))
    return (_JITTER_AT_233PX * (233.0 / h) ** _EXPONENT)[_GROUP]


@dataclass
class DetectorStyle:
    """Per-walk detector behaviour (drawn once per walk)."""

    jitter_scale: float = 1.0  # the detector's noise level: scales the jitter and the drift
    drift_scale: float = 0.6
    # the independent frame-to-frame part alone (1 = as drawn); only for measuring what it costs
    frame_noise_scale: float = 1.0
    bias_sd: float = 0.006  # fraction of height, constant per joint for the walk
    swap_fraction: float = 0.0
    dropout: float = 0.0  # per joint per frame
    burst_rate: float = 0.0  # per joint per frame, start of a run of missing frames
    confidence: str = "visibility"  # "visibility" (MediaPipe-like) or "heatmap" (AlphaPose-like)
    occluded_scale: float = 1.0  # how badly hidden arms are guessed (OCCLUDED_ERROR multiplier)
    extra_jitter: np.ndarray | None = None  # per-joint multipliers (clothing, bags)
    extra_dropout: np.ndarray | None = None

    @classmethod
    def random(cls, rng: np.random.Generator, view_deg: float) -> DetectorStyle:
        sideways = abs(np.sin(np.deg2rad(view_deg)))
        return cls(
            jitter_scale=float(np.exp(rng.uniform(np.log(0.6), np.log(1.7)))),
            drift_scale=float(rng.uniform(0.3, 1.0)),
            bias_sd=float(rng.uniform(0.002, 0.01)),
            swap_fraction=float(rng.uniform(*LEG_SWAP_FRACTION) * sideways * (rng.random() < 0.7)),
            dropout=float(rng.uniform(0.0, 0.02)),
            burst_rate=float(rng.uniform(0.0, 0.004)),
            confidence="visibility" if rng.random() < 0.5 else "heatmap",
            occluded_scale=float(rng.uniform(0.3, 1.2)),
        )


def _occlusion(depth: np.ndarray, scale: float) -> np.ndarray:
    """0..1 per joint and frame: how far behind its mirror joint a joint is."""
    return np.clip((depth - depth[:, list(FLIP_INDEX)]) / max(scale, 1e-6), 0.0, 1.0)


def apply_detector(
    uv: np.ndarray,
    depth: np.ndarray,
    rng: np.random.Generator,
    style: DetectorStyle,
    *,
    body_width: float,
) -> np.ndarray:
    """Noisy [T, 17, 3] (x, y, confidence) from perfect pixel coordinates [T, 17, 2]."""
    t = len(uv)
    neck = uv[:, 5:7].mean(1)
    ankles = uv[:, 15:17].mean(1)
    height = np.median(np.linalg.norm(neck - ankles, axis=1))
    height = max(float(height), 1.0)
    occ = _occlusion(depth, body_width)
    sigma = jitter_level(height) * height * style.jitter_scale
    if style.extra_jitter is not None:
        sigma = sigma * style.extra_jitter
    sigma = sigma[None, :] * (1.0 + 0.4 * occ)  # [T, J]

    xy = uv.astype(np.float64).copy()
    xy += rng.normal(size=(t, NUM_JOINTS, 2)) * sigma[..., None] * style.frame_noise_scale
    drift = np.stack([smooth_noise(rng, t, 5.0) for _ in range(NUM_JOINTS * 2)], -1).reshape(
        t, NUM_JOINTS, 2
    )
    xy += drift * sigma[..., None] * style.drift_scale
    xy += rng.normal(size=(1, NUM_JOINTS, 2)) * style.bias_sd * height
    hidden = occ * OCCLUDED_ERROR[None, :] * style.occluded_scale * height  # [T, J]
    if hidden.any():
        wander = np.stack([smooth_noise(rng, t, 3.0) for _ in range(NUM_JOINTS * 2)], -1)
        # mostly along the image's horizontal: the guess keeps a plausible height
        xy += wander.reshape(t, NUM_JOINTS, 2) * hidden[..., None] * np.array([1.0, 0.3])

    # leg labels swapped for short runs of frames (crossing legs in side views)
    if style.swap_fraction > 0:
        swapped = np.zeros(t, bool)
        while swapped.mean() < style.swap_fraction:
            start, length = rng.integers(0, t), rng.integers(1, 5)
            swapped[start : start + length] = True
        pairs = [(JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"])]
        if rng.random() < 0.7:
            pairs.append((JOINT_INDEX["left_knee"], JOINT_INDEX["right_knee"]))
        for a, b in pairs:
            xy[swapped, a], xy[swapped, b] = xy[swapped, b].copy(), xy[swapped, a].copy()

    # confidence
    if style.confidence == "visibility":
        near = rng.beta(30, 1.2, size=(t, NUM_JOINTS))
        far_arm, far_leg = (
            rng.beta(2, 8, size=(t, NUM_JOINTS)),
            rng.beta(8, 3, size=(t, NUM_JOINTS)),
        )
    else:
        near = rng.beta(9, 2, size=(t, NUM_JOINTS))
        far_arm, far_leg = (
            rng.beta(5, 4, size=(t, NUM_JOINTS)),
            rng.beta(6, 3, size=(t, NUM_JOINTS)),
        )
    leg = np.zeros(NUM_JOINTS, bool)
    leg[11:] = True
    far = np.where(leg[None, :], far_leg, far_arm)
    conf = near * (1 - occ) + far * occ
    # confidence falls where the detector is wrong
    conf *= np.exp(-0.5 * (np.abs(xy - uv).sum(-1) / (0.08 * height)) ** 2) * 0.3 + 0.7

    # missing joints: isolated dropouts and runs of frames
    dropout = np.full(NUM_JOINTS, style.dropout)
    if style.extra_dropout is not None:
        dropout = dropout + style.extra_dropout
    missing = rng.random((t, NUM_JOINTS)) < dropout[None, :] * (1.0 + 2.0 * occ)
    starts = np.argwhere(rng.random((t, NUM_JOINTS)) < style.burst_rate)
    for start, joint in starts:
        missing[start : start + rng.integers(3, 13), joint] = True
    conf[missing] = 0.0
    xy[missing] = 0.0  # undetected joints carry no position (as in COCO/OpenPose files)
    return np.concatenate([xy, conf[..., None]], -1).astype(np.float32)

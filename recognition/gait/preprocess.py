"""Cleaning a keypoint sequence and telling which way the person walks.

fill_gaps bridges short dropouts of single joints, smooth removes detector jitter without
touching undetected joints, walking_direction says whether someone crosses the view or walks
toward/away from the camera (attendance uses it to tell entering from leaving).
"""

from __future__ import annotations

import enum

import numpy as np
from scipy.signal import savgol_filter
from scipy.stats import theilslopes

from recognition.gait.skeleton import JOINT_INDEX
from recognition.gait.tracks import PoseTrack


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of every run of True in a 1-D boolean array."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def fill_gaps(keypoints: np.ndarray, max_gap: int, *, min_conf: float = 0.3) -> np.ndarray:
    """Linearly interpolate joints whose confidence is below min_conf for at most max_gap
    consecutive frames between two confident detections of that joint.

    keypoints: [T, 17, 3]. A filled joint gets the lower confidence of the two detections that
    bound the gap; longer gaps and gaps at either end are left as they are. Returns a new array.
    """
    out = np.array(keypoints, dtype=np.float32, copy=True)
    if out.ndim != 3 or out.shape[2] != 3:
        raise ValueError(f"keypoints must be [T, J, 3], got {out.shape}")
    for j in range(out.shape[1]):
        low = out[:, j, 2] < min_conf
        for start, stop in _runs(low):
            if start == 0 or stop == len(out) or stop - start > max_gap:
                continue
            before, after = out[start - 1, j], out[stop, j]
            w = (np.arange(start, stop) - (start - 1)) / (stop - (start - 1))
            out[start:stop, j, :2] = before[:2] + w[:, None] * (after[:2] - before[:2])
            out[start:stop, j, 2] = min(before[2], after[2])
    return out


def smooth(
    keypoints: np.ndarray, *, window: int = 7, polyorder: int = 2, min_conf: float = 0.3
) -> np.ndarray:
    """Savitzky-Golay smoothing of x, y over time, per joint and per run of confident frames.

    Only runs of at least `window` consecutive frames with confidence >= min_conf are smoothed,
    so undetected joints never pull detected ones, and a run is never smoothed across a gap.
    Savitzky-Golay keeps the extremes of the gait cycle (foot strikes) better than a moving
    average. Confidences are unchanged. Returns a new array.
    """
    if window % 2 == 0 or window <= polyorder:
        raise ValueError("window must be odd and larger than polyorder")
    out = np.array(keypoints, dtype=np.float32, copy=True)
    for j in range(out.shape[1]):
        for start, stop in _runs(out[:, j, 2] >= min_conf):
            if stop - start >= window:
                out[start:stop, j, :2] = savgol_filter(
                    out[start:stop, j, :2], window, polyorder, axis=0
                )
    return out


class Direction(enum.Enum):
    LEFT_TO_RIGHT = "left_to_right"  # in the image: x increases
    RIGHT_TO_LEFT = "right_to_left"
    TOWARD = "toward"  # toward the camera: the person grows
    AWAY = "away"
    UNKNOWN = "unknown"


_HIPS = (JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"])
_SHOULDERS = (JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"])


def walking_direction(
    track: PoseTrack,
    *,
    min_conf: float = 0.3,
    min_lateral: float = 1.5,
    min_scale_change: float = 1.25,
) -> Direction:
    """Which way the person walks, from the hip centre and the torso length over time.

    Lateral motion is measured as the change of (hip x - image centre) / torso length: a person
    walking straight at the camera but off to one side drifts outwards in pixels, yet keeps the
    same offset in torso lengths, so this separates crossing from approaching. Radial motion is
    the ratio of the torso length at the end to the start. Both come from robust (Theil-Sen)
    line fits over the frames where hips and shoulders are confident, so jitter and a few bad
    detections do not decide. A crossing must cover min_lateral torso lengths, an approach must
    change the apparent size by min_scale_change; the larger of the two (relative to its
    threshold) wins, and when neither is reached the answer is UNKNOWN.
    """
    kp = track.keypoints
    if len(kp) < 3:
        return Direction.UNKNOWN
    hips, shoulders = kp[:, _HIPS], kp[:, _SHOULDERS]
    ok = (hips[:, :, 2] >= min_conf).all(axis=1) & (shoulders[:, :, 2] >= min_conf).all(axis=1)
    if ok.sum() < 3:
        return Direction.UNKNOWN
    hip_centre = hips[ok, :, :2].mean(axis=1)
    torso = np.linalg.norm(shoulders[ok, :, :2].mean(axis=1) - hip_centre, axis=1)
    if (torso <= 1e-3).any():
        return Direction.UNKNOWN
    t = track.frame_indices[ok].astype(np.float64)
    span = t[-1] - t[0]
    if span <= 0:
        return Direction.UNKNOWN

    centre_x = track.image_size[0] / 2 if track.image_size else float(np.median(hip_centre[:, 0]))
    offset = (hip_centre[:, 0] - centre_x) / torso
    lateral = theilslopes(offset, t)[0] * span  # torso lengths travelled across the image
    log_scale = theilslopes(np.log(torso), t)[0] * span

    lateral_score = abs(lateral) / min_lateral
    radial_score = abs(log_scale) / np.log(min_scale_change)
    if max(lateral_score, radial_score) < 1.0:
        return Direction.UNKNOWN
    if lateral_score >= radial_score:
        return Direction.LEFT_TO_RIGHT if lateral > 0 else Direction.RIGHT_TO_LEFT
    return Direction.TOWARD if log_scale > 0 else Direction.AWAY

"""From a detector's pose track to the network's input: resample, repair, normalise, window.

Normalisation follows GPGait's human-oriented idea: every frame is centred on the neck (the
mid-point of the shoulders) and divided by that frame's body height, so the result does not
depend on where the person is in the image, how far from the camera, or the image resolution.
Body height is measured along the skeleton (neck -> mid-hip -> knees -> ankles), which does not
shrink when the legs are spread the way a bounding box height does, and it is smoothed over
about a second so that a single jittery ankle does not shake the whole figure.

Low-confidence joints (below ``min_confidence``) are treated as missing and filled in time from
the same joint's confident frames; a joint never seen is taken from its mirror joint. Brief
left/right swaps of the knee and ankle labels are then undone (preprocess.repair_leg_swaps). The
confidence channel is kept (zeroed for filled joints) but the default network does not read it:
confidence values mean different things to different detectors.
"""

from __future__ import annotations

import numpy as np

from recognition.gait.preprocess import repair_leg_swaps
from recognition.gait.skeleton import FLIP_INDEX, JOINT_INDEX, NUM_JOINTS
from recognition.gait.tracks import PoseTrack

MODEL_FPS = 25.0
CLIP_LENGTH = 60
MIN_CONFIDENCE = 0.1

_NECK = (JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"])
_HIPS = (JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"])
_KNEES = (JOINT_INDEX["left_knee"], JOINT_INDEX["right_knee"])
_ANKLES = (JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"])
# fallbacks for a joint that is missing in the whole sequence, after its mirror joint
_PARENT = {
    0: 5, 1: 0, 2: 0, 3: 1, 4: 2, 5: 6, 6: 5, 7: 5, 8: 6, 9: 7, 10: 8,
    11: 5, 12: 6, 13: 11, 14: 12, 15: 13, 16: 14,
}  # fmt: skip


def _check(keypoints: np.ndarray) -> np.ndarray:
    keypoints = np.asarray(keypoints, dtype=np.float32)
    if keypoints.ndim != 3 or keypoints.shape[1] != NUM_JOINTS or keypoints.shape[2] < 2:
        raise ValueError(f"expected keypoints [T, {NUM_JOINTS}, 2|3], got {keypoints.shape}")
    if len(keypoints) == 0:
        raise ValueError("empty pose sequence")
    if keypoints.shape[2] == 2:
        keypoints = np.concatenate([keypoints, np.ones_like(keypoints[..., :1])], -1)
    return keypoints


def fill_missing(keypoints: np.ndarray, min_confidence: float = MIN_CONFIDENCE) -> np.ndarray:
    """Replace joints below ``min_confidence`` by interpolation over time; [T, 17, 3] float32.

    Positions are interpolated linearly between the joint's confident frames and held at the
    ends. A joint that is never confident copies its mirror joint, else its parent joint.
    Confidence of filled joints is set to 0. Non-finite values count as missing.
    """
    kp = _check(keypoints).copy()
    finite = np.isfinite(kp).all(-1)
    kp[~finite] = 0.0
    ok = finite & (kp[..., 2] >= min_confidence)
    t = np.arange(len(kp))
    never = []
    for j in range(NUM_JOINTS):
        good = ok[:, j]
        if good.all():
            continue
        if not good.any():
            never.append(j)
            continue
        for c in range(2):
            kp[~good, j, c] = np.interp(t[~good], t[good], kp[good, j, c])
        kp[~good, j, 2] = 0.0
    for j in never:
        source = FLIP_INDEX[j] if FLIP_INDEX[j] not in never else _PARENT[j]
        seen = set()
        while source in never and source not in seen:  # walk up until something was seen
            seen.add(source)
            source = _PARENT[source]
        kp[:, j, :2] = kp[:, source, :2]
        kp[:, j, 2] = 0.0
    return kp


def body_height(keypoints: np.ndarray) -> np.ndarray:
    """Per-frame height along the skeleton: neck->mid-hip + mean thigh + mean shank, [T]."""
    xy = np.asarray(keypoints)[..., :2]
    neck = xy[:, _NECK].mean(1)
    hip = xy[:, _HIPS].mean(1)

    def seg(a, b):
        return np.linalg.norm(xy[:, a] - xy[:, b], axis=-1)

    thigh = (seg(_HIPS[0], _KNEES[0]) + seg(_HIPS[1], _KNEES[1])) / 2
    shank = (seg(_KNEES[0], _ANKLES[0]) + seg(_KNEES[1], _ANKLES[1])) / 2
    return np.linalg.norm(neck - hip, axis=-1) + thigh + shank


def smooth_height(height: np.ndarray, window: int) -> np.ndarray:
    """Running median over ``window`` frames (edges use the available frames)."""
    if window <= 1 or len(height) <= 1:
        return height
    half = window // 2
    padded = np.pad(height, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.median(windows, axis=-1)


def normalize_pose(keypoints: np.ndarray, *, smooth: int = 25) -> np.ndarray:
    """Centre each frame on the neck and divide by its (smoothed) body height; [T, 17, 3].

    The confidence channel is passed through unchanged. Invariant to translating or scaling the
    whole sequence (and to per-frame scale changes slower than ``smooth`` frames).
    """
    kp = _check(keypoints)
    height = smooth_height(body_height(kp), smooth)
    height = np.maximum(height, 1e-6 * max(1.0, float(np.abs(kp[..., :2]).max())))
    neck = kp[:, _NECK, :2].mean(1, keepdims=True)
    out = kp.copy()
    out[..., :2] = (kp[..., :2] - neck) / height[:, None, None]
    return out.astype(np.float32)


def resample(
    keypoints: np.ndarray,
    frame_indices: np.ndarray,
    source_fps: float,
    target_fps: float = MODEL_FPS,
) -> np.ndarray:
    """Linear resampling to ``target_fps`` over the track's time span (fills frame gaps too)."""
    kp = _check(keypoints)
    times = (np.asarray(frame_indices, dtype=np.float64) - frame_indices[0]) / float(source_fps)
    if len(kp) == 1:
        return kp.copy()
    n = int(np.floor(times[-1] * target_fps + 1e-6)) + 1
    new_times = np.arange(n) / float(target_fps)
    flat = kp.reshape(len(kp), -1)
    out = np.stack([np.interp(new_times, times, flat[:, i]) for i in range(flat.shape[1])], -1)
    return out.reshape(n, NUM_JOINTS, 3).astype(np.float32)


def normalize_track(
    track: PoseTrack,
    *,
    fps: float = MODEL_FPS,
    min_confidence: float = MIN_CONFIDENCE,
    leg_swap_repair: bool = True,
) -> np.ndarray:
    """A PoseTrack -> repaired, resampled, normalised float32 sequence [T', 17, 3].

    ``leg_swap_repair``: undo brief knee/ankle label swaps, at the track's own frame rate
    (before resampling blends a swapped frame with its neighbours). A checkpoint's input spec
    says whether its model expects it.
    """
    kp = fill_missing(track.keypoints, min_confidence)
    if leg_swap_repair:
        kp = repair_leg_swaps(kp, fps=track.fps)
    if abs(track.fps - fps) > 1e-3 or np.any(np.diff(track.frame_indices) != 1):
        kp = resample(kp, track.frame_indices, track.fps, fps)
    return normalize_pose(kp, smooth=max(1, int(fps + 0.5)))


def to_clips(
    sequence: np.ndarray, length: int = CLIP_LENGTH, stride: int | None = None
) -> np.ndarray:
    """Cut a sequence [T, J, C] into clips [N, length, J, C].

    Windows start every ``stride`` frames (default: half a clip) and the last window is aligned
    with the end, so no frame is left out. A sequence shorter than ``length`` is looped (walking
    is periodic; a clip of a full stride loops almost seamlessly) into a single clip.
    """
    seq = np.asarray(sequence)
    if len(seq) == 0:
        raise ValueError("empty pose sequence")
    stride = max(1, int(stride or length // 2))
    if len(seq) < length:
        reps = int(np.ceil(length / len(seq)))
        return np.concatenate([seq] * reps, 0)[None, :length]
    starts = list(range(0, len(seq) - length + 1, stride))
    if starts[-1] != len(seq) - length:
        starts.append(len(seq) - length)
    return np.stack([seq[s : s + length] for s in starts])

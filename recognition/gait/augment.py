"""Augmentations of normalised pose clips [T, 17, C] (numpy), as used in the gait literature.

All take a ``numpy.random.Generator`` so training is reproducible from its seed.

- ``mirror``: reflect x and swap left/right joints (FLIP_INDEX). A mirrored walker is what a
  camera on the other side of the path sees. GaitGraph's own flip only negates x and keeps the
  joint labels, which produces a body whose left arm is drawn on its right; this one does not.
- ``swap_left_right``: swap the labels only (a detector confusing the two sides, common in front
  and back views).
- ``reverse_time``, ``point_noise`` (per joint and frame), ``joint_offsets`` (per joint, constant
  over the clip), ``rotate_scale`` (small camera roll and aspect change), ``crop`` (random window,
  with a random speed change by resampling).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from recognition.gait.skeleton import FLIP_INDEX

_FLIP = np.asarray(FLIP_INDEX)


def mirror(clip: np.ndarray) -> np.ndarray:
    out = clip[:, _FLIP].copy()
    out[..., 0] = -out[..., 0]
    return out


def swap_left_right(clip: np.ndarray) -> np.ndarray:
    return clip[:, _FLIP].copy()


def reverse_time(clip: np.ndarray) -> np.ndarray:
    return clip[::-1].copy()


def point_noise(clip: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    out = clip.copy()
    out[..., :2] += rng.normal(0.0, sigma, size=out[..., :2].shape)
    return out


def joint_offsets(clip: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    out = clip.copy()
    out[..., :2] += rng.normal(0.0, sigma, size=(1, clip.shape[1], 2))
    return out


def rotate_scale(
    clip: np.ndarray, rng: np.random.Generator, degrees: float, aspect: float
) -> np.ndarray:
    a = np.deg2rad(rng.uniform(-degrees, degrees))
    s = np.exp(rng.uniform(-aspect, aspect))
    m = np.array([[np.cos(a) * s, -np.sin(a) / s], [np.sin(a) * s, np.cos(a) / s]])
    out = clip.copy()
    out[..., :2] = clip[..., :2] @ m.T
    return out


def crop(
    sequence: np.ndarray, length: int, rng: np.random.Generator, speed: float = 0.0
) -> np.ndarray:
    """A random window of ``length`` frames, played ``exp(U(-speed, speed))`` times faster.

    Sequences shorter than needed are looped first (walking is periodic).
    """
    factor = float(np.exp(rng.uniform(-speed, speed))) if speed > 0 else 1.0
    need = int(np.ceil((length - 1) * factor)) + 1
    seq = sequence
    if len(seq) < need:
        seq = np.concatenate([seq] * int(np.ceil(need / len(seq))), 0)
    start = int(rng.integers(0, len(seq) - need + 1))
    if factor == 1.0:
        return seq[start : start + length].copy()
    pos = start + np.arange(length) * factor
    lo = np.minimum(np.floor(pos).astype(int), len(seq) - 1)
    hi = np.minimum(lo + 1, len(seq) - 1)
    w = (pos - lo)[:, None, None]
    return (seq[lo] * (1 - w) + seq[hi] * w).astype(sequence.dtype)


@dataclass
class AugmentConfig:
    mirror: float = 0.5
    swap_left_right: float = 0.05
    reverse_time: float = 0.1
    point_noise: float = 0.008
    joint_offsets: float = 0.008
    rotate_degrees: float = 6.0
    aspect: float = 0.06
    speed: float = 0.06

    def to_dict(self) -> dict:
        return asdict(self)


def augment_clip(clip: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """Apply the configured random augmentations to one clip [T, 17, C]."""
    if rng.random() < cfg.mirror:
        clip = mirror(clip)
    if rng.random() < cfg.swap_left_right:
        clip = swap_left_right(clip)
    if rng.random() < cfg.reverse_time:
        clip = reverse_time(clip)
    if cfg.rotate_degrees > 0 or cfg.aspect > 0:
        clip = rotate_scale(clip, rng, cfg.rotate_degrees, cfg.aspect)
    if cfg.joint_offsets > 0:
        clip = joint_offsets(clip, rng, cfg.joint_offsets * rng.uniform(0, 1))
    if cfg.point_noise > 0:
        clip = point_noise(clip, rng, cfg.point_noise * rng.uniform(0, 1))
    return clip.astype(np.float32)

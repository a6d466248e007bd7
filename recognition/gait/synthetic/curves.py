"""Sagittal joint-angle curves of walking, as a few Fourier harmonics.

The normative curves are read off the textbook averages of healthy adults walking at a
self-selected speed (hip and knee flexion, ankle dorsiflexion over one stride starting at heel
strike; D. A. Winter, "Biomechanics and Motor Control of Human Movement", and J. Perry,
"Gait Analysis"). Each curve is a periodic spline through those control points, fitted with
``HARMONICS`` harmonics, so every person's curve is smooth and periodic and can be varied per
person (amplitude, offset, timing of toe-off, extra low harmonics) without losing the
characteristic shapes: the knee's loading-response bump, the ankle's push-off plantarflexion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline

HARMONICS = 6
NORMATIVE_TOE_OFF = 0.60  # fraction of the stride in stance in the normative curves

# (percent of stride from heel strike, degrees)
_HIP_FLEXION = (
    (0, 30), (10, 26), (20, 17), (30, 7), (40, -3), (50, -10), (55, -9), (60, -2),
    (70, 14), (80, 27), (87, 32), (94, 31), (100, 30),
)  # fmt: skip
_KNEE_FLEXION = (
    (0, 5), (6, 12), (15, 18), (25, 13), (35, 7), (42, 5), (50, 9), (56, 20), (62, 38),
    (70, 58), (74, 61), (80, 52), (88, 28), (95, 9), (100, 5),
)  # fmt: skip
_ANKLE_DORSIFLEXION = (
    (0, 0), (7, -6), (15, -1), (30, 5), (45, 10), (52, 6), (57, -4), (62, -16), (67, -13),
    (75, -3), (85, 2), (95, 1), (100, 0),
)  # fmt: skip


def _fit(points: tuple[tuple[float, float], ...], harmonics: int = HARMONICS) -> np.ndarray:
    """Least-squares Fourier coefficients [a0, a1, b1, a2, b2, ...] of a periodic spline."""
    pct = np.array([p for p, _ in points], dtype=float) / 100.0
    deg = np.array([d for _, d in points], dtype=float)
    deg[-1] = deg[0]
    spline = CubicSpline(pct, deg, bc_type="periodic")
    phase = np.linspace(0.0, 1.0, 400, endpoint=False)
    basis = fourier_basis(phase, harmonics)
    coeffs, *_ = np.linalg.lstsq(basis, spline(phase), rcond=None)
    return coeffs


def fourier_basis(phase: np.ndarray, harmonics: int = HARMONICS) -> np.ndarray:
    """[len(phase), 1 + 2 * harmonics] design matrix: 1, cos(2 pi k p), sin(2 pi k p)."""
    cols = [np.ones_like(phase)]
    for k in range(1, harmonics + 1):
        cols.append(np.cos(2 * np.pi * k * phase))
        cols.append(np.sin(2 * np.pi * k * phase))
    return np.stack(cols, axis=-1)


HIP_COEFFS = _fit(_HIP_FLEXION)
KNEE_COEFFS = _fit(_KNEE_FLEXION)
ANKLE_COEFFS = _fit(_ANKLE_DORSIFLEXION)


def warp_phase(phase: np.ndarray, toe_off: float) -> np.ndarray:
    """Map a stride phase so that this person's toe-off lands on the normative toe-off.

    Piecewise linear: stance [0, toe_off) -> [0, 0.6), swing [toe_off, 1) -> [0.6, 1).
    """
    p = np.mod(phase, 1.0)
    stance = p < toe_off
    out = np.empty_like(p)
    out[stance] = p[stance] / toe_off * NORMATIVE_TOE_OFF
    out[~stance] = NORMATIVE_TOE_OFF + (p[~stance] - toe_off) / (1 - toe_off) * (
        1 - NORMATIVE_TOE_OFF
    )
    return out


@dataclass(frozen=True)
class AngleCurve:
    """One person's joint-angle curve: offset + scale * (normative - mean) + extra harmonics."""

    coeffs: np.ndarray  # normative Fourier coefficients
    scale: float = 1.0
    offset: float = 0.0
    extra: np.ndarray | None = None  # [2 * k] extra low-harmonic coefficients, degrees

    def __call__(self, phase: np.ndarray, toe_off: float = NORMATIVE_TOE_OFF) -> np.ndarray:
        warped = warp_phase(phase, toe_off)
        basis = fourier_basis(warped)
        mean = self.coeffs[0]
        value = mean + self.offset + self.scale * (basis[..., 1:] @ self.coeffs[1:])
        if self.extra is not None:
            k = len(self.extra) // 2
            value = value + fourier_basis(warped, k)[..., 1:] @ self.extra
        return value

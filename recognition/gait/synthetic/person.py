"""A synthetic person: body proportions and the habits of their walk.

Everything is drawn from one seed, so a person is reproducible from an integer. The ranges are
inter-person spreads reported for healthy adults (stature, segment ratios, cadence, range of
motion) widened a little, because the network is meant to meet real people, not this generator.
Segment lengths are those of a 2D pose detector's skeleton, not anatomical joint centres: the
ratios were measured from MediaPipe on real side-view walks (bench/bench_gait_fit_detector_noise.py:
thigh 0.29, shank 0.30, torso 0.45, nose-to-neck 0.19 of the neck-to-ankle height), and the mean
normalised pose of real side-view walkers set the neck length, head position and trunk lean.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from recognition.gait.synthetic.curves import (
    ANKLE_COEFFS,
    HIP_COEFFS,
    KNEE_COEFFS,
    AngleCurve,
)


@dataclass(frozen=True)
class Side:
    """Per-side (left or right) gait parameters; a limp is a difference between the two."""

    hip: AngleCurve
    knee: AngleCurve
    ankle: AngleCurve
    toe_off: float  # fraction of the stride in stance
    arm_swing: float  # shoulder flexion amplitude, degrees
    elbow_mod: float  # elbow flexion modulation over the stride, degrees


@dataclass(frozen=True)
class Person:
    seed: int
    stature: float  # metres
    # segment lengths in metres (detector skeleton)
    torso: float  # mid-shoulder to mid-hip keypoints
    thigh: float
    shank: float
    foot: float
    upper_arm: float
    forearm: float
    shoulder_width: float
    hip_width: float
    step_width: float  # lateral distance between the feet on the ground
    neck: float  # mid-shoulder to head centre
    head: float  # head radius (nose ahead of the head centre)
    # timing
    stride_hz: float  # strides (two steps) per second
    right_phase: float  # phase of the right leg relative to the left (0.5 = symmetric)
    stride_cv: float  # stride-to-stride variability of the cadence
    left: Side
    right: Side
    # pelvis and trunk
    pelvic_rotation: float  # degrees, amplitude of the yaw about the vertical
    pelvic_obliquity: float  # degrees
    lateral_sway: float  # metres, amplitude of the side-to-side pelvis motion
    trunk_lean: float  # degrees forward
    trunk_lean_mod: float  # degrees, twice-per-stride oscillation of the lean
    trunk_side_lean: float  # degrees, habitual lateral lean (+ = towards the right)
    counter_rotation: float  # thorax yaw as a fraction of the pelvis yaw, opposite sign
    shoulder_tilt: float  # degrees, right shoulder lower when positive
    # arms
    arm_offset: float  # degrees of mean shoulder flexion
    elbow_base: float  # degrees of mean elbow flexion
    arm_abduction: float  # degrees
    arm_lag: float  # fraction of a stride the arm swing lags the opposite leg
    # head
    head_pitch: float  # degrees, positive = looking down
    head_forward: float  # metres, forward head posture
    limp: bool = False
    extras: dict = field(default_factory=dict)

    def side(self, name: str) -> Side:
        return self.left if name == "left" else self.right

    def with_sides(self, left: Side, right: Side, **changes) -> Person:
        return replace(self, left=left, right=right, **changes)


def _curve(
    rng: np.random.Generator, coeffs, scale_sd, offset_sd, extra_sd, offset_mean: float = 0.0
) -> AngleCurve:
    extra = np.concatenate(
        [rng.normal(0, extra_sd / k, size=2) for k in (1, 2, 3)]
    )  # low harmonics only: they change the shape without adding jitter
    return AngleCurve(
        coeffs=coeffs,
        scale=float(np.clip(rng.normal(1.0, scale_sd), 0.65, 1.4)),
        offset=float(rng.normal(offset_mean, offset_sd)),
        extra=extra,
    )


def _perturb_side(rng: np.random.Generator, side: Side, amount: float) -> Side:
    """A slightly different copy of a side (the natural left/right asymmetry)."""

    def curve(c: AngleCurve) -> AngleCurve:
        extra = c.extra + rng.normal(0, 1.0 * amount, size=c.extra.shape)
        return replace(
            c,
            scale=c.scale * float(rng.normal(1.0, 0.04 * amount)),
            offset=c.offset + float(rng.normal(0, 1.0 * amount)),
            extra=extra,
        )

    return replace(
        side,
        hip=curve(side.hip),
        knee=curve(side.knee),
        ankle=curve(side.ankle),
        toe_off=side.toe_off + float(rng.normal(0, 0.006 * amount)),
        arm_swing=side.arm_swing * float(rng.normal(1.0, 0.12 * amount)),
        elbow_mod=side.elbow_mod * float(rng.normal(1.0, 0.12 * amount)),
    )


def generate_person(seed: int) -> Person:
    """Draw one person from the seed (the same seed always gives the same person)."""
    rng = np.random.default_rng([0x6A17, int(seed)])
    stature = float(np.clip(rng.normal(1.70, 0.095), 1.45, 2.02))
    build = rng.normal(0.0, 1.0)  # broad <-> slim, shared by shoulder and hip width

    def seg(ratio: float, sd: float) -> float:
        return float(stature * ratio * np.exp(rng.normal(0.0, sd)))

    leg_factor = np.exp(rng.normal(0.0, 0.035))  # long- or short-legged for the stature
    thigh = seg(0.232, 0.045) * leg_factor
    shank = seg(0.240, 0.045) * leg_factor
    torso = seg(0.345, 0.05) / leg_factor
    shoulder_width = seg(0.215, 0.06) * float(np.exp(0.04 * build))
    hip_width = seg(0.150, 0.07) * float(np.exp(0.05 * build + rng.normal(0, 0.03)))
    # longer legs -> a little slower cadence for the same speed
    leg = (thigh + shank) / (0.472 * 1.70)
    stride_hz = float(np.clip(rng.normal(0.93, 0.075) / np.sqrt(leg), 0.72, 1.15))

    toe_off = float(np.clip(rng.normal(0.615, 0.015), 0.57, 0.66))
    base = Side(
        hip=_curve(rng, HIP_COEFFS, 0.12, 3.5, 2.0, offset_mean=-3.0),
        knee=_curve(rng, KNEE_COEFFS, 0.10, 2.5, 2.0),
        ankle=_curve(rng, ANKLE_COEFFS, 0.18, 2.5, 1.5),
        toe_off=toe_off,
        arm_swing=float(np.clip(rng.normal(17.0, 7.0), 2.0, 40.0)),
        elbow_mod=float(np.clip(rng.normal(12.0, 6.0), 0.0, 35.0)),
    )
    left = _perturb_side(rng, base, 1.0)
    right = _perturb_side(rng, base, 1.0)
    right_phase = 0.5 + float(rng.normal(0, 0.008))
    limp = bool(rng.random() < 0.12)
    side_lean = float(rng.normal(0.0, 1.2))
    if limp:  # an antalgic gait: shorter stance, stiffer knee and smaller step on one side
        severity = rng.uniform(0.4, 1.0)
        bad = rng.choice(["left", "right"])
        hurt = left if bad == "left" else right
        hurt = replace(
            hurt,
            toe_off=hurt.toe_off - 0.05 * severity,
            knee=replace(hurt.knee, scale=hurt.knee.scale * (1 - 0.35 * severity)),
            hip=replace(hurt.hip, scale=hurt.hip.scale * (1 - 0.2 * severity)),
        )
        left, right = (hurt, right) if bad == "left" else (left, hurt)
        right_phase += (0.04 * severity) * (1 if bad == "left" else -1)
        side_lean += (3.0 * severity) * (-1 if bad == "left" else 1)

    return Person(
        seed=int(seed),
        stature=stature,
        torso=torso,
        thigh=thigh,
        shank=shank,
        foot=seg(0.150, 0.05),
        upper_arm=seg(0.185, 0.05),
        forearm=seg(0.158, 0.05),
        shoulder_width=shoulder_width,
        hip_width=hip_width,
        step_width=float(np.clip(0.5 * hip_width + rng.normal(0.0, 0.025), 0.0, 0.25)),
        neck=seg(0.125, 0.10),
        head=seg(0.060, 0.08),
        stride_hz=stride_hz,
        right_phase=right_phase,
        stride_cv=float(rng.uniform(0.01, 0.03)),
        left=left,
        right=right,
        pelvic_rotation=float(np.clip(rng.normal(5.0, 2.0), 0.5, 12.0)),
        pelvic_obliquity=float(np.clip(rng.normal(4.0, 1.5), 0.0, 9.0)),
        lateral_sway=float(np.clip(rng.normal(0.022, 0.008), 0.005, 0.05)),
        trunk_lean=float(rng.normal(-0.5, 3.0)),
        trunk_lean_mod=float(np.clip(rng.normal(1.5, 0.7), 0.0, 4.0)),
        trunk_side_lean=side_lean,
        counter_rotation=float(rng.uniform(0.3, 1.1)),
        shoulder_tilt=float(rng.normal(0.0, 1.5)),
        arm_offset=float(rng.normal(-3.0, 4.0)),
        elbow_base=float(np.clip(rng.normal(12.0, 7.0), 2.0, 45.0)),
        arm_abduction=float(np.clip(rng.normal(8.0, 3.0), 1.0, 18.0)),
        arm_lag=float(rng.uniform(0.0, 0.06)),
        head_pitch=float(rng.normal(6.0, 6.0)),
        head_forward=float(rng.normal(0.03, 0.015)),
        limp=limp,
    )

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

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

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


def _perturb_side(
    rng: np.random.Generator,
    side: Side,
    amount: float,
    curve_sd: float = 0.04,
    arm_sd: float = 0.12,
) -> Side:
    """A slightly different copy of a side (the natural left/right asymmetry)."""

    def curve(c: AngleCurve) -> AngleCurve:
        extra = c.extra + rng.normal(0, 1.0 * amount, size=c.extra.shape)
        return replace(
            c,
            scale=c.scale * float(rng.normal(1.0, curve_sd * amount)),
            offset=c.offset + float(rng.normal(0, 1.0 * amount)),
            extra=extra,
        )

    return replace(
        side,
        hip=curve(side.hip),
        knee=curve(side.knee),
        ankle=curve(side.ankle),
        toe_off=side.toe_off + float(rng.normal(0, 0.006 * amount)),
        arm_swing=side.arm_swing * float(rng.normal(1.0, arm_sd * amount)),
        elbow_mod=side.elbow_mod * float(rng.normal(1.0, arm_sd * amount)),
    )


# The spreads a person is drawn with. DEFAULT: the walker's own (published healthy-adult ranges,
# widened). population("real-fit"): measured on real people (real_population.json, made by
# bench/fit_walker_to_real_walks.py from the fitting half of the real walks: statistics only).
DEFAULT_SPREADS: dict[str, float] = {
    "thigh_sd": 0.045, "shank_sd": 0.045, "torso_sd": 0.05, "shoulder_width_sd": 0.06,
    "hip_width_sd": 0.07, "upper_arm_sd": 0.05, "forearm_sd": 0.05,
    "stride_hz_mean": 0.93, "stride_hz_sd": 0.075,
    "hip_scale_sd": 0.12, "knee_scale_sd": 0.10, "arm_swing_sd": 7.0,
    "side_curve_sd": 0.04, "side_arm_sd": 0.12,
}  # fmt: skip
POPULATION_FILE = Path(__file__).with_name("real_population.json")
# Kinect knees jump and arms are guessed when hidden: the measured spreads of those ranges carry
# sensor noise, so the walker takes them up to these bounds only.
_CAPS = {"knee_scale_sd": 0.2, "walk_scale_sd": 0.10, "walk_arm_sd": 0.3}


@lru_cache(maxsize=4)
def _population_file(path: str) -> dict:
    return json.loads(Path(path).read_text())


def population(name: str = "real-fit", path: str | Path | None = None) -> dict[str, float]:
    """The spreads of a named population: ``default`` or ``real-fit`` (fitted to real people).

    ``real-fit`` maps real_population.json's statistics onto the walker's parameters: segment
    spreads = the between-person coefficients of variation of the proportions; cadence mean and
    spread; hip/knee curve scale spreads and arm swing spread = the between-person spreads of
    the joint ranges; left/right spreads = the asymmetry spreads / sqrt(2) (two sides drawn
    independently); ``walk_*``: one person's walk-to-walk spreads (cadence, range of motion, arm
    swing), used by walker.walk_variation. Corrected spreads (people's means less their walks'
    own scatter) are used where measured.
    """
    if name == "default":
        return dict(DEFAULT_SPREADS)
    if name != "real-fit":
        raise ValueError(f"unknown population {name!r}; expected 'default' or 'real-fit'")
    st = _population_file(str(path or POPULATION_FILE))["statistics"]
    out = dict(DEFAULT_SPREADS)
    for seg_name in (
        "thigh",
        "shank",
        "torso",
        "shoulder_width",
        "hip_width",
        "upper_arm",
        "forearm",
    ):
        out[f"{seg_name}_sd"] = st[seg_name]["between_cv"]
    out["stride_hz_mean"] = st["cadence"]["mean"]
    out["stride_hz_sd"] = st["cadence"]["between_sd_corrected"]
    out["hip_scale_sd"] = st["hip_range"]["between_cv"]
    out["knee_scale_sd"] = min(st["knee_range"]["between_cv"], _CAPS["knee_scale_sd"])
    out["arm_swing_sd"] = 17.0 * st["arm_range"]["between_cv"]
    out["side_curve_sd"] = (
        (st["hip_asymmetry"]["between_sd_corrected"] + st["knee_asymmetry"]["between_sd_corrected"])
        / 2
        / np.sqrt(2)
    )
    out["side_arm_sd"] = st["arm_asymmetry"]["between_sd_corrected"] / np.sqrt(2)
    out["walk_stride_sd"] = st["cadence"]["within_cv"]
    out["walk_scale_sd"] = min(st["hip_range"]["within_cv"], _CAPS["walk_scale_sd"])
    out["walk_arm_sd"] = min(st["arm_range"]["within_cv"], _CAPS["walk_arm_sd"])
    return {k: float(v) for k, v in out.items()}


_named_population = population  # generate_person's keyword of the same name hides it


def generate_person(
    seed: int, spreads: Mapping[str, float] | None = None, *, population: str | None = None
) -> Person:
    """Draw one person from the seed (the same seed always gives the same person).

    ``spreads``: the population to draw from (:func:`population`; default: DEFAULT_SPREADS);
    ``population``: a named one instead (``"real-fit"``), as a training config's ``[walker]``
    table gives it (``population = "real-fit"``); ``spreads`` then override single entries.
    Its ``walk_*`` entries, if any, travel with the person (``extras["walk"]``) and set how much
    their walks differ from each other (walker.walk_variation).
    """
    if population is not None:
        try:
            named = _named_population(population)
        except (
            ValueError
        ) as exc:  # a bad option, as an unknown keyword is (config readers rely on it)
            raise TypeError(str(exc)) from exc
        spreads = {**named, **(spreads or {})}
    p = dict(DEFAULT_SPREADS)
    p.update(spreads or {})
    rng = np.random.default_rng([0x6A17, int(seed)])
    stature = float(np.clip(rng.normal(1.70, 0.095), 1.45, 2.02))
    build = rng.normal(0.0, 1.0)  # broad <-> slim, shared by shoulder and hip width

    def seg(ratio: float, sd: float) -> float:
        return float(stature * ratio * np.exp(rng.normal(0.0, sd)))

    leg_factor = np.exp(rng.normal(0.0, 0.035))  # long- or short-legged for the stature
    thigh = seg(0.232, p["thigh_sd"]) * leg_factor
    shank = seg(0.240, p["shank_sd"]) * leg_factor
    torso = seg(0.345, p["torso_sd"]) / leg_factor
    shoulder_width = seg(0.215, p["shoulder_width_sd"]) * float(np.exp(0.04 * build))
    hip_width = seg(0.150, p["hip_width_sd"]) * float(np.exp(0.05 * build + rng.normal(0, 0.03)))
    # longer legs -> a little slower cadence for the same speed
    leg = (thigh + shank) / (0.472 * 1.70)
    slowest = 0.72 if spreads is None else 0.55  # real walkers in short corridors are slow
    stride_hz = float(
        np.clip(rng.normal(p["stride_hz_mean"], p["stride_hz_sd"]) / np.sqrt(leg), slowest, 1.15)
    )

    toe_off = float(np.clip(rng.normal(0.615, 0.015), 0.57, 0.66))
    base = Side(
        hip=_curve(rng, HIP_COEFFS, p["hip_scale_sd"], 3.5, 2.0, offset_mean=-3.0),
        knee=_curve(rng, KNEE_COEFFS, p["knee_scale_sd"], 2.5, 2.0),
        ankle=_curve(rng, ANKLE_COEFFS, 0.18, 2.5, 1.5),
        toe_off=toe_off,
        arm_swing=float(np.clip(rng.normal(17.0, p["arm_swing_sd"]), 2.0, 40.0)),
        elbow_mod=float(np.clip(rng.normal(12.0, 6.0), 0.0, 35.0)),
    )
    left = _perturb_side(rng, base, 1.0, p["side_curve_sd"], p["side_arm_sd"])
    right = _perturb_side(rng, base, 1.0, p["side_curve_sd"], p["side_arm_sd"])
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
        extras={"walk": {k: v for k, v in p.items() if k.startswith("walk_")}} if spreads else {},
    )

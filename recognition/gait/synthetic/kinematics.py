"""A walking 3D skeleton from a person's gait parameters, with feet that do not slide.

World frame: x forward along the walk, y up, z to the walker's right; the ground is y = 0.
The legs are driven by the joint-angle curves in the sagittal plane; the pelvis is then moved so
that the lowest point of each stance foot (heel early in stance, the forefoot late in stance)
stays where it was put down. Walking speed, stride length and the vertical bob of the body are
therefore consequences of the angles and segment lengths, as in a real walk, not free parameters.
"""

from __future__ import annotations

import numpy as np

from recognition.gait.skeleton import JOINT_INDEX, NUM_JOINTS
from recognition.gait.synthetic.person import Person, Side

_J = JOINT_INDEX


def smooth_noise(rng: np.random.Generator, n: int, corr: float) -> np.ndarray:
    """Zero-mean, unit-variance noise smoothed over about ``corr`` samples."""
    corr = max(float(corr), 1.0)
    white = rng.normal(size=n + int(4 * corr))
    width = int(max(3, 2 * corr)) | 1
    kernel = np.exp(-0.5 * (np.arange(width) - width // 2) ** 2 / (corr / 2) ** 2)
    out = np.convolve(white, kernel / np.sqrt((kernel**2).sum()), mode="same")
    start = int(2 * corr)
    return out[start : start + n]


def _sagittal_dir(angle_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vector at ``angle`` from straight down, positive forward: (sin a, -cos a)."""
    a = np.deg2rad(angle_deg)
    return np.sin(a), -np.cos(a)


def _leg(
    side: Side, phase: np.ndarray, person: Person, wobble: np.ndarray
) -> dict[str, np.ndarray]:
    """Knee, ankle, heel and forefoot relative to the hip joint, sagittal (x, y)."""
    hip = side.hip(phase, side.toe_off) + wobble[0]
    knee_flex = np.maximum(side.knee(phase, side.toe_off) + wobble[1], 0.0)
    ankle = side.ankle(phase, side.toe_off) + wobble[2]
    tx, ty = _sagittal_dir(hip)
    knee = np.stack([tx * person.thigh, ty * person.thigh], -1)
    sx, sy = _sagittal_dir(hip - knee_flex)
    ank = knee + np.stack([sx * person.shank, sy * person.shank], -1)
    foot_angle = np.deg2rad(hip - knee_flex + 90.0 + ankle)
    forward = np.stack([np.sin(foot_angle), -np.cos(foot_angle)], -1)
    down = np.stack([-np.cos(foot_angle), -np.sin(foot_angle)], -1)
    ankle_height = 0.042 * person.stature
    heel = ank + ankle_height * down - 0.22 * person.foot * forward
    toe = ank + ankle_height * down + 0.62 * person.foot * forward
    return {"knee": knee, "ankle": ank, "heel": heel, "toe": toe}


def skeleton_3d(
    person: Person,
    n_frames: int,
    fps: float,
    rng: np.random.Generator,
    *,
    start_phase: float | None = None,
    oversample: int = 4,
) -> np.ndarray:
    """World coordinates [n_frames, 17, 3] of the COCO-17 keypoints of a straight walk."""
    n = n_frames * oversample
    dt = 1.0 / (fps * oversample)
    per_stride = fps * oversample / person.stride_hz
    freq = person.stride_hz * (1.0 + person.stride_cv * smooth_noise(rng, n, per_stride))
    start = rng.random() if start_phase is None else start_phase
    phase_l = start + np.cumsum(freq) * dt
    phase_r = phase_l + person.right_phase

    # stride-to-stride wobble of the leg angles (degrees), slow compared to a stride
    def wobble() -> np.ndarray:
        return np.stack([smooth_noise(rng, n, per_stride / 3) * s for s in (1.2, 1.5, 1.0)])

    left = _leg(person.left, phase_l, person, wobble())
    right = _leg(person.right, phase_r, person, wobble())

    # pelvis rotation (positive: left side forward) and obliquity (positive: right hip lower)
    cyc = 2 * np.pi * phase_l
    beta = np.deg2rad(person.pelvic_rotation * np.cos(cyc))
    delta = np.deg2rad(person.pelvic_obliquity * np.sin(cyc))
    half_hip = person.hip_width / 2
    hip_rel = {
        "left": np.stack([half_hip * np.sin(beta), half_hip * np.sin(delta)], -1),
        "right": np.stack([-half_hip * np.sin(beta), -half_hip * np.sin(delta)], -1),
    }
    legs = {"left": left, "right": right}
    phases = {"left": phase_l, "right": phase_r}

    # progression: the stance foot's lowest point does not move
    step = np.zeros(n)
    height = np.full(n, np.inf)
    count = np.zeros(n)
    for name in ("left", "right"):
        leg, side = legs[name], person.side(name)
        heel = leg["heel"] + hip_rel[name]
        toe = leg["toe"] + hip_rel[name]
        stance = np.mod(phases[name], 1.0) < side.toe_off
        use_heel = heel[:, 1] <= toe[:, 1]
        point = np.where(use_heel[:, None], heel, toe)
        nxt = np.where(use_heel[:-1, None], heel[1:], toe[1:])
        moving = stance[:-1]
        step[:-1] += np.where(moving, -(nxt[:, 0] - point[:-1, 0]), 0.0)
        count[:-1] += moving
        height = np.where(stance, np.minimum(height, point[:, 1]), height)
    has = count > 0
    step[has] /= count[has]
    if not has.all():  # a flight phase cannot happen in walking, but keep the speed if it does
        idx = np.maximum.accumulate(np.where(has, np.arange(n), 0))
        step = step[idx]
    pelvis_x = np.concatenate([[0.0], np.cumsum(step[:-1])])
    finite = np.isfinite(height)
    height = np.interp(np.arange(n), np.flatnonzero(finite), height[finite])
    pelvis_y = np.convolve(np.pad(-height, 3, mode="edge"), np.ones(7) / 7, mode="valid")
    pelvis_z = -person.lateral_sway * np.sin(cyc - 0.3)

    joints = np.zeros((n, NUM_JOINTS, 3))
    pelvis = np.stack([pelvis_x, pelvis_y, pelvis_z], -1)
    for name, sign in (("left", -1.0), ("right", 1.0)):
        leg = legs[name]
        hip = pelvis.copy()
        hip[:, 0] += hip_rel[name][:, 0]
        hip[:, 1] += hip_rel[name][:, 1]
        hip[:, 2] += sign * half_hip * np.cos(beta)
        foot_z = sign * person.step_width / 2
        joints[:, _J[f"{name}_hip"]] = hip
        for joint, frac in (("knee", 0.5), ("ankle", 1.0)):
            pos = hip.copy()
            pos[:, 0] += leg[joint][:, 0]
            pos[:, 1] += leg[joint][:, 1]
            pos[:, 2] = hip[:, 2] + frac * (foot_z - hip[:, 2])
            joints[:, _J[f"{name}_{joint}"]] = pos

    # trunk: forward lean with a twice-per-stride nod, lateral lean towards the stance side
    lean = np.deg2rad(person.trunk_lean + person.trunk_lean_mod * np.cos(2 * cyc))
    side_lean = np.deg2rad(person.trunk_side_lean - 1.5 * np.sin(cyc))
    up = np.stack([np.sin(lean), np.cos(lean) * np.cos(side_lean), np.sin(side_lean)], -1)
    neck = pelvis + person.torso * up
    gamma = -person.counter_rotation * beta  # thorax yaw, positive: left shoulder forward
    tilt = np.deg2rad(person.shoulder_tilt)
    half_sh = person.shoulder_width / 2
    for name, sign in (("left", -1.0), ("right", 1.0)):
        side = person.side(name)
        shoulder = neck + np.stack(
            [
                -sign * half_sh * np.sin(gamma),
                np.full(n, -sign * half_sh * np.sin(tilt)),
                sign * half_sh * np.cos(gamma),
            ],
            -1,
        )
        ph = phases[name] - person.arm_lag
        flex = (
            person.arm_offset
            - side.arm_swing * np.cos(2 * np.pi * ph)
            + 0.12 * side.arm_swing * np.sin(4 * np.pi * ph)
        )
        elbow_flex = person.elbow_base + side.elbow_mod * 0.5 * (1 + np.cos(2 * np.pi * ph - np.pi))
        abd = np.deg2rad(person.arm_abduction)
        ux, uy = _sagittal_dir(flex)
        elbow = shoulder + person.upper_arm * np.stack(
            [ux * np.cos(abd), uy * np.cos(abd), np.full(n, sign * np.sin(abd))], -1
        )
        fx, fy = _sagittal_dir(flex + elbow_flex)
        wrist = elbow + person.forearm * np.stack(
            [fx * np.cos(abd), fy * np.cos(abd), np.full(n, sign * 0.7 * np.sin(abd))], -1
        )
        joints[:, _J[f"{name}_shoulder"]] = shoulder
        joints[:, _J[f"{name}_elbow"]] = elbow
        joints[:, _J[f"{name}_wrist"]] = wrist

    # head: a small sphere on the neck, pitched down a little, following the thorax yaw
    head_c = neck + person.neck * up
    head_c[:, 0] += person.head_forward
    pitch = np.deg2rad(person.head_pitch)
    yaw = 0.3 * gamma
    local = {
        "nose": (1.0, -0.15, 0.0),
        "left_eye": (0.85, 0.25, -0.35),
        "right_eye": (0.85, 0.25, 0.35),
        "left_ear": (0.2, 0.1, -0.85),
        "right_ear": (0.2, 0.1, 0.85),
    }
    for name, (lx, ly, lz) in local.items():
        px = lx * np.cos(pitch) + ly * np.sin(pitch)
        py = -lx * np.sin(pitch) + ly * np.cos(pitch)
        wx = px * np.cos(yaw) - lz * np.sin(yaw)
        wz = px * np.sin(yaw) + lz * np.cos(yaw)
        joints[:, _J[name]] = head_c + person.head * np.stack([wx, np.full(n, py), wz], -1)

    return joints[::oversample].astype(np.float64)

"""One recorded walk of a synthetic person: condition, view, camera, detector -> PoseTrack.

Conditions follow CASIA-B's names:
- ``nm``: normal walking.
- ``bg``: carrying a bag. Drawn per walk: a shoulder bag or a hand-carried bag on one side (arm
  swing on that side almost gone, that shoulder raised or lowered, a lean away from the load,
  noisier keypoints near the bag) or a backpack (both arms swing less, more forward lean).
- ``cl``: wearing a coat. Deliberately mild and random per walk: a coat does not change the
  skeleton, so it is modelled as what a detector does with a coat (noisier, drifting hip and
  knee keypoints, slightly wider shoulders and lower hips by a small random amount, knees lost
  under a long coat) plus a little less arm swing. Fixed joint offsets taught an earlier probe to
  ignore cues that real coats do not remove (see docs/MODEL_CARD.md).
Every walk also varies from the person's habit (speed, range of motion, posture), so two walks
of one person are never identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace

import numpy as np

from recognition.gait.skeleton import JOINT_INDEX, NUM_JOINTS
from recognition.gait.synthetic.camera import PinholeCamera, view_direction
from recognition.gait.synthetic.detector import DetectorStyle, apply_detector
from recognition.gait.synthetic.kinematics import skeleton_3d
from recognition.gait.synthetic.person import Person, Side
from recognition.gait.tracks import PoseTrack

CONDITIONS = ("nm", "bg", "cl")
CASIA_VIEWS = (0, 18, 36, 54, 72, 90, 108, 126, 144, 162, 180)
IMAGE_SIZES = ((320, 240), (640, 480), (960, 540), (1280, 720), (1920, 1080))


def _scaled(side: Side, rng: np.random.Generator, sd: float, arm: float = 1.0) -> Side:
    def curve(c):
        return replace(c, scale=c.scale * float(rng.normal(1.0, sd)))

    return replace(
        side,
        hip=curve(side.hip),
        knee=curve(side.knee),
        ankle=curve(side.ankle),
        arm_swing=side.arm_swing * arm * float(rng.normal(1.0, 0.06)),
    )


def walk_variation(person: Person, rng: np.random.Generator) -> Person:
    """The same person on another day: a little faster or slower, more or less upright.

    How much: the person's population's ``walk_*`` spreads when it has them (person.extras;
    fitted to real people for population "real-fit"), else the walker's own defaults.
    """
    spreads = person.extras.get("walk", {}) if person.extras else {}
    sd = spreads.get("walk_scale_sd", 0.025)
    common = float(rng.normal(1.0, sd))  # a longer stride scales both legs' range of motion
    arm = float(rng.normal(1.0, spreads["walk_arm_sd"])) if "walk_arm_sd" in spreads else 1.0
    left = _scaled(person.left, rng, sd / 2, arm)
    right = _scaled(person.right, rng, sd / 2, arm)
    for name in ("hip", "knee"):
        left = replace(
            left, **{name: replace(getattr(left, name), scale=getattr(left, name).scale * common)}
        )
        right = replace(
            right,
            **{name: replace(getattr(right, name), scale=getattr(right, name).scale * common)},
        )
    return person.with_sides(
        left,
        right,
        stride_hz=person.stride_hz * float(rng.normal(1.0, spreads.get("walk_stride_sd", 0.035))),
        trunk_lean=person.trunk_lean + float(rng.normal(0, 1.0)),
        head_pitch=person.head_pitch + float(rng.normal(0, 3.0)),
        arm_offset=person.arm_offset + float(rng.normal(0, 1.5)),
    )


def apply_condition(
    person: Person, condition: str, rng: np.random.Generator, style: DetectorStyle
) -> tuple[Person, dict]:
    """The person as they walk under a condition, and the detector's extra trouble."""
    info: dict = {}
    extra_jitter = np.ones(NUM_JOINTS)
    extra_dropout = np.zeros(NUM_JOINTS)
    if condition == "bg":
        kind = rng.choice(["shoulder", "hand", "backpack"], p=[0.4, 0.25, 0.35])
        info["bag"] = str(kind)
        if kind == "backpack":
            factor = float(rng.uniform(0.65, 0.95))
            person = person.with_sides(
                replace(person.left, arm_swing=person.left.arm_swing * factor),
                replace(person.right, arm_swing=person.right.arm_swing * factor),
                trunk_lean=person.trunk_lean + float(rng.uniform(2.0, 7.0)),
            )
            extra_jitter[[5, 6]] = 1.3
        else:
            side_name = str(rng.choice(["left", "right"]))
            info["bag_side"] = side_name
            sign = -1.0 if side_name == "left" else 1.0
            keep = rng.uniform(0.05, 0.45) if kind == "hand" else rng.uniform(0.15, 0.6)
            loaded = replace(
                person.side(side_name),
                arm_swing=person.side(side_name).arm_swing * float(keep),
                elbow_mod=person.side(side_name).elbow_mod * float(keep),
            )
            left, right = (loaded, person.right) if side_name == "left" else (person.left, loaded)
            # shoulder strap: that shoulder is hitched up; hand bag: it is pulled down
            tilt = rng.uniform(1.0, 4.0) * (-1 if kind == "shoulder" else 1) * sign
            person = person.with_sides(
                left,
                right,
                shoulder_tilt=person.shoulder_tilt + float(tilt),
                trunk_side_lean=person.trunk_side_lean - sign * float(rng.uniform(0.5, 3.0)),
                elbow_base=person.elbow_base * float(rng.uniform(0.6, 1.3)),
            )
            j = JOINT_INDEX[f"{side_name}_wrist"]
            h = JOINT_INDEX[f"{side_name}_hip"]
            extra_jitter[[j, h]] = rng.uniform(1.2, 2.0)
            extra_dropout[j] = rng.uniform(0.0, 0.05)
    elif condition == "cl":
        long_coat = bool(rng.random() < 0.5)
        info["coat"] = "long" if long_coat else "short"
        factor = float(rng.uniform(0.7, 1.0))
        person = person.with_sides(
            replace(person.left, arm_swing=person.left.arm_swing * factor),
            replace(person.right, arm_swing=person.right.arm_swing * factor),
            shoulder_width=person.shoulder_width * float(np.exp(rng.uniform(0.0, 0.03))),
            hip_width=person.hip_width * float(np.exp(rng.uniform(-0.01, 0.04))),
            torso=person.torso * float(np.exp(rng.uniform(-0.005, 0.02))),
        )
        extra_jitter[[11, 12]] = rng.uniform(1.3, 2.5)
        extra_jitter[[13, 14]] = rng.uniform(1.0, 2.0) * (1.5 if long_coat else 1.0)
        extra_jitter[[5, 6]] = rng.uniform(1.0, 1.5)
        if long_coat:
            extra_dropout[[13, 14]] = rng.uniform(0.0, 0.08)
        style.drift_scale *= float(rng.uniform(1.0, 2.0))
    elif condition != "nm":
        raise ValueError(f"unknown condition {condition!r}; expected one of {CONDITIONS}")
    style.extra_jitter = extra_jitter
    style.extra_dropout = extra_dropout
    return person, info


def _place_camera(
    joints: np.ndarray,
    view_deg: float,
    rng: np.random.Generator,
    distance: float | None,
    camera_height: float | None,
    image_size: tuple[int, int],
    person: Person,
) -> PinholeCamera:
    pelvis = joints[:, 11:13].mean(1)
    start, end = pelvis[0], pelvis[-1]
    centre = (start + end) / 2
    centre[1] = 0.0
    direction = view_direction(view_deg)
    d = float(rng.uniform(3.5, 10.0)) if distance is None else float(distance)
    path = np.linspace(start[[0, 2]], end[[0, 2]], 20)
    while True:  # keep the walker at least 2 m from the lens
        cam_xz = centre[[0, 2]] + d * direction[[0, 2]]
        if np.min(np.linalg.norm(path - cam_xz, axis=1)) >= 2.0:
            break
        d += 0.5
    ch = float(rng.uniform(0.8, 3.0)) if camera_height is None else float(camera_height)
    position = np.array([cam_xz[0], ch, cam_xz[1]])
    target = centre + np.array([0.0, 0.55 * person.stature + rng.normal(0, 0.1), 0.0])
    probe = PinholeCamera.look_at(position, target, 1.0, image_size)
    uv, _ = probe.project(joints.reshape(-1, 3))
    uv -= np.array(image_size) / 2
    w, h = image_size
    span = np.abs(uv).max(0) + 1e-9
    focal = min(0.46 * w / span[0], 0.46 * h / span[1]) * float(rng.uniform(0.75, 1.0))
    return PinholeCamera.look_at(position, target, focal, image_size)


def walk(
    person: Person,
    condition: str = "nm",
    view: float = 90.0,
    *,
    seed: int = 0,
    n_frames: int | None = None,
    fps: float | None = None,
    distance: float | None = None,
    camera_height: float | None = None,
    image_size: tuple[int, int] | None = None,
    noise: bool = True,
    view_jitter: float = 3.0,
    detector: Mapping[str, float] | None = None,
) -> PoseTrack:
    """One walk of ``person`` seen by a camera at ``view`` degrees, as a detector would report it.

    Deterministic from (person, condition, view, seed). Lengths, frame rate, camera distance and
    height and image size are drawn from the seed unless given. ``noise=False`` returns perfect
    projections (confidence 1) for tests. ``detector``: ``DetectorStyle`` fields to override
    after the walk's style is drawn (e.g. ``{"bias_sd": 0.0}``), for studying what each kind of
    detector error costs; the rest of the walk is drawn exactly as without it.
    """
    rng = np.random.default_rng(
        [
            0x3A1C,
            person.seed,
            CONDITIONS.index(condition) if condition in CONDITIONS else 99,
            int(view * 10),
            int(seed),
        ]
    )
    n = int(rng.integers(50, 151)) if n_frames is None else int(n_frames)
    rate = float(rng.choice([25.0, 30.0])) if fps is None else float(fps)
    size = IMAGE_SIZES[rng.integers(len(IMAGE_SIZES))] if image_size is None else image_size
    view_actual = float(view) + float(rng.normal(0, view_jitter))
    style = DetectorStyle.random(rng, view_actual)
    if detector:
        unknown = set(detector) - {f.name for f in fields(DetectorStyle)}
        if unknown:
            raise ValueError(f"not DetectorStyle fields: {', '.join(sorted(unknown))}")
        style = replace(style, **detector)
    walker = walk_variation(person, rng)
    walker, info = apply_condition(walker, condition, rng, style)
    joints = skeleton_3d(walker, n, rate, rng)
    camera = _place_camera(joints, view_actual, rng, distance, camera_height, size, walker)
    uv, depth = camera.project(joints)
    if noise:
        keypoints = apply_detector(uv, depth, rng, style, body_width=walker.shoulder_width)
    else:
        keypoints = np.concatenate([uv, np.ones((n, NUM_JOINTS, 1))], -1).astype(np.float32)
    frame_indices = np.arange(n)
    if noise and rng.random() < 0.3:  # the tracker lost the person for a few frames
        keep = rng.random(n) > rng.uniform(0.02, 0.12)
        keep[[0, -1]] = True
        keypoints, frame_indices = keypoints[keep], frame_indices[keep]
    meta = {
        "subject": person.seed,
        "condition": condition,
        "view": float(view),
        "seed": int(seed),
        "synthetic": True,
        **info,
    }
    return PoseTrack(keypoints, frame_indices, rate, track_id=0, image_size=tuple(size), meta=meta)

"""Who the pipeline treats as walking: real and synthetic walks that would be left out as "not
walking", and how many people standing still are left out.

The pipeline (recognition/gait/pipeline.py, ``still_person_motion``) leaves out a person whose
walking direction is unknown (they go nowhere) and whose feet barely move against their hips and
shoulders (preprocess.leg_motion under MIN_LEG_MOTION). This counts, with that same function:

- real walks of ../shared/data/real-walks seen by door cameras at 0, 45, 90 and 180 deg
  (realwalks.project_walk, 3-8 m, detector noise): every one should be kept;
- synthetic walks head-on and from behind (0, 20, 160, 180 deg), where the feet move least;
- the real clips' main walkers, when the real-walk benchmark has cached them (--clips-cache);
- people standing still: one pose of a synthetic walk held for 3 s with detector jitter of
  1.5 or 3 px and a slow sway; those whose ankles are not confidently seen cannot be judged and
  are kept.

    python bench/bench_gait_walking_check.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognition.gait.pipeline import still_person_motion  # noqa: E402
from recognition.gait.preprocess import leg_motion, walking_direction  # noqa: E402
from recognition.gait.tracks import PoseTrack  # noqa: E402


def left_out(track: PoseTrack) -> bool:
    return still_person_motion(track, walking_direction(track)) is not None


def standing(track: PoseTrack, frame: int, jitter: float, rng: np.random.Generator) -> PoseTrack:
    kp = np.repeat(track.keypoints[frame][None], 75, axis=0)
    kp[:, :, :2] += rng.normal(0, jitter, kp[:, :, :2].shape)
    kp[:, :, :2] += np.cumsum(rng.normal(0, 0.3, (75, 1, 2)), axis=0)
    return PoseTrack(kp, np.arange(75), 25.0, image_size=track.image_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "real-walks"))
    parser.add_argument("--clips-cache", default=str(ROOT / "var" / "bench-real-walks" / "clips"))
    parser.add_argument("--synthetic-people", type=int, default=150)
    args = parser.parse_args()

    from recognition.gait.realwalks import load_real_walks, project_walk
    from recognition.gait.synthetic import eval_subjects, generate_person, walk

    walks = load_real_walks(args.data)
    for view in (0.0, 45.0, 90.0, 180.0):
        out = [w.trial for i, w in enumerate(walks) if left_out(project_walk(w, view, seed=i))]
        print(f"real walks, {view:.0f} deg: {len(out)} of {len(walks)} left out {out}")

    rng = np.random.default_rng(5)
    people = eval_subjects(args.synthetic_people, offset=1000)
    for view in (0.0, 20.0, 160.0, 180.0):
        out = sum(
            left_out(walk(generate_person(s), ["nm", "bg", "cl"][s % 3], view, seed=s % 997))
            for s in people
        )
        print(f"synthetic walks, {view:.0f} deg: {out} of {len(people)} left out")

    clips = sorted(Path(args.clips_cache).glob("*.npz"))
    for path in clips:
        d = np.load(path)
        track = PoseTrack(d["keypoints"], d["frame_indices"], float(d["fps"]))
        print(
            f"real clip {path.name}: leg motion {leg_motion(track):.2f}, left out {left_out(track)}"
        )

    for jitter in (1.5, 3.0):
        caught = unjudged = total = 0
        for s in eval_subjects(60, offset=900):
            source = walk(generate_person(s), "nm", float(rng.uniform(0, 180)), seed=1)
            for frame in (0, 10, 20):
                still = standing(source, frame, jitter, rng)
                total += 1
                caught += left_out(still)
                unjudged += leg_motion(still) is None
        print(
            f"standing, {jitter} px jitter: {caught} of {total} left out, "
            f"{unjudged} kept because their ankles are not confidently seen"
        )


if __name__ == "__main__":
    main()

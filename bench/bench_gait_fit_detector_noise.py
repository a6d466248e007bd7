"""Fit the synthetic walker's detector-noise statistics to what MediaPipe produces on real clips.

Runs MediaPipe Pose (model_complexity=1, video mode) on side-view clips, maps the 33 landmarks to
COCO-17 and prints, per joint: the high-frequency jitter (as a fraction of body height), the
visibility distribution, the frames with no detection, apparent left/right swaps of the legs and
a few body-proportion ratios of the *detected* skeleton (detector hips are not anatomical hips).

The clips are licensed data: this script only prints numbers; only the fitted numbers are
committed (recognition/gait/synthetic/noise.py). Usage:

    python bench/bench_gait_fit_detector_noise.py /work/shared/data/clips/casiab-*.avi
    python bench/bench_gait_fit_detector_noise.py --compare-synthetic \\
        /work/shared/data/clips/casiab-*.avi
"""

from __future__ import annotations

import sys

import cv2
import numpy as np
from scipy.signal import savgol_filter

MP_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
NAMES = [
    "nose",
    "l_eye",
    "r_eye",
    "l_ear",
    "r_ear",
    "l_sho",
    "r_sho",
    "l_elb",
    "r_elb",
    "l_wri",
    "r_wri",
    "l_hip",
    "r_hip",
    "l_kne",
    "r_kne",
    "l_ank",
    "r_ank",
]


def run_mediapipe(path: str) -> np.ndarray:
    import mediapipe as mp

    cap = cv2.VideoCapture(path)
    out = []
    with mp.solutions.pose.Pose(
        static_image_mode=False, model_complexity=1, enable_segmentation=False
    ) as pose:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            res = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            kp = np.zeros((17, 3), np.float32)
            if res.pose_landmarks is not None:
                lm = res.pose_landmarks.landmark
                for j, m in enumerate(MP_TO_COCO):
                    kp[j] = (lm[m].x * w, lm[m].y * h, lm[m].visibility)
            out.append(kp)
    return np.stack(out)


def main(paths: list[str]) -> None:
    window, order = 7, 2
    h0 = savgol_filter(np.eye(window)[window // 2], window, order)[window // 2]
    jitter, vis, missing, swaps, ratios = [], [], [], [], []
    for path in paths:
        kp = run_mediapipe(path)
        found = kp[:, :, 2].sum(1) > 0
        missing.append(1 - found.mean())
        kp = kp[found]
        neck = kp[:, 5:7, :2].mean(1)
        ankles = kp[:, 15:17, :2].mean(1)
        height = np.median(np.linalg.norm(neck - ankles, axis=1))
        xy = kp[:, :, :2] / height
        resid = xy - savgol_filter(xy, window, order, axis=0)
        # robust (MAD) so that leg-label swaps do not count as jitter
        mad = np.median(np.abs(resid - np.median(resid, 0)), 0) * 1.4826
        jitter.append(mad.mean(-1) / np.sqrt(1 - h0))
        runs = np.diff(np.flatnonzero(np.diff(np.r_[0, ~found, 0])))[::2]
        print(f"  undetected runs (frames): {runs.tolist()}")
        vis.append(kp[:, :, 2])
        # a leg-label swap: the joint is closer to the other side's previous position
        for a, b in ((13, 14), (15, 16)):
            same = np.linalg.norm(xy[1:, a] - xy[:-1, a], axis=1)
            cross = np.linalg.norm(xy[1:, a] - xy[:-1, b], axis=1)
            gap = np.linalg.norm(xy[:-1, a] - xy[:-1, b], axis=1)
            swaps.append(np.mean((cross < 0.5 * same) & (gap > 0.05)))

        def seg(i, j, xy=xy):
            return np.median(np.linalg.norm(xy[:, i] - xy[:, j], axis=1))

        thigh = (seg(11, 13) + seg(12, 14)) / 2
        shank = (seg(13, 15) + seg(14, 16)) / 2
        uarm = (seg(5, 7) + seg(6, 8)) / 2
        farm = (seg(7, 9) + seg(8, 10)) / 2
        torso = np.median(np.linalg.norm(xy[:, 5:7].mean(1) - xy[:, 11:13].mean(1), axis=1))
        head = np.median(np.linalg.norm(xy[:, 0] - xy[:, 5:7].mean(1), axis=1))
        ratios.append((thigh, shank, uarm, farm, torso, head))
        print(f"{path}: {len(found)} frames, height {height:.0f}px, missing {1 - found.mean():.3f}")
    jitter = np.mean(jitter, 0)
    vis = np.concatenate(vis)
    print("\njoint    jitter/height  vis_p10  vis_p50  vis_p90  frac<0.5")
    for j, name in enumerate(NAMES):
        v = vis[:, j]
        print(
            f"{name:7s}  {jitter[j]:.4f}        {np.percentile(v, 10):.2f}     "
            f"{np.percentile(v, 50):.2f}     {np.percentile(v, 90):.2f}     {np.mean(v < 0.5):.2f}"
        )
    print(f"\nframes without detection: {np.mean(missing):.3f}")
    print(f"leg label swaps per frame: {np.mean(swaps):.4f}")
    r = np.mean(ratios, 0)
    print(
        "segment / (neck-to-ankle height): thigh {:.3f} shank {:.3f} upper arm {:.3f} "
        "forearm {:.3f} torso {:.3f} nose-neck {:.3f}".format(*r)
    )


def compare_poses(paths: list[str], fps: float = 25.0) -> None:
    """Mean and spread of each normalised joint: real side-view walks vs synthetic ones.

    Both are normalised by the engine (recognition.gait.normalize) and mirrored to walk left.
    """
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    from recognition.gait.augment import mirror
    from recognition.gait.normalize import normalize_track
    from recognition.gait.synthetic import generate_person, walk
    from recognition.gait.tracks import PoseTrack

    def facing_left(seq):
        return mirror(seq) if seq[:, 0, 0].mean() > 0 else seq

    real = []
    for path in paths:
        kp = run_mediapipe(path)
        found = np.flatnonzero(kp[:, :, 2].sum(1) > 0)
        real.append(facing_left(normalize_track(PoseTrack(kp[found], found, fps))))
    syn = [
        facing_left(normalize_track(walk(generate_person(9_100_000 + i), "nm", 90, seed=1)))
        for i in range(20)
    ]

    def stats(seqs):
        mean = np.mean([q[..., :2].mean(0) for q in seqs], 0)
        spread = np.mean([q[..., :2].std(0) for q in seqs], 0)
        return mean, spread

    (rm, rs), (sm, ss) = stats(real), stats(syn)
    print("\njoint   real mean x,y     synth mean x,y    real sd x,y     synth sd x,y")
    for j, name in enumerate(NAMES):
        print(
            f"{name:7s} {rm[j, 0]:6.3f} {rm[j, 1]:6.3f}    {sm[j, 0]:6.3f} {sm[j, 1]:6.3f}    "
            f"{rs[j, 0]:.3f} {rs[j, 1]:.3f}     {ss[j, 0]:.3f} {ss[j, 1]:.3f}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compare-synthetic"]:
        compare_poses(sys.argv[2:])
    else:
        main(sys.argv[1:])

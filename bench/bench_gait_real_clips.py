"""Sanity check of a gait model on a few real clips (optional; the clips are not in the repo).

    python bench/bench_gait_real_clips.py --model recognition/gait/models/default.pt \\
        /work/shared/data/clips/casiab-*.avi /work/shared/data/clips/lab-*.avi

Runs MediaPipe Pose (model_complexity=1, video mode, 33 landmarks mapped to COCO-17 with the
visibility as confidence), keeps the frames with a detection, splits each clip's track into two
halves and embeds each half. With one walk per person, the halves of one clip are the only
genuine pairs available: the check is whether each first half finds its own second half among
all clips (rank-1) and how the genuine and impostor scores sit against the shipped threshold.
Per clip it also prints in how many frames preprocess.repair_leg_swaps found the knee or ankle
labels swapped.
No test uses these clips and nothing derived from them but the printed numbers is kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gait_fit_detector_noise import run_mediapipe

from recognition.gait.embedding import GaitEmbedder
from recognition.gait.normalize import fill_missing
from recognition.gait.preprocess import swapped_leg_frames
from recognition.gait.tracks import PoseTrack


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clips", nargs="+")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    embedder = GaitEmbedder.from_checkpoint(args.model)
    import cv2

    halves, names = [], []
    for path in args.clips:
        fps = cv2.VideoCapture(path).get(cv2.CAP_PROP_FPS) or 25.0
        kp = run_mediapipe(path)
        found = np.flatnonzero(kp[:, :, 2].sum(1) > 0)
        if len(found) < 20:
            print(f"{path}: only {len(found)} frames with a person, skipped")
            continue
        mid = len(found) // 2
        for part in (found[:mid], found[mid:]):
            halves.append(PoseTrack(kp[part], part, fps))
        names.append(Path(path).name)
        filled = fill_missing(kp[found], embedder.min_confidence)
        swapped = swapped_leg_frames(filled, fps=fps).any(0)
        print(
            f"{Path(path).name}: {len(found)} frames with a person at {fps:.0f} fps, "
            f"leg labels swapped in {swapped.sum()} ({swapped.mean():.0%})"
        )
    emb = embedder.embed_batch(halves)
    first, second = emb[0::2], emb[1::2]
    scores = first @ second.T
    n = len(names)
    genuine = np.diag(scores)
    impostor = scores[~np.eye(n, dtype=bool)]
    print(f"\nmodel {embedder.model_version}, threshold {embedder.threshold:.4f}")
    print("first half vs second halves (rows: first halves):")
    print("          " + " ".join(f"{i:>6d}" for i in range(n)))
    for i, name in enumerate(names):
        print(f"{i:>3d} {name[:5]:5s} " + " ".join(f"{s:6.3f}" for s in scores[i]))
    print(f"rank-1 of own second half: {np.mean(scores.argmax(1) == np.arange(n)):.3f} ({n} clips)")
    print(
        f"genuine mean {genuine.mean():.3f} min {genuine.min():.3f}; impostor mean "
        f"{impostor.mean():.3f} max {impostor.max():.3f}"
    )
    t = embedder.threshold
    print(
        f"genuine accepted at threshold: {np.mean(genuine >= t):.3f}; impostor accepted: "
        f"{np.mean(impostor >= t):.3f}"
    )


if __name__ == "__main__":
    main()

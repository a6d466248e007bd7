"""Choose a model's operating threshold on real people: the real walks' FITTING half.

    python bench/gait_real_threshold.py --model var/ft-walker.pt            # prints
    python bench/gait_real_threshold.py --model var/ft-walker.pt --write OUT.pt

A threshold chosen on synthetic people means little for real ones (the shipped ensemble's 0.593,
FAR 1.6 % on synthetic people, accepts about 73 % of real impostor comparisons). This script
scores every pair of walks of the fitting half's 19 people (recognition/gait/realwalks.py; the
evaluation half is never used), each walk seen by door cameras at 90, 45 and 0 degrees (3-8 m,
projection seed 1, so not the benchmark's projections), pairs compared within one view, and
takes the cosine at which 1 % of the impostor pairs are accepted. Only the number is kept in
the checkpoint (``threshold``, with the protocol and the pair counts); the walks stay where the
licence keeps them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognition.gait.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from recognition.gait.embedding import GaitEmbedder  # noqa: E402
from recognition.gait.evaluation import equal_error_rate, tar_at_far  # noqa: E402
from recognition.gait.realwalks import VIEWS, load_real_walks, project_walk, split_subjects  # noqa: E402

FAR = 0.01


def fitting_scores(
    embedder: GaitEmbedder, data: str, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    walks = load_real_walks(data)
    fit, _ = split_subjects(w.subject for w in walks)
    walks = [w for w in walks if w.subject in fit]
    labels = np.array([w.subject for w in walks])
    same = labels[:, None] == labels[None, :]
    iu = np.triu_indices(len(walks), 1)
    genuine, impostor = [], []
    for view in VIEWS.values():
        tracks = [project_walk(w, view, distance=(3.0, 8.0), seed=seed) for w in walks]
        emb = np.concatenate(
            [embedder.embed_batch(tracks[i : i + 32]) for i in range(0, len(tracks), 32)]
        )
        scores = (emb @ emb.T)[iu]
        genuine.append(scores[same[iu]])
        impostor.append(scores[~same[iu]])
    return np.concatenate(genuine), np.concatenate(impostor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--write", default=None, help="save the model with this threshold here")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "real-walks"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    ckpt = load_checkpoint(args.model)
    genuine, impostor = fitting_scores(GaitEmbedder.from_checkpoint(ckpt), args.data)
    tar, value = tar_at_far(genuine, impostor, FAR)
    eer, _ = equal_error_rate(genuine, impostor)
    old = (ckpt.get("threshold") or {}).get("value")
    print(
        f"{ckpt['model_version']}: threshold at FAR 1 % on the fitting half {value:.4f} "
        f"(TAR {tar:.3f}, EER {eer:.3f}; {len(genuine)} genuine, {len(impostor)} impostor pairs); "
        f"its synthetic threshold {old} accepts {np.mean(impostor >= old):.3f} of them"
        if old is not None
        else f"threshold {value:.4f} (TAR {tar:.3f}, EER {eer:.3f})"
    )
    if args.write:
        ckpt["threshold"] = {
            "value": float(value),
            "far_target": FAR,
            "tar": float(tar),
            "genuine_pairs": len(genuine),
            "impostor_pairs": len(impostor),
            "protocol": (
                "walk-vs-walk cosine scores of the 19 people of the real walks' fitting half "
                "(every other person of each source), each walk through door cameras at 90, 45 "
                "and 0 deg (3-8 m, MediaPipe-like noise), pairs within one view "
                "(bench/gait_real_threshold.py)"
            ),
            "synthetic_value": old,
        }
        save_checkpoint(ckpt, args.write)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()

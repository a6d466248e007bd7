"""Fit the synthetic walker's population to real people: statistics of the real walks' fitting half.

    python bench/fit_walker_to_real_walks.py            # prints, writes the JSON below
    python bench/fit_walker_to_real_walks.py --out -    # prints only

Measures, on the normal walks of the FITTING half of ../shared/data/real-walks (every other
person of each source; recognition/gait/realwalks.py; the evaluation half is never looked at),
per walk: cadence (strides/s), speed (leg lengths/s), body proportions (segments over the
skeleton height), the ranges of the sagittal hip, knee and shoulder (arm swing) angles, and the
left/right asymmetry of those ranges. For each, the between-person spread (of the people's
means) and the within-person spread (of one person's walks around their mean) are written to
recognition/gait/synthetic/real_population.json: statistics only, no walk, no weights.
synthetic/person.py draws people with these spreads when asked (``population="real-fit"``).

Sources: UCalgary BT-Lab gait set (Kozlow, Abid, Yanushkevich, IEEE SSCI 2017) and kooksung
pathological gait set (Jun et al., IEEE Access 8:139881, 2020), Kinect v2; both allow fitting
statistics, not redistribution (../shared/data/real-walks/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognition.gait.realwalks import load_real_walks, split_subjects  # noqa: E402

OUT = ROOT / "recognition" / "gait" / "synthetic" / "real_population.json"
L, R = (
    {"shoulder": 5, "elbow": 7, "hip": 11, "knee": 13, "ankle": 15},
    {
        "shoulder": 6,
        "elbow": 8,
        "hip": 12,
        "knee": 14,
        "ankle": 16,
    },
)


def _seg(j: np.ndarray, a: int, b: int) -> float:
    return float(np.median(np.linalg.norm(j[:, a] - j[:, b], axis=-1)))


def _sagittal(j: np.ndarray, top: int, bottom: int) -> np.ndarray:
    """Angle (degrees) of the segment top->bottom from the downward vertical, forward positive."""
    v = j[:, bottom] - j[:, top]
    return np.degrees(np.arctan2(v[:, 0], -v[:, 1]))


def _range(x: np.ndarray) -> float:
    return float(np.percentile(x, 95) - np.percentile(x, 5))


def _cadence(j: np.ndarray, fps: float) -> float:
    """Strides per second: the main frequency of the forward distance between the ankles."""
    d = j[:, 15, 0] - j[:, 16, 0]
    d = d - np.polyval(np.polyfit(np.arange(len(d)), d, 1), np.arange(len(d)))
    n = 4096
    spectrum = np.abs(np.fft.rfft(d * np.hanning(len(d)), n))
    freqs = np.fft.rfftfreq(n, 1.0 / fps)
    band = (freqs > 0.5) & (freqs < 1.6)
    return float(freqs[band][np.argmax(spectrum[band])])


def walk_measures(j: np.ndarray, fps: float) -> dict:
    thigh = (_seg(j, 11, 13) + _seg(j, 12, 14)) / 2
    shank = (_seg(j, 13, 15) + _seg(j, 14, 16)) / 2
    neck = j[:, 5:7].mean(1)
    pelvis = j[:, 11:13].mean(1)
    torso = float(np.median(np.linalg.norm(neck - pelvis, axis=-1)))
    height = torso + thigh + shank
    out = {
        "thigh": thigh / height,
        "shank": shank / height,
        "torso": torso / height,
        "shoulder_width": _seg(j, 5, 6) / height,
        "hip_width": _seg(j, 11, 12) / height,
        "upper_arm": (_seg(j, 5, 7) + _seg(j, 6, 8)) / 2 / height,
        "forearm": (_seg(j, 7, 9) + _seg(j, 8, 10)) / 2 / height,
        "cadence": _cadence(j, fps),
        "speed": float(abs(pelvis[-1, 0] - pelvis[0, 0]) / (len(j) / fps) / (thigh + shank)),
    }
    for name, (top, bottom) in {"hip": ("hip", "knee"), "arm": ("shoulder", "elbow")}.items():
        left = _range(_sagittal(j, L[top], L[bottom]))
        right = _range(_sagittal(j, R[top], R[bottom]))
        out[f"{name}_range"] = (left + right) / 2
        out[f"{name}_asymmetry"] = (left - right) / max((left + right) / 2, 1e-6)
    knee = []
    for s in (L, R):
        a = j[:, s["knee"]] - j[:, s["hip"]]
        b = j[:, s["ankle"]] - j[:, s["knee"]]
        cos = (a * b).sum(-1) / np.maximum(
            np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1), 1e-9
        )
        knee.append(_range(np.degrees(np.arccos(np.clip(cos, -1, 1)))))
    out["knee_range"] = (knee[0] + knee[1]) / 2
    out["knee_asymmetry"] = (knee[0] - knee[1]) / max(out["knee_range"], 1e-6)
    return out


def population_statistics(measures: dict[str, list[dict]]) -> dict:
    """Per quantity: mean, between-person sd (of people's means), within-person sd (pooled)."""
    keys = next(iter(measures.values()))[0].keys()
    stats = {}
    for k in keys:
        means, resid, noise = [], [], []
        for walks in measures.values():
            vals = np.array([w[k] for w in walks])
            means.append(vals.mean())
            if len(vals) >= 2:
                resid.extend((vals - vals.mean()) * np.sqrt(len(vals) / (len(vals) - 1)))
                noise.append(np.var(vals, ddof=1) / len(vals))  # of this person's mean
        means = np.array(means)
        mean = float(means.mean())
        entry = {
            "mean": mean,
            "between_sd": float(means.std(ddof=1)),
            "within_sd": float(np.sqrt(np.mean(np.square(resid)))) if resid else None,
            # the people's means still carry their walks' variation (and the Kinect's noise):
            # the spread of the people themselves is what is left after taking it out
            "between_sd_corrected": float(
                np.sqrt(max(0.0, means.var(ddof=1) - (np.mean(noise) if noise else 0.0)))
            ),
        }
        if abs(mean) > 1e-6 and not k.endswith("asymmetry"):
            entry["between_cv"] = entry["between_sd_corrected"] / abs(mean)
            entry["within_cv"] = (
                None if entry["within_sd"] is None else entry["within_sd"] / abs(mean)
            )
        stats[k] = {key: (round(v, 5) if isinstance(v, float) else v) for key, v in entry.items()}
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "real-walks"))
    parser.add_argument("--out", default=str(OUT), help="'-' to print only")
    args = parser.parse_args()
    walks = load_real_walks(args.data)
    fit_people, _ = split_subjects(w.subject for w in walks)
    measures: dict[str, list[dict]] = {}
    for w in walks:
        if w.subject in fit_people and w.condition == "normal":
            measures.setdefault(w.subject, []).append(walk_measures(w.joints, w.fps))
    stats = population_statistics(measures)
    result = {
        "what": "spreads of real people's gait, fitted on the fitting half of real-walks "
        "(normal walks); synthetic/person.py uses them for population='real-fit'",
        "made_by": "python bench/fit_walker_to_real_walks.py",
        "date": date.today().isoformat(),
        "sources": [
            "UCalgary BT-Lab gait set, Kinect v2 (Kozlow, Abid, Yanushkevich, IEEE SSCI 2017)",
            "kooksung/pathological_gait_datasets, Kinect v2, normal walks "
            "(Jun et al., IEEE Access 8:139881, 2020)",
        ],
        "people": len(measures),
        "walks": sum(len(v) for v in measures.values()),
        "units": "proportions: fraction of torso+thigh+shank; cadence: strides/s; speed: leg "
        "lengths/s; ranges: degrees (5th-95th percentile); asymmetry: (left-right)/mean",
        "statistics": stats,
    }
    for k, v in stats.items():
        print(f"{k:16s} {v}")
    if args.out != "-":
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""Evaluating a model as a site would run it: adapted and calibrated on its own enrolments.

``evaluate_folder_as_site`` treats the gallery files of a labelled folder as a site's
enrolments. A seeded share of the gallery's people is never enrolled (``unknown_fraction``):
their probes stand for strangers at the door, who must stay unknown. On the enrolled people's
gallery walks it

1. adapts the model (``adaptation.adapt``, with its safeguards; the adapted model is used only
   when the non-inferiority rule accepts it), when ``adapt`` is set;
2. calibrates the accept threshold for ``target_far`` (``calibration.calibrate``), when
   ``calibrate`` is set; otherwise the model's own threshold is used;

then scores the probes at that threshold: rank-k per condition and the open-set figures of
``evaluation.evaluate_embeddings`` for the enrolled people's probes (``open_set.threshold`` and
``open_set.far_at_threshold`` are those of the threshold in use), and the share of the
strangers' probes whose best score stays below it (``unknown_kept_unknown``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from recognition.gait.adaptation import adapt as adapt_model
from recognition.gait.calibration import DEFAULT_TARGET_FAR
from recognition.gait.calibration import calibrate as calibrate_threshold
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.evaluation import (
    GALLERY_MODES,
    evaluate_embeddings,
    labelled_walks,
    subject_scores,
)

DEFAULT_UNKNOWN_FRACTION = 0.2


def strangers(subjects: Iterable[str], fraction: float, seed: int) -> set[str]:
    """The gallery people left out of enrolment: ``fraction`` of them (at least one when the
    fraction is above 0), drawn from ``seed``, always leaving two enrolled."""
    subjects = sorted(set(subjects))
    if fraction <= 0 or len(subjects) < 3:
        return set()
    n_out = min(len(subjects) - 2, max(1, round(fraction * len(subjects))))
    order = np.random.default_rng([0x517E, seed]).permutation(len(subjects))
    return {subjects[i] for i in order[:n_out]}


def evaluate_folder_as_site(
    directory: str | Path,
    pattern: str,
    gallery_conditions: Iterable[str],
    probe_conditions: Iterable[str],
    checkpoint: str | Path | dict | None = None,
    *,
    adapt: bool = False,
    calibrate: bool = False,
    tta: bool = True,
    loader: Callable | None = None,
    gallery_mode: str = "walks",
    unknown_fraction: float = DEFAULT_UNKNOWN_FRACTION,
    target_far: float = DEFAULT_TARGET_FAR,
    adapt_epochs: int = 10,
    seed: int = 0,
    threads: int = 1,
    progress: bool = False,
) -> dict:
    """The report of ``evaluation.evaluate_folder`` for the enrolled people, plus ``site``:
    who was enrolled, what adaptation and calibration decided, and the figures at the
    threshold in use (module docstring). ``checkpoint``: default the shipped model."""
    if gallery_mode not in GALLERY_MODES:
        raise ValueError(f"gallery_mode must be one of {GALLERY_MODES}, not {gallery_mode!r}")
    if not 0 <= unknown_fraction < 1:
        raise ValueError(f"unknown_fraction must be in [0, 1), got {unknown_fraction}")
    gallery_conditions, probe_conditions = set(gallery_conditions), set(probe_conditions)
    walks, skipped = labelled_walks(
        directory, pattern, gallery_conditions | probe_conditions, loader, progress=progress
    )
    gallery = [w for w in walks if w[2] in gallery_conditions]
    unknown = strangers((w[1] for w in gallery), unknown_fraction, seed)
    enrolled = [w for w in gallery if w[1] not in unknown]
    probes = [w for w in walks if w[2] in probe_conditions]
    if len({w[1] for w in enrolled}) < 2 or not probes:
        raise ValueError(
            f"need gallery files of at least two enrolled people and probe files: found "
            f"{len(enrolled)} gallery files of {len({w[1] for w in enrolled})} enrolled people "
            f"and {len(probes)} probe files matching {pattern!r} in {directory}"
        )

    report = evaluate_walks_as_site(
        enrolled,
        probes,
        checkpoint,
        adapt=adapt,
        calibrate=calibrate,
        tta=tta,
        gallery_mode=gallery_mode,
        target_far=target_far,
        adapt_epochs=adapt_epochs,
        seed=seed,
        threads=threads,
        skipped=skipped,
    )
    report["site"]["unknown_people"] = sorted(unknown)
    return report


def evaluate_walks_as_site(
    enrolled: list[tuple],
    probes: list[tuple],
    checkpoint: str | Path | dict | None = None,
    *,
    adapt: bool = False,
    calibrate: bool = False,
    tta: bool = True,
    gallery_mode: str = "walks",
    target_far: float = DEFAULT_TARGET_FAR,
    adapt_epochs: int = 10,
    seed: int = 0,
    threads: int = 1,
    skipped: list[dict] | None = None,
) -> dict:
    """The site report of walks already read: ``enrolled`` and ``probes`` are rows
    ``(key, subject, condition, PoseTrack)`` (``key`` names the walk: a probe with the key of an
    enrolment is not compared with it). Probes of people not enrolled are the strangers.
    Used by ``evaluate_folder_as_site`` and the real-walk benchmark (bench/)."""
    skipped = [] if skipped is None else skipped
    if len({w[1] for w in enrolled}) < 2 or not probes:
        raise ValueError("need enrolments of at least two people and probes")
    embedder = GaitEmbedder.from_checkpoint(checkpoint, tta=tta)
    site: dict = {
        "enrolled_people": len({w[1] for w in enrolled}),
        "adaptation": None,
        "calibration": None,
    }
    if adapt:
        by_person: dict[str, list] = {}
        for _path, subject, _cond, track in enrolled:
            by_person.setdefault(subject, []).append(track)
        result = adapt_model(
            checkpoint if checkpoint is not None else _default_checkpoint(),
            by_person,
            epochs=adapt_epochs,
            seed=seed,
            threads=threads,
        )
        site["adaptation"] = {
            "accepted": result.accepted,
            "reason": result.reason,
            "before": result.before,
            "after": result.after,
        }
        if result.accepted:
            embedder = GaitEmbedder.from_checkpoint(result.checkpoint, tta=tta)

    def embedded(rows):
        out = []
        for path, subject, cond, track in rows:
            try:
                out.append((path, subject, cond, embedder.embed_track(track)))
            except ValueError as exc:
                skipped.append({"file": str(path), "error": str(exc)})
        return out

    enrolled_e, probes_e = embedded(enrolled), embedded(probes)
    threshold = embedder.threshold
    source = "model"
    if calibrate:
        by_person_e: dict[str, list] = {}
        for _path, subject, _cond, emb in enrolled_e:
            by_person_e.setdefault(subject, []).append(emb)
        cal = calibrate_threshold(
            {p: np.stack(e) for p, e in by_person_e.items()},
            fallback_threshold=threshold if threshold is not None else 0.5,
            target_far=target_far,
        )
        site["calibration"] = cal.to_dict()
        threshold, source = cal.threshold, cal.source

    enrolled_people = {w[1] for w in enrolled_e}
    known = [w for w in probes_e if w[1] in enrolled_people]
    strange = [w for w in probes_e if w[1] not in enrolled_people]
    if not known:
        raise ValueError("no probe file of an enrolled person could be scored")
    gal_emb = np.stack([w[3] for w in enrolled_e]).astype(np.float32)
    gal_labels = [w[1] for w in enrolled_e]
    known_emb = np.stack([w[3] for w in known]).astype(np.float32)
    gal_paths = [w[0] for w in enrolled_e]
    exclude = np.array([[w[0] == g for g in gal_paths] for w in known])
    report = evaluate_embeddings(
        gal_emb,
        gal_labels,
        known_emb,
        [w[1] for w in known],
        [w[2] for w in known],
        threshold=threshold,
        exclude=exclude if exclude.any() else None,
        gallery_mode=gallery_mode,
    )
    kept = None
    if strange and threshold is not None:
        scores, _subjects = subject_scores(
            np.stack([w[3] for w in strange]).astype(np.float32),
            gal_emb,
            gal_labels,
            gallery_mode=gallery_mode,
        )
        kept = float(np.mean(scores.max(1) < threshold))
    report["open_set"]["unknown_kept_unknown"] = kept
    site.update(
        {
            "threshold": None if threshold is None else float(threshold),
            "threshold_source": source,
            "tar": report["open_set"].get("tar_at_threshold"),
            "far": report["open_set"].get("far_at_threshold"),
            "unknown_probes": len(strange),
            "unknown_kept_unknown": kept,
        }
    )
    report["site"] = site
    report["model"] = embedder.model_version
    report["files"] = {
        "gallery": len(enrolled_e),
        "probe": len(known) + len(strange),
        "skipped": skipped,
    }
    return report


def _default_checkpoint() -> Path:
    from recognition.gait.checkpoint import DEFAULT_MODEL_PATH

    return DEFAULT_MODEL_PATH

"""Scoring gait embeddings: closed-set identification, verification and open-set metrics.

Scores are cosine similarities of L2-normalised embeddings (higher = more alike). A gallery may
hold several embeddings per subject, scored in one of two ways (``gallery_mode``):

- ``walks`` (the CASIA-B literature's nearest neighbour): a probe's score for a subject is its
  best score against that subject's gallery walks.
- ``templates`` (recommended when a person is enrolled with several walks): a probe's score for a
  subject is its cosine with the subject's template, the normalised mean of their gallery
  walks (``subject_templates``). More walks then add evidence instead of more chances for a
  look-alike to win; docs/MODEL_CARD.md has the measured difference.

- Rank-k: fraction of probes whose subject is among the k best-scoring gallery subjects.
- Verification (genuine = probe vs its own subject, impostor = probe vs every other subject):
  TAR at a FAR, and the EER. The threshold for a FAR f is the lowest score t such that at
  most a fraction f of impostor scores are >= t (a probe is accepted when score >= t).
- Open-set identification (watch-list): some subjects are left out of the gallery; their
  probes must be rejected. DIR at FAR f: fraction of known-subject probes ranked correctly at
  rank 1 with a score above the threshold at which a fraction f of unknown probes are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

RANKS = (1, 5)
GALLERY_MODES = ("walks", "templates")


def _as_matrix(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x[None] if x.ndim == 1 else x


def subject_scores(
    probe: np.ndarray,
    gallery: np.ndarray,
    gallery_labels: Sequence,
    exclude: np.ndarray | None = None,
    gallery_mode: str = "walks",
) -> tuple[np.ndarray, np.ndarray]:
    """[P, S] score of each probe against each gallery subject, and the subjects [S].

    ``gallery_mode``: ``walks`` (best score over the subject's walks) or ``templates`` (score
    against the normalised mean of the subject's walks). ``exclude``: optional boolean [P, G]
    of pairs not to compare (the same file on both sides); in ``templates`` mode an excluded
    walk is left out of that probe's templates. A subject with nothing left scores -inf.
    """
    if gallery_mode not in GALLERY_MODES:
        raise ValueError(f"gallery_mode must be one of {GALLERY_MODES}, not {gallery_mode!r}")
    probe, gallery = _as_matrix(probe), _as_matrix(gallery)
    subjects, member = _membership(gallery_labels)
    if gallery_mode == "templates":
        out = (probe @ _templates(member, gallery).T).astype(np.float32)
        rows = [] if exclude is None else np.flatnonzero(exclude.any(1))
        for i in rows:  # only probes that are also gallery files need their own templates
            out[i] = probe[i] @ _templates(member & ~exclude[i][None, :], gallery).T
        out[np.isnan(out)] = -np.inf
        return out, subjects
    scores = probe @ gallery.T
    if exclude is not None:
        scores[exclude] = -np.inf
    out = np.full((len(probe), len(subjects)), -np.inf, dtype=np.float32)
    for s in range(len(subjects)):
        out[:, s] = scores[:, member[s]].max(1)
    return out, subjects


def subject_templates(embeddings: np.ndarray, labels: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """One template per subject: ([S, D] normalised mean of their embeddings, subjects [S])."""
    subjects, member = _membership(labels)
    return _templates(member, _as_matrix(embeddings)), subjects


def _membership(labels: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """The distinct subjects [S] and which entries belong to each, boolean [S, N]."""
    subjects, inverse = np.unique(np.asarray(labels), return_inverse=True)
    return subjects, inverse[None, :] == np.arange(len(subjects))[:, None]


def _templates(member: np.ndarray, gallery: np.ndarray) -> np.ndarray:
    """[S, D] normalised sums of each subject's member walks; a subject with none gets NaN,
    which the caller turns into -inf."""
    sums = member.astype(np.float32) @ gallery
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(norms > 0, sums / norms, np.nan)
    return out.astype(np.float32)


def rank_k(scores: np.ndarray, subjects: np.ndarray, probe_labels: Sequence, k: int) -> np.ndarray:
    """Boolean [P]: is the probe's subject among its k best-scoring subjects?"""
    probe_labels = np.asarray(probe_labels)
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return (subjects[top] == probe_labels[:, None]).any(1)


def genuine_impostor(
    scores: np.ndarray, subjects: np.ndarray, probe_labels: Sequence
) -> tuple[np.ndarray, np.ndarray]:
    """Genuine scores (probes whose subject is in the gallery) and all impostor scores."""
    probe_labels = np.asarray(probe_labels)
    match = subjects[None, :] == probe_labels[:, None]
    return scores[match], scores[~match]


def threshold_at_far(impostor: np.ndarray, far: float) -> float:
    """Lowest threshold t with mean(impostor >= t) <= far."""
    imp = np.sort(np.asarray(impostor, dtype=np.float64))[::-1]
    if len(imp) == 0:
        raise ValueError("no impostor scores")
    k = int(np.floor(far * len(imp) + 1e-9))  # impostors we may accept
    if k >= len(imp):
        return float(imp[-1])
    return float(np.nextafter(imp[k], np.inf))


def tar_at_far(genuine: np.ndarray, impostor: np.ndarray, far: float) -> tuple[float, float]:
    """(TAR, threshold) at the given false-accept rate."""
    t = threshold_at_far(impostor, far)
    return float(np.mean(np.asarray(genuine) >= t)), t


def equal_error_rate(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(EER, threshold): where the false-accept and false-reject rates cross."""
    genuine = np.asarray(genuine, dtype=np.float64)
    impostor = np.asarray(impostor, dtype=np.float64)
    candidates = np.unique(np.concatenate([genuine, impostor, [np.inf]]))
    g = np.sort(genuine)
    i = np.sort(impostor)
    frr = np.searchsorted(g, candidates, side="left") / len(g)  # genuine < t
    far = 1.0 - np.searchsorted(i, candidates, side="left") / len(i)  # impostor >= t
    diff = far - frr
    j = int(np.argmin(np.abs(diff)))
    # interpolate between the two candidates around the crossing when it falls between them
    if diff[j] > 0 and j + 1 < len(diff):
        j2 = j + 1
    elif diff[j] < 0 and j > 0:
        j2 = j - 1
    else:
        return float((far[j] + frr[j]) / 2), float(candidates[j])
    d1, d2 = diff[j], diff[j2]
    w = d1 / (d1 - d2) if d1 != d2 else 0.0
    eer = (1 - w) * (far[j] + frr[j]) / 2 + w * (far[j2] + frr[j2]) / 2
    return float(eer), float(candidates[j])


def open_set_identification(
    gallery: np.ndarray,
    gallery_labels: Sequence,
    probe: np.ndarray,
    probe_labels: Sequence,
    *,
    far: float = 0.01,
    unknown_fraction: float = 0.5,
    seed: int = 0,
    threshold: float | None = None,
    exclude: np.ndarray | None = None,
    gallery_mode: str = "walks",
) -> dict:
    """Leave a fraction of subjects out of the gallery; DIR at ``far`` and rejection stats."""
    gallery_labels = np.asarray(gallery_labels)
    probe_labels = np.asarray(probe_labels)
    subjects = np.unique(gallery_labels)
    rng = np.random.default_rng(seed)
    n_out = max(1, round(unknown_fraction * len(subjects)))
    if n_out >= len(subjects):
        raise ValueError("open-set identification needs at least two gallery subjects")
    unknown = set(rng.permutation(subjects)[:n_out].tolist())
    keep = np.array([lab not in unknown for lab in gallery_labels])
    scores, subs = subject_scores(
        probe,
        gallery[keep],
        gallery_labels[keep],
        None if exclude is None else exclude[:, keep],
        gallery_mode,
    )
    best = scores.argmax(1)
    best_score = scores.max(1)
    is_unknown = np.array([lab in unknown for lab in probe_labels])
    known_correct = subs[best] == probe_labels
    result = {"known_probes": int((~is_unknown).sum()), "unknown_probes": int(is_unknown.sum())}
    if is_unknown.any() and (~is_unknown).any():
        t = threshold_at_far(best_score[is_unknown], far)
        hit = known_correct & (best_score >= t) & ~is_unknown
        result["dir"] = float(hit.sum() / (~is_unknown).sum())
        result["dir_threshold"] = t
        if threshold is not None:
            result["unknown_accept_at_threshold"] = float(
                np.mean(best_score[is_unknown] >= threshold)
            )
            hit = known_correct & (best_score >= threshold) & ~is_unknown
            result["dir_at_threshold"] = float(hit.sum() / (~is_unknown).sum())
    return result


def evaluate_embeddings(
    gallery: np.ndarray,
    gallery_labels: Sequence,
    probe: np.ndarray,
    probe_labels: Sequence,
    probe_conditions: Sequence[str] | None = None,
    *,
    threshold: float | None = None,
    ranks: Iterable[int] = RANKS,
    exclude: np.ndarray | None = None,
    gallery_mode: str = "walks",
) -> dict:
    """Full report: per-condition rank-k, verification and open-set metrics.

    ``exclude``: optional boolean [P, G] of probe/gallery pairs not to compare (the same file
    appearing on both sides). ``gallery_mode``: ``walks`` or ``templates`` (module docstring).
    """
    gallery, probe = _as_matrix(gallery), _as_matrix(probe)
    gallery_labels = np.asarray(gallery_labels)
    probe_labels = np.asarray(probe_labels)
    scores, subjects = subject_scores(probe, gallery, gallery_labels, exclude, gallery_mode)
    conditions = (
        np.asarray(probe_conditions) if probe_conditions is not None else np.full(len(probe), "all")
    )
    ranks = tuple(ranks)
    hits = {k: rank_k(scores, subjects, probe_labels, k) for k in ranks}
    table = {}
    for cond in dict.fromkeys(conditions.tolist()):
        sel = conditions == cond
        table[cond] = {f"rank{k}": float(hits[k][sel].mean()) for k in ranks}
        table[cond]["probes"] = int(sel.sum())
    in_gallery = np.isin(probe_labels, subjects)
    genuine, impostor = genuine_impostor(scores[in_gallery], subjects, probe_labels[in_gallery])
    genuine = genuine[np.isfinite(genuine)]
    impostor = impostor[np.isfinite(impostor)]
    open_set: dict = {}
    if len(genuine) and len(impostor):
        open_set["tar_at_far_1pct"], t1 = tar_at_far(genuine, impostor, 0.01)
        open_set["tar_at_far_0_1pct"], _ = tar_at_far(genuine, impostor, 0.001)
        open_set["eer"], _ = equal_error_rate(genuine, impostor)
        open_set["threshold_at_far_1pct"] = t1
    if len(np.unique(gallery_labels)) >= 2:
        osi = open_set_identification(
            gallery,
            gallery_labels,
            probe,
            probe_labels,
            threshold=threshold,
            exclude=exclude,
            gallery_mode=gallery_mode,
        )
        open_set["dir_at_far_1pct"] = osi.get("dir")
        if threshold is not None:
            open_set["unknown_accept_at_threshold"] = osi.get("unknown_accept_at_threshold")
    if threshold is not None:
        open_set["threshold"] = float(threshold)
        open_set["far_at_threshold"] = (
            float(np.mean(impostor >= threshold)) if len(impostor) else None
        )
        open_set["tar_at_threshold"] = (
            float(np.mean(genuine >= threshold)) if len(genuine) else None
        )
    overall = {f"rank{k}": float(hits[k].mean()) for k in ranks}
    overall["probes"] = len(probe)
    return {
        "conditions": table,
        "overall": overall,
        "open_set": open_set,
        "gallery_mode": gallery_mode,
    }


def load_tracks_default(path: Path):
    """The engine's loader (``extraction.load_tracks``)."""
    from recognition.gait.extraction import load_tracks

    return load_tracks(path)


def main_walker(tracks):
    """The one track to score from a loader's result (``pipeline.walker_of``)."""
    from recognition.gait.pipeline import walker_of

    return walker_of(tracks)


def load_walker(path: str | Path, loader: Callable | None = None):
    """Load a video or keypoint file and return its main walker's PoseTrack
    (``pipeline.load_walker``: one road for the portal, the commands and the benchmarks)."""
    from recognition.gait.pipeline import load_walker as pipeline_load_walker

    return pipeline_load_walker(path, loader)


def labelled_walks(
    directory: str | Path,
    pattern: str | re.Pattern,
    conditions: Iterable[str],
    loader: Callable | None = None,
    *,
    progress: bool = False,
) -> tuple[list[tuple[Path, str, str, object]], list[dict]]:
    """The main walker of every file under ``directory`` whose name matches ``pattern`` (named
    groups ``subject`` and ``condition``) with a condition in ``conditions``:
    ([(path, subject, condition, PoseTrack)], [{"file", "error"} for files not read])."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    conditions = set(conditions)
    files = sorted(p for p in Path(directory).rglob("*") if p.is_file())
    iterator = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="reading", unit="file")
    walks, skipped = [], []
    for path in iterator:
        m = regex.search(path.name)
        if m is None or m.group("condition") not in conditions:
            continue
        try:
            track = load_walker(path, loader)
        except (ValueError, OSError) as exc:  # GaitInputError is a ValueError
            skipped.append({"file": str(path), "error": str(exc)})
            continue
        walks.append((path, m.group("subject"), m.group("condition"), track))
    return walks, skipped


def evaluate_folder(
    directory: str | Path,
    pattern: str,
    gallery_conditions: Iterable[str],
    probe_conditions: Iterable[str],
    embedder,
    loader: Callable | None = None,
    *,
    threshold: float | None = None,
    progress: bool = False,
    gallery_mode: str = "walks",
) -> dict:
    """Evaluate every file under ``directory`` whose name matches ``pattern``.

    ``pattern`` is a regular expression with named groups ``subject`` and ``condition``,
    searched in each file name. Files whose condition is in ``gallery_conditions`` form the
    gallery, those in ``probe_conditions`` the probes (a file in both is never compared with
    itself). ``loader(path)`` returns a PoseTrack or a list of them (default: the engine's
    ``extraction.load_tracks``); a file with several people is scored on its main walker.
    ``embedder`` needs ``embed_track(track) -> vector`` (and ``model_version``, ``threshold``).
    ``gallery_mode``: ``walks`` or ``templates`` (module docstring).
    """
    if gallery_mode not in GALLERY_MODES:
        raise ValueError(f"gallery_mode must be one of {GALLERY_MODES}, not {gallery_mode!r}")
    regex = re.compile(pattern)
    for group in ("subject", "condition"):
        if group not in regex.groupindex:
            raise ValueError(f"pattern needs a named group {group!r}")
    gallery_conditions = set(gallery_conditions)
    probe_conditions = set(probe_conditions)
    if threshold is None:
        threshold = getattr(embedder, "threshold", None)
    walks, skipped = labelled_walks(
        directory, regex, gallery_conditions | probe_conditions, loader, progress=progress
    )
    items = []
    for path, subject, cond, track in walks:
        try:
            emb = embedder.embed_track(track)
        except ValueError as exc:  # too short to embed, and other GaitInputErrors
            skipped.append({"file": str(path), "error": str(exc)})
            continue
        items.append((path, subject, cond, emb))
    gal = [i for i, it in enumerate(items) if it[2] in gallery_conditions]
    prb = [i for i, it in enumerate(items) if it[2] in probe_conditions]
    if not gal or not prb:
        raise ValueError(
            f"need gallery and probe files: found {len(gal)} gallery and {len(prb)} probe files "
            f"matching {pattern!r} in {directory}"
        )
    emb = np.stack([it[3] for it in items]).astype(np.float32)
    exclude = np.array(prb)[:, None] == np.array(gal)[None, :]
    report = evaluate_embeddings(
        emb[gal],
        [items[i][1] for i in gal],
        emb[prb],
        [items[i][1] for i in prb],
        [items[i][2] for i in prb],
        threshold=threshold,
        exclude=exclude if exclude.any() else None,
        gallery_mode=gallery_mode,
    )
    report["model"] = getattr(embedder, "model_version", None)
    report["files"] = {"gallery": len(gal), "probe": len(prb), "skipped": skipped}
    return report

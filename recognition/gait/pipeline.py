"""One call from an uploaded file to what the portal stores: a result per walker.

``analyse_file(path, embedder=...)`` decodes a video through a pose backend (or reads a keypoint
file), follows every person, and for each walker with enough usable walking gives its
embedding, walking direction and quality. The portal's task, ``gait_evaluate`` and the
benchmarks all go through it, so what is measured is what runs.

Walkers too short to embed, and people who do not walk (standing or seated in view: no
displacement and feet still), are kept in ``skipped`` with the reason, so a clip with a passer-by
at its edge or someone waiting by the door still yields its real walker and says what it left
out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recognition.gait.embedding import GaitEmbedder
from recognition.gait.errors import NoPersonFoundError
from recognition.gait.extraction import load_tracks
from recognition.gait.pose import PoseBackend
from recognition.gait.preprocess import Direction, leg_motion, walking_direction
from recognition.gait.tracking import main_walker, track_quality
from recognition.gait.tracks import PoseTrack

# A loader: a path to the tracks in it (one PoseTrack or a list of them).
Loader = Callable[[Path], "PoseTrack | list[PoseTrack]"]

# A stage name and the fraction of that stage done (0..1).
Progress = Callable[[str, float], None]

STAGE_POSE = "pose"
STAGE_EMBED = "embed"

MIN_USABLE_SECONDS = 1.0  # under about two strides a walk says little about a person
GOOD_USABLE_SECONDS = 3.0  # quality saturates here
# preprocess.leg_motion under which a person who also goes nowhere is not walking (people
# standing with detector jitter: at most 1.2; bench/bench_gait_walking_check.py)
MIN_LEG_MOTION = 1.25


@dataclass
class WalkerResult:
    """One person in a clip.

    track: the 25 frames/s pose track (what the portal keeps instead of the video).
    embedding: float32 [D] unit vector from ``embedder``.
    direction: a ``preprocess.Direction`` value ('left_to_right', 'right_to_left', 'toward',
    'away' or 'unknown').
    usable_seconds: seconds of frames with at least 8 confident joints.
    quality: 0..1, usable walking relative to GOOD_USABLE_SECONDS, scaled by the usable
    fraction of the track.
    """

    track: PoseTrack
    embedding: np.ndarray
    direction: str
    usable_seconds: float
    quality: float

    @property
    def track_id(self) -> int:
        return self.track.track_id

    @property
    def start_s(self) -> float:
        """Seconds from the start of the clip to the walker's first frame."""
        return float(self.track.frame_indices[0]) / self.track.fps if len(self.track) else 0.0


@dataclass
class SampleAnalysis:
    walkers: list[WalkerResult]
    model_version: str
    skipped: list[dict] = field(default_factory=list)  # {"track_id", "reason"}


def walker_quality(track: PoseTrack) -> tuple[float, float]:
    """(usable_seconds, quality in 0..1) of one track."""
    if len(track) == 0:
        return 0.0, 0.0
    usable = track_quality(track)
    seconds = usable / track.fps
    quality = min(1.0, seconds / GOOD_USABLE_SECONDS) * (usable / len(track))
    return float(seconds), float(quality)


def still_person_motion(track: PoseTrack, direction: Direction) -> float | None:
    """The leg motion of someone who is not walking (``direction`` unknown: they go nowhere,
    and feet still: ``preprocess.leg_motion`` under MIN_LEG_MOTION); None for a walker, or when
    the ankles are not seen well enough to tell (kept, then)."""
    if direction is not Direction.UNKNOWN:
        return None
    motion = leg_motion(track)
    return motion if motion is not None and motion < MIN_LEG_MOTION else None


def analyse_tracks(
    tracks: list[PoseTrack],
    *,
    embedder: GaitEmbedder,
    min_usable_seconds: float = MIN_USABLE_SECONDS,
    progress: Progress | None = None,
) -> SampleAnalysis:
    """Embed every walker in ``tracks`` with enough usable walking (already loaded tracks)."""
    keep: list[tuple[PoseTrack, float, float, Direction]] = []
    skipped: list[dict] = []
    for track in tracks:
        seconds, quality = walker_quality(track)
        if seconds < min_usable_seconds:
            skipped.append(
                {
                    "track_id": track.track_id,
                    "reason": f"only {seconds:.1f} s of usable walking "
                    f"(at least {min_usable_seconds:.1f} s needed)",
                }
            )
            continue
        direction = walking_direction(track)
        motion = still_person_motion(track, direction)
        if motion is not None:
            skipped.append(
                {
                    "track_id": track.track_id,
                    "reason": f"not walking: goes nowhere and the feet stay still (leg motion "
                    f"{motion:.2f}, walking is {MIN_LEG_MOTION:.2f} and more)",
                }
            )
            continue
        keep.append((track, seconds, quality, direction))
    if not keep:
        detail = "; ".join(s["reason"] for s in skipped) or "nobody was found"
        raise NoPersonFoundError(f"no walker to recognise: {detail}")
    if progress:
        progress(STAGE_EMBED, 0.0)
    embeddings = embedder.embed_batch([k[0] for k in keep])
    if progress:
        progress(STAGE_EMBED, 1.0)
    walkers = [
        WalkerResult(
            track=track,
            embedding=emb,
            direction=direction.value,
            usable_seconds=seconds,
            quality=quality,
        )
        for (track, seconds, quality, direction), emb in zip(keep, embeddings, strict=True)
    ]
    walkers.sort(key=lambda w: w.start_s)
    return SampleAnalysis(walkers=walkers, model_version=embedder.model_version, skipped=skipped)


def analyse_file(
    path: str | Path,
    *,
    embedder: GaitEmbedder,
    backend: str | PoseBackend = "mediapipe",
    fps: float | None = None,
    max_side: int | None = None,
    min_fps: float | None = None,
    min_usable_seconds: float = MIN_USABLE_SECONDS,
    progress: Progress | None = None,
) -> SampleAnalysis:
    """Video or keypoint file -> one result per walker, in order of appearance.

    Raises GaitInputError subclasses (UnsupportedInputError, KeypointFormatError,
    VideoDecodeError, NoPersonFoundError) with a message fit to show the user.
    """
    if progress:
        progress(STAGE_POSE, 0.0)
    tracks = load_tracks(
        path,
        backend=backend,
        fps=fps,
        max_side=max_side,
        min_fps=min_fps,
        progress=(lambda fraction: progress(STAGE_POSE, fraction)) if progress else None,
    )
    if progress:
        progress(STAGE_POSE, 1.0)
    return analyse_tracks(
        tracks, embedder=embedder, min_usable_seconds=min_usable_seconds, progress=progress
    )


def walker_of(tracks: PoseTrack | list[PoseTrack] | tuple[PoseTrack, ...]) -> PoseTrack:
    """The one track to score from a loader's result: itself, the only one, or the main walker
    (``tracking.main_walker``) when several people were found."""
    if isinstance(tracks, PoseTrack):
        return tracks
    if not tracks:
        raise NoPersonFoundError("no person found")
    if len(tracks) == 1:
        return tracks[0]
    return main_walker(tracks)


def load_walker(
    path: str | Path,
    loader: Loader | None = None,
    *,
    backend: str | PoseBackend = "mediapipe",
) -> PoseTrack:
    """The main walker of a video or keypoint file: the one road from a labelled file to a track
    for ``gait_evaluate``, ``gait_train`` and the benchmarks. ``loader(path)`` replaces the
    engine's ``extraction.load_tracks`` (e.g. a benchmark's own reader)."""
    path = Path(path)
    tracks = loader(path) if loader is not None else load_tracks(path, backend=backend)
    return walker_of(tracks)

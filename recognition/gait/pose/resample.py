"""Resampling a track to the engine's fixed frame rate.

Cameras record at 10, 25, 30 or 60 frames/s; the network sees a fixed rate so that one gait cycle
always spans about the same number of steps.
"""

from __future__ import annotations

import numpy as np

from recognition.gait.tracks import PoseTrack

DEFAULT_FPS = 25.0


def resample_track(
    track: PoseTrack,
    fps: float = DEFAULT_FPS,
    *,
    max_gap_s: float = 0.25,
    min_conf: float = 0.05,
) -> PoseTrack:
    """The track at `fps`, interpolated linearly over time per joint.

    Each output time between the first and last source frame gets, per joint, the linear
    interpolation of the two nearest source detections of that joint (confidence >= min_conf)
    around it, if they are at most max_gap_s apart; otherwise the joint is missing there
    (x = y = confidence = 0). The result's frame_indices count frames at the new rate from time 0
    of the source (round(source_frame / source_fps * fps)); meta keeps "source_fps".
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    meta = {**track.meta, "source_fps": track.meta.get("source_fps", track.fps)}
    if len(track) == 0:
        return PoseTrack(
            np.zeros((0, *track.keypoints.shape[1:]), np.float32),
            np.zeros(0, np.int64),
            fps,
            track.track_id,
            track.image_size,
            meta,
        )
    src_t = track.frame_indices.astype(np.float64) / track.fps
    first = int(np.ceil(src_t[0] * fps - 1e-6))
    last = int(np.floor(src_t[-1] * fps + 1e-6))
    out_frames = np.arange(first, last + 1)
    out_t = out_frames / fps
    kp = track.keypoints
    out = np.zeros((len(out_t), kp.shape[1], 3), dtype=np.float32)

    for j in range(kp.shape[1]):
        seen = kp[:, j, 2] >= min_conf
        if not seen.any():
            continue
        t_seen, values = src_t[seen], kp[seen, j]
        # index of the first detection at or after each output time
        right = np.searchsorted(t_seen, out_t - 1e-9)
        left = right - 1
        exact = (right < len(t_seen)) & (
            np.abs(t_seen[np.minimum(right, len(t_seen) - 1)] - out_t) < 1e-9
        )
        inside = (left >= 0) & (right < len(t_seen))
        r = np.minimum(right, len(t_seen) - 1)
        lo = np.maximum(left, 0)
        gap = t_seen[r] - t_seen[lo]
        usable = exact | (inside & (gap <= max_gap_s + 1e-9))
        w = np.where(gap > 0, (out_t - t_seen[lo]) / np.where(gap > 0, gap, 1.0), 0.0)
        w = np.where(exact, 1.0, w)[:, None]
        interpolated = values[lo] + w * (values[r] - values[lo])
        out[usable, j] = interpolated[usable]
    return PoseTrack(
        keypoints=out,
        frame_indices=out_frames,
        fps=fps,
        track_id=track.track_id,
        image_size=track.image_size,
        meta=meta,
    )

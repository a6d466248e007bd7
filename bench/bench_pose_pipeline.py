"""Pose pipeline benchmark: raw MediaPipe landmarker vs our file -> tracks pipeline.

For each clip, in one run and interleaved (raw, ours, raw, ours, ... best of --repeats):
- raw: OpenCV decode + BGR->RGB + MediaPipe's PoseLandmarker.detect_for_video following as
  many people (num_poses = --max-people), same model and thresholds, nothing else;
- ours: load_tracks(clip): decode, rotation, pose backend, COCO-17 mapping, tracking,
  resampling to 25 frames/s.
Also: per clip, how many frames have the main walker's keypoints (>= 8 joints with confidence
>= 0.3), and the file -> tracks time of a 10-second 720p clip against real time.

Usage:
  python bench/bench_pose_pipeline.py [--clips PATH ...] [--repeats 2] [--max-people 2]
         [--json-out FILE]
Default clips: /work/shared/data/clips/* when present, else a rendered video.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import glob
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recognition.gait.errors import NoPersonFoundError
from recognition.gait.extraction import load_tracks
from recognition.gait.pose.mediapipe_backend import MediaPipeBackend
from recognition.gait.tracking import main_walker, track_quality

SHARED_CLIPS = "/work/shared/data/clips/*"


def raw_landmarker_run(path: str, backend: MediaPipeBackend) -> tuple[int, float]:
    """Frames and seconds for decode + MediaPipe's own landmarker following as many people as
    the backend does (num_poses = max_people), same model and thresholds."""
    options = dataclasses.replace(backend._options, num_poses=backend.max_people)
    landmarker = backend._vision.PoseLandmarker.create_from_options(options)
    mp = backend._mp
    capture = cv2.VideoCapture(path)
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames = 0
    start = time.perf_counter()
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        image = mp.Image(
            image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        )
        landmarker.detect_for_video(image, round(frames * 1000 / fps))
        frames += 1
    elapsed = time.perf_counter() - start
    capture.release()
    landmarker.close()
    return frames, elapsed


def pipeline_run(path: str, backend: MediaPipeBackend) -> tuple[list, float]:
    start = time.perf_counter()
    try:
        tracks = load_tracks(path, backend=backend)
    except NoPersonFoundError:
        tracks = []
    return tracks, time.perf_counter() - start


def frame_count(path: str) -> tuple[int, float, tuple[int, int]]:
    capture = cv2.VideoCapture(path)
    n = 0
    while capture.grab():
        n += 1
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    capture.release()
    return n, fps, size


def walker_frames(path: str, backend: MediaPipeBackend) -> tuple[int, int]:
    """Source frames in which the main walker has >= 8 confident joints; number of tracks."""
    tracks = backend.process_video(path)
    if not tracks:
        return 0, 0
    return track_quality(main_walker(tracks)), len(tracks)


def make_10s_720p(workdir: Path, source: str | None) -> str:
    """A 10 s 1280x720 clip: a real 720p clip played forward and backward (ping-pong) to 10 s,
    or a rendered person when no real clip is available. Encoded with mp4v (OpenCV has no
    H.264 encoder here)."""
    target = workdir / "ten_seconds_720p.mp4"
    fps = 25.0
    frames: list[np.ndarray] = []
    if source:
        capture = cv2.VideoCapture(source)
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(
                cv2.resize(frame, (1280, 720)) if frame.shape[:2] != (720, 1280) else frame
            )
        capture.release()
    if not frames:
        from tests.recognition.gait.perception_helpers import draw_person

        for i in range(50):
            img = np.full((720, 1280, 3), 205, np.uint8)
            draw_person(img, 300 + 12 * i, 80, 560, np.sin(i / 3))
            frames.append(img)
    needed = round(10 * fps)
    cycle = frames + frames[-2:0:-1]
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps, (1280, 720))
    for i in range(needed):
        writer.write(cycle[i % len(cycle)])
    writer.release()
    return str(target)


def rendered_clip(workdir: Path) -> str:
    from tests.recognition.gait.perception_helpers import render_video

    return str(
        render_video(
            workdir / "rendered.avi",
            lambda i: [(40 + 5 * i, 60, 340, np.sin(i / 2))],
            n_frames=100,
            fps=25.0,
            size=(640, 480),
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", nargs="*", default=None)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-people", type=int, default=2)
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_pose_"))
    clips = args.clips if args.clips is not None else sorted(glob.glob(SHARED_CLIPS))
    if not clips:
        clips = [rendered_clip(workdir)]
    backend = MediaPipeBackend(max_people=args.max_people)
    backend.detect(np.zeros((64, 64, 3), np.uint8), 0)  # create the landmarker before timing

    rows = []
    for clip in clips:
        n, fps, size = frame_count(clip)
        raw_best, ours_best = float("inf"), float("inf")
        for _ in range(args.repeats):
            _, raw_s = raw_landmarker_run(clip, backend)
            raw_best = min(raw_best, raw_s)
            _, ours_s = pipeline_run(clip, backend)
            ours_best = min(ours_best, ours_s)
        with_walker, n_tracks = walker_frames(clip, backend)
        rows.append(
            {
                "clip": os.path.basename(clip),
                "size": f"{size[0]}x{size[1]}",
                "fps": round(fps, 2),
                "frames": n,
                "raw_fps": round(n / raw_best, 1),
                "pipeline_fps": round(n / ours_best, 1),
                "ratio": round(raw_best / ours_best, 3),
                "tracks": n_tracks,
                "walker_frames": with_walker,
                "walker_share": round(with_walker / n, 3) if n else 0.0,
                "realtime_factor": round((n / fps) / ours_best, 2),
            }
        )

    street = next((c for c in clips if "720" in Path(c).name or "street" in Path(c).name), None)
    ten = make_10s_720p(workdir, street)
    n10, fps10, _ = frame_count(ten)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        with contextlib.suppress(NoPersonFoundError):
            load_tracks(ten, backend=backend)
        times.append(time.perf_counter() - start)
    ten_s = min(times)
    summary = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "max_people": args.max_people,
        "repeats": args.repeats,
        "clips": rows,
        "total_raw_fps": round(
            sum(r["frames"] for r in rows) / sum(r["frames"] / r["raw_fps"] for r in rows), 1
        ),
        "total_pipeline_fps": round(
            sum(r["frames"] for r in rows) / sum(r["frames"] / r["pipeline_fps"] for r in rows), 1
        ),
        "ten_second_720p": {
            "source": os.path.basename(street) if street else "rendered",
            "frames": n10,
            "video_seconds": round(n10 / fps10, 2),
            "file_to_tracks_seconds": round(ten_s, 2),
            "faster_than_real_time_by": round((n10 / fps10) / ten_s, 2),
        },
    }
    summary["pipeline_vs_raw"] = round(summary["total_pipeline_fps"] / summary["total_raw_fps"], 3)

    header = (
        f"{'clip':34} {'size':>9} {'frames':>6} {'raw f/s':>8} {'ours f/s':>8} "
        f"{'ours/raw':>8} {'tracks':>6} {'walker frames':>13} {'x realtime':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['clip'][:34]:34} {r['size']:>9} {r['frames']:>6} {r['raw_fps']:>8} "
            f"{r['pipeline_fps']:>8} {r['ratio']:>8} {r['tracks']:>6} "
            f"{r['walker_frames']:>6} ({r['walker_share']:.0%}) {r['realtime_factor']:>10}"
        )
    print(
        f"all clips: raw {summary['total_raw_fps']} f/s, pipeline {summary['total_pipeline_fps']} "
        f"f/s, ratio {summary['pipeline_vs_raw']}"
    )
    t = summary["ten_second_720p"]
    print(
        f"10 s 720p clip ({t['frames']} frames): file -> tracks {t['file_to_tracks_seconds']} s, "
        f"{t['faster_than_real_time_by']}x real time"
    )
    print(json.dumps(summary, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(summary, indent=2))
    backend.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

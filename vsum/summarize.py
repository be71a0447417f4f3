# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`vsum summarize`: summaries of many videos, resumable, one failure never stopping the rest.

For each video `<name>` it writes into the output folder `<name>.summary.json`, `<name>.highlights.mp4` and
`<name>.saliency.png` (media skipped with `json_only`). Every file is written under a temporary name and renamed;
the JSON is written last, so its presence marks a finished video and reruns skip it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .constants import VIDEO_EXTENSIONS
from .loading import DEMO_CHECKPOINT, DEMO_VIDEO, MODEL_ENV  # noqa: F401  (public names of vsum.summarize)


@dataclass
class BatchReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def resolve_videos(inputs: list[str | os.PathLike]) -> list[Path]:
    """Files as given; folders expanded to the video files they hold (sorted). Raises `ValueError` for a missing
    input or a folder without videos."""
    videos = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)
            if not found:
                raise ValueError(f"{path}: folder holds no video files ({', '.join(VIDEO_EXTENSIONS)})")
            videos.extend(found)
        else:
            videos.append(path)  # a missing or broken file is reported per video, without stopping the others
    if not videos:
        raise ValueError("no videos given")
    return videos


def output_paths(video: Path, out_dir: Path) -> dict[str, Path]:
    return {
        "json": out_dir / f"{video.stem}.summary.json",
        "highlights": out_dir / f"{video.stem}.highlights.mp4",
        "plot": out_dir / f"{video.stem}.saliency.png",
    }


def check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".vsum-write-test-"):
            pass
    except OSError as error:
        raise ValueError(f"{out_dir}: output folder is not writable ({error.strerror or error})") from None


def summarize_many(
    videos: list[Path],
    model,
    processor,
    out_dir: Path,
    model_name: str = "",
    ratio: float | None = None,
    fps: float | None = None,
    num_beams: int = 3,
    json_only: bool = False,
    progress: bool = True,
    log=print,
) -> BatchReport:
    from tqdm.auto import tqdm

    report = BatchReport()
    for video in videos:
        paths = output_paths(video, out_dir)
        if paths["json"].exists() and (json_only or (paths["highlights"].exists() and paths["plot"].exists())):
            report.skipped.append(str(video))
            log(f"{video}: already summarized ({paths['json']}), skipped")
            continue
        bar = tqdm(total=None, unit="frame", desc=video.name, disable=not progress, leave=False)

        def on_progress(done, total, bar=bar):
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            summary = summarize_to_files(
                video,
                model,
                processor,
                out_dir,
                model_name=model_name,
                ratio=ratio,
                fps=fps,
                generate_kwargs={"num_beams": num_beams},
                json_only=json_only,
                progress=on_progress,
            )
        except (ValueError, RuntimeError, OSError) as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            if not message.startswith(str(video)):
                message = f"{video}: {message}"
            report.failed[str(video)] = message
            print(f"vsum: error: {message}", file=sys.stderr)
            continue
        finally:
            bar.close()
        report.done.append(str(video))
        segments = ", ".join(f"{start:.1f}-{end:.1f}s" for start, end in summary["segments"])
        log(f"{video}: {summary['text']}\n  segments: {segments}\n  -> {paths['json']}")
    return report


def summarize_to_files(
    video: str | os.PathLike,
    model,
    processor,
    out_dir: Path,
    *,
    model_name: str = "",
    ratio: float | None = None,
    fps: float | None = None,
    generate_kwargs: dict | None = None,
    json_only: bool = False,
    progress=None,
    on_media=None,
    video_label: str | None = None,
) -> dict:
    """Summarizes one video into `out_dir` ([`output_paths`]): the highlight reel and the saliency plot (unless
    `json_only`), then the JSON, last, so its presence marks a finished video. Every file is written under a
    temporary name and renamed. `on_media()` is called before the media are written; `video_label` replaces the
    video's path in the JSON (e.g. a server-side upload path). Returns the summary dict."""
    from .inference import summarize_video
    from .video import plot_saliency, write_highlights

    paths = output_paths(Path(video), out_dir)
    started = time.perf_counter()
    summary = summarize_video(
        video, model, processor, ratio=ratio, fps=fps, generate_kwargs=generate_kwargs, progress=progress
    )
    summary["model"] = model_name or summary["model"]
    if not json_only:
        if on_media is not None:
            on_media()
        media_start = time.perf_counter()
        summary["highlights_duration"] = write_highlights(video, summary["segments"], paths["highlights"])
        plot_saliency(summary, paths["plot"])
        summary["timings"]["media_s"] = time.perf_counter() - media_start
    summary["timings"]["wall_s"] = time.perf_counter() - started
    if video_label is not None:
        summary["video"] = video_label
    _write_json(summary, paths["json"])
    return summary


def _write_json(payload: dict, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)

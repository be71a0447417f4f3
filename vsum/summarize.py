# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`vsum summarize`: summaries of many videos, resumable, safe to run twice on one folder, one failure never
stopping the rest.

For each video it writes into the output folder, under the video's *output name* `<name>`:

- `<name>.summary.json`: the summary, plus `source` (path, size, mtime), `parameters` (model, ratio, fps, beams,
  budget, chapters, ...) and `outputs` (the files next to it that it describes); written last;
- `<name>.highlights.mp4` and `<name>.saliency.png` (not with `json_only`);
- `<name>.chapters.vtt` (with `chapters`) and `<name>.otio` (with `cutlist="otio"`).

Output names. `<name>` is the file's stem (`clip.mp4` -> `clip`) unless that name is taken, in this run or by an
earlier summary of *another* file in the folder (`a/clip.mp4`, `b/clip.mp4`, `clip.mkv`); then it is
`<stem>-<8 hex digits>`, a hash of the file's absolute path, so a video keeps its name across runs.

"Already done" means: the JSON exists, records the same source (resolved path, size and modification time), the
same model (name, and for a local folder the size and mtime of its config and weights) and the same parameters,
and every file this run would write exists. Anything else is recomputed; files of an older summary that this run
does not write again are removed, so the JSON always describes exactly the files next to it.

Concurrency. Each output name is guarded by a lock (`.<name>.lock`, `fcntl.flock` on a file opened without
following symlinks, removed when released), held from the "already done" check until the JSON is written: two
processes on one folder never mix files; the second one waits, then finds the video done. Every file goes through
`vsum.io_utils` (random, exclusively created temporaries renamed over the target), so no predictable temporary name
exists and a symlink planted at a target is replaced, never followed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .constants import VIDEO_EXTENSIONS
from .formatting import round_summary
from .io_utils import atomic_write_json
from .loading import DEMO_CHECKPOINT, DEMO_VIDEO, MODEL_ENV  # noqa: F401  (public names of vsum.summarize)


logger = logging.getLogger(__name__)

#: Output kinds -> file suffix after `<name>`.
OUTPUT_SUFFIXES = {
    "json": ".summary.json",
    "highlights": ".highlights.mp4",
    "plot": ".saliency.png",
    "chapters": ".chapters.vtt",
    "cutlist": ".otio",
}


@dataclass
class BatchReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    #: video -> the JSON written or found for it.
    outputs: dict[str, str] = field(default_factory=dict)


def resolve_videos(inputs: list[str | os.PathLike]) -> list[Path]:
    """Files as given; folders expanded to the video files they hold (sorted, hidden files excluded).

    Raises `ValueError` (one line, naming them) for missing inputs or a folder without videos, so the command stops
    before the model is loaded. A file that exists but is not a video is reported per video later.
    """
    videos, missing = [], []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in VIDEO_EXTENSIONS
            )
            if not found:
                raise ValueError(f"{path}: folder holds no video files ({', '.join(VIDEO_EXTENSIONS)})")
            videos.extend(found)
        elif path.exists():
            videos.append(path)
        else:
            missing.append(os.fspath(item))
    if missing:
        raise ValueError(f"no such file: {', '.join(missing)}")
    if not videos:
        raise ValueError("no videos given")
    return videos


def output_paths(video: str | os.PathLike, out_dir: str | os.PathLike, name: str | None = None) -> dict[str, Path]:
    """The files of output name `name` (default: the video's stem) in `out_dir`, by kind ([`OUTPUT_SUFFIXES`])."""
    name = Path(video).stem if name is None else name
    return {kind: Path(out_dir) / f"{name}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}


def check_writable(out_dir: str | os.PathLike) -> None:
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".vsum-write-test-"):
            pass
    except OSError as error:
        raise ValueError(f"{out_dir}: output folder is not writable ({error.strerror or error})") from None


def source_record(video: str | os.PathLike) -> dict:
    """What identifies a source file: resolved path, size and modification time (ns)."""
    path = Path(video).resolve()
    stat = path.stat()
    return {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def model_fingerprint(name: str) -> str | None:
    """For a local model folder, a short hash of its config, generation config and weight files' names, sizes and
    mtimes (so retrained weights or another generation recipe in the same folder count as another model); `None` for Hub ids and `"tiny"`."""
    if not name or not os.path.isdir(name):
        return None
    digest = hashlib.sha256()
    for entry in sorted(os.listdir(name)):
        if entry in ("config.json", "generation_config.json") or entry.endswith(
            (".safetensors", ".safetensors.index.json")
        ):
            stat = os.stat(os.path.join(name, entry))
            digest.update(f"{entry}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _path_hash(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:8]


@contextlib.contextmanager
def output_lock(out_dir: str | os.PathLike, name: str, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Exclusive lock on output name `name` in `out_dir` (see the module docstring).

    The lock file is opened with `O_NOFOLLOW` (a planted symlink raises `ValueError`, it is never followed), locked
    with `flock`, and checked to still be the file at its path (a releasing holder unlinks it); it is unlinked on
    release, so no lock files stay behind.
    """
    path = os.path.join(os.fspath(out_dir), f".{name}.lock")
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    waited = False
    while True:
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise ValueError(f"{path}: lock file is a symlink; refusing to follow it") from None
            raise
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            opened = os.fstat(fd)
            try:
                current = os.lstat(path)
            except FileNotFoundError:
                current = None
        except BaseException:
            os.close(fd)
            raise
        if current is not None and (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino):
            break
        os.close(fd)  # the previous holder removed it after we opened it: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def _read_json(path: Path) -> dict | None:
    """The JSON at `path`: `None` if absent or a symlink (never followed; the writer replaces the link itself), `{}`
    if unreadable or not a vsum summary (a foreign file, left alone)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as error:
        return None if error.errno == errno.ELOOP else {}
    try:
        with open(fd, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _keyframes_in(frames: list[dict], segments: list[list[float]]) -> dict:
    indices = [i for i, f in enumerate(frames) if any(s - 1e-6 <= f["t"] < e - 1e-6 for s, e in segments)]
    return {"indices": indices, "times": [frames[i]["t"] for i in indices]}


def apply_selection(summary: dict, max_seconds: float | None = None, min_segment: float = 0.0) -> dict:
    """Replaces the ratio-based segments of `summary` by the reel-budget selection (`max_seconds`, see
    `vsum.budget.budget_segments`) and/or applies `min_segment` (`vsum.budget.enforce_min_segment`); keyframes are
    the sampled frames inside the new segments. Records the choice as `summary["selection"]`. Returns `summary`."""
    from .budget import budget_segments, enforce_min_segment

    frames = summary["frames"]
    times = [f["t"] for f in frames]
    scores = [f["score"] for f in frames]
    if max_seconds is not None:
        interval = 1.0 / float(summary["fps"])
        segments = budget_segments(times, scores, summary["duration"], max_seconds, min_segment, interval=interval)
        if not segments:
            raise ValueError(
                f"{summary['video']}: --max-seconds {max_seconds:g} is shorter than every candidate segment "
                f"(at least {max(min_segment, interval):g} s each)"
            )
        summary["segments"] = segments
        summary["selection"] = {"method": "budget", "max_seconds": max_seconds, "min_segment": min_segment}
    elif min_segment:
        summary["segments"] = enforce_min_segment(summary["segments"], min_segment, times, scores)
        summary["selection"] = {"method": "ratio", "ratio": summary.get("summary_ratio"), "min_segment": min_segment}
    else:
        summary["selection"] = {"method": "ratio", "ratio": summary.get("summary_ratio")}
        return summary
    summary["keyframes"] = _keyframes_in(frames, summary["segments"])
    return summary


def summarize_to_files(
    video: str | os.PathLike,
    model,
    processor,
    out_dir: str | os.PathLike,
    *,
    name: str | None = None,
    model_name: str = "",
    ratio: float | None = None,
    fps: float | None = None,
    max_frames: int | None = None,
    max_duration: float | None = None,
    generate_kwargs: dict | None = None,
    max_seconds: float | None = None,
    min_segment: float = 0.0,
    chapters: bool = False,
    cutlist: str | None = None,
    json_only: bool = False,
    progress=None,
    on_media=None,
    video_label: str | None = None,
    extra: dict | None = None,
    encoded: tuple | None = None,
) -> dict:
    """Summarizes one video into `out_dir` under output name `name` (default: its stem; [`output_paths`]).

    Writes the highlight reel and the saliency plot (unless `json_only`), the chapters (`chapters`: one caption per
    segment, WebVTT, see `vsum.chapters`), the cut list (`cutlist="otio"`), then the JSON, last. Older files of
    this name that this call does not write are removed first, so the JSON describes exactly the files next to it.
    `max_seconds` selects segments by reel budget instead of `ratio`; `min_segment` merges or drops short segments
    (`vsum.budget`). `max_frames` caps the sampled frames and `max_duration` refuses longer videos (`ValueError`).
    `generate_kwargs` override the model's `generation_config` (unset: the checkpoint's recipe). `on_media()` is
    called before the media are written; `video_label` replaces the video's path in the JSON (e.g. a server-side
    upload path); `extra` is merged into the JSON (e.g. `source`, `parameters`). `encoded` is
    `vsum.inference.encode_video`'s `(frame_embeds, timestamps, info)` for this file when already computed (e.g. by
    `encode_videos`); otherwise the video is decoded and encoded here, once: the summary, the chapters and the cut
    list all reuse that one pass. Callers that share `out_dir` between processes hold [`output_lock`] around this
    call. Returns the summary dict, rounded as written ([`round_summary`]).
    """
    from . import inference
    from .video import plot_saliency, write_cutlist, write_highlights

    paths = output_paths(video, out_dir, name)
    wanted = ["json"] + ([] if json_only else ["highlights", "plot"])
    wanted += ["chapters"] if chapters else []
    wanted += ["cutlist"] if cutlist else []
    started = time.perf_counter()
    encode_s = None  # unknown for features encoded elsewhere (batched with other videos)
    if encoded is None:
        encoded = inference.encode_video(
            video, model, processor, fps, max_frames, progress=progress, max_duration=max_duration
        )
        encode_s = time.perf_counter() - started
    frame_embeds, _, info = encoded
    summary = inference.summarize_video(
        video,
        model,
        processor,
        ratio=ratio,
        fps=fps,
        max_frames=max_frames,
        generate_kwargs=generate_kwargs,
        encoded=encoded,
    )
    summary["timings"]["decode_and_encode_s"] = encode_s
    summary["timings"]["total_s"] = time.perf_counter() - started
    summary["model"] = model_name or summary["model"]
    apply_selection(summary, max_seconds=max_seconds, min_segment=min_segment)
    summary = round_summary(summary)
    summary["segments"] = [[s, e] for s, e in summary["segments"] if e > s]  # nothing of zero length after rounding
    # No JSON may describe files that are about to change: the old one goes before the first write (a failure
    # while computing the summary leaves the previous summary intact), stale outputs after the new ones.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(paths["json"])
    if chapters:
        from .chapters import add_chapters, write_webvtt

        chapter_start = time.perf_counter()
        add_chapters(summary, model, processor, frame_embeds=frame_embeds)  # the features above: no second decode
        write_webvtt(summary["chapters"], paths["chapters"])
        summary["timings"]["chapters_s"] = time.perf_counter() - chapter_start
    if not json_only:
        if on_media is not None:
            on_media()
        media_start = time.perf_counter()
        summary["highlights_duration"] = write_highlights(video, summary["segments"], paths["highlights"])
        plot_saliency(summary, paths["plot"], video=video)
        summary["timings"]["media_s"] = time.perf_counter() - media_start
    if cutlist:
        rate = float(info.average_fps or summary["fps"])  # the probe made while encoding: not probed again
        write_cutlist(
            summary["segments"], video, paths["cutlist"], rate=rate, duration=summary["duration"], audio=info.has_audio
        )
        summary["frame_rate"] = rate
    for kind, path in paths.items():
        if kind not in wanted:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    summary["timings"]["wall_s"] = time.perf_counter() - started
    if video_label is not None:
        summary["video"] = video_label
    summary["outputs"] = {kind: paths[kind].name for kind in wanted if kind != "json"}
    summary.update(extra or {})
    summary = round_summary(summary)
    atomic_write_json(paths["json"], summary)
    return summary


def _is_done(record: dict | None, source: dict, parameters: dict, paths: dict[str, Path], wanted: list[str]) -> bool:
    if not record or record.get("source") != source or record.get("parameters") != parameters:
        return False
    listed = record.get("outputs") or {}
    return all(
        kind == "json" or (kind in listed and paths[kind].is_file() and not paths[kind].is_symlink()) for kind in wanted
    )


def summarize_many(
    videos: list[Path],
    model,
    processor,
    out_dir: str | os.PathLike,
    model_name: str = "",
    ratio: float | None = None,
    fps: float | None = None,
    num_beams: int | None = None,
    max_frames: int | None = None,
    max_duration: float | None = None,
    max_seconds: float | None = None,
    min_segment: float = 0.0,
    chapters: bool = False,
    cutlist: str | None = None,
    json_only: bool = False,
    num_workers: int | None = None,
    progress: bool = True,
    verbose: bool = False,
    log: Callable[[str], None] = print,
) -> BatchReport:
    """Summarizes `videos` into `out_dir` ([`summarize_to_files`]), skipping those already done with the same
    source, model and parameters (see the module docstring), locking each output name. A failing video is reported
    (`report.failed`, one line on stderr) and the others go on.

    `num_beams=None` keeps the model's `generation_config`. When more than one video needs computing, they are
    decoded by `vsum.inference.encode_videos` in `num_workers` processes (default: from the core count; `0`: in this
    process) while the model summarizes the ones already decoded; the results are the same as one by one. The
    already-done check comes before any decoding and again, under the output lock, before writing.
    """
    from tqdm.auto import tqdm

    from .inference import encode_videos

    out_dir = Path(out_dir)
    parameters = {
        "model": model_name or getattr(model.config, "_name_or_path", "") or None,
        "model_fingerprint": model_fingerprint(model_name),
        "ratio": float(model.config.summary_ratio if ratio is None else ratio),
        "fps": float(processor.video_processor.fps if fps is None else fps),
        "num_beams": num_beams,
        "max_frames": max_frames,
        "max_seconds": max_seconds,
        "min_segment": min_segment,
        "chapters": chapters,
        "dtype": str(next(model.parameters()).dtype).removeprefix("torch."),  # bf16 scores differ slightly
    }
    parameters = round_summary(parameters)
    generate_kwargs = {} if num_beams is None else {"num_beams": num_beams}
    wanted = ["json"] + ([] if json_only else ["highlights", "plot"])
    wanted += (["chapters"] if chapters else []) + (["cutlist"] if cutlist else [])
    report = BatchReport()

    def fail(video: Path, error: BaseException | str) -> None:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        if not message.startswith(str(video)):
            message = f"{video}: {message}"
        report.failed[str(video)] = message
        print(f"vsum: error: {message}", file=sys.stderr)

    def skip_if_done(video: Path, source: dict, paths: dict[str, Path]) -> bool:
        if not _is_done(_read_json(paths["json"]), source, parameters, paths, wanted):
            return False
        report.skipped.append(str(video))
        report.outputs[str(video)] = str(paths["json"])
        log(f"{video}: already summarized with these settings ({paths['json']}), skipped")
        return True

    def summarize_one(video: Path, source: dict, claimed: set[str], encoded=None, on_progress=None) -> None:
        """Locks the output name, checks "already done" again (another process may have finished it), writes."""
        with contextlib.ExitStack() as stack:
            name = _claim_name(video, source, out_dir, claimed, stack, log)
            paths = output_paths(video, out_dir, name)
            if skip_if_done(video, source, paths):
                return
            summary = summarize_to_files(
                video,
                model,
                processor,
                out_dir,
                name=name,
                model_name=model_name,
                ratio=ratio,
                fps=fps,
                max_frames=max_frames,
                max_duration=max_duration,
                generate_kwargs=generate_kwargs,
                max_seconds=max_seconds,
                min_segment=min_segment,
                chapters=chapters,
                cutlist=cutlist,
                json_only=json_only,
                progress=on_progress,
                extra={"source": source, "parameters": parameters},
                encoded=encoded,
            )
        report.done.append(str(video))
        report.outputs[str(video)] = str(paths["json"])
        log(f"{video}: {summary['text']}\n  -> {paths['json']}")
        if verbose:
            segments = ", ".join(f"{start:.1f}-{end:.1f}s" for start, end in summary["segments"])
            log(f"  segments: {segments}")
            for chapter in summary.get("chapters", []):
                log(f"  chapter {chapter['start']:.1f}-{chapter['end']:.1f}s: {chapter['title']}")
            log(f"  timings: {json.dumps(summary['timings'])}")

    # 1. What is already done is skipped before anything is decoded (names claimed in input order, as below).
    todo: list[tuple[Path, dict, str]] = []  # (video, source, the output name it was checked under)
    claimed: set[str] = set()
    for video in videos:
        try:
            source = source_record(video)
            with contextlib.ExitStack() as stack:
                name = _claim_name(video, source, out_dir, claimed, stack, log)
                if not skip_if_done(video, source, output_paths(video, out_dir, name)):
                    todo.append((video, source, name))
        except (ValueError, OSError) as error:
            fail(video, error)

    # 2. The rest: one video is decoded here with a progress bar; several are decoded in parallel by encode_videos.
    claimed = set()
    if len(todo) == 1:
        video, source, _ = todo[0]
        bar = None

        def on_progress(done, total):
            nonlocal bar
            if not progress:
                return
            if bar is None:  # created once the total is known: no "0frame [00:00, ?frame/s]" line
                bar = tqdm(total=total, unit="frame", desc=video.name, leave=False, dynamic_ncols=True)
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            summarize_one(video, source, claimed, on_progress=on_progress)
        except (ValueError, RuntimeError, OSError) as error:
            fail(video, error)
        finally:
            if bar is not None:
                bar.close()
    elif todo:
        results = encode_videos(
            [video for video, _, _ in todo],
            model,
            processor,
            fps,
            max_frames,
            max_duration=max_duration,
            num_workers=num_workers,
        )
        bar = tqdm(total=len(todo), unit="video", leave=False, dynamic_ncols=True, disable=not progress)
        try:
            for (video, source, name), result in zip(todo, results):
                try:
                    if not result.ok:
                        claimed.add(name)  # as in a one-by-one run: a failed video keeps its name from later ones
                        raise ValueError(result.error)
                    summarize_one(video, source, claimed, encoded=result.as_tuple())
                except (ValueError, RuntimeError, OSError) as error:
                    fail(video, error)
                bar.update(1)
        finally:
            bar.close()
            results.close()  # stops the decoding workers, also after an interruption
    return report


def _claim_name(video: Path, source: dict, out_dir: Path, claimed: set[str], stack, log) -> str:
    """The output name for `video` (module docstring), locked on `stack`: the stem when free or already this
    source's, else `<stem>-<hash of the path>`."""
    stem = video.stem
    for name in (stem, f"{stem}-{_path_hash(source['path'])}"):
        if name in claimed:
            continue
        lock = contextlib.ExitStack()
        lock.enter_context(
            output_lock(out_dir, name, on_wait=lambda name=name: log(f"{video}: waiting for another vsum on {name}"))
        )
        record = _read_json(output_paths(video, out_dir, name)["json"])
        if record is None or (record.get("source") or {}).get("path") == source["path"]:
            claimed.add(name)
            stack.enter_context(lock)
            return name
        lock.close()  # another file's summary: leave it alone
    raise ValueError(f"{video}: no free output name in {out_dir} (tried {stem!r} and its hashed variant)")


__all__ = [
    "BatchReport",
    "OUTPUT_SUFFIXES",
    "apply_selection",
    "check_writable",
    "model_fingerprint",
    "output_lock",
    "output_paths",
    "resolve_videos",
    "round_summary",
    "source_record",
    "summarize_many",
    "summarize_to_files",
]

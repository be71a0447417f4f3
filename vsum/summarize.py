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
and every file this run would write exists. That check reads no model: when every video is done, the model is not
loaded at all. Anything else is recomputed.

Ownership. vsum replaces or removes only files it wrote: the outputs recorded (`outputs`) by the earlier vsum
summary JSON of the same name, each a plain file no newer than that JSON (vsum writes the JSON last, so a recorded
file changed since is the user's). Any other entry at an output's name (a user's file, a symlink, a folder) and any
input video of the run is *foreign*: a name whose outputs would replace a foreign entry is not used (the video takes
`<stem>-<hash>`), and when the video's own earlier summary already lives under that name the video is refused on one
line instead. A rerun removes the recorded outputs it does not write again, so the JSON describes exactly the files
it lists; nothing else is ever removed. Files of the folder recorded as outputs of a vsum summary there (the reels)
are not taken as new input videos when the folder itself is given.

Writing. Every file of a summary is first written into a private hidden folder inside the output folder, then the
whole set is moved in by renames (the old JSON removed first, the new JSON last, Ctrl-C deferred for those few
renames): an interrupted or failing video leaves either its complete previous set or no file of its name, and no
temporaries. The output folder is opened once (`vsum.io_utils.FolderHandle`, `O_DIRECTORY | O_NOFOLLOW`) and every
lookup, rename and removal goes through that descriptor: a folder renamed and replaced by a symlink mid-run still
gets the outputs, and the symlink's target gets nothing.

Concurrency. Each output name is guarded by a lock (`.<name>.lock`, `fcntl.flock` on a file opened without
following symlinks, removed when released), held from the "already done" check until the JSON is written: two
processes on one folder never mix files; the second one waits, then finds the video done. Every file goes through
`vsum.io_utils` (random, exclusively created temporaries renamed over the target), so no predictable temporary name
exists.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import math
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .constants import VIDEO_EXTENSIONS
from .formatting import round_summary
from .io_utils import FolderHandle, atomic_write_json, is_regular_file
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
    """Files as given; folders expanded to the video files they hold (sorted; hidden files and the outputs recorded
    by vsum summaries in that folder, i.e. its own highlight reels, excluded: see the module docstring).

    Raises `ValueError` (one line, naming them) for missing inputs or a folder without videos, so the command stops
    before the model is loaded. A file that exists but is not a video is reported per video later.
    """
    videos, missing = [], []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            ours = _recorded_outputs_in(path)
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() in VIDEO_EXTENSIONS
                and p.name not in ours
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
def output_lock(
    out_dir: str | os.PathLike, name: str, on_wait: Callable[[], None] | None = None, dir_fd: int | None = None
) -> Iterator[None]:
    """Exclusive lock on output name `name` in `out_dir` (see the module docstring); with `dir_fd` (the folder open
    as a descriptor, `vsum.io_utils.FolderHandle`), the lock file is opened relative to it (`out_dir` only names it).

    The lock file is opened with `O_NOFOLLOW` (a planted symlink raises `ValueError`, it is never followed), locked
    with `flock`, and checked to still be the file at its path (a releasing holder unlinks it); it is unlinked on
    release, so no lock files stay behind.
    """
    shown = os.path.join(os.fspath(out_dir), f".{name}.lock")
    path = shown if dir_fd is None else f".{name}.lock"
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    waited = False
    while True:
        try:
            fd = os.open(path, flags, 0o600, dir_fd=dir_fd)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise ValueError(f"{shown}: lock file is a symlink; refusing to follow it") from None
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
                current = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
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
            os.unlink(path, dir_fd=dir_fd)
        os.close(fd)


def _output_names(name: str) -> dict[str, str]:
    return {kind: f"{name}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}


def _is_summary(data) -> bool:
    return isinstance(data, dict) and "segments" in data and "text" in data


def _read_record(folder: FolderHandle, json_name: str) -> tuple[dict | None, os.stat_result | None]:
    """`(record, status)` of the entry at `json_name`: `(None, None)` if absent; `({}, status)` if it is foreign (a
    symlink, never followed, or anything that is not a readable vsum summary); else the summary and its status."""
    try:
        fd = folder.open(json_name, os.O_RDONLY)
    except FileNotFoundError:
        return None, None
    except OSError:  # a symlink (ELOOP), a folder, unreadable...
        return {}, folder.lstat(json_name)
    try:
        status = os.fstat(fd)
        with open(fd, encoding="utf-8") as handle:
            data = json.load(handle) if is_regular_file(status) else None
    except (OSError, ValueError):
        return {}, folder.lstat(json_name)
    return (data if _is_summary(data) else {}), status


def _owned_outputs(
    folder: FolderHandle, names: dict[str, str], record: dict | None, json_status: os.stat_result | None
) -> dict[str, str]:
    """The outputs (kind -> file name) that the summary `record` recorded and vsum may replace or remove: the file
    names this name's kinds have (a record listing other files is not trusted for them), plain files, no newer than
    the JSON."""
    owned = {}
    listed = (record or {}).get("outputs")
    for kind, file_name in (listed if isinstance(listed, dict) else {}).items():
        if kind == "json" or names.get(kind) != file_name:
            continue
        status = folder.lstat(file_name)
        if is_regular_file(status) and status.st_mtime_ns <= json_status.st_mtime_ns:
            owned[kind] = file_name
    return owned


def _identities(paths) -> set[tuple[int, int]]:
    identities = set()
    for path in paths:
        with contextlib.suppress(OSError):
            status = os.stat(path)
            identities.add((status.st_dev, status.st_ino))
    return identities


def _foreign_entries(
    folder: FolderHandle, names: dict[str, str], kinds: list[str], owned: dict[str, str], inputs: set
) -> list[str]:
    """The names among `kinds`' files where an entry exists that vsum may not replace: not an owned output, or one
    of the `inputs` (`(st_dev, st_ino)` of the run's videos)."""
    foreign = []
    for kind in kinds:
        status = folder.lstat(names[kind])
        if status is None:
            continue
        if (kind != "json" and kind not in owned) or (status.st_dev, status.st_ino) in inputs:
            foreign.append(names[kind])
    return foreign


def _recorded_outputs_in(path: Path) -> set[str]:
    """Names of the files that vsum summaries in folder `path` recorded as theirs (`_owned_outputs`)."""
    names: set[str] = set()
    try:
        folder = FolderHandle(path, create=False)
    except ValueError:
        return names
    with folder:
        for entry in os.listdir(folder.fd):
            if entry.endswith(OUTPUT_SUFFIXES["json"]) and not entry.startswith("."):
                record, status = _read_record(folder, entry)
                if record:
                    name = entry[: -len(OUTPUT_SUFFIXES["json"])]
                    names.update(_owned_outputs(folder, _output_names(name), record, status).values())
    return names


def _check_owner(
    video, folder: FolderHandle, names: dict[str, str], wanted: list[str], inputs: set
) -> tuple[dict | None, dict[str, str]]:
    """`(previous summary or None, its owned outputs)` for writing `wanted` under `names`; `ValueError` (one line)
    when the JSON's name holds something that is not a vsum summary or a wanted file's name holds a foreign entry."""
    record, status = _read_record(folder, names["json"])
    if record == {}:
        raise ValueError(
            f"{video}: {folder.shown(names['json'])} exists and is not a vsum summary; refusing to replace it"
        )
    owned = _owned_outputs(folder, names, record, status)
    foreign = _foreign_entries(folder, names, wanted, owned, inputs)
    if foreign:
        raise ValueError(
            f"{video}: {folder.shown(foreign[0])} exists and was not written by vsum for this summary; refusing to "
            "replace it (move it away or use another output folder)"
        )
    return record, owned


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl-C during the block takes effect when it ends (the block is a few renames that must not be cut in two).
    Only the main thread can handle signals; elsewhere the block runs as is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, received[0])


def _shown(path) -> str:
    """`path` printable on any terminal (a name that is not valid UTF-8 shows its bytes as `\\udcXX`)."""
    return os.fspath(path).encode("utf-8", "backslashreplace").decode("utf-8")


def _keyframes_in(frames: list[dict], segments: list[list[float]]) -> dict:
    indices = [i for i, f in enumerate(frames) if any(s - 1e-6 <= f["t"] < e - 1e-6 for s, e in segments)]
    return {"indices": indices, "times": [frames[i]["t"] for i in indices]}


#: `--segments`: what the reel's segments are made of. `frames`: the sampled frames the ratio or the budget keeps;
#: `shots`: whole shots (KTS over the frame features, `vsum.shots`) chosen by a 0/1 knapsack.
SEGMENT_MODES = ("frames", "shots")


def apply_selection(
    summary: dict,
    max_seconds: float | None = None,
    min_segment: float = 0.0,
    segments: str = "frames",
    features=None,
) -> dict:
    """Replaces the ratio-based segments of `summary` by the reel-budget selection (`max_seconds`, see
    `vsum.budget.budget_segments`) and/or applies `min_segment` (`vsum.budget.enforce_min_segment`); keyframes are
    the sampled frames inside the new segments. Records the choice as `summary["selection"]`. Returns `summary`.

    `segments="shots"` selects whole shots instead ([`_select_shots`]): `features` are then the sampled frames'
    features (`(frames, dim)`, e.g. `vsum.inference.encode_video`'s `frame_embeds`)."""
    from .budget import budget_segments, enforce_min_segment

    if segments not in SEGMENT_MODES:
        raise ValueError(f"segments must be one of {', '.join(SEGMENT_MODES)}, got {segments!r}")
    if segments == "shots":
        return _select_shots(summary, features, max_seconds, min_segment)
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
        summary["summary_ratio"] = None  # the budget, not the ratio, chose the segments
        summary["selection"] = {
            "method": "budget",
            "max_seconds": max_seconds,
            "min_segment": min_segment,
            "segments": "frames",
        }
    elif min_segment:
        summary["segments"] = enforce_min_segment(summary["segments"], min_segment, times, scores)
        summary["selection"] = {
            "method": "ratio",
            "ratio": summary.get("summary_ratio"),
            "min_segment": min_segment,
            "segments": "frames",
        }
    else:
        summary["selection"] = {"method": "ratio", "ratio": summary.get("summary_ratio"), "segments": "frames"}
        return summary
    summary["keyframes"] = _keyframes_in(frames, summary["segments"])
    return summary


def _select_shots(summary: dict, features, max_seconds: float | None, min_segment: float) -> dict:
    """`--segments shots`: the video is cut into shots by KTS over `features` (`vsum.shots.detect_shots`, the
    shortest shot `min_segment` seconds, at least one frame), and the shots of a 0/1 knapsack over their lengths
    (`vsum.shots.select_shots`, worth their mean saliency) make the segments. The capacity is `ratio x duration`
    (the summary's ratio) or `max_seconds`. Records `summary["shots"]` (every shot, `[[start_s, end_s], ...]`) and
    `summary["selection"]` (`"segments": "shots"`, the capacity, the shots chosen).

    When no shot fits the capacity (a one-shot video, shots longer than the budget), the segments are the sampled
    frames of highest saliency within the same capacity (`--segments frames --max-seconds <capacity>`) and
    `selection["fallback"]` says `"frames"`; under `--ratio`, a capacity shorter than one sampled frame keeps the
    ratio's frames (as `--segments frames` does)."""
    from .shots import detect_shots, select_shots, shot_means, shot_spans

    if features is None:
        raise ValueError("segments='shots' needs the sampled frames' features")
    frames = summary["frames"]
    times = [f["t"] for f in frames]
    scores = [f["score"] for f in frames]
    if len(features) != len(frames):
        raise ValueError(f"{summary['video']}: {len(features)} feature rows for {len(frames)} sampled frames")
    interval = 1.0 / float(summary["fps"])
    duration = float(summary["duration"])
    min_size = max(1, math.ceil(min_segment / interval - 1e-6))  # the shortest shot, in sampled frames
    if hasattr(features, "detach"):  # a torch tensor (encode_video's frame_embeds)
        features = features.detach().float().cpu().numpy()
    change_points = detect_shots(features, min_size=min_size)
    spans = shot_spans(change_points, times, duration, interval)
    if max_seconds is not None:
        capacity = float(max_seconds)
        selection = {"method": "budget", "max_seconds": max_seconds}
    else:
        ratio = summary.get("summary_ratio")
        capacity = float(ratio) * duration
        selection = {"method": "ratio", "ratio": ratio}
    chosen = select_shots(spans, shot_means(change_points, scores), capacity, interval)
    selection.update(segments="shots", min_segment=min_segment, capacity_s=capacity, shots=chosen)
    summary["shots"] = spans
    if chosen:
        from .budget import merge_touching

        summary["segments"] = merge_touching([spans[i] for i in chosen])
        summary["keyframes"] = _keyframes_in(frames, summary["segments"])
    else:
        logger.warning(
            "%s: no shot fits in %g s (shortest shot %.3g s); selecting frames within it",
            summary["video"],
            capacity,
            min(end - start for start, end in spans),
        )
        ratio_segments, ratio_keyframes = summary["segments"], summary["keyframes"]
        try:
            apply_selection(summary, max_seconds=capacity)  # the frames `--segments frames --max-seconds` would keep
        except ValueError:
            if max_seconds is not None:
                raise  # the budget is shorter than one sampled frame: refused as with --segments frames
            # Under --ratio, a capacity below one frame keeps the ratio's frames, as --segments frames does.
            summary["segments"], summary["keyframes"] = ratio_segments, ratio_keyframes
        selection["fallback"] = "frames"
    summary["summary_ratio"] = None if max_seconds is not None else selection["ratio"]
    summary["selection"] = selection
    return summary


def summarize_to_files(
    video: str | os.PathLike,
    model,
    processor,
    out_dir: str | os.PathLike | FolderHandle,
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
    segments: str = "frames",
    chapters: bool = False,
    cutlist: str | None = None,
    json_only: bool = False,
    progress=None,
    on_media=None,
    video_label: str | None = None,
    extra: dict | None = None,
    encoded: tuple | None = None,
    protect: tuple = (),
) -> dict:
    """Summarizes one video into `out_dir` (a folder, or one already open as a `vsum.io_utils.FolderHandle`) under
    output name `name` (default: its stem; [`output_paths`]).

    Writes the highlight reel and the saliency plot (unless `json_only`), the chapters (`chapters`: one caption per
    segment, WebVTT, see `vsum.chapters`), the cut list (`cutlist="otio"`) and the JSON, all first into a private
    folder, then moved in as one set (module docstring, "Writing"): a failure or Ctrl-C leaves the previous set
    whole. Of the earlier summary of this name, only the outputs it recorded are replaced or, when not written
    again, removed; a foreign file at a wanted name, the video itself or a file in `protect` (e.g. the other inputs
    of a batch) at a wanted name refuses the video (`ValueError`, one line) before anything is computed, and again
    just before the files are moved in. `max_seconds` selects segments by reel budget instead of `ratio`;
    `min_segment` merges or drops short segments (`vsum.budget`); `segments="shots"` makes the segments whole shots
    ([`apply_selection`]; `min_segment` is then the shortest shot). `max_frames` caps the sampled frames and
    `max_duration` refuses longer videos (`ValueError`). `generate_kwargs` override the model's `generation_config`
    (unset: the checkpoint's recipe). `on_media()` is called before the media are written; `video_label` replaces
    the video's path in the JSON (e.g. a server-side upload path); `extra` is merged into the JSON (e.g. `source`,
    `parameters`). `encoded` is `vsum.inference.encode_video`'s `(frame_embeds, timestamps, info)` for this file
    when already computed (e.g. by `encode_videos`); otherwise the video is decoded and encoded here, once: the
    summary, the chapters and the cut list all reuse that one pass. Callers that share `out_dir` between processes
    hold [`output_lock`] around this call. Returns the summary dict, rounded as written ([`round_summary`]).
    """
    from . import inference
    from . import video as media

    names = _output_names(Path(video).stem if name is None else name)
    wanted = ["json"] + ([] if json_only else ["highlights", "plot"])
    wanted += ["chapters"] if chapters else []
    wanted += ["cutlist"] if cutlist else []
    inputs = _identities([video, *protect])
    with contextlib.ExitStack() as stack:
        folder = out_dir if isinstance(out_dir, FolderHandle) else stack.enter_context(FolderHandle(out_dir))
        _check_owner(video, folder, names, wanted, inputs)  # before any work: a refused video costs nothing
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
        if segments not in SEGMENT_MODES:  # checked before the media are written, whatever the caller
            raise ValueError(f"segments must be one of {', '.join(SEGMENT_MODES)}, got {segments!r}")
        apply_selection(
            summary, max_seconds=max_seconds, min_segment=min_segment, segments=segments, features=frame_embeds
        )
        summary = round_summary(summary)
        summary["segments"] = [[s, e] for s, e in summary["segments"] if e > s]  # nothing of zero length after rounding
        staging = stack.enter_context(folder.staging(prefix="vsum-"))
        if chapters:
            from .chapters import add_chapters, write_webvtt

            chapter_start = time.perf_counter()
            add_chapters(summary, model, processor, frame_embeds=frame_embeds)  # the features above: no second decode
            write_webvtt(summary["chapters"], staging.fs_path(names["chapters"]))
            summary["timings"]["chapters_s"] = time.perf_counter() - chapter_start
        if not json_only:
            if on_media is not None:
                on_media()
            media_start = time.perf_counter()
            highlights = staging.fs_path(names["highlights"])
            summary["highlights_duration"] = media.write_highlights(video, summary["segments"], highlights)
            media.plot_saliency(summary, staging.fs_path(names["plot"]), video=video)
            summary["timings"]["media_s"] = time.perf_counter() - media_start
        if cutlist:
            rate = float(info.average_fps or summary["fps"])  # the probe made while encoding: not probed again
            media.write_cutlist(
                summary["segments"],
                video,
                staging.fs_path(names["cutlist"]),
                rate=rate,
                duration=summary["duration"],
                audio=info.has_audio,
            )
            summary["frame_rate"] = rate
        summary["timings"]["wall_s"] = time.perf_counter() - started
        if video_label is not None:
            summary["video"] = video_label
        summary["outputs"] = {kind: names[kind] for kind in wanted if kind != "json"}
        summary.update(extra or {})
        summary = round_summary(summary)
        atomic_write_json(staging.fs_path(names["json"]), summary)
        # The set moves in whole: no JSON describes a half-replaced set (the old one goes first, the new one last).
        with _interrupts_deferred():
            record, owned = _check_owner(video, folder, names, wanted, inputs)  # anything new since the start?
            if record is not None:
                folder.unlink(names["json"])
            for kind in wanted[1:]:
                folder.move_in(staging, names[kind])
            for kind, file_name in owned.items():
                if kind not in wanted:
                    folder.unlink(file_name)
            folder.move_in(staging, names["json"])
    return summary


def _is_done(record: dict | None, owned: dict[str, str], source: dict, parameters: dict, wanted: list[str]) -> bool:
    if not record or record.get("source") != source or record.get("parameters") != parameters:
        return False
    return all(kind == "json" or kind in owned for kind in wanted)


def _parameters(model_name: str, summary_ratio: float, default_fps: float, dtype: str, **settings) -> dict:
    """The `parameters` recorded in each JSON (what "already done" compares); `ratio` is `None` under a budget."""
    ratio, fps = settings.pop("ratio"), settings.pop("fps")
    parameters = {
        "model": model_name or None,
        "model_fingerprint": model_fingerprint(model_name),
        "ratio": None if settings["max_seconds"] is not None else float(summary_ratio if ratio is None else ratio),
        "fps": float(default_fps if fps is None else fps),
        "num_beams": settings["num_beams"],
        "max_frames": settings["max_frames"],
        "max_seconds": settings["max_seconds"],
        "min_segment": settings["min_segment"],
        "chapters": settings["chapters"],
        "dtype": dtype,  # bf16 scores differ slightly
    }
    if settings.get("segments", "frames") != "frames":
        # Only when not the default: the summaries written before `--segments` existed stay "already done".
        parameters["segments"] = settings["segments"]
    return round_summary(parameters)


def _checkpoint_defaults(model_name: str) -> tuple[float, float] | None:
    """`(summary_ratio, fps)` a local vsum checkpoint folder's model and processor will have, read from its
    `config.json` and `processor_config.json` without loading anything; `None` when they cannot be known so."""
    if not model_name or not os.path.isdir(model_name):
        return None
    try:
        with open(os.path.join(model_name, "config.json"), encoding="utf-8") as handle:
            config = json.load(handle)
        with open(os.path.join(model_name, "processor_config.json"), encoding="utf-8") as handle:
            video_processor = json.load(handle).get("video_processor") or {}
        if config.get("model_type") != "vsum":
            return None
        return float(config["summary_ratio"]), float(video_processor["fps"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


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
    segments: str = "frames",
    chapters: bool = False,
    cutlist: str | None = None,
    json_only: bool = False,
    num_workers: int | None = None,
    progress: bool = True,
    verbose: bool = False,
    log: Callable[[str], None] = print,
    load_model: Callable[[], tuple] | None = None,
    dtype: str | None = None,
) -> BatchReport:
    """Summarizes `videos` into `out_dir` ([`summarize_to_files`]), skipping those already done with the same
    source, model and parameters (see the module docstring), locking each output name. A failing video, whatever
    the exception, is reported (`report.failed`, one line on stderr) and the others go on; only `KeyboardInterrupt`
    (and other `BaseException`s) stop the batch, leaving every video's previous set whole.

    The model may be loaded lazily: pass `model=None, processor=None`, `load_model()` returning `(model, processor)`
    and `dtype`, the name of the dtype the loaded model will have (`"float32"`, ...). The "already done" check then
    reads only the checkpoint's `config.json` and `processor_config.json` (a local vsum folder), and the model is
    loaded only if a video needs computing (for other checkpoints it is loaded first).

    `num_beams=None` keeps the model's `generation_config`. When more than one video needs computing, they are
    decoded by `vsum.inference.encode_videos` in `num_workers` processes (default: from the core count; `0`: in this
    process) while the model summarizes the ones already decoded; the results are the same as one by one. The
    already-done check comes before any decoding and again, under the output lock, before writing. Every input video
    is protected: none is ever replaced by another video's output.
    """
    from tqdm.auto import tqdm

    if model is None and load_model is None:
        raise ValueError("summarize_many needs a model or load_model")
    if segments not in SEGMENT_MODES:
        raise ValueError(f"segments must be one of {', '.join(SEGMENT_MODES)}, got {segments!r}")
    settings = dict(
        ratio=ratio,
        fps=fps,
        num_beams=num_beams,
        max_frames=max_frames,
        max_seconds=max_seconds,
        min_segment=min_segment,
        segments=segments,
        chapters=chapters,
    )

    def loaded_parameters() -> dict:
        model_dtype = str(next(model.parameters()).dtype).removeprefix("torch.")
        name = model_name or getattr(model.config, "_name_or_path", "")
        return _parameters(name, model.config.summary_ratio, processor.video_processor.fps, model_dtype, **settings)

    defaults = _checkpoint_defaults(model_name) if model is None and dtype is not None else None
    if model is None and defaults is None:  # the parameters are only known from the loaded model
        model, processor = load_model()
    parameters = loaded_parameters() if model is not None else _parameters(model_name, *defaults, dtype, **settings)
    generate_kwargs = {} if num_beams is None else {"num_beams": num_beams}
    wanted = ["json"] + ([] if json_only else ["highlights", "plot"])
    wanted += (["chapters"] if chapters else []) + (["cutlist"] if cutlist else [])
    inputs = _identities(videos)
    report = BatchReport()

    def fail(video: Path, error: BaseException | str) -> None:
        if isinstance(error, BaseException) and not isinstance(error, (ValueError, OSError)):
            # An unexpected failure (a bug somewhere): its type says more than its message; -v logs the traceback.
            logger.info("%s failed", _shown(video), exc_info=error)
            error = f"{type(error).__name__}: {error}"
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        if not message.startswith(str(video)):
            message = f"{video}: {message}"
        report.failed[str(video)] = message
        print(f"vsum: error: {_shown(message)}", file=sys.stderr)

    def done_already(video: Path, source: dict, names: dict[str, str]) -> bool:
        record, status = _read_record(folder, names["json"])
        owned = _owned_outputs(folder, names, record, status) if record else {}
        return _is_done(record, owned, source, parameters, wanted)

    def skipped(video: Path, names: dict[str, str]) -> None:
        report.skipped.append(str(video))
        report.outputs[str(video)] = str(folder.shown(names["json"]))
        log(_shown(f"{video}: already summarized with these settings ({folder.shown(names['json'])}), skipped"))

    def summarize_one(video: Path, source: dict, claimed: set[str], encoded=None, on_progress=None) -> None:
        """Locks the output name, checks "already done" again (another process may have finished it), writes."""
        with contextlib.ExitStack() as stack:
            name = _claim_name(video, source, folder, claimed, stack, log, wanted, inputs)
            names = _output_names(name)
            if done_already(video, source, names):
                skipped(video, names)
                return
            summary = summarize_to_files(
                video,
                model,
                processor,
                folder,
                name=name,
                model_name=model_name,
                ratio=ratio,
                fps=fps,
                max_frames=max_frames,
                max_duration=max_duration,
                generate_kwargs=generate_kwargs,
                max_seconds=max_seconds,
                min_segment=min_segment,
                segments=segments,
                chapters=chapters,
                cutlist=cutlist,
                json_only=json_only,
                progress=on_progress,
                extra={"source": source, "parameters": parameters},
                encoded=encoded,
                protect=tuple(videos),
            )
        report.done.append(str(video))
        report.outputs[str(video)] = str(folder.shown(names["json"]))
        log(_shown(f"{video}: {summary['text']}\n  -> {folder.shown(names['json'])}"))
        if verbose:
            spans = ", ".join(f"{start:.1f}-{end:.1f}s" for start, end in summary["segments"])
            log(f"  segments: {spans}")
            for chapter in summary.get("chapters", []):
                log(f"  chapter {chapter['start']:.1f}-{chapter['end']:.1f}s: {chapter['title']}")
            log(f"  timings: {json.dumps(summary['timings'])}")

    folder = FolderHandle(out_dir)
    try:
        # 1. What is already done is skipped before anything is decoded or loaded (names claimed in input order, as
        # below). The "skipped" lines wait until the parameters are known to be the loaded model's.
        def check(videos: list[Path]) -> tuple[list[tuple[Path, dict, str]], list[tuple[Path, dict[str, str]]]]:
            todo, done, claimed = [], [], set()
            for video in videos:
                try:
                    source = source_record(video)
                    with contextlib.ExitStack() as stack:
                        names = _output_names(_claim_name(video, source, folder, claimed, stack, log, wanted, inputs))
                        if done_already(video, source, names):
                            done.append((video, names))
                        else:
                            todo.append((video, source, names["json"].removesuffix(OUTPUT_SUFFIXES["json"])))
                except Exception as error:  # noqa: BLE001  (any failure is this video's alone)
                    fail(video, error)
            return todo, done

        todo, done = check(videos)
        if todo and model is None:
            model, processor = load_model()
            if loaded_parameters() != parameters:  # not as the checkpoint's files said: check again, exactly
                logger.warning("the loaded model's parameters differ from its files'; checking the outputs again")
                parameters = loaded_parameters()
                report.failed.clear()
                todo, done = check(videos)
        for video, names in done:
            skipped(video, names)

        # 2. The rest: one video is decoded here with a progress bar; several are decoded in parallel by
        # encode_videos.
        claimed: set[str] = set()
        if len(todo) == 1:
            video, source, _ = todo[0]
            bar = None
            if progress:  # started before decoding: its clock (and so its rate) counts the first chunk's time too
                bar = tqdm(total=None, unit="frame", desc=video.name, leave=False, dynamic_ncols=True, delay=0.5)

            def on_progress(done, total):
                if bar is not None:
                    bar.total = total
                    bar.update(done - bar.n)
                    if done >= total:
                        bar.close()  # decoded: the bar goes before the summary's lines are printed

            try:
                summarize_one(video, source, claimed, on_progress=on_progress)
            except Exception as error:  # noqa: BLE001
                fail(video, error)
            finally:
                if bar is not None:
                    bar.close()
        elif todo:
            from .inference import encode_videos  # (imports transformers and torchvision: not for a done rerun)

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
                    except Exception as error:  # noqa: BLE001
                        fail(video, error)
                    bar.update(1)
            finally:
                bar.close()
                results.close()  # stops the decoding workers, also after an interruption
    finally:
        folder.close()
    return report


def _claim_name(
    video: Path, source: dict, folder: FolderHandle, claimed: set[str], stack, log, wanted: list[str], inputs: set
) -> str:
    """The output name for `video` (module docstring), locked on `stack`: the stem when free (no summary of another
    file there, no foreign entry at a wanted file's name) or already this source's, else `<stem>-<hash of the
    path>`. A name holding this source's summary is kept even when a foreign entry blocks a wanted file: then
    `ValueError` (the video's summary does not move to another name)."""
    stem = video.stem
    candidates = (stem, f"{stem}-{_path_hash(source['path'])}")
    for name in candidates:
        if name in claimed:
            continue
        lock = contextlib.ExitStack()
        lock.enter_context(
            output_lock(
                folder.path,
                name,
                on_wait=lambda name=name: log(_shown(f"{video}: waiting for another vsum on {name}")),
                dir_fd=folder.fd,
            )
        )
        try:
            names = _output_names(name)
            record, status = _read_record(folder, names["json"])
            if record is None or (record.get("source") or {}).get("path") == source["path"]:
                owned = _owned_outputs(folder, names, record, status) if record else {}
                if not _foreign_entries(folder, names, wanted, owned, inputs):
                    claimed.add(name)
                    stack.enter_context(lock.pop_all())
                    return name
                if record:
                    _check_owner(video, folder, names, wanted, inputs)  # raises, naming the foreign entry
        finally:
            lock.close()  # another file's summary or a foreign entry: leave it alone
    raise ValueError(
        f"{video}: no free output name in {folder.path} ({' and '.join(repr(c) for c in candidates)} are taken by "
        "other files)"
    )


__all__ = [
    "BatchReport",
    "FolderHandle",
    "OUTPUT_SUFFIXES",
    "SEGMENT_MODES",
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

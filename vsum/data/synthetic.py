# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""SynthXum: a tiny synthetic dataset in the exact layout of VideoXum, with real video files.

SynthXum lets the whole pipeline (decoding, the dataset builder, training, evaluation, the ``vsum`` command) run
offline in seconds. :func:`make_synthxum` writes

```
out_dir/
├── train_videoxum.json   # same records, fields, types and nesting as the official VideoXum files
├── val_videoxum.json
├── test_videoxum.json
├── synthxum_info.json    # what this dataset is: name, generator arguments, split sizes (for dataset cards)
└── videos/<video_id>.mp4 # H.264 (or MPEG-4 part 2), yuv420p, no audio
```

**Content.** A video lasts ``min_duration``-``max_duration`` seconds and has 2-4 consecutive segments. In each
segment a coloured shape (circle, square, triangle, diamond; red, green, blue, yellow, purple, orange) moves in one
direction (left, right, up, down) over a dark plain background, and its ``tsum`` sentence says what is visible, e.g.
``"A red circle moves to the left."`` then ``"Then a blue square slides up."`` (capitalised, with a period, like
ActivityNet Captions, so the cleaning of :func:`vsum.data.text.build_text_summary` matters).

**Salient moments.** Each segment has one ground-truth key moment, a run of whole seconds (1-fps frames) inside the
segment; together they cover about ``summary_fraction`` (15 %) of the 1-fps frames. During a key moment the
background flashes near-white and the shape doubles in size, a strong global change that a tiny frozen random ViT
sees at 32x32 pixels.

**Annotators.** Ten simulated annotators select, for each segment, one ``[start, end]`` span in seconds
(``vsum[segment][annotator]``, as in VideoXum): the key moment with per-annotator boundary jitter (each annotator
has its own noise level), sometimes one frame added or dropped at an edge, and occasionally (in about 30 % of the
videos) one sloppy annotator who marks a random span of the segment instead. ``vsum_onehot[annotator][i]`` is 1
exactly when the centre ``i + 0.5`` s of the 1-fps frame ``i`` lies in one of the annotator's spans
(``start <= i + 0.5 < end``, see :func:`spans_to_onehot`), so ``vsum`` and ``vsum_onehot`` agree.

**Frames and durations.** A video has ``round(d * video_fps)`` frames for a drawn duration ``d``; ``duration`` is
the actual duration ``num_video_frames / video_fps`` and ``sampled_frames = ceil(duration)``, the number of 1-fps
frames at ``t = 0, 1, 2, ...`` s (VideoXum: ``duration`` 82.73 -> ``sampled_frames`` 83).

Generation is deterministic: the same arguments give identical JSON files (and, with the same PyAV/FFmpeg build,
identical video bytes). Video ``i`` depends only on ``(seed, i)``.
"""

from __future__ import annotations

import logging
import math
import os
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..constants import SPLIT_FILES
from ..io_utils import atomic_path, atomic_write_json


__all__ = [
    "SPLIT_FILES",
    "SYNTHXUM_COLORS",
    "SYNTHXUM_DESCRIPTION",
    "SYNTHXUM_INFO_FILENAME",
    "SYNTHXUM_DIRECTIONS",
    "SYNTHXUM_SHAPES",
    "SYNTHXUM_WORDS",
    "SynthXumResult",
    "make_synthxum",
    "spans_to_onehot",
]

logger = logging.getLogger(__name__)

#: Written next to the annotation files by :func:`make_synthxum`; its presence marks a folder as SynthXum (dataset
#: cards, ``scripts/prepare_videoxum.py``). Keys: ``name`` ("SynthXum"), ``generator``, ``format_version``,
#: ``split_sizes``, ``num_videos``, ``total_duration`` and the generator arguments (``seed``, ``size``, ...).
SYNTHXUM_INFO_FILENAME = "synthxum_info.json"
SYNTHXUM_DESCRIPTION = """\
SynthXum is a synthetic dataset in the exact layout of VideoXum, generated offline by `vsum.data.make_synthxum`
(vsum-la): short videos in which coloured shapes move over a plain background, one caption per segment, and one
salient moment per segment (the background flashes and the shape doubles in size) marked by ten simulated
annotators. It exists to test and demonstrate the pipeline end to end; it contains no real-world content.
"""

# name -> RGB. None of them is close to the dark backgrounds or the near-white flash.
SYNTHXUM_COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 190, 60),
    "blue": (50, 90, 235),
    "yellow": (235, 215, 40),
    "purple": (150, 50, 200),
    "orange": (245, 135, 25),
}
SYNTHXUM_SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "diamond")
# direction -> (unit motion along x, unit motion along y) in image coordinates (y grows downwards).
SYNTHXUM_DIRECTIONS: dict[str, tuple[int, int]] = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
_DIRECTION_PHRASES = {"left": "to the left", "right": "to the right", "up": "up", "down": "down"}
_VERBS = ("moves", "slides")
_FIRST_OPENER = "A"
_NEXT_OPENERS = ("Then a", "After that a", "Next a")
_LAST_OPENER = "Finally a"

#: Every word a SynthXum sentence can contain after cleaning with `build_text_summary` (lower case, sorted); use
#: it to build a tiny WordPiece vocabulary that covers the synthetic text summaries.
SYNTHXUM_WORDS: tuple[str, ...] = tuple(
    sorted(
        {
            *SYNTHXUM_COLORS,
            *SYNTHXUM_SHAPES,
            *_VERBS,
            *(word for phrase in _DIRECTION_PHRASES.values() for word in phrase.split()),
            *(word.lower() for opener in (_FIRST_OPENER, *_NEXT_OPENERS, _LAST_OPENER) for word in opener.split()),
        }
    )
)

_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
_BACKGROUND_RANGE = (10, 70)  # dark plain backgrounds, one per segment
_FLASH_BACKGROUND = (235, 235, 235)  # the key-moment flash
_SLOPPY_VIDEO_PROBABILITY = 0.3
_EDGE_FRAME_PROBABILITY = 0.15


@dataclass
class SynthXumResult:
    """What :func:`make_synthxum` wrote.

    Attributes:
        out_dir (`Path`): The dataset folder (holds the three ``*_videoxum.json`` files).
        video_dir (`Path`): The folder of the ``<video_id>.mp4`` files.
        split_sizes (`dict[str, int]`): Number of videos per split (``train``, ``validation``, ``test``).
        codec (`str`): The video encoder used.
        total_duration (`float`): Sum of the video durations, in seconds.
        annotation_files (`dict[str, Path]`): The JSON file of each split.
    """

    out_dir: Path
    video_dir: Path
    split_sizes: dict[str, int]
    codec: str
    total_duration: float
    annotation_files: dict[str, Path] = field(default_factory=dict)

    @property
    def num_videos(self) -> int:
        return sum(self.split_sizes.values())


def spans_to_onehot(spans: Sequence[Sequence[float]], num_frames: int) -> np.ndarray:
    """Turn ``[start, end]`` spans in seconds into a 1-fps one-hot vector (SynthXum's rule).

    Frame ``i`` (the 1-fps frame at ``t = i`` s, standing for the second ``[i, i + 1)``) is selected when its centre
    lies in a span: ``start <= i + 0.5 < end``.

    Args:
        spans (`Sequence[Sequence[float]]`): ``[start, end]`` pairs in seconds.
        num_frames (`int`): Number of 1-fps frames ``T``.

    Returns:
        `np.ndarray`: A ``(num_frames,)`` uint8 array of 0/1.
    """
    onehot = np.zeros(num_frames, dtype=np.uint8)
    centres = np.arange(num_frames) + 0.5
    for span in spans:
        if len(span) != 2:
            raise ValueError(f"A span must be [start, end], got {span!r}")
        start, end = float(span[0]), float(span[1])
        onehot[(centres >= start) & (centres < end)] = 1
    return onehot


def _pick_codec(codec: str | None) -> str:
    import av

    candidates = [codec] if codec is not None else ["libx264", "h264", "mpeg4"]
    for name in candidates:
        try:
            av.Codec(name, "w")
        except Exception as error:  # PyAV raises several types for an unknown or decoder-only codec
            if codec is not None:
                raise ValueError(f"The video encoder {codec!r} is not available in this PyAV build: {error}") from error
            continue
        return name
    raise ValueError(f"None of the video encoders {candidates} is available in this PyAV build")


def _video_id(rng: np.random.Generator) -> str:
    return "v_" + "".join(_ID_ALPHABET[i] for i in rng.integers(0, len(_ID_ALPHABET), size=11))


def _allocate(total: int, weights: Sequence[float], minimum: Sequence[int], maximum: Sequence[int]) -> list[int]:
    """Split `total` into integers proportional to `weights`, within [minimum, maximum] (largest remainder)."""
    weights = np.asarray(weights, dtype=np.float64)
    exact = total * weights / weights.sum()
    counts = np.clip(np.floor(exact).astype(int), minimum, maximum)
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    while counts.sum() < total:
        grown = False
        for index in order:
            if counts.sum() >= total:
                break
            if counts[index] < maximum[index]:
                counts[index] += 1
                grown = True
        if not grown:
            break
    while counts.sum() > total:
        shrunk = False
        for index in order[::-1]:
            if counts.sum() <= total:
                break
            if counts[index] > minimum[index]:
                counts[index] -= 1
                shrunk = True
        if not shrunk:
            break
    return counts.tolist()


def _sentence(position: int, num_segments: int, color: str, shape: str, verb: str, direction: str, rng) -> str:
    if position == 0:
        opener = _FIRST_OPENER
    elif position == num_segments - 1 and num_segments > 2:
        opener = _LAST_OPENER
    else:
        opener = _NEXT_OPENERS[int(rng.integers(len(_NEXT_OPENERS)))]
    return f"{opener} {color} {shape} {verb} {_DIRECTION_PHRASES[direction]}."


def _design_video(
    rng: np.random.Generator,
    *,
    min_duration: float,
    max_duration: float,
    video_fps: int,
    num_annotators: int,
    summary_fraction: float,
    annotator_sigmas: np.ndarray,
) -> dict[str, Any]:
    """Draw everything about one video: durations, segments, key moments, sentences and annotations."""
    num_video_frames = max(1, int(round(rng.uniform(min_duration, max_duration) * video_fps)))
    duration = num_video_frames / video_fps
    num_frames = math.ceil(duration - 1e-9)  # 1-fps frames at t = 0, 1, ..., all < duration

    # Segments: consecutive, cut at whole seconds, at least 2 s long; at most as many segments as key-moment frames.
    budget = max(1, int(round(summary_fraction * num_frames)))
    max_segments = max(2, min(4, budget, num_frames // 3))
    num_segments = int(rng.integers(2, max_segments + 1))
    possible_cuts = np.arange(2, num_frames - 1)
    while True:
        cuts = np.sort(rng.choice(possible_cuts, size=num_segments - 1, replace=False))
        bounds = np.concatenate([[0], cuts, [num_frames]])
        if np.all(np.diff(bounds) >= 2):
            break
    seg_starts = bounds[:-1].astype(float)
    seg_ends = np.append(bounds[1:-1], duration).astype(float)
    # Whole 1-fps bins [b, b + 1) that lie fully inside each segment.
    seg_bins = [(int(bounds[k]), int(math.floor(seg_ends[k] + 1e-9))) for k in range(num_segments)]

    # Key moments: `budget` whole seconds split over the segments, >= 1 each, never the whole segment.
    lengths = [hi - lo for lo, hi in seg_bins]
    key_lengths = _allocate(max(budget, num_segments), lengths, [1] * num_segments, [max(1, n - 1) for n in lengths])
    key_spans = []
    for (lo, hi), length in zip(seg_bins, key_lengths):
        start = int(rng.integers(lo, hi - length + 1))
        key_spans.append((start, start + length))

    # What is visible, and the sentences.
    colors, shapes = list(SYNTHXUM_COLORS), list(SYNTHXUM_SHAPES)
    directions = list(SYNTHXUM_DIRECTIONS)
    segments, tsum = [], []
    previous = None
    for k in range(num_segments):
        while True:
            content = (
                colors[int(rng.integers(len(colors)))],
                shapes[int(rng.integers(len(shapes)))],
                directions[int(rng.integers(len(directions)))],
            )
            if content != previous:
                break
        previous = content
        color, shape, direction = content
        verb = _VERBS[int(rng.integers(len(_VERBS)))]
        tsum.append(_sentence(k, num_segments, color, shape, verb, direction, rng))
        segments.append(
            {
                "color": SYNTHXUM_COLORS[color],
                "shape": shape,
                "direction": SYNTHXUM_DIRECTIONS[direction],
                "background": tuple(int(v) for v in rng.integers(*_BACKGROUND_RANGE, size=3)),
                "cross_position": float(rng.uniform(0.3, 0.7)),
            }
        )

    # Annotators: one span per segment each.
    sloppy = int(rng.integers(num_annotators)) if rng.random() < _SLOPPY_VIDEO_PROBABILITY else -1
    vsum = []
    onehot = np.zeros((num_annotators, num_frames), dtype=np.uint8)
    for k in range(num_segments):
        seg_lo, seg_hi = seg_starts[k], seg_ends[k]
        key_start, key_end = key_spans[k]
        per_annotator = []
        for a in range(num_annotators):
            if a == sloppy:
                length = key_end - key_start
                start = rng.uniform(seg_lo, max(seg_lo, seg_hi - length))
                end = start + length + rng.normal(0.0, 0.5)
            else:
                start = key_start + rng.normal(0.0, annotator_sigmas[a])
                end = key_end + rng.normal(0.0, annotator_sigmas[a])
                if rng.random() < _EDGE_FRAME_PROBABILITY:  # add or drop one frame at one edge
                    delta = float(rng.choice([-1.0, 1.0]))
                    if rng.random() < 0.5:
                        start -= delta
                    else:
                        end += delta
            start, end = round(float(np.clip(start, seg_lo, seg_hi)), 2), round(float(np.clip(end, seg_lo, seg_hi)), 2)
            if end < start:
                start, end = end, start
            if not spans_to_onehot([[start, end]], num_frames).any():
                # Too short to hold the centre of a 1-fps frame: snap to the frame nearest to its middle.
                lo, hi = seg_bins[k][0], max(seg_bins[k][0], seg_bins[k][1] - 1)
                centre_bin = int(np.clip(math.floor((start + end) / 2), lo, hi))
                start, end = float(centre_bin), float(centre_bin + 1)
            per_annotator.append([start, end])
            onehot[a] |= spans_to_onehot([[start, end]], num_frames)
        vsum.append(per_annotator)

    return {
        "num_video_frames": num_video_frames,
        "duration": duration,
        "num_frames": num_frames,
        "timestamps": [[round(float(s), 2), round(float(e), 2)] for s, e in zip(seg_starts, seg_ends)],
        "tsum": tsum,
        "vsum": vsum,
        "vsum_onehot": onehot,
        "segments": segments,
        "segment_bounds": list(zip(seg_starts.tolist(), seg_ends.tolist())),
        "key_spans": key_spans,
    }


def _render_frames(design: dict[str, Any], size: int, video_fps: int):
    """Yield the (size, size, 3) uint8 RGB frames of a designed video."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    seg_bounds = design["segment_bounds"]
    for j in range(design["num_video_frames"]):
        t = j / video_fps
        k = next((i for i, (_, end) in enumerate(seg_bounds) if t < end), len(seg_bounds) - 1)
        seg_start, seg_end = seg_bounds[k]
        seg = design["segments"][k]
        key_start, key_end = design["key_spans"][k]
        salient = key_start <= t < key_end

        progress = (t - seg_start) / max(seg_end - seg_start, 1e-6)
        along = (0.2 + 0.6 * progress) * size
        cross = seg["cross_position"] * size
        dx, dy = seg["direction"]
        if dx != 0:
            cx, cy = (along if dx > 0 else size - along), cross
        else:
            cx, cy = cross, (along if dy > 0 else size - along)
        radius = size * (0.3 if salient else 0.15)

        ax, ay = np.abs(xx - cx), np.abs(yy - cy)
        shape = seg["shape"]
        if shape == "circle":
            mask = ax**2 + ay**2 <= radius**2
        elif shape == "square":
            mask = (ax <= radius * 0.85) & (ay <= radius * 0.85)
        elif shape == "diamond":
            mask = ax + ay <= radius * 1.2
        else:  # triangle, apex up
            mask = (yy - cy <= radius) & (yy - cy >= -radius) & (ax <= (yy - (cy - radius)) / 2)
        frame = np.empty((size, size, 3), dtype=np.uint8)
        frame[:] = _FLASH_BACKGROUND if salient else seg["background"]
        frame[mask] = seg["color"]
        yield frame


def _encode_video(frames, path: Path, *, size: int, video_fps: int, codec: str) -> None:
    """Encode RGB frames to an mp4 file, written under a temporary name and renamed when complete."""
    import av

    with atomic_path(path) as tmp_path, av.open(tmp_path, mode="w", format="mp4") as container:
        options = {"crf": "28", "preset": "veryfast", "threads": "1"} if codec in ("libx264", "h264") else {}
        stream = container.add_stream(codec, rate=video_fps, options=options)
        stream.width = size
        stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = 2 * video_fps
        if codec not in ("libx264", "h264"):
            stream.codec_context.bit_rate = 40_000 * max(1, size // 32) ** 2
        for array in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _write_json(obj: Any, path: Path) -> None:
    atomic_write_json(path, obj, indent=None, allow_nan=False)


def _split_sizes(
    num_videos: int, split_fractions: Sequence[float] | None, split_sizes: Sequence[int] | None
) -> dict[str, int]:
    names = list(SPLIT_FILES)
    if split_sizes is not None:
        if len(split_sizes) != 3 or any(int(n) != n or n < 0 for n in split_sizes):
            raise ValueError(f"`split_sizes` must be three non-negative integers (train, val, test), got {split_sizes}")
        if sum(split_sizes) != num_videos:
            raise ValueError(
                f"`split_sizes` {tuple(split_sizes)} sum to {sum(split_sizes)}, not num_videos={num_videos}"
            )
        return dict(zip(names, (int(n) for n in split_sizes)))
    if split_fractions is None or len(split_fractions) != 3 or any(f < 0 for f in split_fractions):
        raise ValueError(
            f"`split_fractions` must be three non-negative numbers (train, val, test), got {split_fractions}"
        )
    if not math.isclose(sum(split_fractions), 1.0, abs_tol=1e-6):
        raise ValueError(f"`split_fractions` must sum to 1, got {tuple(split_fractions)} (sum {sum(split_fractions)})")
    wanted = sum(1 for f in split_fractions if f > 0)
    if num_videos < wanted:
        raise ValueError(f"num_videos={num_videos} is too small for {wanted} non-empty splits {tuple(split_fractions)}")
    sizes = _allocate(num_videos, split_fractions, [1 if f > 0 else 0 for f in split_fractions], [num_videos] * 3)
    return dict(zip(names, sizes))


def make_synthxum(
    out_dir: str | os.PathLike,
    num_videos: int = 30,
    *,
    seed: int = 0,
    min_duration: float = 20.0,
    max_duration: float = 120.0,
    size: int = 64,
    video_fps: int = 8,
    split_fractions: Sequence[float] | None = (0.6, 0.2, 0.2),
    split_sizes: Sequence[int] | None = None,
    num_annotators: int = 10,
    summary_fraction: float = 0.15,
    codec: str | None = None,
    overwrite: bool = False,
) -> SynthXumResult:
    """Write a SynthXum dataset: real mp4 videos plus ``{train,val,test}_videoxum.json`` in VideoXum's layout.

    See the module docstring for what the videos show and how the annotations are simulated.

    Args:
        out_dir (`str` or `os.PathLike`):
            Output folder (created if needed). Videos go to ``out_dir/videos/<video_id>.mp4``.
        num_videos (`int`, *optional*, defaults to 30):
            Total number of videos over the three splits.
        seed (`int`, *optional*, defaults to 0):
            Random seed; the same arguments give identical JSON files.
        min_duration (`float`, *optional*, defaults to 20.0):
            Shortest video duration in seconds (at least 6).
        max_duration (`float`, *optional*, defaults to 120.0):
            Longest video duration in seconds.
        size (`int`, *optional*, defaults to 64):
            Frame width and height in pixels (even, at least 16).
        video_fps (`int`, *optional*, defaults to 8):
            Frame rate of the encoded videos.
        split_fractions (`Sequence[float]`, *optional*, defaults to ``(0.6, 0.2, 0.2)``):
            Fractions of the videos in train / val / test (every split with a positive fraction gets at least one
            video). Ignored when `split_sizes` is given.
        split_sizes (`Sequence[int]`, *optional*):
            Explicit numbers of train / val / test videos, summing to `num_videos`.
        num_annotators (`int`, *optional*, defaults to 10):
            Number of simulated annotators (VideoXum has 10).
        summary_fraction (`float`, *optional*, defaults to 0.15):
            Fraction of the 1-fps frames covered by the key moments (each segment has at least one key frame).
        codec (`str`, *optional*):
            Video encoder; by default the first available of ``libx264``, ``h264``, ``mpeg4``.
        overwrite (`bool`, *optional*, defaults to `False`):
            Replace existing ``*_videoxum.json`` files in `out_dir` instead of raising.

    Returns:
        [`SynthXumResult`]: Paths, split sizes, encoder and total duration.

    Raises:
        `ValueError`: For invalid arguments, or when `out_dir` already holds a dataset and `overwrite` is `False`.
    """
    if int(num_videos) != num_videos or num_videos < 1:
        raise ValueError(f"`num_videos` must be a positive integer, got {num_videos!r}")
    if not 6 <= min_duration <= max_duration:
        raise ValueError(
            f"Durations must satisfy 6 <= min_duration <= max_duration, got min_duration={min_duration}, "
            f"max_duration={max_duration}"
        )
    if int(size) != size or size < 16 or size % 2:
        raise ValueError(f"`size` must be an even integer >= 16 (yuv420p needs even sizes), got {size!r}")
    if int(video_fps) != video_fps or not 1 <= video_fps <= 60:
        raise ValueError(f"`video_fps` must be an integer in [1, 60], got {video_fps!r}")
    if int(num_annotators) != num_annotators or num_annotators < 1:
        raise ValueError(f"`num_annotators` must be a positive integer, got {num_annotators!r}")
    if not 0.0 < summary_fraction < 1.0:
        raise ValueError(f"`summary_fraction` must be in (0, 1), got {summary_fraction!r}")
    sizes = _split_sizes(int(num_videos), split_fractions, split_sizes)
    codec = _pick_codec(codec)

    out_dir = Path(out_dir)
    annotation_files = {split: out_dir / filename for split, filename in SPLIT_FILES.items()}
    existing = [str(path) for path in annotation_files.values() if path.exists()]
    if existing and not overwrite:
        raise ValueError(
            f"{out_dir} already holds a dataset ({', '.join(existing)}); pass overwrite=True to replace it"
        )
    video_dir = out_dir / "videos"
    video_dir.mkdir(parents=True, exist_ok=True)

    # Annotator profiles are shared by all videos of a dataset: each annotator has its own boundary noise.
    annotator_sigmas = np.random.default_rng([seed, 2**31 - 1]).uniform(0.15, 0.6, size=num_annotators)

    records: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    total_duration = 0.0
    for index in range(int(num_videos)):
        rng = np.random.default_rng([seed, index])
        video_id = _video_id(rng)
        if video_id in seen_ids:  # 64**11 ids: never happens in practice, but never write two videos to one file
            raise ValueError(f"Duplicate synthetic video id {video_id} (seed={seed}, index={index})")
        seen_ids.add(video_id)
        design = _design_video(
            rng,
            min_duration=min_duration,
            max_duration=max_duration,
            video_fps=int(video_fps),
            num_annotators=int(num_annotators),
            summary_fraction=summary_fraction,
            annotator_sigmas=annotator_sigmas,
        )
        _encode_video(
            _render_frames(design, int(size), int(video_fps)),
            video_dir / f"{video_id}.mp4",
            size=int(size),
            video_fps=int(video_fps),
            codec=codec,
        )
        total_duration += design["duration"]
        records.append(
            {
                "video_id": video_id,
                "duration": design["duration"],
                "sampled_frames": design["num_frames"],
                "timestamps": design["timestamps"],
                "tsum": design["tsum"],
                "vsum": design["vsum"],
                "vsum_onehot": design["vsum_onehot"].tolist(),
            }
        )

    start = 0
    for split, path in annotation_files.items():
        _write_json(records[start : start + sizes[split]], path)
        start += sizes[split]
    _write_json(
        {
            "name": "SynthXum",
            "generator": "vsum.data.make_synthxum",
            "format_version": 1,
            "num_videos": len(records),
            "split_sizes": sizes,
            "total_duration": round(total_duration, 3),
            "seed": int(seed),
            "min_duration": float(min_duration),
            "max_duration": float(max_duration),
            "size": int(size),
            "video_fps": int(video_fps),
            "num_annotators": int(num_annotators),
            "summary_fraction": float(summary_fraction),
            "codec": codec,
        },
        out_dir / SYNTHXUM_INFO_FILENAME,
    )
    if overwrite:  # videos of a previous SynthXum dataset in this folder
        for path in video_dir.glob("v_*.mp4"):
            if path.stem not in seen_ids:
                path.unlink()
    logger.info("Wrote %d SynthXum videos (%.0f s, %s) to %s", len(records), total_duration, codec, out_dir)
    return SynthXumResult(
        out_dir=out_dir,
        video_dir=video_dir,
        split_sizes=sizes,
        codec=codec,
        total_duration=total_duration,
        annotation_files=annotation_files,
    )

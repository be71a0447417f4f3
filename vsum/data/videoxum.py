# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VideoXum as a 🤗 Datasets builder, from the official annotation files and a folder of videos or features.

```python
from vsum.data import load_videoxum

ds = load_videoxum("path/to/anno", features_dir="path/to/feat/blip")  # or video_dir="path/to/activitynet/videos"
ds["train"][0]["text_summary"]
```

``data_dir`` holds the official ``train_videoxum.json``, ``val_videoxum.json`` and ``test_videoxum.json`` (splits
``train``, ``validation``, ``test``).

**What loads.** A record the official loader loads loads here, with the official length: the official code reads
``video_id``, ``duration`` (to sort), ``tsum`` and ``vsum_onehot`` (through ``np.array``, so ``true``/``false`` are
1/0), ignores ``sampled_frames``, ``timestamps`` and ``vsum``, and evaluates a video on its first ``len(features)``
frames when its (CLIP) features are shorter than its labels. So ``num_frames`` is the ``vsum_onehot`` length, cut
to the cached features' length, and these are accepted and kept as given, each kind reported in **one** logged
warning per build with its count and a few examples (and in :attr:`VideoXum.report`, ``"issues"``, see
:data:`RECORD_ISSUE_KINDS`): boolean one-hots; a ``sampled_frames`` or ``duration`` that disagrees with the labels;
negative, reversed or too late spans in ``timestamps``/``vsum``; other segment or annotator counts in ``vsum``; a
sentence count in ``tsum`` other than the timestamps'; an empty sentence; features and labels whose lengths differ
by more than ``frame_tolerance`` frames (truncated to the shorter). Differences within ``frame_tolerance`` (default
2, the real data's) are normal 1-fps rounding: counted in the report, without a per-kind warning.

**What is refused.** Values that are truly broken are a one-line `ValueError` naming the file, the ``video_id`` and
the field, and nothing is cached:

- a file that is not UTF-8 JSON, not a list, or empty (a split with no example);
- a missing field; a non-number where a number is needed (strings or ``null`` in ``vsum_onehot``, ``timestamps`` or
  ``vsum``), NaN/inf, a number beyond the column's range; a wrong nesting (a span that is not ``[start, end]``, a
  ``vsum_onehot`` that is not ``annotators x T``); a label other than 0/1; a ``tsum`` whose text summary is empty;
  a ``video_id`` that is not a plain file name, or appearing twice (in one split or in two splits);
- cached features that are unreadable, of the wrong size, or hold NaN/inf;
- with ``length_mismatch="error"`` (the earlier default), frame counts (``sampled_frames``, ``vsum_onehot``,
  features) that differ by more than ``frame_tolerance``.

Records whose video or feature file is missing raise a `ValueError` unless ``skip_missing=True``, in which case they
are skipped and reported. Nothing is dropped silently.

datasets >= 4 no longer runs loading scripts, so the builder is used as a class (`VideoXum(...)`) or through
:func:`load_videoxum`. The cache entry depends on the folders *and* on a fingerprint of their content (the JSON
bytes, names/sizes/mtimes of the video and feature files), so editing an annotation file or pointing at another
folder never returns stale data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import reprlib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np
from datasets.builder import Key
from datasets.exceptions import DatasetGenerationError

from ..constants import SPLIT_FILES, VIDEO_EXTENSIONS
from ..io_utils import atomic_write_json
from .files import FEATURES_INFO_FILENAME, FeaturesInfo, find_video, read_features_info
from .text import build_text_summary


__all__ = [
    "DEFAULT_FRAME_TOLERANCE",
    "LENGTH_FIX_KINDS",
    "LENGTH_MISMATCH_MODES",
    "RECORD_ISSUE_KINDS",
    "VIDEOXUM_CITATION",
    "VIDEOXUM_DESCRIPTION",
    "VIDEOXUM_HOMEPAGE",
    "VIDEOXUM_SPLIT_FILES",
    "VIDEO_EXTENSIONS",
    "VideoXum",
    "VideoXumConfig",
    "load_videoxum",
    "onehot_to_numpy",
]

logger = logging.getLogger(__name__)

#: Split name -> official annotation file name. A documented alias of `vsum.constants.SPLIT_FILES` (the one
#: definition), kept for code that imports it from `vsum.data`.
VIDEOXUM_SPLIT_FILES = SPLIT_FILES
#: Largest frame-count difference (1-fps frames, i.e. seconds) fixed silently-but-reported; the real data's.
DEFAULT_FRAME_TOLERANCE = 2
#: What to do with a frame-count difference beyond the tolerance: refuse it, or truncate to the shortest.
LENGTH_MISMATCH_MODES: tuple[str, ...] = ("error", "truncate")
_MAX_INT32 = 2**31 - 1  # `sampled_frames` / `num_frames` are int32 columns
#: The kinds of length fixes counted per split, each relative to ``sampled_frames``.
LENGTH_FIX_KINDS: tuple[str, ...] = ("onehot_longer", "onehot_shorter", "features_longer", "features_shorter")
#: Inconsistencies a record may have and still load (the official loader accepts or ignores them), each reported in
#: one warning per build with its count and examples, and in :attr:`VideoXum.report` (``"issues"``): kind -> what.
RECORD_ISSUE_KINDS: dict[str, str] = {
    "onehot_booleans": "hold true/false in 'vsum_onehot', read as 1/0 (as the official loader does)",
    "sampled_frames": (
        "have a 'sampled_frames' that differs from the vsum_onehot length by more than frame_tolerance: the length "
        "used is vsum_onehot's (the official loader ignores sampled_frames)"
    ),
    "frame_counts": (
        "have features and vsum_onehot lengths that differ by more than frame_tolerance: both are truncated to the "
        "shorter (as the official evaluation does with its CLIP features)"
    ),
    "duration": "have a 'duration' inconsistent with 'sampled_frames' (kept as given; the official loader sorts by it)",
    "timestamps": (
        "have negative, reversed or too late spans in 'timestamps' (kept as given; the official loader ignores them)"
    ),
    "vsum": (
        "have negative, reversed or too late spans, or other segment or annotator counts, in 'vsum' (kept as given; "
        "the official loader ignores them)"
    ),
    "tsum": (
        "have a sentence count other than the timestamps' or an empty sentence in 'tsum' (the text summary joins the "
        "sentences, as the official loader)"
    ),
}
REPORT_FILENAME = "videoxum_report.json"
_MAX_LISTED_IDS = 10
_MAX_ISSUE_EXAMPLES = 3
_REQUIRED_FIELDS = ("video_id", "duration", "sampled_frames", "timestamps", "tsum", "vsum", "vsum_onehot")

VIDEOXUM_DESCRIPTION = """\
VideoXum (Lin et al., 2023) extends ActivityNet Captions to cross-modal video summarization: 14,001 long,
open-domain videos, each with 10 annotator video summaries (key spans per caption segment, and a 1-fps one-hot
matrix) and a text summary (the segment captions). Splits: 8,000 train / 2,001 validation / 4,000 test.
"""
VIDEOXUM_CITATION = """\
@article{lin2023videoxum,
  author  = {Lin, Jingyang and Hua, Hang and Chen, Ming and Li, Yikang and Hsiao, Jenhao
             and Ho, Chiuman and Luo, Jiebo},
  title   = {VideoXum: Cross-modal Visual and Textural Summarization of Videos},
  journal = {IEEE Transactions on Multimedia},
  year    = {2023},
}
"""
VIDEOXUM_HOMEPAGE = "https://videoxum.github.io/"


def onehot_to_numpy(vsum_onehot: Sequence[Sequence[int]]) -> np.ndarray:
    """Return a ``vsum_onehot`` value (nested lists, as datasets gives it back) as an ``(annotators, T)`` uint8 array.

    ``ds.with_format("numpy")`` upcasts ``vsum_onehot`` to int64; use this function, or
    ``ds.with_format("numpy", columns=["vsum_onehot"], dtype=np.uint8)``.
    """
    return np.asarray(vsum_onehot, dtype=np.uint8)


@dataclass
class VideoXumConfig(datasets.BuilderConfig):
    """BuilderConfig for VideoXum.

    Args:
        data_dir (`str`):
            Folder with ``train_videoxum.json``, ``val_videoxum.json`` and ``test_videoxum.json``.
        video_dir (`str`, *optional*):
            Folder of the source videos ``<video_id>.mp4|.mkv|.webm`` (a name without the ``v_`` prefix is also
            accepted). When given, every example gets a ``video`` column with the absolute path.
        features_dir (`str`, *optional*):
            Folder of cached frame features ``<video_id>.npz`` (official: ``feat/blip``). When given, every example
            gets a ``frame_embeds`` column (``num_frames x D`` float32).
        skip_missing (`bool`, defaults to `False`):
            Skip (and report) records whose video or feature file is missing instead of raising.
        splits (`tuple[str, ...]`, *optional*):
            Splits to build, among ``train``, ``validation``, ``test``; all three by default.
        num_annotators (`int`, defaults to 10):
            Expected number of annotators (rows of ``vsum_onehot``, entries per segment of ``vsum``).
        feature_key (`str`, defaults to ``"features"``):
            Array name inside the ``.npz`` feature files.
        feature_dim (`int`, *optional*):
            Feature size ``D``; read from the first feature file by default.
        frame_tolerance (`int`, defaults to 2):
            Largest difference, in 1-fps frames (= seconds), between the frame counts of a record (``sampled_frames``,
            ``vsum_onehot`` length, feature length), by which a time may exceed ``duration``, and (plus one) between
            ``duration`` and ``sampled_frames``, that is normal rounding (reported without a warning). Larger ones
            are warned about (see :data:`RECORD_ISSUE_KINDS`).
        length_mismatch (`str`, defaults to ``"truncate"``):
            ``"truncate"`` (the official loader's behaviour): the length is ``vsum_onehot``'s, cut to the features';
            a difference beyond `frame_tolerance` is warned about. ``"error"``: frame counts (``sampled_frames``
            included) that differ by more than `frame_tolerance` raise a `ValueError`.
        source_fingerprint (`str`, *optional*):
            Hash of the input files, computed by [`VideoXum`]; it is part of the cache key.
    """

    video_dir: str | None = None
    features_dir: str | None = None
    skip_missing: bool = False
    splits: tuple[str, ...] | None = None
    num_annotators: int = 10
    feature_key: str = "features"
    feature_dim: int | None = None
    frame_tolerance: int = DEFAULT_FRAME_TOLERANCE
    length_mismatch: str = "truncate"
    source_fingerprint: str | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.splits is not None:
            if isinstance(self.splits, str):
                self.splits = (self.splits,)
            self.splits = tuple(self.splits)
            unknown = [split for split in self.splits if split not in VIDEOXUM_SPLIT_FILES]
            if unknown or not self.splits or len(set(self.splits)) != len(self.splits):
                raise ValueError(
                    f"`splits` must be distinct names among {list(VIDEOXUM_SPLIT_FILES)}, got {list(self.splits)}"
                )
        if not isinstance(self.num_annotators, int) or self.num_annotators < 1:
            raise ValueError(f"`num_annotators` must be a positive integer, got {self.num_annotators!r}")
        if self.feature_dim is not None and (not isinstance(self.feature_dim, int) or self.feature_dim < 1):
            raise ValueError(f"`feature_dim` must be a positive integer, got {self.feature_dim!r}")
        tolerance = self.frame_tolerance
        if not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance < 0:
            raise ValueError(f"`frame_tolerance` must be a non-negative integer, got {tolerance!r}")
        if self.length_mismatch not in LENGTH_MISMATCH_MODES:
            raise ValueError(
                f"`length_mismatch` must be one of {list(LENGTH_MISMATCH_MODES)}, got {self.length_mismatch!r}"
            )


def _hash_file(path: Path, hasher) -> None:
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            hasher.update(chunk)


def _hash_listing(folder: str | None, suffixes: tuple[str, ...], hasher) -> None:
    if folder is None:
        return
    hasher.update(f"\0dir:{folder}\0".encode())
    if not os.path.isdir(folder):
        return  # reported later, with a clear message
    entries = []
    with os.scandir(folder) as it:
        for entry in it:
            if entry.name.endswith(suffixes):
                stat = entry.stat()
                entries.append(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for line in sorted(entries):
        hasher.update(line.encode() + b"\n")


def _source_fingerprint(
    data_dir: str, video_dir: str | None, features_dir: str | None, splits: Sequence[str] | None
) -> str:
    """Hash of everything the builder reads: annotation bytes, and the names/sizes/mtimes of videos and features."""
    hasher = hashlib.sha256(f"videoxum-builder-{VideoXum.VERSION}".encode())
    for split in splits or VIDEOXUM_SPLIT_FILES:
        path = Path(data_dir) / VIDEOXUM_SPLIT_FILES.get(split, str(split))
        hasher.update(f"\0{path.name}\0".encode())
        if path.is_file():
            _hash_file(path, hasher)
    _hash_listing(video_dir, VIDEO_EXTENSIONS, hasher)
    _hash_listing(features_dir, (".npz",), hasher)
    if features_dir is not None and os.path.isfile(os.path.join(features_dir, FEATURES_INFO_FILENAME)):
        _hash_file(Path(features_dir) / FEATURES_INFO_FILENAME, hasher)
    return hasher.hexdigest()[:32]


def _npz_array_header(path: str, key: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of array `key` of an ``.npz`` file, read from its header only (no data is loaded)."""
    with zipfile.ZipFile(path) as archive:
        member = f"{key}.npy"
        if member not in archive.namelist():
            names = sorted(name.removesuffix(".npy") for name in archive.namelist())
            raise KeyError(f"no array {key!r} (arrays: {names})")
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    return shape, dtype


# Values quoted in error messages are shortened: a record may hold a 400-digit integer or a list of 10,000 numbers.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlong = _SHORT_REPR.maxother = 40
_SHORT_REPR.maxstring = 80


def _short(value: Any) -> str:
    """`repr(value)`, shortened for an error message (long numbers, strings and lists are elided with `...`)."""
    return _SHORT_REPR.repr(value)


def _is_number(value: Any) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # a JSON integer beyond float range (10**400)
        return False


class VideoXum(datasets.GeneratorBasedBuilder):
    """VideoXum builder: official annotation files (+ optional videos or cached features) to a `DatasetDict`.

    Example:

    ```python
    builder = VideoXum(data_dir="anno", features_dir="feat/blip", cache_dir="~/.cache/vsum")
    builder.download_and_prepare()
    ds = builder.as_dataset()
    builder.report["train"]["length_fixes"]  # e.g. {"onehot_longer": 3, "onehot_shorter": 0, ...}
    ```

    Features (per video):

    - ``video_id`` (string), ``duration`` (float64, seconds), ``sampled_frames`` (int32), ``timestamps``
      (``[[start, end], ...]`` float64 per segment), ``tsum`` (list of strings), ``vsum`` (``[segment][annotator]
      = [start, end]`` float64): the raw fields, as given.
    - ``num_frames`` (int32): ``T``, the number of 1-fps frames used: the ``vsum_onehot`` length, cut to the features'.
    - ``vsum_onehot``: ``annotators x T`` uint8 as nested lists (see :func:`onehot_to_numpy`).
    - ``text_summary`` (string): :func:`~vsum.data.text.build_text_summary` of ``tsum``.
    - ``video`` (string, absolute path), with ``video_dir``.
    - ``frame_embeds`` (``Array2D((None, D), "float32")``, ``T x D``), with ``features_dir``.
    """

    VERSION = datasets.Version("1.1.0")  # 1.1: official lengths (sampled_frames no longer cuts), issues
    # No predefined BUILDER_CONFIGS: every builder creates its config from its arguments, so that
    # `VideoXumConfig.__post_init__` validates them and the cache key (config id) is derived from them.
    BUILDER_CONFIG_CLASS = VideoXumConfig

    def __init__(self, *args, **kwargs):
        data_dir = kwargs.get("data_dir")
        if data_dir is None:
            raise ValueError("VideoXum needs `data_dir`: the folder with train/val/test_videoxum.json")
        for name in ("data_dir", "video_dir", "features_dir"):
            if kwargs.get(name) is not None:
                kwargs[name] = os.path.abspath(os.path.expanduser(os.fspath(kwargs[name])))
        if kwargs.get("splits") is not None and isinstance(kwargs["splits"], (list, str)):
            kwargs["splits"] = (kwargs["splits"],) if isinstance(kwargs["splits"], str) else tuple(kwargs["splits"])
        if kwargs.get("source_fingerprint") is None:
            kwargs["source_fingerprint"] = _source_fingerprint(
                kwargs["data_dir"], kwargs.get("video_dir"), kwargs.get("features_dir"), kwargs.get("splits")
            )
        self._report: dict[str, dict[str, Any]] | None = None
        super().__init__(*args, **kwargs)

    # ------------------------------------------------------------------ info

    def _feature_dim(self) -> int:
        config = self.config
        if config.feature_dim is not None:
            return config.feature_dim
        if not os.path.isdir(config.features_dir):
            raise ValueError(f"`features_dir` {config.features_dir} is not a folder")
        first = min((name for name in os.listdir(config.features_dir) if name.endswith(".npz")), default=None)
        if first is None:
            raise ValueError(f"`features_dir` {config.features_dir} holds no .npz feature file")
        path = os.path.join(config.features_dir, first)
        try:
            shape, _ = _npz_array_header(path, config.feature_key)
        except Exception as error:
            raise ValueError(f"Cannot read the feature size from {path}: {error}") from error
        if len(shape) != 2:
            raise ValueError(f"Features must be (frames, dim) arrays, {path}[{config.feature_key!r}] has shape {shape}")
        return int(shape[1])

    def _info(self) -> datasets.DatasetInfo:
        features = {
            "video_id": datasets.Value("string"),
            "duration": datasets.Value("float64"),
            "sampled_frames": datasets.Value("int32"),
            "num_frames": datasets.Value("int32"),
            "timestamps": datasets.List(datasets.List(datasets.Value("float64"))),
            "tsum": datasets.List(datasets.Value("string")),
            "vsum": datasets.List(datasets.List(datasets.List(datasets.Value("float64")))),
            "vsum_onehot": datasets.List(datasets.List(datasets.Value("uint8"))),
            "text_summary": datasets.Value("string"),
        }
        if self.config.video_dir is not None:
            features["video"] = datasets.Value("string")
        if self.config.features_dir is not None:
            features["frame_embeds"] = datasets.Array2D(shape=(None, self._feature_dim()), dtype="float32")
        return datasets.DatasetInfo(
            description=VIDEOXUM_DESCRIPTION,
            features=datasets.Features(features),
            homepage=VIDEOXUM_HOMEPAGE,
            citation=VIDEOXUM_CITATION,
        )

    # ------------------------------------------------------------------ report

    @property
    def report(self) -> dict[str, dict[str, Any]]:
        """Per split: ``num_records``, ``num_examples``, ``length_fixes`` (count per kind of
        :data:`LENGTH_FIX_KINDS`), ``num_records_fixed``, ``max_frames_dropped``, ``num_skipped`` and
        ``skipped`` (one ``{"video_id": ..., "missing": "video" | "features" | "video+features"}`` per skipped
        record), ``issues`` (per kind of :data:`RECORD_ISSUE_KINDS` found: ``{"count": ..., "examples": [...]}``).

        Available after :meth:`download_and_prepare`, also when the dataset came from the cache.
        """
        if self._report is not None:
            return self._report
        path = os.path.join(self._output_dir, REPORT_FILENAME)
        if not os.path.isfile(path):
            raise ValueError(f"No VideoXum report yet ({path} does not exist): call download_and_prepare() first")
        with open(path, encoding="utf-8") as f:
            self._report = json.load(f)
        return self._report

    @property
    def features_info(self) -> FeaturesInfo | None:
        """What produced the cached features (``<features_dir>/features_info.json``, see :mod:`vsum.data.files`);
        `None` without ``features_dir`` or when the folder has no such file."""
        if self.config.features_dir is None:
            return None
        return read_features_info(self.config.features_dir)

    def download_and_prepare(self, *args, **kwargs):
        """`datasets.DatasetBuilder.download_and_prepare`, except that a `ValueError` raised while writing the examples
        (e.g. NaN features) reaches the caller as itself, not wrapped in a `DatasetGenerationError`."""
        try:
            return super().download_and_prepare(*args, **kwargs)
        except DatasetGenerationError as error:
            cause = error.__cause__
            while isinstance(cause, DatasetGenerationError):
                cause = cause.__cause__
            if isinstance(cause, ValueError):
                raise cause from None
            raise

    def _download_and_prepare(self, dl_manager, verification_mode, **prepare_split_kwargs):
        super()._download_and_prepare(dl_manager, verification_mode, **prepare_split_kwargs)
        # `_output_dir` is the temporary folder here: the report is moved into the cache with the data.
        atomic_write_json(os.path.join(self._output_dir, REPORT_FILENAME), self._report)

    # ------------------------------------------------------------------ validation

    def _parse_record(self, record: Any, index: int, source: str) -> dict[str, Any]:
        """Validate one raw record and return its fields.

        A value the official loader cannot use, or that cannot be stored (NaN, a wrong nesting, a non-number, a
        missing field, a non-0/1 label) raises a `ValueError` naming the id and the field. What the official loader
        accepts or ignores but is inconsistent (boolean labels; ``sampled_frames``, ``duration``, ``timestamps``,
        ``vsum`` or the sentence count disagreeing with the rest) is kept and listed in ``item["issues"]`` as
        ``(kind, detail)`` pairs, one per kind of :data:`RECORD_ISSUE_KINDS`, reported once per kind by the builder.
        """
        num_annotators = self.config.num_annotators
        tolerance = self.config.frame_tolerance
        video_id = record.get("video_id") if isinstance(record, dict) else None
        where = f"record {index} of {source}"
        issues: dict[str, str] = {}  # kind -> the record's first detail of that kind

        def fail(field: str, problem: str) -> None:
            raise ValueError(f"Malformed VideoXum record video_id={video_id!r} ({where}): field {field!r} {problem}")

        def note(kind: str, detail: str) -> None:
            issues.setdefault(kind, detail)

        if not isinstance(record, dict):
            fail("<record>", f"must be a JSON object, got {type(record).__name__}")
        for name in _REQUIRED_FIELDS:
            if name not in record:
                fail(name, f"is missing (record keys: {sorted(record)})")
        if not isinstance(video_id, str) or not video_id.strip():
            fail("video_id", f"must be a non-empty string, got {video_id!r}")
        # The id names files (<video_id>.npz, <video_id>.mp4): a path separator or a dot name could leave the folder.
        if any(c in video_id for c in "/\\\0") or video_id in (".", "..") or video_id != video_id.strip():
            fail("video_id", "must be a plain file name (no path separators, NUL, surrounding spaces, '.' or '..')")

        duration = record["duration"]
        if not _is_number(duration) or duration <= 0:
            fail("duration", f"must be a positive number (finite), got {_short(duration)}")
        sampled = record["sampled_frames"]
        if isinstance(sampled, float) and sampled.is_integer():
            sampled = int(sampled)
        if not isinstance(sampled, int) or isinstance(sampled, bool) or not 1 <= sampled <= _MAX_INT32:
            fail("sampled_frames", f"must be a positive integer (at most {_MAX_INT32}), got {_short(sampled)}")
        # 1-fps frames at t = 0, 1, ...: sampled_frames is about ceil(duration) (82.73 s -> 83 frames).
        if abs(sampled - duration) > tolerance + 1:
            note("duration", f"duration {duration!r} s for sampled_frames={sampled}")
        latest = duration + tolerance

        def check_span(field: str, what: str, span: Any) -> None:
            if not isinstance(span, list) or len(span) != 2 or not all(_is_number(v) for v in span):
                fail(field, f"{what} must be [start, end] finite numbers, got {_short(span)}")
            start, end = span
            if start < 0 or end < 0:
                note(field, f"{what} {span!r} has a negative time")
            elif start > end:
                note(field, f"{what} {span!r} is reversed (start > end)")
            elif end > latest:
                note(field, f"{what} {span!r} ends after duration {duration!r} s + frame_tolerance {tolerance} s")

        timestamps = record["timestamps"]
        if not isinstance(timestamps, list):
            fail("timestamps", f"must be a list of [start, end], got {_short(timestamps)}")
        for k, pair in enumerate(timestamps):
            check_span("timestamps", f"entry {k}", pair)
        num_segments = len(timestamps)

        tsum = record["tsum"]
        if not isinstance(tsum, list) or not all(isinstance(s, str) for s in tsum):
            fail("tsum", f"must be a list of strings, got {_short(tsum)}")
        if not build_text_summary(tsum):
            fail("tsum", f"gives an empty text summary after cleaning ({_short(tsum)})")
        if len(tsum) != num_segments:
            note("tsum", f"{len(tsum)} sentences for {num_segments} timestamps")
        for k, sentence in enumerate(tsum):
            if not sentence.strip():
                note("tsum", f"sentence {k} is empty ({_short(sentence)})")

        vsum = record["vsum"]
        if not isinstance(vsum, list):
            fail("vsum", f"must be a list of segments, got {type(vsum).__name__}")
        if len(vsum) != num_segments:
            note("vsum", f"{len(vsum)} segments for {num_segments} timestamps")
        for k, segment in enumerate(vsum):
            if not isinstance(segment, list):
                fail("vsum", f"segment {k} must be a list of annotator spans, got {_short(segment)}")
            if len(segment) != num_annotators:
                note("vsum", f"segment {k} lists {len(segment)} annotator spans, not {num_annotators}")
            for a, span in enumerate(segment):
                check_span("vsum", f"segment {k} annotator {a}", span)

        onehot = record["vsum_onehot"]
        if not isinstance(onehot, list) or len(onehot) != num_annotators:
            got = len(onehot) if isinstance(onehot, list) else type(onehot).__name__
            fail("vsum_onehot", f"must have {num_annotators} annotator rows, got {got}")
        lengths = []
        for a, row in enumerate(onehot):
            if not isinstance(row, list):
                fail("vsum_onehot", f"row {a} must be a list of 0/1, got {type(row).__name__}")
            # Only JSON numbers and booleans (the official loader reads true/false as 1/0): numpy would turn "1"
            # into 1.0 too.
            types = set(map(type, row))
            if not types <= {int, float, bool}:
                bad = next(v for v in row if type(v) not in (int, float, bool))
                fail("vsum_onehot", f"row {a} must hold only the numbers 0/1, got {_short(bad)} ({type(bad).__name__})")
            if bool in types:
                note("onehot_booleans", f"row {a} holds true/false")
            # Compared as Python numbers before numpy sees them: a 400-digit integer would overflow float64.
            bad = [v for v in row if v != 0 and v != 1][:5]  # NaN is neither
            if bad:
                fail("vsum_onehot", f"must hold only 0/1 values, got {', '.join(map(_short, bad))} in row {a}")
            lengths.append(len(row))
        if len(set(lengths)) != 1:
            fail("vsum_onehot", f"annotator rows have different lengths {lengths}")
        if lengths[0] == 0:
            fail("vsum_onehot", "rows are empty")
        matrix = np.array(onehot, dtype=np.uint8)

        return {
            "video_id": video_id,
            "duration": float(duration),
            "sampled_frames": sampled,
            "timestamps": [[float(v) for v in pair] for pair in timestamps],
            "tsum": list(tsum),
            "vsum": [[[float(v) for v in span] for span in segment] for segment in vsum],
            "vsum_onehot": matrix,
            "issues": issues,
        }

    @staticmethod
    def _list_folder(folder: str, what: str) -> set[str]:
        if not os.path.isdir(folder):
            raise ValueError(f"`{what}` {folder} is not a folder")
        with os.scandir(folder) as it:
            return {entry.name for entry in it}

    # ------------------------------------------------------------------ generation

    def _split_generators(self, dl_manager) -> list[datasets.SplitGenerator]:
        config = self.config
        splits = config.splits or tuple(VIDEOXUM_SPLIT_FILES)
        files = {split: os.path.join(config.data_dir, VIDEOXUM_SPLIT_FILES[split]) for split in splits}
        absent = [path for path in files.values() if not os.path.isfile(path)]
        if absent:
            raise ValueError(
                f"Missing VideoXum annotation file(s): {', '.join(absent)}. `data_dir` must hold "
                f"{', '.join(VIDEOXUM_SPLIT_FILES[s] for s in splits)}; pass `splits=` to build only some splits."
            )
        video_names = self._list_folder(config.video_dir, "video_dir") if config.video_dir else None
        feature_names = self._list_folder(config.features_dir, "features_dir") if config.features_dir else None
        feature_dim = self.info.features["frame_embeds"].shape[1] if config.features_dir else None
        if config.features_dir:
            self._check_features_info(feature_dim)

        plans: dict[str, list[dict[str, Any]]] = {}
        report: dict[str, dict[str, Any]] = {}
        missing_all: list[tuple[str, str, str]] = []  # (split, video_id, what)
        first_seen: dict[str, tuple[str, int]] = {}  # video_id -> (annotation file, record index), over all splits
        for split, path in files.items():
            source = os.path.basename(path)
            records = self._read_annotation_file(path, split)

            plan, skipped = [], []
            fixes = dict.fromkeys(LENGTH_FIX_KINDS, 0)
            issues: dict[str, dict[str, Any]] = {}
            num_fixed, max_dropped = 0, 0
            for index, raw in enumerate(records):
                item = self._parse_record(raw, index, source)
                video_id = item["video_id"]
                if video_id in first_seen:
                    where, earlier = first_seen[video_id]
                    same = where == source
                    raise ValueError(
                        f"Duplicate video_id {video_id!r}"
                        + (f" in {source}: records {earlier} and {index}" if same else "")
                        + ("" if same else f": record {earlier} of {where} and record {index} of {source}")
                        + ("" if same else " (a video may belong to one split only)")
                    )
                first_seen[video_id] = (source, index)

                missing = []
                if video_names is not None:
                    item["video"] = find_video(config.video_dir, video_id, video_names)
                    if item["video"] is None:
                        missing.append("video")
                feature_frames = None
                if feature_names is not None:
                    if f"{video_id}.npz" in feature_names:
                        item["features_path"] = os.path.join(config.features_dir, f"{video_id}.npz")
                        feature_frames = self._feature_frames(item["features_path"], video_id, feature_dim)
                    else:
                        missing.append("features")
                if missing:
                    what = "+".join(missing)
                    skipped.append({"video_id": video_id, "missing": what})
                    missing_all.append((split, video_id, what))
                    continue

                # The official loader ignores sampled_frames: the length is vsum_onehot's, cut to the features'.
                sampled = item["sampled_frames"]
                onehot_frames = item["vsum_onehot"].shape[1]
                used = [onehot_frames] + ([feature_frames] if feature_frames is not None else [])
                counts = [sampled, *used]
                num_frames = min(used)
                if max(counts) - min(counts) > config.frame_tolerance and config.length_mismatch == "error":
                    raise ValueError(self._mismatch_message(item, source, onehot_frames, feature_frames))
                if abs(sampled - onehot_frames) > config.frame_tolerance:
                    item["issues"].setdefault(
                        "sampled_frames", f"sampled_frames={sampled}, vsum_onehot has {onehot_frames} frames"
                    )
                if feature_frames is not None and abs(feature_frames - onehot_frames) > config.frame_tolerance:
                    item["issues"].setdefault(
                        "frame_counts", f"vsum_onehot has {onehot_frames} frames, the features {feature_frames}"
                    )
                if onehot_frames != sampled:
                    fixes["onehot_longer" if onehot_frames > sampled else "onehot_shorter"] += 1
                if feature_frames is not None and feature_frames != sampled:
                    fixes["features_longer" if feature_frames > sampled else "features_shorter"] += 1
                if len(set(counts)) > 1:
                    num_fixed += 1
                    max_dropped = max(max_dropped, max(used) - num_frames)
                for kind, detail in item.pop("issues").items():
                    entry = issues.setdefault(kind, {"count": 0, "examples": []})
                    entry["count"] += 1
                    if len(entry["examples"]) < _MAX_ISSUE_EXAMPLES:
                        entry["examples"].append(f"{video_id} ({source} record {index}): {detail}")
                item["num_frames"] = num_frames
                plan.append(item)

            plans[split] = plan
            report[split] = {
                "annotation_file": path,
                "num_records": len(records),
                "num_examples": len(plan),
                "length_fixes": fixes,
                "num_records_fixed": num_fixed,
                "max_frames_dropped": max_dropped,
                "num_skipped": len(skipped),
                "skipped": skipped,
                "issues": {kind: issues[kind] for kind in RECORD_ISSUE_KINDS if kind in issues},
            }

        if missing_all and not config.skip_missing:
            raise ValueError(self._missing_message(missing_all, report))
        for split, split_report in report.items():
            if not plans[split]:  # every record skipped: an empty split is an error, not an empty dataset
                raise ValueError(
                    f"The {split!r} split would be empty: all {split_report['num_records']} records of "
                    f"{split_report['annotation_file']} were skipped (missing files, skip_missing=True): "
                    + ", ".join(f"{s['video_id']} ({s['missing']})" for s in split_report["skipped"][:_MAX_LISTED_IDS])
                )
        for split, split_report in report.items():
            self._log_split_report(split, split_report)
        self._log_issues(report)
        self._report = report
        return [
            datasets.SplitGenerator(name=split, gen_kwargs={"plan": plans[split], "split": split}) for split in splits
        ]

    @staticmethod
    def _read_annotation_file(path: str, split: str) -> list[Any]:
        """The records of one annotation file; every way it can be unreadable is a `ValueError` naming it."""
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"{path} is not UTF-8 text ({error}); VideoXum annotation files are UTF-8 JSON") from error
        except OSError as error:
            raise ValueError(f"Cannot read the annotation file {path}: {error}") from error
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from error
        except ValueError as error:  # an integer literal of more than 4,300 digits
            raise ValueError(f"{path} holds a number that cannot be read: {error}") from error
        except RecursionError as error:
            raise ValueError(f"{path} is not valid JSON: nested too deeply") from error
        if not isinstance(records, list):
            raise ValueError(f"{path} must hold a JSON list of records, got a {type(records).__name__}")
        if not records:
            raise ValueError(
                f"{path} holds no records: the {split!r} split would be empty (pass `splits=` without {split!r} to "
                "build the other splits only)"
            )
        return records

    def _mismatch_message(self, item: dict[str, Any], source: str, onehot_frames: int, feature_frames: int | None):
        sampled = item["sampled_frames"]
        counts = f"sampled_frames={sampled}, vsum_onehot has {onehot_frames} frames"
        lengths = [sampled, onehot_frames]
        field, where = "vsum_onehot", source
        if feature_frames is not None:
            counts += f", the features have {feature_frames} frames"
            lengths.append(feature_frames)
            if abs(feature_frames - sampled) > abs(onehot_frames - sampled):
                field, where = "frame_embeds", item["features_path"]
        return (
            f"Frame counts of video_id={item['video_id']!r} ({where}) disagree beyond frame_tolerance="
            f"{self.config.frame_tolerance}: field {field!r}: {counts}; truncating would drop "
            f"{max(lengths) - min(lengths)} frame(s). Fix the data, or pass length_mismatch='truncate' to truncate "
            "to the shortest (counted in the report), or a larger frame_tolerance."
        )

    def _check_features_info(self, feature_dim: int) -> None:
        info = self.features_info
        if info is None:
            return
        path = os.path.join(self.config.features_dir, FEATURES_INFO_FILENAME)
        if info.feature_dim != feature_dim:
            raise ValueError(
                f"{path} says feature_dim={info.feature_dim} but the .npz features have {feature_dim} columns"
            )
        if info.feature_key != self.config.feature_key:
            raise ValueError(
                f"{path} says the arrays are stored under feature_key={info.feature_key!r}, but "
                f"feature_key={self.config.feature_key!r} was asked for"
            )

    def _feature_frames(self, path: str, video_id: str, feature_dim: int) -> int:
        try:
            shape, dtype = _npz_array_header(path, self.config.feature_key)
        except Exception as error:
            raise ValueError(
                f"Cannot read the features of video_id={video_id!r} (field 'frame_embeds', {path}): {error}"
            ) from error
        if len(shape) != 2 or shape[1] != feature_dim or shape[0] < 1 or dtype.kind not in "fiu":
            raise ValueError(
                f"Features of video_id={video_id!r} (field 'frame_embeds', {path}) must be a non-empty numeric "
                f"(frames, {feature_dim}) array, got shape {shape} dtype {dtype}"
            )
        return int(shape[0])

    def _missing_message(self, missing: list[tuple[str, str, str]], report: dict[str, dict[str, Any]]) -> str:
        config = self.config
        per_split = ", ".join(f"{split}: {r['num_skipped']} of {r['num_records']}" for split, r in report.items())
        listed = ", ".join(f"{video_id} ({what}, {split})" for split, video_id, what in missing[:_MAX_LISTED_IDS])
        more = f" and {len(missing) - _MAX_LISTED_IDS} more" if len(missing) > _MAX_LISTED_IDS else ""
        places = []
        if config.video_dir:
            places.append(f"videos <video_id>{'|'.join(VIDEO_EXTENSIONS)} in {config.video_dir}")
        if config.features_dir:
            places.append(f"features <video_id>.npz in {config.features_dir}")
        return (
            f"{len(missing)} VideoXum record(s) have no source file ({per_split}); looked for "
            f"{' and '.join(places)}. Missing: {listed}{more}. "
            "Pass skip_missing=True to skip them (they are reported)."
        )

    @staticmethod
    def _log_split_report(split: str, report: dict[str, Any]) -> None:
        if report["num_records_fixed"]:
            counts = ", ".join(f"{kind}={count}" for kind, count in report["length_fixes"].items())
            logger.warning(
                "VideoXum split %r: the frame counts of %d of %d records differ (relative to sampled_frames: %s); "
                "each uses its vsum_onehot length, cut to its features' (at most %d frame(s) dropped; sampled_frames "
                "is kept as given, unused, as by the official loader). See `VideoXum.report` or "
                "load_videoxum(..., output_loading_info=True).",
                split,
                report["num_records_fixed"],
                report["num_records"],
                counts,
                report["max_frames_dropped"],
            )
        if report["num_skipped"]:
            ids = ", ".join(f"{s['video_id']} ({s['missing']})" for s in report["skipped"][:_MAX_LISTED_IDS])
            extra = report["num_skipped"] - _MAX_LISTED_IDS
            more = f" and {extra} more" if extra > 0 else ""
            logger.warning(
                "VideoXum split %r: skipped %d of %d records whose source file is missing (skip_missing=True): %s%s",
                split,
                report["num_skipped"],
                report["num_records"],
                ids,
                more,
            )

    @staticmethod
    def _log_issues(report: dict[str, dict[str, Any]]) -> None:
        """One warning per kind of accepted inconsistency, over all splits, with its count and a few examples."""
        for kind in RECORD_ISSUE_KINDS:
            per_split = {split: r["issues"][kind] for split, r in report.items() if kind in r["issues"]}
            if not per_split:
                continue
            total = sum(entry["count"] for entry in per_split.values())
            counts = ", ".join(f"{split}: {entry['count']}" for split, entry in per_split.items())
            examples = [example for entry in per_split.values() for example in entry["examples"]]
            logger.warning(
                'VideoXum: %d record(s) (%s) %s. E.g. %s%s. See `VideoXum.report` ("issues").',
                total,
                counts,
                RECORD_ISSUE_KINDS[kind],
                "; ".join(examples[:_MAX_ISSUE_EXAMPLES]),
                f" and {total - _MAX_ISSUE_EXAMPLES} more" if total > _MAX_ISSUE_EXAMPLES else "",
            )

    def _generate_examples(self, plan: list[dict[str, Any]], split: str) -> Iterator[tuple[Key, dict[str, Any]]]:
        for index, item in enumerate(plan):
            num_frames = item["num_frames"]
            example = {
                "video_id": item["video_id"],
                "duration": item["duration"],
                "sampled_frames": item["sampled_frames"],
                "num_frames": num_frames,
                "timestamps": item["timestamps"],
                "tsum": item["tsum"],
                "vsum": item["vsum"],
                "vsum_onehot": item["vsum_onehot"][:, :num_frames],
                "text_summary": build_text_summary(item["tsum"]),
            }
            if self.config.video_dir is not None:
                example["video"] = item["video"]
            if self.config.features_dir is not None:
                example["frame_embeds"] = self._load_features(item)
            yield Key(0, index), example

    def _load_features(self, item: dict[str, Any]) -> np.ndarray:
        """The ``(num_frames, D)`` float32 features of a planned record; unreadable or non-finite is a `ValueError`."""
        path, video_id = item["features_path"], item["video_id"]
        try:
            with np.load(path, allow_pickle=False) as archive:
                array = np.asarray(archive[self.config.feature_key])
        except Exception as error:  # zipfile, numpy and OS errors alike: name the file
            raise ValueError(
                f"Cannot read the features of video_id={video_id!r} (field 'frame_embeds', {path}): "
                f"{type(error).__name__}: {error}"
            ) from error
        finite = np.isfinite(array)
        if not finite.all():
            frame = int(np.argwhere(~finite)[0][0])
            raise ValueError(
                f"Features of video_id={video_id!r} (field 'frame_embeds', {path}) hold {int((~finite).sum())} "
                f"non-finite value(s) (NaN/inf), the first in frame {frame}"
            )
        features = np.asarray(array[: item["num_frames"]], dtype=np.float32)
        if not np.isfinite(features).all():  # float64 values beyond float32's range
            raise ValueError(
                f"Features of video_id={video_id!r} (field 'frame_embeds', {path}) overflow float32 (|x| > 3.4e38)"
            )
        return features


def load_videoxum(
    data_dir: str | os.PathLike,
    video_dir: str | os.PathLike | None = None,
    features_dir: str | os.PathLike | None = None,
    *,
    skip_missing: bool = False,
    splits: Sequence[str] | None = None,
    cache_dir: str | os.PathLike | None = None,
    num_annotators: int = 10,
    feature_key: str = "features",
    frame_tolerance: int = DEFAULT_FRAME_TOLERANCE,
    length_mismatch: str = "truncate",
    download_mode: str | datasets.DownloadMode | None = None,
    output_loading_info: bool = False,
) -> datasets.DatasetDict | tuple[datasets.DatasetDict, dict[str, dict[str, Any]]]:
    """Build (or load from the cache) VideoXum as a `DatasetDict` with splits ``train``, ``validation``, ``test``.

    Args:
        data_dir (`str` or `os.PathLike`):
            Folder with the official ``train_videoxum.json``, ``val_videoxum.json``, ``test_videoxum.json``.
        video_dir (`str` or `os.PathLike`, *optional*):
            Folder of the source videos; adds a ``video`` column (absolute path).
        features_dir (`str` or `os.PathLike`, *optional*):
            Folder of cached ``<video_id>.npz`` features; adds a ``frame_embeds`` column (``T x D`` float32).
        skip_missing (`bool`, *optional*, defaults to `False`):
            Skip and report records whose video/feature file is missing, instead of raising a `ValueError`.
        splits (`Sequence[str]`, *optional*):
            Subset of ``("train", "validation", "test")``; all three by default.
        cache_dir (`str` or `os.PathLike`, *optional*):
            datasets cache folder (default: ``HF_DATASETS_CACHE``).
        num_annotators (`int`, *optional*, defaults to 10):
            Expected number of annotators per video.
        feature_key (`str`, *optional*, defaults to ``"features"``):
            Array name inside the ``.npz`` files.
        frame_tolerance (`int`, *optional*, defaults to 2):
            Largest frame-count difference (1-fps frames = seconds) fixed by truncation without an error, and the
            slack allowed for times beyond ``duration`` (see [`VideoXumConfig`]).
        length_mismatch (`str`, *optional*, defaults to ``"truncate"``):
            ``"truncate"``: the official lengths (``vsum_onehot``'s, cut to the features'), a difference beyond
            `frame_tolerance` is warned about; ``"error"``: frame counts (``sampled_frames`` included) that differ
            by more than `frame_tolerance` raise.
        download_mode (`str` or `datasets.DownloadMode`, *optional*):
            ``"force_redownload"`` rebuilds even when the cache holds this exact dataset.
        output_loading_info (`bool`, *optional*, defaults to `False`):
            Also return the per-split report (length fixes and skipped records, see [`VideoXum.report`]).

    Returns:
        `datasets.DatasetDict`, or ``(DatasetDict, report)`` when `output_loading_info` is `True`.

    Raises:
        `ValueError`: Missing, unreadable (not UTF-8 JSON) or empty annotation file; a truly broken record (NaN, a
        non-number, a wrong nesting, a missing field: names the file, the ``video_id`` and the field); a
        ``video_id`` in two splits; frame counts that disagree beyond `frame_tolerance` with
        ``length_mismatch="error"``; unreadable or non-finite features; missing video/feature files without
        `skip_missing`. Inconsistencies the official loader accepts are warnings (see the module docstring).

    Example:

    ```python
    >>> ds, report = load_videoxum("anno", features_dir="feat/blip", output_loading_info=True)  # doctest: +SKIP
    >>> report["train"]["length_fixes"]  # doctest: +SKIP
    {'onehot_longer': 3, 'onehot_shorter': 0, 'features_longer': 0, 'features_shorter': 1}
    ```
    """
    builder = VideoXum(
        cache_dir=None if cache_dir is None else os.fspath(cache_dir),
        data_dir=os.fspath(data_dir),
        video_dir=None if video_dir is None else os.fspath(video_dir),
        features_dir=None if features_dir is None else os.fspath(features_dir),
        skip_missing=skip_missing,
        splits=None if splits is None else tuple(splits),
        num_annotators=num_annotators,
        feature_key=feature_key,
        frame_tolerance=frame_tolerance,
        length_mismatch=length_mismatch,
    )
    builder.download_and_prepare(download_mode=download_mode)
    dataset = builder.as_dataset()
    if output_loading_info:
        return dataset, builder.report
    return dataset

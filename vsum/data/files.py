# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Where the data files are: the video of a ``video_id``, and the metadata of a folder of cached frame features.

One home for both, shared by the VideoXum builder (:mod:`vsum.data.videoxum`), ``scripts/extract_features.py`` and
``scripts/prepare_videoxum.py``.

**Video files.** :func:`find_video` looks for ``<video_dir>/<video_id><ext>`` for every extension of
:data:`vsum.constants.VIDEO_EXTENSIONS` in order, then the same without a leading ``v_`` (ActivityNet copies often
drop it).

**Features metadata.** A folder of ``<video_id>.npz`` features may hold ``features_info.json`` (written by
:func:`write_features_info`, read by :func:`read_features_info`) saying which encoder produced the features:

```json
{
  "format": "vsum-features",
  "format_version": 1,
  "encoder": "Salesforce/blip-image-captioning-large",
  "image_size": 384,
  "encoder_dtype": "float32",
  "feature_dim": 1024,
  "feature_key": "features",
  "fps": 1.0,
  "extra": {}
}
```

``encoder`` is the model name or path, ``image_size`` the side in pixels of the frames the encoder saw,
``encoder_dtype`` the dtype the encoder ran in (the arrays themselves are stored as saved, usually float32),
``feature_dim`` the size ``D`` of a frame feature, ``feature_key`` the array name inside the ``.npz`` files, ``fps``
the sampling rate of the frames, ``extra`` any further JSON-serialisable facts (a revision, a commit...). The file is
optional: folders without it (e.g. the official ``feat/blip``) load as before, and the encoder is then "not recorded".

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> _ = write_features_info(folder, encoder="tiny", image_size=32, encoder_dtype="float32", feature_dim=8)
>>> read_features_info(folder).encoder
'tiny'
"""

from __future__ import annotations

import json
import math
import os
import reprlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..constants import VIDEO_EXTENSIONS
from ..io_utils import atomic_write_json


__all__ = [
    "FEATURES_INFO_FILENAME",
    "FEATURES_INFO_FORMAT",
    "FEATURES_INFO_VERSION",
    "FeaturesInfo",
    "find_video",
    "read_features_info",
    "write_features_info",
]

#: Name of the metadata file inside a features folder.
FEATURES_INFO_FILENAME = "features_info.json"
FEATURES_INFO_FORMAT = "vsum-features"
FEATURES_INFO_VERSION = 1
_DTYPES = ("float32", "float16", "bfloat16", "float64")
#: Largest `image_size` / `feature_dim` accepted (int32: they size arrays and int32 columns).
_MAX_SIZE = 2**31 - 1


def find_video(video_dir: str | os.PathLike, video_id: str, names: set[str] | None = None) -> str | None:
    """Path of the video file of `video_id` in `video_dir`, or `None` when there is none.

    Tries ``<video_id><ext>`` for every extension of :data:`vsum.constants.VIDEO_EXTENSIONS` in order, then the same
    without a leading ``v_``.

    Args:
        video_dir (`str` or `os.PathLike`): The folder of the videos.
        video_id (`str`): The VideoXum id, e.g. ``"v_QOlSCBRmfWY"``.
        names (`set[str]`, *optional*): The file names in `video_dir`, when the caller already listed it (many
            look-ups then cost no system call); by default each candidate is checked on disk.

    Returns:
        `str` or `None`: ``os.path.join(video_dir, <name>)`` of the first candidate found.

    Example:

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, "QOlSCBRmfWY.mkv"), "wb").close()
    >>> os.path.basename(find_video(folder, "v_QOlSCBRmfWY"))
    'QOlSCBRmfWY.mkv'
    """
    video_dir = os.fspath(video_dir)
    stems = [video_id] + ([video_id[2:]] if video_id.startswith("v_") and len(video_id) > 2 else [])
    for stem in stems:
        for extension in VIDEO_EXTENSIONS:
            name = stem + extension
            if names is not None:
                if name in names:
                    return os.path.join(video_dir, name)
            elif os.path.isfile(os.path.join(video_dir, name)):
                return os.path.join(video_dir, name)
    return None


@dataclass
class FeaturesInfo:
    """What produced a folder of cached frame features (the content of ``features_info.json``).

    Attributes:
        encoder (`str`): Model name or path of the frame encoder.
        image_size (`int`): Side in pixels of the frames given to the encoder.
        encoder_dtype (`str`): dtype the encoder ran in (``float32``, ``float16``, ``bfloat16``, ``float64``).
        feature_dim (`int`): Size ``D`` of one frame feature.
        feature_key (`str`): Array name inside the ``.npz`` files.
        fps (`float`): Frames per second the videos were sampled at.
        extra (`dict`): Further JSON-serialisable facts.
    """

    encoder: str
    image_size: int
    encoder_dtype: str
    feature_dim: int
    feature_key: str = "features"
    fps: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        def bad(name: str, expected: str) -> ValueError:
            # The value is shortened: a hand-edited file may hold a 400-digit number.
            shown = reprlib.Repr()
            shown.maxlong = shown.maxother = 40
            return ValueError(f"features info: {name!r} must be {expected}, got {shown.repr(getattr(self, name))}")

        if not isinstance(self.encoder, str) or not self.encoder.strip():
            raise bad("encoder", "a non-empty string")
        for name in ("image_size", "feature_dim"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_SIZE:
                raise bad(name, f"a positive integer (at most {_MAX_SIZE})")
        if self.encoder_dtype not in _DTYPES:
            raise bad("encoder_dtype", f"one of {list(_DTYPES)}")
        if not isinstance(self.feature_key, str) or not self.feature_key:
            raise bad("feature_key", "a non-empty string")
        if not isinstance(self.fps, (int, float)) or isinstance(self.fps, bool) or self.fps <= 0:
            raise bad("fps", "a positive number")
        try:
            finite = math.isfinite(self.fps)
        except OverflowError:  # an integer beyond float range (10**400)
            finite = False
        if not finite:
            raise bad("fps", "a positive number")
        self.fps = float(self.fps)
        if not isinstance(self.extra, dict):
            raise bad("extra", "a JSON object")

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to ``features_info.json`` (with ``format`` and ``format_version``)."""
        return {"format": FEATURES_INFO_FORMAT, "format_version": FEATURES_INFO_VERSION, **asdict(self)}

    def describe(self) -> str:
        """One line for logs and dataset cards, e.g. ``"tiny (32 px, float32, D=8, 1 fps)"``."""
        return f"{self.encoder} ({self.image_size} px, {self.encoder_dtype}, D={self.feature_dim}, {self.fps:g} fps)"


def write_features_info(
    features_dir: str | os.PathLike,
    *,
    encoder: str,
    image_size: int,
    encoder_dtype: str,
    feature_dim: int,
    feature_key: str = "features",
    fps: float = 1.0,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``<features_dir>/features_info.json`` atomically (see the module docstring for the format).

    Called once per features folder by the feature extractor; the VideoXum builder and ``prepare_videoxum.py`` read
    it back. Arguments are validated (`ValueError` naming the field).

    Returns:
        `Path`: The file written.
    """
    info = FeaturesInfo(
        encoder=encoder,
        image_size=image_size,
        encoder_dtype=encoder_dtype,
        feature_dim=feature_dim,
        feature_key=feature_key,
        fps=fps,
        extra=dict(extra or {}),
    )
    path = Path(features_dir) / FEATURES_INFO_FILENAME
    try:
        json.dumps(info.extra)
    except (TypeError, ValueError) as error:
        raise ValueError(f"features info: 'extra' must be JSON-serialisable ({error})") from error
    atomic_write_json(path, info.to_dict())
    return path


def read_features_info(features_dir: str | os.PathLike) -> FeaturesInfo | None:
    """Read ``<features_dir>/features_info.json``; `None` when the folder has no such file.

    Raises:
        `ValueError`: The file is not UTF-8 JSON, has another ``format``, a newer ``format_version``, unknown or
        missing keys, or invalid values (the message names the file).
    """
    path = Path(features_dir) / FEATURES_INFO_FILENAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, OSError, RecursionError) as error:
        # ValueError: not UTF-8, not JSON, or an integer too long to read (over 4,300 digits).
        reason = "nested too deeply" if isinstance(error, RecursionError) else error
        raise ValueError(f"{path} is not a readable UTF-8 JSON file: {reason}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(data).__name__}")
    data = dict(data)
    if data.pop("format", None) != FEATURES_INFO_FORMAT:
        raise ValueError(f"{path}: 'format' must be {FEATURES_INFO_FORMAT!r}")
    version = data.pop("format_version", None)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FEATURES_INFO_VERSION:
        raise ValueError(
            f"{path}: unsupported 'format_version' {version!r} (this vsum reads 1..{FEATURES_INFO_VERSION})"
        )
    known = set(FeaturesInfo.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; known: {sorted(known)}")
    try:
        return FeaturesInfo(**data)
    except TypeError as error:  # a required key is missing
        raise ValueError(f"{path}: {error}") from error
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error

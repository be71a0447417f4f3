# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Data for vsum: the VideoXum builder, the SynthXum generator, the text-summary rule and the data files' layout.

This package does not import the model code.

`VIDEOXUM_SPLIT_FILES` is a documented alias of :data:`vsum.constants.SPLIT_FILES` (the one definition of the split
file names), kept for code that imports it from here.
"""

from .files import (
    FEATURES_INFO_FILENAME,
    FeaturesInfo,
    find_video,
    read_features_info,
    write_features_info,
)
from .synthetic import SYNTHXUM_INFO_FILENAME, SYNTHXUM_WORDS, SynthXumResult, make_synthxum, spans_to_onehot
from .text import build_text_summary
from .videoxum import (
    DEFAULT_FRAME_TOLERANCE,
    LENGTH_FIX_KINDS,
    LENGTH_MISMATCH_MODES,
    VIDEO_EXTENSIONS,
    VIDEOXUM_SPLIT_FILES,
    VideoXum,
    VideoXumConfig,
    load_videoxum,
    onehot_to_numpy,
)


__all__ = [
    "DEFAULT_FRAME_TOLERANCE",
    "FEATURES_INFO_FILENAME",
    "LENGTH_FIX_KINDS",
    "LENGTH_MISMATCH_MODES",
    "SYNTHXUM_INFO_FILENAME",
    "SYNTHXUM_WORDS",
    "VIDEOXUM_SPLIT_FILES",
    "VIDEO_EXTENSIONS",
    "FeaturesInfo",
    "SynthXumResult",
    "VideoXum",
    "VideoXumConfig",
    "build_text_summary",
    "find_video",
    "load_videoxum",
    "make_synthxum",
    "onehot_to_numpy",
    "read_features_info",
    "spans_to_onehot",
    "write_features_info",
]

# Batching (VsumDataCollator, LengthGroupedSampler): vsum/data/collator.py.
from .collator import LengthGroupedSampler, VsumDataCollator, padding_fraction  # noqa: E402


__all__ += ["LengthGroupedSampler", "VsumDataCollator", "padding_fraction"]

# TVSum / SumMe in the canonical HDF5 layout (load_keyshot, split files, the synthetic generator): vsum/data/keyshot.py.
from .keyshot import (  # noqa: E402
    SyntheticKeyshotResult,
    load_keyshot,
    make_synthetic_keyshot,
    read_keyshot_h5,
    read_splits,
    read_tvsum_annotations,
)


__all__ += [
    "SyntheticKeyshotResult",
    "load_keyshot",
    "make_synthetic_keyshot",
    "read_keyshot_h5",
    "read_splits",
    "read_tvsum_annotations",
]

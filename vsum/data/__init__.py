# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Data for vsum: the VideoXum builder, the SynthXum generator and the text-summary rule.

This package does not import the model code.
"""

from .synthetic import SYNTHXUM_WORDS, SynthXumResult, make_synthxum, spans_to_onehot
from .text import build_text_summary
from .videoxum import (
    LENGTH_FIX_KINDS,
    VIDEO_EXTENSIONS,
    VIDEOXUM_SPLIT_FILES,
    VideoXum,
    VideoXumConfig,
    load_videoxum,
    onehot_to_numpy,
)


__all__ = [
    "LENGTH_FIX_KINDS",
    "SYNTHXUM_WORDS",
    "VIDEOXUM_SPLIT_FILES",
    "VIDEO_EXTENSIONS",
    "SynthXumResult",
    "VideoXum",
    "VideoXumConfig",
    "build_text_summary",
    "load_videoxum",
    "make_synthxum",
    "onehot_to_numpy",
    "spans_to_onehot",
]

# Batching (VsumDataCollator, LengthGroupedSampler): vsum/data/collator.py.
from .collator import LengthGroupedSampler, VsumDataCollator, padding_fraction  # noqa: E402


__all__ += ["LengthGroupedSampler", "VsumDataCollator", "padding_fraction"]

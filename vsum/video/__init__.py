# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Video outputs: the highlight reel, the saliency plot and editor cut lists."""

from .cutlist import CUTLIST_FORMATS, build_timeline, write_cutlist
from .highlights import write_highlights
from .plot import decode_frames_at, plot_saliency


__all__ = [
    "CUTLIST_FORMATS",
    "build_timeline",
    "decode_frames_at",
    "plot_saliency",
    "write_cutlist",
    "write_highlights",
]

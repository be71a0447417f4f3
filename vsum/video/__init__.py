# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Video outputs: the highlight reel and the saliency plot."""

from .highlights import write_highlights
from .plot import plot_saliency


__all__ = ["write_highlights", "plot_saliency"]

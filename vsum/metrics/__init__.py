# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Metrics: V2V (video.py), text (text.py), VT-CLIPScore (clipscore.py) and the TVSum/SumMe keyshot protocol
(keyshot.py)."""

from .keyshot import aggregate_folds, evaluate_keyshot, evaluate_video, keyshot_summary, knapsack


__all__ = ["aggregate_folds", "evaluate_keyshot", "evaluate_video", "keyshot_summary", "knapsack"]

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Shot boundaries from frame features: kernel temporal segmentation (KTS, Potapov et al., ECCV 2014).

KTS splits a sequence of frame features into segments of small within-segment scatter: with a linear kernel on
L2-normalised features (the formulation of the video-summarization literature, e.g. DSNet's `cpd_auto`), the cost
of a segment is the sum of squared distances of its features to their mean. For every number of change points
`k <= m` the optimal segmentation comes from one dynamic programme (`ruptures.KernelCPD`, linear kernel, whose
`predict(n_bkps=m)` solves all `k <= m` at once); KTS then picks the `k` minimising

    scatter(k) / n + vmax * k / (2 n) * (log(n / k) + 1)

(`n` frames, `vmax = 1` in DSNet), and its change points are the shot boundaries. `tests/test_shots.py` checks the
result against a direct re-implementation of KTS's own dynamic programme.

Cost: `ruptures` evaluates the kernel on the fly, `O(n^2 d)` time for `n` frames of width `d` (600 frames of 768
floats: 0.25 s; 2 400 frames: 7.5 s, measured on 2 cores) and `O(n m)` memory; `m` is capped by
[`MAX_CHANGE_POINTS`].

>>> import numpy as np
>>> features = np.repeat(np.eye(3), [4, 3, 5], axis=0)  # three "shots" of 4, 3 and 5 identical frames
>>> detect_shots(features)
[4, 7]
>>> shot_ranges([4, 7], 12)
[(0, 4), (4, 7), (7, 12)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


#: Default cap on the number of change points KTS considers (DSNet passes `n - 1`: the same answer whenever the
#: video has at most `MAX_CHANGE_POINTS + 1` sampled frames, or its best number of shots is below the cap). The DP's
#: memory grows with frames x change points.
MAX_CHANGE_POINTS = 1000


def kts_penalties(num_frames: int, max_change_points: int, vmax: float = 1.0) -> np.ndarray:
    """KTS's model-selection penalty for `0..max_change_points` change points over `num_frames` frames:
    `vmax * k / (2 n) * (log(n / k) + 1)`, and 0 for `k = 0`."""
    k = np.arange(1, max_change_points + 1, dtype=np.float64)
    penalties = np.zeros(max_change_points + 1)
    penalties[1:] = vmax * k / (2.0 * num_frames) * (np.log(num_frames / k) + 1.0)
    return penalties


def _as_features(features) -> np.ndarray:
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"features must have shape (frames, dim) with at least one frame, got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("features must be finite (NaN or inf found)")
    return array


def l2_normalize(features) -> np.ndarray:
    """Rows scaled to unit length (an all-zero row stays zero)."""
    features = _as_features(features)
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.where(norms > 0, norms, 1.0)


def segmentation_scatter(features: np.ndarray, boundaries: Sequence[int]) -> float:
    """The KTS objective of a segmentation: the summed within-segment scatter (squared distances to the segment
    mean) for segments ending at `boundaries` (increasing, the last one `len(features)`)."""
    sums = np.vstack([np.zeros(features.shape[1]), np.cumsum(features, axis=0)])  # (n + 1, d) prefix sums
    squares = np.concatenate([[0.0], np.cumsum(np.einsum("ij,ij->i", features, features))])  # (n + 1,)
    ends = np.asarray(boundaries, dtype=np.int64)
    starts = np.concatenate([[0], ends[:-1]])
    spans = sums[ends] - sums[starts]
    return float(np.sum(squares[ends] - squares[starts] - np.einsum("ij,ij->i", spans, spans) / (ends - starts)))


def detect_shots(
    features,
    max_change_points: int | None = None,
    min_size: int = 1,
    vmax: float = 1.0,
    normalize: bool = True,
) -> list[int]:
    """Shot boundaries of a video by kernel temporal segmentation (see the module docstring).

    Args:
        features (`array-like` of shape `(frames, dim)`): one feature vector per sampled frame.
        max_change_points (`int`, *optional*): the most change points considered (default: `frames - 1`, capped by
            [`MAX_CHANGE_POINTS`]; always at most what `min_size` allows).
        min_size (`int`, defaults to 1): the shortest shot, in frames (KTS's `lmin`). A video shorter than two
            shots of this size is one shot.
        vmax (`float`, defaults to 1.0): KTS's penalty weight (larger: fewer shots).
        normalize (`bool`, defaults to `True`): L2-normalise each frame's features first (the literature's setting).

    Returns:
        `list[int]`: the change points, increasing: the index of each shot's first frame, the first shot excluded
        (shot `i` is frames `[cps[i-1], cps[i])`; [`shot_ranges`] lists them).
    """
    import ruptures

    features = l2_normalize(features) if normalize else _as_features(features)
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 1:
        raise ValueError(f"min_size must be an integer >= 1 (frames), got {min_size!r}")
    if max_change_points is not None and (
        isinstance(max_change_points, bool)
        or not isinstance(max_change_points, (int, np.integer))
        or max_change_points < 0
    ):
        raise ValueError(f"max_change_points must be an integer >= 0, got {max_change_points!r}")
    if not (isinstance(vmax, (int, float)) and math.isfinite(vmax) and vmax >= 0):
        raise ValueError(f"vmax must be a finite number >= 0, got {vmax!r}")
    n = len(features)
    feasible = n // int(min_size) - 1  # every one of k + 1 shots needs min_size frames
    cap = MAX_CHANGE_POINTS if max_change_points is None else int(max_change_points)
    m = min(cap, feasible, n - 1)
    if m <= 0:
        return []
    algo = ruptures.KernelCPD(kernel="linear", min_size=int(min_size)).fit(features)
    # One DP for m change points gives the optimal segmentation for every k <= m (cached by `predict`).
    algo.predict(n_bkps=m)
    segmentations = [[n]] + [algo.predict(n_bkps=k) for k in range(1, m + 1)]
    scatters = np.array([segmentation_scatter(features, boundaries) for boundaries in segmentations])
    costs = scatters / n + kts_penalties(n, m, vmax)
    best = int(np.argmin(costs))  # the first minimum, as KTS
    return [int(b) for b in segmentations[best][:-1]]


def shot_ranges(change_points: Sequence[int], num_frames: int) -> list[tuple[int, int]]:
    """`[(first_frame, end_frame), ...]` (end exclusive) of the shots that `change_points` cut `num_frames` into."""
    edges = [0, *(int(c) for c in change_points), int(num_frames)]
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"change points must increase strictly inside (0, {num_frames}), got {list(change_points)}")
    return list(zip(edges, edges[1:]))


def shot_spans(
    change_points: Sequence[int], times: Sequence[float], duration: float | None, interval: float
) -> list[list[float]]:
    """`[[start_s, end_s], ...]` of each shot: from its first sampled frame's time to the end of its last frame's
    display interval (`vsum.budget.frame_intervals`: until the next sample, the last one until the video's end)."""
    from .budget import frame_intervals

    intervals = frame_intervals(times, duration, interval)
    return [[intervals[a][0], intervals[b - 1][1]] for a, b in shot_ranges(change_points, len(intervals))]


def shot_means(change_points: Sequence[int], scores: Sequence[float]) -> list[float]:
    """The mean of `scores` (one per sampled frame) over each shot's frames: the keyshot value of a shot."""
    scores = np.asarray(scores, dtype=np.float64)
    return [float(scores[a:b].mean()) for a, b in shot_ranges(change_points, len(scores))]


def select_shots(
    spans: Sequence[Sequence[float]], values: Sequence[float], capacity: float, interval: float
) -> list[int]:
    """The shots (indices, sorted) of a keyshot summary: a 0/1 knapsack (`vsum.metrics.keyshot.knapsack`) over
    the shots' lengths (`spans`, seconds) with `capacity` seconds, shot `i` worth `values[i]`.

    The literature's keyshot protocol values a shot by the mean score of its frames ([`shot_means`]; DSNet's
    `get_keyshot_summ` and PGL-SUM's `generate_summary` use the mean, DSNet as `int(1000 * mean)`; here the float
    mean), not the sum. Weights are the shots' lengths in sampling intervals (`interval` seconds), rounded up, and
    the capacity is rounded down to whole intervals: the selected shots' total length never exceeds `capacity`. A
    shot of zero length (all its frames at one timestamp) is never chosen.
    """
    from .metrics.keyshot import knapsack

    if not (math.isfinite(capacity) and capacity >= 0):
        raise ValueError(f"capacity must be a finite number of seconds >= 0, got {capacity}")
    if len(values) != len(spans):
        raise ValueError(f"{len(spans)} shots but {len(values)} values")
    candidates, weights = [], []
    for index, (start, end) in enumerate(spans):
        weight = math.ceil((end - start) / interval - 1e-6)
        if weight > 0:
            candidates.append(index)
            weights.append(weight)
    slots = math.floor(capacity / interval + 1e-6)
    if not candidates or slots <= 0:
        return []
    packed = knapsack([float(values[i]) for i in candidates], weights, slots)
    return sorted(candidates[i] for i in packed)


__all__ = [
    "MAX_CHANGE_POINTS",
    "detect_shots",
    "kts_penalties",
    "l2_normalize",
    "segmentation_scatter",
    "select_shots",
    "shot_means",
    "shot_ranges",
    "shot_spans",
]

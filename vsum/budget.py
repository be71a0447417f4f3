# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Segment selection on a saliency curve: a reel budget (`--max-seconds`) and a minimum segment length
(`--min-segment`).

The video-summarization literature (SumMe, TVSum, VideoXum's F1) turns frame scores into a summary with a 0/1
knapsack over segments: value = summed frame scores, weight = duration, capacity = the allowed length. vsum has no
shot detector, so the candidate segments are the sampled frames' display intervals (a frame covers `[t_i, t_{i+1})`,
the last one until the video's end or one sampling interval), grouped left to right into pieces of at least
`min_segment` seconds. The knapsack is solved exactly by dynamic programming over integer milliseconds (divided by
the weights' greatest common divisor, which makes 1 fps sampling a table of `seconds` columns); selected pieces that
touch are merged into one segment.

>>> select_within_budget([3.0, 4.0, 5.0], [2000, 3000, 4000], 5000)
[0, 1]
>>> budget_segments([0.0, 1.0, 2.0, 3.0], [0.9, 0.1, 0.8, 0.7], duration=4.0, max_seconds=2.0)
[[0.0, 1.0], [2.0, 3.0]]
>>> budget_segments([0.0, 1.0, 2.0, 3.0], [0.9, 0.1, 0.8, 0.7], duration=4.0, max_seconds=2.0, min_segment=2.0)
[[2.0, 4.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


#: Largest DP table (items x capacity columns) solved at millisecond resolution; beyond it the grid is coarsened
#: (weights rounded up, so the budget still holds).
MAX_DP_CELLS = 50_000_000


def select_within_budget(values: Sequence[float], weights_ms: Sequence[int], budget_ms: int) -> list[int]:
    """Exact 0/1 knapsack: the indices (sorted) of the items of largest total value whose total weight is at most
    `budget_ms`. Weights are positive integers (milliseconds); values are non-negative. Ties prefer fewer items of
    lower index (deterministic).

    Exact when `len(values) * budget / gcd(weights)` is at most [`MAX_DP_CELLS`]; beyond, the weights are rounded
    *up* to a coarser grid, which never exceeds the budget and may lose a little value. A budget above the total
    weight is solved as the total weight (everything fits: the table never grows with the budget beyond it).
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights_ms, dtype=np.int64)
    if values.shape != weights.shape or values.ndim != 1:
        raise ValueError(f"values and weights must be 1-D of the same length, got {values.shape} and {weights.shape}")
    if len(weights) and (weights.min() <= 0):
        raise ValueError(f"weights must be positive milliseconds, got {weights.min()}")
    if len(values) and (not np.isfinite(values).all() or values.min() < 0):
        raise ValueError("values must be finite and non-negative")
    if isinstance(budget_ms, float) and not math.isfinite(budget_ms):
        raise ValueError(f"budget must be a finite number of milliseconds, got {budget_ms}")
    budget_ms = int(budget_ms)
    if budget_ms < 0:
        raise ValueError(f"budget must be >= 0 ms, got {budget_ms}")
    # Any budget from the total weight up has the same answer: solving it as the total keeps the table (and the
    # int64 arithmetic below) bounded by the items, whatever the budget (1e300 s overflowed).
    budget_ms = min(budget_ms, int(weights.sum()))
    fits = np.flatnonzero(weights <= budget_ms)
    if not len(fits):
        return []
    # Totals are multiples of the gcd, so comparing them with floor(budget / gcd) is exact.
    unit = math.gcd(*(int(w) for w in weights[fits]))
    if len(fits) * (budget_ms // unit + 1) > MAX_DP_CELLS:
        unit = math.ceil(len(fits) * (budget_ms + 1) / MAX_DP_CELLS)
    item_w = -(-weights[fits] // unit)  # ceil: a coarse grid never lets the real total exceed the budget
    capacity = budget_ms // unit
    best = np.zeros(capacity + 1)  # best[c]: the largest value with total (grid) weight <= c
    keep = np.zeros((len(fits), capacity + 1), dtype=bool)
    for row, (value, weight) in enumerate(zip(values[fits], item_w)):
        if weight > capacity:
            continue
        candidate = best[: capacity + 1 - weight] + value
        # Strictly better only: equal values keep the earlier choice (fewer items).
        take = candidate > best[weight:] + 1e-12
        keep[row, weight:] = take
        best[weight:] = np.where(take, candidate, best[weight:])
    chosen, c = [], capacity
    for row in range(len(fits) - 1, -1, -1):
        if keep[row, c]:
            chosen.append(int(fits[row]))
            c -= int(item_w[row])
    return sorted(chosen)


def frame_intervals(times: Sequence[float], duration: float | None, interval: float) -> list[tuple[float, float]]:
    """`[t_i, t_{i+1})` for every sampled frame; the last frame lasts `interval` seconds, clipped to `duration`.
    Frames with equal timestamps get zero length (they are skipped by the callers)."""
    times = [float(t) for t in times]
    ends = times[1:] + ([times[-1] + interval] if times else [])
    if duration is not None and duration > 0:
        ends = [min(end, max(duration, start)) for start, end in zip(times, ends)]
    return list(zip(times, ends))


def _pieces(intervals, scores, min_segment: float) -> list[tuple[float, float, float]]:
    """Consecutive frame intervals grouped left to right into pieces of at least `min_segment` seconds (a short
    tail joins the previous piece): `(start, end, summed score)`."""
    pieces: list[list[float]] = []
    for (start, end), score in zip(intervals, scores):
        if end <= start:
            continue
        if pieces and abs(pieces[-1][1] - start) <= 1e-9 and pieces[-1][1] - pieces[-1][0] < min_segment:
            pieces[-1][1] = end
            pieces[-1][2] += float(score)
        else:
            pieces.append([start, end, float(score)])
    if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] < min_segment and abs(pieces[-2][1] - pieces[-1][0]) < 1e-9:
        tail = pieces.pop()
        pieces[-1][1] = tail[1]
        pieces[-1][2] += tail[2]
    return [tuple(piece) for piece in pieces]


def merge_touching(segments: Sequence[Sequence[float]], tolerance: float = 1e-6) -> list[list[float]]:
    """Sorted segments with touching or overlapping neighbours merged."""
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in segments):
        if merged and start <= merged[-1][1] + tolerance:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def budget_segments(
    times: Sequence[float],
    scores: Sequence[float],
    duration: float | None,
    max_seconds: float,
    min_segment: float = 0.0,
    interval: float = 1.0,
) -> list[list[float]]:
    """The segments of largest summed saliency whose total length is at most `max_seconds` (see the module
    docstring); each is at least `min_segment` seconds long unless the whole video is shorter.

    Args:
        times, scores: sampled frame timestamps (seconds, increasing) and their saliency in [0, 1].
        duration: the video's duration (the last frame's interval is clipped to it).
        max_seconds: the reel budget (finite, > 0; a budget longer than the video keeps all of it).
        min_segment: the shortest piece the knapsack may pick (0: single frames).
        interval: the sampling interval (seconds), the last frame's length.

    Returns:
        `[[start_s, end_s], ...]`, sorted, merged; empty when no piece fits the budget.
    """
    if not (math.isfinite(max_seconds) and max_seconds > 0):
        raise ValueError(f"max_seconds must be a finite number > 0, got {max_seconds}")
    if min_segment < 0:
        raise ValueError(f"min_segment must be >= 0, got {min_segment}")
    if len(times) != len(scores):
        raise ValueError(f"{len(times)} timestamps but {len(scores)} scores")
    pieces = _pieces(frame_intervals(times, duration, interval), scores, min_segment)
    weights = [max(1, round((end - start) * 1000)) for start, end, _ in pieces]
    # Capped at the total first: a huge finite budget (1.8e308 s) would turn into an infinite number of milliseconds.
    budget_ms = math.floor(min(max_seconds * 1000 + 1e-6, sum(weights)))
    chosen = select_within_budget([value for *_, value in pieces], weights, budget_ms)
    return merge_touching([pieces[i][:2] for i in chosen])


def enforce_min_segment(
    segments: Sequence[Sequence[float]],
    min_segment: float,
    times: Sequence[float] | None = None,
    scores: Sequence[float] | None = None,
) -> list[list[float]]:
    """Segments shorter than `min_segment` are merged with a neighbour closer than `min_segment` (the gap joins
    the reel), otherwise dropped. If every segment would be dropped, the one of highest summed saliency (given
    `times`/`scores`, else the longest) is kept, so the reel is never empty."""
    if min_segment < 0:
        raise ValueError(f"min_segment must be >= 0, got {min_segment}")
    segments = merge_touching(segments)
    if min_segment == 0 or not segments:
        return segments
    merged: list[list[float]] = []
    for start, end in segments:
        if (
            merged
            and start - merged[-1][1] < min_segment
            and (end - start < min_segment or merged[-1][1] - merged[-1][0] < min_segment)
        ):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    kept = [segment for segment in merged if segment[1] - segment[0] >= min_segment - 1e-9]
    if kept:
        return kept

    def value(segment):
        if times is None or scores is None:
            return segment[1] - segment[0]
        return sum(s for t, s in zip(times, scores) if segment[0] - 1e-9 <= t < segment[1] - 1e-9)

    return [max(merged, key=value)]


__all__ = [
    "budget_segments",
    "enforce_min_segment",
    "frame_intervals",
    "merge_touching",
    "select_within_budget",
]

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The reel budget (exact 0/1 knapsack, checked against brute force) and the minimum segment length."""

import itertools
import random

import pytest

from vsum import budget
from vsum.budget import budget_segments, enforce_min_segment, frame_intervals, select_within_budget


def brute_force(values, weights, capacity):
    best = (0.0, ())
    for size in range(len(values) + 1):
        for subset in itertools.combinations(range(len(values)), size):
            if sum(weights[i] for i in subset) <= capacity:
                total = sum(values[i] for i in subset)
                if total > best[0] + 1e-9:
                    best = (total, subset)
    return best[0]


def test_knapsack_hand_made_cases():
    # Greedy by value density would take item 0 (density 1.0) and then nothing else fits: 10 < 12.
    assert select_within_budget([10, 6, 6], [10, 5, 5], 10) == [1, 2]
    assert select_within_budget([3, 4, 5], [2000, 3000, 4000], 5000) == [0, 1]
    assert select_within_budget([1, 1], [5000, 5000], 4999) == []  # nothing fits
    assert select_within_budget([], [], 1000) == []
    assert select_within_budget([0.5, 0.9, 0.4], [1000, 1000, 1000], 2000) == [0, 1]
    # Non-uniform millisecond weights (variable frame rate): 1700 + 1300 = 3000 fits exactly.
    assert select_within_budget([5, 4, 4.5], [1700, 1300, 2900], 3000) == [0, 1]


def test_knapsack_matches_brute_force_on_random_cases():
    rng = random.Random(0)
    for _ in range(300):
        n = rng.randint(1, 9)
        weights = [rng.choice([rng.randint(1, 40) * 100, rng.randint(1, 4000)]) for _ in range(n)]
        values = [round(rng.uniform(0, 5), 3) for _ in range(n)]
        capacity = rng.randint(0, sum(weights))
        chosen = select_within_budget(values, weights, capacity)
        assert sum(weights[i] for i in chosen) <= capacity
        assert sum(values[i] for i in chosen) == pytest.approx(brute_force(values, weights, capacity))


def test_knapsack_coarse_grid_never_exceeds_the_budget(monkeypatch):
    monkeypatch.setattr(budget, "MAX_DP_CELLS", 50)  # forces the rounded-up grid
    rng = random.Random(1)
    for _ in range(100):
        weights = [rng.randint(1, 3000) for _ in range(8)]
        values = [rng.uniform(0, 1) for _ in range(8)]
        capacity = rng.randint(1, 9000)
        chosen = select_within_budget(values, weights, capacity)
        assert sum(weights[i] for i in chosen) <= capacity


def test_knapsack_rejects_bad_input():
    with pytest.raises(ValueError, match="positive"):
        select_within_budget([1], [0], 10)
    with pytest.raises(ValueError, match="non-negative"):
        select_within_budget([-1], [5], 10)
    with pytest.raises(ValueError, match="same length"):
        select_within_budget([1, 2], [5], 10)


def test_budget_segments_fit_and_are_optimal():
    times = [float(t) for t in range(10)]
    scores = [0.1, 0.9, 0.8, 0.1, 0.1, 0.95, 0.1, 0.7, 0.7, 0.2]
    segments = budget_segments(times, scores, duration=10.0, max_seconds=4.0)
    assert sum(e - s for s, e in segments) <= 4.0
    assert segments == [[1.0, 3.0], [5.0, 6.0], [7.0, 8.0]]  # the four best frames, touching ones merged
    # Pieces of at least 2 s: [0,2) 1.0, [2,4) 0.9, [4,6) 1.05, [6,8) 0.8, [8,10) 0.9 -> best two fitting 4 s.
    segments = budget_segments(times, scores, duration=10.0, max_seconds=4.0, min_segment=2.0)
    assert segments == [[0.0, 2.0], [4.0, 6.0]]
    assert all(e - s >= 2.0 for s, e in segments)
    # Brute force over the 2-second pieces.
    pieces = [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    values = [sum(scores[a:b]) for a, b in pieces]
    assert sum(values[i] for i in (0, 2)) == pytest.approx(brute_force(values, [2, 2, 2, 2, 2], 4))
    # A budget below the shortest piece selects nothing.
    assert budget_segments(times, scores, duration=10.0, max_seconds=1.5, min_segment=2.0) == []


def test_budget_segments_handle_held_frames_and_the_video_end():
    # A 1-hour gap: the frame at 2 s lasts until 3602 s; the last frame is clipped to the duration.
    times, scores = [0.0, 1.0, 2.0, 3602.0], [0.2, 0.3, 0.9, 0.8]
    assert frame_intervals(times, 3602.5, 1.0)[-1] == (3602.0, 3602.5)
    segments = budget_segments(times, scores, duration=3602.5, max_seconds=60)
    assert segments == [[0.0, 2.0], [3602.0, 3602.5]]
    assert all(e > s for s, e in segments)
    # Duplicate timestamps give zero-length intervals, never zero-length segments.
    segments = budget_segments([0.0, 1.0, 1.0, 2.0], [0.1, 0.9, 0.9, 0.1], duration=3.0, max_seconds=1.0)
    assert segments == [[1.0, 2.0]]


def test_enforce_min_segment_merges_or_drops():
    segments = [[0.0, 1.0], [1.5, 2.0], [10.0, 14.0], [20.0, 20.5]]
    # [0,1] and [1.5,2] are 0.5 s apart: merged into [0,2]; [20,20.5] is alone and short: dropped.
    assert enforce_min_segment(segments, 2.0) == [[0.0, 2.0], [10.0, 14.0]]
    assert enforce_min_segment(segments, 0) == segments
    # Everything too short: the most salient one is kept.
    times, scores = [0.0, 5.0, 9.0], [0.1, 0.9, 0.2]
    assert enforce_min_segment([[0.0, 1.0], [5.0, 6.0], [9.0, 10.0]], 3.0, times, scores) == [[5.0, 6.0]]

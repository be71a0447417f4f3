# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""KTS shot boundaries (`vsum.shots`, issue #20 item 4): `ruptures`' kernel change point detection with KTS's penalty
equals a straightforward re-typed KTS (the dynamic programme of Potapov et al.'s `cpd_nonlin` and the model
selection of `cpd_auto`, written below as the reference)."""

import math

import numpy as np
import pytest

from vsum.shots import MAX_CHANGE_POINTS, detect_shots, segmentation_scatter, shot_ranges


# ------------------------------------------------------------------------------------------ the reference (KTS)


def reference_scatters(kernel: np.ndarray) -> np.ndarray:
    """`scatter[i, j]`: the kernel scatter of frames `i..j-1` (sum of the diagonal minus the block sum over the
    length), from cumulative sums of the kernel matrix."""
    n = len(kernel)
    diagonal = np.concatenate([[0.0], np.cumsum(np.diag(kernel))])
    block = np.zeros((n + 1, n + 1))
    block[1:, 1:] = kernel.cumsum(axis=0).cumsum(axis=1)
    scatter = np.zeros((n + 1, n + 1))
    for i in range(n):
        for j in range(i + 1, n + 1):
            inside = block[j, j] - block[i, j] - block[j, i] + block[i, i]
            scatter[i, j] = diagonal[j] - diagonal[i] - inside / (j - i)
    return scatter


def reference_cpd_nonlin(kernel: np.ndarray, ncp: int, lmin: int = 1) -> tuple[list[int], np.ndarray]:
    """Optimal `ncp` change points (every segment at least `lmin` frames) by dynamic programming, and the objective
    for `0..ncp` change points."""
    n = len(kernel)
    scatter = reference_scatters(kernel)
    best = np.full((ncp + 1, n + 1), np.inf)  # best[k, l]: k change points over the first l frames
    previous = np.zeros((ncp + 1, n + 1), dtype=int)
    for length in range(lmin, n + 1):
        best[0, length] = scatter[0, length]
    for k in range(1, ncp + 1):
        for length in range((k + 1) * lmin, n + 1):
            for last in range(k * lmin, length - lmin + 1):
                candidate = best[k - 1, last] + scatter[last, length]
                if candidate < best[k, length]:
                    best[k, length], previous[k, length] = candidate, last
    change_points, end = [], n
    for k in range(ncp, 0, -1):
        end = previous[k, end]
        change_points.append(int(end))
    return change_points[::-1], best[:, n]


def reference_cpd_auto(kernel: np.ndarray, ncp: int, vmax: float = 1.0, lmin: int = 1) -> list[int]:
    """KTS's automatic choice of the number of change points: the objective per frame plus
    `vmax * k / (2 n) * (log(n / k) + 1)`, minimised over `k <= ncp`."""
    n = len(kernel)
    _, objective = reference_cpd_nonlin(kernel, ncp, lmin)
    penalty = [0.0] + [vmax * k / (2.0 * n) * (math.log(n / k) + 1.0) for k in range(1, ncp + 1)]
    costs = objective / n + np.array(penalty)
    change_points, _ = reference_cpd_nonlin(kernel, int(np.argmin(costs)), lmin)
    return change_points


def reference_kts(features: np.ndarray, vmax: float = 1.0, lmin: int = 1) -> list[int]:
    """KTS as DSNet runs it: linear kernel on L2-normalised features, up to every feasible change point."""
    normalized = features / np.linalg.norm(features, axis=1, keepdims=True)
    return reference_cpd_auto(normalized @ normalized.T, len(features) // lmin - 1, vmax, lmin)


def shot_features(lengths, dim=16, noise=0.1, seed=0) -> np.ndarray:
    """Frames of shots of `lengths`: one random direction per shot plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(lengths), dim))
    return np.repeat(centres, lengths, axis=0) + noise * rng.normal(size=(sum(lengths), dim))


# ------------------------------------------------------------------------------------------ ruptures vs reference


@pytest.mark.parametrize("seed", range(4))
def test_kts_finds_clear_shots_like_the_reference(seed):
    rng = np.random.default_rng(seed)
    lengths = list(rng.integers(3, 12, size=int(rng.integers(2, 6))))
    features = shot_features(lengths, seed=seed)
    truth = list(np.cumsum(lengths)[:-1])
    assert detect_shots(features) == reference_kts(features) == truth


@pytest.mark.parametrize(("seed", "lmin", "vmax"), [(0, 1, 1.0), (1, 1, 0.2), (2, 2, 0.5), (3, 3, 0.1), (4, 1, 0.05)])
def test_kts_on_random_features_equals_the_reference(seed, lmin, vmax):
    features = np.random.default_rng(seed).normal(size=(40, 8))
    expected = reference_kts(features, vmax=vmax, lmin=lmin)
    found = detect_shots(features, min_size=lmin, vmax=vmax)
    assert found == expected
    assert all(b - a >= lmin for a, b in shot_ranges(found, len(features)))
    if vmax < 0.5:
        assert found  # small penalties give change points on noise: the comparison is not vacuous


def test_scatter_and_segmentation_equal_the_reference_for_every_count():
    features = np.random.default_rng(7).normal(size=(30, 5))
    normalized = features / np.linalg.norm(features, axis=1, keepdims=True)
    kernel = normalized @ normalized.T
    _, objective = reference_cpd_nonlin(kernel, 6)
    for k in range(7):
        cps, _ = reference_cpd_nonlin(kernel, k)
        assert segmentation_scatter(normalized, [*cps, 30]) == pytest.approx(objective[k], abs=1e-9)
        # a fixed number of change points: ruptures' optimum is the reference's
        assert detect_shots(features, max_change_points=k, vmax=0.0) == cps


# ------------------------------------------------------------------------------------------ edge cases and errors


def test_short_videos_are_one_shot():
    assert detect_shots(np.ones((1, 4))) == []
    assert detect_shots(shot_features([2, 2]), min_size=3) == []  # shorter than two minimum shots
    assert detect_shots(shot_features([5, 5]), max_change_points=0) == []
    assert shot_ranges([], 7) == [(0, 7)]
    assert shot_ranges([3, 5], 7) == [(0, 3), (3, 5), (5, 7)]
    features = shot_features([4, 4])
    features[0] = 0.0  # an all-zero frame is kept as is by the normalisation (no division by zero)
    assert detect_shots(features) == [4]


def test_the_default_cap_limits_the_change_points():
    assert MAX_CHANGE_POINTS >= 100
    features = np.random.default_rng(0).normal(size=(30, 4))
    assert len(detect_shots(features, vmax=0.0)) == 29  # no penalty: every frame its own shot
    assert len(detect_shots(features, vmax=0.0, max_change_points=5)) == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"features": np.ones(5)}, "shape (frames, dim)"),
        ({"features": np.ones((0, 3))}, "at least one frame"),
        ({"features": np.array([[1.0, np.nan]])}, "finite"),
        ({"min_size": 0}, "min_size must be an integer >= 1"),
        ({"min_size": 1.5}, "min_size must be an integer >= 1"),
        ({"max_change_points": -1}, "max_change_points must be an integer >= 0"),
        ({"vmax": float("nan")}, "vmax must be a finite number >= 0"),
        ({"vmax": -1.0}, "vmax must be a finite number >= 0"),
    ],
)
def test_bad_values_are_refused(kwargs, message):
    kwargs = {"features": np.ones((4, 3)), **kwargs}
    with pytest.raises(ValueError, match="^" + "[^\n]*" + message.replace("(", r"\(").replace(")", r"\)")):
        detect_shots(**kwargs)


def test_bad_change_points_are_refused():
    with pytest.raises(ValueError, match=r"change points must increase strictly inside \(0, 5\), got \[3, 3\]"):
        shot_ranges([3, 3], 5)
    with pytest.raises(ValueError, match="inside"):
        shot_ranges([5], 5)


def test_shot_spans_and_selection_with_held_frames_and_a_clipped_end():
    from vsum.shots import select_shots, shot_means, shot_spans

    times, scores = [0.0, 1.0, 1.0, 2.0, 3.0], [0.9, 0.1, 0.5, 0.5, 0.5]
    # frame 1 is held (same timestamp as frame 2): zero length; the last frame ends at the video's end (3.5 s)
    assert shot_spans([2], times, 3.5, 1.0) == [[0.0, 1.0], [1.0, 3.5]]
    spans = shot_spans([1, 2], times, 3.5, 1.0)
    assert spans == [[0.0, 1.0], [1.0, 1.0], [1.0, 3.5]]
    values = shot_means([1, 2], scores)
    assert values == pytest.approx([0.9, 0.1, 0.5])  # by frame: the held frame counts in its own shot only
    # the zero-length shot is never chosen, whatever its value; 2.5 s weighs 3 sampling intervals
    assert select_shots(spans, [0.0, 5.0, 0.5], capacity=3.0, interval=1.0) == [2]
    assert select_shots(spans, values, capacity=4.0, interval=1.0) == [0, 2]
    assert select_shots(spans, values, capacity=3.9, interval=1.0) == [0]  # 0.9 > 0.5: both need 4 intervals
    # 2.5 s needs 3 whole intervals: a 2.9 s capacity holds only 2, so the shot does not fit
    assert 2 not in select_shots(spans, [0.0, 5.0, 0.5], capacity=2.9, interval=1.0)
    assert select_shots(spans, values, capacity=0.5, interval=1.0) == []
    with pytest.raises(ValueError, match=r"^capacity must be a finite number of seconds >= 0, got nan$"):
        select_shots(spans, values, capacity=float("nan"), interval=1.0)
    with pytest.raises(ValueError, match=r"^3 shots but 2 values$"):
        select_shots(spans, values[:2], capacity=4.0, interval=1.0)

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The canonical keyshot protocol of TVSum and SumMe (Zhang et al., ECCV 2016; DSNet, PGL-SUM, CA-SUM).

>>> knapsack([3, 4, 5], [2, 3, 4], 5)
[0, 1]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np


def knapsack(values: Sequence[float], weights: Sequence[int], capacity: int) -> list[int]:
    """0/1 knapsack as DSNet solves it: the indices (sorted) of the items packed by OR-tools'
    `KNAPSACK_DYNAMIC_PROGRAMMING_SOLVER` behind `KnapsackSolver` (DSNet's `vsumm_helper.knapsack`; PGL-SUM and
    CA-SUM solve the same DP in Python), reproduced without OR-tools, ties included:

    * if all the items fit (total weight `<= capacity`), all are packed, whatever their values;
    * otherwise one table `best[c]` (largest value within weight `c`) is filled item after item; an item replaces
      the entry only when it is *strictly* better. The solution is read back from the top: the last item that
      improved `best[capacity]` among the items considered is packed, the capacity drops by its weight and only the
      items before it are considered next. Where no item improved the entry (e.g. all the values left are 0) the
      solver falls back to item 0, which is packed if it still fits: a zero-value item 0 can be packed, a tie in
      the total value.

    Values may be integers (DSNet passes `int(1000 * mean score)`) or floats (compared as such: same rule).
    Cost: `O(len(values) * capacity)` time and bits of memory.

    Args:
        values: value of each item (finite).
        weights: weight of each item (integers >= 0), e.g. shot lengths in frames.
        capacity: the largest total weight (an integer >= 0).

    Returns:
        The packed items' indices, ascending.
    """
    values = np.asarray(values)
    weights = np.asarray(weights)
    if values.ndim != 1 or weights.ndim != 1 or len(values) != len(weights):
        raise ValueError(
            f"knapsack: values and weights must be 1-D of the same length, got shapes {values.shape} and "
            f"{weights.shape}"
        )
    if len(values) and not (np.issubdtype(values.dtype, np.number) and np.isfinite(values).all()):
        raise ValueError(f"knapsack: values must be finite numbers, got {values.tolist()[:10]}")
    if len(weights) and not (np.issubdtype(weights.dtype, np.integer) and weights.min() >= 0):
        raise ValueError(f"knapsack: weights must be integers >= 0, got {weights.tolist()[:10]}")
    if isinstance(capacity, bool) or not isinstance(capacity, (Integral, Real)):
        raise ValueError(f"knapsack: capacity must be an integer >= 0, got {capacity!r}")
    if not isinstance(capacity, Integral):
        if not (math.isfinite(capacity) and float(capacity).is_integer()):
            raise ValueError(f"knapsack: capacity must be an integer >= 0, got {capacity!r}")
    capacity = int(capacity)
    if capacity < 0:
        raise ValueError(f"knapsack: capacity must be an integer >= 0, got {capacity}")
    num_items = len(values)
    weights = weights.astype(np.int64)
    # OR-tools' reduction step: no active capacity constraint -> everything is packed.
    if int(weights.sum()) <= capacity:
        return list(range(num_items))
    values = values.astype(np.int64 if np.issubdtype(values.dtype, np.integer) else np.float64)
    # best[c] after items 0..k-1 does not depend on the table's length, so one pass gives every sub-problem the
    # solver re-solves while reading back: improved[k, c] says whether item k raised best[c].
    best = np.zeros(capacity + 1, dtype=values.dtype)
    improved = np.zeros((num_items, capacity + 1), dtype=bool)
    for item, (value, weight) in enumerate(zip(values, weights)):
        if weight > capacity:
            continue
        # The solver walks c downwards, so best[c - weight] is still the value before this item: vectorisable.
        candidate = best[: capacity + 1 - weight] + value
        better = candidate > best[weight:]
        improved[item, weight:] = better
        best[weight:] = np.where(better, candidate, best[weight:])
    packed = []
    remaining, considered = capacity, num_items
    while remaining > 0 and considered > 0:
        raised = np.flatnonzero(improved[:considered, remaining])
        item = int(raised[-1]) if len(raised) else 0
        remaining -= int(weights[item])
        considered = item
        if remaining >= 0:
            packed.append(item)
    return sorted(packed)


__all__ = ["knapsack"]

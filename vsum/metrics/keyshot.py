# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The canonical keyshot protocol of TVSum and SumMe (Zhang et al., ECCV 2016), as DSNet (`src/helpers/
vsumm_helper.py`, `src/evaluate.py`), PGL-SUM and CA-SUM compute it:

1. **Upsampling**: the predicted scores at the sampled frames `picks` (one per step, every 15th frame in the
   canonical files) are held until the next pick, the last one until the video's end (float32, DSNet's way).
2. **Shot scores**: the mean of the frame scores over each shot `change_points[i] = [first, last]` (inclusive),
   stored as `int(1000 * mean)` like DSNet (PGL-SUM/CA-SUM keep `1000 * mean`; only ties differ).
3. **Keyshots**: a 0/1 [`knapsack`] over the shots' lengths `n_frame_per_seg` with capacity
   `int(0.15 * n_frames)`; the chosen shots' frames form the summary.
4. **F-score** (percent) of the summary against every user summary (precision and recall over frames; 0 when they
   share no frame); **TVSum: mean** over users (`"avg"`), **SumMe: max** (`"max"`); mean over the test videos.
5. **Rank correlations** (Otani et al., "Rethinking the evaluation of video summaries", CVPR 2019): Kendall's tau
   (`kendalltau(rankdata(scores), rankdata(user))`) and Spearman's rho (`spearmanr(scores, user)`) of the predicted
   step scores against each user's scores at the same `picks`, averaged over the users (CA-SUM's
   `get_corr_coeff`). The users' scores are TVSum's per-user importance scores (`user_scores`, from
   `ydata-anno.tsv`, each user's row divided by its max) where the video has them, else the user summaries (SumMe).
   A coefficient that is undefined for one user (constant input) counts as 0.
6. **Folds**: the per-fold means over the test videos, then the mean and the standard deviation (population,
   `ddof=0`) over the 5 folds ([`aggregate_folds`]).

>>> knapsack([3, 4, 5], [2, 3, 4], 5)
[0, 1]
>>> keyshot_summary([0.1, 0.9], change_points=[[0, 3], [4, 9]], n_frames=10, n_frame_per_seg=[4, 6], picks=[0, 5]).sum()
np.int64(0)
>>> keyshot_summary([0.9, 0.1], change_points=[[0, 0], [1, 9]], n_frames=10, n_frame_per_seg=[1, 9], picks=[0, 5])[:3]
array([ True, False, False])
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


#: Fraction of the frames a keyshot summary may hold (the knapsack's capacity).
KEYSHOT_PROPORTION = 0.15
#: How the per-user F-scores of a video are reduced, per benchmark (DSNet: "avg" if "tvsum" in the key, else "max").
EVAL_METHODS = {"tvsum": "avg", "summe": "max"}


def _vector(name: str, value, where: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{where}{name} must be 1-D, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{where}{name} must be finite (NaN or inf found)")
    return array


def upsample_scores(scores, picks, n_frames: int) -> np.ndarray:
    """Frame scores (float32, length `n_frames`) from step scores: `scores[i]` covers frames `picks[i]` up to the
    next pick (the last one up to `n_frames`); frames before the first pick keep 0, as in DSNet."""
    scores = np.asarray(scores, dtype=np.float32)
    picks = np.asarray(picks, dtype=np.int64)
    frame_scores = np.zeros(int(n_frames), dtype=np.float32)
    bounds = np.append(picks, int(n_frames))
    for index in range(len(picks)):
        frame_scores[bounds[index] : bounds[index + 1]] = scores[index]
    return frame_scores


def shot_scores(frame_scores, change_points) -> np.ndarray:
    """DSNet's shot values: `int(1000 * mean)` of the (float32) frame scores of each inclusive shot
    `[first, last]`, truncated toward zero (int32)."""
    frame_scores = np.asarray(frame_scores, dtype=np.float32)
    return np.array(
        [int(1000 * frame_scores[first : last + 1].mean()) for first, last in np.asarray(change_points, np.int64)],
        dtype=np.int64,
    )


def check_video(scores, change_points, n_frames, n_frame_per_seg, picks, where: str = "") -> None:
    """One-line `ValueError`s for inputs the protocol cannot score (`where` prefixes the message, e.g. a video)."""
    scores = _vector("scores", scores, where)
    picks = np.asarray(picks)
    if picks.shape != scores.shape:
        raise ValueError(f"{where}scores have shape {scores.shape} but picks {picks.shape}: one score per pick")
    n_frames = int(n_frames)
    if n_frames < 1:
        raise ValueError(f"{where}n_frames must be >= 1, got {n_frames}")
    if len(picks) and (picks.min() < 0 or picks.max() >= n_frames or (np.diff(picks) <= 0).any()):
        raise ValueError(f"{where}picks must increase within [0, {n_frames}), got {picks.tolist()[:10]}...")
    cps = np.asarray(change_points)
    if cps.ndim != 2 or cps.shape[1] != 2 or len(cps) < 1:
        raise ValueError(f"{where}change_points must have shape (n_segs >= 1, 2), got {cps.shape}")
    if (
        cps[0, 0] != 0
        or cps[-1, 1] != n_frames - 1
        or (cps[1:, 0] != cps[:-1, 1] + 1).any()
        or (cps[:, 1] < cps[:, 0]).any()
    ):
        raise ValueError(f"{where}change_points must tile frames 0..{n_frames - 1} with [first, last] shots in order")
    nfps = np.asarray(n_frame_per_seg)
    if nfps.shape != (len(cps),) or (nfps != cps[:, 1] - cps[:, 0] + 1).any():
        raise ValueError(f"{where}n_frame_per_seg must be last - first + 1 of each of the {len(cps)} change_points")


def keyshot_summary(
    scores, change_points, n_frames: int, n_frame_per_seg, picks, proportion: float = KEYSHOT_PROPORTION
) -> np.ndarray:
    """The keyshot summary (bool, one per frame) of step `scores`: upsampled at `picks`, averaged per shot, shots
    chosen by [`knapsack`] within `int(n_frames * proportion)` frames (DSNet's `get_keyshot_summ`)."""
    if not (isinstance(proportion, Real) and 0 < proportion <= 1):
        raise ValueError(f"proportion must be in (0, 1], got {proportion!r}")
    check_video(scores, change_points, n_frames, n_frame_per_seg, picks)
    change_points = np.asarray(change_points, dtype=np.int64)
    values = shot_scores(upsample_scores(scores, picks, n_frames), change_points)
    packed = knapsack(values, np.asarray(n_frame_per_seg, dtype=np.int64), int(int(n_frames) * proportion))
    summary = np.zeros(int(n_frames), dtype=bool)
    for shot in packed:
        first, last = change_points[shot]
        summary[first : last + 1] = True
    return summary


def summary_fscores(summary, user_summary) -> np.ndarray:
    """F-score (percent) of a binary `summary` against each row of `user_summary` (n_users, n_frames); a summary of
    another length is cut or padded with False to `n_frames` (DSNet); 0 where they share no frame."""
    summary = np.asarray(summary).astype(bool)
    users = np.asarray(user_summary)
    if users.ndim != 2 or summary.ndim != 1:
        raise ValueError(f"summary must be 1-D and user_summary 2-D, got {summary.shape} and {users.shape}")
    users = users.astype(bool)
    n_frames = users.shape[1]
    summary = np.pad(summary[:n_frames], (0, max(0, n_frames - len(summary))))
    overlap = (users & summary).sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = overlap / summary.sum()
        recall = overlap / users.sum(axis=1)
        fscores = 2 * precision * recall / (precision + recall)
    return np.where(overlap > 0, fscores, 0.0) * 100


def reduce_fscores(fscores, eval_method: str) -> float:
    """`"avg"` (TVSum) or `"max"` (SumMe) of the per-user F-scores."""
    if eval_method == "avg":
        return float(np.mean(fscores))
    if eval_method == "max":
        return float(np.max(fscores))
    raise ValueError(f"eval_method must be 'avg' (TVSum) or 'max' (SumMe), got {eval_method!r}")


def rank_correlations(scores, user_scores) -> tuple[float, float]:
    """Kendall's tau and Spearman's rho of `scores` (n_steps) against each row of `user_scores` (n_users,
    n_steps), averaged over the users (Otani et al., CVPR 2019; CA-SUM's `get_corr_coeff`); an undefined
    coefficient (constant input, fewer than 2 steps) counts as 0."""
    from scipy.stats import kendalltau, rankdata, spearmanr

    scores = np.asarray(scores, dtype=np.float64)
    users = np.asarray(user_scores, dtype=np.float64)
    if users.ndim != 2 or users.shape[1] != len(scores):
        raise ValueError(f"user_scores must have shape (n_users, {len(scores)}), got {users.shape}")
    taus, rhos = [], []
    for user in users:
        if len(scores) < 2 or np.ptp(scores) == 0 or np.ptp(user) == 0:
            taus.append(0.0)
            rhos.append(0.0)
            continue
        taus.append(float(kendalltau(rankdata(scores), rankdata(user))[0]))
        rhos.append(float(spearmanr(scores, user)[0]))
    return float(np.nan_to_num(np.mean(taus))), float(np.nan_to_num(np.mean(rhos)))


def evaluate_video(
    scores,
    video: dict,
    eval_method: str | None = None,
    proportion: float = KEYSHOT_PROPORTION,
    where: str = "",
) -> dict[str, float]:
    """The protocol on one video: `video` is a row of [`vsum.data.keyshot.load_keyshot`] (or any mapping with
    `change_points`, `n_frames`, `n_frame_per_seg`, `picks`, `user_summary`, optional `user_scores` and
    `benchmark`). Returns `{"fscore", "kendall", "spearman"}` (F-score in percent)."""
    eval_method = eval_method or EVAL_METHODS.get(str(video.get("benchmark", "")))
    if eval_method is None:
        raise ValueError(f"{where}no eval_method: pass 'avg' (TVSum) or 'max' (SumMe) (benchmark unknown)")
    check_video(scores, video["change_points"], video["n_frames"], video["n_frame_per_seg"], video["picks"], where)
    summary = keyshot_summary(
        scores, video["change_points"], video["n_frames"], video["n_frame_per_seg"], video["picks"], proportion
    )
    fscore = reduce_fscores(summary_fscores(summary, video["user_summary"]), eval_method)
    picks = np.asarray(video["picks"], dtype=np.int64)
    user_scores = video.get("user_scores")
    if user_scores is None or np.asarray(user_scores).size == 0:
        user_scores = video["user_summary"]
    user_scores = np.asarray(user_scores, dtype=np.float64)
    if user_scores.ndim != 2 or user_scores.shape[1] != int(video["n_frames"]):
        raise ValueError(f"{where}user scores must have shape (n_users, {video['n_frames']}), got {user_scores.shape}")
    kendall, spearman = rank_correlations(scores, user_scores[:, picks])
    return {"fscore": fscore, "kendall": kendall, "spearman": spearman}


def evaluate_keyshot(
    predictions, dataset, eval_method: str | None = None, proportion: float = KEYSHOT_PROPORTION
) -> dict:
    """The protocol on a test set: `predictions` maps each `video_key` of `dataset` (rows of
    [`vsum.data.keyshot.load_keyshot`]) to its step scores (one per pick), or is a list in the rows' order.

    Returns `{"fscore", "kendall", "spearman"}` (means over the videos) and `"per_video"`: `{video_key: {...}}`.
    """
    rows = [dataset[index] for index in range(len(dataset))]
    if not rows:
        raise ValueError("evaluate_keyshot: the dataset has no video")
    keys = [str(row.get("video_key", f"video #{index}")) for index, row in enumerate(rows)]
    if isinstance(predictions, dict):
        missing = [key for key in keys if key not in predictions]
        if missing:
            raise ValueError(f"evaluate_keyshot: no prediction for {len(missing)} video(s), e.g. {missing[0]}")
        predictions = [predictions[key] for key in keys]
    elif len(predictions) != len(rows):
        raise ValueError(f"evaluate_keyshot: {len(predictions)} predictions for {len(rows)} videos")
    per_video = {
        key: evaluate_video(scores, row, eval_method, proportion, where=f"{key}: ")
        for key, scores, row in zip(keys, predictions, rows)
    }
    means = {name: float(np.mean([result[name] for result in per_video.values()])) for name in METRIC_NAMES}
    return {**means, "per_video": per_video}


#: The numbers of the protocol, per video and averaged.
METRIC_NAMES = ("fscore", "kendall", "spearman")


def aggregate_folds(fold_results) -> dict[str, float]:
    """Mean and spread over folds: for each metric of the per-fold results (as [`evaluate_keyshot`] returns),
    `<metric>` (mean over folds) and `<metric>_std` (population standard deviation, `ddof=0`), plus `num_folds`.

    >>> aggregate_folds([{"fscore": 50.0, "kendall": 0.1, "spearman": 0.2}, {"fscore": 60.0, "kendall": 0.3,
    ...     "spearman": 0.4}])["fscore"]
    55.0
    """
    fold_results = list(fold_results)
    if not fold_results:
        raise ValueError("aggregate_folds: no fold result")
    out: dict[str, float] = {"num_folds": len(fold_results)}
    for name in METRIC_NAMES:
        values = [result[name] for result in fold_results]
        out[name] = float(np.mean(values))
        out[f"{name}_std"] = float(np.std(values))
    return out


__all__ = [
    "EVAL_METHODS",
    "KEYSHOT_PROPORTION",
    "METRIC_NAMES",
    "aggregate_folds",
    "check_video",
    "evaluate_keyshot",
    "evaluate_video",
    "keyshot_summary",
    "knapsack",
    "rank_correlations",
    "reduce_fscores",
    "shot_scores",
    "summary_fscores",
    "upsample_scores",
]

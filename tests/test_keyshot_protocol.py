# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The keyshot protocol (vsum.metrics.keyshot) against a separate, line-by-line reproduction of DSNet's evaluation
(li-plus/DSNet `src/helpers/vsumm_helper.py`: `get_keyshot_summ`, `get_summ_f1score`, `f1_score`; the knapsack is
OR-tools' `KnapsackSolver` with `KNAPSACK_DYNAMIC_PROGRAMMING_SOLVER`, re-typed below from OR-tools'
`knapsack_solver.cc`: the reduction step and the DP with its read-back) and of CA-SUM's `get_corr_coeff`."""

import numpy as np
import pytest
from scipy.stats import kendalltau, rankdata, spearmanr

from vsum.metrics.keyshot import (
    aggregate_folds,
    evaluate_keyshot,
    evaluate_video,
    keyshot_summary,
    knapsack,
    rank_correlations,
)


# ----------------------------------------------------------------------------- reference (re-typed, loop by loop)


def ortools_dp_knapsack(profits, weights, capacity):
    """OR-tools `KnapsackSolver(KNAPSACK_DYNAMIC_PROGRAMMING_SOLVER)`: `Init` (ReduceCapacities: if the weights sum
    to at most the capacity, every item is packed), then `KnapsackDynamicProgrammingSolver::Solve`."""
    profits, weights = [int(p) for p in profits], [int(w) for w in weights]
    if sum(weights) <= capacity:
        return list(range(len(profits)))
    computed_profits = [0] * (capacity + 1)
    selected_item_ids = [0] * (capacity + 1)

    def solve_sub_problem(cap, num_items):
        for c in range(cap + 1):
            selected_item_ids[c] = 0
            computed_profits[c] = 0
        for item_id in range(num_items):
            item_weight, item_profit = weights[item_id], profits[item_id]
            used = cap
            while used >= item_weight:
                if computed_profits[used - item_weight] + item_profit > computed_profits[used]:
                    computed_profits[used] = computed_profits[used - item_weight] + item_profit
                    selected_item_ids[used] = item_id
                used -= 1
        return selected_item_ids[cap]

    best_solution = [False] * len(profits)
    remaining, num_items = capacity, len(profits)
    while remaining > 0 and num_items > 0:
        selected = solve_sub_problem(remaining, num_items)
        remaining -= weights[selected]
        num_items = selected
        if remaining >= 0:
            best_solution[selected] = True
    return [i for i in range(len(profits)) if best_solution[i]]


def dsnet_get_keyshot_summ(pred, cps, n_frames, nfps, picks, proportion=0.15):
    picks = np.asarray(picks, dtype=np.int32)
    frame_scores = np.zeros(n_frames, dtype=np.float32)
    for i in range(len(picks)):
        pos_lo = picks[i]
        pos_hi = picks[i + 1] if i + 1 < len(picks) else n_frames
        frame_scores[pos_lo:pos_hi] = pred[i]
    seg_scores = np.zeros(len(cps), dtype=np.int32)
    for seg_idx, (first, last) in enumerate(cps):
        scores = frame_scores[first : last + 1]
        seg_scores[seg_idx] = int(1000 * scores.mean())
    limits = int(n_frames * proportion)
    packed = ortools_dp_knapsack(list(seg_scores), list(nfps), limits)
    summary = np.zeros(n_frames, dtype=bool)
    for seg_idx in packed:
        first, last = cps[seg_idx]
        summary[first : last + 1] = True
    return summary


def dsnet_f1(pred, test):
    pred, test = np.asarray(pred, dtype=bool), np.asarray(test, dtype=bool)
    overlap = (pred & test).sum()
    if overlap == 0:
        return 0.0
    precision = overlap / pred.sum()
    recall = overlap / test.sum()
    return float(2 * precision * recall / (precision + recall))


def dsnet_get_summ_f1score(pred_summ, test_summ, eval_metric):
    pred_summ, test_summ = np.asarray(pred_summ, dtype=bool), np.asarray(test_summ, dtype=bool)
    _, n_frames = test_summ.shape
    if pred_summ.size > n_frames:
        pred_summ = pred_summ[:n_frames]
    elif pred_summ.size < n_frames:
        pred_summ = np.pad(pred_summ, (0, n_frames - pred_summ.size))
    f1s = [dsnet_f1(user_summ, pred_summ) for user_summ in test_summ]
    return float(np.mean(f1s)) if eval_metric == "avg" else float(np.max(f1s))


def casum_corr(pred_imp_scores, user_scores):
    rho, tau = [], []
    for true_user_score in user_scores:
        rho.append(spearmanr(pred_imp_scores, true_user_score)[0])
        tau.append(kendalltau(rankdata(pred_imp_scores), rankdata(true_user_score))[0])
    return float(np.mean(tau)), float(np.mean(rho))


# ---------------------------------------------------------------------------------------------- random videos


def random_video(rng, one_shot=False, tied=False):
    n_frames = int(rng.integers(20, 400))
    step = int(rng.choice([1, 5, 15]))
    picks = np.arange(0, n_frames, step)
    if one_shot:
        bounds = [0, n_frames]
    else:
        inner = sorted(
            rng.choice(np.arange(1, n_frames), size=int(rng.integers(1, min(30, n_frames - 1))), replace=False)
        )
        bounds = [0, *[int(b) for b in inner], n_frames]
    cps = np.array([[a, b - 1] for a, b in zip(bounds[:-1], bounds[1:])])
    nfps = cps[:, 1] - cps[:, 0] + 1
    # Ties: scores from a few levels (equal shot values), or tiny ones that DSNet's int(1000 * mean) makes 0.
    if tied:
        scores = rng.choice([0.0, 0.0004, 0.25, 0.5, 1.0], size=len(picks))
    else:
        scores = rng.random(len(picks))
    user_summary = (rng.random((int(rng.integers(1, 6)), n_frames)) < rng.uniform(0.05, 0.4)).astype(np.uint8)
    user_summary[0, 0] = 1  # every user summary selects a frame (real ones do)
    user_scores = rng.integers(1, 6, size=(user_summary.shape[0], n_frames)).astype(np.float64)
    user_scores /= user_scores.max(axis=1, keepdims=True)
    user_scores[:, picks[0]], user_scores[:, picks[-1]] = 0.0, 1.0  # no constant user at the picks
    video = {
        "change_points": cps,
        "n_frames": n_frames,
        "n_frame_per_seg": nfps,
        "picks": picks,
        "user_summary": user_summary,
        "user_scores": user_scores,
    }
    return scores, video


def test_knapsack_equals_ortools_dp_on_random_tied_cases():
    rng = np.random.default_rng(0)
    for _ in range(3000):
        k = int(rng.integers(0, 9))
        values = rng.integers(0, int(rng.choice([1, 2, 3, 1000])), size=k)
        weights = rng.integers(1, 8, size=k)
        capacity = int(rng.integers(0, 30))
        assert knapsack(values, weights, capacity) == ortools_dp_knapsack(values, weights, capacity), (
            values,
            weights,
            capacity,
        )


def test_knapsack_tie_rules():
    # Everything fits: all packed, even zero values (OR-tools' reduction step).
    assert knapsack([0, 0, 5], [1, 1, 1], 3) == [0, 1, 2]
    # Nothing is worth anything: item 0 is the DP's fallback and is packed when it fits.
    assert knapsack([0, 0, 0], [2, 2, 2], 3) == [0]
    assert knapsack([0, 0, 0], [4, 2, 2], 3) == []
    # Equal totals: the solver keeps the earlier item (strict improvement only).
    assert knapsack([5, 5], [2, 2], 3) == [0]


def test_knapsack_rejects_bad_input():
    for args in (([1.0], [1, 2], 3), ([float("nan")], [1], 3), ([1], [-1], 3), ([1], [1.5], 3), ([1], [1], -1)):
        with pytest.raises(ValueError, match="knapsack"):
            knapsack(*args)


@pytest.mark.parametrize("one_shot,tied", [(False, False), (False, True), (True, False), (True, True)])
def test_protocol_equals_dsnet_and_casum_on_random_videos(one_shot, tied):
    rng = np.random.default_rng(1 + 2 * one_shot + tied)
    for _ in range(40):
        scores, video = random_video(rng, one_shot=one_shot, tied=tied)
        args = (video["change_points"], video["n_frames"], video["n_frame_per_seg"], video["picks"])
        expected_summary = dsnet_get_keyshot_summ(scores, *args)
        np.testing.assert_array_equal(keyshot_summary(scores, *args), expected_summary)
        for method in ("avg", "max"):
            result = evaluate_video(scores, video, eval_method=method)
            expected = 100 * dsnet_get_summ_f1score(expected_summary, video["user_summary"], method)
            assert abs(result["fscore"] - expected) <= 1e-9
        if np.ptp(scores) > 0:
            tau, rho = casum_corr(scores, video["user_scores"][:, video["picks"]])
            assert abs(result["kendall"] - tau) <= 1e-9 and abs(result["spearman"] - rho) <= 1e-9


def test_summe_correlations_use_user_summaries_and_constant_scores_count_zero():
    rng = np.random.default_rng(7)
    scores, video = random_video(rng)
    del video["user_scores"]
    tau, rho = casum_corr(scores, video["user_summary"][:, video["picks"]].astype(float))
    result = evaluate_video(scores, video, eval_method="max")
    assert abs(result["kendall"] - tau) <= 1e-9 and abs(result["spearman"] - rho) <= 1e-9
    assert rank_correlations(np.ones(5), np.arange(10.0).reshape(2, 5)) == (0.0, 0.0)


def test_evaluate_keyshot_means_over_videos_and_folds():
    rng = np.random.default_rng(3)
    videos, predictions = [], {}
    for index in range(3):
        scores, video = random_video(rng)
        video.update(video_key=f"video_{index}", benchmark="tvsum")
        videos.append(video)
        predictions[f"video_{index}"] = scores
    result = evaluate_keyshot(predictions, videos)
    per_video = [evaluate_video(predictions[v["video_key"]], v, "avg")["fscore"] for v in videos]
    assert result["fscore"] == pytest.approx(np.mean(per_video), abs=1e-12)
    assert set(result["per_video"]) == {"video_0", "video_1", "video_2"}
    with pytest.raises(ValueError, match="no prediction for 1 video"):
        evaluate_keyshot({"video_0": predictions["video_0"], "video_1": predictions["video_1"]}, videos)
    with pytest.raises(ValueError, match="video_1: scores have shape"):
        evaluate_keyshot({**predictions, "video_1": np.zeros(1000)}, videos)
    folds = aggregate_folds([{"fscore": 50.0, "kendall": 0.1, "spearman": 0.2}] * 2 + [result])
    assert folds["num_folds"] == 3
    assert folds["fscore_std"] == pytest.approx(np.std([50.0, 50.0, result["fscore"]]))


def test_evaluate_module_wraps_the_protocol(monkeypatch):
    import doctest
    from pathlib import Path

    import evaluate

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)  # the doc example loads "metrics/vsum_keyshot"
    metric = evaluate.load("metrics/vsum_keyshot")
    test = doctest.DocTestParser().get_doctest(metric.inputs_description, {"evaluate": evaluate}, "doc", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 4
    rng = np.random.default_rng(11)
    pairs = [random_video(rng) for _ in range(3)]
    columns = ("user_summary", "change_points", "n_frame_per_seg", "n_frames", "picks", "user_scores")
    results = metric.compute(
        predictions=[scores for scores, _ in pairs],
        **{name: [video[name] for _, video in pairs] for name in columns},
        benchmark="tvsum",
    )
    expected = evaluate_keyshot([scores for scores, _ in pairs], [{**v, "benchmark": "tvsum"} for _, v in pairs])
    for name in ("fscore", "kendall", "spearman"):
        assert results[name] == pytest.approx(expected[name], abs=1e-6)
    with pytest.raises(ValueError, match="benchmark must be"):
        metric.compute(predictions=[pairs[0][0]], **{name: [pairs[0][1][name]] for name in columns})

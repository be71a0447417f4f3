# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
# Copyright 2025 The vsum-la Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""Video-summary (V2V) metrics of the VideoXum benchmark, under two clearly named F1 protocols.

This module holds the only implementation of the V2V math in the project (the `evaluate` module
`metrics/vsum_v2v`, `vsum.evaluation` and the scripts are thin wrappers around it). It follows `get_top15_frames`,
`compute_f1`, `compute_kendall` and `compute_spearman` of the official VideoXum code
(https://github.com/jylins/videoxum, `utils.py`):

* **Summary, `protocol="top15"`** (the documented rule, the default): the scores of the T valid frames are sorted in descending order, the threshold is the score at index
  `floor(ratio * T)` and every frame whose score is `>=` the threshold is selected, i.e. `floor(ratio * T) + 1`
  frames plus ties (`ratio = 0.15`).
* **Summary, `protocol="videoxum_released"`** (what the released code computes, bit for bit): the released
  evaluation passes saliency scores of shape `(batch, frames, 1)` to `get_top15_frames`. There `np.sort` sorts the
  last axis, which has length 1, so it changes nothing; `[::-1]` then reverses the *time* axis instead of a sorted
  order, and `[floor(0.15 * T)]` picks the score of the frame at time index `T - 1 - floor(0.15 * T)`. Every frame
  scoring `>=` that frame's score is selected. The threshold is therefore the score of one fixed frame near the end of
  the video, not the 85th percentile: on random scores about half of the frames are selected (not 15 %), and the F1
  of random scores rises accordingly (docs/evaluation.md, "Evaluation protocol", has measured baselines). The published
  VideoXum F1 numbers (e.g. 23.5 for VTSUM-BLIP TT+CA) were computed this way. Kendall's tau and Spearman's rho are
  not affected (the released code flattens the scores for them). Its F1 keys carry a `_released` suffix
  (`f1_mean_released`, `f1_max_released`), so a number never changes meaning with the protocol.
* **F1**: F1 of that summary against the binary summary of each annotator (F1 is 0 when precision or recall is
  undefined, as in `sklearn.metrics.f1_score`), then the mean (`f1_mean`) and the max (`f1_max`) over the annotators
  of a video, averaged over videos, in percent. `f1_mean` is the number that the VideoXum paper tables call "F1".
* **Kendall's tau** (tau-b): `scipy.stats.kendalltau(rankdata(-annotator_mean), rankdata(-scores))`.
* **Spearman's rho**: `scipy.stats.spearmanr(annotator_mean, scores)`.
  `annotator_mean` is the per-frame mean of the annotators' binary labels; an undefined coefficient (constant input,
  fewer than 2 frames) counts as 0, like the NaN -> 0 rule of the official code.

Scores can be logits or probabilities: every step only depends on the order of the scores, so any strictly
increasing transform (e.g. a sigmoid) gives the same numbers, except for ties it may create by floating-point
saturation (the official code thresholds the raw logits for F1 and ranks the sigmoid probabilities for tau/rho).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import kendalltau, rankdata, spearmanr

from ..constants import DEFAULT_SUMMARY_RATIO


"""Fraction of the frames of the VideoXum video summary (15%)."""

V2V_KEYS = ("f1_mean", "f1_max", "kendall", "spearman")
"""Keys of the dataset-level V2V results of `protocol="top15"`, in report order."""

PROTOCOLS = ("top15", "videoxum_released")
"""F1 protocols: the documented top-15 % rule and the rule the released VideoXum code computes."""

RELEASED_SUFFIX = "_released"
"""Suffix of the F1 keys of `protocol="videoxum_released"` (`f1_mean_released`, `f1_max_released`)."""


def f1_keys(protocol: str) -> tuple[str, str]:
    """`(mean_key, max_key)` of the F1 results of `protocol`."""
    suffix = RELEASED_SUFFIX if protocol == "videoxum_released" else ""
    return f"f1_mean{suffix}", f"f1_max{suffix}"


def _check_protocol(protocol: str) -> tuple[str, ...]:
    """The protocols asked for: one of `PROTOCOLS`, or `"both"`."""
    if protocol == "both":
        return PROTOCOLS
    if protocol not in PROTOCOLS:
        raise ValueError(f"`protocol` must be one of {PROTOCOLS + ('both',)}, got {protocol!r}.")
    return (protocol,)


def _to_numpy(array: Any) -> np.ndarray:
    """Converts a list, a NumPy array or a (possibly CUDA) torch tensor to a NumPy array without importing torch."""
    if hasattr(array, "detach") and hasattr(array, "cpu"):
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def _where(index: int | None) -> str:
    return "" if index is None else f"video {index}: "


def _check_ratio(ratio: float) -> float:
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float, np.integer, np.floating)):
        raise ValueError(f"`summary_ratio` must be a number in (0, 1], got {ratio!r}.")
    ratio = float(ratio)
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"`summary_ratio` must be in (0, 1], got {ratio}.")
    return ratio


def _check_scores(scores: Any, index: int | None = None) -> np.ndarray:
    """Validates the predicted per-frame scores of one video and returns them as a 1-D float64 array."""
    array = _to_numpy(scores)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{_where(index)}predicted scores must be numbers, got dtype {array.dtype}.")
    if array.ndim != 1:
        raise ValueError(
            f"{_where(index)}predicted scores must be a 1-D sequence of per-frame scores, got shape {array.shape}."
        )
    if array.size == 0:
        raise ValueError(f"{_where(index)}predicted scores are empty (a video needs at least one frame).")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(f"{_where(index)}predicted scores must be finite, got {array[bad]} at frame {bad}.")
    return array


def _check_labels(labels: Any, index: int | None = None) -> np.ndarray:
    """Validates the annotators x frames binary labels of one video and returns them as a 2-D bool array."""
    array = _to_numpy(labels)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(
            f"{_where(index)}references must be an annotators x frames matrix of 0/1 labels, got dtype {array.dtype}."
        )
    if array.ndim != 2:
        raise ValueError(
            f"{_where(index)}references must be a 2-D annotators x frames matrix of 0/1 labels, got shape "
            f"{array.shape}."
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"{_where(index)}references must have at least one annotator and one frame, got shape {array.shape}."
        )
    if array.dtype != bool:
        binary = (array == 0) | (array == 1)
        if not np.all(binary):
            annotator, frame = (int(i[0]) for i in np.nonzero(~binary))
            raise ValueError(
                f"{_where(index)}references must be binary (0/1), got {array[annotator, frame]} for annotator "
                f"{annotator} at frame {frame}."
            )
        array = array == 1
    return array


def select_summary(scores: Any, ratio: float = DEFAULT_SUMMARY_RATIO, protocol: str = "top15") -> np.ndarray:
    """Selects the binary video summary from per-frame scores with the VideoXum threshold rule.

    The scores are sorted in descending order and the threshold is the score at index `floor(ratio * T)`; every frame
    whose score is `>=` that threshold is selected. This selects `floor(ratio * T) + 1` frames, plus any frame tied
    with the threshold (e.g. all `T` frames when the scores are constant). For `T < 7` and `ratio = 0.15`,
    `floor(ratio * T) = 0`, so only the top-scoring frame(s) are selected. With `ratio = 1` the index is clipped to
    `T - 1` and all frames are selected.

    Args:
        scores (`array-like` of shape `(T,)`):
            Predicted per-frame scores (logits or probabilities) of the `T` valid frames of one video.
        ratio (`float`, *optional*, defaults to 0.15):
            Summary length ratio, in `(0, 1]`.
        protocol (`str`, *optional*, defaults to `"top15"`):
            `"top15"` (the rule above) or `"videoxum_released"`: the threshold is the score of the frame at time index
            `T - 1 - min(floor(ratio * T), T - 1)` and every frame scoring `>=` it is selected (what the released
            VideoXum code computes, see the module docstring).

    Returns:
        `np.ndarray` of shape `(T,)` and dtype `bool`: the selected frames.

    Example:

    >>> from vsum.metrics.video import select_summary
    >>> scores = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.35]
    >>> select_summary(scores).nonzero()[0].tolist()  # floor(0.15 * 10) + 1 = 2 best frames
    [0, 2]
    >>> select_summary(scores, protocol="videoxum_released").nonzero()[0].tolist()  # >= score of frame 10 - 1 - 1
    [0, 2, 4, 6, 8]
    """
    ratio = _check_ratio(ratio)
    (protocol,) = _check_one_protocol(protocol)
    scores = _check_scores(scores)
    return _select_summary(scores, ratio, protocol)


def _check_one_protocol(protocol: str) -> tuple[str]:
    if protocol not in PROTOCOLS:
        raise ValueError(f"`protocol` must be one of {PROTOCOLS}, got {protocol!r}.")
    return (protocol,)


def _select_summary(scores: np.ndarray, ratio: float, protocol: str = "top15") -> np.ndarray:
    if protocol == "videoxum_released":
        num_frames = scores.shape[0]
        rank = min(int(math.floor(ratio * num_frames)), num_frames - 1)
        # The released code indexes the time-reversed scores at `rank`: the frame at time T - 1 - rank sets the bar.
        return scores >= scores[num_frames - 1 - rank]
    from ..processing_vsum import summary_mask  # the one implementation, shared with post_process_summary

    return summary_mask(scores, ratio)


def summary_f1(summary: Any, labels: Any) -> np.ndarray:
    """F1 score of a binary summary against the binary summary of each annotator.

    `F1 = 2 * TP / (|summary| + |annotator summary|)`, which equals the harmonic mean of precision and recall over
    frames and is 0 when either is undefined (no true positive, e.g. an annotator who selected no frame), exactly like
    `sklearn.metrics.f1_score` as used by the official code.

    Args:
        summary (`array-like` of shape `(T,)`):
            Binary (0/1 or bool) predicted summary, e.g. from [`select_summary`].
        labels (`array-like` of shape `(A, T)`):
            Binary summaries of the `A` annotators.

    Returns:
        `np.ndarray` of shape `(A,)`: the F1 against each annotator, in `[0, 1]` (not in percent).
    """
    labels = _check_labels(labels)
    summary = _to_numpy(summary)
    if summary.ndim != 1:
        raise ValueError(f"`summary` must be a 1-D binary vector, got shape {summary.shape}.")
    # Reuse the label checks (numeric, binary, non-empty) on the summary seen as a single annotator.
    summary = _check_labels(summary[None])[0]
    if summary.shape[0] != labels.shape[1]:
        raise ValueError(
            f"`summary` has {summary.shape[0]} frames but `labels` have {labels.shape[1]} frames; they must match."
        )
    return _summary_f1(summary, labels)


def _summary_f1(summary: np.ndarray, labels: np.ndarray) -> np.ndarray:
    true_positives = labels @ summary.astype(np.int64)  # bool @ int: counts per annotator
    denominator = int(summary.sum()) + labels.sum(axis=1)
    f1 = np.zeros(labels.shape[0], dtype=np.float64)
    defined = true_positives > 0  # TP = 0 -> F1 = 0 (also covers an empty annotator summary)
    f1[defined] = 2.0 * true_positives[defined] / denominator[defined]
    return f1


def rank_correlations(scores: Any, labels: Any) -> tuple[float, float]:
    """Kendall's tau-b and Spearman's rho between predicted scores and the mean of the annotators' labels.

    As in the official code: `kendalltau(rankdata(-annotator_mean), rankdata(-scores))` and
    `spearmanr(annotator_mean, scores)`, where `annotator_mean` is the per-frame mean of the annotators' binary labels.
    A coefficient that is undefined (fewer than 2 frames, or constant scores or constant `annotator_mean`, where SciPy
    would return NaN) counts as 0.

    Args:
        scores (`array-like` of shape `(T,)`):
            Predicted per-frame scores.
        labels (`array-like` of shape `(A, T)`):
            Binary summaries of the `A` annotators.

    Returns:
        `tuple[float, float]`: `(kendall, spearman)`, plain coefficients in `[-1, 1]`.
    """
    scores = _check_scores(scores)
    labels = _check_labels(labels)
    if scores.shape[0] != labels.shape[1]:
        raise ValueError(f"`scores` have {scores.shape[0]} frames but `labels` have {labels.shape[1]} frames.")
    return _rank_correlations(scores, labels)


def _rank_correlations(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    annotator_mean = labels.mean(axis=0)
    # Undefined cases are detected up front instead of calling SciPy (which returns NaN with a warning):
    # the official code maps the NaN to 0 as well.
    if scores.shape[0] < 2 or np.all(scores == scores[0]) or np.all(annotator_mean == annotator_mean[0]):
        return 0.0, 0.0
    kendall = float(kendalltau(rankdata(-annotator_mean), rankdata(-scores)).statistic)
    spearman = float(spearmanr(annotator_mean, scores).statistic)
    return (0.0 if math.isnan(kendall) else kendall), (0.0 if math.isnan(spearman) else spearman)


def score_video(
    scores: Any,
    labels: Any,
    summary_ratio: float = DEFAULT_SUMMARY_RATIO,
    *,
    protocol: str = "top15",
    index: int | None = None,
) -> dict[str, float | int]:
    """All V2V metrics of one video.

    Args:
        scores (`array-like` of shape `(T,)`):
            Predicted per-frame scores of the `T` valid frames (padding removed).
        labels (`array-like` of shape `(A, T)`):
            Binary (0/1) summaries of the `A` annotators (10 in VideoXum).
        summary_ratio (`float`, *optional*, defaults to 0.15):
            Summary length ratio of [`select_summary`].
        protocol (`str`, *optional*, defaults to `"top15"`):
            F1 protocol: `"top15"`, `"videoxum_released"` or `"both"` (see the module docstring).
        index (`int`, *optional*):
            Position of the video in its dataset, only used in error messages.

    Returns:
        `dict`: for `"top15"`: `f1_mean` (mean F1 over annotators, in percent), `f1_max` (max over annotators, in
        percent) and `num_selected` (summary length); for `"videoxum_released"`: `f1_mean_released`,
        `f1_max_released` and `num_selected_released`; always `kendall`, `spearman` (plain coefficients, identical
        under both protocols) and `num_frames`.
    """
    ratio = _check_ratio(summary_ratio)
    protocols = _check_protocol(protocol)
    scores = _check_scores(scores, index)
    labels = _check_labels(labels, index)
    if scores.shape[0] != labels.shape[1]:
        raise ValueError(
            f"{_where(index)}predictions have {scores.shape[0]} frames but references have {labels.shape[1]} frames "
            f"({labels.shape[0]} annotators x {labels.shape[1]} frames); they must match."
        )
    result: dict[str, float | int] = {}
    for name in protocols:
        summary = _select_summary(scores, ratio, name)
        f1 = _summary_f1(summary, labels)
        mean_key, max_key = f1_keys(name)
        result[mean_key] = 100.0 * float(f1.mean())
        result[max_key] = 100.0 * float(f1.max())
        result["num_selected" + (RELEASED_SUFFIX if name == "videoxum_released" else "")] = int(summary.sum())
    result["kendall"], result["spearman"] = _rank_correlations(scores, labels)
    result["num_frames"] = int(scores.shape[0])
    return result


def _check_lists(lists: dict[str, Any], strings: str | None = None) -> None:
    """The one check of a metric's per-video inputs: each value of `lists` (name -> value) is a list with one entry per
    video, all of one non-zero length; the entries of `lists[strings]` (when given) are strings."""
    for name, value in lists.items():
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise ValueError(f"`{name}` must be a list with one entry per video, got {type(value).__name__}.")
    names = [f"`{name}`" for name in lists]
    names = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    lengths = [len(value) for value in lists.values()]
    if len(set(lengths)) > 1:
        counts = [f"{length} {name}" for name, length in zip(lists, lengths)]
        raise ValueError(f"{names} must have one entry per video each, got {', '.join(counts[:-1])} and {counts[-1]}.")
    if lengths[0] == 0:
        raise ValueError(f"`{next(iter(lists))}` is empty: at least one video is needed.")
    for index, text in enumerate(lists[strings] if strings else ()):
        if not isinstance(text, str):
            raise ValueError(f"{strings[:-1]} {index} must be a string, got {type(text).__name__}: {text!r}.")


def compute_v2v_per_video(
    predictions: Sequence[Any],
    references: Sequence[Any],
    summary_ratio: float = DEFAULT_SUMMARY_RATIO,
    protocol: str = "top15",
) -> list[dict[str, float | int]]:
    """V2V metrics of each video (see [`score_video`]).

    Args:
        predictions (`list` of `array-like` of shape `(T_i,)`):
            Predicted per-frame scores of each video.
        references (`list` of `array-like` of shape `(A_i, T_i)`):
            Binary annotators x frames labels of each video.
        summary_ratio (`float`, *optional*, defaults to 0.15):
            Summary length ratio.
        protocol (`str`, *optional*, defaults to `"top15"`):
            `"top15"`, `"videoxum_released"` or `"both"`.

    Returns:
        `list[dict]`: one dict per video, as [`score_video`] returns it.
    """
    _check_lists({"predictions": predictions, "references": references})
    ratio = _check_ratio(summary_ratio)
    _check_protocol(protocol)
    return [
        score_video(scores, labels, ratio, protocol=protocol, index=index)
        for index, (scores, labels) in enumerate(zip(predictions, references))
    ]


def aggregate_v2v(per_video: Sequence[dict[str, float | int]]) -> dict[str, float]:
    """Averages per-video results of [`compute_v2v_per_video`] over videos.

    Args:
        per_video (`list[dict]`): per-video results.

    Returns:
        `dict[str, float]`: the mean over videos of each F1 key present (`f1_mean`, `f1_max`, `f1_mean_released`,
        `f1_max_released`), `kendall` and `spearman`.
    """
    if len(per_video) == 0:
        raise ValueError("`per_video` is empty: at least one video is needed.")
    keys = [key for key in (*f1_keys("top15"), *f1_keys("videoxum_released")) if key in per_video[0]]
    keys += ["kendall", "spearman"]
    return {key: float(np.mean([video[key] for video in per_video])) for key in keys}


def compute_v2v(
    predictions: Sequence[Any],
    references: Sequence[Any],
    summary_ratio: float = DEFAULT_SUMMARY_RATIO,
    protocol: str = "top15",
) -> dict[str, float]:
    """Dataset-level V2V metrics of the VideoXum benchmark.

    Args:
        predictions (`list` of `array-like` of shape `(T_i,)`):
            Predicted per-frame scores (e.g. sigmoid probabilities) of the `T_i` valid frames of each video.
        references (`list` of `array-like` of shape `(A_i, T_i)`):
            Binary (0/1) summaries of the annotators of each video (10 annotators in VideoXum).
        summary_ratio (`float`, *optional*, defaults to 0.15):
            Summary length ratio of [`select_summary`], in `(0, 1]`.
        protocol (`str`, *optional*, defaults to `"top15"`):
            F1 protocol: `"top15"` (the documented top-15 % rule), `"videoxum_released"` (what the released
            VideoXum code computes; the published tables used it) or `"both"`.

    Returns:
        `dict[str, float]`, each averaged over videos:
            - `f1_mean` / `f1_max` (`"top15"`): mean / max over annotators of the F1 of the predicted summary, in
              percent.
            - `f1_mean_released` / `f1_max_released` (`"videoxum_released"`): the same with the released rule; the
              "F1" of the published VideoXum tables is `f1_mean_released`.
            - `kendall`: Kendall's tau-b between the predicted scores and the annotators' mean (e.g. 0.196).
            - `spearman`: Spearman's rho between the predicted scores and the annotators' mean.

    Example:

    >>> import numpy as np
    >>> from vsum.metrics.video import compute_v2v
    >>> scores = [np.array([0.9, 0.1, 0.2, 0.3])]
    >>> labels = [np.array([[1, 0, 0, 0], [1, 1, 0, 0]])]
    >>> {k: round(v, 4) for k, v in compute_v2v(scores, labels).items()}
    {'f1_mean': 83.3333, 'f1_max': 100.0, 'kendall': 0.1826, 'spearman': 0.3162}
    >>> {k: round(v, 4) for k, v in compute_v2v(scores, labels, protocol="videoxum_released").items()}
    {'f1_mean_released': 58.3333, 'f1_max_released': 66.6667, 'kendall': 0.1826, 'spearman': 0.3162}
    """
    return aggregate_v2v(compute_v2v_per_video(predictions, references, summary_ratio, protocol))

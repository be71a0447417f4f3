# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VSUM V2V: video-summary metrics (F1 under two named protocols, Kendall's tau, Spearman's rho) of VideoXum."""

import datasets
import evaluate

from vsum.constants import VIDEOXUM_CITATION
from vsum.metrics.video import DEFAULT_SUMMARY_RATIO, compute_v2v


_CITATION = VIDEOXUM_CITATION

_DESCRIPTION = """\
Video-to-video (V2V) summarization metrics of the VideoXum benchmark. A binary video summary is selected from the
predicted per-frame scores. With protocol="top15" (the default, the documented rule) the scores are sorted in
descending order and every frame whose score is >= the score at index floor(0.15 * T) is kept (floor(0.15 * T) + 1
frames, plus ties). With protocol="videoxum_released" the summary is what the released VideoXum code computes: its
scores have shape (batch, frames, 1), so np.sort sorts a length-1 axis (no-op), [::-1] reverses time, and the threshold
is the score of the frame at time index T - 1 - floor(0.15 * T); about half of the frames of random scores are kept.
The published VideoXum F1 numbers used that rule. protocol="both" reports both. The F1 of the summary against the
binary summary of each annotator is averaged (f1_mean, f1_mean_released) or maximised (f1_max, f1_max_released) over
the annotators of a video, then averaged over videos. Kendall's tau-b and Spearman's rho compare the predicted scores
with the per-frame mean of the annotators' labels (the same under both protocols); an undefined coefficient (e.g.
constant scores) counts as 0.
"""

_KWARGS_DESCRIPTION = """
Computes the VideoXum V2V metrics of predicted per-frame scores against the annotators' binary summaries.
Args:
    predictions (`list` of `list[float]`): predicted per-frame scores (e.g. sigmoid probabilities) of the T valid
        frames of each video; videos may have different lengths.
    references (`list` of `list[list[int]]`): for each video, the annotators x frames matrix of binary (0/1) summaries
        (10 annotators in VideoXum), with the same T frames as the prediction.
    summary_ratio (`float`, *optional*, defaults to 0.15): summary length ratio, in (0, 1].
    protocol (`str`, *optional*, defaults to "top15"): "top15", "videoxum_released" or "both".
Returns:
    f1_mean (`float`, "top15"): mean over annotators of the summary F1, averaged over videos, in percent.
    f1_max (`float`, "top15"): max over annotators of the summary F1, averaged over videos, in percent.
    f1_mean_released, f1_max_released (`float`, "videoxum_released"): the same with the released rule
        (f1_mean_released is the "F1" of the published VideoXum tables).
    kendall (`float`): Kendall's tau-b, averaged over videos (plain coefficient, e.g. 0.196).
    spearman (`float`): Spearman's rho, averaged over videos (plain coefficient).
Examples:

    >>> metric = evaluate.load("metrics/vsum_v2v")
    >>> predictions = [[0.9, 0.1, 0.2, 0.3]]
    >>> references = [[[1, 0, 0, 0], [1, 1, 0, 0]]]
    >>> results = metric.compute(predictions=predictions, references=references)
    >>> print({key: round(value, 4) for key, value in results.items()})
    {'f1_mean': 83.3333, 'f1_max': 100.0, 'kendall': 0.1826, 'spearman': 0.3162}
    >>> results = metric.compute(predictions=predictions, references=references, protocol="videoxum_released")
    >>> print({key: round(value, 4) for key, value in results.items()})
    {'f1_mean_released': 58.3333, 'f1_max_released': 66.6667, 'kendall': 0.1826, 'spearman': 0.3162}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class VsumV2v(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    # float64 keeps the exact order (and ties) of the scores; labels are checked to be 0/1 later.
                    "predictions": datasets.Sequence(datasets.Value("float64")),
                    "references": datasets.Sequence(datasets.Sequence(datasets.Value("float32"))),
                }
            ),
            codebase_urls=["https://github.com/jylins/videoxum"],
            reference_urls=["https://arxiv.org/abs/2303.12060"],
        )

    def _compute(self, predictions, references, summary_ratio=DEFAULT_SUMMARY_RATIO, protocol="top15"):
        return compute_v2v(predictions, references, summary_ratio=summary_ratio, protocol=protocol)

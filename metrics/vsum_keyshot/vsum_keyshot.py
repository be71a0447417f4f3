# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VSUM keyshot: the canonical TVSum / SumMe protocol (keyshot F-score, Kendall's tau, Spearman's rho)."""

import datasets
import evaluate

from vsum.metrics.keyshot import KEYSHOT_PROPORTION, evaluate_keyshot


_CITATION = """\
@inproceedings{zhang2016video,
  title={Video Summarization with Long Short-term Memory},
  author={Zhang, Ke and Chao, Wei-Lun and Sha, Fei and Grauman, Kristen},
  booktitle={ECCV},
  year={2016}
}
@article{zhu2020dsnet,
  title={DSNet: A Flexible Detect-to-Summarize Network for Video Summarization},
  author={Zhu, Wencheng and Lu, Jiwen and Li, Jiahao and Zhou, Jie},
  journal={IEEE Transactions on Image Processing},
  volume={30},
  pages={948--962},
  year={2020}
}
@inproceedings{otani2019rethinking,
  title={Rethinking the Evaluation of Video Summaries},
  author={Otani, Mayu and Nakashima, Yuta and Rahtu, Esa and Heikkil{\\"a}, Janne},
  booktitle={CVPR},
  year={2019}
}
"""

_DESCRIPTION = """\
The canonical keyshot protocol of TVSum and SumMe, as DSNet, PGL-SUM and CA-SUM compute it. The predicted scores at
the sampled frames (`picks`) are held until the next pick; each shot (`change_points`, inclusive [first, last]) gets
int(1000 * mean) of its frame scores; a 0/1 knapsack (OR-tools' dynamic programme, ties included) picks shots within
int(0.15 * n_frames) frames. The F-score of that summary against every user summary is averaged (TVSum, "avg") or
maximised (SumMe, "max") over the users, then averaged over videos, in percent. Kendall's tau and Spearman's rho
(Otani et al., CVPR 2019) compare the predicted step scores with each user's scores at the picks (TVSum's per-user
importance scores where given, else the user summaries) and are averaged over users, then videos; an undefined
coefficient counts as 0.
"""

_KWARGS_DESCRIPTION = """
Computes the keyshot F-score and rank correlations of predicted per-step scores, one video per row.
Args:
    predictions (`list` of `list[float]`): the predicted score of each sampled frame (one per pick).
    user_summary (`list` of `list[list[int]]`): users x frames 0/1 summaries of each video.
    change_points (`list` of `list[list[int]]`): the shots [first, last] (inclusive) tiling the frames.
    n_frame_per_seg (`list` of `list[int]`): the length of each shot.
    n_frames (`list` of `int`): frames of each video.
    picks (`list` of `list[int]`): the sampled frames.
    user_scores (`list` of `list[list[float]]`): users x frames importance scores (TVSum), or [] to use the user
        summaries (SumMe).
    benchmark (`str`): "tvsum" (F-score mean over users) or "summe" (max).
    proportion (`float`, *optional*, defaults to 0.15): the summary's largest fraction of the frames.
Returns:
    fscore (`float`): keyshot F-score, mean over videos, in percent.
    kendall (`float`): Kendall's tau, mean over users and videos.
    spearman (`float`): Spearman's rho, mean over users and videos.
Examples:

    >>> metric = evaluate.load("metrics/vsum_keyshot")
    >>> results = metric.compute(
    ...     predictions=[[0.9, 0.1]], user_summary=[[[1, 1, 1] + [0] * 17, [1] + [0] * 19]],
    ...     change_points=[[[0, 2], [3, 19]]], n_frame_per_seg=[[3, 17]], n_frames=[20], picks=[[0, 10]],
    ...     user_scores=[[]], benchmark="summe")
    >>> print({key: round(value, 4) for key, value in results.items()})
    {'fscore': 100.0, 'kendall': 1.0, 'spearman': 1.0}

    With benchmark="tvsum" the F-scores of the two users (100 and 50) are averaged instead:

    >>> results = metric.compute(
    ...     predictions=[[0.9, 0.1]], user_summary=[[[1, 1, 1] + [0] * 17, [1] + [0] * 19]],
    ...     change_points=[[[0, 2], [3, 19]]], n_frame_per_seg=[[3, 17]], n_frames=[20], picks=[[0, 10]],
    ...     user_scores=[[]], benchmark="tvsum")
    >>> round(results["fscore"], 4)
    75.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class VsumKeyshot(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float64")),
                    "user_summary": datasets.Sequence(datasets.Sequence(datasets.Value("uint8"))),
                    "change_points": datasets.Sequence(datasets.Sequence(datasets.Value("int64"))),
                    "n_frame_per_seg": datasets.Sequence(datasets.Value("int64")),
                    "n_frames": datasets.Value("int64"),
                    "picks": datasets.Sequence(datasets.Value("int64")),
                    "user_scores": datasets.Sequence(datasets.Sequence(datasets.Value("float32"))),
                }
            ),
            codebase_urls=["https://github.com/li-plus/DSNet", "https://github.com/e-apostolidis/PGL-SUM"],
            reference_urls=["https://arxiv.org/abs/1903.11328"],
        )

    def _compute(
        self,
        predictions,
        user_summary,
        change_points,
        n_frame_per_seg,
        n_frames,
        picks,
        user_scores,
        benchmark=None,
        proportion=KEYSHOT_PROPORTION,
    ):
        if benchmark not in ("tvsum", "summe"):
            raise ValueError(f"benchmark must be 'tvsum' (F-score mean over users) or 'summe' (max), got {benchmark!r}")
        videos = [
            {
                "video_key": f"video_{index + 1}",
                "benchmark": benchmark,
                "user_summary": row[0],
                "change_points": row[1],
                "n_frame_per_seg": row[2],
                "n_frames": row[3],
                "picks": row[4],
                "user_scores": row[5] if len(row[5]) else None,
            }
            for index, row in enumerate(zip(user_summary, change_points, n_frame_per_seg, n_frames, picks, user_scores))
        ]
        results = evaluate_keyshot(list(predictions), videos, proportion=proportion)
        return {name: results[name] for name in ("fscore", "kendall", "spearman")}

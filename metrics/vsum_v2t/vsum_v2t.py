# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VSUM V2T: text-summary metrics (BLEU-1..4, METEOR, ROUGE-L, CIDEr) of the VideoXum protocol (COCO caption eval)."""

import datasets
import evaluate

from vsum.constants import VIDEOXUM_CITATION
from vsum.metrics.text import compute_v2t


_CITATION = (
    VIDEOXUM_CITATION
    + """\
@article{chen2015microsoft,
    author = {Chen, Xinlei and Fang, Hao and Lin, Tsung-Yi and Vedantam, Ramakrishna and Gupta, Saurabh and Doll{\\'a}r, Piotr and Zitnick, C. Lawrence},
    title = {Microsoft {COCO} Captions: Data Collection and Evaluation Server},
    journal = {arXiv preprint arXiv:1504.00325},
    year = {2015},
}
"""
)

_DESCRIPTION = """\
Video-to-text (V2T) summarization metrics of the VideoXum benchmark: BLEU-1 to BLEU-4, METEOR, ROUGE-L and CIDEr,
computed with the COCO caption evaluation toolkit (pycocoevalcap) exactly as the official VideoXum code does: captions
are tokenized with the Stanford PTB tokenizer (lower-cased, punctuation removed), then scored at corpus level with
Bleu(4), Meteor(), Rouge() and Cider(). Scores are returned in percent. Java is required (PTB tokenizer and METEOR).
"""

_KWARGS_DESCRIPTION = """
Computes the VideoXum V2T metrics of generated text summaries against reference summaries.
Args:
    predictions (`list` of `str`): generated text summary of each video (without the "a video of " prompt).
    references (`list` of `str` or `list` of `list` of `str`): reference summary, or list of reference summaries, of
        each video.
Returns:
    bleu_1, bleu_2, bleu_3, bleu_4 (`float`): corpus BLEU-n (closest reference length), in percent.
    meteor (`float`): METEOR 1.5, in percent.
    rouge_l (`float`): ROUGE-L, in percent.
    cider (`float`): CIDEr (CIDEr-D style, as in pycocoevalcap), in percent.
Examples:

    >>> metric = evaluate.load("metrics/vsum_v2t")
    >>> predictions = ["a man is slicing a tomato in the kitchen", "a dog is running on the beach"]
    >>> references = [
    ...     ["a man is slicing a tomato in a kitchen"],
    ...     ["a dog is running on the sandy beach", "a dog plays on the beach"],
    ... ]
    >>> results = metric.compute(predictions=predictions, references=references)
    >>> print({key: round(value, 2) for key, value in results.items()})
    {'bleu_1': 93.75, 'bleu_2': 89.64, 'bleu_3': 87.49, 'bleu_4': 82.74, 'meteor': 50.1, 'rouge_l': 90.56, 'cider': 667.52}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class VsumV2t(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Value("string", id="sequence"),
                        "references": datasets.Sequence(datasets.Value("string", id="sequence"), id="references"),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Value("string", id="sequence"),
                        "references": datasets.Value("string", id="sequence"),
                    }
                ),
            ],
            codebase_urls=["https://github.com/salaniz/pycocoevalcap", "https://github.com/jylins/videoxum"],
            reference_urls=["https://arxiv.org/abs/1504.00325", "https://arxiv.org/abs/2303.12060"],
        )

    def _compute(self, predictions, references):
        return compute_v2t(predictions, references)

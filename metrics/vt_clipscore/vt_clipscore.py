# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VT-CLIPScore: CLIP consistency between the video summary and the text summary (VideoXum)."""

import datasets
import evaluate

from vsum.constants import VIDEOXUM_CITATION
from vsum.metrics.clipscore import DEFAULT_CLIP_MODEL, compute_vt_clipscore, load_clip
from vsum.metrics.video import DEFAULT_SUMMARY_RATIO


_CITATION = (
    VIDEOXUM_CITATION
    + """\
@inproceedings{hessel2021clipscore,
    author = {Hessel, Jack and Holtzman, Ari and Forbes, Maxwell and Le Bras, Ronan and Choi, Yejin},
    title = {{CLIPScore}: A Reference-free Evaluation Metric for Image Captioning},
    booktitle = {Proceedings of the 2021 Conference on Empirical Methods in Natural Language Processing},
    year = {2021},
    pages = {7514--7527},
}
"""
)

_DESCRIPTION = """\
VT-CLIPScore measures the semantic consistency between the video summary and the text summary of a video, as in the
VideoXum benchmark. For each video, the top max(1, int(0.15 * T)) frames by predicted saliency score form the video
summary; their CLIP image embeddings are averaged and the mean is L2-normalised, and the score is the cosine
with the L2-normalised CLIP text embedding of the generated text summary, times 100, averaged over videos. Unlike the
CLIP-S of Hessel et al. (2021), there is no 2.5 rescaling and no clipping at 0. The default CLIP model is
"openai/clip-vit-base-patch16" (ViT-B/16, as in the official evaluation).
"""

_KWARGS_DESCRIPTION = """
Computes the VT-CLIPScore of generated text summaries against the video summaries selected by the predicted scores.
Args:
    predictions (`list` of `str`): generated text summary of each video.
    scores (`list` of `list[float]`): predicted per-frame saliency scores of each video.
    frames (`list` of arrays or tensors): for each video, one of: precomputed CLIP image features (T, D), pixel values
        already preprocessed for CLIP (T, 3, H, W, floating point), or raw uint8 frames (T, H, W, 3). Passed to
        `compute` only (not to `add_batch`), so that frames are never copied into Arrow.
    model (`str` or `transformers.CLIPModel`, *optional*, defaults to "openai/clip-vit-base-patch16"): CLIP model or
        its Hub id / local path (models loaded by name are cached by this metric instance).
    processor (`transformers.CLIPProcessor`, *optional*): tokenizer and image processor; loaded with the model when
        `model` is a string. `tokenizer` and `image_processor` can be passed separately instead.
    summary_ratio (`float`, *optional*, defaults to 0.15): the top max(1, int(summary_ratio * T)) frames are used.
    batch_size (`int`, *optional*, defaults to 32): frames encoded per forward pass.
    device (`str`, *optional*): device of the forward passes; defaults to the model's device.
    normalize_frames (`bool`, *optional*, defaults to `False`): L2-normalise each frame embedding before the mean.
    max_text_tokens (`int`, *optional*): tokens kept per text (default: the model's text positions; 256 with
        "videoxum_batch").
    text_position_interpolation (`str`, *optional*, defaults to "none"): "none" (each position keeps its learned
        embedding) or "videoxum_batch" (the official rule for texts longer than 77 tokens: the whole position table
        is bicubic-resampled to the longest text of the batch, so a text's score depends on its batch).
    text_batch_size (`int`, *optional*): texts per forward pass, in order (defaults to `batch_size`).
Returns:
    vt_clipscore (`float`): mean over videos of 100 x the cosine between the video-summary and text-summary embeddings.
Examples:

    >>> import numpy as np
    >>> metric = evaluate.load("metrics/vt_clipscore")
    >>> frames = [np.random.randint(0, 256, size=(40, 224, 224, 3), dtype=np.uint8)]  # raw frames of one video
    >>> scores = [np.random.rand(40)]
    >>> # Needs the "openai/clip-vit-base-patch16" checkpoint (Hub or local cache):
    >>> results = metric.compute(  # doctest: +SKIP
    ...     predictions=["a dog is running on the beach"], scores=scores, frames=frames
    ... )
    >>> print(sorted(results))  # doctest: +SKIP
    ['vt_clipscore']
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class VtClipscore(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # Frames (features, pixels or raw frames, of ragged lengths) and the model are `compute` arguments, not
            # features: they would otherwise be cast to nested Arrow lists and copied.
            features=datasets.Features(
                {
                    "predictions": datasets.Value("string"),
                    "scores": datasets.Sequence(datasets.Value("float64")),
                }
            ),
            codebase_urls=["https://github.com/jylins/videoxum"],
            reference_urls=["https://arxiv.org/abs/2303.12060", "https://arxiv.org/abs/2104.08718"],
        )

    def _load_model(self, name_or_path, device):
        cache = self.__dict__.setdefault("_clip_cache", {})
        key = (name_or_path, None if device is None else str(device))
        if key not in cache:
            cache.clear()  # keep at most one model in memory
            cache[key] = load_clip(name_or_path, device=device)
        return cache[key]

    def _compute(
        self,
        predictions,
        scores,
        frames=None,
        model=DEFAULT_CLIP_MODEL,
        processor=None,
        tokenizer=None,
        image_processor=None,
        summary_ratio=DEFAULT_SUMMARY_RATIO,
        batch_size=32,
        device=None,
        normalize_frames=False,
        max_text_tokens=None,
        text_position_interpolation="none",
        text_batch_size=None,
    ):
        if frames is None:
            raise ValueError(
                "`frames` is required: pass `frames=[...]` (CLIP features, pixel values or raw frames of each video) "
                "to `compute`."
            )
        if isinstance(model, str):
            model, loaded_processor = self._load_model(model, device)
            processor = processor if processor is not None else loaded_processor
        return compute_vt_clipscore(
            predictions,
            frames,
            scores,
            model=model,
            processor=processor,
            tokenizer=tokenizer,
            image_processor=image_processor,
            summary_ratio=summary_ratio,
            batch_size=batch_size,
            device=device,
            normalize_frames=normalize_frames,
            max_text_tokens=max_text_tokens,
            text_position_interpolation=text_position_interpolation,
            text_batch_size=text_batch_size,
        )

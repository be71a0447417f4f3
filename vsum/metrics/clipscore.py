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
"""VT-CLIPScore: CLIP consistency between the video summary and the text summary (VideoXum).

For each video, the top `max(1, int(0.15 * T))` frames by predicted saliency score are taken as the video summary;
their CLIP image embeddings are averaged and the mean is L2-normalised (the official normalisation: `VideoCLIP.forward`
and `eval_v2vt_sum.py` average the frame features as they are, then normalise; `normalize_frames=True` normalises each
frame first); the score is the cosine with the L2-normalised CLIP text embedding of the generated text summary, times
100, averaged over videos. Unlike the CLIP-S of Hessel et al. (2021), there is no `w = 2.5` rescaling and no clipping
at 0. Texts are tokenized up to the model's full text context (`config.text_config.max_position_embeddings`), or
`max_text_tokens`.

The official VT-CLIPScore uses VT-CLIP, a CLIP ViT-B/16 fine-tuned by the VideoXum authors (`vt_clip.pth`, text
context 256 tokens): convert it with `scripts/convert_vt_clip.py` (`vsum.metrics.convert_clip`) and pass the folder as
`model`. Any `transformers.CLIPModel` works; the default, the Hub checkpoint "openai/clip-vit-base-patch16" (vanilla
CLIP, 77 tokens), does not give the official numbers.

**Texts longer than 77 tokens.** By default (`text_position_interpolation="none"`) a text keeps at most
`max_text_tokens` tokens (default: the model's position table, 77 for CLIP, 256 for a converted VT-CLIP) and each
position keeps its learned embedding, so a text's score does not depend on the other texts. The official evaluation
(`VideoCLIP.encoding_text` of VideoXum) instead tokenises every text to at most 256 tokens, pads the batch to its
longest text `L`, and, when `L > 77`, bicubic-resamples (`align_corners=False`) the *whole* position table to `L`
rows (else it takes the first `L` rows). `text_position_interpolation="videoxum_batch"` reproduces that: a text's
score then depends on the longest text of its batch (`text_batch_size` texts, in order), as in the official code,
whose batches are its evaluation batches (16 videos per GPU, sorted by duration).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .video import DEFAULT_SUMMARY_RATIO, _check_lists, _check_ratio, _check_scores


DEFAULT_CLIP_MODEL = "openai/clip-vit-base-patch16"
"""Hub id of the default CLIP model (the ViT-B/16 CLIP of the official VideoXum evaluation)."""

TEXT_POSITION_INTERPOLATIONS: tuple[str, ...] = ("none", "videoxum_batch")
"""Ways to embed the text positions: each keeps its learned embedding, or the official batch-wise resampling."""
VIDEOXUM_TEXT_TOKENS = 256
"""Tokens per text of the official VT-CLIPScore (`context_length=256`), the default of "videoxum_batch"."""
VIDEOXUM_RESAMPLE_ABOVE = 77
"""The official code resamples the position table when the batch's longest text exceeds this many tokens."""


def num_clip_frames(num_frames: int, ratio: float = DEFAULT_SUMMARY_RATIO) -> int:
    """Number of summary frames used by VT-CLIPScore: `max(1, int(ratio * num_frames))`.

    Note that this is one frame less than the F1 summary of `vsum.metrics.video.select_summary`
    (`int(ratio * T) + 1` frames plus ties): both follow the official VideoXum code.
    """
    return max(1, int(num_frames * _check_ratio(ratio)))


def select_clip_frames(scores: Any, ratio: float = DEFAULT_SUMMARY_RATIO) -> np.ndarray:
    """Indices of the VT-CLIPScore summary frames: the top `max(1, int(ratio * T))` frames by score.

    Frames are sorted by descending score with a stable sort, so among tied scores the earlier frame wins (the official
    code breaks ties arbitrarily).

    Args:
        scores (`array-like` of shape `(T,)`): predicted per-frame saliency scores.
        ratio (`float`, *optional*, defaults to 0.15): summary length ratio, in `(0, 1]`.

    Returns:
        `np.ndarray` of `int64` indices, ordered by descending score.
    """
    scores = _check_scores(scores)
    return np.argsort(-scores, kind="stable")[: num_clip_frames(scores.shape[0], ratio)]


def clipscore_from_embeddings(
    frame_embeddings: torch.Tensor, text_embedding: torch.Tensor, normalize_frames: bool = False
) -> float:
    """VT-CLIPScore of one video from the CLIP embeddings of its summary frames and of its text summary.

    Args:
        frame_embeddings (`torch.Tensor` of shape `(K, D)`): CLIP image embeddings of the `K` summary frames.
        text_embedding (`torch.Tensor` of shape `(D,)`): CLIP text embedding of the generated summary.
        normalize_frames (`bool`, *optional*, defaults to `False`): L2-normalise each frame embedding before the
            mean (the official code averages them as they are).

    Returns:
        `float`: `100 * cos(normalize(mean(frame_embeddings)), normalize(text_embedding))`.
    """
    frames = frame_embeddings.double()
    if normalize_frames:
        frames = torch.nn.functional.normalize(frames, dim=-1)
    video = torch.nn.functional.normalize(frames.mean(dim=0), dim=-1)
    text = torch.nn.functional.normalize(text_embedding.double(), dim=-1)
    return 100.0 * float(video @ text)


def load_clip(name_or_path: str = DEFAULT_CLIP_MODEL, device: str | torch.device | None = None) -> tuple[Any, Any]:
    """Loads a `CLIPModel` (in eval mode) and its processor (`AutoProcessor`) from the Hub or a local folder.

    Args:
        name_or_path (`str`, *optional*, defaults to "openai/clip-vit-base-patch16"): Hub id or local path.
        device (`str` or `torch.device`, *optional*): defaults to CUDA when available, else CPU.

    Returns:
        `tuple`: `(model, processor)`.
    """
    from transformers import AutoProcessor, CLIPModel

    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model = CLIPModel.from_pretrained(name_or_path).to(device).eval()
    processor = AutoProcessor.from_pretrained(name_or_path)
    return model, processor


def _pooled(output: Any) -> torch.Tensor:
    """Projected embeddings from `get_image_features` / `get_text_features`.

    transformers 4.x returns a tensor; transformers 5 returns a `BaseModelOutputWithPooling` whose `pooler_output`
    holds the projected embeddings.
    """
    if isinstance(output, torch.Tensor):
        return output
    pooled = getattr(output, "pooler_output", None)
    if pooled is None:
        raise TypeError(f"Expected a tensor or an output with `pooler_output` from CLIP, got {type(output).__name__}.")
    return pooled


def _resolve_processors(model: Any, processor: Any, tokenizer: Any, image_processor: Any) -> tuple[Any, Any]:
    if tokenizer is None:
        tokenizer = getattr(processor, "tokenizer", None)
    if image_processor is None:
        image_processor = getattr(processor, "image_processor", None)
    if tokenizer is None and processor is None and getattr(model, "name_or_path", ""):
        from transformers import AutoProcessor

        try:
            processor = AutoProcessor.from_pretrained(model.name_or_path)
        except (OSError, ValueError) as error:
            raise ValueError(
                f"No `processor`/`tokenizer` was given and none could be loaded from the model's name_or_path "
                f"{model.name_or_path!r}: pass `processor=` (a CLIPProcessor) or `tokenizer=`."
            ) from error
        tokenizer = getattr(processor, "tokenizer", None)
        image_processor = image_processor or getattr(processor, "image_processor", None)
    if tokenizer is None:
        raise ValueError(
            "A tokenizer is needed for the text summaries: pass `processor=` (a CLIPProcessor) or `tokenizer=`."
        )
    return tokenizer, image_processor


def _as_frames(frames: Any, index: int) -> torch.Tensor:
    if isinstance(frames, torch.Tensor):
        return frames
    array = np.asarray(frames)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)):
        raise ValueError(f"video {index}: frames must be a numeric array or tensor, got dtype {array.dtype}.")
    return torch.from_numpy(np.ascontiguousarray(array))


def resample_text_positions(table: torch.Tensor, length: int) -> torch.Tensor:
    """The text position table of the official VT-CLIPScore for a batch whose longest text has `length` tokens.

    Above 77 tokens (or above the table's own length) the whole table `(N, D)` is resampled to `(length, D)` with
    bicubic interpolation, `align_corners=False` (as `VideoCLIP._interpolate_pos_embed` of VideoXum); otherwise its
    first `length` rows are used. (The official code fails for a table shorter than 77 rows and a batch of
    `N < length <= 77` tokens; it is resampled here.)
    """
    if length <= VIDEOXUM_RESAMPLE_ABOVE and length <= table.shape[0]:
        return table[:length]
    # (N, D) -> (1, D, N, 1): an image of N x 1 pixels with D channels, resized to length x 1.
    # Half-precision tables are resized in float32 (bicubic has no float16 CPU kernel).
    image = table.to(torch.promote_types(table.dtype, torch.float32)).t()[None, :, :, None]
    resized = torch.nn.functional.interpolate(image, size=(length, 1), mode="bicubic", align_corners=False)
    return resized[0, :, :, 0].t().to(table.dtype)


class _PositionTable:
    """Context manager: the text model embeds positions `0..L-1` with `table` (`(L, D)`) instead of its own table.

    `CLIPTextEmbeddings` looks positions up in `position_embedding` and refuses texts longer than it, so the module is
    swapped for an embedding of the resampled table during the forward pass, and restored afterwards.
    """

    def __init__(self, model: Any, table: torch.Tensor):
        self.embeddings = model.text_model.embeddings
        self.replacement = torch.nn.Embedding.from_pretrained(table, freeze=True)

    def __enter__(self):
        self.original = self.embeddings.position_embedding
        self.embeddings.position_embedding = self.replacement
        return self

    def __exit__(self, *exc_info):
        self.embeddings.position_embedding = self.original


def _check_text_options(model: Any, max_text_tokens: int | None, text_position_interpolation: str) -> int:
    """Validates the text options and returns the number of tokens kept per text."""
    if text_position_interpolation not in TEXT_POSITION_INTERPOLATIONS:
        raise ValueError(
            f"`text_position_interpolation` must be one of {list(TEXT_POSITION_INTERPOLATIONS)}, got "
            f"{text_position_interpolation!r}."
        )
    table_length = model.config.text_config.max_position_embeddings
    if max_text_tokens is None:
        return VIDEOXUM_TEXT_TOKENS if text_position_interpolation == "videoxum_batch" else table_length
    if isinstance(max_text_tokens, bool) or not isinstance(max_text_tokens, int) or max_text_tokens < 2:
        raise ValueError(f"`max_text_tokens` must be an integer >= 2 (start and end tokens), got {max_text_tokens!r}.")
    if text_position_interpolation == "none" and max_text_tokens > table_length:
        raise ValueError(
            f"`max_text_tokens`={max_text_tokens} exceeds the model's {table_length} text positions; pass "
            "text_position_interpolation='videoxum_batch' to resample the positions as the official VT-CLIPScore."
        )
    return max_text_tokens


@torch.inference_mode()
def _text_embeddings(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    batch_size: int,
    device: torch.device,
    max_length: int,
    text_position_interpolation: str = "none",
) -> torch.Tensor:
    """Projected CLIP text embeddings, `batch_size` texts per forward pass, each padded to its batch's longest text."""
    outputs = []
    for start in range(0, len(texts), batch_size):
        encoded = tokenizer(
            texts[start : start + batch_size],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        input_ids = encoded["input_ids"].to(device)
        kwargs = {"input_ids": input_ids, "attention_mask": encoded["attention_mask"].to(device)}
        if text_position_interpolation == "videoxum_batch":
            length = input_ids.shape[1]
            table = model.text_model.embeddings.position_embedding.weight
            with _PositionTable(model, resample_text_positions(table, length)):
                output = model.get_text_features(**kwargs, position_ids=torch.arange(length, device=device)[None])
        else:
            output = model.get_text_features(**kwargs)
        outputs.append(_pooled(output).float().cpu())
    return torch.cat(outputs)


def _check_frames(frames: torch.Tensor, model: Any, image_processor: Any, index: int) -> str:
    """Checks the frames of one video and tells how to encode them: "features", "pixels" or "raw"."""
    projection_dim = model.config.projection_dim
    num_channels = model.config.vision_config.num_channels
    if frames.ndim == 2:  # precomputed CLIP image features
        if frames.shape[1] != projection_dim or not frames.is_floating_point():
            raise ValueError(
                f"video {index}: 2-D frames are read as floating-point CLIP image features of shape "
                f"(T, {projection_dim}) for this model, got shape {tuple(frames.shape)} and dtype {frames.dtype}."
            )
        return "features"
    if frames.ndim != 4:
        raise ValueError(
            f"video {index}: frames must be CLIP features (T, D), preprocessed pixel values (T, C, H, W) or raw "
            f"uint8 frames (T, H, W, 3), got shape {tuple(frames.shape)}."
        )
    if frames.dtype == torch.uint8:
        if image_processor is None:
            raise ValueError(
                f"video {index}: raw uint8 frames need an image processor: pass `processor=` (a CLIPProcessor) "
                "or `image_processor=`, or pass preprocessed pixel values or CLIP features."
            )
        return "raw"
    if frames.is_floating_point() and frames.shape[1] == num_channels:
        return "pixels"
    raise ValueError(
        f"video {index}: 4-D frames must be raw uint8 frames (T, H, W, 3) or floating-point pixel values "
        f"(T, {num_channels}, H, W) already preprocessed for CLIP, got dtype {frames.dtype} and shape "
        f"{tuple(frames.shape)}."
    )


@torch.inference_mode()
def _frame_embeddings(
    model: Any, image_processor: Any, frames: torch.Tensor, kind: str, batch_size: int, device: torch.device
) -> torch.Tensor:
    """CLIP image embeddings of the (already selected) frames of one video, encoded in chunks of `batch_size`."""
    if kind == "features":
        return frames.float().cpu()
    outputs = []
    for start in range(0, frames.shape[0], batch_size):
        chunk = frames[start : start + batch_size]
        if kind == "raw":  # CLIP preprocessing (resize, crop, normalize)
            chunk = image_processor(images=list(chunk.cpu().numpy()), return_tensors="pt")["pixel_values"]
        output = model.get_image_features(pixel_values=chunk.to(device=device, dtype=model.dtype))
        outputs.append(_pooled(output).float().cpu())
    return torch.cat(outputs)


def vt_clipscore_per_video(
    predictions: Sequence[str],
    frames: Sequence[Any],
    scores: Sequence[Any],
    model: str | Any = DEFAULT_CLIP_MODEL,
    processor: Any = None,
    tokenizer: Any = None,
    image_processor: Any = None,
    summary_ratio: float = DEFAULT_SUMMARY_RATIO,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    normalize_frames: bool = False,
    max_text_tokens: int | None = None,
    text_position_interpolation: str = "none",
    text_batch_size: int | None = None,
) -> np.ndarray:
    """VT-CLIPScore of each video.

    Only the selected top frames of each video are encoded, in chunks of `batch_size`.

    Args:
        predictions (`list[str]`):
            Generated text summary of each video.
        frames (`list` of arrays or tensors):
            For each video, one of: precomputed CLIP image features `(T, D)` (`D = model.config.projection_dim`,
            normalised or not), pixel values already preprocessed for CLIP `(T, C, H, W)` (floating point), or raw
            `uint8` frames `(T, H, W, 3)` that are preprocessed with the CLIP image processor.
        scores (`list` of arrays of shape `(T,)`):
            Predicted per-frame saliency scores of each video.
        model (`str` or `transformers.CLIPModel`, *optional*, defaults to "openai/clip-vit-base-patch16"):
            CLIP model, or its Hub id / local path (loaded with [`load_clip`]).
        processor (`transformers.CLIPProcessor`, *optional*):
            Provides the tokenizer and the image processor. Loaded with the model when `model` is a string.
        tokenizer, image_processor (*optional*):
            Override the processor's tokenizer / image processor. The image processor is only needed for raw frames.
        summary_ratio (`float`, *optional*, defaults to 0.15):
            The top `max(1, int(summary_ratio * T))` frames are used.
        batch_size (`int`, *optional*, defaults to 32):
            Frames (and texts) encoded per forward pass.
        device (`str` or `torch.device`, *optional*):
            Device of the forward passes; defaults to the model's device.
        normalize_frames (`bool`, *optional*, defaults to `False`):
            L2-normalise each frame embedding before averaging (the official code does not).
        max_text_tokens (`int`, *optional*):
            Tokens kept per text (start and end tokens included; longer texts are truncated). Defaults to the model's
            text positions (77 for CLIP, 256 for a converted VT-CLIP) with `"none"`, to 256 (the official context)
            with `"videoxum_batch"`.
        text_position_interpolation (`str`, *optional*, defaults to `"none"`):
            `"none"`: every position keeps its learned embedding (a text cannot exceed the model's positions).
            `"videoxum_batch"`: the official rule: when the longest text of a batch exceeds 77 tokens, the whole
            position table is bicubic-resampled to that length ([`resample_text_positions`]). **Batch-dependent**: a
            text's score then depends on the longest text of its batch.
        text_batch_size (`int`, *optional*):
            Texts per forward pass (the batches of `"videoxum_batch"`, in the order of `predictions`). Defaults to
            `batch_size`; the official evaluation batches 16 videos per GPU.

    Returns:
        `np.ndarray` of shape `(num_videos,)`: the VT-CLIPScore of each video (cosine x 100).
    """
    _check_lists({"predictions": predictions, "frames": frames, "scores": scores}, strings="predictions")
    for name, value in (("batch_size", batch_size), ("text_batch_size", text_batch_size or batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    ratio = _check_ratio(summary_ratio)

    if isinstance(model, str):
        loaded_model, loaded_processor = load_clip(model, device=device)
        model, processor = loaded_model, processor if processor is not None else loaded_processor
    tokenizer, image_processor = _resolve_processors(model, processor, tokenizer, image_processor)
    max_length = _check_text_options(model, max_text_tokens, text_position_interpolation)
    device = torch.device(device) if device is not None else next(model.parameters()).device

    was_training = model.training
    model.eval()
    try:
        text_embeddings = _text_embeddings(
            model,
            tokenizer,
            list(predictions),
            text_batch_size or batch_size,
            device,
            max_length,
            text_position_interpolation,
        )
        results = np.empty(len(predictions), dtype=np.float64)
        for index, (video_frames, video_scores) in enumerate(zip(frames, scores)):
            video_scores = _check_scores(video_scores, index)
            video_frames = _as_frames(video_frames, index)
            if video_frames.shape[0] != video_scores.shape[0]:
                raise ValueError(
                    f"video {index}: frames have {video_frames.shape[0]} frames but scores have "
                    f"{video_scores.shape[0]}; they must match."
                )
            kind = _check_frames(video_frames, model, image_processor, index)
            top = torch.from_numpy(select_clip_frames(video_scores, ratio)).to(video_frames.device)
            embeddings = _frame_embeddings(model, image_processor, video_frames[top], kind, batch_size, device)
            results[index] = clipscore_from_embeddings(embeddings, text_embeddings[index], normalize_frames)
    finally:
        model.train(was_training)
    return results


def compute_vt_clipscore(
    predictions: Sequence[str],
    frames: Sequence[Any],
    scores: Sequence[Any],
    model: str | Any = DEFAULT_CLIP_MODEL,
    processor: Any = None,
    tokenizer: Any = None,
    image_processor: Any = None,
    summary_ratio: float = DEFAULT_SUMMARY_RATIO,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    normalize_frames: bool = False,
    max_text_tokens: int | None = None,
    text_position_interpolation: str = "none",
    text_batch_size: int | None = None,
) -> dict[str, float]:
    """Dataset-level VT-CLIPScore: the mean over videos of [`vt_clipscore_per_video`] (same arguments).

    Returns:
        `dict[str, float]`: `{"vt_clipscore": ...}`, the mean cosine x 100.
    """
    per_video = vt_clipscore_per_video(
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
    return {"vt_clipscore": float(per_video.mean())}

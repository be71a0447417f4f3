# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""PyTorch vsum-la model: cross-modal (video + text) summarization of long videos.

Frames (1 fps) -> frozen BLIP ViT per frame ([CLS]) -> temporal position embeddings -> temporal transformer ->
local attention (radius k) -> (a) a per-frame saliency logit, (b) BLIP's text decoder cross-attending to the frames.
"""

import contextlib
import copy
import functools
import inspect
import math
import os
import threading
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationConfig, GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.cache_utils import EncoderDecoderCache
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.models.blip.modeling_blip import BlipVisionEmbeddings, BlipVisionModel
from transformers.models.blip.modeling_blip_text import (
    BlipTextAttention,
    BlipTextEmbeddings,
    BlipTextLMHeadModel,
    BlipTextSelfAttention,
)
from transformers.utils import ModelOutput, logging

from .configuration_vsum import LENGTH_NORMALIZATIONS, VsumConfig


logger = logging.get_logger(__name__)

# Queries per block of the windowed attention. Each block attends to (block + 2k) keys, so memory is
# O(T * (block + 2k)) instead of O(T^2); 64 keeps the batched matmuls large enough to be efficient on CPU.
LOCAL_ATTENTION_BLOCK_SIZE = 64
#: Longest video (frames) for which local attention is one `scaled_dot_product_attention` call with a `T x T` boolean
#: band mask, per device type; longer videos take the blockwise path (memory linear in T). CPU: measured here (forward +
#: backward, batch 4, ViT-B width, 2 cores): the two are equal up to 128 frames and blockwise is faster from 256 on
#: (`benchmarks/local_attention.py --kernel-sweep`). CUDA: from the H100 training-step measurement in issue 12 (the
#: dense band formulation was 3-8 % faster up to 512 frames, blockwise 1.7x faster at 4,096); not re-measured here.
LOCAL_ATTENTION_DENSE_MAX_FRAMES = {"cpu": 128, "cuda": 512}


#: Frames per slice when the position-wise parts of the temporal modules (position embeddings, the MLPs, the windowed
#: attention's blocks) run without autograd on a long video: inference memory then grows by a few `(T, hidden)` arrays,
#: not by `(T, intermediate)` activations or all the windows' scores at once. Slicing rows changes no result.
INFERENCE_CHUNK_FRAMES = 1024


def _chunked_over_frames(fn, inputs: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
    """`fn(inputs)` for a position-wise `fn` (frame `t` of the output depends only on frame `t` of `inputs`, dim 1),
    computed `chunk` frames at a time into one preallocated output when autograd is off; one call otherwise (training
    keeps every activation for the backward pass anyway)."""
    chunk = chunk or INFERENCE_CHUNK_FRAMES
    length = inputs.shape[1]
    if torch.is_grad_enabled() or length <= chunk:
        return fn(inputs)
    first = fn(inputs[:, :chunk])
    output = first.new_empty(first.shape[0], length, *first.shape[2:])
    output[:, :chunk] = first
    del first
    for start in range(chunk, length, chunk):
        output[:, start : start + chunk] = fn(inputs[:, start : start + chunk])
    return output


#: Decoding recipe of the official VideoXum evaluation; a fresh model's `generation_config` (saved with checkpoints).
DEFAULT_GENERATION = {"num_beams": 3, "max_length": 128, "min_length": 10}


def default_generation_config(config: VsumConfig) -> GenerationConfig:
    """The generation config of a new `VsumModel`: beam search with 3 beams, 10 to 128 tokens (prompt included),
    stopping at the decoder's separator token."""
    text_config = config.text_config
    return GenerationConfig(
        **DEFAULT_GENERATION, eos_token_id=text_config.sep_token_id, pad_token_id=text_config.pad_token_id
    )


#: The methods of transformers' beam search (`GenerationMixin._beam_search`, transformers >= 4.50) that score finished
#: hypotheses and decide when to stop; `length_normalization="videoxum"` replaces them for one `generate` call.
_BEAM_SCORING_METHODS = ("_update_finished_beams", "_check_early_stop_heuristic")
#: The 4.15 scoring of the `generate` call running in this thread, if any: `(decoder, {method name: function})`.
_active_beam_scoring = threading.local()


def _beam_scoring_method(decoder, name, **kwargs):
    """Stands in for `decoder.<name>`: the active 4.15 scoring of this thread's call on `decoder`, else transformers'
    own method (so concurrent calls on one model, each with its own normalisation, never see each other's)."""
    active = getattr(_active_beam_scoring, "value", None)
    if active is not None and active[0] is decoder:
        return active[1][name](**kwargs)
    return inspect.getattr_static(type(decoder), name).__get__(decoder, type(decoder))(**kwargs)


@contextlib.contextmanager
def videoxum_beam_scoring(decoder, eos_token_id):
    """Within the block, beam search by `decoder.generate` keeps and stops as transformers 4.15, the version the official
    VideoXum code pins, instead of as transformers 5.

    Both run the same search; they differ in the score of a finished hypothesis, `sum of log-probabilities / length **
    length_penalty`. transformers 5: length = generated tokens, the end token included. 4.15: length = the whole
    sequence, prompt included, the end token excluded, and at `max_length` the `num_beams` best unfinished beams are
    also kept (with their full length); it stops once the worst kept hypothesis scores at least the step's best
    candidate over the length before that step. Only transformers' two scoring methods are replaced (for this thread's
    calls on this instance, for the block): logits, processors, caches and stopping criteria stay transformers' own.
    """
    missing = [name for name in _BEAM_SCORING_METHODS if not hasattr(type(decoder), name)]
    if missing:
        import transformers

        raise ValueError(
            f"length_normalization='videoxum' needs transformers' beam search methods {missing}, which transformers "
            f"{transformers.__version__} lacks"
        )
    eos_ids = [eos_token_id] if isinstance(eos_token_id, int) else list(eos_token_id or [])
    best_candidate = {}

    def gather(tensor, indices):  # (batch, k, ...) rows `indices` (batch, n) of dim 1
        return torch.take_along_dim(tensor, indices.view(*indices.shape, *[1] * (tensor.dim() - 2)), dim=1)

    def update_finished_beams(
        *, sequences, topk_running_sequences, beam_scores, topk_log_probs, beam_indices, topk_running_beam_indices,
        is_early_stop_heuristic_unsatisfied, is_sent_finished, next_token_hits_stopping_criteria, top_num_beam_mask,
        num_beams, cur_len, length_penalty, early_stopping, **_,
    ):  # fmt: skip
        best_candidate["score"] = topk_log_probs[:, :1]  # (batch, 1): the candidates are sorted
        is_eos = torch.isin(topk_running_sequences[:, :, cur_len], torch.tensor(eos_ids, device=sequences.device))
        # An end token among the `num_beams` best candidates finishes; so do, once another stopping criterion holds
        # (max_length), the `num_beams` best candidates without one (4.15's `finalize` of the running beams).
        finished = is_eos & top_num_beam_mask[None]
        finished |= next_token_hits_stopping_criteria & ~is_eos & ((~is_eos).cumsum(dim=-1) <= num_beams)
        lengths = (cur_len + 1 - is_eos.long()).to(topk_log_probs.dtype)
        scores = topk_log_probs / lengths**length_penalty
        full = is_sent_finished.all(dim=-1, keepdim=True) & (early_stopping is True)
        blocked = ~finished | ~is_early_stop_heuristic_unsatisfied | full
        scores = scores + blocked.to(scores.dtype) * -1.0e9
        merged_scores = torch.cat((beam_scores, scores), dim=1)
        keep = torch.topk(merged_scores, k=num_beams).indices
        return (
            gather(torch.cat((sequences, topk_running_sequences), dim=1), keep),
            gather(merged_scores, keep),
            gather(torch.cat((beam_indices, topk_running_beam_indices), dim=1), keep),
            gather(torch.cat((is_sent_finished, finished & ~blocked), dim=1), keep),
        )

    def check_early_stop_heuristic(
        *, is_early_stop_heuristic_unsatisfied, beam_scores, is_sent_finished, cur_len, early_stopping, length_penalty,
        **_,
    ):  # fmt: skip
        # `cur_len` already counts the step's token; 4.15 divides by the length before it.
        reachable = best_candidate["score"] / (cur_len - 1) ** length_penalty
        worst = beam_scores.min(dim=-1, keepdim=True).values
        done = is_sent_finished.all(dim=-1, keepdim=True) & ((early_stopping is True) | (worst >= reachable))
        return is_early_stop_heuristic_unsatisfied & ~done

    for name in _BEAM_SCORING_METHODS:  # installed once; without an active scoring they call transformers' methods
        if name not in vars(decoder):
            setattr(decoder, name, functools.partial(_beam_scoring_method, decoder, name))
    previous = getattr(_active_beam_scoring, "value", None)
    _active_beam_scoring.value = (
        decoder,
        {"_update_finished_beams": update_finished_beams, "_check_early_stop_heuristic": check_early_stop_heuristic},
    )
    try:
        yield
    finally:
        _active_beam_scoring.value = previous


@dataclass
class VsumOutput(ModelOutput):
    r"""
    Output of [`VsumModel.forward`].

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*):
            `vsum_loss_weight * vsum_loss + tsum_loss_weight * tsum_loss` over the losses that could be computed.
        vsum_loss (`torch.FloatTensor` of shape `()`, *optional*):
            Saliency BCE, returned when `vsum_labels` is given.
        tsum_loss (`torch.FloatTensor` of shape `()`, *optional*):
            Token cross-entropy of the text summary, returned when `labels` is given.
        saliency_logits (`torch.FloatTensor` of shape `(batch_size, num_frames)`):
            One logit per frame; padded frames are set to `-inf`-like `torch.finfo.min`.
        logits (`torch.FloatTensor` of shape `(batch_size, text_length, vocab_size)`, *optional*):
            Text decoder logits, returned when `input_ids` is given.
        frame_features (`torch.FloatTensor` of shape `(batch_size, num_frames, hidden_size)`):
            Output of the local-attention module (what the saliency head and the decoder see); zero at padded frames.
        frame_mask (`torch.BoolTensor` of shape `(batch_size, num_frames)`):
            The frame mask used (all ones when none was given).
    """

    loss: torch.FloatTensor | None = None
    vsum_loss: torch.FloatTensor | None = None
    tsum_loss: torch.FloatTensor | None = None
    saliency_logits: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    frame_features: torch.FloatTensor | None = None
    frame_mask: torch.BoolTensor | None = None


def local_window_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    window: int,
    key_mask: torch.Tensor | None = None,
    rbf_bandwidth: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    block_size: int = LOCAL_ATTENTION_BLOCK_SIZE,
    dense_max_frames: int | None = -1,
) -> torch.Tensor:
    """Softmax attention restricted to `|i - j| <= window` (padded keys excluded), with the kernel chosen by length.

    Up to `dense_max_frames` frames (default: `LOCAL_ATTENTION_DENSE_MAX_FRAMES` for the device type): one `scaled_dot_product_attention` call with a `T x T` band mask (fast for short
    videos, memory O(T^2)). Above: blockwise, memory linear in `T` (see [`_blockwise_local_attention`]). Both give the
    same outputs and gradients; rows of padded queries (`key_mask` False) are zero in both.

    Args:
        query, key, value (`torch.Tensor` of shape `(batch, heads, T, head_dim)`).
        window (`int`): radius `k`.
        key_mask (`torch.BoolTensor` of shape `(batch, T)`, *optional*): `True` for real frames.
        rbf_bandwidth (`torch.Tensor` scalar, *optional*): when given, adds `-(i - j)^2 / (2 sigma^2)` to the scores.
        dropout_p (`float`): dropout on the attention probabilities.
        block_size (`int`): queries per block of the blockwise path.
        dense_max_frames (`int`, *optional*): longest `T` computed with the band mask; `-1` (default) the device
            type's entry of `LOCAL_ATTENTION_DENSE_MAX_FRAMES`, `None` always the band mask, `0` always blockwise.

    Returns:
        `torch.Tensor` of shape `(batch, heads, T, head_dim)`.
    """
    batch, _, length, _ = query.shape
    if key_mask is None:
        key_mask = torch.ones(batch, length, dtype=torch.bool, device=query.device)
    key_mask = key_mask.bool()
    if dense_max_frames == -1:
        dense_max_frames = LOCAL_ATTENTION_DENSE_MAX_FRAMES.get(
            query.device.type, LOCAL_ATTENTION_DENSE_MAX_FRAMES["cpu"]
        )
    if dense_max_frames is None or length <= dense_max_frames:
        output = _banded_sdpa_local_attention(query, key, value, window, key_mask, rbf_bandwidth, dropout_p)
    else:
        output = _blockwise_local_attention(query, key, value, window, key_mask, rbf_bandwidth, dropout_p, block_size)
    # A padded query's row is defined as zero in both paths (the model zeroes padded frames anyway).
    return output.masked_fill(~key_mask[:, None, :, None], 0.0)


def _banded_sdpa_local_attention(query, key, value, window, key_mask, rbf_bandwidth, dropout_p):
    """`T x T` band mask + `scaled_dot_product_attention` (one fused call; memory O(T^2))."""
    length = query.shape[2]
    positions = torch.arange(length, device=query.device)
    offsets = positions[None, :] - positions[:, None]  # (T, T): key - query
    band = offsets.abs() <= window
    # Padded queries see their whole band (their rows are zeroed afterwards): no row is ever fully masked.
    allowed = band[None] & (key_mask[:, None, :] | ~key_mask[:, :, None])  # (B, T, T)
    attn_mask = allowed[:, None]  # (B, 1, T, T)
    if rbf_bandwidth is not None:
        bias = -offsets.to(query.dtype).pow(2) / (2 * rbf_bandwidth.to(query.dtype).pow(2))  # (T, T)
        attn_mask = bias.masked_fill(~attn_mask, float("-inf"))  # (B, 1, T, T) float bias, learnable bandwidth
    return F.scaled_dot_product_attention(query, key, value, attn_mask=attn_mask, dropout_p=dropout_p)


def _blockwise_local_attention(query, key, value, window, key_mask, rbf_bandwidth, dropout_p, block_size):
    """Queries are split into blocks of `block_size`; block `b` only scores its `block_size + 2 * window` neighbouring
    keys (an `unfold` view), so no `T x T` matrix is ever built: memory O(T * (block + 2k))."""
    batch, heads, length, head_dim = query.shape
    block = min(block_size, length)
    num_blocks = math.ceil(length / block)
    padded_length = num_blocks * block
    span = block + 2 * window  # keys seen by one block of queries

    query = F.pad(query, (0, 0, 0, padded_length - length))  # (B, H, nb*block, d)
    query = query.view(batch, heads, num_blocks, block, head_dim)
    # Keys padded by `window` on the left so that block b's window starts at b*block in padded coordinates.
    pad = (0, 0, window, padded_length - length + window)
    key_windows = F.pad(key, pad).unfold(2, span, block).transpose(-1, -2)  # (B, H, nb, span, d)
    value_windows = F.pad(value, pad).unfold(2, span, block).transpose(-1, -2)  # (B, H, nb, span, d)

    key_mask = F.pad(key_mask, (window, padded_length - length + window), value=False)
    key_mask = key_mask.unfold(1, span, block)  # (B, nb, span)

    # Relative offset (key - query) of local key j for local query i: j - i - window. Same for every block.
    offsets = torch.arange(span, device=query.device)[None, :] - torch.arange(block, device=query.device)[:, None]
    offsets = offsets - window  # (block, span)
    allowed = (offsets.abs() <= window)[None, None] & key_mask[:, :, None, :]  # (B, nb, block, span)

    def attend(blocks: slice) -> torch.Tensor:
        # (B, H, n, block, span) scores for the blocks `blocks` only
        scores = torch.matmul(query[:, :, blocks], key_windows[:, :, blocks].transpose(-1, -2)) / math.sqrt(head_dim)
        if rbf_bandwidth is not None:
            scores = scores - offsets.to(scores.dtype).pow(2) / (2 * rbf_bandwidth.to(scores.dtype).pow(2))
        scores = scores.masked_fill(~allowed[:, None, blocks], torch.finfo(scores.dtype).min)
        probs = scores.softmax(dim=-1)
        probs = F.dropout(probs, p=dropout_p, training=dropout_p > 0)
        return torch.matmul(probs, value_windows[:, :, blocks])  # (B, H, n, block, d)

    group = max(1, INFERENCE_CHUNK_FRAMES // block)
    if torch.is_grad_enabled() or num_blocks <= group:
        output = attend(slice(None))  # (B, H, nb, block, d)
    else:
        # Without autograd, a group of blocks at a time: the scores of all windows never exist at once (blocks are
        # independent, so the result is the same).
        output = query.new_empty(batch, heads, num_blocks, block, head_dim)
        for start in range(0, num_blocks, group):
            output[:, :, start : start + group] = attend(slice(start, start + group))
    return output.reshape(batch, heads, padded_length, head_dim)[:, :, :length]


class VsumTemporalEmbeddings(nn.Module):
    """Learned temporal position embeddings, interpolated beyond `max_frames` frames as
    `config.temporal_position_interpolation` says.

    `"per_video_linear"`: linearly, to each video's own length (from `frame_mask`), so padding a video never changes
    its positions. `"videoxum_batch_bicubic"` (the official VideoXum rule): the whole table is resampled bicubically to
    the padded batch length, shared by every video of the batch.
    """

    def __init__(self, config: VsumConfig):
        super().__init__()
        self.max_frames = config.max_frames
        self.batch_bicubic = config.temporal_position_interpolation == "videoxum_batch_bicubic"
        self.position_embeddings = nn.Parameter(torch.zeros(config.max_frames, config.hidden_size))

    def forward(self, frame_mask: torch.Tensor) -> torch.Tensor:
        # frame_mask: (B, T) -> position embeddings (B, T, D)
        num_frames = frame_mask.shape[1]
        if self.batch_bicubic:
            return self._batch_positions(num_frames).expand(frame_mask.shape[0], -1, -1)
        lengths = frame_mask.sum(dim=1).to(torch.float32)  # (B,)
        last = self.max_frames - 1
        # Videos within the table use rows 0..T-1 (scale 1); longer ones map [0, length-1] onto [0, max_frames-1].
        scale = torch.where(lengths > self.max_frames, last / (lengths - 1).clamp(min=1), torch.ones_like(lengths))
        position = torch.arange(num_frames, device=frame_mask.device, dtype=torch.float32)[None] * scale[:, None]
        position = position.clamp(max=last)  # (B, T)
        return _chunked_over_frames(self._interpolate, position)

    def _interpolate(self, position: torch.Tensor) -> torch.Tensor:
        # position: (B, t) fractional rows of the table -> (B, t, D)
        last = self.max_frames - 1
        lower = position.floor().long()
        upper = (lower + 1).clamp(max=last)
        fraction = (position - lower).unsqueeze(-1).to(self.position_embeddings.dtype)  # (B, t, 1)
        table = self.position_embeddings
        return table[lower] * (1 - fraction) + table[upper] * fraction

    def _batch_positions(self, length: int) -> torch.Tensor:
        # The official rule: rows 0..length-1 up to the table's size; beyond, the table seen as a one-pixel-wide image
        # of height `max_frames` is resized to height `length` (bicubic, half-pixel centres). (1, length, D); one
        # (length, D) array whatever the batch size.
        table = self.position_embeddings
        if length <= self.max_frames:
            return table[:length].unsqueeze(0)
        image = table.t().unsqueeze(0).unsqueeze(-1)  # (1, D, max_frames, 1)
        resized = F.interpolate(image, size=(length, 1), mode="bicubic", align_corners=False)
        return resized.squeeze(-1).transpose(1, 2)  # (1, length, D)


class VsumTemporalSelfAttention(nn.Module):
    """Full multi-head self-attention over the frames of a video (padded frames are never attended to)."""

    def __init__(self, config: VsumConfig):
        super().__init__()
        self.num_heads = config.temporal_num_heads
        self.head_dim = config.hidden_size // config.temporal_num_heads
        self.dropout = config.temporal_dropout
        self.q_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.k_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.v_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.out_proj = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        batch, length, _ = hidden_states.shape  # (B, T, D)
        shape = (batch, length, self.num_heads, self.head_dim)
        query = self.q_proj(hidden_states).view(shape).transpose(1, 2)  # (B, H, T, d)
        key = self.k_proj(hidden_states).view(shape).transpose(1, 2)
        value = self.v_proj(hidden_states).view(shape).transpose(1, 2)
        # Without padding no mask is passed, which keeps SDPA on its memory-efficient kernels for long videos.
        attn_mask = None if bool(frame_mask.all()) else frame_mask[:, None, None, :]  # (B, 1, 1, T)
        output = F.scaled_dot_product_attention(
            query, key, value, attn_mask=attn_mask, dropout_p=self.dropout if self.training else 0.0
        )
        return _chunked_over_frames(self.out_proj, output.transpose(1, 2).reshape(batch, length, -1))


class VsumTemporalLayer(GradientCheckpointingLayer):
    """Pre-norm transformer layer of the temporal transformer (TT)."""

    def __init__(self, config: VsumConfig):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(config.hidden_size, eps=config.temporal_layer_norm_eps)
        self.self_attn = VsumTemporalSelfAttention(config)
        self.layer_norm2 = nn.LayerNorm(config.hidden_size, eps=config.temporal_layer_norm_eps)
        self.fc1 = nn.Linear(config.hidden_size, config.temporal_intermediate_size)
        self.fc2 = nn.Linear(config.temporal_intermediate_size, config.hidden_size)
        self.dropout = nn.Dropout(config.temporal_dropout)

    def forward(self, hidden_states: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        hidden_states = hidden_states + self.dropout(self.self_attn(self.layer_norm1(hidden_states), frame_mask))
        return _chunked_over_frames(self._mlp_block, hidden_states)

    def _mlp_block(self, hidden_states: torch.Tensor) -> torch.Tensor:
        # Position-wise: (B, t, D) -> (B, t, D); the (B, t, intermediate) activations exist for one slice at a time.
        mlp = self.fc2(self.dropout(F.gelu(self.fc1(self.layer_norm2(hidden_states)))))
        return hidden_states + self.dropout(mlp)


class VsumTemporalEncoder(nn.Module):
    """Temporal position embeddings -> TT layers -> [final LayerNorm] -> position embeddings added again (as in
    VideoXum, whose `VideoTransformer` ends with the LayerNorm: `config.temporal_final_layer_norm`)."""

    def __init__(self, config: VsumConfig):
        super().__init__()
        self.embeddings = VsumTemporalEmbeddings(config)
        self.layers = nn.ModuleList([VsumTemporalLayer(config) for _ in range(config.temporal_num_layers)])
        self.final_layer_norm = (
            nn.LayerNorm(config.hidden_size, eps=config.temporal_layer_norm_eps)
            if config.temporal_final_layer_norm
            else None
        )

    def forward(self, frame_embeds: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        positions = self.embeddings(frame_mask)  # (B, T, D)
        hidden_states = frame_embeds + positions
        for layer in self.layers:
            hidden_states = layer(hidden_states, frame_mask)
        if self.final_layer_norm is not None:
            hidden_states = self.final_layer_norm(hidden_states)
        return hidden_states + positions


class VsumLocalAttention(nn.Module):
    """Residual pre-norm self-attention where frame `i` only attends to frames `i-k .. i+k` (padded frames excluded).

    `local_attention_type="hard"` is the paper's band mask `M_LA`; `"rbf"` adds a Gaussian distance bias with a
    learned bandwidth inside the same window. Computed by [`local_window_attention`]: one SDPA call with a band mask up
    to `LOCAL_ATTENTION_DENSE_MAX_FRAMES` frames, blockwise above (memory and time linear in the number of frames).
    """

    def __init__(self, config: VsumConfig):
        super().__init__()
        self.window = config.local_attention_window
        self.num_heads = config.temporal_num_heads
        self.head_dim = config.hidden_size // config.temporal_num_heads
        self.dropout = config.temporal_dropout
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.temporal_layer_norm_eps)
        self.q_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.k_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.v_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.out_proj = nn.Linear(config.hidden_size, config.hidden_size)
        # log(sigma), so the bandwidth stays positive while it is learned.
        self.log_bandwidth = nn.Parameter(torch.zeros(())) if config.local_attention_type == "rbf" else None

    def forward(self, hidden_states: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        batch, length, _ = hidden_states.shape  # (B, T, D)
        normed = self.layer_norm(hidden_states)
        shape = (batch, length, self.num_heads, self.head_dim)
        query = self.q_proj(normed).view(shape).transpose(1, 2)  # (B, H, T, d)
        key = self.k_proj(normed).view(shape).transpose(1, 2)
        value = self.v_proj(normed).view(shape).transpose(1, 2)
        del normed  # one (B, T, D) array less alive during the attention (long videos at inference)
        attended = local_window_attention(
            query,
            key,
            value,
            self.window,
            key_mask=frame_mask,
            rbf_bandwidth=None if self.log_bandwidth is None else self.log_bandwidth.exp(),
            dropout_p=self.dropout if self.training else 0.0,
        )  # (B, H, T, d)
        attended = attended.transpose(1, 2).reshape(batch, length, -1)
        return hidden_states + F.dropout(self.out_proj(attended), self.dropout, self.training)


class VsumTextSdpaSelfAttention(BlipTextSelfAttention):
    """BLIP's text attention core (self- and cross-attention) through `scaled_dot_product_attention`.

    Same parameters and names as `BlipTextSelfAttention`, so BLIP and vsum checkpoints load unchanged; the mask is the
    one BLIP builds (additive float `(batch, 1, queries, keys)`, causal + padding for self-attention, frame padding for
    cross-attention). The fused kernel never materialises the probabilities, so they are not returned (`None`).
    """

    def forward(
        self,
        hidden_states,
        attention_mask=None,
        encoder_hidden_states=None,
        encoder_attention_mask=None,
        cache=None,
        **kwargs,
    ):
        batch, length, _ = hidden_states.shape
        query = self.query(hidden_states).view(batch, length, -1, self.attention_head_size).transpose(1, 2)
        is_cross_attention = encoder_hidden_states is not None
        attention_mask = encoder_attention_mask if is_cross_attention else attention_mask
        # Cache handling as in BLIP: cross-attention keys/values are computed once and reused while generating.
        layer_cache, reuse = cache, False
        if isinstance(cache, EncoderDecoderCache):
            reuse = is_cross_attention and cache.is_updated.get(self.layer_idx)
            layer_cache = cache.cross_attention_cache if is_cross_attention else cache.self_attention_cache
        if reuse:
            key, value = layer_cache.layers[self.layer_idx].keys, layer_cache.layers[self.layer_idx].values
        else:
            states = encoder_hidden_states if is_cross_attention else hidden_states
            kv_shape = (*states.shape[:-1], -1, self.attention_head_size)
            key = self.key(states).view(kv_shape).transpose(1, 2)  # (B, H, K, d)
            value = self.value(states).view(kv_shape).transpose(1, 2)
            if cache is not None:
                key, value = layer_cache.update(key, value, self.layer_idx, kwargs=kwargs)
                if is_cross_attention and isinstance(cache, EncoderDecoderCache):
                    cache.is_updated[self.layer_idx] = True
        if attention_mask is not None and attention_mask.dtype != torch.bool:
            attention_mask = attention_mask.to(query.dtype)
        context = F.scaled_dot_product_attention(
            query, key, value, attn_mask=attention_mask, dropout_p=self.dropout.p if self.training else 0.0
        )  # (B, H, L, d)
        return context.transpose(1, 2).reshape(batch, length, self.all_head_size), None


class VsumTextCrossAttention(BlipTextAttention):
    """BLIP text cross-attention that honours the encoder attention mask.

    `BlipTextAttention.forward` (transformers 5.24) never hands the mask on to its inner attention as
    `encoder_attention_mask`, so padded frames leak into the text. Same parameters and names as the original, so BLIP
    checkpoints load unchanged.
    """

    def forward(self, hidden_states, attention_mask=None, encoder_hidden_states=None, cache=None, **kwargs):
        context_layer, attention_probs = self.self(
            hidden_states,
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=attention_mask,
            cache=cache,
        )
        return self.output(context_layer, hidden_states), attention_probs


class VsumPreTrainedModel(PreTrainedModel):
    config: VsumConfig
    config_class = VsumConfig
    base_model_prefix = "vsum"
    main_input_name = "pixel_values"
    input_modalities = ("video", "text")
    supports_gradient_checkpointing = True
    _no_split_modules = ["BlipEncoderLayer", "BlipTextLayer", "VsumTemporalLayer", "VsumLocalAttention"]

    def _init_weights(self, module):
        super()._init_weights(module)
        std = self.config.initializer_range
        official = getattr(self.config, "initialization", "default") == "videoxum"
        if isinstance(module, BlipVisionEmbeddings):
            vision_std = self.config.vision_config.initializer_range
            init.trunc_normal_(module.position_embedding, mean=0.0, std=vision_std)
            init.trunc_normal_(module.class_embedding, mean=0.0, std=vision_std)
        elif isinstance(module, BlipTextEmbeddings):
            init.copy_(module.position_ids, torch.arange(module.position_ids.shape[-1]).expand((1, -1)))
        elif isinstance(module, VsumTemporalEmbeddings):
            if official:  # the official table is an `nn.Embedding`, left at PyTorch's N(0, 1)
                init.normal_(module.position_embeddings, mean=0.0, std=1.0)
            else:
                init.trunc_normal_(module.position_embeddings, mean=0.0, std=std)
        elif isinstance(module, VsumLocalAttention) and module.log_bandwidth is not None:
            init.constant_(module.log_bandwidth, math.log(module.window))
        elif official and module is getattr(self, "saliency_head", None):
            # Official: weight N(0, 0.02) set explicitly, bias left at `nn.Linear`'s U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
            bound = 1 / math.sqrt(module.in_features)
            init.normal_(module.weight, mean=0.0, std=0.02)
            init.uniform_(module.bias, -bound, bound)


class VsumModel(VsumPreTrainedModel, GenerationMixin):
    r"""
    The vsum-la model: one network that returns a video summary (per-frame saliency) and a text summary.

    Its decoding recipe lives in `model.generation_config` (transformers' mechanism, saved as
    `generation_config.json`): a new model gets [`default_generation_config`] (3 beams, 10 to 128 tokens, stop at
    `[SEP]`); a checkpoint carries its own.

    Example:

    ```python
    >>> import torch
    >>> from vsum import VsumConfig, VsumModel

    >>> config = VsumConfig(
    ...     vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
    ...                        image_size=32, patch_size=16),
    ...     text_config=dict(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
    ...                      num_attention_heads=4, bos_token_id=1, eos_token_id=2, sep_token_id=2, pad_token_id=0),
    ...     prompt_token_ids=[1, 5, 6, 7],
    ... )
    >>> model = VsumModel(config).eval()
    >>> frame_embeds = torch.randn(2, 10, 32)  # cached ViT features: (batch, frames, hidden)
    >>> frame_mask = torch.tensor([[1] * 10, [1] * 7 + [0] * 3])
    >>> out = model(frame_embeds=frame_embeds, frame_mask=frame_mask, vsum_labels=torch.randint(0, 2, (2, 10, 10)))
    >>> out.saliency_logits.shape
    torch.Size([2, 10])
    >>> model.generate(frame_embeds=frame_embeds, frame_mask=frame_mask, max_new_tokens=5).shape[0]
    2

    ```"""

    def __init__(self, config: VsumConfig):
        super().__init__(config)
        # A model on precomputed features (`input_feature_size`) has no ViT, and projects its features to the
        # temporal modules' width when the two differ.
        self.vision_model = BlipVisionModel(config.vision_config) if config.vision_config is not None else None
        self.input_projection = (
            nn.Linear(config.input_feature_size, config.hidden_size)
            if config.input_feature_size not in (None, config.hidden_size)
            else None
        )
        self.temporal_encoder = VsumTemporalEncoder(config) if config.temporal_num_layers > 0 else None
        self.local_attention = VsumLocalAttention(config) if config.use_local_attention else None
        self.saliency_head = nn.Linear(config.hidden_size, 1)
        # Video-only models (`use_text_decoder=False`) have no decoder at all.
        self.text_decoder = BlipTextLMHeadModel(config.text_config) if config.use_text_decoder else None
        decoder_layers = self.text_decoder.bert.encoder.layer if self.text_decoder is not None else []
        for index, layer in enumerate(decoder_layers):
            layer.crossattention = VsumTextCrossAttention(config.text_config, is_cross_attention=True, layer_idx=index)
            # Both attention cores through SDPA (fused kernels); parameter names unchanged.
            layer.attention.self = VsumTextSdpaSelfAttention(
                config.text_config, is_cross_attention=False, layer_idx=index
            )
            layer.crossattention.self = VsumTextSdpaSelfAttention(
                config.text_config, is_cross_attention=True, layer_idx=index
            )
        if config.freeze_vision and self.vision_model is not None:
            self.vision_model.requires_grad_(False)
        self.post_init()
        if config.use_text_decoder:
            self.generation_config = default_generation_config(config)

    # The loss mixes a saliency BCE and a token cross-entropy, so it cannot be renormalised by a token count: the
    # Trainer must not pass `num_items_in_batch` and scales the loss for gradient accumulation itself.
    accepts_loss_kwargs = False

    def adjust_generation_fn(self, generation_config, *args, **kwargs):
        super().adjust_generation_fn(generation_config, *args, **kwargs)
        # A checkpoint saved before generation defaults lived in `generation_config.json` has none: transformers then
        # derives one from config.json (greedy, 20 tokens); give it the recipe a new model has.
        from_model_config = getattr(self.generation_config, "_from_model_config", False)
        if generation_config is None and from_model_config and self.config.use_text_decoder:
            self.generation_config = default_generation_config(self.config)

    # A video-only model has no token embeddings: `None`, transformers' value for "none".
    def get_input_embeddings(self):
        return self.text_decoder.get_input_embeddings() if self.text_decoder is not None else None

    def set_input_embeddings(self, value):
        self._require_text_decoder("set input embeddings")
        self.text_decoder.set_input_embeddings(value)

    def get_output_embeddings(self):
        return self.text_decoder.get_output_embeddings() if self.text_decoder is not None else None

    def set_output_embeddings(self, new_embeddings):
        self._require_text_decoder("set output embeddings")
        self.text_decoder.set_output_embeddings(new_embeddings)

    def _require_text_decoder(self, action: str) -> None:
        if self.text_decoder is None:
            raise ValueError(
                f"cannot {action}: this is a video-only model (use_text_decoder=False), it has no text decoder"
            )

    # ------------------------------------------------------------------ vision encoder

    def detach_vision_model(self) -> BlipVisionModel | None:
        """Removes the ViT from the model and returns it (`None` when it is already detached).

        A model trained on cached `frame_embeds` never runs its ViT, so training need not hold it (ViT-B: 86 M
        parameters, 343 MiB in float32); `vsum.training.OffloadedVisionModel` keeps it on disk meanwhile. Without it
        the model still runs on `frame_embeds`; `pixel_values` and `save_pretrained` raise until
        [`~VsumModel.attach_vision_model`] puts it back, so no folder is ever written without its ViT.
        """
        vision_model, self.vision_model = self.vision_model, None
        return vision_model

    def attach_vision_model(self, vision_model: BlipVisionModel) -> None:
        """Puts a ViT (e.g. the one [`~VsumModel.detach_vision_model`] returned) back into the model."""
        if not isinstance(vision_model, BlipVisionModel):
            raise ValueError(f"vision_model must be a BlipVisionModel, got {type(vision_model).__name__}")
        if vision_model.config.hidden_size != self.config.hidden_size:
            raise ValueError(
                f"vision_model has hidden size {vision_model.config.hidden_size}, the model {self.config.hidden_size}"
            )
        self.vision_model = vision_model

    def _require_vision_model(self, action: str) -> None:
        if self.config.vision_config is None:
            raise ValueError(
                f"cannot {action}: this model has no ViT; it takes precomputed frame features of width "
                f"input_feature_size={self.config.input_feature_size} as `frame_embeds`"
            )
        if self.vision_model is None:
            raise ValueError(
                f"cannot {action}: this model's ViT is detached (it was trained on cached frame_embeds); call "
                "`model.attach_vision_model(...)` first"
            )

    def save_pretrained(self, save_directory, *args, **kwargs):
        # A folder without the ViT would load with a randomly initialised one (a warning, not an error).
        if self.config.vision_config is not None:
            self._require_vision_model(f"save the model to {save_directory}")
        return super().save_pretrained(save_directory, *args, **kwargs)

    # ------------------------------------------------------------------ frames

    def encode_frames(
        self, pixel_values: torch.Tensor, frame_mask: torch.Tensor | None = None, chunk_size: int | None = None
    ) -> torch.Tensor:
        """Per-frame BLIP ViT [CLS] embeddings (post-layernorm), computed `chunk_size` frames at a time.

        Only real frames are encoded; padded positions are zero. Images of another size than the ViT's are handled
        by interpolating its position embeddings.

        Args:
            pixel_values (`torch.FloatTensor` of shape `(batch, frames, 3, height, width)`).
            frame_mask (`torch.Tensor` of shape `(batch, frames)`, *optional*): 1 for real frames.
            chunk_size (`int`, *optional*): frames per ViT call; defaults to `config.vision_chunk_size`.

        Returns:
            `torch.FloatTensor` of shape `(batch, frames, hidden_size)`.
        """
        self._require_vision_model("encode pixel_values")
        if pixel_values.dim() != 5 or pixel_values.shape[2] != 3:
            raise ValueError(
                f"pixel_values must have shape (batch, frames, 3, height, width), got {tuple(pixel_values.shape)}"
            )
        frame_mask = self._check_frame_mask(frame_mask, pixel_values.shape[:2], "pixel_values", pixel_values.device)
        chunk_size = chunk_size or self.config.vision_chunk_size
        image_size = self.config.vision_config.image_size
        image_size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
        interpolate = tuple(pixel_values.shape[-2:]) != image_size

        frames = pixel_values[frame_mask]  # (N_real, 3, H, W): padded frames are never encoded
        grad_context = torch.no_grad() if self.config.freeze_vision else torch.enable_grad()
        with grad_context:
            chunks = [
                self.vision_model(
                    pixel_values=frames[start : start + chunk_size].to(self.vision_model.dtype),
                    interpolate_pos_encoding=interpolate,
                ).last_hidden_state[:, 0]  # [CLS] after post-layernorm: (n, D)
                for start in range(0, frames.shape[0], chunk_size)
            ]
        embeds = torch.cat(chunks) if chunks else frames.new_zeros(0, self.config.hidden_size)
        output = embeds.new_zeros(*frame_mask.shape, self.config.hidden_size)  # (B, T, D)
        output[frame_mask] = embeds
        return output

    def get_frame_features(
        self,
        pixel_values: torch.Tensor | None = None,
        frame_embeds: torch.Tensor | None = None,
        frame_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Frame features after the temporal transformer and local attention, and the boolean frame mask.

        Returns:
            `(frame_features, frame_mask)` of shapes `(batch, frames, hidden)` and `(batch, frames)`.
        """
        if (pixel_values is None) == (frame_embeds is None):
            raise ValueError(
                "Pass exactly one of `pixel_values` (batch, frames, 3, H, W) or `frame_embeds` (batch, frames, hidden); "
                f"got pixel_values={None if pixel_values is None else tuple(pixel_values.shape)} and "
                f"frame_embeds={None if frame_embeds is None else tuple(frame_embeds.shape)}"
            )
        if pixel_values is not None:
            frame_mask = self._check_frame_mask(frame_mask, pixel_values.shape[:2], "pixel_values", pixel_values.device)
            frame_embeds = self.encode_frames(pixel_values, frame_mask)
        else:
            width = self.config.input_feature_size or self.config.hidden_size
            if frame_embeds.dim() != 3 or frame_embeds.shape[-1] != width:
                raise ValueError(
                    f"frame_embeds must have shape (batch, frames, {width}), got {tuple(frame_embeds.shape)}"
                )
            frame_mask = self._check_frame_mask(frame_mask, frame_embeds.shape[:2], "frame_embeds", frame_embeds.device)
        hidden_states = frame_embeds.to(self.saliency_head.weight.dtype)  # (B, T, D_in)
        if self.input_projection is not None:
            hidden_states = self.input_projection(hidden_states)  # (B, T, D)
        if self.temporal_encoder is not None:
            hidden_states = self.temporal_encoder(hidden_states, frame_mask)
        if self.local_attention is not None:
            hidden_states = self.local_attention(hidden_states, frame_mask)
        # Padded frames carry no information downstream.
        hidden_states = hidden_states * frame_mask[..., None].to(hidden_states.dtype)
        return hidden_states, frame_mask

    @staticmethod
    def _check_frame_mask(frame_mask, expected_shape, source: str, device=None) -> torch.Tensor:
        batch, frames = expected_shape
        if frames == 0:
            raise ValueError(
                f"{source} has no frames (shape {tuple(expected_shape)}); a video needs at least one frame"
            )
        if frame_mask is None:
            return torch.ones(batch, frames, dtype=torch.bool, device=device)
        if tuple(frame_mask.shape) != (batch, frames):
            raise ValueError(
                f"frame_mask must have shape (batch, frames) = {(batch, frames)} to match {source}, "
                f"got {tuple(frame_mask.shape)}"
            )
        frame_mask = frame_mask.bool()
        empty = (~frame_mask.any(dim=1)).nonzero().flatten().tolist()
        if empty:
            raise ValueError(f"frame_mask marks no real frame for batch item(s) {empty}; each video needs >= 1 frame")
        return frame_mask

    def decoder_memory(
        self, frame_features: torch.Tensor, frame_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """What the text decoder cross-attends to: the frame features, average-pooled over time for videos longer
        than `config.decoder_max_frames` (each video with its own window `ceil(T_video / decoder_max_frames)`).

        Returns:
            `(memory, mask)` of shapes `(batch, frames', hidden)` and `(batch, frames')`, `frames' <= frames`.
        """
        limit = self.config.decoder_max_frames
        lengths = frame_mask.sum(dim=1)
        if limit is None or int(lengths.max()) <= limit:
            return frame_features, frame_mask
        # Only long videos get here (inference on hour-long videos); one pooling call per video keeps each video's
        # result independent of what it is batched with.
        pooled = []
        for row in range(frame_features.shape[0]):
            features = frame_features[row][frame_mask[row]]  # (T_video, D)
            if features.shape[0] > limit:
                window = math.ceil(features.shape[0] / limit)
                features = F.avg_pool1d(features.T[None], window, window, ceil_mode=True)[0].T  # (<= limit, D)
            pooled.append(features)
        memory = nn.utils.rnn.pad_sequence(pooled, batch_first=True)  # (B, T', D)
        sizes = torch.tensor([len(p) for p in pooled], device=memory.device)
        mask = torch.arange(memory.shape[1], device=memory.device)[None] < sizes[:, None]
        return memory, mask

    # ------------------------------------------------------------------ losses

    @staticmethod
    def saliency_loss(
        saliency_logits: torch.Tensor,
        vsum_labels: torch.Tensor,
        frame_mask: torch.Tensor,
        reduction: str = "real_frames",
    ):
        """BCE-with-logits of every annotator's frame labels.

        `vsum_labels` is `(batch, annotators, frames)` binary or `(batch, frames)` scores in [0, 1]; negative
        values (e.g. -100 for padded annotator rows) are ignored. `reduction` (`config.vsum_loss_reduction`):
        `"real_frames"` averages over real frames and annotators; `"videoxum"` divides the same sum by
        batch x annotators x padded frames, as the official code does (padded frames weighted 0).
        """
        batch, frames = saliency_logits.shape
        if vsum_labels.dim() == 2:
            vsum_labels = vsum_labels[:, None]  # (B, 1, T)
        if vsum_labels.dim() != 3 or vsum_labels.shape[0] != batch or vsum_labels.shape[2] != frames:
            raise ValueError(
                f"vsum_labels must have shape (batch, annotators, frames) or (batch, frames) with batch={batch} and "
                f"frames={frames}, got {tuple(vsum_labels.shape)}"
            )
        vsum_labels = vsum_labels.to(saliency_logits.dtype)
        valid = frame_mask[:, None, :] & (vsum_labels >= 0)  # (B, A, T)
        # Padded frames hold finfo.min logits: zero them so that the BCE there is finite (its weight is 0 anyway).
        logits = saliency_logits.masked_fill(~frame_mask, 0.0)
        losses = F.binary_cross_entropy_with_logits(
            logits[:, None, :].expand_as(vsum_labels), vsum_labels.clamp(min=0), reduction="none"
        )
        total = (losses * valid).sum()
        if reduction == "real_frames":
            return total / valid.sum().clamp(min=1)
        if reduction == "videoxum":
            return total / vsum_labels.numel()
        raise ValueError(f"reduction must be 'real_frames' or 'videoxum', got {reduction!r}")

    # ------------------------------------------------------------------ forward

    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        frame_embeds: torch.Tensor | None = None,
        frame_mask: torch.Tensor | None = None,
        vsum_labels: torch.Tensor | None = None,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        frame_timestamps: torch.Tensor | None = None,
        return_dict: bool | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
    ) -> VsumOutput:
        r"""
        Args:
            pixel_values (`torch.FloatTensor` of shape `(batch, frames, 3, height, width)`, *optional*):
                Preprocessed frames (see [`VsumVideoProcessor`]). Exactly one of `pixel_values` / `frame_embeds`.
            frame_embeds (`torch.FloatTensor` of shape `(batch, frames, hidden_size)`, *optional*):
                Cached per-frame ViT embeddings (the output of [`~VsumModel.encode_frames`]); for a model with
                `config.input_feature_size`, precomputed features of that width (e.g. GoogLeNet pool5, 1024).
            frame_mask (`torch.LongTensor` of shape `(batch, frames)`, *optional*):
                1 for real frames, 0 for padding. Defaults to all ones.
            vsum_labels (`torch.Tensor` of shape `(batch, annotators, frames)` or `(batch, frames)`, *optional*):
                Annotators' binary frame labels, or frame scores in [0, 1]. Negative values are ignored.
            input_ids (`torch.LongTensor` of shape `(batch, text_length)`, *optional*):
                Decoder input ids (decoder BOS, prompt, summary, separator) from [`VsumProcessor`].
            attention_mask (`torch.LongTensor` of shape `(batch, text_length)`, *optional*):
                Text attention mask.
            labels (`torch.LongTensor` of shape `(batch, text_length)`, *optional*):
                Text targets aligned with `input_ids` (shifted inside); -100 for prompt and padding.
            frame_timestamps (`torch.Tensor`, *optional*):
                Ignored; the processor returns it for [`VsumProcessor.post_process_summary`].
            return_dict (`bool`, *optional*):
                Accepted for transformers' API; a [`VsumOutput`] is always returned.
            output_attentions / output_hidden_states (`bool`, *optional*):
                Accepted for transformers' API; `True` raises (the model returns neither).

        Any other keyword argument is a `TypeError` naming it (e.g. a misspelt `vsum_label`), never silently
        ignored.
        """
        for name, flag in (("output_attentions", output_attentions), ("output_hidden_states", output_hidden_states)):
            if flag:
                raise ValueError(f"VsumModel does not return attentions or hidden states; got {name}=True")
        frame_features, frame_mask = self.get_frame_features(pixel_values, frame_embeds, frame_mask)
        saliency_logits = self.saliency_head(frame_features).squeeze(-1)  # (B, T)
        saliency_logits = saliency_logits.masked_fill(~frame_mask, torch.finfo(saliency_logits.dtype).min)

        vsum_loss = None
        if vsum_labels is not None:
            vsum_loss = self.saliency_loss(
                saliency_logits,
                vsum_labels.to(saliency_logits.device),
                frame_mask,
                reduction=self.config.vsum_loss_reduction,
            )

        text_logits, tsum_loss = None, None
        if self.text_decoder is None and (input_ids is not None or labels is not None):
            raise ValueError(
                "this is a video-only model (use_text_decoder=False): it has no text decoder, so it takes no "
                "`input_ids`/`labels`; pass frames and `vsum_labels` only"
            )
        if labels is not None and input_ids is None:
            raise ValueError("`labels` were given without `input_ids`; pass both (the processor returns both)")
        if input_ids is not None:
            decoder_memory, decoder_mask = self.decoder_memory(frame_features, frame_mask)
            decoder_outputs = self.text_decoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                encoder_hidden_states=decoder_memory,
                encoder_attention_mask=decoder_mask.long(),
                labels=labels,
                return_dict=True,
            )
            text_logits, tsum_loss = decoder_outputs.logits, decoder_outputs.loss

        loss = None
        if vsum_loss is not None or tsum_loss is not None:
            loss = 0.0
            if vsum_loss is not None:
                loss = loss + self.config.vsum_loss_weight * vsum_loss
            if tsum_loss is not None:
                loss = loss + self.config.tsum_loss_weight * tsum_loss

        return VsumOutput(
            loss=loss,
            vsum_loss=vsum_loss,
            tsum_loss=tsum_loss,
            saliency_logits=saliency_logits,
            logits=text_logits,
            frame_features=frame_features,
            frame_mask=frame_mask,
        )

    @torch.no_grad()
    def generate(
        self,
        pixel_values: torch.Tensor | None = None,
        frame_embeds: torch.Tensor | None = None,
        frame_mask: torch.Tensor | None = None,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        frame_timestamps: torch.Tensor | None = None,
        frame_features: torch.Tensor | None = None,
        generation_config: GenerationConfig | None = None,
        **generate_kwargs,
    ) -> torch.LongTensor:
        r"""
        Generates the text summary with transformers' generation utilities (greedy, beam search, sampling, ...).

        Args:
            pixel_values / frame_embeds / frame_mask: as in [`~VsumModel.forward`].
            input_ids (`torch.LongTensor` of shape `(batch, prompt_length)`, *optional*):
                The prompt (decoder BOS + prompt tokens). Defaults to `config.prompt_token_ids`.
            frame_timestamps (`torch.Tensor`, *optional*): ignored, so `generate(**processor(videos=...))` works.
            frame_features (`torch.FloatTensor` of shape `(batch, frames, hidden)`, *optional*):
                `VsumOutput.frame_features` of a forward pass already made (with its `frame_mask`): the temporal
                modules are not run again. Instead of `pixel_values` / `frame_embeds`.
            generation_config ([`~transformers.GenerationConfig`], *optional*):
                The decoding recipe; defaults to `self.generation_config` (3 beams, 10 to 128 tokens for a new model;
                a checkpoint's own `generation_config.json` when loaded). Never modified.
                Its `length_normalization` (ours) sets how beam search scores a finished summary: `"generated"`
                (default; transformers': log-probability / generated tokens ** `length_penalty`) or `"videoxum"`
                (transformers 4.15's, the official VideoXum pin: / whole sequence with the prompt, see
                [`videoxum_beam_scoring`]); converted official checkpoints and `configs/videoxum_official.yaml` set it.
            generate_kwargs: override single fields of it (e.g. `num_beams=1, max_new_tokens=20`). They are merged
                into a copy of the recipe here, so the text decoder gets one config (no transformers warning). A length
                given one way replaces the recipe's other way: `max_new_tokens` drops its `max_length` (and vice
                versa), `min_new_tokens` its `min_length` (and vice versa). Other keys go to the decoder's forward.

        Returns:
            `torch.LongTensor` of shape `(batch, sequence_length)`: token ids, prompt included (use
            [`VsumProcessor.batch_decode`], which strips it).
        """
        if self.text_decoder is None:
            raise ValueError(
                "generate() needs a text decoder: this is a video-only model (use_text_decoder=False), it has no text "
                "decoder; its video summary is `model(...).saliency_logits`"
            )
        if frame_features is not None:
            if pixel_values is not None or frame_embeds is not None:
                raise ValueError("Pass `frame_features` alone, without `pixel_values` or `frame_embeds`")
            if frame_features.dim() != 3 or frame_features.shape[-1] != self.config.hidden_size:
                raise ValueError(
                    f"frame_features must have shape (batch, frames, {self.config.hidden_size}), "
                    f"got {tuple(frame_features.shape)}"
                )
            frame_mask = self._check_frame_mask(
                frame_mask, frame_features.shape[:2], "frame_features", frame_features.device
            )
        else:
            frame_features, frame_mask = self.get_frame_features(pixel_values, frame_embeds, frame_mask)
        batch = frame_features.shape[0]
        if input_ids is None:
            if self.config.prompt_token_ids is None:
                raise ValueError(
                    "No prompt: pass `input_ids` (the processor returns the prompt's ids) or set "
                    "`config.prompt_token_ids` (VsumProcessor.prompt_token_ids gives them)"
                )
            input_ids = torch.tensor([self.config.prompt_token_ids] * batch, device=frame_features.device)
        elif input_ids.shape[0] != batch:
            raise ValueError(f"input_ids has batch size {input_ids.shape[0]} but the frames have {batch}")
        decoder_memory, decoder_mask = self.decoder_memory(frame_features, frame_mask)
        generation_config, model_kwargs = self._merge_generation_kwargs(generation_config, generate_kwargs)
        normalization = getattr(generation_config, "length_normalization", None) or "generated"
        if normalization not in LENGTH_NORMALIZATIONS:
            raise ValueError(f"length_normalization must be one of {LENGTH_NORMALIZATIONS}, got {normalization!r}")
        scoring = contextlib.nullcontext()
        if normalization == "videoxum" and generation_config.num_beams > 1:
            scoring = videoxum_beam_scoring(self.text_decoder, generation_config.eos_token_id)
        with scoring:
            return self.text_decoder.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                encoder_hidden_states=decoder_memory,
                encoder_attention_mask=decoder_mask.long(),
                generation_config=generation_config,
                **model_kwargs,
            )

    #: Pairs of `GenerationConfig` fields that bound the same length two ways (total, or new tokens only).
    _LENGTH_ALTERNATIVES = (("max_new_tokens", "max_length"), ("min_new_tokens", "min_length"))

    def _merge_generation_kwargs(
        self, generation_config: GenerationConfig | None, generate_kwargs: dict
    ) -> tuple[GenerationConfig, dict]:
        """A copy of `generation_config` (default: `self.generation_config`) with the generation fields of
        `generate_kwargs` set, and the remaining (model) kwargs. transformers deprecates a config passed together with
        generation arguments, and warns when `max_new_tokens` meets the recipe's `max_length`: here the caller's
        length replaces the recipe's other form of it, as an explicit argument should."""
        generation_config = copy.deepcopy(
            generation_config if generation_config is not None else self.generation_config
        )
        generate_kwargs = dict(generate_kwargs)
        if "length_normalization" in generate_kwargs:  # ours: `update` would pass it on to the decoder's forward
            generation_config.length_normalization = generate_kwargs.pop("length_normalization")
        for first, second in self._LENGTH_ALTERNATIVES:
            for given, other in ((first, second), (second, first)):
                if generate_kwargs.get(given) is not None and generate_kwargs.get(other) is None:
                    setattr(generation_config, other, None)
        model_kwargs = generation_config.update(**generate_kwargs)
        return generation_config, model_kwargs

    # ------------------------------------------------------------------ BLIP weights

    @classmethod
    def from_blip(cls, blip, **config_overrides) -> "VsumModel":
        """Builds a `VsumModel` whose ViT and text decoder are copied from a `BlipForConditionalGeneration`.

        Args:
            blip (`BlipForConditionalGeneration`, `str` or `os.PathLike`):
                A model object, or a name/path given to `BlipForConditionalGeneration.from_pretrained`
                (e.g. `"Salesforce/blip-image-captioning-base"`; its safetensors weights, never pickles).
            config_overrides: `VsumConfig` fields (e.g. `local_attention_window=2`, `prompt_token_ids=[...]`).

        Every vision and text-decoder tensor is copied after checking its name and shape; the temporal modules and
        the saliency head are freshly initialised.
        """
        from transformers import BlipForConditionalGeneration

        if isinstance(blip, (str, os.PathLike)):
            # Safetensors only: a pickle (`pytorch_model.bin`) can run code when it is read.
            blip = BlipForConditionalGeneration.from_pretrained(blip, use_safetensors=True)
        if not isinstance(blip, BlipForConditionalGeneration):
            raise ValueError(
                f"from_blip expects a BlipForConditionalGeneration or its name/path, got {type(blip).__name__}"
            )
        for key in ("vision_config", "text_config"):
            if key in config_overrides:
                raise ValueError(f"from_blip takes {key} from the BLIP checkpoint; do not override it")
        config = VsumConfig(
            vision_config=blip.config.vision_config.to_dict(),
            text_config=blip.config.text_config.to_dict(),
            **config_overrides,
        )
        model = cls(config)
        source = {k: v for k, v in blip.state_dict().items() if k.startswith(("vision_model.", "text_decoder."))}
        target = model.state_dict()
        expected = {k for k in target if k.startswith(("vision_model.", "text_decoder."))}
        unexpected, missing = sorted(set(source) - expected), sorted(expected - set(source))
        if unexpected or missing:
            raise ValueError(
                f"BLIP weights do not match VsumModel: {len(missing)} missing (first: {missing[:5]}), "
                f"{len(unexpected)} unexpected (first: {unexpected[:5]})"
            )
        with torch.no_grad():
            for name, tensor in source.items():
                if target[name].shape != tensor.shape:
                    raise ValueError(
                        f"shape mismatch for {name}: BLIP {tuple(tensor.shape)} vs {tuple(target[name].shape)}"
                    )
                target[name].copy_(tensor)
        return model


# Registration (see the end of configuration_vsum.py).
VsumModel.register_for_auto_class("AutoModel")
if __name__.startswith("vsum."):
    from transformers import AutoModel

    AutoModel.register(VsumConfig, VsumModel, exist_ok=True)


__all__ = ["VsumModel", "VsumOutput", "VsumPreTrainedModel", "default_generation_config", "local_window_attention"]

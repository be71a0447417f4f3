# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The ORIGINAL formulation of the model's temporal part, re-typed from its description (issue 14), as the baseline
of `benchmarks/local_attention.py` and `benchmarks/train_step.py`. Not used by the model.

- Local attention: a `T x T` band mask rebuilt by a Python loop on every call and added to the full `T x T` attention
  scores, inside the module with LayerNorm, q/k/v/out projections and the residual (parameter names as in
  `VsumLocalAttention`, so its weights can be copied in and the outputs compared).
- Temporal transformer: pre-norm layers with one fused qkv projection and explicit softmax attention, followed by a
  final LayerNorm.
- Losses: saliency BCE averaged over every position, padded frames included (labels 0 there); BLIP's text decoder
  as shipped (its own cross-attention) with label smoothing 0.1.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def loop_band_mask(length: int, window: int, device=None) -> torch.Tensor:
    """Additive `(T, T)` mask: 0 where `|i - j| <= window`, `-inf` elsewhere, filled element by element."""
    mask = torch.full((length, length), float("-inf"), device=device)
    for i in range(length):
        for j in range(max(0, i - window), min(length, i + window + 1)):
            mask[i, j] = 0.0
    return mask


class OriginalLocalAttention(nn.Module):
    """Dense local attention: full scores + the loop-built band mask (memory and time O(T^2))."""

    def __init__(self, hidden_size: int, num_heads: int, window: int, dropout: float = 0.0, eps: float = 1e-5):
        super().__init__()
        self.window, self.num_heads, self.head_dim, self.dropout = window, num_heads, hidden_size // num_heads, dropout
        self.layer_norm = nn.LayerNorm(hidden_size, eps=eps)
        self.q_proj = nn.Linear(hidden_size, hidden_size)
        self.k_proj = nn.Linear(hidden_size, hidden_size)
        self.v_proj = nn.Linear(hidden_size, hidden_size)
        self.out_proj = nn.Linear(hidden_size, hidden_size)

    def forward(self, hidden_states: torch.Tensor, frame_mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, length, _ = hidden_states.shape  # (B, T, D)
        normed = self.layer_norm(hidden_states)
        shape = (batch, length, self.num_heads, self.head_dim)
        query = self.q_proj(normed).view(shape).transpose(1, 2)  # (B, H, T, d)
        key = self.k_proj(normed).view(shape).transpose(1, 2)
        value = self.v_proj(normed).view(shape).transpose(1, 2)
        scores = query @ key.transpose(-1, -2) / math.sqrt(self.head_dim)  # (B, H, T, T)
        scores = scores + loop_band_mask(length, self.window, hidden_states.device)
        if frame_mask is not None:
            scores = scores.masked_fill(~frame_mask.bool()[:, None, None, :], torch.finfo(scores.dtype).min)
        probs = F.dropout(scores.softmax(dim=-1), self.dropout, self.training)
        attended = (probs @ value).transpose(1, 2).reshape(batch, length, -1)
        return hidden_states + F.dropout(self.out_proj(attended), self.dropout, self.training)


class OriginalTemporalLayer(nn.Module):
    def __init__(self, hidden_size: int, num_heads: int, intermediate_size: int, dropout: float, eps: float):
        super().__init__()
        self.num_heads, self.head_dim = num_heads, hidden_size // num_heads
        self.norm1 = nn.LayerNorm(hidden_size, eps=eps)
        self.qkv = nn.Linear(hidden_size, 3 * hidden_size)  # fused q/k/v projection
        self.proj = nn.Linear(hidden_size, hidden_size)
        self.norm2 = nn.LayerNorm(hidden_size, eps=eps)
        self.fc1 = nn.Linear(hidden_size, intermediate_size)
        self.fc2 = nn.Linear(intermediate_size, hidden_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, hidden_states: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        batch, length, _ = hidden_states.shape
        qkv = self.qkv(self.norm1(hidden_states)).view(batch, length, 3, self.num_heads, self.head_dim)
        query, key, value = qkv.permute(2, 0, 3, 1, 4)  # each (B, H, T, d)
        scores = query @ key.transpose(-1, -2) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~frame_mask[:, None, None, :], torch.finfo(scores.dtype).min)
        attended = (self.dropout(scores.softmax(dim=-1)) @ value).transpose(1, 2).reshape(batch, length, -1)
        hidden_states = hidden_states + self.dropout(self.proj(attended))
        mlp = self.fc2(self.dropout(F.gelu(self.fc1(self.norm2(hidden_states)))))
        return hidden_states + self.dropout(mlp)


class OriginalVsumModel(nn.Module):
    """Frozen BLIP ViT (built and kept, unused on cached features) -> position table -> fused-qkv TT + final LayerNorm
    -> loop-mask local attention -> saliency head + BLIP text decoder (its own cross-attention, label smoothing 0.1).

    `config` is a `VsumConfig` (sizes only)."""

    def __init__(self, config):
        super().__init__()
        from transformers.models.blip.modeling_blip import BlipVisionModel
        from transformers.models.blip.modeling_blip_text import BlipTextLMHeadModel

        hidden, eps = config.hidden_size, config.vision_config.layer_norm_eps
        self.vsum_loss_weight, self.tsum_loss_weight = config.vsum_loss_weight, config.tsum_loss_weight
        self.vision_model = BlipVisionModel(config.vision_config).requires_grad_(False)
        self.position_embeddings = nn.Parameter(torch.randn(config.max_frames, hidden) * 0.02)
        self.layers = nn.ModuleList(
            OriginalTemporalLayer(
                hidden, config.temporal_num_heads, config.temporal_intermediate_size, config.temporal_dropout, eps
            )
            for _ in range(config.temporal_num_layers)
        )
        self.final_norm = nn.LayerNorm(hidden, eps=eps)
        self.local_attention = OriginalLocalAttention(
            hidden, config.temporal_num_heads, config.local_attention_window, config.temporal_dropout, eps
        )
        self.saliency_head = nn.Linear(hidden, 1)
        text_config = config.text_config.__class__.from_dict({**config.text_config.to_dict(), "label_smoothing": 0.1})
        self.text_decoder = BlipTextLMHeadModel(text_config)

    def forward(self, frame_embeds, frame_mask, vsum_labels, input_ids, attention_mask, labels):
        frame_mask = frame_mask.bool()
        positions = self.position_embeddings[: frame_embeds.shape[1]]
        hidden_states = frame_embeds + positions
        for layer in self.layers:
            hidden_states = layer(hidden_states, frame_mask)
        hidden_states = self.final_norm(hidden_states + positions)
        hidden_states = self.local_attention(hidden_states, frame_mask)
        logits = self.saliency_head(hidden_states).squeeze(-1)  # (B, T)
        # BCE over every position, padded frames included (their labels are 0), averaged over annotators.
        targets = vsum_labels.clamp(min=0).float()
        vsum_loss = F.binary_cross_entropy_with_logits(logits[:, None].expand_as(targets), targets)
        text = self.text_decoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            encoder_hidden_states=hidden_states,
            encoder_attention_mask=frame_mask.long(),
            labels=labels,
            return_dict=True,
        )
        return self.vsum_loss_weight * vsum_loss + self.tsum_loss_weight * text.loss

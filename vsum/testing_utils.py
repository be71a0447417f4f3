# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Reference implementations used by the tests and benchmarks only (not part of the checkpoints' remote code)."""

import math

import torch


def dense_local_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    window: int,
    key_mask: torch.Tensor | None = None,
    rbf_bandwidth: torch.Tensor | None = None,
) -> torch.Tensor:
    """Reference formulation of the original code: full `T x T` scores plus a band mask `M_LA`. Memory O(T^2).

    The model uses the blockwise `vsum.modeling_vsum.local_window_attention`; this is what it is tested and
    benchmarked against.

    Args:
        query, key, value (`torch.Tensor` of shape `(batch, heads, T, head_dim)`).
        window (`int`): radius `k` (frame `i` attends to `|i - j| <= k`).
        key_mask (`torch.BoolTensor` of shape `(batch, T)`, *optional*): `True` for real frames.
        rbf_bandwidth (`torch.Tensor` scalar, *optional*): adds `-(i - j)^2 / (2 sigma^2)` to the scores.

    Returns:
        `torch.Tensor` of shape `(batch, heads, T, head_dim)`.
    """
    length = query.shape[2]
    positions = torch.arange(length, device=query.device)
    distance = positions[None, :] - positions[:, None]  # (T, T)
    allowed = (distance.abs() <= window)[None, None]  # (1, 1, T, T)
    if key_mask is not None:
        allowed = allowed & key_mask[:, None, None, :]
    scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(query.shape[-1])  # (B, H, T, T)
    if rbf_bandwidth is not None:
        scores = scores - distance.to(scores.dtype).pow(2) / (2 * rbf_bandwidth.to(scores.dtype).pow(2))
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    return torch.matmul(scores.softmax(dim=-1), value)


__all__ = ["dense_local_attention"]

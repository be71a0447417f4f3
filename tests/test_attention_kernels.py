# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Both local-attention kernels (band-mask SDPA for short videos, blockwise for long ones) against each other and
against a plain dense reference: outputs and gradients, with padding and holes, hard and rbf windows."""

import math

import pytest
import torch

from vsum.modeling_vsum import LOCAL_ATTENTION_DENSE_MAX_FRAMES, VsumModel, local_window_attention
from vsum.tiny import tiny_config


def reference_local_attention(query, key, value, window, key_mask, bandwidth):
    """Full T x T scores, band mask and key mask by explicit loops over positions (slow, obviously right)."""
    length = query.shape[2]
    scores = query @ key.transpose(-1, -2) / math.sqrt(query.shape[-1])  # (B, H, T, T)
    bias = torch.full((query.shape[0], 1, length, length), float("-inf"))
    for b in range(query.shape[0]):
        for i in range(length):
            for j in range(max(0, i - window), min(length, i + window + 1)):
                if key_mask[b, j]:
                    bias[b, 0, i, j] = 0.0 if bandwidth is None else -((i - j) ** 2) / (2 * bandwidth**2)
    probs = (scores + bias).softmax(dim=-1).nan_to_num(0.0)  # padded queries with no visible key: 0
    output = probs @ value
    return output * key_mask[:, None, :, None]  # padded queries' rows are defined as zero


def _inputs(length, seed, batch=2, heads=3, head_dim=8):
    generator = torch.Generator().manual_seed(seed)
    query, key, value = torch.randn(3, batch, heads, length, head_dim, generator=generator, dtype=torch.float64)
    key_mask = torch.ones(batch, length, dtype=torch.bool)
    key_mask[1, length // 2 + 1 :] = False  # a padded tail
    key_mask[0, 1::3] = False  # holes
    key_mask[0, 0] = True
    return query, key, value, key_mask


@pytest.mark.parametrize("length,window", [(1, 2), (5, 2), (40, 1), (65, 2), (130, 7), (9, 20), (150, 40)])
@pytest.mark.parametrize("rbf", [False, True])
def test_both_kernels_equal_reference(length, window, rbf):
    query, key, value, key_mask = _inputs(length, seed=length * 31 + window)
    bandwidth = 1.7 if rbf else None
    expected = reference_local_attention(query, key, value, window, key_mask, bandwidth)
    bandwidth_tensor = None if bandwidth is None else torch.tensor(bandwidth, dtype=torch.float64)
    banded = local_window_attention(query, key, value, window, key_mask, bandwidth_tensor, dense_max_frames=None)
    for block_size in (4, 16, 64):
        blockwise = local_window_attention(
            query, key, value, window, key_mask, bandwidth_tensor, block_size=block_size, dense_max_frames=0
        )
        torch.testing.assert_close(blockwise, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(banded, expected, atol=1e-5, rtol=1e-5)
    assert not banded.isnan().any()


@pytest.mark.parametrize("rbf", [False, True])
@pytest.mark.parametrize("length,window", [(70, 2), (33, 5)])
def test_both_kernels_have_equal_gradients(length, window, rbf):
    query, key, value, key_mask = _inputs(length, seed=7 + length)
    upstream = torch.randn(query.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    grads = []
    for dense_max_frames in (None, 0):
        leaves = [t.clone().requires_grad_() for t in (query, key, value)]
        log_bandwidth = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
        output = local_window_attention(
            *leaves,
            window,
            key_mask,
            log_bandwidth.exp() if rbf else None,
            block_size=16,
            dense_max_frames=dense_max_frames,
        )
        (output * upstream).sum().backward()
        grads.append([leaf.grad for leaf in leaves] + ([log_bandwidth.grad] if rbf else []))
        assert all(g is not None and g.abs().sum() > 0 and not g.isnan().any() for g in grads[-1])
    for banded, blockwise in zip(*grads):
        torch.testing.assert_close(banded, blockwise, atol=1e-5, rtol=1e-5)


def test_kernel_is_chosen_by_length(monkeypatch):
    """The default threshold picks the band mask up to LOCAL_ATTENTION_DENSE_MAX_FRAMES frames, blockwise above."""
    from vsum import modeling_vsum

    calls = []
    for name in ("_banded_sdpa_local_attention", "_blockwise_local_attention"):
        original = getattr(modeling_vsum, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(modeling_vsum, name, spy)
    limit = LOCAL_ATTENTION_DENSE_MAX_FRAMES["cpu"]
    for length in (limit, limit + 1):
        query = torch.randn(1, 2, length, 4)
        modeling_vsum.local_window_attention(query, query, query, 2)
    assert calls == ["_banded_sdpa_local_attention", "_blockwise_local_attention"]


@pytest.mark.parametrize("attention_type", ["hard", "rbf"])
def test_model_outputs_and_gradients_equal_with_either_kernel(monkeypatch, attention_type):
    """The whole model (padded batch, with text) gives the same loss, logits and parameter gradients on both paths."""
    from vsum import modeling_vsum

    torch.manual_seed(0)
    model = VsumModel(tiny_config(local_attention_type=attention_type, local_attention_window=3)).train()
    frame_mask = torch.tensor([[1] * 40, [1] * 23 + [0] * 17])
    inputs = dict(
        frame_embeds=torch.randn(2, 40, 32),
        frame_mask=frame_mask,
        vsum_labels=torch.randint(0, 2, (2, 3, 40)),
        input_ids=torch.tensor([[5, 7, 8, 9, 3], [5, 7, 10, 3, 0]]),
        attention_mask=torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]),
        labels=torch.tensor([[-100, 7, 8, 9, 3], [-100, 7, 10, 3, -100]]),
    )
    results = []
    for limit in (10_000, 0):
        monkeypatch.setitem(modeling_vsum.LOCAL_ATTENTION_DENSE_MAX_FRAMES, "cpu", limit)
        model.zero_grad()
        output = model(**inputs)
        output.loss.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((output, grads))
    (banded, banded_grads), (blockwise, blockwise_grads) = results
    torch.testing.assert_close(banded.loss, blockwise.loss, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(banded.saliency_logits, blockwise.saliency_logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(banded.logits, blockwise.logits, atol=1e-5, rtol=1e-5)
    assert banded_grads.keys() == blockwise_grads.keys()
    assert any(name.startswith("local_attention.") for name in banded_grads)
    for name in banded_grads:
        torch.testing.assert_close(banded_grads[name], blockwise_grads[name], atol=1e-5, rtol=1e-4, msg=name)


def test_text_decoder_sdpa_attention_equals_blip_eager_attention():
    """The SDPA attention cores give BLIP's eager results: loss, logits, gradients (padded text and frames) and
    generated text (greedy and beam search, with the cache)."""
    from transformers.models.blip.modeling_blip_text import BlipTextSelfAttention

    from vsum.modeling_vsum import VsumTextSdpaSelfAttention

    torch.manual_seed(0)
    config = tiny_config(text_config=dict(num_hidden_layers=2), prompt_token_ids=[5, 7])
    model = VsumModel(config).train()
    eager = VsumModel(config).train()
    for index, layer in enumerate(eager.text_decoder.bert.encoder.layer):
        layer.attention.self = BlipTextSelfAttention(config.text_config, is_cross_attention=False, layer_idx=index)
        layer.crossattention.self = BlipTextSelfAttention(config.text_config, is_cross_attention=True, layer_idx=index)
    eager.load_state_dict(model.state_dict())
    assert isinstance(model.text_decoder.bert.encoder.layer[1].attention.self, VsumTextSdpaSelfAttention)
    assert isinstance(model.text_decoder.bert.encoder.layer[1].crossattention.self, VsumTextSdpaSelfAttention)
    # No dropout, so that training-mode outputs are deterministic.
    for module in (*model.modules(), *eager.modules()):
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    inputs = dict(
        frame_embeds=torch.randn(2, 9, 32),
        frame_mask=torch.tensor([[1] * 9, [1] * 5 + [0] * 4]),
        input_ids=torch.tensor([[5, 7, 8, 9, 3], [5, 7, 10, 3, 0]]),
        attention_mask=torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]),
        labels=torch.tensor([[-100, 7, 8, 9, 3], [-100, 7, 10, 3, -100]]),
    )
    outputs = []
    for candidate in (model, eager):
        output = candidate(**inputs)
        output.loss.backward()
        outputs.append((output, {n: p.grad for n, p in candidate.named_parameters() if p.grad is not None}))
    (ours, our_grads), (theirs, their_grads) = outputs
    torch.testing.assert_close(ours.logits, theirs.logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.loss, theirs.loss, atol=1e-5, rtol=1e-5)
    assert our_grads.keys() == their_grads.keys()
    for name in our_grads:
        torch.testing.assert_close(our_grads[name], their_grads[name], atol=1e-5, rtol=1e-4, msg=name)
    model.eval(), eager.eval()
    frames = dict(frame_embeds=inputs["frame_embeds"], frame_mask=inputs["frame_mask"])
    for kwargs in (dict(max_new_tokens=6), dict(num_beams=3, max_new_tokens=6)):
        torch.testing.assert_close(model.generate(**frames, **kwargs), eager.generate(**frames, **kwargs))

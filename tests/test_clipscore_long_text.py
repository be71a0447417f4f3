# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VT-CLIPScore of texts longer than CLIP's text positions (issue 19, section 1).

The official VT-CLIPScore (VideoXum's `VideoCLIP.encoding_text`) tokenises each text to at most 256 tokens, pads the
batch to its longest text `L` and, when `L > 77`, bicubic-resamples the whole position table to `L` rows. vsum
reproduces it with `text_position_interpolation="videoxum_batch"`. The reference below is written from that
description only: its own cubic kernel, its own tokenisation into `[start] + tokens + [end]` and its own float64
forward pass of CLIP's text transformer (OpenAI's pre-LayerNorm blocks, causal attention, QuickGELU).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import make_tiny_clip

from vsum.metrics.clipscore import compute_vt_clipscore, resample_text_positions, vt_clipscore_per_video


LONG = "a man walks along the beach with his dog and then he throws a red ball into the sea " * 2  # ~170 tokens
SHORT = "a dog runs"


@pytest.fixture(scope="module")
def tiny_clip():
    torch.manual_seed(0)
    return make_tiny_clip()  # 64 text positions, a character-level tokenizer


def _cubic(x: float, a: float = -0.75) -> float:
    """Keys' cubic convolution kernel with a = -0.75 (the one of bicubic image resizing in PyTorch and OpenCV)."""
    x = abs(x)
    if x <= 1:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    if x < 2:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return 0.0


def _reference_positions(table: np.ndarray, length: int) -> np.ndarray:
    """The official rule: the first `length` rows up to 77 tokens, else the whole table resized to `length` rows
    (half-pixel centres, i.e. align_corners=False; neighbours beyond the ends repeat the edge rows)."""
    rows = table.shape[0]
    if length <= 77 and length <= rows:
        return table[:length]
    out = np.zeros((length, table.shape[1]))
    for i in range(length):
        source = (i + 0.5) * rows / length - 0.5
        base = math.floor(source)
        t = source - base
        for offset, weight in zip(range(-1, 3), (_cubic(t + 1), _cubic(t), _cubic(1 - t), _cubic(2 - t))):
            out[i] += weight * table[min(max(base + offset, 0), rows - 1)]
    return out


def _reference_text_features(model, tokenizer, texts: list[str], context: int = 256) -> np.ndarray:
    """Official VT-CLIPScore text features of one batch, in float64."""
    text_model = model.text_model
    start, end = tokenizer.bos_token_id, tokenizer.eos_token_id
    sequences = []
    for text in texts:
        tokens = [start] + tokenizer(text, add_special_tokens=False)["input_ids"] + [end]
        if len(tokens) > context:
            tokens = tokens[:context]
            tokens[-1] = end
        sequences.append(tokens)
    length = max(map(len, sequences))

    def weight(module):
        return module.weight.detach().double().numpy()

    def linear(x, module):
        return x @ weight(module).T + module.bias.detach().double().numpy()

    def layer_norm(x, module):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + module.eps) * weight(module) + module.bias.detach().double().numpy()

    table = weight(text_model.embeddings.position_embedding)
    positions = _reference_positions(table, length)
    causal = np.triu(np.full((length, length), -np.inf), k=1)
    features = []
    for tokens in sequences:
        ids = tokens + [0] * (length - len(tokens))  # official padding: 0 (the causal mask hides it)
        x = weight(text_model.embeddings.token_embedding)[ids] + positions
        for layer in text_model.encoder.layers:
            attention = layer.self_attn
            heads, size = attention.num_heads, attention.head_dim
            h = layer_norm(x, layer.layer_norm1)
            q, k, v = (
                linear(h, p).reshape(length, heads, size).transpose(1, 0, 2)
                for p in (attention.q_proj, attention.k_proj, attention.v_proj)
            )
            logits = q @ k.transpose(0, 2, 1) / math.sqrt(size) + causal
            probabilities = np.exp(logits - logits.max(-1, keepdims=True))
            probabilities /= probabilities.sum(-1, keepdims=True)
            x = x + linear((probabilities @ v).transpose(1, 0, 2).reshape(length, heads * size), attention.out_proj)
            h = linear(layer_norm(x, layer.layer_norm2), layer.mlp.fc1)
            x = x + linear(h * (1 / (1 + np.exp(-1.702 * h))), layer.mlp.fc2)  # QuickGELU
        pooled = layer_norm(x, text_model.final_layer_norm)[len(tokens) - 1]  # the end token
        features.append(pooled @ weight(model.text_projection).T)
    return np.stack(features)


def _reference_score(frames: np.ndarray, scores: np.ndarray, text_features: np.ndarray) -> float:
    top = np.argsort(-scores, kind="stable")[: max(1, int(0.15 * len(scores)))]
    video = frames[top].mean(0)
    video /= np.linalg.norm(video)
    return 100.0 * float(video @ (text_features / np.linalg.norm(text_features)))


def _videos(count: int, frames: int = 20, dim: int = 16):
    rng = np.random.default_rng(0)
    features = [rng.normal(size=(frames, dim)).astype(np.float32) for _ in range(count)]
    scores = [rng.permutation(frames).astype(np.float64) for _ in range(count)]
    return features, scores


@pytest.mark.parametrize("rows, length", [(64, 30), (64, 70), (64, 100), (64, 256), (100, 100), (256, 120)])
def test_resampled_positions_match_the_bicubic_reference(rows, length):
    table = torch.randn(rows, 8, generator=torch.Generator().manual_seed(rows + length), dtype=torch.float64)
    got = resample_text_positions(table, length)
    assert got.shape == (length, 8) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), _reference_positions(table.numpy(), length), atol=1e-12)
    if rows == length:  # resizing to its own size changes nothing
        np.testing.assert_allclose(got.numpy(), table.numpy(), atol=1e-12)
    half = resample_text_positions(table.half(), length)  # float16 tables (GPU models) work and stay float16
    assert half.dtype == torch.float16
    np.testing.assert_allclose(half.double().numpy(), got.numpy(), atol=2e-2)


def test_texts_longer_than_the_positions_score_like_the_official_computation(tiny_clip):
    model, processor = tiny_clip
    tokenizer = processor.tokenizer
    texts = [LONG, SHORT, LONG[:90]]
    assert len(tokenizer(LONG)["input_ids"]) > 77 > 64 == model.config.text_config.max_position_embeddings
    frames, scores = _videos(len(texts))

    got = vt_clipscore_per_video(
        texts, frames, scores, model=model, processor=processor, text_position_interpolation="videoxum_batch"
    )
    reference_features = _reference_text_features(model, tokenizer, texts)
    expected = [_reference_score(f, s, t) for f, s, t in zip(frames, scores, reference_features)]
    np.testing.assert_allclose(got, expected, atol=1e-3)

    # A shorter token budget truncates every text, then the same rule applies (here: 70 tokens, first rows only).
    got_70 = vt_clipscore_per_video(
        texts,
        frames,
        scores,
        model=model,
        processor=processor,
        text_position_interpolation="videoxum_batch",
        max_text_tokens=70,
    )
    features_70 = _reference_text_features(model, tokenizer, texts, context=70)
    np.testing.assert_allclose(got_70, [_reference_score(*v) for v in zip(frames, scores, features_70)], atol=1e-3)

    # Default: each text is cut at the model's 64 positions, each keeping its learned embedding.
    default = vt_clipscore_per_video(texts, frames, scores, model=model, processor=processor)
    truncated_long = _reference_text_features(model, tokenizer, [LONG], context=64)[0]
    assert default[0] == pytest.approx(_reference_score(frames[0], scores[0], truncated_long), abs=1e-3)
    assert abs(default[0] - got[0]) > 1e-2
    with pytest.raises(ValueError, match="exceeds the model's 64 text positions.*videoxum_batch"):
        compute_vt_clipscore(texts, frames, scores, model=model, processor=processor, max_text_tokens=256)
    with pytest.raises(ValueError, match="text_position_interpolation"):
        compute_vt_clipscore(texts, frames, scores, model=model, processor=processor, text_position_interpolation="x")
    # The model's own table is back in place after the resampled forward passes.
    assert model.text_model.embeddings.position_embedding.weight.shape[0] == 64


def test_a_score_depends_on_the_longest_text_of_its_batch_only_under_the_option(tiny_clip):
    model, processor = tiny_clip
    (frames,), (scores,) = _videos(1)

    def short_score(batch_texts, **options):
        texts = [SHORT, *batch_texts]
        return vt_clipscore_per_video(
            texts, [frames] * len(texts), [scores] * len(texts), model=model, processor=processor, **options
        )[0]

    official = {"text_position_interpolation": "videoxum_batch"}
    alone = short_score([], **official)
    # Under the official rule, a long text in the batch resamples the positions of the short one too...
    assert abs(short_score([LONG], **official) - alone) > 1e-2
    # ... unless it is in another batch; and a batch whose longest text fits in 77 tokens changes nothing.
    assert short_score([LONG], text_batch_size=1, **official) == pytest.approx(alone, abs=1e-4)
    assert short_score(["a cat sleeps on the sofa"], **official) == pytest.approx(alone, abs=1e-4)
    # By default a text's score never depends on its batch.
    default_alone = short_score([])
    assert short_score([LONG]) == pytest.approx(default_alone, abs=1e-4)
    assert default_alone == pytest.approx(alone, abs=1e-4)  # short batches: the same numbers either way

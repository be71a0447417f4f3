# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""OpenAI-CLIP-format state dict (the layout of the official VT-CLIP `vt_clip.pth`) -> transformers `CLIPModel`.

A tiny checkpoint in OpenAI's layout is built here with random values; a reference forward written from OpenAI's CLIP
computation (torch's `nn.MultiheadAttention` with the fused `in_proj`, QuickGELU MLPs, class-token / end-of-text
pooling) must match the converted `CLIPModel`, including text positions beyond 77 (the 256-token context)."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch


REPO_ROOT = Path(__file__).resolve().parents[1]
WIDTH, LAYERS, CONTEXT, VOCAB, EMBED, PATCH, GRID = 64, 2, 256, 60, 16, 8, 2


def _openai_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)

    def rand(*shape, scale=0.2):
        return torch.randn(*shape, generator=generator) * scale

    state = {}
    for prefix in ("", "visual."):
        for i in range(LAYERS):
            block = f"{prefix}transformer.resblocks.{i}."
            state[block + "attn.in_proj_weight"] = rand(3 * WIDTH, WIDTH)
            state[block + "attn.in_proj_bias"] = rand(3 * WIDTH)
            state[block + "attn.out_proj.weight"] = rand(WIDTH, WIDTH)
            state[block + "attn.out_proj.bias"] = rand(WIDTH)
            for norm in ("ln_1", "ln_2"):
                state[block + f"{norm}.weight"] = 1 + rand(WIDTH)
                state[block + f"{norm}.bias"] = rand(WIDTH)
            state[block + "mlp.c_fc.weight"] = rand(4 * WIDTH, WIDTH)
            state[block + "mlp.c_fc.bias"] = rand(4 * WIDTH)
            state[block + "mlp.c_proj.weight"] = rand(WIDTH, 4 * WIDTH)
            state[block + "mlp.c_proj.bias"] = rand(WIDTH)
    state.update(
        {
            "positional_embedding": rand(CONTEXT, WIDTH),
            "text_projection": rand(WIDTH, EMBED),
            "logit_scale": torch.tensor(4.6052),
            "token_embedding.weight": rand(VOCAB, WIDTH),
            "ln_final.weight": 1 + rand(WIDTH),
            "ln_final.bias": rand(WIDTH),
            "visual.class_embedding": rand(WIDTH),
            "visual.positional_embedding": rand(GRID * GRID + 1, WIDTH),
            "visual.proj": rand(WIDTH, EMBED),
            "visual.conv1.weight": rand(WIDTH, 3, PATCH, PATCH),
            "visual.ln_pre.weight": 1 + rand(WIDTH),
            "visual.ln_pre.bias": rand(WIDTH),
            "visual.ln_post.weight": 1 + rand(WIDTH),
            "visual.ln_post.bias": rand(WIDTH),
        }
    )
    return state


def _reference_blocks(state, prefix, x, causal):
    """OpenAI's residual attention blocks on x of shape (L, B, D) (sequence first, as OpenAI runs them)."""
    length = x.shape[0]
    mask = torch.full((length, length), float("-inf")).triu(1) if causal else None
    for i in range(LAYERS):
        p = f"{prefix}transformer.resblocks.{i}."
        attention = torch.nn.MultiheadAttention(WIDTH, WIDTH // 64)
        attention.load_state_dict(
            {
                "in_proj_weight": state[p + "attn.in_proj_weight"],
                "in_proj_bias": state[p + "attn.in_proj_bias"],
                "out_proj.weight": state[p + "attn.out_proj.weight"],
                "out_proj.bias": state[p + "attn.out_proj.bias"],
            }
        )
        h = torch.nn.functional.layer_norm(x, (WIDTH,), state[p + "ln_1.weight"], state[p + "ln_1.bias"])
        x = x + attention(h, h, h, need_weights=False, attn_mask=mask)[0]
        h = torch.nn.functional.layer_norm(x, (WIDTH,), state[p + "ln_2.weight"], state[p + "ln_2.bias"])
        h = torch.nn.functional.linear(h, state[p + "mlp.c_fc.weight"], state[p + "mlp.c_fc.bias"])
        h = h * torch.sigmoid(1.702 * h)  # QuickGELU
        x = x + torch.nn.functional.linear(h, state[p + "mlp.c_proj.weight"], state[p + "mlp.c_proj.bias"])
    return x


def _reference_text(state, ids):
    x = state["token_embedding.weight"][ids] + state["positional_embedding"][: ids.shape[1]]  # (B, L, D)
    x = _reference_blocks(state, "", x.permute(1, 0, 2), causal=True).permute(1, 0, 2)
    x = torch.nn.functional.layer_norm(x, (WIDTH,), state["ln_final.weight"], state["ln_final.bias"])
    return x[torch.arange(x.shape[0]), ids.argmax(dim=-1)] @ state["text_projection"]  # end-of-text = highest id


def _reference_image(state, pixels):
    x = torch.nn.functional.conv2d(pixels, state["visual.conv1.weight"], stride=PATCH)  # (B, D, g, g)
    x = x.flatten(2).transpose(1, 2)  # (B, g*g, D)
    cls = state["visual.class_embedding"].expand(x.shape[0], 1, WIDTH)
    x = torch.cat([cls, x], dim=1) + state["visual.positional_embedding"]
    x = torch.nn.functional.layer_norm(x, (WIDTH,), state["visual.ln_pre.weight"], state["visual.ln_pre.bias"])
    x = _reference_blocks(state, "visual.", x.permute(1, 0, 2), causal=False).permute(1, 0, 2)
    x = torch.nn.functional.layer_norm(x[:, 0], (WIDTH,), state["visual.ln_post.weight"], state["visual.ln_post.bias"])
    return x @ state["visual.proj"]


def _tiny_processor():
    from transformers import CLIPImageProcessor, CLIPProcessor, CLIPTokenizer

    vocab = {}
    for char in string.ascii_lowercase:
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    vocab["<|startoftext|>"] = VOCAB - 2  # OpenAI's order: the two special tokens are the highest ids
    vocab["<|endoftext|>"] = VOCAB - 1
    for filler in range(len(vocab) - 2, VOCAB - 2):
        vocab[f"<unused{filler}>"] = filler
    image_size = PATCH * GRID
    return CLIPProcessor(
        image_processor=CLIPImageProcessor(
            size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
        ),
        tokenizer=CLIPTokenizer(vocab=vocab, merges=[], pad_token="<|endoftext|>"),
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    root = tmp_path_factory.mktemp("vt_clip")
    state = _openai_state_dict()
    checkpoint = root / "vt_clip.pth"
    torch.save({"model": state, "epoch": 3}, checkpoint)  # the official file wraps the state dict in "model"
    processor_dir = root / "processor"
    _tiny_processor().save_pretrained(str(processor_dir))
    output = root / "vt-clip"
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "convert_vt_clip.py"),
            "--checkpoint",
            str(checkpoint),
            "--output_dir",
            str(output),
            "--processor",
            str(processor_dir),
        ],
        check=True,
        cwd=REPO_ROOT,
    )
    return state, output


def test_converted_model_reproduces_the_openai_computation(converted):
    from transformers import CLIPModel

    state, output = converted
    model = CLIPModel.from_pretrained(str(output)).eval()
    assert model.config.text_config.max_position_embeddings == CONTEXT
    assert model.config.vision_config.image_size == PATCH * GRID and model.config.projection_dim == EMBED
    generator = torch.Generator().manual_seed(1)
    # Texts of 150 tokens (positions beyond 77 are used) and of 9 tokens, end-of-text = the highest id, 0-padded.
    ids = torch.zeros(2, 150, dtype=torch.long)
    ids[0, 0], ids[0, 1:149], ids[0, 149] = VOCAB - 2, torch.randint(0, 52, (148,), generator=generator), VOCAB - 1
    ids[1, 0], ids[1, 1:8], ids[1, 8] = VOCAB - 2, torch.randint(0, 52, (7,), generator=generator), VOCAB - 1
    pixels = torch.randn(3, 3, PATCH * GRID, PATCH * GRID, generator=generator)
    with torch.no_grad():
        text = model.get_text_features(input_ids=ids).pooler_output
        image = model.get_image_features(pixel_values=pixels).pooler_output
        expected_text, expected_image = _reference_text(state, ids), _reference_image(state, pixels)
    torch.testing.assert_close(text, expected_text, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(image, expected_image, atol=1e-5, rtol=1e-5)
    assert float(model.logit_scale) == pytest.approx(4.6052)


def test_vt_clipscore_uses_the_full_text_context(converted):
    from transformers import CLIPModel, CLIPProcessor

    from vsum.metrics.clipscore import vt_clipscore_per_video

    state, output = converted
    model, processor = CLIPModel.from_pretrained(str(output)).eval(), CLIPProcessor.from_pretrained(str(output))
    assert processor.tokenizer.model_max_length == CONTEXT
    text = " ".join(["abc"] * 60)  # 2 + 180 tokens: more than 77, less than 256
    ids = processor.tokenizer([text], return_tensors="pt")["input_ids"]
    assert ids.shape[1] == 182
    features = np.random.default_rng(0).standard_normal((10, EMBED)).astype(np.float32)
    scores = np.arange(10.0)
    got = vt_clipscore_per_video([text], [features], [scores], model=model, processor=processor)[0]
    with torch.no_grad():
        text_embedding = _reference_text(state, ids)[0].double()
    video = torch.from_numpy(features[[9]]).double().mean(dim=0)  # max(1, int(1.5)) = 1 frame: the best one
    expected = 100 * float(torch.nn.functional.cosine_similarity(video, text_embedding, dim=0))
    assert got == pytest.approx(expected, abs=1e-4)


def test_unmapped_and_missing_keys_are_named(tmp_path):
    from vsum.metrics.convert_clip import convert_openai_clip, convert_state_dict

    state = _openai_state_dict()
    processor = _tiny_processor()
    with pytest.raises(ValueError, match=r"visual\.attnpool\.foo"):
        convert_state_dict({**state, "visual.attnpool.foo": torch.zeros(1)})
    incomplete = dict(state)
    del incomplete["visual.transformer.resblocks.1.mlp.c_proj.bias"]
    with pytest.raises(ValueError, match=r"missing \['vision_model\.encoder\.layers\.1\.mlp\.fc2\.bias'\]"):
        convert_openai_clip(incomplete, tmp_path / "out", processor=processor)
    assert not (tmp_path / "out").exists()
    torch.save({"weights": [1, 2]}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="not an OpenAI-CLIP ViT state dict"):
        convert_openai_clip(tmp_path / "bad.pth", tmp_path / "out", processor=processor)
    # Integer metadata entries of some OpenAI checkpoints are dropped, as OpenAI's build_model does.
    assert set(convert_state_dict({**state, "context_length": 256})) == set(convert_state_dict(state))

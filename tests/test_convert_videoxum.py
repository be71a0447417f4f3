# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Conversion of official VideoXum checkpoints: a tiny official-layout state dict, our own reference forward of the
official computation, and the converted folder loaded with AutoModel + remote code in a fresh process."""

import json
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT


SEED = int(os.environ.get("VSUM_TEST_SEED", "0"))
HIDDEN, HEADS, TT_DEPTH = 32, 4, 2
SCRIPT = os.path.join(REPO_ROOT, "scripts", "convert_videoxum_checkpoint.py")


@pytest.fixture(scope="module")
def blip_dir(tmp_path_factory):
    """A tiny BLIP captioning checkpoint with its tokenizer, the `--blip` source."""
    from transformers import BlipConfig, BlipForConditionalGeneration

    from vsum.tiny import make_tiny_processor, tiny_config

    processor = make_tiny_processor(words=["red", "circle", "moves", "left", "blue", "square"])
    base = tiny_config(processor)
    torch.manual_seed(SEED)
    blip = BlipForConditionalGeneration(
        BlipConfig(vision_config=base.vision_config.to_dict(), text_config=base.text_config.to_dict())
    )
    folder = tmp_path_factory.mktemp("blip")
    blip.save_pretrained(folder)
    processor.tokenizer.save_pretrained(folder)
    return folder


def official_state_dict(blip_dir, with_ca=True):
    """Random weights in the official layout (see issue #8 / vsum.convert_videoxum), tiny sizes."""
    from transformers import BlipTextConfig, BlipTextLMHeadModel

    generator = torch.Generator().manual_seed(SEED + 1)

    def rand(*shape, scale=0.2):
        return scale * torch.randn(*shape, generator=generator)

    def linear(prefix, out_features, in_features):
        return {f"{prefix}.weight": rand(out_features, in_features), f"{prefix}.bias": rand(out_features)}

    def norm(prefix):  # not 1/0, so that a skipped or misplaced LayerNorm shows
        return {f"{prefix}.weight": 1 + rand(HIDDEN), f"{prefix}.bias": rand(HIDDEN)}

    state = {"position_embeddings.weight": rand(512, HIDDEN)}
    for i in range(TT_DEPTH):
        block = f"tt.blocks.{i}"
        state.update(norm(f"{block}.norm1"), **linear(f"{block}.attn.qkv", 3 * HIDDEN, HIDDEN))
        state.update(linear(f"{block}.attn.proj", HIDDEN, HIDDEN), **norm(f"{block}.norm2"))
        state.update(linear(f"{block}.mlp.fc1", 4 * HIDDEN, HIDDEN), **linear(f"{block}.mlp.fc2", HIDDEN, 4 * HIDDEN))
    state.update(norm("tt.norm"))
    if with_ca:
        state.update(norm("local_atten_head.norm1"), **linear("local_atten_head.attn.qkv", 3 * HIDDEN, HIDDEN))
        state.update(linear("local_atten_head.attn.proj", HIDDEN, HIDDEN))
    state.update(linear("vsum_head.0", 1, HIDDEN))
    # The decoder: other random values than the BLIP folder's, so the test sees which one was used.
    text_config = BlipTextConfig.from_pretrained(blip_dir)
    torch.manual_seed(SEED + 2)
    decoder = BlipTextLMHeadModel(text_config)
    for name, tensor in decoder.state_dict().items():
        state[f"text_decoder.{name}"] = tensor.clone()
    positions = torch.arange(text_config.max_position_embeddings)[None]
    state["text_decoder.bert.embeddings.position_ids"] = positions  # a buffer the official file carries
    return state


def official_positions(table, length):
    """The official position rule, written from its description: rows `0..length-1` of the table up to its size;
    above, the whole table resampled to `length` rows by bicubic convolution (Keys' kernel, a = -0.75, half-pixel
    centres as `align_corners=False`, indices clamped at the borders). `length` is the padded *batch* length."""
    rows = table.shape[0]
    if length <= rows:
        return table[:length]

    def kernel(distance):  # Keys' cubic convolution kernel, a = -0.75
        a, x = -0.75, distance.abs()
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return torch.where(x <= 1, near, torch.where(x < 2, far, torch.zeros_like(x)))

    source = (torch.arange(length, dtype=torch.float64) + 0.5) * (rows / length) - 0.5  # half-pixel centres
    base = source.floor()
    resampled = torch.zeros(length, table.shape[1], dtype=table.dtype)
    for offset in (-1, 0, 1, 2):
        index = (base + offset).clamp(0, rows - 1).long()
        resampled += kernel(source - base - offset).to(table.dtype)[:, None] * table[index]
    return resampled


def reference_forward(state, frame_embeds, frame_mask, with_ca):
    """The official computation written from its description: positions by [`official_positions`] for the padded
    length, fused-qkv TT with additive -1e4 key masks, final LayerNorm (eps 1e-6) before the positions are added
    again, the CA block (band |i-j| <= 2 times the frame mask on both axes), the saliency Linear."""
    batch, length, width = frame_embeds.shape
    mask = frame_mask.float()

    def layer_norm(x, name):
        return F.layer_norm(x, (width,), state[f"{name}.weight"], state[f"{name}.bias"], eps=1e-6)

    def linear(x, name):
        return F.linear(x, state[f"{name}.weight"], state[f"{name}.bias"])

    def attention(x, name, additive):
        qkv = linear(x, f"{name}.qkv").reshape(batch, length, 3, HEADS, width // HEADS).permute(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]  # (B, H, T, d)
        scores = query @ key.transpose(-2, -1) * (width // HEADS) ** -0.5 + additive
        out = (scores.softmax(dim=-1) @ value).transpose(1, 2).reshape(batch, length, width)
        return linear(out, f"{name}.proj")

    positions = official_positions(state["position_embeddings.weight"], length)
    x = frame_embeds + positions
    key_mask = torch.where(mask == 0, -1e4, 0.0)[:, None, None, :]  # (B, 1, 1, T)
    for i in range(TT_DEPTH):
        block = f"tt.blocks.{i}"
        x = x + attention(layer_norm(x, f"{block}.norm1"), f"{block}.attn", key_mask)
        x = x + linear(F.gelu(linear(layer_norm(x, f"{block}.norm2"), f"{block}.mlp.fc1")), f"{block}.mlp.fc2")
    x = layer_norm(x, "tt.norm") + positions
    if with_ca:
        index = torch.arange(length)
        band = ((index[None, :] - index[:, None]).abs() <= 2).float()  # kernel_size 5
        allowed = band[None] * mask[:, None, :] * mask[:, :, None]  # (B, T, T)
        x = x + attention(
            layer_norm(x, "local_atten_head.norm1"),
            "local_atten_head.attn",
            torch.where(allowed == 0, -1e4, 0.0)[:, None],
        )
    saliency = linear(x, "vsum_head.0")[..., 0]  # (B, T)
    return x, saliency


def reference_decoder_logits(state, blip_dir, features, frame_mask, text):
    """BLIP's decoder with the official weights; the official decoder masks padded frames in cross-attention,
    which equals giving it only the real frames."""
    from transformers import BlipTextConfig, BlipTextLMHeadModel

    decoder = BlipTextLMHeadModel(BlipTextConfig.from_pretrained(blip_dir)).eval()
    weights = {k.removeprefix("text_decoder."): v for k, v in state.items() if k.startswith("text_decoder.")}
    weights = {k: v for k, v in weights.items() if k in decoder.state_dict()}
    decoder.load_state_dict(weights, strict=True)
    decoder.to(features.dtype)
    rows = []
    for row in range(features.shape[0]):
        real = features[row : row + 1, frame_mask[row].bool()]
        out = decoder(
            input_ids=text["input_ids"][row : row + 1],
            attention_mask=text["attention_mask"][row : row + 1],
            encoder_hidden_states=real,
        )
        rows.append(out.logits[0])
    return torch.stack(rows)


CHILD = r"""
import json, sys
sys.modules["vsum"] = None  # everything must come from the converted folder (remote code)
import torch
from transformers import AutoModel, AutoProcessor
folder, inputs_file = sys.argv[1], sys.argv[2]
model = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
processor = AutoProcessor.from_pretrained(folder, trust_remote_code=True)
batches = torch.load(inputs_file, weights_only=True)
results = []
with torch.no_grad():
    for batch in batches:
        out = model(**batch)
        results.append({"saliency": out.saliency_logits.tolist(), "logits": out.logits.tolist()})
    ids = model.generate(frame_embeds=batches[0]["frame_embeds"], frame_mask=batches[0]["frame_mask"])
generation = model.generation_config
print(json.dumps({"results": results, "module": type(model).__module__,
    "prompt": processor.prompt, "prompt_ids": model.config.prompt_token_ids, "ids_shape": list(ids.shape),
    "generation": [generation.num_beams, generation.max_length, generation.min_length]}))
"""


def _batches(processor):
    generator = torch.Generator().manual_seed(SEED + 3)
    video_a = torch.randn(9, HIDDEN, generator=generator)
    video_b = torch.randn(6, HIDDEN, generator=generator)
    padded = torch.zeros(2, 9, HIDDEN)
    padded[0], padded[1, :6] = video_a, video_b
    padded[1, 6:] = 40 * torch.randn(3, HIDDEN, generator=generator)  # garbage in the padding
    text = processor.tokenize_summaries(["a red circle moves left", "a blue square"])
    single = processor.tokenize_summaries(["a blue square"])
    return [
        {"frame_embeds": padded, "frame_mask": torch.tensor([[1] * 9, [1] * 6 + [0] * 3]), **text},  # padded
        {"frame_embeds": video_b[None], "frame_mask": torch.ones(1, 6, dtype=torch.long), **single},  # unpadded
    ]


def test_converted_tt_ca_checkpoint_reproduces_the_official_forward(tmp_path, blip_dir, run_without_vsum):
    from vsum import VsumProcessor

    state = official_state_dict(blip_dir, with_ca=True)
    assert len([k for k in state if not k.startswith("text_decoder.")]) == 1 + 12 * TT_DEPTH + 2 + 6 + 2
    checkpoint = tmp_path / "vtsum_tt_ca.pth"
    torch.save({"model": state, "epoch": 55}, checkpoint)
    output_dir = tmp_path / "converted"
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, SCRIPT, "--checkpoint", str(checkpoint), "--blip", str(blip_dir)]
    command += ["--output_dir", str(output_dir), "--num_heads", str(HEADS), "--text_num_heads", str(HEADS)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    # A complete Hub-ready folder.
    for name in (
        "model.safetensors",
        "config.json",
        "generation_config.json",
        "processor_config.json",
        "tokenizer.json",
        "configuration_vsum.py",
        "modeling_vsum.py",
        "processing_vsum.py",
        "handler.py",
        "requirements.txt",
        "README.md",
    ):
        assert (output_dir / name).is_file(), name
    config = json.loads((output_dir / "config.json").read_text())
    assert config["temporal_final_layer_norm"] is True and config["temporal_layer_norm_eps"] == 1e-6
    assert (config["temporal_dropout"], config["decoder_max_frames"], config["local_attention_window"]) == (
        0.0,
        None,
        2,
    )
    assert config["tsum_label_smoothing"] == 0.1 and config["vsum_loss_reduction"] == "videoxum"
    assert config["temporal_num_layers"] == TT_DEPTH
    assert config["temporal_position_interpolation"] == "videoxum_batch_bicubic"
    card = (output_dir / "README.md").read_text()
    assert "jylins/videoxum" in card and "vtsum_tt_ca.pth" in card and "videoxum_released" in card

    processor = VsumProcessor.from_pretrained(output_dir)
    batches = _batches(processor)
    inputs_file = tmp_path / "inputs.pt"
    torch.save(batches, inputs_file)
    stdout = run_without_vsum(CHILD, output_dir, inputs_file)
    loaded = json.loads(stdout.strip().splitlines()[-1])
    assert loaded["module"].startswith("transformers_modules")
    assert loaded["prompt"] == "a video of " and loaded["prompt_ids"] == processor.prompt_token_ids
    assert loaded["generation"] == [3, 128, 10] and loaded["ids_shape"][0] == 2

    with torch.no_grad():
        for batch, got in zip(batches, loaded["results"]):
            features, saliency = reference_forward(state, batch["frame_embeds"], batch["frame_mask"], with_ca=True)
            logits = reference_decoder_logits(state, blip_dir, features, batch["frame_mask"], batch)
            real = batch["frame_mask"].bool()
            torch.testing.assert_close(torch.tensor(got["saliency"])[real], saliency[real], rtol=0, atol=1e-5)
            torch.testing.assert_close(torch.tensor(got["logits"]), logits, rtol=0, atol=1e-5)
    # The padded video gets the same numbers as alone (within float noise), in both implementations.
    torch.testing.assert_close(
        torch.tensor(loaded["results"][0]["saliency"])[1, :6],
        torch.tensor(loaded["results"][1]["saliency"])[0],
        rtol=0,
        atol=1e-5,
    )

    # The ViT is BLIP's; the decoder is the official one, not BLIP's.
    from safetensors.torch import load_file
    from transformers import BlipForConditionalGeneration

    converted = load_file(output_dir / "model.safetensors")
    blip_state = BlipForConditionalGeneration.from_pretrained(blip_dir).state_dict()
    for name, tensor in blip_state.items():
        if name.startswith("vision_model."):
            assert torch.equal(converted[name], tensor), name
    word = "text_decoder.bert.embeddings.word_embeddings.weight"
    assert torch.equal(converted[word], state[word]) and not torch.equal(converted[word], blip_state[word])


def test_tt_only_checkpoint_converts_without_local_attention(tmp_path, blip_dir):
    from vsum import VsumModel
    from vsum.convert_videoxum import convert_videoxum_checkpoint

    state = official_state_dict(blip_dir, with_ca=False)
    torch.save({"model": state}, tmp_path / "tt.pth")
    folder = convert_videoxum_checkpoint(
        tmp_path / "tt.pth", blip_dir, tmp_path / "out", num_heads=HEADS, text_num_heads=HEADS
    )
    model = VsumModel.from_pretrained(folder).eval()
    assert model.config.local_attention_window in (0, None) and model.local_attention is None
    assert model.temporal_encoder.final_layer_norm is not None
    batch = _batches(model_processor := __import__("vsum").VsumProcessor.from_pretrained(folder))[0]
    assert model_processor.prompt == "a video of "
    with torch.no_grad():
        out = model(**batch)
        features, saliency = reference_forward(state, batch["frame_embeds"], batch["frame_mask"], with_ca=False)
        logits = reference_decoder_logits(state, blip_dir, features, batch["frame_mask"], batch)
    real = batch["frame_mask"].bool()
    torch.testing.assert_close(out.saliency_logits[real], saliency[real], rtol=0, atol=1e-5)
    torch.testing.assert_close(out.logits, logits, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="'tt_ca' was requested but the checkpoint is 'tt'"):
        convert_videoxum_checkpoint(
            tmp_path / "tt.pth", blip_dir, tmp_path / "x", variant="tt_ca", num_heads=HEADS, text_num_heads=HEADS
        )


def test_unmapped_and_missing_keys_are_errors_naming_them(tmp_path, blip_dir):
    from vsum.convert_videoxum import convert_videoxum_checkpoint

    state = official_state_dict(blip_dir, with_ca=True)
    extra = {**state, "tt.blocks.0.attn.relative_bias": torch.zeros(3)}
    torch.save({"model": extra}, tmp_path / "extra.pth")
    with pytest.raises(ValueError, match=r"tt\.blocks\.0\.attn\.relative_bias"):
        convert_videoxum_checkpoint(
            tmp_path / "extra.pth", blip_dir, tmp_path / "out", num_heads=HEADS, text_num_heads=HEADS
        )
    stray = {**state, "visual_encoder.cls_token": torch.zeros(1, 1, HIDDEN)}
    torch.save({"model": stray}, tmp_path / "stray.pth")
    with pytest.raises(ValueError, match=r"visual_encoder\.cls_token"):
        convert_videoxum_checkpoint(
            tmp_path / "stray.pth", blip_dir, tmp_path / "out", num_heads=HEADS, text_num_heads=HEADS
        )
    for key in ("tt.norm.weight", "local_atten_head.attn.qkv.bias", "text_decoder.cls.predictions.bias"):
        missing = {k: v for k, v in state.items() if k != key}
        torch.save({"model": missing}, tmp_path / "missing.pth")
        with pytest.raises(ValueError, match=key.replace(".", r"\.")):
            convert_videoxum_checkpoint(
                tmp_path / "missing.pth", blip_dir, tmp_path / "out", num_heads=HEADS, text_num_heads=HEADS
            )
    assert not (tmp_path / "out").exists()  # failed conversions leave no folder
    torch.save({"state_dict": state}, tmp_path / "other.pth")
    with pytest.raises(ValueError, match="expected a dict with 'model'"):
        convert_videoxum_checkpoint(
            tmp_path / "other.pth", blip_dir, tmp_path / "out", num_heads=HEADS, text_num_heads=HEADS
        )
    torch.save({"model": state}, tmp_path / "ok.pth")
    with pytest.raises(ValueError, match="pass num_heads"):  # width 32: the official head rule does not apply
        convert_videoxum_checkpoint(tmp_path / "ok.pth", blip_dir, tmp_path / "out")


def _converted_model(state, blip_dir, **overrides):
    """The converted official model, in process, in float64 (config `overrides` applied before the weights)."""
    from transformers import BlipForConditionalGeneration

    from vsum import VsumModel, VsumProcessor
    from vsum.convert_videoxum import OFFICIAL_PROMPT, build_converted_model

    blip = BlipForConditionalGeneration.from_pretrained(blip_dir)
    processor = VsumProcessor.from_blip(blip_dir, prompt=OFFICIAL_PROMPT)
    model = build_converted_model(state, blip, processor, num_heads=HEADS, text_num_heads=HEADS)
    if overrides:
        config = model.config.__class__.from_dict({**model.config.to_dict(), **overrides})
        other = VsumModel(config)
        other.load_state_dict(model.state_dict())
        model = other
    return model.double().eval(), processor


def test_official_position_interpolation_beyond_512_frames(blip_dir):
    """Above 512 frames the official model resamples its whole position table (bicubic) to the padded batch length:
    the converted model does the same under `temporal_position_interpolation="videoxum_batch_bicubic"`, for a
    600-frame video alone and batched with a 40-frame one; the default stays per video."""
    from types import SimpleNamespace

    from vsum.inference import summarize_video

    state = official_state_dict(blip_dir, with_ca=True)
    state64 = {k: v.double() if v.is_floating_point() else v for k, v in state.items()}
    model, processor = _converted_model(state, blip_dir)
    assert model.config.temporal_position_interpolation == "videoxum_batch_bicubic"
    generator = torch.Generator().manual_seed(SEED + 4)
    long_video = torch.randn(600, HIDDEN, generator=generator, dtype=torch.float64)
    short_video = torch.randn(40, HIDDEN, generator=generator, dtype=torch.float64)
    padded = 40 * torch.randn(2, 600, HIDDEN, generator=generator, dtype=torch.float64)  # garbage in the padding
    padded[0], padded[1, :40] = long_video, short_video
    mask = torch.zeros(2, 600, dtype=torch.long)
    mask[0], mask[1, :40] = 1, 1
    text = processor.tokenize_summaries(["a red circle moves left", "a blue square"])
    alone = {"frame_embeds": long_video[None], "frame_mask": torch.ones(1, 600, dtype=torch.long)}
    alone.update({k: v[:1] for k, v in text.items()})
    mixed = {"frame_embeds": padded, "frame_mask": mask, **text}
    with torch.no_grad():
        for batch in (alone, mixed):
            out = model(**batch)
            features, saliency = reference_forward(state64, batch["frame_embeds"], batch["frame_mask"], with_ca=True)
            logits = reference_decoder_logits(state64, blip_dir, features, batch["frame_mask"], batch)
            real = batch["frame_mask"].bool()
            torch.testing.assert_close(out.saliency_logits[real], saliency[real], rtol=0, atol=1e-5)
            torch.testing.assert_close(out.logits, logits, rtol=0, atol=1e-5)
        short_alone = model(frame_embeds=short_video[None]).saliency_logits[0]
        short_in_batch = model(**mixed).saliency_logits[1, :40]
        # Batch-dependent, as the official code: the 40-frame video's positions follow the 600-frame padding.
        assert (short_in_batch - short_alone).abs().max() > 1e-2

        # Summarizing one long video alone (the `vsum summarize` path) is the official forward.
        encoded = (long_video.float(), torch.arange(600, dtype=torch.float64), SimpleNamespace(duration=600.0))
        summary = summarize_video("long.mp4", model, processor, encoded=encoded, generate_kwargs={"max_length": 12})
        _, saliency = reference_forward(state64, long_video[None].float().double(), alone["frame_mask"], True)
        scores = torch.tensor([frame["score"] for frame in summary["frames"]], dtype=torch.float64)
        torch.testing.assert_close(scores, saliency[0].sigmoid(), rtol=0, atol=1e-6)

        # The default rule is per video: a 40-frame video's output does not depend on its batch.
        per_video, _ = _converted_model(state, blip_dir, temporal_position_interpolation="per_video_linear")
        short_alone = per_video(frame_embeds=short_video[None]).saliency_logits[0]
        torch.testing.assert_close(per_video(**mixed).saliency_logits[1, :40], short_alone, rtol=0, atol=1e-10)
        _, saliency = reference_forward(state64, short_video[None], torch.ones(1, 40, dtype=torch.long), True)
        torch.testing.assert_close(short_alone, saliency[0], rtol=0, atol=1e-10)  # rows 0..39 in both rules


def test_temporal_position_interpolation_is_validated():
    from vsum import VsumConfig

    assert VsumConfig().temporal_position_interpolation == "per_video_linear"
    with pytest.raises(ValueError, match=r"temporal_position_interpolation='bicubic'.*per_video_linear.*videoxum_"):
        VsumConfig(temporal_position_interpolation="bicubic")

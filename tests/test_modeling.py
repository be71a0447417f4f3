# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VsumConfig / VsumModel: shapes, losses, padding invariance, ablations, generation, local attention, from_blip."""

import math
import os

import pytest
import torch

from vsum import VsumConfig, VsumModel
from vsum.modeling_vsum import VsumTextCrossAttention, local_window_attention
from vsum.testing_utils import dense_local_attention
from vsum.tiny import tiny_config


#: Base seed of this module's tests; `VSUM_TEST_SEED=N pytest tests/test_modeling.py` reruns them on other data.
SEED = int(os.environ.get("VSUM_TEST_SEED", "0"))


@pytest.fixture(autouse=True)
def seed_everything():
    """Every test starts from the same RNG state (tests draw their own random inputs)."""
    torch.manual_seed(SEED)


ABLATIONS = {
    "base": dict(temporal_num_layers=0, local_attention_window=0),
    "tt": dict(temporal_num_layers=1, local_attention_window=0),
    "tt_la": dict(temporal_num_layers=1, local_attention_window=2, local_attention_type="hard"),
    "tt_la_rbf": dict(temporal_num_layers=1, local_attention_window=2, local_attention_type="rbf"),
}


def text_batch(processor, texts):
    return processor.tokenize_summaries(texts)


def test_output_shapes(tiny_model, tiny_processor):
    text = text_batch(tiny_processor, ["a red circle moves left", "blue square"])
    frame_embeds = torch.randn(2, 9, 32)
    frame_mask = torch.tensor([[1] * 9, [1] * 6 + [0] * 3])
    out = tiny_model(
        frame_embeds=frame_embeds, frame_mask=frame_mask, vsum_labels=torch.randint(0, 2, (2, 10, 9)), **text
    )
    assert out.saliency_logits.shape == (2, 9)
    assert out.frame_features.shape == (2, 9, 32)
    assert out.logits.shape == (*text["input_ids"].shape, len(tiny_processor.tokenizer))
    assert out.loss.shape == () and out.vsum_loss.shape == () and out.tsum_loss.shape == ()
    expected = 15.0 * out.vsum_loss + 1.0 * out.tsum_loss
    torch.testing.assert_close(out.loss, expected)
    # Padded frames: no features and no saliency.
    assert torch.all(out.frame_features[1, 6:] == 0)
    assert torch.all(out.saliency_logits[1, 6:] < -1e30)


def test_pixel_values_shapes_and_encode_frames(tiny_model):
    pixel_values = torch.randn(2, 5, 3, 32, 32)
    frame_mask = torch.tensor([[1] * 5, [1] * 3 + [0] * 2])
    embeds = tiny_model.encode_frames(pixel_values, frame_mask, chunk_size=2)
    assert embeds.shape == (2, 5, 32)
    assert torch.all(embeds[1, 3:] == 0)
    # Chunking does not change the result.
    torch.testing.assert_close(embeds, tiny_model.encode_frames(pixel_values, frame_mask, chunk_size=64))
    # The [CLS] output of the ViT (after post-layernorm).
    direct = tiny_model.vision_model(pixel_values=pixel_values[0]).last_hidden_state[:, 0]
    torch.testing.assert_close(embeds[0], direct)


def test_frame_embeds_path_equals_pixel_values_path(tiny_model, tiny_processor):
    pixel_values = torch.randn(2, 6, 3, 32, 32)
    frame_mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2])
    text = text_batch(tiny_processor, ["red circle", "blue square moves up"])
    from_pixels = tiny_model(pixel_values=pixel_values, frame_mask=frame_mask, **text)
    embeds = tiny_model.encode_frames(pixel_values, frame_mask)
    from_embeds = tiny_model(frame_embeds=embeds, frame_mask=frame_mask, **text)
    torch.testing.assert_close(from_pixels.saliency_logits, from_embeds.saliency_logits)
    torch.testing.assert_close(from_pixels.tsum_loss, from_embeds.tsum_loss)


def test_other_image_size_interpolates_vit_positions(tiny_model):
    embeds = tiny_model.encode_frames(torch.randn(1, 2, 3, 48, 48))
    assert embeds.shape == (1, 2, 32) and torch.isfinite(embeds).all()


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_ablation_configs_run_and_learn(name, tiny_processor):
    torch.manual_seed(0)
    model = VsumModel(tiny_config(tiny_processor, **ABLATIONS[name]))
    assert (model.temporal_encoder is None) == (name == "base")
    assert (model.local_attention is None) == (name in ("base", "tt"))
    if name == "tt_la_rbf":
        assert math.isclose(model.local_attention.log_bandwidth.exp().item(), 2.0, rel_tol=1e-6)
    frame_embeds = torch.randn(2, 12, 32)
    frame_mask = torch.tensor([[1] * 12, [1] * 8 + [0] * 4])
    labels = torch.zeros(2, 10, 12)
    labels[:, :, 2:4] = 1
    text = text_batch(tiny_processor, ["a red circle moves left", "a blue square moves up"])
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    losses = []
    model.train()
    for _ in range(15):
        out = model(frame_embeds=frame_embeds, frame_mask=frame_mask, vsum_labels=labels, **text)
        optimizer.zero_grad()
        out.loss.backward()
        optimizer.step()
        losses.append(out.loss.item())
    assert losses[-1] < 0.5 * losses[0], losses
    if name == "tt_la_rbf":  # the bandwidth is learned
        assert model.local_attention.log_bandwidth.grad is not None


def test_vision_is_frozen_by_default(tiny_processor):
    model = VsumModel(tiny_config(tiny_processor))
    assert not any(p.requires_grad for p in model.vision_model.parameters())
    assert all(p.requires_grad for p in model.text_decoder.parameters())
    unfrozen = VsumModel(tiny_config(tiny_processor, freeze_vision=False))
    pixel_values = torch.randn(1, 2, 3, 32, 32, requires_grad=False)
    unfrozen(pixel_values=pixel_values, vsum_labels=torch.ones(1, 2)).loss.backward()
    assert unfrozen.vision_model.embeddings.patch_embedding.weight.grad is not None


def test_padding_changes_nothing(tiny_model, tiny_processor):
    """Padding a video (with garbage frames) changes neither its saliency, its text loss nor its generated text."""
    torch.manual_seed(1)
    frames = torch.randn(1, 7, 32)
    garbage = 50 * torch.randn(1, 5, 32)
    padded = torch.cat([frames, garbage], dim=1)
    mask = torch.tensor([[1] * 7 + [0] * 5])
    text = text_batch(tiny_processor, ["a green circle moves down"])

    alone = tiny_model(frame_embeds=frames, **text)
    with_pad = tiny_model(frame_embeds=padded, frame_mask=mask, **text)
    torch.testing.assert_close(alone.saliency_logits, with_pad.saliency_logits[:, :7])
    torch.testing.assert_close(alone.tsum_loss, with_pad.tsum_loss)
    torch.testing.assert_close(alone.logits, with_pad.logits)

    for kwargs in (dict(max_new_tokens=8), dict(max_new_tokens=8, num_beams=3)):
        expected = tiny_model.generate(frame_embeds=frames, **kwargs)
        got = tiny_model.generate(frame_embeds=padded, frame_mask=mask, **kwargs)
        assert torch.equal(expected, got), (kwargs, expected, got)

    # Also in a batch next to a longer video.
    other = torch.randn(1, 12, 32)
    batch = tiny_model(frame_embeds=torch.cat([padded, other]), frame_mask=torch.cat([mask, torch.ones(1, 12)]))
    torch.testing.assert_close(batch.saliency_logits[0, :7], alone.saliency_logits[0])


def test_decoder_cross_attention_honours_mask():
    """The replacement module masks padded keys (BLIP's own BlipTextAttention drops the mask in 5.24)."""
    model = VsumModel(tiny_config())
    layer = model.text_decoder.bert.encoder.layer[0]
    assert isinstance(layer.crossattention, VsumTextCrossAttention)
    hidden = torch.randn(1, 4, 32)
    keys = torch.randn(1, 6, 32)
    additive = torch.zeros(1, 1, 4, 6)
    additive[..., 3:] = torch.finfo(torch.float32).min
    masked, _ = layer.crossattention(hidden, attention_mask=additive, encoder_hidden_states=keys)
    trimmed, _ = layer.crossattention(hidden, encoder_hidden_states=keys[:, :3])
    torch.testing.assert_close(masked, trimmed)


def test_generate_greedy_and_beam(tiny_model, tiny_processor):
    frame_embeds = torch.randn(2, 6, 32)
    greedy = tiny_model.generate(frame_embeds=frame_embeds, num_beams=1, max_new_tokens=6)
    beam = tiny_model.generate(frame_embeds=frame_embeds, num_beams=3, max_new_tokens=6)
    prompt = torch.tensor(tiny_processor.prompt_token_ids)
    for out in (greedy, beam):
        assert out.shape[0] == 2
        assert torch.equal(out[:, : len(prompt)], prompt.expand(2, -1))
    bounded = tiny_model.generate(frame_embeds=frame_embeds, min_new_tokens=5, max_new_tokens=5)
    assert bounded.shape[1] == len(prompt) + 5
    texts = tiny_processor.batch_decode(greedy)
    assert len(texts) == 2 and all(not t.startswith("a video of") for t in texts)


def test_generate_needs_a_prompt():
    model = VsumModel(tiny_config(prompt_token_ids=None)).eval()
    with pytest.raises(ValueError, match="prompt"):
        model.generate(frame_embeds=torch.randn(1, 3, 32))
    out = model.generate(frame_embeds=torch.randn(1, 3, 32), input_ids=torch.tensor([[5, 6]]), max_new_tokens=2)
    assert out.shape == (1, 4)


def test_bad_inputs_raise_value_errors(tiny_model):
    with pytest.raises(ValueError, match="exactly one"):
        tiny_model(frame_embeds=torch.randn(1, 3, 32), pixel_values=torch.randn(1, 3, 3, 32, 32))
    with pytest.raises(ValueError, match="exactly one"):
        tiny_model()
    with pytest.raises(ValueError, match=r"\(1, 3, 31\)"):
        tiny_model(frame_embeds=torch.randn(1, 3, 31))
    with pytest.raises(ValueError, match=r"\(1, 3, 32, 32\)"):
        tiny_model(pixel_values=torch.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match="frame_mask"):
        tiny_model(frame_embeds=torch.randn(2, 3, 32), frame_mask=torch.ones(2, 4))
    with pytest.raises(ValueError, match="no real frame"):
        tiny_model(frame_embeds=torch.randn(2, 3, 32), frame_mask=torch.tensor([[1, 1, 1], [0, 0, 0]]))
    with pytest.raises(ValueError, match="vsum_labels"):
        tiny_model(frame_embeds=torch.randn(2, 3, 32), vsum_labels=torch.ones(2, 10, 4))
    with pytest.raises(ValueError, match="no frames"):
        tiny_model(frame_embeds=torch.randn(1, 0, 32))


@pytest.mark.parametrize(
    "field,value",
    [
        ("local_attention_type", "gaussian"),
        ("local_attention_window", -1),
        ("temporal_num_heads", 5),
        ("summary_ratio", 1.5),
        ("temporal_num_layers", -1),
        ("max_frames", 0),
        ("vsum_loss_weight", -1.0),
    ],
)
def test_config_validation(field, value):
    with pytest.raises(ValueError, match=f"VsumConfig.{field}="):
        tiny_config(**{field: value})


def test_config_defaults_are_the_paper():
    config = VsumConfig()
    assert config.hidden_size == 768 and config.temporal_num_heads == 12
    assert config.text_config.encoder_hidden_size == 768
    assert (config.temporal_num_layers, config.local_attention_window, config.max_frames) == (1, 2, 512)
    assert (config.vsum_loss_weight, config.tsum_loss_weight, config.summary_ratio) == (15.0, 1.0, 0.15)
    assert config.freeze_vision and config.prompt_token_ids is None  # the processor owns the prompt text
    assert config.tsum_label_smoothing == 0.1 and config.text_config.label_smoothing == 0.1  # official value
    assert VsumConfig(local_attention_window=0).use_local_attention is False


def test_saliency_loss_ignores_padding_and_negative_labels():
    logits = torch.tensor([[2.0, -1.0, 0.5, 99.0]])
    mask = torch.tensor([[True, True, True, False]])
    labels = torch.tensor([[[1, 0, 1, 0], [-100, -100, -100, -100]]])
    loss = VsumModel.saliency_loss(logits, labels, mask)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits[0, :3], torch.tensor([1.0, 0.0, 1.0]))
    torch.testing.assert_close(loss, expected)
    scores = torch.tensor([[0.9, 0.1, 0.4, 0.5]])  # (batch, frames) soft targets
    soft = VsumModel.saliency_loss(logits, scores, mask)
    torch.testing.assert_close(soft, torch.nn.functional.binary_cross_entropy_with_logits(logits[0, :3], scores[0, :3]))


def test_long_video_interpolates_positions_per_video():
    model = VsumModel(tiny_config(max_frames=8)).eval()
    frames = torch.randn(1, 20, 32)
    alone = model(frame_embeds=frames).saliency_logits
    padded = model(
        frame_embeds=torch.cat([frames, torch.randn(1, 6, 32)], 1), frame_mask=torch.tensor([[1] * 20 + [0] * 6])
    )
    torch.testing.assert_close(alone, padded.saliency_logits[:, :20])
    table = model.temporal_encoder.embeddings.position_embeddings
    positions = model.temporal_encoder.embeddings(torch.ones(1, 20, dtype=torch.bool))
    torch.testing.assert_close(positions[0, 0], table[0])
    torch.testing.assert_close(positions[0, -1], table[-1])
    expected = torch.nn.functional.interpolate(table.T[None], size=20, mode="linear", align_corners=True)[0].T
    torch.testing.assert_close(positions[0], expected)


@pytest.mark.parametrize("length,window", [(1, 2), (5, 2), (64, 2), (65, 2), (200, 3), (130, 7), (9, 20), (300, 40)])
@pytest.mark.parametrize("rbf", [False, True])
def test_blockwise_local_attention_equals_dense(length, window, rbf):
    torch.manual_seed(length * 31 + window)
    query, key, value = torch.randn(3, 2, 3, length, 8).unbind(0)
    key_mask = torch.ones(2, length, dtype=torch.bool)
    key_mask[1, length // 2 :] = False  # a padded tail
    key_mask[0, ::3] = False  # holes
    key_mask[:, 0] = True
    bandwidth = torch.tensor(1.7) if rbf else None
    dense = dense_local_attention(query, key, value, window, key_mask, bandwidth)
    for block_size in (4, 16, 64):
        blockwise = local_window_attention(query, key, value, window, key_mask, bandwidth, block_size=block_size)
        # Real query rows match the reference; padded query rows are defined as zero by local_window_attention.
        real = key_mask[:, None].expand(-1, 3, -1)
        torch.testing.assert_close(blockwise[real], dense[real], atol=1e-5, rtol=1e-5)
        assert (blockwise[~real] == 0).all()


def test_local_attention_is_local():
    """Changing frame j moves only outputs within distance k of j (for one LA layer, no TT)."""
    generator = torch.Generator().manual_seed(SEED)
    model = VsumModel(tiny_config(temporal_num_layers=0, local_attention_window=2)).eval()
    frames = torch.randn(1, 20, 32, generator=generator)
    changed = frames.clone()
    # A random direction: a uniform shift (+c on every channel) is exactly what the pre-LayerNorm removes.
    changed[0, 10] += 2 * torch.randn(32, generator=generator)
    with torch.no_grad():
        base = model(frame_embeds=frames).frame_features
        moved = model(frame_embeds=changed).frame_features
    difference = (base - moved).abs().amax(dim=-1)[0]
    # Measured over seeds 0..99: the smallest in-window change is 2.7e-3 and out-of-window changes are exactly 0;
    # float noise is ~1e-7, so both thresholds are far from anything a correct model produces.
    assert torch.all(difference[8:13] > 1e-4), difference
    assert torch.all(difference[:8] < 1e-6) and torch.all(difference[13:] < 1e-6), difference


def test_from_blip_copies_every_tensor(tmp_path, tiny_processor):
    from transformers import BlipConfig, BlipForConditionalGeneration

    base = tiny_config(tiny_processor)
    blip_config = BlipConfig(vision_config=base.vision_config.to_dict(), text_config=base.text_config.to_dict())
    torch.manual_seed(3)
    blip = BlipForConditionalGeneration(blip_config)
    blip.save_pretrained(tmp_path / "blip")

    model = VsumModel.from_blip(str(tmp_path / "blip"), local_attention_window=3, prompt_token_ids=[5, 6, 7, 8])
    assert model.config.local_attention_window == 3
    blip_state = blip.state_dict()
    model_state = model.state_dict()
    copied = [name for name in blip_state if name.startswith(("vision_model.", "text_decoder."))]
    assert len(copied) > 40
    for name in copied:
        assert torch.equal(model_state[name], blip_state[name]), name
    # Same decoder behaviour as BLIP's own when there is no padding.
    frames = torch.randn(1, 4, 32)
    text = tiny_processor.tokenize_summaries(["a red circle"])
    ours = model.text_decoder(input_ids=text["input_ids"], encoder_hidden_states=frames).logits
    theirs = blip.text_decoder(input_ids=text["input_ids"], encoder_hidden_states=frames).logits
    torch.testing.assert_close(ours, theirs)

    with pytest.raises(ValueError, match="BlipForConditionalGeneration"):
        VsumModel.from_blip(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="vision_config"):
        VsumModel.from_blip(blip, vision_config={})


def test_save_and_reload_identical(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    reloaded = VsumModel.from_pretrained(tmp_path).eval()
    frames = torch.randn(1, 5, 32)
    torch.testing.assert_close(
        tiny_model(frame_embeds=frames).saliency_logits, reloaded(frame_embeds=frames).saliency_logits
    )
    assert (tmp_path / "model.safetensors").exists()


def test_tiny_random_vit_separates_frames(tiny_model):
    """A random tiny ViT must give different embeddings to different frames (else no saliency cue survives)."""
    dark = torch.full((1, 1, 3, 32, 32), -1.5)
    bright = torch.full((1, 1, 3, 32, 32), 1.5)
    embeds = tiny_model.encode_frames(torch.cat([dark, bright], dim=1))
    assert (embeds[0, 0] - embeds[0, 1]).norm() > 0.1 * embeds[0, 0].norm()


def test_decoder_memory_pools_long_videos_per_video():
    model = VsumModel(tiny_config(decoder_max_frames=8)).eval()
    features = torch.randn(2, 20, 32)
    mask = torch.tensor([[1] * 20, [1] * 6 + [0] * 14]).bool()
    memory, memory_mask = model.decoder_memory(features, mask)
    # Video 0: 20 frames > 8 -> windows of ceil(20 / 8) = 3 -> 7 pooled frames (the last one averages 2 frames).
    assert memory.shape == (2, 7, 32) and memory_mask.sum(1).tolist() == [7, 6]
    torch.testing.assert_close(memory[0, 0], features[0, :3].mean(0))
    torch.testing.assert_close(memory[0, 6], features[0, 18:].mean(0))
    torch.testing.assert_close(memory[1, :6], features[1, :6])  # short video untouched
    short = torch.randn(1, 8, 32)
    same, same_mask = model.decoder_memory(short, torch.ones(1, 8, dtype=torch.bool))
    assert same is short and same_mask.all()


def test_long_video_text_is_padding_invariant_and_reuses_features():
    model = VsumModel(tiny_config(decoder_max_frames=8, prompt_token_ids=[5, 6, 7, 8])).eval()
    frames = torch.randn(1, 21, 32)
    padded = torch.cat([frames, 30 * torch.randn(1, 9, 32)], dim=1)
    mask = torch.tensor([[1] * 21 + [0] * 9])
    expected = model.generate(frame_embeds=frames, num_beams=2, max_new_tokens=6)
    assert torch.equal(expected, model.generate(frame_embeds=padded, frame_mask=mask, num_beams=2, max_new_tokens=6))
    output = model(frame_embeds=padded, frame_mask=mask)
    reused = model.generate(
        frame_features=output.frame_features, frame_mask=output.frame_mask, num_beams=2, max_new_tokens=6
    )
    assert torch.equal(expected, reused)
    with pytest.raises(ValueError, match="frame_features` alone"):
        model.generate(frame_features=output.frame_features, frame_embeds=frames)


def test_docstring_examples_run():
    import doctest

    import vsum.configuration_vsum
    import vsum.modeling_vsum

    for module in (vsum.configuration_vsum, vsum.modeling_vsum):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, (module.__name__, result)


def test_processor_from_blip_uses_blip_tokenizer_and_paper_preprocessing(tmp_path, tiny_processor):
    from vsum import VsumProcessor

    tiny_processor.tokenizer.save_pretrained(tmp_path)  # a BLIP checkpoint folder holds its tokenizer
    processor = VsumProcessor.from_blip(tmp_path, prompt="a clip of ")
    assert len(processor.tokenizer) == len(tiny_processor.tokenizer)
    assert processor.video_processor.size == {"height": 224, "width": 224} and processor.video_processor.fps == 1.0
    assert processor.prompt == "a clip of " and processor.prompt_token_ids[0] == processor.tokenizer.bos_token_id


# ---------------------------------------------------------------------------------------------------- model contract


def test_forward_rejects_unknown_arguments(tiny_model):
    frames = torch.randn(1, 4, 32)
    with pytest.raises(TypeError, match="vsum_label"):
        tiny_model(frame_embeds=frames, vsum_label=torch.ones(1, 4))  # typo of vsum_labels
    with pytest.raises(ValueError, match="output_attentions=True"):
        tiny_model(frame_embeds=frames, output_attentions=True)
    # What transformers' own machinery passes is accepted.
    out = tiny_model(frame_embeds=frames, return_dict=True, output_attentions=False, output_hidden_states=False)
    assert out.saliency_logits.shape == (1, 4)
    assert VsumModel.accepts_loss_kwargs is False  # the Trainer must not pass num_items_in_batch


def test_generation_defaults_live_in_generation_config(tmp_path, tiny_model, tiny_processor):
    from transformers import GenerationConfig

    config = tiny_model.generation_config
    tokenizer = tiny_processor.tokenizer
    assert (config.num_beams, config.max_length, config.min_length) == (3, 128, 10)
    assert config.eos_token_id == tokenizer.sep_token_id and config.pad_token_id == tokenizer.pad_token_id

    frames = torch.randn(2, 5, 32)
    frame_mask = torch.tensor([[1] * 5, [1] * 3 + [0] * 2])
    default = tiny_model.generate(frame_embeds=frames, frame_mask=frame_mask)
    explicit = tiny_model.generate(
        frame_embeds=frames,
        frame_mask=frame_mask,
        generation_config=GenerationConfig(
            num_beams=3, max_length=128, min_length=10, eos_token_id=tokenizer.sep_token_id, pad_token_id=0
        ),
    )
    assert torch.equal(default, explicit)
    assert default.shape[1] >= 10  # min_length holds (prompt included)
    # Explicit arguments override single fields.
    greedy = tiny_model.generate(frame_embeds=frames, frame_mask=frame_mask, num_beams=1, max_new_tokens=3)
    assert greedy.shape[1] == len(tiny_processor.prompt_token_ids) + 3

    # Saved with the checkpoint and loaded back, edits included.
    tiny_model.generation_config.num_beams = 2
    tiny_model.save_pretrained(tmp_path / "ckpt")
    assert (tmp_path / "ckpt" / "generation_config.json").is_file()
    reloaded = VsumModel.from_pretrained(tmp_path / "ckpt")
    assert reloaded.generation_config.num_beams == 2 and reloaded.generation_config.min_length == 10

    # A checkpoint saved before generation_config.json existed gets the defaults, not transformers' greedy/20.
    (tmp_path / "ckpt" / "generation_config.json").unlink()
    legacy = VsumModel.from_pretrained(tmp_path / "ckpt")
    assert (legacy.generation_config.num_beams, legacy.generation_config.max_length) == (3, 128)


def test_prompt_ids_come_from_the_checkpoint_and_old_configs_load(tmp_path, tiny_model, tiny_processor):
    """The prompt is derived once (processor text -> config ids at creation); loading never patches it."""
    import json

    from vsum.loading import load_model_and_processor

    assert tiny_model.config.prompt_token_ids == tiny_processor.prompt_token_ids
    assert "prompt" not in tiny_model.config.to_dict()
    frames = torch.randn(1, 6, 32)
    expected = tiny_model.generate(frame_embeds=frames, num_beams=2, max_new_tokens=5)

    tiny_model.save_pretrained(tmp_path)
    tiny_processor.save_pretrained(tmp_path)
    # An old checkpoint: config.json also holds the prompt text, and other ids than the processor would derive.
    config_file = tmp_path / "config.json"
    config = json.loads(config_file.read_text())
    config["prompt"] = "a video of "
    config_file.write_text(json.dumps(config))
    model, processor = load_model_and_processor(str(tmp_path))
    assert model.config.prompt_token_ids == tiny_processor.prompt_token_ids
    assert not hasattr(model.config, "prompt")
    assert torch.equal(model.generate(frame_embeds=frames, num_beams=2, max_new_tokens=5), expected)

    config["prompt_token_ids"] = [5, 6]
    config_file.write_text(json.dumps(config))
    model, _ = load_model_and_processor(str(tmp_path))
    assert model.config.prompt_token_ids == [5, 6]  # the checkpoint's own ids, not re-derived by the loader


# ---------------------------------------------------------------------------------------------------- official options


@pytest.mark.parametrize(
    "field,value",
    [
        ("tsum_label_smoothing", 1.0),
        ("tsum_label_smoothing", -0.1),
        ("decoder_dropout", 1.5),
        ("vsum_loss_reduction", "sum"),
        ("temporal_layer_norm_eps", 0.0),
        ("temporal_final_layer_norm", "yes"),
        ("prompt_token_ids", [5, 10_000]),
    ],
)
def test_official_option_validation(field, value):
    with pytest.raises(ValueError, match=f"VsumConfig.{field}="):
        tiny_config(**{field: value})


def test_official_architecture_options_build_the_official_modules():
    config = tiny_config(
        temporal_final_layer_norm=True, temporal_layer_norm_eps=1e-6, decoder_dropout=0.1, tsum_label_smoothing=0.0
    )
    model = VsumModel(config)
    encoder = model.temporal_encoder
    assert isinstance(encoder.final_layer_norm, torch.nn.LayerNorm) and encoder.final_layer_norm.eps == 1e-6
    assert encoder.layers[0].layer_norm1.eps == 1e-6 and model.local_attention.layer_norm.eps == 1e-6
    assert config.text_config.hidden_dropout_prob == 0.1 and config.text_config.attention_probs_dropout_prob == 0.1
    assert model.text_decoder.label_smoothing == 0.0
    # Our defaults: no final norm, the ViT's eps, the text config's dropout.
    ours = VsumModel(tiny_config())
    assert ours.temporal_encoder.final_layer_norm is None
    assert ours.temporal_encoder.layers[0].layer_norm1.eps == ours.config.vision_config.layer_norm_eps
    # The final norm runs before the positions are added again.
    frames = torch.randn(1, 5, 32)
    mask = torch.ones(1, 5, dtype=torch.bool)
    positions = encoder.embeddings(mask)
    hidden = frames + positions
    for layer in encoder.layers:
        hidden = layer(hidden, mask)
    torch.testing.assert_close(encoder(frames, mask), encoder.final_layer_norm(hidden) + positions)


def test_tsum_label_smoothing_is_the_decoder_loss(tiny_processor):
    text = text_batch(tiny_processor, ["a red circle moves left"])
    frames = torch.randn(1, 4, 32)
    for smoothing in (0.1, 0.0):
        torch.manual_seed(SEED)
        model = VsumModel(tiny_config(tiny_processor, tsum_label_smoothing=smoothing)).eval()
        out = model(frame_embeds=frames, **text)
        logits = out.logits[:, :-1].reshape(-1, out.logits.shape[-1])
        expected = torch.nn.functional.cross_entropy(
            logits, text["labels"][:, 1:].reshape(-1), ignore_index=-100, label_smoothing=smoothing
        )
        torch.testing.assert_close(out.tsum_loss, expected)


def test_videoxum_saliency_reduction_equals_the_official_formula():
    """Official: BCE(weight=mask) averaged over batch x annotators x padded frames."""
    generator = torch.Generator().manual_seed(SEED)
    logits = torch.randn(2, 6, generator=generator)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2]).bool()
    labels = torch.randint(0, 2, (2, 3, 6), generator=generator).float()
    masked_logits = logits.masked_fill(~mask, torch.finfo(torch.float32).min)  # what forward hands over
    official = torch.nn.functional.binary_cross_entropy_with_logits(
        logits.repeat_interleave(3, dim=0),
        labels.reshape(-1, 6),
        weight=mask.float().repeat_interleave(3, dim=0),
        reduction="mean",
    )
    got = VsumModel.saliency_loss(masked_logits, labels, mask, reduction="videoxum")
    torch.testing.assert_close(got, official)
    ours = VsumModel.saliency_loss(masked_logits, labels, mask)
    torch.testing.assert_close(ours, official * 36 / 30)  # 36 padded cells, 30 real
    model = VsumModel(tiny_config(vsum_loss_reduction="videoxum")).eval()
    out = model(frame_embeds=torch.randn(2, 6, 32), frame_mask=mask, vsum_labels=labels)
    expected = VsumModel.saliency_loss(out.saliency_logits, labels, mask, reduction="videoxum")
    torch.testing.assert_close(out.vsum_loss, expected)

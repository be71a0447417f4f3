# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Video-only `VsumModel`s (no text decoder) on precomputed frame features of any width (issue 20): the
transformers model-tester contract (shapes, loss, save/load, Auto classes, remote code) and the refusals."""

import json

import pytest
import torch

from vsum import VsumConfig, VsumModel


FEATURES, HIDDEN = 24, 16


class VideoOnlyModelTester:
    """A tiny video-only config (feature width 24 projected to 16) and a padded batch of features and frame scores."""

    def __init__(self, batch_size=2, num_frames=9, padded_frames=3, **config_overrides):
        self.batch_size, self.num_frames, self.padded_frames = batch_size, num_frames, padded_frames
        self.config_overrides = config_overrides

    def get_config(self):
        values = dict(
            input_feature_size=FEATURES,
            hidden_size=HIDDEN,
            temporal_num_heads=4,
            temporal_num_layers=1,
            local_attention_window=2,
            temporal_dropout=0.0,
            use_text_decoder=False,
        )
        return VsumConfig(**{**values, **self.config_overrides})

    def prepare_config_and_inputs(self):
        generator = torch.Generator().manual_seed(0)
        config = self.get_config()
        frame_embeds = torch.randn(self.batch_size, self.num_frames, config.input_feature_size, generator=generator)
        frame_mask = torch.ones(self.batch_size, self.num_frames, dtype=torch.long)
        frame_mask[-1, self.num_frames - self.padded_frames :] = 0
        # Frame importance scores in [0, 1] (TVSum/SumMe `gtscore`), one row per video.
        vsum_labels = torch.rand(self.batch_size, self.num_frames, generator=generator)
        return config, dict(frame_embeds=frame_embeds, frame_mask=frame_mask, vsum_labels=vsum_labels)

    def create_model(self, config=None):
        torch.manual_seed(0)
        return VsumModel(config if config is not None else self.get_config()).eval()


@pytest.fixture()
def tester():
    return VideoOnlyModelTester()


def test_config_has_no_text_or_vision_sub_config(tester):
    config = tester.get_config()
    assert config.text_config is None and config.vision_config is None
    assert (config.hidden_size, config.input_feature_size, config.use_text_decoder) == (HIDDEN, FEATURES, False)
    assert config.temporal_intermediate_size == 4 * HIDDEN
    # Without a hidden size the temporal modules run at the feature width (no projection).
    same = VsumConfig(input_feature_size=32, use_text_decoder=False)
    assert same.hidden_size == 32 and same.temporal_num_heads == 8
    # The default model is unchanged: ViT, text decoder, hidden size from the ViT.
    default = VsumConfig()
    assert default.use_text_decoder and default.input_feature_size is None
    assert default.vision_config is not None and default.text_config is not None and default.hidden_size == 768


def test_model_has_no_decoder_or_vit_parameters(tester):
    model = tester.create_model()
    names = [name for name, _ in model.named_parameters()]
    assert not [n for n in names if n.startswith(("text_decoder.", "vision_model."))]
    assert model.text_decoder is None and model.vision_model is None
    assert tuple(model.input_projection.weight.shape) == (HIDDEN, FEATURES)
    assert model.get_input_embeddings() is None and model.get_output_embeddings() is None
    # Feature width == hidden size: no projection at all.
    plain = VideoOnlyModelTester(hidden_size=FEATURES, temporal_num_heads=4).create_model()
    assert plain.input_projection is None


def test_forward_shapes_and_saliency_only_loss(tester):
    config, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model(config)
    with torch.no_grad():
        out = model(**inputs)
    assert out.saliency_logits.shape == (2, 9) and out.frame_features.shape == (2, 9, HIDDEN)
    assert out.tsum_loss is None and out.logits is None
    expected = VsumModel.saliency_loss(out.saliency_logits, inputs["vsum_labels"], out.frame_mask)
    torch.testing.assert_close(out.vsum_loss, expected)
    torch.testing.assert_close(out.loss, config.vsum_loss_weight * expected)
    # Padded frames are masked and change nothing for the real ones.
    assert (out.saliency_logits[1, 6:] == torch.finfo(out.saliency_logits.dtype).min).all()
    with torch.no_grad():
        alone = model(frame_embeds=inputs["frame_embeds"][1:, :6])
    torch.testing.assert_close(alone.saliency_logits[0], out.saliency_logits[1, :6])
    # Training: gradients reach the projection.
    model.train()
    model(**inputs).loss.backward()
    assert model.input_projection.weight.grad is not None


def test_tt_and_tt_la_by_config():
    tt = VideoOnlyModelTester(local_attention_window=0).create_model()
    tt_la = VideoOnlyModelTester(local_attention_window=2).create_model()
    assert tt.local_attention is None and tt.temporal_encoder is not None
    assert tt_la.local_attention is not None and tt_la.local_attention.window == 2


@pytest.mark.parametrize(
    "bad_inputs, message",
    [
        (dict(input_ids=torch.ones(2, 3, dtype=torch.long)), "no text decoder"),
        (dict(labels=torch.ones(2, 3, dtype=torch.long)), "no text decoder"),
        (dict(pixel_values=torch.zeros(2, 9, 3, 32, 32)), "input_feature_size=24"),
        (dict(frame_embeds=torch.zeros(2, 9, HIDDEN)), r"\(batch, frames, 24\)"),
    ],
)
def test_refused_inputs(tester, bad_inputs, message):
    _, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model()
    if "pixel_values" in bad_inputs or "frame_embeds" in bad_inputs:
        inputs.pop("frame_embeds")
    with pytest.raises(ValueError, match=message):
        model(**{**inputs, **bad_inputs})


def test_generate_is_refused(tester):
    _, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model()
    with pytest.raises(ValueError, match="video-only.*no text decoder"):
        model.generate(frame_embeds=inputs["frame_embeds"], frame_mask=inputs["frame_mask"])


@pytest.mark.parametrize(
    "values, message",
    [
        (dict(input_feature_size=0), "input_feature_size=0"),
        (dict(input_feature_size=8, vision_config={"hidden_size": 32}), "vision_config"),
        (dict(use_text_decoder=False, text_config={"vocab_size": 10}), "text_config"),
        (dict(use_text_decoder=False, prompt_token_ids=[1, 2]), "prompt_token_ids"),
        (dict(hidden_size=32), "hidden_size=32"),  # a ViT model's width is the ViT's
        (dict(input_feature_size=8, hidden_size=12, temporal_num_heads=8), "temporal_num_heads=8"),
    ],
)
def test_invalid_config_raises(values, message):
    with pytest.raises(ValueError, match=message):
        VsumConfig(**values)


def test_save_load_round_trip_and_auto_model(tmp_path, tester):
    from transformers import AutoModel

    config, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model(config)
    model.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["text_config"] is None and saved["vision_config"] is None and saved["use_text_decoder"] is False
    for loaded in (VsumModel.from_pretrained(tmp_path), AutoModel.from_pretrained(tmp_path)):
        assert isinstance(loaded, VsumModel) and loaded.text_decoder is None and loaded.vision_model is None
        assert loaded.state_dict().keys() == model.state_dict().keys()
        with torch.no_grad():
            before, after = model(**inputs), loaded.eval()(**inputs)
        assert torch.equal(before.saliency_logits, after.saliency_logits) and torch.equal(before.loss, after.loss)


REMOTE_CHILD = r"""
import sys
sys.modules["vsum"] = None  # everything must come from the folder
import json
import torch
from transformers import AutoModel

model = AutoModel.from_pretrained(sys.argv[1], trust_remote_code=True).eval()
features = torch.tensor(json.loads(sys.argv[2]))
with torch.no_grad():
    logits = model(frame_embeds=features).saliency_logits
print(json.dumps({"module": type(model).__module__, "logits": logits.tolist(), "decoder": model.text_decoder is None}))
"""


def test_remote_code_round_trip(tmp_path, tester, run_without_vsum):
    _, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model()
    model.save_pretrained(tmp_path / "checkpoint")
    features = inputs["frame_embeds"][:1]
    child = json.loads(
        run_without_vsum(REMOTE_CHILD, tmp_path / "checkpoint", json.dumps(features.tolist())).splitlines()[-1]
    )
    assert child["module"].startswith("transformers_modules") and child["decoder"]
    with torch.no_grad():
        expected = model(frame_embeds=features).saliency_logits
    torch.testing.assert_close(torch.tensor(child["logits"]), expected, rtol=1e-6, atol=1e-6)

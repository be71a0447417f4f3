# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""transformers-style model tester for `VsumModel`: the contract checks transformers runs on its own models
(save/load round trip, activation checkpointing, eval determinism, token-embedding resize, dtype casting)."""

import os

import pytest
import torch

from vsum import VsumModel
from vsum.modeling_vsum import VsumTemporalLayer
from vsum.tiny import make_tiny_processor, tiny_config


SEED = int(os.environ.get("VSUM_TEST_SEED", "0"))


class VsumModelTester:
    """Builds a tiny config and a padded batch with every input the model takes (as transformers' `ModelTester`s)."""

    def __init__(self, batch_size=2, num_frames=9, padded_frames=3, num_annotators=3, **config_overrides):
        self.batch_size = batch_size
        self.num_frames = num_frames
        self.padded_frames = padded_frames
        self.num_annotators = num_annotators
        self.processor = make_tiny_processor(words=["red", "circle", "moves", "left", "blue", "square"])
        self.config_overrides = config_overrides

    def get_config(self):
        # temporal_num_layers=2 so that checkpointing has more than one layer to recompute.
        overrides = dict(temporal_num_layers=2, local_attention_window=2, **self.config_overrides)
        return tiny_config(self.processor, **overrides)

    def prepare_config_and_inputs(self):
        generator = torch.Generator().manual_seed(SEED)
        config = self.get_config()
        frame_embeds = torch.randn(self.batch_size, self.num_frames, config.hidden_size, generator=generator)
        frame_mask = torch.ones(self.batch_size, self.num_frames, dtype=torch.long)
        frame_mask[-1, self.num_frames - self.padded_frames :] = 0
        vsum_labels = torch.randint(
            0, 2, (self.batch_size, self.num_annotators, self.num_frames), generator=generator
        ).float()
        texts = ["a red circle moves left", "a blue square"][: self.batch_size]
        inputs = dict(
            frame_embeds=frame_embeds,
            frame_mask=frame_mask,
            vsum_labels=vsum_labels,
            **self.processor.tokenize_summaries(texts),
        )
        return config, inputs

    def create_model(self, config=None):
        torch.manual_seed(SEED)
        return VsumModel(config if config is not None else self.get_config())


@pytest.fixture()
def tester():
    return VsumModelTester()


def _config_fields(config) -> dict:
    """Config as a dict without what saving/loading itself records (the folder name, the weights' dtype)."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("_name_or_path", "dtype")}
        return value

    return strip(config.to_dict())


def _gradients(model):
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


def test_save_load_round_trip(tmp_path, tester):
    config, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model(config).eval()
    model.save_pretrained(tmp_path)
    reloaded = VsumModel.from_pretrained(tmp_path).eval()
    assert _config_fields(reloaded.config) == _config_fields(model.config)
    assert reloaded.generation_config.to_dict() == model.generation_config.to_dict()
    original_state, reloaded_state = model.state_dict(), reloaded.state_dict()
    assert original_state.keys() == reloaded_state.keys()
    for name, tensor in original_state.items():
        assert torch.equal(tensor, reloaded_state[name]), name
    with torch.no_grad():
        before, after = model(**inputs), reloaded(**inputs)
    for field in ("loss", "vsum_loss", "tsum_loss", "saliency_logits", "logits", "frame_features"):
        assert torch.equal(before[field], after[field]), field
    # The output embeddings are still tied to the input embeddings after loading.
    assert reloaded.get_output_embeddings().weight is reloaded.get_input_embeddings().weight


def test_activation_checkpointing_same_loss_and_gradients(tester):
    config, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model(config).train()  # checkpointing is only active in training mode
    plain = model(**inputs)
    plain.loss.backward()
    expected = _gradients(model)
    model.zero_grad(set_to_none=True)

    model.activation_checkpointing_enable()
    assert model.is_activation_checkpointing
    calls = []
    hook = model.temporal_encoder.layers[0].self_attn.register_forward_hook(lambda *args: calls.append(1))
    checkpointed = model(**inputs)
    checkpointed.loss.backward()
    hook.remove()
    assert len(calls) == 2, "the TT layer must run again during backward (recomputation)"
    assert isinstance(model.temporal_encoder.layers[0], VsumTemporalLayer)
    torch.testing.assert_close(checkpointed.loss, plain.loss, rtol=0, atol=0)
    got = _gradients(model)
    assert got.keys() == expected.keys() and len(got) > 20
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-5, atol=1e-7, msg=name)


def test_eval_no_grad_is_deterministic():
    # Dropout everywhere: eval() must switch all of it off.
    tester = VsumModelTester(temporal_dropout=0.3, decoder_dropout=0.3)
    config, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model(config).eval()
    with torch.no_grad():
        first, second = model(**inputs), model(**inputs)
        ids_first = model.generate(frame_embeds=inputs["frame_embeds"], frame_mask=inputs["frame_mask"])
        ids_second = model.generate(frame_embeds=inputs["frame_embeds"], frame_mask=inputs["frame_mask"])
    for field in ("loss", "saliency_logits", "logits", "frame_features"):
        assert torch.equal(first[field], second[field]), field
    assert torch.equal(ids_first, ids_second)
    # ...whereas training mode with dropout does change the outputs (the check above is not vacuous).
    model.train()
    with torch.no_grad():
        trained = model(**inputs)
    assert not torch.equal(trained.frame_features, first.frame_features)
    assert not torch.equal(trained.logits, first.logits)


def test_resize_token_embeddings(tmp_path, tester):
    config, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model(config).eval()
    old_vocab = config.text_config.vocab_size
    old_rows = model.get_input_embeddings().weight[:old_vocab].clone()
    model.resize_token_embeddings(old_vocab + 7)
    assert model.config.text_config.vocab_size == old_vocab + 7
    assert model.get_input_embeddings().weight.shape[0] == old_vocab + 7
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight  # still tied
    assert model.get_output_embeddings().bias.shape[0] == old_vocab + 7
    assert torch.equal(model.get_input_embeddings().weight[:old_vocab], old_rows)
    with torch.no_grad():
        out = model(**inputs)
    assert out.logits.shape[-1] == old_vocab + 7 and torch.isfinite(out.loss)
    model.save_pretrained(tmp_path)
    reloaded = VsumModel.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(**inputs).logits, out.logits)
    # Shrinking works too.
    model.resize_token_embeddings(old_vocab - 2)
    assert model.get_output_embeddings().weight.shape[0] == old_vocab - 2


def test_bfloat16_forward_and_generate(tester):
    config, inputs = tester.prepare_config_and_inputs()
    model = tester.create_model(config).eval()
    with torch.no_grad():
        reference = model(**inputs)
        model.to(torch.bfloat16)
        assert all(p.dtype == torch.bfloat16 for p in model.parameters())
        out = model(**inputs)  # float32 frame_embeds are cast by the model
        ids = model.generate(
            frame_embeds=inputs["frame_embeds"], frame_mask=inputs["frame_mask"], max_new_tokens=4, num_beams=2
        )
    assert out.saliency_logits.dtype == torch.bfloat16 and out.logits.dtype == torch.bfloat16
    assert torch.isfinite(out.loss)
    real = inputs["frame_mask"].bool()
    torch.testing.assert_close(out.saliency_logits.float()[real], reference.saliency_logits[real], rtol=0.05, atol=0.05)
    torch.testing.assert_close(out.loss.float(), reference.loss, rtol=0.05, atol=0.05)
    assert ids.shape[0] == tester.batch_size

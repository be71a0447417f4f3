# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`configs/videoxum_official.yaml` builds the official VideoXum architecture, loss, initialisation and decoding
(issue 19): loaded through `scripts/train.py`'s own parsing and model construction, with a tiny model so that only the
architecture switches matter."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from vsum.convert_videoxum import OFFICIAL_CONFIG


ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_YAML = ROOT / "configs" / "videoxum_official.yaml"


def _parse(tmp_path, *extra):
    from vsum.training import parse_args

    return parse_args(
        ["--config", str(OFFICIAL_YAML), "--model_name_or_path", "tiny", "--data_dir", str(tmp_path)]
        + ["--features_dir", str(tmp_path), *extra]
    )


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    """`(model_args, train_args, model)` of the official yaml, built the way `scripts/train.py` builds it."""
    from vsum.training import build_model_and_processor

    model_args, _, train_args = _parse(tmp_path_factory.mktemp("official"))
    torch.manual_seed(0)
    model, _ = build_model_and_processor(model_args, length_normalization=train_args.length_normalization)
    return model_args, train_args, model


def test_official_yaml_sets_every_official_config_field(official):
    _, _, model = official
    # vsum.convert_videoxum.OFFICIAL_CONFIG is the one list of what makes a VsumModel the official one.
    wrong = {k: (getattr(model.config, k, "<missing>"), v) for k, v in OFFICIAL_CONFIG.items()}
    wrong = {k: got_expected for k, got_expected in wrong.items() if got_expected[0] != got_expected[1]}
    assert wrong == {}, f"(got, official): {wrong}"
    assert model.config.temporal_num_layers == 1 and model.config.local_attention_window == 2


def test_official_yaml_builds_the_official_modules(official):
    _, _, model = official
    final_norm = model.temporal_encoder.final_layer_norm
    assert isinstance(final_norm, torch.nn.LayerNorm) and final_norm.eps == 1e-6
    layer_norms = [m for m in (*model.temporal_encoder.modules(), *model.local_attention.modules())]
    layer_norms = [m for m in layer_norms if isinstance(m, torch.nn.LayerNorm)]
    assert len(layer_norms) == 4 and {m.eps for m in layer_norms} == {1e-6}  # TT: 2 + final, CA: 1
    temporal_dropouts = [m.p for m in model.temporal_encoder.modules() if isinstance(m, torch.nn.Dropout)]
    assert temporal_dropouts and set(temporal_dropouts) == {0.0} and model.local_attention.dropout == 0.0
    decoder_dropouts = {m.p for m in model.text_decoder.modules() if isinstance(m, torch.nn.Dropout)}
    assert decoder_dropouts == {0.1}
    assert model.config.text_config.label_smoothing == 0.1
    # No frame pooling before the decoder: a 600-frame video is attended to whole.
    features, mask = torch.randn(1, 600, model.config.hidden_size), torch.ones(1, 600, dtype=torch.bool)
    memory, _ = model.decoder_memory(features, mask)
    assert memory.shape[1] == 600


def test_official_yaml_decodes_as_the_official_code(official):
    _, train_args, model = official
    assert train_args.length_normalization == "videoxum"
    generation = model.generation_config
    assert (generation.num_beams, generation.max_length, generation.min_length) == (3, 128, 10)
    assert generation.length_normalization == "videoxum"


def test_official_saliency_loss_is_the_padded_mean(official):
    """The official loss divides the real frames' BCE sum by batch x annotators x *padded* frames: the real-frames
    mean times sum(T_b) / (B * T_max), 520 / 1200 = 0.433 for lengths [300, 120, 60, 40]."""
    _, _, model = official
    lengths = [300, 120, 60, 40]
    torch.manual_seed(1)
    mask = torch.arange(300)[None] < torch.tensor(lengths)[:, None]
    frame_embeds = torch.randn(4, 300, model.config.hidden_size) * mask[..., None]
    labels = torch.randint(0, 2, (4, 10, 300)).float()
    with torch.no_grad():
        out = model(frame_embeds=frame_embeds, frame_mask=mask, vsum_labels=labels)
    real_frames = model.saliency_loss(out.saliency_logits, labels, mask, reduction="real_frames")
    ratio = sum(lengths) / (len(lengths) * max(lengths))
    assert ratio == pytest.approx(0.4333, abs=1e-4)
    torch.testing.assert_close(out.vsum_loss, real_frames * ratio)


def test_official_initialisation_statistics(official):
    """Position table N(0, 1) (the official `nn.Embedding`), saliency weight N(0, 0.02) and bias U(+-1/sqrt(D))
    (`nn.Linear`'s own bias init), TT linears N(0, 0.02) with zero biases."""
    _, _, model = official
    table = model.temporal_encoder.embeddings.position_embeddings.detach()
    assert table.numel() == 512 * 32
    assert abs(table.mean().item()) < 0.03 and 0.97 < table.std().item() < 1.03
    fc1 = model.temporal_encoder.layers[0].fc1
    assert 0.017 < fc1.weight.std().item() < 0.023 and fc1.bias.abs().max().item() == 0.0
    head = model.saliency_head
    bound = 1 / math.sqrt(head.in_features)
    biases, weights = [], []
    for _ in range(300):  # re-run the head's initialisation: its bias is one number per draw
        model._init_weights(head)
        biases.append(head.bias.item())
        weights.append(head.weight.detach().clone())
    biases, weights = torch.tensor(biases), torch.cat(weights)
    assert biases.abs().max().item() <= bound and biases.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.15)
    assert weights.std().item() == pytest.approx(0.02, rel=0.05)


def test_default_initialisation_is_unchanged():
    from vsum import VsumModel
    from vsum.tiny import tiny_config

    torch.manual_seed(0)
    model = VsumModel(tiny_config())
    table = model.temporal_encoder.embeddings.position_embeddings.detach()
    assert 0.017 < table.std().item() < 0.023
    assert model.saliency_head.bias.item() == 0.0


def test_initialization_value_is_checked():
    from vsum import VsumConfig

    with pytest.raises(ValueError, match=r"VsumConfig.initialization='official' is invalid: must be one of"):
        VsumConfig(initialization="official")


# ---------------------------------------------------------------------------------------------------- the switches


def test_model_config_overrides_from_the_command_line(tmp_path):
    model_args, _, _ = _parse(
        tmp_path, "--model_config_overrides", "temporal_layer_norm_eps=1e-5,decoder_max_frames=64,temporal_dropout=0.2"
    )
    overrides = model_args.model_config_overrides
    assert overrides["temporal_layer_norm_eps"] == 1e-5 and overrides["decoder_max_frames"] == 64
    assert overrides["temporal_dropout"] == 0.2
    # Merged key by key over the yaml's: the official fields the command line does not name stay.
    assert overrides["temporal_final_layer_norm"] is True and overrides["initialization"] == "videoxum"


def test_model_config_overrides_json_and_null(tmp_path):
    model_args, _, _ = _parse(
        tmp_path, "--model_config_overrides", '{"decoder_max_frames": null, "decoder_dropout": 0.3}'
    )
    assert model_args.model_config_overrides["decoder_max_frames"] is None
    assert model_args.model_config_overrides["decoder_dropout"] == 0.3


def test_model_config_overrides_merge_along_extends(tmp_path):
    """A config extending the official one changes one field; the other official fields stay."""
    from vsum.training import load_config

    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {OFFICIAL_YAML}\nmodel_config_overrides:\n  decoder_dropout: 0.0\n")
    overrides = load_config(child)["model_config_overrides"]
    assert overrides["decoder_dropout"] == 0.0 and overrides["temporal_final_layer_norm"] is True


@pytest.mark.parametrize(
    "value, message",
    [
        ("temporal_dropuot=0.1", r"model_config_overrides: unknown VsumConfig field\(s\) \['temporal_dropuot'\]"),
        ("vsum_loss_weight=3", r"vsum_loss_weight has its own argument: use --vsum_loss_weight"),
        ("vision_config=1", r"vision_config comes from the checkpoint"),
        ("temporal_dropout=high", r"model_config_overrides: temporal_dropout must be float, got 'high'"),
        ("temporal_final_layer_norm=2", r"temporal_final_layer_norm must be bool, got 2"),
        ("decoder_max_frames", r"model_config_overrides: 'decoder_max_frames' is not key=value"),
    ],
)
def test_model_config_overrides_refused(tmp_path, value, message):
    with pytest.raises(ValueError, match=message) as error:
        _parse(tmp_path, "--model_config_overrides", value)
    assert "\n" not in str(error.value)


def test_length_normalization_is_checked(tmp_path):
    with pytest.raises(ValueError, match=r"length_normalization must be one of \('generated', 'videoxum'\)"):
        _parse(tmp_path, "--length_normalization", "prompt")


def test_one_official_training_step_exports_the_official_model(tmp_path):
    """`scripts/train.py --config configs/videoxum_official.yaml` (tiny model, one step): the exported folder has the
    official config fields and decodes with the official beam scores."""
    import json

    from conftest import load_script, synthxum_with_features

    result, _, _, features_dir = synthxum_with_features(tmp_path, 3, (2, 1, 0))
    train = load_script("train.py", "train_official_recipe")
    train.main(
        ["--config", str(OFFICIAL_YAML), "--model_name_or_path", "tiny", "--data_dir", str(tmp_path / "data")]
        + ["--features_dir", str(features_dir), "--output_dir", str(tmp_path / "out"), "--max_train_steps", "1"]
        + ["--per_device_train_batch_size", "2", "--do_eval", "false", "--report_to", "none"]
    )
    final = tmp_path / "out" / "final"
    config = json.loads((final / "config.json").read_text())
    assert {k: config[k] for k in OFFICIAL_CONFIG} == OFFICIAL_CONFIG
    assert json.loads((final / "generation_config.json").read_text())["length_normalization"] == "videoxum"

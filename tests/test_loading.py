# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""vsum.loading: the one model loader (demo, tiny, vsum folders, BLIP checkpoints) and its errors."""

import json

import pytest
import torch

from vsum.loading import (
    DEMO_CHECKPOINT,
    MODEL_ENV,
    load_model_and_processor,
    resolve_device,
    resolve_dtype,
    resolve_model_name,
)


def test_default_is_the_demo_checkpoint(monkeypatch):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert resolve_model_name(None) == str(DEMO_CHECKPOINT)
    model, processor = load_model_and_processor()
    assert model.config.model_type == "vsum" and not model.training
    assert processor.prompt_token_ids == model.config.prompt_token_ids  # the ids derive from the processor's text


def test_env_variable_names_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="nowhere: no such model folder"):
        resolve_model_name(None)


@pytest.mark.parametrize(
    "name, message",
    [
        ("./missing_folder", "no such model folder"),
        ("/abs/missing/folder", "no such model folder"),
        ("a/b/c", "no such model folder"),
        ("bad name!", "no such model folder"),
    ],
)
def test_missing_local_folders_fail_before_any_hub_lookup(name, message):
    with pytest.raises(ValueError, match=message):
        resolve_model_name(name)


def test_hub_ids_pass_the_local_check():
    assert resolve_model_name("ORG/vsum-la") == "ORG/vsum-la"


def test_folder_without_config_or_weights(tmp_path):
    with pytest.raises(ValueError, match="no config.json"):
        resolve_model_name(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="without weights"):
        resolve_model_name(tmp_path)


def test_a_file_is_not_a_model(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"0")
    with pytest.raises(ValueError, match="is a file"):
        resolve_model_name(tmp_path / "model.bin")


def test_tiny_with_ablation_overrides():
    model, _ = load_model_and_processor(
        "tiny", config_overrides={"temporal_num_layers": 0, "local_attention_window": 0}
    )
    assert model.temporal_encoder is None and model.local_attention is None


def test_saved_vsum_folder_loads_natively_and_refuses_architecture_overrides(tmp_path):
    model, processor = load_model_and_processor("tiny")
    model.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)
    loaded, loaded_processor = load_model_and_processor(tmp_path, config_overrides={"vsum_loss_weight": 3.0})
    assert type(loaded).__module__ == "vsum.modeling_vsum"  # the installed class, no remote code
    assert loaded.config.vsum_loss_weight == 3.0
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], tensor)
    with pytest.raises(ValueError, match="cannot change its architecture"):
        load_model_and_processor(tmp_path, config_overrides={"local_attention_window": 0})


@pytest.mark.parametrize("trust_remote_code", [False, True])
def test_overrides_of_a_saved_checkpoint_reach_the_decoder_config(tmp_path, trust_remote_code):
    """Fine-tuning a trained checkpoint with other label smoothing / decoder dropout changes the decoder, too."""
    from vsum.hub import export_model

    model, processor = load_model_and_processor("tiny")
    folder = tmp_path / "saved"
    export_model(model, processor, folder, metrics={}, dataset_name="SynthXum", eval_split="validation")
    overrides = {"tsum_label_smoothing": 0.0, "decoder_dropout": 0.3}
    loaded, _ = load_model_and_processor(folder, config_overrides=overrides, trust_remote_code=trust_remote_code)
    assert loaded.config.tsum_label_smoothing == 0.0 and loaded.config.text_config.label_smoothing == 0.0
    assert loaded.config.text_config.hidden_dropout_prob == 0.3
    assert loaded.config.text_config.attention_probs_dropout_prob == 0.3
    assert any(module.p == 0.3 for module in loaded.text_decoder.modules() if isinstance(module, torch.nn.Dropout))


def test_unsupported_model_type(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match="model_type 'bert' is neither"):
        load_model_and_processor(tmp_path)


def test_device_and_dtype_resolution():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            resolve_device("cuda")
    assert resolve_dtype("auto", "cpu") == torch.float32
    assert resolve_dtype("bfloat16") == torch.bfloat16
    assert resolve_dtype(torch.float16) == torch.float16
    with pytest.raises(ValueError, match="dtype must be one of"):
        resolve_dtype("float8")


def test_dtype_is_applied():
    model, _ = load_model_and_processor("tiny", dtype="bfloat16")
    assert next(model.parameters()).dtype == torch.bfloat16

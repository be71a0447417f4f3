# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Tests of scripts/train.py, vsum.training and vsum.hub on tiny SynthXum sets (offline, tiny models, few steps)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file


REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO_ROOT / "configs").glob("*.yaml"))


def _load_train_module():
    spec = importlib.util.spec_from_file_location("vsum_train_script", REPO_ROOT / "scripts" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def train_module():
    return _load_train_module()


@pytest.fixture(scope="module")
def synthxum(tmp_path_factory):
    """6 short SynthXum videos (4 train, 2 validation) and their tiny-ViT features as <video_id>.npz."""
    from vsum import VsumModel
    from vsum.data import SYNTHXUM_WORDS, make_synthxum
    from vsum.tiny import make_tiny_processor, tiny_config

    root = tmp_path_factory.mktemp("synthxum")
    result = make_synthxum(root / "data", num_videos=6, split_sizes=(4, 2, 0), min_duration=6, max_duration=9, size=32)
    processor = make_tiny_processor(SYNTHXUM_WORDS)
    torch.manual_seed(0)
    encoder = VsumModel(tiny_config(processor)).eval()
    features_dir = root / "features"
    features_dir.mkdir()
    for video in sorted(result.video_dir.glob("*.mp4")):
        inputs = processor.video_processor(str(video), return_tensors="pt")
        with torch.no_grad():
            features = encoder.encode_frames(inputs["pixel_values"], inputs["frame_mask"])[0]
        np.savez(features_dir / f"{video.stem}.npz", features=features.numpy())
    return {"data_dir": str(result.out_dir), "video_dir": str(result.video_dir), "features_dir": str(features_dir)}


@pytest.fixture()
def run_training(train_module, synthxum, tmp_path):
    """Runs scripts/train.py in this process (fresh accelerate state each time) and returns its final metrics."""
    from accelerate.state import AcceleratorState, GradientState

    def run(output_dir, *extra: str, source: str = "features") -> dict:
        AcceleratorState._reset_state(reset_partial_state=True)
        GradientState._reset_state()
        source_args = (
            ["--features_dir", synthxum["features_dir"]]
            if source == "features"
            else ["--video_dir", synthxum["video_dir"]]
        )
        argv = [
            "--model_name_or_path",
            "tiny",
            "--data_dir",
            synthxum["data_dir"],
            *source_args,
            "--dataset_name",
            "SynthXum",
            "--cache_dir",
            str(tmp_path / "datasets_cache"),
            "--output_dir",
            str(output_dir),
            "--per_device_train_batch_size",
            "2",
            "--per_device_eval_batch_size",
            "2",
            "--num_train_epochs",
            "2",
            "--learning_rate",
            "1e-3",
            "--max_length",
            "12",
            "--min_length",
            "2",
            "--report_to",
            "none",
            *extra,
        ]
        return train_module.main(argv)

    return run


# ---------------------------------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("config", CONFIGS, ids=[path.name for path in CONFIGS])
def test_configs_parse(config):
    from vsum.training import parse_args

    extra = [] if "synthxum" in config.name else ["--data_dir", "anno", "--features_dir", "feat"]
    model_args, data_args, train_args = parse_args(["--config", str(config), *extra])
    if "synthxum" in config.name:
        assert model_args.model_name_or_path == "tiny"
        assert data_args.video_dir is not None
    else:
        assert (model_args.model_name_or_path, train_args.learning_rate, train_args.num_train_epochs) == (
            "Salesforce/blip-image-captioning-base",
            2e-5,
            28,
        )
        assert (model_args.vsum_loss_weight, data_args.max_train_frames, train_args.per_device_train_batch_size) == (
            15.0,
            512,
            16,
        )


def test_cli_overrides_config_and_ablation_flags(tmp_path):
    from vsum.training import config_overrides, parse_args

    model_args, _, train_args = parse_args(
        [
            "--config",
            str(REPO_ROOT / "configs/tt_la.yaml"),
            "--data_dir",
            "a",
            "--features_dir",
            "f",
            "--learning_rate",
            "3e-4",
            "--local_attention_type",
            "rbf",
            "--lora_r",
            "8",
        ]
    )
    assert train_args.learning_rate == 3e-4 and model_args.lora_r == 8
    overrides = config_overrides(model_args)
    assert (
        overrides["temporal_num_layers"],
        overrides["local_attention_window"],
        overrides["local_attention_type"],
    ) == (1, 2, "rbf")
    base_args, _, _ = parse_args(
        ["--config", str(REPO_ROOT / "configs/base.yaml"), "--data_dir", "a", "--features_dir", "f"]
    )
    assert config_overrides(base_args)["temporal_num_layers"] == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--data_dir", "a", "--features_dir", "f", "--eval_split", "test"], "test split"),
        (["--data_dir", "a"], "exactly one of --features_dir"),
        (["--data_dir", "a", "--features_dir", "f", "--video_dir", "v"], "exactly one of --features_dir"),
        (["--data_dir", "a", "--features_dir", "f", "--push_to_hub"], "hub_model_id"),
    ],
)
def test_invalid_arguments_raise(argv, message):
    from vsum.training import parse_args

    with pytest.raises(ValueError, match=message):
        parse_args(argv)


def test_unknown_yaml_key_raises(tmp_path):
    from vsum.training import parse_args

    config = tmp_path / "bad.yaml"
    config.write_text("learning_rat: 0.1\n")
    with pytest.raises(ValueError, match="learning_rat"):
        parse_args(["--config", str(config), "--data_dir", "a", "--features_dir", "f"])


# ---------------------------------------------------------------------------------------------------- runs


def _child_load_script(folder: Path) -> str:
    return f"""
import sys
sys.modules["vsum"] = None  # the project must not be importable: everything comes from the folder
import json, torch
from transformers import AutoModel, AutoProcessor
model = AutoModel.from_pretrained({str(folder)!r}, trust_remote_code=True).eval()
processor = AutoProcessor.from_pretrained({str(folder)!r}, trust_remote_code=True)
torch.manual_seed(0)
frame_embeds = torch.randn(1, 7, model.config.vision_config.hidden_size)
with torch.no_grad():
    logits = model(frame_embeds=frame_embeds).saliency_logits
print(json.dumps({{"module": type(model).__module__, "logits": logits[0].tolist()}}))
"""


def _load_in_fresh_process(folder: Path, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(tmp_path / "hf_home"))
    done = subprocess.run(
        [sys.executable, "-c", _child_load_script(folder)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"loading {folder} in a fresh process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reference_logits(folder: Path) -> list[float]:
    from vsum import VsumModel

    model = VsumModel.from_pretrained(folder).eval()
    torch.manual_seed(0)
    frame_embeds = torch.randn(1, 7, model.config.vision_config.hidden_size)
    with torch.no_grad():
        return model(frame_embeds=frame_embeds).saliency_logits[0].tolist()


def test_features_run_exports_loadable_folder_with_metrics_and_pushes(run_training, tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    calls = []
    monkeypatch.setattr(HfApi, "create_repo", lambda self, **kwargs: calls.append(("create_repo", kwargs)))
    monkeypatch.setattr(HfApi, "upload_folder", lambda self, **kwargs: calls.append(("upload_folder", kwargs)) or "url")
    output_dir = tmp_path / "run"
    metrics = run_training(
        output_dir, "--push_to_hub", "--hub_model_id", "org/vsum-tiny", "--checkpoints_total_limit", "2"
    )

    for key in ("f1_mean", "f1_max", "kendall", "spearman", "bleu_4", "meteor", "rouge_l", "cider", "loss"):
        assert np.isfinite(metrics[key]), key
    assert metrics["num_videos"] == 2
    log = [json.loads(line) for line in (output_dir / "eval_log.jsonl").read_text().splitlines()]
    assert [record["step"] for record in log] == [2, 4] and all(r["split"] == "validation" for r in log)
    checkpoints = sorted(p.name for p in (output_dir / "checkpoints").iterdir())
    assert checkpoints == ["checkpoint-2", "checkpoint-4"]
    assert (output_dir / "best" / "config.json").is_file()

    final = output_dir / "final"
    readme = (final / "README.md").read_text()
    assert "model-index" in readme and "pipeline_tag: video-text-to-text" in readme and "video-summarization" in readme
    assert f"value: {round(metrics['f1_mean'], 4)}" in readme and "split: validation" in readme
    assert "trust_remote_code=True" in readme and "org/vsum-tiny" in readme
    from huggingface_hub import ModelCard

    card = ModelCard.load(final / "README.md")
    results = {r.metric_type: r.metric_value for r in card.data.eval_results}
    assert results["f1"] == pytest.approx(metrics["f1_mean"], abs=1e-4)
    assert results["cider"] == pytest.approx(metrics["cider"], abs=1e-4)

    child = _load_in_fresh_process(final, tmp_path)
    assert not child["module"].startswith("vsum.")
    assert np.allclose(child["logits"], _reference_logits(final), atol=1e-5)

    assert [name for name, _ in calls] == ["create_repo", "upload_folder"]
    assert calls[0][1]["repo_id"] == "org/vsum-tiny" and calls[0][1]["exist_ok"] is True
    assert calls[1][1]["folder_path"] == str(final) and calls[1][1]["repo_id"] == "org/vsum-tiny"


def test_push_network_failure_names_the_intact_folder(run_training, tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    from vsum.hub import HubUploadError, push_folder_to_hub

    output_dir = tmp_path / "run"
    run_training(output_dir, "--no_do_eval", "--max_train_steps", "1")
    final = output_dir / "final"
    before = sorted(p.name for p in final.iterdir())

    def unreachable(self, **kwargs):
        raise ConnectionError("Hub unreachable")

    monkeypatch.setattr(HfApi, "create_repo", unreachable)
    with pytest.raises(HubUploadError, match=str(final).replace("\\", "\\\\")):
        push_folder_to_hub(final, "org/name")
    assert sorted(p.name for p in final.iterdir()) == before and (final / "model.safetensors").stat().st_size > 0


def test_video_run(run_training, tmp_path):
    output_dir = tmp_path / "run"
    metrics = run_training(output_dir, "--num_train_epochs", "1", "--no_text_metrics", source="videos")
    assert metrics["num_videos"] == 2 and np.isfinite(metrics["f1_mean"])
    assert (output_dir / "final" / "model.safetensors").is_file()


def test_lora_run_saves_adapters_and_merged_export_loads_without_peft(run_training, tmp_path):
    from vsum.training import ModelArguments, build_model_and_processor

    output_dir = tmp_path / "run"
    run_training(
        output_dir, "--lora_r", "4", "--merge_lora", "--no_text_metrics", "--num_train_epochs", "1", "--seed", "7"
    )
    adapter = output_dir / "checkpoints" / "checkpoint-2" / "adapter"
    assert json.loads((adapter / "adapter_config.json").read_text())["r"] == 4
    final = output_dir / "final"
    assert not (final / "adapter_config.json").exists()
    weights = load_file(final / "model.safetensors")
    assert not any("lora" in name or "modules_to_save" in name for name in weights)

    torch.manual_seed(7)
    from accelerate.utils import set_seed

    set_seed(7)
    initial, _ = build_model_and_processor(ModelArguments(model_name_or_path="tiny", local_attention_window=None))
    initial = initial.state_dict()
    query = "text_decoder.bert.encoder.layer.0.attention.self.query.weight"
    assert not torch.allclose(weights[query], initial[query])  # LoRA merged into the decoder
    vit = "vision_model.encoder.layers.0.self_attn.qkv.weight"
    assert torch.equal(weights[vit], initial[vit])  # frozen ViT
    child = _load_in_fresh_process(final, tmp_path)
    assert np.allclose(child["logits"], _reference_logits(final), atol=1e-5)


def test_resume_mid_epoch_matches_uninterrupted_run(run_training, tmp_path):
    common = (
        "--no_do_eval",
        "--num_train_epochs",
        "3",
        "--per_device_train_batch_size",
        "1",
        "--checkpointing_steps",
        "100",
    )
    run_training(tmp_path / "full", *common)
    run_training(tmp_path / "resumed", *common, "--stop_after_steps", "6")  # epoch 1, batch 2 of 4
    assert not (tmp_path / "resumed" / "final").exists()
    state = json.loads((tmp_path / "resumed/checkpoints/checkpoint-6/training_state.json").read_text())
    assert (state["epoch"], state["batches_in_epoch"]) == (1, 2)
    run_training(tmp_path / "resumed", *common, "--resume_from_checkpoint", "latest")

    full = load_file(tmp_path / "full/final/model.safetensors")
    resumed = load_file(tmp_path / "resumed/final/model.safetensors")
    assert full.keys() == resumed.keys()
    for name in full:
        assert torch.allclose(full[name], resumed[name], atol=1e-6), name
    # The run really trained: weights moved away from the checkpoint at step 6.
    mid = load_file(tmp_path / "resumed/checkpoints/checkpoint-6/model.safetensors")
    assert not torch.allclose(mid["saliency_head.weight"], full["saliency_head.weight"])


def test_incomplete_checkpoint_is_never_latest(tmp_path):
    from vsum.training import latest_checkpoint

    root = tmp_path / "checkpoints"
    (root / "checkpoint-4").mkdir(parents=True)
    (root / "checkpoint-4" / "training_state.json").write_text("{}")
    (root / ".tmp-checkpoint-8").mkdir()
    (root / "checkpoint-9").mkdir()  # no training state: interrupted before it was complete
    assert latest_checkpoint(tmp_path) == root / "checkpoint-4"

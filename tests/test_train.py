# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Tests of scripts/train.py, vsum.training and vsum.hub on tiny SynthXum sets (offline, tiny models, few steps)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import assert_exports_carry_offloaded_vit, load_script, synthxum_with_features
from safetensors.torch import load_file


REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO_ROOT / "configs").glob("*.yaml"))


def _load_train_module():
    return load_script("train.py", "vsum_train_script")


@pytest.fixture(scope="module")
def train_module():
    return _load_train_module()


@pytest.fixture(scope="module")
def synthxum(tmp_path_factory):
    """6 short SynthXum videos (4 train, 2 validation) and their tiny-ViT features as <video_id>.npz."""
    root = tmp_path_factory.mktemp("synthxum")
    result, _, _, features_dir = synthxum_with_features(root, num_videos=6, split_sizes=(4, 2, 0))
    return {"data_dir": str(result.out_dir), "video_dir": str(result.video_dir), "features_dir": str(features_dir)}


def training_argv(synthxum, cache_dir, output_dir, *extra: str, source: str = "features") -> list[str]:
    source_args = (
        ["--features_dir", synthxum["features_dir"]] if source == "features" else ["--video_dir", synthxum["video_dir"]]
    )
    return [
        "--model_name_or_path",
        "tiny",
        "--data_dir",
        synthxum["data_dir"],
        *source_args,
        "--dataset_name",
        "SynthXum",
        "--cache_dir",
        str(cache_dir),
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


def run_in_process(train_module, argv: list[str]) -> dict:
    """Runs scripts/train.py in this process (fresh accelerate state each time) and returns its final metrics."""
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    return train_module.main(argv)


@pytest.fixture()
def run_training(train_module, synthxum, tmp_path):
    def run(output_dir, *extra: str, source: str = "features") -> dict:
        argv = training_argv(synthxum, tmp_path / "datasets_cache", output_dir, *extra, source=source)
        return run_in_process(train_module, argv)

    return run


# ---------------------------------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("config", CONFIGS, ids=[path.name for path in CONFIGS])
def test_configs_parse(config):
    from vsum.training import parse_args

    extra = [] if "synthxum" in config.name else ["--data_dir", "anno", "--features_dir", "feat"]
    if config.name.startswith("keyshot"):  # TVSum/SumMe h5 features (tests/test_train_keyshot.py runs them)
        extra = ["--h5", "tvsum.h5", "--split_file", "tvsum.yml"]
    model_args, data_args, train_args = parse_args(["--config", str(config), *extra])
    if config.name.startswith("keyshot"):
        assert model_args.model_name_or_path == "new" and train_args.load_best_model_at_end is False
        assert model_args.model_config_overrides["hidden_size"] == 256
        return
    if "synthxum" in config.name:
        assert model_args.model_name_or_path == "tiny"
        assert data_args.video_dir is not None
        return
    assert model_args.model_name_or_path == "Salesforce/blip-image-captioning-base"
    assert (model_args.vsum_loss_weight, data_args.max_train_frames, train_args.per_device_train_batch_size) == (
        15.0,
        512,
        16,
    )
    if config.name == "videoxum_official.yaml":
        assert (train_args.learning_rate, train_args.num_train_epochs, train_args.weight_decay) == (2e-5, 56, 0.05)
        assert train_args.weight_decay_all_parameters and train_args.max_grad_norm == 0
        assert (train_args.lr_scheduler_type, train_args.warmup_ratio) == ("cosine_per_epoch", 0.0)
        assert (model_args.temporal_num_layers, model_args.local_attention_window) == (1, 2)
        assert model_args.tsum_label_smoothing == 0.1 and train_args.load_best_model_at_end is False
    else:
        assert (train_args.learning_rate, train_args.num_train_epochs, train_args.lr_scheduler_type) == (
            2e-5,
            28,
            "cosine",
        )


# The ablation configs as they were before `extends:` (every value written out in each file).
_COMMON_BEFORE = {
    "model_name_or_path": "Salesforce/blip-image-captioning-base",
    "vsum_loss_weight": 15.0,
    "tsum_loss_weight": 1.0,
    "dataset_name": "VideoXum",
    "max_train_frames": 512,
    "learning_rate": 2.0e-5,
    "weight_decay": 0.01,
    "max_grad_norm": 1.0,
    "per_device_train_batch_size": 16,
    "per_device_eval_batch_size": 16,
    "num_train_epochs": 28,
    "warmup_ratio": 0.05,
    "seed": 42,
    "metric_for_best_model": "combined_score",
    "num_beams": 3,
    "max_length": 128,
    "min_length": 10,
}
CONFIGS_BEFORE = {
    "base": {"temporal_num_layers": 0, "local_attention_window": 0, "output_dir": "outputs/base"},
    "tt": {"temporal_num_layers": 1, "local_attention_window": 0, "output_dir": "outputs/tt"},
    "tt_la": {
        "temporal_num_layers": 1,
        "local_attention_window": 2,
        "local_attention_type": "hard",
        "output_dir": "outputs/tt_la",
    },
    "tt_la_rbf": {
        "temporal_num_layers": 1,
        "local_attention_window": 2,
        "local_attention_type": "rbf",
        "output_dir": "outputs/tt_la_rbf",
    },
}


@pytest.mark.parametrize("name", sorted(CONFIGS_BEFORE))
def test_ablation_config_resolves_to_the_same_arguments_as_before(name, tmp_path):
    import dataclasses

    import yaml

    from vsum.training import parse_args

    before = tmp_path / f"{name}.yaml"
    before.write_text(yaml.safe_dump({**_COMMON_BEFORE, **CONFIGS_BEFORE[name]}))
    extra = ["--data_dir", "anno", "--features_dir", "feat"]
    old = [dataclasses.asdict(a) for a in parse_args(["--config", str(before), *extra])]
    new = [dataclasses.asdict(a) for a in parse_args(["--config", str(REPO_ROOT / "configs" / f"{name}.yaml"), *extra])]
    assert new == old
    text = (REPO_ROOT / "configs" / f"{name}.yaml").read_text()
    assert "extends:" in text and len([line for line in text.splitlines() if not line.startswith("#")]) <= 6


def test_config_extends_and_repeated_config_merge(tmp_path):
    from vsum.training import parse_args

    (tmp_path / "a.yaml").write_text("learning_rate: 0.5\nseed: 1\nnum_train_epochs: 3\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nseed: 2\n")
    (tmp_path / "c.yaml").write_text("num_train_epochs: 4\n")
    extra = ["--data_dir", "a", "--features_dir", "f"]
    _, _, args = parse_args(["--config", str(tmp_path / "b.yaml"), *extra])
    assert (args.learning_rate, args.seed, args.num_train_epochs) == (0.5, 2, 3)
    _, _, args = parse_args(["--config", str(tmp_path / "b.yaml"), "--config", str(tmp_path / "c.yaml"), *extra])
    assert (args.learning_rate, args.seed, args.num_train_epochs) == (0.5, 2, 4)
    _, _, args = parse_args(["--config", str(tmp_path / "b.yaml"), "--seed", "9", *extra])
    assert args.seed == 9
    (tmp_path / "loop1.yaml").write_text("extends: loop2.yaml\n")
    (tmp_path / "loop2.yaml").write_text("extends: loop1.yaml\n")
    with pytest.raises(ValueError, match="cycle"):
        parse_args(["--config", str(tmp_path / "loop1.yaml"), *extra])
    with pytest.raises(ValueError, match="missing.yaml"):
        parse_args(["--config", str(tmp_path / "missing.yaml"), *extra])


def test_abbreviated_flags_are_refused_and_help_lists_config(capsys):
    from vsum.training import build_parser, parse_args

    with pytest.raises((SystemExit, ValueError)) as error:
        parse_args(["--data_dir", "a", "--features_dir", "f", "--learning_rat", "0.1"])
    assert "--learning_rat" in str(error.value) + capsys.readouterr().err
    with pytest.raises((SystemExit, ValueError)):
        parse_args(["--conf", "configs/tt.yaml", "--data_dir", "a", "--features_dir", "f"])
    help_text = build_parser()[0].format_help()
    for flag in ("--config", "--overwrite_output_dir", "--load_best_model_at_end", "-v [VERBOSE]"):
        assert flag in help_text, flag


def test_existing_output_dir_is_refused_unless_resumed_or_overwritten(tmp_path, train_module, synthxum):
    from vsum.training import VsumTrainingArguments, prepare_output_dir

    output_dir = tmp_path / "run"
    (output_dir / "checkpoints" / "checkpoint-2").mkdir(parents=True)
    (output_dir / "eval_log.jsonl").write_text('{"step": 2}\n')
    (output_dir / "notes.txt").write_text("mine")
    (output_dir / "frozen_vision_model.safetensors").write_bytes(b"offloaded ViT of the previous run")
    argv = training_argv(synthxum, tmp_path / "cache", output_dir, "--no_do_eval")
    with pytest.raises(ValueError, match="previous run .*checkpoints, eval_log.jsonl.*--overwrite_output_dir"):
        run_in_process(train_module, argv)  # refused before any model is built or file written
    assert (output_dir / "eval_log.jsonl").read_text() == '{"step": 2}\n'
    prepare_output_dir(VsumTrainingArguments(output_dir=str(output_dir), resume_from_checkpoint="latest"))
    assert (output_dir / "eval_log.jsonl").exists()
    prepare_output_dir(VsumTrainingArguments(output_dir=str(output_dir), overwrite_output_dir=True))
    assert sorted(p.name for p in output_dir.iterdir()) == ["notes.txt"]
    prepare_output_dir(VsumTrainingArguments(output_dir=str(tmp_path / "fresh")))  # a new folder is fine


def test_lr_schedules_and_weight_decay_groups():
    from vsum import VsumModel
    from vsum.tiny import tiny_config
    from vsum.training import VsumTrainingArguments, build_lr_scheduler, optimizer_parameter_groups

    model = VsumModel(tiny_config())
    trainable = [p for p in model.parameters() if p.requires_grad]
    groups = optimizer_parameter_groups(model, 0.05, all_parameters=True)
    assert len(groups) == 1 and groups[0]["weight_decay"] == 0.05 and len(groups[0]["params"]) == len(trainable)
    decayed, not_decayed = optimizer_parameter_groups(model, 0.05)
    assert not_decayed["weight_decay"] == 0.0 and len(decayed["params"]) + len(not_decayed["params"]) == len(trainable)
    assert not_decayed["params"] and decayed["params"]

    def lrs(args, steps=12, steps_per_epoch=4):
        optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        scheduler = build_lr_scheduler(optimizer, args, max_train_steps=steps, steps_per_epoch=steps_per_epoch)
        values = []
        for _ in range(steps):
            values.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        return values

    per_epoch = lrs(VsumTrainingArguments(lr_scheduler_type="cosine_per_epoch", warmup_ratio=0.0))
    expected = [0.5 * (1 + np.cos(np.pi * epoch / 3)) for epoch in range(3)]
    assert np.allclose(per_epoch, np.repeat(expected, 4))  # lr0 for the whole first epoch: no warmup
    per_step = lrs(VsumTrainingArguments(lr_scheduler_type="cosine", warmup_ratio=0.25))
    assert per_step[0] == 0.0 and per_step[3] == pytest.approx(1.0) and len(set(per_step[3:])) == 9


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
    monkeypatch.setattr(HfApi, "whoami", lambda self, *args, **kwargs: {"name": "org"})  # checked before training
    output_dir = tmp_path / "run"
    metrics = run_training(
        output_dir,
        *("--push_to_hub", "--hub_model_id", "org/vsum-tiny", "--hub_token", "hf_test"),
        *("--checkpoints_total_limit", "2"),
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
    # Trained on features, the run kept its ViT on disk; both exports carry it back unchanged.
    assert_exports_carry_offloaded_vit(output_dir, "final", "best")

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


def test_video_run(run_training, tmp_path, caplog):
    output_dir = tmp_path / "run"
    metrics = run_training(output_dir, "--num_train_epochs", "1", "--no_text_metrics", "-v", source="videos")
    assert metrics["num_videos"] == 2 and np.isfinite(metrics["f1_mean"])
    assert (output_dir / "final" / "model.safetensors").is_file()
    # --verbose: the libraries' details are back (accelerate's lines at every checkpoint).
    assert any("Saving current state" in record.getMessage() for record in caplog.records)


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


# ---------------------------------------------------------------------------------------------------- kill and resume

KILLED = 75
# Runs scripts/train.py in a child process that dies (os._exit: no cleanup, like SIGKILL) at a named point.
_KILL_WRAPPER = r"""
import importlib.util, os, shutil, sys

spec = importlib.util.spec_from_file_location("vsum_train_script", sys.argv[1])
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
point, step = sys.argv[2], int(sys.argv[3])


def die_after(original, condition):
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        if condition(*args, **kwargs):
            os._exit(75)  # KILLED
        return result

    return wrapped


if point == "after_checkpoint":  # the checkpoint at `step` is complete; that epoch's evaluation has not run
    train.save_checkpoint = die_after(train.save_checkpoint, lambda acc, out, state, limit: state["completed_steps"] == step)
elif point == "after_eval_log":  # the evaluation at `step` is logged; no checkpoint records it yet
    train.append_eval_log = die_after(train.append_eval_log, lambda out, record: record["step"] == step)
elif point == "during_export":  # final/'s temporary folder is filled, not yet renamed
    shutil.copytree = die_after(shutil.copytree, lambda src, dst, **kw: os.path.basename(dst).startswith(".final."))
else:
    raise SystemExit(f"unknown kill point {point}")
train.main(sys.argv[4:])
raise SystemExit("the run finished without reaching the kill point")
"""

# 4 training videos, batch 2: 2 steps per epoch, 3 epochs; evaluation and a checkpoint at every epoch end.
_KILL_RUN_ARGS = ("--num_train_epochs", "3", "--checkpointing_steps", "2", "--no_text_metrics")


@pytest.fixture(scope="module")
def reference_run(train_module, synthxum, tmp_path_factory):
    """The uninterrupted run the interrupted ones must reproduce."""
    root = tmp_path_factory.mktemp("reference")
    argv = training_argv(synthxum, root / "cache", root / "run", *_KILL_RUN_ARGS)
    metrics = run_in_process(train_module, argv)
    return root / "run", metrics


def _eval_log(output_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (output_dir / "eval_log.jsonl").read_text().splitlines()]


def _assert_same_log(log: list[dict], reference: list[dict]) -> None:
    assert [(r["step"], r["epoch"]) for r in log] == [(r["step"], r["epoch"]) for r in reference]
    for record, expected in zip(log, reference):
        assert record.keys() == expected.keys()
        for key, value in expected.items():
            if isinstance(value, float):
                assert record[key] == pytest.approx(value, rel=1e-5, abs=1e-6), (record["step"], key)
            else:
                assert record[key] == value, (record["step"], key)


def _assert_complete_export(folder: Path) -> None:
    names = {p.name for p in folder.iterdir()}
    for name in ("config.json", "model.safetensors", "processor_config.json", "README.md", "handler.py", "pipeline.py"):
        assert name in names, (folder, name)
    assert "custom_pipelines" in json.loads((folder / "config.json").read_text())
    readme = (folder / "README.md").read_text()
    assert "\n# \n" not in readme and 'pipeline("video-summarization"' in readme


def test_reference_run_exports_the_best_model_complete(reference_run, caplog):
    output_dir, metrics = reference_run
    log = _eval_log(output_dir)
    assert [r["step"] for r in log] == [2, 4, 6]
    # The default --metric_for_best_model combined_score, greater is better; ties go to the later step.
    best = max(reversed(log), key=lambda r: r["combined_score"])
    assert metrics["combined_score"] == best["combined_score"] and metrics["f1_mean"] == best["f1_mean"]
    for folder in (output_dir / "best", output_dir / "final"):
        _assert_complete_export(folder)
    best_weights = load_file(output_dir / "best" / "model.safetensors")
    final_weights = load_file(output_dir / "final" / "model.safetensors")
    assert all(torch.equal(best_weights[k], final_weights[k]) for k in best_weights)
    readme = (output_dir / "final" / "README.md").read_text()
    assert f"step {best['step']} (epoch {best['epoch']})" in readme
    assert "`max_length=12`, `min_length=2`" in readme  # the decoding the metrics were computed with (the flags)


@pytest.mark.parametrize(
    "point, step",
    [("after_checkpoint", 2), ("after_eval_log", 4), ("during_export", 6)],
    ids=["killed-after-checkpoint-before-eval", "killed-after-eval-before-checkpoint", "killed-during-final-export"],
)
def test_killed_run_resumes_to_the_uninterrupted_result(
    point, step, reference_run, train_module, synthxum, tmp_path, caplog
):
    reference_dir, reference_metrics = reference_run
    output_dir = tmp_path / "run"
    argv = training_argv(synthxum, tmp_path / "cache", output_dir, *_KILL_RUN_ARGS)
    done = subprocess.run(
        [sys.executable, "-c", _KILL_WRAPPER, str(REPO_ROOT / "scripts" / "train.py"), point, str(step), *argv],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == KILLED, done.stderr[-3000:]
    assert not (output_dir / "final").exists()  # never a partial export
    if point == "during_export":  # killed inside the export: its temporary folder is all that exists
        assert [p.name for p in output_dir.iterdir() if p.name.startswith(".final.")]
        _assert_same_log(_eval_log(output_dir), _eval_log(reference_dir))

    caplog.clear()
    metrics = run_in_process(train_module, [*argv, "--resume_from_checkpoint", "latest"])
    messages = [re.sub(r"^\[RANK \d+\] ", "", record.getMessage()) for record in caplog.records]  # accelerate's prefix
    if point == "after_checkpoint":
        assert "The evaluation at step 2 is missing from the checkpoint: evaluating now" in messages
        assert [m for m in messages if m.startswith("New best combined_score=") and "at step 2 (previous: none)" in m]
    # Quiet by default: no per-checkpoint library lines, no shared-tensor warning, metrics rounded on one line.
    assert not [m for m in messages if "Saving current state" in m or "Removed shared tensor" in m]
    eval_lines = [m for m in messages if m.startswith("eval step ")]
    assert all(len(m) < 400 and "{" not in m for m in eval_lines)
    assert len(eval_lines) == {"after_checkpoint": 3, "after_eval_log": 2, "during_export": 0}[point]  # redone, rest

    _assert_same_log(_eval_log(output_dir), _eval_log(reference_dir))  # no missing and no duplicate evaluation
    assert metrics == pytest.approx(reference_metrics, rel=1e-5, abs=1e-6)
    _assert_complete_export(output_dir / "final")
    expected = load_file(reference_dir / "final" / "model.safetensors")
    resumed = load_file(output_dir / "final" / "model.safetensors")
    for name in expected:
        assert torch.allclose(expected[name], resumed[name], atol=1e-6), name

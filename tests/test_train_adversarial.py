# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Adversarial tests of a training run's outputs (issue #18): a checkpoint killed mid-write, model selection, LoRA
exports, fine-tuning a checkpoint with its own config, `--push_to_hub` checks, evaluation progress, the model card."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import load_script, synthxum_with_features
from test_train import run_in_process, training_argv


@pytest.fixture(scope="module")
def train_module():
    return load_script("train.py", "vsum_train_script_adversarial")


@pytest.fixture(scope="module")
def synthxum(tmp_path_factory):
    """6 short SynthXum videos (4 train, 2 validation) and their tiny-ViT features."""
    root = tmp_path_factory.mktemp("synthxum")
    result, _, _, features_dir = synthxum_with_features(root, num_videos=6, split_sizes=(4, 2, 0))
    return {"data_dir": str(result.out_dir), "video_dir": str(result.video_dir), "features_dir": str(features_dir)}


@pytest.fixture()
def run_training(train_module, synthxum, tmp_path):
    def run(output_dir, *extra: str) -> dict:
        return run_in_process(train_module, training_argv(synthxum, tmp_path / "datasets_cache", output_dir, *extra))

    return run


def _front_matter(readme: Path) -> dict:
    text = readme.read_text()
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, f"{readme} has no YAML front matter"
    return yaml.safe_load(match.group(1))


# ---------------------------------------------------------------------------------------------------- 1. killed write


def _plant_killed_first_checkpoint(output_dir: Path) -> Path:
    """What SIGKILL during the first checkpoint write leaves (epoch-end evaluation first, then the checkpoint): the
    eval log, `best/`, and `checkpoints/` holding only `atomic_folder`'s temporary folder, without training state."""
    tmp = output_dir / "checkpoints" / ".checkpoint-2.k2j9x_7a.tmp"
    tmp.mkdir(parents=True)
    (tmp / "model.safetensors").write_bytes(b"half a file")
    (tmp / "optimizer.bin").write_bytes(b"")
    (output_dir / "eval_log.jsonl").write_text('{"step": 2, "epoch": 0, "f1_mean": 20.0}\n')
    (output_dir / "best").mkdir()
    (output_dir / "best" / "config.json").write_text("{}")
    return tmp


def test_run_killed_during_first_checkpoint_write_restarts(run_training, tmp_path):
    output_dir = tmp_path / "run"
    stale = _plant_killed_first_checkpoint(output_dir)
    # Not vsum's temporary names, or not under checkpoints/: never touched.
    others = [output_dir / ".checkpoint-2.abcdefgh.tmp", output_dir / "checkpoints_backup" / ".checkpoint-1.x.tmp"]
    for other in others:
        other.mkdir(parents=True)

    with pytest.raises(ValueError, match="no complete checkpoint.*without --resume_from_checkpoint") as error:
        run_training(output_dir, "--no_do_eval", "--max_train_steps", "1", "--resume_from_checkpoint", "latest")
    assert "\n" not in str(error.value)

    run_training(output_dir, "--no_do_eval", "--max_train_steps", "1")  # a plain restart proceeds
    assert not stale.exists()
    assert all(other.is_dir() for other in others)
    assert (output_dir / "final" / "model.safetensors").is_file()
    assert sorted(p.name for p in (output_dir / "checkpoints").iterdir()) == ["checkpoint-1"]
    assert not (output_dir / "eval_log.jsonl").exists() and not (output_dir / "best").exists()  # the dead run's


def test_checkpoints_folder_with_foreign_content_is_still_a_previous_run(tmp_path):
    from vsum.training import VsumTrainingArguments, prepare_output_dir

    output_dir = tmp_path / "run"
    (output_dir / "checkpoints").mkdir(parents=True)
    (output_dir / "checkpoints" / "notes.tmp").write_text("mine")
    (output_dir / "checkpoints" / ".checkpoint-3.abcdefgh.tmp").mkdir()
    with pytest.raises(ValueError, match="previous run \\(checkpoints\\)"):
        prepare_output_dir(VsumTrainingArguments(output_dir=str(output_dir)))
    assert (output_dir / "checkpoints" / "notes.tmp").read_text() == "mine"


# ---------------------------------------------------------------------------------------------------- 2. selection


def test_combined_score_and_ties():
    from vsum.evaluation import combined_score
    from vsum.training import is_better

    assert combined_score({"f1_mean": 40.0, "cider": 60.0, "tsum_loss": 9.0}) == pytest.approx((0.4 + 0.6) / 2)
    assert combined_score({"f1_mean": 40.0, "cider": 250.0}) == pytest.approx((0.4 + 1.0) / 2)  # capped
    import math

    assert combined_score({"f1_mean": 40.0, "tsum_loss": 2.0}) == pytest.approx((0.4 + math.exp(-2.0)) / 2)
    with pytest.raises(ValueError, match="f1_mean"):
        combined_score({"cider": 3.0})
    assert is_better(0.5, 0.5, greater_is_better=True) and is_better(0.5, 0.5, greater_is_better=False)
    assert not is_better(0.4, 0.5, greater_is_better=True)


def test_default_selection_uses_the_combined_score_and_later_steps_win_ties(
    run_training, train_module, tmp_path, monkeypatch, caplog
):
    # Scripted evaluations (4 training videos, batch 2: steps 2, 4, 6, 8): F1 plateaus from the first one (the
    # f1_mean selection would keep step 2 and its gibberish caption); the text improves at step 4; step 6 ties step 4
    # on the combined score; step 8 is worse.
    scripted = {  # values whose combined scores are exact in binary: the tie is a tie
        2: {"f1_mean": 50.0, "cider": 0.0},
        4: {"f1_mean": 25.0, "cider": 50.0},
        6: {"f1_mean": 50.0, "cider": 25.0},
        8: {"f1_mean": 50.0, "cider": 12.5},
    }
    steps = iter(sorted(scripted))

    def fake_evaluate(model, dataloader, accelerator, processor, dataset, train_args):
        step = next(steps)
        return {
            **scripted[step],
            "num_videos": 2,
            "example_summary": f"text of step {step}",
            "example_reference": "the reference",
            "example_video_id": "v0",
        }

    monkeypatch.setattr(train_module, "evaluate", fake_evaluate)
    output_dir = tmp_path / "run"
    metrics = run_training(output_dir, "--num_train_epochs", "4", "--no_text_metrics")
    log = [json.loads(line) for line in (output_dir / "eval_log.jsonl").read_text().splitlines()]
    scores = {r["step"]: r["combined_score"] for r in log}
    assert scores[4] == scores[6] > scores[8] > scores[2]
    assert metrics["f1_mean"] == 50.0 and metrics["cider"] == 25.0  # the exported model is step 6's
    readme = (output_dir / "final" / "README.md").read_text()
    assert "step 6 (epoch 2)" in readme and "combined_score" in readme
    messages = [record.getMessage() for record in caplog.records]
    assert [m for m in messages if "text of step 6" in m and "the reference" in m]  # the example caption


def test_tiny_config_selects_on_the_combined_score():
    from vsum.training import parse_args

    _, _, train_args = parse_args(["--config", str(Path(__file__).parents[1] / "configs" / "synthxum_tiny.yaml")])
    assert train_args.metric_for_best_model == "combined_score" and train_args.greater_is_better


# ---------------------------------------------------------------------------------------------------- 3. LoRA


def test_lora_export_is_self_contained_by_default(run_training, synthxum, tmp_path):
    from vsum.inference import summarize_video
    from vsum.loading import load_model_and_processor

    output_dir = tmp_path / "lora"
    run_training(output_dir, "--lora_r", "4", "--no_text_metrics", "--num_train_epochs", "1", "--max_length", "6")
    final = output_dir / "final"
    assert not (final / "adapter_config.json").exists() and (final / "config.json").is_file()
    model, processor = load_model_and_processor(str(final))
    video = sorted(Path(synthxum["video_dir"]).glob("*.mp4"))[0]
    summary = summarize_video(video, model, processor)
    assert isinstance(summary["text"], str) and summary["keyframes"]["indices"]
    readme = (final / "README.md").read_text()
    assert "LoRA adapters only" not in readme and "(merged)" in readme


def test_adapters_only_export_of_the_random_tiny_model_is_refused():
    from vsum.training import parse_args

    base = ["--data_dir", "a", "--features_dir", "f", "--model_name_or_path", "tiny"]
    with pytest.raises(ValueError, match="--no_merge_lora.*tiny"):
        parse_args([*base, "--lora_r", "4", "--no_merge_lora"])
    parse_args([*base, "--lora_r", "4"])  # merged: fine


# ---------------------------------------------------------------------------------------------------- 4. fine-tuning


def test_fine_tuning_a_checkpoint_with_its_own_architecture_values(tmp_path):
    from conftest import export_tiny_model

    from vsum.training import ModelArguments, build_model_and_processor

    folder = export_tiny_model(tmp_path / "ckpt")
    saved = json.loads((Path(folder) / "config.json").read_text())
    window = saved.get("local_attention_window", 2)
    same = ModelArguments(
        model_name_or_path=folder, local_attention_window=window, local_attention_type="hard", temporal_num_layers=1
    )
    model, _ = build_model_and_processor(same)
    assert model.config.local_attention_window == window
    changed = ModelArguments(model_name_or_path=folder, local_attention_window=window + 3)
    with pytest.raises(ValueError, match=f"local_attention_window.*{window}.*{window + 3}"):
        build_model_and_processor(changed)


# ---------------------------------------------------------------------------------------------------- 5. push checks


@pytest.mark.parametrize(
    "repo_id, token, message",
    [
        ("org/bad name!", "hf_x", "hub_model_id"),
        ("org/model", None, "token"),
        ("org/model", "hf_x", "whoami"),
    ],
    ids=["invalid-repo-id", "no-token", "token-check-fails"],
)
def test_push_to_hub_is_checked_before_training(run_training, tmp_path, monkeypatch, repo_id, token, message):
    import huggingface_hub
    from huggingface_hub import HfApi

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)

    def offline(self, *args, **kwargs):
        raise OSError("Hub unreachable")

    monkeypatch.setattr(HfApi, "whoami", offline)
    output_dir = tmp_path / "run"
    extra = ["--hub_token", token] if token else []
    with pytest.raises(ValueError, match=message) as error:
        run_training(output_dir, "--push_to_hub", "--hub_model_id", repo_id, *extra)
    assert "\n" not in str(error.value)
    assert not (output_dir / "checkpoints").exists()  # no training step ran


# ---------------------------------------------------------------------------------------------------- 6, 7. outputs


def test_training_outputs_progress_card_protocols_and_decoding(run_training, tmp_path, capsys, caplog):
    from transformers import GenerationConfig

    output_dir = tmp_path / "run"
    metrics = run_training(
        output_dir, "--num_train_epochs", "1", "--num_beams", "2", "--max_length", "9", "--min_length", "3"
    )
    assert "evaluate" in capsys.readouterr().err  # the in-training evaluation shows progress

    final = output_dir / "final"
    front = _front_matter(final / "README.md")
    results = front["model-index"][0]["results"]
    by_type = {m["type"]: m for r in results for m in r["metrics"]}
    assert by_type["f1"]["value"] == pytest.approx(metrics["f1_mean"], abs=1e-4)
    assert by_type["f1_released"]["value"] == pytest.approx(metrics["f1_mean_released"], abs=1e-4)
    names = [m["name"] for r in results for m in r["metrics"]]
    assert len(names) == len(set(names)) and by_type["f1"]["name"] != by_type["f1_released"]["name"]

    saved = GenerationConfig.from_pretrained(final)
    assert (saved.num_beams, saved.max_length, saved.min_length) == (2, 9, 3)  # what the metrics were computed with
    text = (final / "README.md").read_text()
    stated = dict(re.findall(r"`(num_beams|max_length|min_length)=(\d+)`", text))
    assert stated == {"num_beams": "2", "max_length": "9", "min_length": "3"}
    assert "f1_mean_released" in text or "released VideoXum code" in text.split("---", 2)[2]
    assert [r for r in caplog.records if "example" in r.getMessage() and "reference" in r.getMessage()]

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Keyshot mode of scripts/train.py (issue 20): a video-only model trained on one fold of a synthetic canonical h5
file, scored on the fold's test keys with the canonical protocol, exported with the fold's results in its
model-index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from conftest import load_script


REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def keyshot_files(tmp_path_factory):
    """A small synthetic h5 file in the canonical TVSum layout (10 videos, 16-d features) and its 5-fold split file."""
    from vsum.data.keyshot import make_synthetic_keyshot

    written = make_synthetic_keyshot(tmp_path_factory.mktemp("keyshot"), "tvsum", 10, feature_dim=16, seed=0)
    return {
        "h5": str(written.h5_path),
        "split_file": str(written.split_path),
        "user_scores_tsv": str(written.annotations_path),
    }


@pytest.fixture(scope="module")
def train_module():
    return load_script("train.py", "vsum_train_script_keyshot")


def run_in_process(train_module, argv: list[str]) -> dict:
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    return train_module.main(argv)


def keyshot_argv(files, output_dir, *extra: str, config: str = "keyshot_tt_la.yaml") -> list[str]:
    return [
        "--config", str(REPO_ROOT / "configs" / config),
        "--h5", files["h5"],
        "--split_file", files["split_file"],
        "--user_scores_tsv", files["user_scores_tsv"],
        "--fold", "1",
        "--output_dir", str(output_dir),
        "--model_config_overrides", "hidden_size=16,temporal_num_heads=4",
        "--num_train_epochs", "6",
        "--learning_rate", "3e-3",
        "--per_device_train_batch_size", "2",
        "--report_to", "none",
        *extra,
    ]  # fmt: skip


def test_keyshot_fold_trains_scores_and_exports(train_module, keyshot_files, tmp_path):
    from vsum import VsumModel
    from vsum.training import DataArguments, load_keyshot_fold, predict_keyshot_scores, score_keyshot_predictions

    output_dir = tmp_path / "run"
    metrics = run_in_process(train_module, keyshot_argv(keyshot_files, output_dir))
    assert metrics["num_videos"] == 2
    assert 0.0 <= metrics["fscore"] <= 100.0 and -1.0 <= metrics["kendall"] <= 1.0 and -1.0 <= metrics["spearman"] <= 1

    final = output_dir / "final"
    model = VsumModel.from_pretrained(final).eval()
    config = json.loads((final / "config.json").read_text())
    assert config["use_text_decoder"] is False and config["input_feature_size"] == 16
    assert model.text_decoder is None and model.local_attention is not None and model.config.hidden_size == 16
    assert not (final / "tokenizer.json").exists()  # no processor: features come from the h5 file
    # The exported model reproduces the reported test metrics under the same protocol.
    fold = load_keyshot_fold(DataArguments(fold=1, **keyshot_files))
    assert all(len(row["user_scores"]) == 20 for row in fold.test)  # TVSum's per-user scores, for tau and rho
    again = score_keyshot_predictions(fold.test, predict_keyshot_scores(model, fold.test), fold.dataset_name)
    for key in ("fscore", "kendall", "spearman"):
        assert again[key] == pytest.approx(metrics[key], abs=1e-9), key
    # It learned: on the videos it trained on, its step scores follow gtscore far better than at initialisation.
    from scipy.stats import kendalltau

    torch.manual_seed(0)
    initial = VsumModel(model.config)
    trained, before = (
        np.mean([kendalltau(s, row["gtscore"])[0] for s, row in zip(predict_keyshot_scores(m, fold.train), fold.train)])
        for m in (model, initial)
    )
    assert trained > before + 0.2, (trained, before)

    # The model card's model-index: the dataset, the fold's test split, one entry per metric.
    card = (final / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    results = header["model-index"][0]["results"]
    assert {r["dataset"]["name"] for r in results} == {fold.dataset_name}
    assert {r["dataset"]["split"] for r in results} == {"fold 1 test"}
    values = {m["type"]: m["value"] for r in results for m in r["metrics"]}
    assert values == {
        "f1": round(metrics["fscore"], 4),
        "kendall_tau": round(metrics["kendall"], 4),
        "spearman_rho": round(metrics["spearman"], 4),
    }
    assert "TT+LA" in card and "fold 1" in card
    log = [json.loads(line) for line in (output_dir / "eval_log.jsonl").read_text().splitlines()]
    assert [record["split"] for record in log] == ["fold 1 test"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "needs both --h5 and --split_file"),
        (["--data_dir", "anno"], "--data_dir does not go with --h5"),
        (["--lora_r", "4"], "no text decoder to adapt"),
        (["--load_best_model_at_end", "true"], "selects no checkpoint"),
        (["--model_name_or_path", "tiny"], "must be 'new'"),
        (["--fold", "-1"], "fold must be >= 0"),
    ],
)
def test_keyshot_arguments_refused(extra, message, keyshot_files, tmp_path):
    from vsum.training import parse_args

    argv = keyshot_argv(keyshot_files, tmp_path / "run", *extra)
    if not extra:  # --h5 alone
        index = argv.index("--split_file")
        del argv[index : index + 2]
    with pytest.raises(ValueError, match=message):
        parse_args(argv)


def test_bad_fold_is_refused_in_one_line(train_module, keyshot_files, tmp_path):
    """The loader's one-line errors reach the command line unchanged (here: a fold the split file lacks)."""
    with pytest.raises(ValueError, match=r"fold must be an integer in \[0, 5\), got 5"):
        run_in_process(train_module, keyshot_argv(keyshot_files, tmp_path / "run", "--fold", "5"))

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`benchmarks/learning.py` end to end on a tiny budget: it must run as documented, print its table and verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO_ROOT


def test_learning_benchmark_runs_end_to_end(tmp_path):
    work_dir = tmp_path / "learning"
    env = dict(os.environ)
    # As a user's shell: conftest pins float32 for the tests, the benchmark must work without that pin (training's
    # `--mixed_precision auto` is bf16 on CPUs with native bf16, after the feature extraction fixed float32).
    env.pop("ACCELERATE_MIXED_PRECISION", None)
    done = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO_ROOT, "benchmarks", "learning.py"),
            "--seed", "23",
            "--work_dir", str(work_dir),
            "--videos", "10",
            "--min_duration", "6",
            "--max_duration", "8",
            "--size", "32",
            "--hidden_size", "32",
            "--image_size", "32",
            "--text_layers", "1",
            "--epochs", "8",
            "--ablations", "Base", "TT+LA",
            "--no_text_metrics",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "| model | f1_mean | f1_max | kendall | spearman |" in lines, done.stdout
    for row in ("| Base |", "| TT+LA |", "| baseline: random |", "| baseline: uniform |"):
        assert any(line.startswith(row) for line in lines), row
    assert not any(line.startswith("| TT |") for line in lines)  # --ablations restricts the models trained
    verdicts = [line for line in lines if line.startswith("verdict: ")]
    # Even 8 epochs on 6 videos beat random and uniform saliency by a wide margin (F1-mean 94 vs <= 28.5 here).
    assert len(verdicts) == 1 and verdicts[0].startswith("verdict: PASS ("), done.stdout
    record = json.loads((work_dir / "learning.json").read_text())
    assert set(record["results"]) == {"Base", "TT+LA", "baseline: random", "baseline: uniform"}
    assert record["verdict"] == "PASS"
    assert 0.0 <= record["results"]["TT+LA"]["f1_mean"] <= 100.0


def test_verdict_fails_when_a_model_does_not_beat_a_baseline():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_vsum_benchmark_learning", REPO_ROOT + "/benchmarks/learning.py")
    learning = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(learning)
    results = {
        "Base": {"f1_mean": 80.0, "kendall": 0.5},
        "TT+LA": {"f1_mean": 30.0, "kendall": 0.5},
        "baseline: random": {"f1_mean": 31.0, "kendall": 0.0},
        "baseline: uniform": {"f1_mean": 20.0, "kendall": 0.1},
        "baseline: constant_text": {"f1_mean": None, "kendall": None, "cider": 50.0},
    }
    passed, line = learning.verdict(results)
    assert not passed and line.startswith("FAIL") and "TT+LA f1_mean 30.000 <= 31.000" in line and "Base" not in line
    results["TT+LA"]["f1_mean"] = 31.5
    assert learning.verdict(results) == (
        True,
        "PASS (every model beats the best saliency baseline in f1_mean and kendall)",
    )

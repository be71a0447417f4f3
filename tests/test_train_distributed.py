# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Two CPU processes through `accelerate launch` (the command that really starts two processes on accelerate 1.15)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from conftest import assert_exports_carry_offloaded_vit, synthxum_with_features


REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("accelerate") is None, reason="the accelerate command is not installed")
@pytest.mark.parametrize("source", ["video", "features"])
def test_two_processes_train_in_sync_and_export_loads(tmp_path, source):
    from vsum import VsumModel
    from vsum.data import make_synthxum

    if source == "video":
        data = make_synthxum(
            tmp_path / "data", num_videos=6, split_sizes=(4, 2, 0), min_duration=6, max_duration=8, size=32
        )
        inputs = ["--video_dir", str(data.video_dir)]
    else:  # cached features: every process offloads the ViT, the main one writes it and exports with it
        data, _, _, features_dir = synthxum_with_features(tmp_path, num_videos=6, split_sizes=(4, 2, 0))
        inputs = ["--features_dir", str(features_dir)]
    output_dir = tmp_path / "run"
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    command = [
        "accelerate",
        "launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        str(REPO_ROOT / "scripts" / "train.py"),
        "--model_name_or_path",
        "tiny",
        "--data_dir",
        str(data.out_dir),
        *inputs,
        "--dataset_name",
        "SynthXum",
        "--cache_dir",
        str(tmp_path / "cache"),
        "--output_dir",
        str(output_dir),
        "--per_device_train_batch_size",
        "1",
        "--per_device_eval_batch_size",
        "1",
        "--num_train_epochs",
        "2",
        "--learning_rate",
        "1e-3",
        "--no_text_metrics",
        "--report_to",
        "none",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]

    assert "num_processes=2 process_index=0" in log and "num_processes=2 process_index=1" in log, log[-4000:]
    # 4 videos over 2 processes with batch 1: 2 steps per epoch.
    assert "2 steps/epoch, 4 steps" in log
    checksums = dict(re.findall(r"\[RANK (\d)\] final parameter checksum: (\w+)", log))
    assert sorted(checksums) == ["0", "1"], log[-4000:]
    assert checksums["0"] == checksums["1"]

    if source == "features":
        assert_exports_carry_offloaded_vit(output_dir, "final")
    model = VsumModel.from_pretrained(output_dir / "final").eval()
    with torch.no_grad():
        out = model(frame_embeds=torch.randn(1, 5, model.config.hidden_size))
    assert torch.isfinite(out.saliency_logits).all()
    # Every validation video was evaluated exactly once over the two processes.
    last = (output_dir / "eval_log.jsonl").read_text().splitlines()[-1]
    assert '"num_videos": 2' in last

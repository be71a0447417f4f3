# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`benchmarks/keyshot.py` end to end on a tiny budget: it runs as documented, says its data is synthetic and prints
the four rows (random, uniform, TT, TT+LA) as mean ± std over the folds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from conftest import REPO_ROOT


def test_keyshot_benchmark_runs_on_synthetic_files(tmp_path):
    work_dir = tmp_path / "keyshot"
    done = subprocess.run(
        [
            sys.executable, os.path.join(REPO_ROOT, "benchmarks", "keyshot.py"),
            "--work_dir", str(work_dir),
            "--videos", "10",
            "--feature_size", "16",
            "--hidden_size", "16",
            "--folds", "2",
            "--epochs", "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("data: SYNTHETIC") and "only on the real files" in line for line in lines), lines
    assert any(line.startswith("| method (") and "2-fold mean ± std" in line for line in lines), lines
    row = re.compile(r"^\| (random|uniform|TT|TT\+LA) \| \d+\.\d ± \d+\.\d \| -?\d\.\d{3} ± \d\.\d{3} \| ")
    assert sorted(m.group(1) for line in lines if (m := row.match(line))) == ["TT", "TT+LA", "random", "uniform"]
    record = json.loads((work_dir / "keyshot.json").read_text())
    assert record["synthetic"] is True and record["folds"] == 2
    assert {len(runs) for runs in record["per_fold"].values()} == {2}
    for method, values in record["summary"].items():
        assert 0.0 <= values["fscore"][0] <= 100.0, method

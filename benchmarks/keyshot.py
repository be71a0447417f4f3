#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""TVSum/SumMe's canonical keyshot protocol, 5-fold: random and uniform baselines against the video-only TT and TT+LA
models (`configs/keyshot_tt.yaml`, `configs/keyshot_tt_la.yaml`), each fold trained with `scripts/train.py`.

What it does
------------
1. Writes a synthetic h5 file in the canonical layout (`eccv16_dataset_tvsum_google_pool5.h5`: features, gtscore,
   user_summary, change_points, picks, ...) and its 5-fold split file, unless `--h5`/`--split_file` name real ones.
2. Per fold: scores the baselines on the fold's test keys (random scores, seeded; uniform: `floor(0.15 T) + 1`
   evenly spaced sampled steps), and trains TT and TT+LA on the fold's train keys (same seed, same budget), scoring
   the last model on the test keys (no checkpoint selection).
3. Prints a Markdown table of F-score / Kendall's tau / Spearman's rho as mean ± std over the folds (population std)
   and writes `<work_dir>/keyshot.json`.

On the synthetic file the numbers say that the pipeline learns; they are not TVSum/SumMe results. The random
baseline is comparable with the random summaries the literature reports under this protocol (Otani et al.,
CVPR 2019) only on the real files, whose shots and user summaries set that value.

Run
---
```bash
python benchmarks/keyshot.py --work_dir data/keyshot_bench              # synthetic, ~3 min on 2 CPU cores
python benchmarks/keyshot.py --work_dir out/tvsum --h5 eccv16_dataset_tvsum_google_pool5.h5 \
    --split_file splits/tvsum.yml --hidden_size 256 --epochs 60             # the real file (not run here)
```
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


REPO_ROOT = Path(__file__).resolve().parents[1]
MODELS = {"TT": "keyshot_tt.yaml", "TT+LA": "keyshot_tt_la.yaml"}
METRICS = ("fscore", "kendall", "spearman")
SYNTHETIC_NOTE = (
    "data: SYNTHETIC canonical-layout file (vsum.data.keyshot.make_synthetic_keyshot): these numbers test the pipeline, they are not TVSum/"
    "SumMe results; the random row is comparable with the literature's random baselines (Otani et al., CVPR 2019) "
    "only on the real files"
)


def load_train_script():
    """`scripts/train.py` as a module (its `main(argv)` trains one fold in this process)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("vsum_train_script", REPO_ROOT / "scripts" / "train.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["vsum_train_script"] = module
    spec.loader.exec_module(module)
    return module


def train_fold(train_script, config: str, data: dict, fold: int, output_dir: Path, args) -> dict:
    """Trains one model on one fold with `scripts/train.py` (fresh accelerate state) and returns its test metrics."""
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    argv = [
        "--config", str(REPO_ROOT / "configs" / config),
        *[item for name, path in data.items() if path is not None for item in (f"--{name}", str(path))],
        "--fold", str(fold),
        "--output_dir", str(output_dir),
        "--overwrite_output_dir",
        "--num_train_epochs", str(args.epochs),
        "--learning_rate", str(args.learning_rate),
        "--per_device_train_batch_size", str(args.batch_size),
        "--model_config_overrides", f"hidden_size={args.hidden_size},temporal_num_heads={args.heads}",
        "--seed", str(args.seed),
        "--mixed_precision", "no",
        "--report_to", "none",
    ]  # fmt: skip
    return train_script.main(argv)


def baseline_scores(rows: list[dict], kind: str, seed: int) -> list[np.ndarray]:
    """Per-step scores of a baseline: `random` (uniform in [0, 1), seeded) or `uniform` (every k-th step)."""
    from vsum.evaluation import uniform_scores

    rng = np.random.default_rng(seed)
    lengths = [len(row["features"]) for row in rows]
    if kind == "random":
        return [rng.random(n) for n in lengths]
    return [uniform_scores(n) for n in lengths]


def summarize(per_fold: dict[str, list[dict]]) -> dict[str, dict[str, list[float]]]:
    """`{method: {metric: [mean, std]}}` over the folds ([`vsum.metrics.keyshot.aggregate_folds`]: population std)."""
    from vsum.metrics.keyshot import aggregate_folds

    summary = {}
    for method, runs in per_fold.items():
        folds = aggregate_folds(runs)
        summary[method] = {m: [folds[m], folds[f"{m}_std"]] for m in METRICS}
    return summary


def format_table(summary: dict, dataset_name: str, num_folds: int) -> str:
    lines = [
        f"| method ({dataset_name}, {num_folds}-fold mean ± std) | F-score | Kendall τ | Spearman ρ |",
        "|---|---|---|---|",
    ]
    for method, values in summary.items():
        f, tau, rho = (values[m] for m in METRICS)
        lines.append(
            f"| {method} | {f[0]:.1f} ± {f[1]:.1f} | {tau[0]:.3f} ± {tau[1]:.3f} | {rho[0]:.3f} ± {rho[1]:.3f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--work_dir", required=True, type=Path)
    parser.add_argument("--h5", type=Path, help="a real canonical h5 file (default: a synthetic one in work_dir)")
    parser.add_argument("--split_file", type=Path, help="its 5-fold split file (with --h5)")
    parser.add_argument("--user_scores_tsv", type=Path, help="TVSum's ydata-anno.tsv (with --h5), for tau and rho")
    parser.add_argument("--videos", type=int, default=25, help="synthetic: number of videos")
    parser.add_argument("--feature_size", type=int, default=64, help="synthetic: feature width")
    parser.add_argument("--folds", type=int, default=5, help="run the first N folds of the split file")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    parser.add_argument("--batch_size", type=int, default=4)
    parser.add_argument("--hidden_size", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if (args.h5 is None) != (args.split_file is None):
        parser.error("--h5 and --split_file go together")
    if args.folds < 1:
        parser.error(f"--folds must be >= 1, got {args.folds}")

    from vsum.training import DataArguments, load_keyshot_fold, score_keyshot_predictions

    args.work_dir.mkdir(parents=True, exist_ok=True)
    synthetic = args.h5 is None
    if synthetic:
        h5, split_file, user_scores_tsv = write_synthetic(args)
    else:
        h5, split_file, user_scores_tsv = args.h5, args.split_file, args.user_scores_tsv
    data = {"h5": h5, "split_file": split_file, "user_scores_tsv": user_scores_tsv}
    train_script = load_train_script()
    per_fold: dict[str, list[dict]] = {"random": [], "uniform": [], **{name: [] for name in MODELS}}
    dataset_name, start = None, time.time()
    for fold_index in range(args.folds):
        fold = load_keyshot_fold(
            DataArguments(fold=fold_index, **{k: None if v is None else str(v) for k, v in data.items()})
        )
        dataset_name = fold.dataset_name
        for kind in ("random", "uniform"):
            scores = baseline_scores(fold.test, kind, args.seed + fold_index)
            per_fold[kind].append(score_keyshot_predictions(fold.test, scores, fold.dataset_name))
        for name, config in MODELS.items():
            output_dir = args.work_dir / "runs" / name.replace("+", "_") / f"fold{fold_index}"
            per_fold[name].append(train_fold(train_script, config, data, fold_index, output_dir, args))
        print(f"fold {fold_index}: " + ", ".join(f"{k} F={v[-1]['fscore']:.1f}" for k, v in per_fold.items()))
    summary = summarize(per_fold)
    table = format_table(summary, dataset_name, args.folds)
    note = SYNTHETIC_NOTE if synthetic else f"data: {h5.name} (real file as given)"
    print(note)
    print(table)
    print(f"({time.time() - start:.0f} s)")
    record = {"synthetic": synthetic, "h5": str(h5), "folds": args.folds, "summary": summary, "per_fold": per_fold}
    (args.work_dir / "keyshot.json").write_text(json.dumps(record, indent=2))
    return record


def write_synthetic(args) -> tuple[Path, Path, Path]:
    """The synthetic TVSum-layout h5 file, its 5-fold split file and its per-user scores (`ydata-anno.tsv`) under
    `work_dir`, written by [`vsum.data.keyshot.make_synthetic_keyshot`]."""
    from vsum.data.keyshot import make_synthetic_keyshot

    written = make_synthetic_keyshot(
        args.work_dir, "tvsum", args.videos, seed=args.seed, feature_dim=args.feature_size, overwrite=True
    )
    return written.h5_path, written.split_path, written.annotations_path


if __name__ == "__main__":
    main()

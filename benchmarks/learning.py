#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Proof that the whole system learns: the paper's ablations on SynthXum against trivial baselines (2 CPU cores).

What it does
------------
1. Writes a SynthXum set (`vsum make-synthetic`) unless it exists.
2. Builds one tiny random vsum model per ablation (Base, TT, TT+LA, TT+LA-rbf) sharing the SAME frozen random ViT,
   so one feature cache serves all of them, and extracts the 1-fps frame features once (`scripts/extract_features.py`).
3. Trains each ablation with `scripts/train.py` (same seed, same steps, cached features, validation for model
   selection), then evaluates the final model on the **test** split with `scripts/evaluate.py`.
4. Scores the baselines on the same test split (`vsum.evaluation.baseline_predictions`): random saliency, uniform
   sampling (evenly spaced 15 %), and the most frequent training caption as a constant text summary.
5. Prints docs/training.md's Markdown table, a verdict line and writes `<work_dir>/learning.json`. Verdict: PASS when
   every trained model beats the best saliency baseline in both F1 (mean) and Kendall's tau; the exit code is 1 on
   FAIL.

Training runs in float32 (`--mixed_precision no`): the table is the float32 reference, and one process holds one
accelerate state (the feature extraction's, float32), which a bf16 training run in the same process cannot change.

Run
---
```bash
python benchmarks/learning.py --work_dir data/learning             # ~6 min on 2 CPU cores
python benchmarks/learning.py --work_dir data/learning --export_demo vsum/demo/checkpoint   # also refresh the demo
# a smoke run (~1 min): a few tiny videos, two ablations, saliency only (the test suite runs this)
python benchmarks/learning.py --work_dir /tmp/learning --videos 8 --min_duration 6 --max_duration 8 --size 32 \
    --hidden_size 32 --image_size 32 --text_layers 1 --epochs 8 --ablations Base TT+LA --no_text_metrics
```
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]

ABLATIONS = {
    "Base": dict(temporal_num_layers=0, local_attention_window=0),
    "TT": dict(temporal_num_layers=1, local_attention_window=0),
    "TT+LA": dict(temporal_num_layers=1, local_attention_window=2, local_attention_type="hard"),
    "TT+LA-rbf": dict(temporal_num_layers=1, local_attention_window=2, local_attention_type="rbf"),
}
METRICS = ["f1_mean", "f1_max", "kendall", "spearman", "bleu_4", "meteor", "rouge_l", "cider"]
SALIENCY_METRICS = METRICS[:4]
#: The models must beat every saliency baseline in these (the README's claim).
VERDICT_METRICS = ("f1_mean", "kendall")


def build_initial_models(
    work_dir: Path, seed: int, hidden_size: int, image_size: int, text_layers: int, ablations: list[str] | None = None
) -> dict[str, Path]:
    """One saved small model per ablation (all of [`ABLATIONS`] unless `ablations` names some); all share the first
    one's vision encoder."""
    import torch

    from vsum import VsumModel
    from vsum.data import SYNTHXUM_WORDS
    from vsum.tiny import make_tiny_processor, tiny_config

    processor = make_tiny_processor(words=SYNTHXUM_WORDS, image_size=image_size)
    folders, vision = {}, None
    for name in ablations or ABLATIONS:
        overrides = ABLATIONS[name]
        torch.manual_seed(seed)
        config = tiny_config(
            processor,
            hidden_size=hidden_size,
            image_size=image_size,
            text_config=dict(num_hidden_layers=text_layers),
            **overrides,
        )
        model = VsumModel(config)
        if vision is None:
            vision = model.vision_model.state_dict()
        else:
            model.vision_model.load_state_dict(vision)
        folder = work_dir / "init" / name.replace("+", "_")
        model.save_pretrained(folder)
        processor.save_pretrained(folder)
        folders[name] = folder
    return folders


def load_script(name: str):
    """Imports `scripts/<name>.py` under a private module name (`scripts/evaluate.py` would shadow the `evaluate`
    library if `scripts/` were put on `sys.path`)."""
    import importlib.util

    module_name = f"_vsum_script_{name}"
    spec = importlib.util.spec_from_file_location(module_name, REPO_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # before exec_module: the scripts' argument dataclasses need it
    spec.loader.exec_module(module)
    return module


def verdict(results: dict[str, dict]) -> tuple[bool, str]:
    """PASS when every trained model beats the best saliency baseline in each of [`VERDICT_METRICS`]."""
    baselines = {name: metrics for name, metrics in results.items() if name.startswith("baseline: ")}
    failures = []
    for key in VERDICT_METRICS:
        best = max(metrics[key] for metrics in baselines.values() if metrics.get(key) is not None)
        for name, metrics in results.items():
            if name in ABLATIONS and metrics[key] <= best:
                failures.append(f"{name} {key} {metrics[key]:.3f} <= {best:.3f}")
    keys = " and ".join(VERDICT_METRICS)
    if failures:
        return False, f"FAIL (not every model beats the saliency baselines in {keys}: {'; '.join(failures)})"
    return True, f"PASS (every model beats the best saliency baseline in {keys})"


def main(argv=None) -> dict:
    """Runs the benchmark; returns the metrics per row and `verdict` ("PASS" or "FAIL")."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1], allow_abbrev=False)
    parser.add_argument("--work_dir", default="data/learning")
    parser.add_argument("--videos", type=int, default=80)
    parser.add_argument("--min_duration", type=float, default=20.0)
    parser.add_argument("--max_duration", type=float, default=60.0)
    parser.add_argument("--size", type=int, default=64, help="SynthXum frame size in pixels")
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--learning_rate", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden_size", type=int, default=64, help="width of the random ViT, TT, LA and decoder")
    parser.add_argument("--image_size", type=int, default=64, help="frames are resized to this (ViT patch 16)")
    parser.add_argument("--text_layers", type=int, default=2, help="text decoder layers")
    parser.add_argument(
        "--ablations", nargs="+", choices=list(ABLATIONS), default=list(ABLATIONS), help="the models to train"
    )
    parser.add_argument(
        "--no_text_metrics",
        dest="text_metrics",
        action="store_false",
        help="saliency only: no generated summaries, no V2T metrics, no constant-caption row (faster, no Java)",
    )
    parser.add_argument(
        "--export_demo",
        default=None,
        help="copy the TT+LA model (weights, config, processor, remote code as links) here",
    )
    args = parser.parse_args(argv)
    if args.export_demo and "TT+LA" not in args.ablations:
        parser.error(f"--export_demo exports the TT+LA model, which --ablations {' '.join(args.ablations)} leaves out")

    evaluate_script, extract_features, train = (load_script(n) for n in ("evaluate", "extract_features", "train"))

    from vsum.data import make_synthxum

    work_dir = Path(args.work_dir)
    data_dir = work_dir / "synthxum"
    timings = {}
    start = time.perf_counter()
    if not (data_dir / "test_videoxum.json").exists():
        make_synthxum(
            data_dir,
            num_videos=args.videos,
            seed=args.seed,
            min_duration=args.min_duration,
            max_duration=args.max_duration,
            size=args.size,
        )
    timings["data_s"] = time.perf_counter() - start

    start = time.perf_counter()
    init = build_initial_models(
        work_dir, args.seed, args.hidden_size, args.image_size, args.text_layers, args.ablations
    )
    features_dir = work_dir / "features"
    extract_features.main(
        [
            "--model_name_or_path",
            str(init["TT+LA"]),
            "--data_dir",
            str(data_dir),
            "--output_dir",
            str(features_dir),
            "--splits",
            "train",
            "validation",
            "test",
        ]
    )
    timings["features_s"] = time.perf_counter() - start

    # The same data and one decoding recipe for the validation during training and for the test scores.
    data = ["--data_dir", str(data_dir), "--features_dir", str(features_dir), "--dataset_name", "SynthXum"]
    decoding = ["--num_beams", "3", "--max_length", "32", "--min_length", "5"]
    if not args.text_metrics:
        decoding = ["--text_metrics", "false"]
    results = {}
    for name, folder in init.items():
        start = time.perf_counter()
        run_dir = work_dir / "runs" / folder.name
        if run_dir.exists():
            shutil.rmtree(run_dir)
        train.main(
            [
                "--model_name_or_path",
                str(folder),
                *data,
                "--output_dir",
                str(run_dir),
                "--seed",
                str(args.seed),
                "--learning_rate",
                str(args.learning_rate),
                "--num_train_epochs",
                str(args.epochs),
                "--per_device_train_batch_size",
                "8",
                "--warmup_ratio",
                "0.1",
                "--eval_steps",
                "100000",
                *decoding,
                "--metric_for_best_model",
                "f1_mean",
                "--report_to",
                "none",
                "--mixed_precision",
                "no",  # see the module docstring
            ]
        )
        results[name] = evaluate_script.main(
            [
                "--model_name_or_path",
                str(run_dir / "final"),
                *data,
                "--split",
                "test",
                "--output_dir",
                str(run_dir / "test"),
                *decoding,
            ]
        )
        timings[f"{name}_s"] = time.perf_counter() - start

    from vsum.data import load_videoxum
    from vsum.evaluation import baseline_predictions, compute_metrics

    splits = load_videoxum(data_dir, splits=["train", "test"])
    for kind in ("random", "uniform", "constant_text") if args.text_metrics else ("random", "uniform"):
        predictions = baseline_predictions(splits["test"], kind, seed=args.seed, train_dataset=splits["train"])
        results[f"baseline: {kind}"] = compute_metrics(predictions, splits["test"])

    passed, verdict_line = verdict(results)

    columns = METRICS if args.text_metrics else SALIENCY_METRICS
    header = "| model | " + " | ".join(columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 1)]
    for name, metrics in results.items():
        cells = []
        for key in columns:
            value = metrics.get(key)
            cells.append(
                "–" if value is None else (f"{value:.3f}" if key in ("kendall", "spearman") else f"{value:.1f}")
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    print("\ntimings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    print(f"verdict: {verdict_line}")
    record = {"results": results, "verdict": "PASS" if passed else "FAIL", "timings": timings, "args": vars(args)}
    (work_dir / "learning.json").write_text(json.dumps(record, indent=2))

    if args.export_demo:
        target = Path(args.export_demo)
        source = work_dir / "runs" / init["TT+LA"].name / "final"
        target.mkdir(parents=True, exist_ok=True)
        for file in (
            "config.json",
            "model.safetensors",
            "processor_config.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "README.md",
        ):
            shutil.copyfile(source / file, target / file)
        # The remote code ships as symlinks into the package (it loads anywhere, and never drifts from vsum/).
        from vsum.pipeline import add_serving_files

        add_serving_files(target, link=True)
        print(f"demo checkpoint written to {target}")
    return {"results": results, "verdict": record["verdict"]}


if __name__ == "__main__":
    sys.exit(0 if main()["verdict"] == "PASS" else 1)

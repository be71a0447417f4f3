# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Evaluate a vsum-la model on a split of VideoXum (or SynthXum) with 🤗 Accelerate: the VideoXum protocol.

The model (a checkpoint folder or a Hub id) is loaded with `vsum.loading.load_model_and_processor`, run on every video
of `--split` (cached features with `--features_dir`, or raw videos decoded at `--fps` with `--video_dir`) by the one
evaluation loop of the library (`vsum.evaluation.predict`), and scored with `vsum.evaluation.compute_metrics`:

* V2V (video summary): `f1_mean`, `f1_max` (the documented top-15 % rule), `f1_mean_released`, `f1_max_released`
  (the rule the released VideoXum code computes; the published tables used it), `kendall`, `spearman`;
* V2T (text summary, generated with the model's `generation_config` unless `--num_beams`, `--max_length`,
  `--min_length` are given; `--num_beams 1` is greedy decoding): `bleu_1`..`bleu_4`, `meteor`, `rouge_l`, `cider`
  (`vsum.metrics.text`, pycocoevalcap, needs Java);
* VT-CLIPScore with `--clip_model NAME_OR_PATH` (`vsum.metrics.clipscore`; the official VT-CLIP after
  `scripts/convert_vt_clip.py`): CLIP needs the video frames, so it is only available with `--video_dir` (cached BLIP
  features are not CLIP features); it runs on the main process.

Outputs in `--output_dir` (each written atomically with `vsum.io_utils`):

* `predictions.jsonl`: one line per video, in dataset order: `video_id`, `scores` (sigmoid per frame), `keyframes`
  (indices of the video summary, `VsumProcessor.post_process_summary`), `segments` (seconds), `text`;
* `metrics.json`: the metrics above plus `num_videos`, `split`, `dataset`, `model`, `model_name`, the generation
  settings used;
* `model_index.json` and `model_index.yaml`: a `model-index` block for the model card's YAML header, named after the
  model (`--hub_model_id`, else the card's or the folder's name), one entry per metric.

`--update_model_card DIR` also merges the metrics into the model-index of `DIR/README.md` (an exported model folder).

Launch it like any accelerate script (the script has no distributed code of its own; every video counts once):

    # one process (CPU or one GPU)
    python scripts/evaluate.py --model_name_or_path outputs/run/final --data_dir anno --features_dir feat/blip \
        --split test --output_dir outputs/run/eval-test --update_model_card outputs/run/final
    # all configured GPUs
    accelerate launch scripts/evaluate.py --model_name_or_path ORG/vsum-la --data_dir anno --features_dir feat/blip \
        --split test --output_dir eval-test --per_device_eval_batch_size 32
    # two CPU processes (`--cpu --num_processes 2` silently starts ONE process on accelerate 1.15)
    ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2 --num_machines 1 \
        --mixed_precision no --dynamo_backend no scripts/evaluate.py --model_name_or_path outputs/run/final \
        --data_dir data/synthxum --video_dir data/synthxum/videos --dataset_name SynthXum --split test \
        --output_dir eval-test

`--split test` is allowed here: this script reports numbers, it selects nothing (model selection uses the
validation split in `scripts/train.py`). Reference rows (random, uniform, constant caption) come from
`vsum.evaluation.baseline_predictions` and `vsum.evaluation.compute_metrics`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np


logger = logging.getLogger(__name__)


@dataclass
class EvaluationArguments:
    """What to evaluate, on which data, how to decode, where to write."""

    model_name_or_path: str = field(
        metadata={"help": "A vsum checkpoint folder (save_pretrained / export) or a Hub id."}
    )
    data_dir: str = field(metadata={"help": "Folder with train/val/test_videoxum.json (VideoXum or SynthXum)."})
    output_dir: str = field(metadata={"help": "Where predictions.jsonl, metrics.json and model_index.* are written."})
    features_dir: str | None = field(default=None, metadata={"help": "Cached <video_id>.npz frame features."})
    video_dir: str | None = field(default=None, metadata={"help": "Raw videos (decoded at --fps; needed for CLIP)."})
    trust_remote_code: bool = field(
        default=False, metadata={"help": "Load the model with the code shipped in the checkpoint (runs that code)."}
    )
    dtype: str = field(
        default="auto",
        metadata={"help": "auto (bf16 on GPUs that support it, fp32 on CPU), float32, bfloat16 or float16."},
    )
    hub_model_id: str | None = field(
        default=None,
        metadata={
            "help": "ORG/NAME of the evaluated model: names its model-index entry (default: the model card's name, "
            "else the folder's name, skipping run-layout names such as 'final')."
        },
    )
    update_model_card: str | None = field(
        default=None,
        metadata={"help": "An exported model folder whose README.md model-index gets these metrics merged in."},
    )
    split: str = field(default="test", metadata={"help": "'train', 'validation' or 'test'."})
    dataset_name: str = field(default="VideoXum", metadata={"help": "'VideoXum' or 'SynthXum' (model index, logs)."})
    per_device_eval_batch_size: int = field(default=16)
    num_beams: int | None = field(
        default=None, metadata={"help": "Beam width (1 = greedy). Default: the model's generation_config."}
    )
    max_length: int | None = field(
        default=None,
        metadata={"help": "Longest generated sequence (prompt included). Default: the model's generation_config."},
    )
    min_length: int | None = field(
        default=None, metadata={"help": "Shortest generated sequence. Default: the model's generation_config."}
    )
    text_metrics: bool = field(default=True, metadata={"help": "Generate text summaries and compute V2T metrics."})
    clip_model: str | None = field(
        default=None,
        metadata={
            "help": "CLIP model (Hub id or folder, e.g. a converted VT-CLIP) for VT-CLIPScore; needs --video_dir."
        },
    )
    clip_batch_size: int = field(default=32, metadata={"help": "Frames per CLIP forward pass."})
    summary_ratio: float | None = field(
        default=None, metadata={"help": "Summary length ratio (default: the model's, 0.15)."}
    )
    fps: float | None = field(
        default=None, metadata={"help": "Sampling rate of raw videos (default: the processor's)."}
    )
    max_eval_frames: int | None = field(default=None, metadata={"help": "At most this many frames per video."})
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "Evaluate only the first N videos (debugging)."}
    )
    cache_dir: str | None = field(default=None, metadata={"help": "datasets cache folder."})
    dataloader_num_workers: int = field(default=0)
    seed: int = field(default=42)


def parse_args(argv: list[str] | None = None) -> EvaluationArguments:
    """Parses `argv`: a bad command line ends in one line and `SystemExit(2)` (an unknown or abbreviated flag names
    the closest one: `--split_` is not taken for `--split`); `validate_args`' checks raise `ValueError`."""
    from vsum.script_utils import HfArgumentParser

    (args,) = HfArgumentParser(EvaluationArguments).parse_args_into_dataclasses(args=argv)
    validate_args(args)
    return args


def validate_args(args: EvaluationArguments) -> None:
    """Raises `ValueError` naming the offending values (before anything is loaded)."""
    if (args.features_dir is None) == (args.video_dir is None):
        raise ValueError(
            f"pass exactly one of --features_dir (cached features) or --video_dir (raw videos); got "
            f"features_dir={args.features_dir!r}, video_dir={args.video_dir!r}"
        )
    if args.split not in ("train", "validation", "test"):
        raise ValueError(f"--split must be 'train', 'validation' or 'test', got {args.split!r}")
    if args.clip_model is not None and args.video_dir is None:
        raise ValueError(
            "--clip_model needs the video frames: pass --video_dir (cached features are not CLIP features)"
        )
    if args.clip_model is not None and not args.text_metrics:
        raise ValueError("--clip_model scores the generated text summary: it needs --text_metrics (the default)")
    for name in ("per_device_eval_batch_size", "num_beams", "clip_batch_size", "max_length", "min_length"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name} must be >= 1, got {value}")
    if args.min_length is not None and args.max_length is not None and args.min_length > args.max_length:
        raise ValueError(f"--min_length {args.min_length} > --max_length {args.max_length}")
    if args.update_model_card is not None and not os.path.isfile(os.path.join(args.update_model_card, "README.md")):
        raise ValueError(f"--update_model_card {args.update_model_card}: no model card (README.md) in that folder")


def clip_scores(args: EvaluationArguments, dataset, predictions, summary_ratio: float, fps: float) -> dict[str, float]:
    """VT-CLIPScore: frames decoded again at `fps` (the first `len(scores)` samples), one video at a time."""
    from vsum.metrics.clipscore import load_clip, vt_clipscore_per_video
    from vsum.processing_vsum import iter_video_frames

    clip_model, clip_processor = load_clip(args.clip_model)
    values = []
    for row, prediction in zip(dataset, predictions):
        num_frames = len(prediction["scores"])
        frames = np.concatenate([chunk for chunk, _ in iter_video_frames(row["video"], fps)])[:num_frames]
        values.append(
            vt_clipscore_per_video(
                [prediction["text"]],
                [frames],
                [prediction["scores"][: len(frames)]],
                model=clip_model,
                processor=clip_processor,
                summary_ratio=summary_ratio,
                batch_size=args.clip_batch_size,
            )[0]
        )
    return {"vt_clipscore": float(np.mean(values))}


def evaluation_function(args: EvaluationArguments) -> dict[str, Any]:
    """Runs the evaluation and writes the outputs; returns the metrics (on every process)."""
    from accelerate import Accelerator
    from accelerate.utils import broadcast_object_list, set_seed
    from torch.utils.data import DataLoader

    from vsum.data.collator import VsumDataCollator
    from vsum.evaluation import (
        build_model_index,
        compute_metrics,
        effective_generation,
        generation_kwargs,
        predict,
        resolve_model_name,
        update_model_card,
        write_outputs,
    )
    from vsum.loading import load_model_and_processor, resolve_dtype
    from vsum.training import DataArguments, IndexedCollator, load_splits

    accelerator = Accelerator()
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    set_seed(args.seed)
    model_name = resolve_model_name(args.model_name_or_path, args.hub_model_id)
    model, processor = load_model_and_processor(
        args.model_name_or_path, device="cpu", trust_remote_code=args.trust_remote_code
    )
    # Inference only (no DDP wrapper). Saliency post-processing stays float64 whatever the model's dtype.
    model = model.to(accelerator.device, dtype=resolve_dtype(args.dtype, str(accelerator.device))).eval()
    summary_ratio = args.summary_ratio or model.config.summary_ratio
    fps = args.fps or processor.video_processor.fps
    generate_kwargs = generation_kwargs(args.num_beams, args.max_length, args.min_length)

    data_args = DataArguments(
        data_dir=args.data_dir,
        features_dir=args.features_dir,
        video_dir=args.video_dir,
        dataset_name=args.dataset_name,
        eval_split=args.split,
        max_eval_samples=args.max_eval_samples,
        cache_dir=args.cache_dir,
    )
    with accelerator.main_process_first():  # one process builds the datasets cache, the others read it
        dataset = load_splits(data_args, (args.split,))[args.split]
    dataloader = DataLoader(
        dataset,
        batch_size=args.per_device_eval_batch_size,
        shuffle=False,
        collate_fn=IndexedCollator(VsumDataCollator(processor, max_frames=args.max_eval_frames, fps=fps)),
        num_workers=args.dataloader_num_workers,
    )
    dataloader = accelerator.prepare(dataloader)
    if accelerator.is_main_process:
        logger.info(
            "Evaluating %s on %s/%s: %d videos, %d process(es)",
            args.model_name_or_path,
            args.dataset_name,
            args.split,
            len(dataset),
            accelerator.num_processes,
        )

    output = predict(
        model,
        dataloader,
        processor,
        accelerator,
        summary_ratio=summary_ratio,
        generate=args.text_metrics,
        generate_kwargs=generate_kwargs,
        progress=True,
    )
    if len(output.predictions) != len(dataset):
        raise RuntimeError(f"gathered {len(output.predictions)} predictions for {len(dataset)} videos")

    result: list[Any] = [None]
    if accelerator.is_main_process:
        predictions = [
            {"video_id": video_id, **record} for video_id, record in zip(dataset["video_id"], output.predictions)
        ]
        metrics: dict[str, Any] = compute_metrics(predictions, dataset, summary_ratio=summary_ratio)
        if args.clip_model is not None:
            metrics.update(clip_scores(args, dataset, predictions, summary_ratio, fps))
        metrics.update(
            num_videos=len(predictions),
            split=args.split,
            dataset=args.dataset_name,
            model=args.model_name_or_path,
            model_name=model_name,
            num_processes=accelerator.num_processes,
            summary_ratio=summary_ratio,
            generation=effective_generation(model, generate_kwargs) if args.text_metrics else None,
        )
        model_index = build_model_index(model_name, metrics, args.dataset_name, args.split)
        write_outputs(args.output_dir, predictions, metrics, model_index)
        if args.update_model_card is not None:
            readme = update_model_card(args.update_model_card, metrics, args.dataset_name, args.split, model_name)
            logger.info("model-index of %s updated", readme)
        logger.info("metrics: %s", json.dumps({k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)}))
        result = [metrics]
    broadcast_object_list(result, from_process=0)
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return result[0]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parses `argv` (default: `sys.argv[1:]`), evaluates, writes the outputs and returns the metrics. A bad command
    line (refused values included) ends in one line and `SystemExit(2)` (`vsum.script_utils`)."""
    from vsum.script_utils import usage_errors

    with usage_errors():
        args = parse_args(sys.argv[1:] if argv is None else list(argv))
    return evaluation_function(args)


if __name__ == "__main__":
    from vsum.script_utils import run_script

    sys.exit(run_script(main))  # errors in what the arguments point at: one line, exit code 1 (VSUM_DEBUG=1: traceback)

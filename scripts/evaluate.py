# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Evaluate a vsum-la model on a split of VideoXum (or SynthXum) with 🤗 Accelerate: the official VideoXum protocol.

The model (a checkpoint folder or a Hub id) is loaded with `AutoModel` / `AutoProcessor.from_pretrained(...,
trust_remote_code=True)`, run on every video of `--split` (cached features with `--features_dir`, or raw videos
decoded at `--fps` with `--video_dir`), and scored with `vsum.metrics`:

* V2V (video summary): `f1_mean` (the paper's "F1"), `f1_max`, `kendall`, `spearman` (`vsum.metrics.video`);
* V2T (text summary, generated with `--num_beams 3 --max_length 128 --min_length 10` by default, the official
  setting; `--num_beams 1` is greedy decoding): `bleu_1`..`bleu_4`, `meteor`, `rouge_l`, `cider` (`vsum.metrics.text`,
  pycocoevalcap, needs Java);
* VT-CLIPScore with `--clip_model NAME_OR_PATH` (`vsum.metrics.clipscore`): CLIP needs the video frames, so it is
  only available with `--video_dir` (cached BLIP features are not CLIP features); it runs on the main process.

Outputs in `--output_dir` (each written to a temporary name, then renamed):

* `predictions.jsonl`: one line per video, in dataset order: `video_id`, `scores` (sigmoid per frame), `keyframes`
  (indices of the video summary, the official threshold rule), `segments` (seconds), `text` (generated summary);
* `metrics.json`: the metrics above plus `num_videos`, `split`, `dataset`, `model`, the generation settings;
* `model_index.json` and `model_index.yaml`: a `model-index` block for the model card's YAML header (task
  video-summarization, dataset `--dataset_name`, split, one entry per metric with a readable name).

Launch it like any accelerate script (the script has no distributed code of its own; every video counts once):

    # one process (CPU or one GPU)
    python scripts/evaluate.py --model_name_or_path outputs/run/final --data_dir anno --features_dir feat/blip \
        --split test --output_dir outputs/run/eval-test
    # all configured GPUs
    accelerate launch scripts/evaluate.py --model_name_or_path ORG/vsum-la --data_dir anno --features_dir feat/blip \
        --split test --output_dir eval-test --per_device_eval_batch_size 32
    # two CPU processes (`--cpu --num_processes 2` silently starts ONE process on accelerate 1.15)
    ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2 --num_machines 1 \
        --mixed_precision no --dynamo_backend no scripts/evaluate.py --model_name_or_path outputs/run/final \
        --data_dir data/synthxum --video_dir data/synthxum/videos --dataset_name SynthXum --split test \
        --output_dir eval-test

`--split test` is allowed here: this script reports numbers, it selects nothing (model selection uses the
validation split in `scripts/train.py`).

`baseline_predictions(dataset, kind, seed)` (random scores, uniform sampling, constant most-frequent training
caption) and `compute_metrics(predictions, dataset)` can be imported from this file for reference rows of a table:

    spec = importlib.util.spec_from_file_location("vsum_evaluate", "scripts/evaluate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["vsum_evaluate"] = module  # before exec_module: the argument dataclass needs its module registered
    spec.loader.exec_module(module)
    predictions = module.baseline_predictions(dataset["test"], "random", seed=0)
    metrics = module.compute_metrics(predictions, dataset["test"])
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch


logger = logging.getLogger(__name__)

PREDICTIONS_FILE = "predictions.jsonl"
METRICS_FILE = "metrics.json"
MODEL_INDEX_JSON = "model_index.json"
MODEL_INDEX_YAML = "model_index.yaml"
BASELINE_KINDS = ("random", "uniform", "constant_text")


# ---------------------------------------------------------------------------------------------------- arguments


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
    split: str = field(default="test", metadata={"help": "'train', 'validation' or 'test'."})
    dataset_name: str = field(default="VideoXum", metadata={"help": "'VideoXum' or 'SynthXum' (model index, logs)."})
    per_device_eval_batch_size: int = field(default=16)
    num_beams: int = field(default=3, metadata={"help": "Beam width (1 = greedy decoding). Official: 3."})
    max_length: int = field(
        default=128, metadata={"help": "Longest generated sequence (prompt included). Official: 128."}
    )
    min_length: int = field(default=10, metadata={"help": "Shortest generated sequence. Official: 10."})
    text_metrics: bool = field(default=True, metadata={"help": "Generate text summaries and compute V2T metrics."})
    clip_model: str | None = field(
        default=None, metadata={"help": "CLIP model (Hub id or folder) for VT-CLIPScore; needs --video_dir."}
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
    from transformers import HfArgumentParser

    (args,) = HfArgumentParser(EvaluationArguments).parse_args_into_dataclasses(args=argv)
    validate_args(args)
    return args


def validate_args(args: EvaluationArguments) -> None:
    """Raises `ValueError` naming the offending values."""
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
    for name in ("per_device_eval_batch_size", "num_beams", "clip_batch_size"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.min_length > args.max_length:
        raise ValueError(f"--min_length {args.min_length} > --max_length {args.max_length}")


# ---------------------------------------------------------------------------------------------------- metrics


def references_of(dataset) -> list[np.ndarray]:
    """Annotators x frames binary labels of each video of `dataset` (its `vsum_onehot` column)."""
    return [np.asarray(onehot, dtype=np.int64) for onehot in dataset["vsum_onehot"]]


def compute_metrics(
    predictions: list[dict[str, Any]],
    dataset,
    summary_ratio: float = 0.15,
    meteor: Any = None,
) -> dict[str, float]:
    """V2V metrics when every prediction has `scores`, V2T metrics when every prediction has a `text`.

    `predictions[i]` belongs to `dataset[i]` (same order, as in `predictions.jsonl`). A video's references are its
    `vsum_onehot` truncated to the number of predicted frames (the collator truncates frames and labels alike when
    they differ, or with `--max_eval_frames`).
    """
    from vsum.metrics.video import compute_v2v

    if len(predictions) != len(dataset):
        raise ValueError(f"{len(predictions)} predictions for {len(dataset)} videos")
    for prediction, video_id in zip(predictions, dataset["video_id"]):
        if prediction.get("video_id", video_id) != video_id:
            raise ValueError(
                f"prediction for {prediction['video_id']!r} where {video_id!r} was expected (order differs)"
            )
    metrics: dict[str, float] = {}
    if all(p.get("scores") is not None for p in predictions):
        scores = [np.asarray(p["scores"], dtype=np.float64) for p in predictions]
        references = [labels[:, : len(s)] for labels, s in zip(references_of(dataset), scores)]
        metrics.update(compute_v2v(scores, references, summary_ratio=summary_ratio))
    if all(p.get("text") is not None for p in predictions):
        from vsum.metrics.text import compute_v2t

        metrics.update(compute_v2t([p["text"] for p in predictions], list(dataset["text_summary"]), meteor=meteor))
    return metrics


# ---------------------------------------------------------------------------------------------------- baselines


def uniform_scores(num_frames: int, ratio: float = 0.15) -> np.ndarray:
    """1 at `floor(ratio * T) + 1` evenly spaced frames (the length of the official summary), 0 elsewhere.

    With exactly that many ones, the official threshold rule (`vsum.metrics.video.select_summary`) selects exactly
    these frames (fewer ones would tie the threshold at 0 and select every frame).
    """
    count = min(num_frames, int(math.floor(ratio * num_frames)) + 1)
    scores = np.zeros(num_frames, dtype=np.float64)
    scores[((np.arange(count) + 0.5) * num_frames / count).astype(np.int64)] = 1.0
    return scores


def most_frequent_caption(train_dataset) -> str:
    """The most frequent `text_summary` of `train_dataset` (the first one seen among ties)."""
    texts = list(train_dataset["text_summary"])
    if not texts:
        raise ValueError("the training split is empty: no caption for the constant_text baseline")
    return Counter(texts).most_common(1)[0][0]


def baseline_predictions(
    dataset, kind: str, seed: int = 0, *, train_dataset=None, summary_ratio: float = 0.15
) -> list[dict[str, Any]]:
    """Predictions of a reference baseline for each video of `dataset`, in the format of `predictions.jsonl`.

    Args:
        dataset: the evaluated split (a `datasets.Dataset` with `video_id`, `vsum_onehot`; `text_summary` for
            `constant_text`), or a `DatasetDict` with a `train` split and exactly one other split.
        kind: `"random"` (i.i.d. uniform scores in [0, 1), seeded), `"uniform"` (`uniform_scores`: every k-th frame),
            or `"constant_text"` (the most frequent caption of the training split for every video; no scores).
        seed: seed of the random scores.
        train_dataset: the training split, for `constant_text` (taken from a `DatasetDict` when not given).
        summary_ratio: summary length ratio for `uniform` and the keyframes.

    Returns:
        `list[dict]`: `video_id`, `scores`, `keyframes` (`None` for `constant_text`) and `text` (`None` for the
        saliency baselines). Score them with `compute_metrics(predictions, dataset)`.
    """
    from vsum.processing_vsum import select_keyframes

    if kind not in BASELINE_KINDS:
        raise ValueError(f"kind must be one of {BASELINE_KINDS}, got {kind!r}")
    if hasattr(dataset, "keys") and not hasattr(dataset, "features"):  # a DatasetDict
        others = [name for name in dataset.keys() if name != "train"]
        if train_dataset is None and "train" in dataset:
            train_dataset = dataset["train"]
        if len(others) != 1:
            raise ValueError(f"pass the evaluated split itself; this DatasetDict holds {sorted(dataset.keys())}")
        dataset = dataset[others[0]]
    video_ids = list(dataset["video_id"])
    if kind == "constant_text":
        if train_dataset is None:
            raise ValueError("the constant_text baseline needs train_dataset= (the most frequent training caption)")
        caption = most_frequent_caption(train_dataset)
        return [{"video_id": v, "scores": None, "keyframes": None, "text": caption} for v in video_ids]
    rng = np.random.default_rng(seed)
    predictions = []
    for video_id, labels in zip(video_ids, references_of(dataset)):
        num_frames = labels.shape[1]
        scores = rng.random(num_frames) if kind == "random" else uniform_scores(num_frames, summary_ratio)
        predictions.append(
            {
                "video_id": video_id,
                "scores": scores.tolist(),
                "keyframes": select_keyframes(scores, summary_ratio).tolist(),
                "text": None,
            }
        )
    return predictions


# ---------------------------------------------------------------------------------------------------- model index


def build_model_index(model_name: str, metrics: dict[str, Any], dataset_name: str, split: str) -> list[dict[str, Any]]:
    """The `model-index` list of a model card (the same entries `vsum.hub` writes into trained models' cards)."""
    from vsum.hub import build_card_data

    card_data = build_card_data(model_name, metrics, dataset_name, split)
    if not card_data.eval_results:
        return []
    return card_data.to_dict()["model-index"]


# ---------------------------------------------------------------------------------------------------- outputs


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_outputs(output_dir: str | os.PathLike, predictions, metrics, model_index) -> None:
    """Writes the four output files, each through a temporary name renamed at the end."""
    import yaml

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(output_dir / PREDICTIONS_FILE, "".join(json.dumps(p) + "\n" for p in predictions))
    _write_atomic(output_dir / METRICS_FILE, json.dumps(metrics, indent=2) + "\n")
    _write_atomic(output_dir / MODEL_INDEX_JSON, json.dumps(model_index, indent=2) + "\n")
    _write_atomic(output_dir / MODEL_INDEX_YAML, yaml.safe_dump({"model-index": model_index}, sort_keys=False))


def read_predictions(path: str | os.PathLike) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---------------------------------------------------------------------------------------------------- evaluation


@torch.no_grad()
def predict(model, processor, dataloader, accelerator, args: EvaluationArguments, summary_ratio: float) -> list[dict]:
    """Per-video predictions in dataset order (on every process), gathered so that each video counts once.

    In the style of `vsum.training.evaluate`: logits, masks, indices and generated ids are padded across processes and
    gathered with `gather_for_metrics` (which drops the samples repeated to even out the last batch).
    """
    from tqdm.auto import tqdm

    pad_id = model.config.text_config.pad_token_id
    records: dict[int, dict[str, Any]] = {}
    for batch in tqdm(dataloader, desc="evaluate", disable=not accelerator.is_local_main_process):
        inputs = {k: batch[k] for k in ("pixel_values", "frame_embeds", "frame_mask") if k in batch}
        outputs = model(**inputs)
        logits = accelerator.pad_across_processes(outputs.saliency_logits.float(), dim=1, pad_index=0)
        mask = accelerator.pad_across_processes(batch["frame_mask"].long(), dim=1, pad_index=0)
        gathered = [logits, mask, batch["example_index"]]
        if args.text_metrics:
            sequences = model.generate(  # reuses the forward's frame features: ViT and temporal modules run once
                frame_features=outputs.frame_features,
                frame_mask=outputs.frame_mask,
                num_beams=args.num_beams,
                max_length=args.max_length,
                min_length=args.min_length,
            )
            gathered.append(accelerator.pad_across_processes(sequences, dim=1, pad_index=pad_id))
        gathered = accelerator.gather_for_metrics(tuple(gathered))
        summaries = processor.post_process_summary(gathered[0], gathered[1], ratio=summary_ratio)
        texts = processor.batch_decode(gathered[3]) if args.text_metrics else [None] * len(summaries)
        for index, summary, text in zip(gathered[2].tolist(), summaries, texts):
            records[index] = {
                "scores": summary["scores"],
                "keyframes": summary["keyframes"],
                "segments": summary["segments"],
                "text": text,
            }
    return [records[index] for index in sorted(records)]


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
    from vsum.training import DataArguments, IndexedCollator, load_splits

    accelerator = Accelerator()
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    set_seed(args.seed)
    from vsum.loading import load_model_and_processor

    model, processor = load_model_and_processor(
        args.model_name_or_path, device="cpu", trust_remote_code=args.trust_remote_code
    )
    model = model.to(accelerator.device).eval()  # inference only: no DDP wrapper needed
    summary_ratio = args.summary_ratio or model.config.summary_ratio
    fps = args.fps or processor.video_processor.fps

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

    records = predict(model, processor, dataloader, accelerator, args, summary_ratio)
    if len(records) != len(dataset):
        raise RuntimeError(f"gathered {len(records)} predictions for {len(dataset)} videos")

    result: list[Any] = [None]
    if accelerator.is_main_process:
        predictions = [{"video_id": video_id, **record} for video_id, record in zip(dataset["video_id"], records)]
        metrics: dict[str, Any] = compute_metrics(predictions, dataset, summary_ratio=summary_ratio)
        if args.clip_model is not None:
            metrics.update(clip_scores(args, dataset, predictions, summary_ratio, fps))
        metrics.update(
            num_videos=len(predictions),
            split=args.split,
            dataset=args.dataset_name,
            model=args.model_name_or_path,
            num_processes=accelerator.num_processes,
            summary_ratio=summary_ratio,
            generation={"num_beams": args.num_beams, "max_length": args.max_length, "min_length": args.min_length}
            if args.text_metrics
            else None,
        )
        model_name = os.path.basename(os.path.normpath(args.model_name_or_path))
        model_index = build_model_index(model_name, metrics, args.dataset_name, args.split)
        write_outputs(args.output_dir, predictions, metrics, model_index)
        logger.info("metrics: %s", json.dumps({k: v for k, v in metrics.items() if isinstance(v, float)}))
        result = [metrics]
    broadcast_object_list(result, from_process=0)
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return result[0]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parses `argv` (default: `sys.argv[1:]`), evaluates, writes the outputs and returns the metrics."""
    return evaluation_function(parse_args(sys.argv[1:] if argv is None else list(argv)))


if __name__ == "__main__":
    main()

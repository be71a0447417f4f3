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
  `scripts/convert_vt_clip.py`): CLIP needs the video frames, decoded again with `--video_dir` (cached BLIP features
  are not CLIP features), or the official precomputed CLIP frame features with `--features_dir` and
  `--vt_clip_features_dir feat/vt_clipscore` (one `<video_id>.npz` per video, array `vision` of shape
  `(frames, projection_dim)`; like the official loader, a video whose CLIP features are shorter than its annotation
  is evaluated, every metric included, on its first `len(vision)` frames only). It runs on the main process.
  `--clip_text_positions videoxum_batch` reproduces the official handling of texts longer than 77 tokens (256 tokens,
  position table resampled to the longest text of each batch of `--clip_text_batch_size` texts: batch-dependent).

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
    vt_clip_features_dir: str | None = field(
        default=None,
        metadata={
            "help": "The official precomputed CLIP frame features (feat/vt_clipscore): <video_id>.npz with an array "
            "'vision' (frames, projection_dim). Needs --features_dir and --clip_model (for the text encoder)."
        },
    )
    clip_text_positions: str = field(
        default="none",
        metadata={
            "help": "'none': each text position keeps its learned embedding; 'videoxum_batch': the official rule "
            "(256 tokens, position table resampled to the longest text of each batch: batch-dependent)."
        },
    )
    clip_max_text_tokens: int | None = field(
        default=None,
        metadata={"help": "Tokens kept per text (default: the CLIP model's positions; 256 with videoxum_batch)."},
    )
    clip_text_batch_size: int | None = field(
        default=None,
        metadata={"help": "Texts per CLIP forward pass, in dataset order (default: --per_device_eval_batch_size)."},
    )
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
    if args.vt_clip_features_dir is not None:
        if args.features_dir is None:
            raise ValueError(
                "--vt_clip_features_dir is the official protocol on cached features: pass --features_dir (with "
                "--video_dir, --clip_model encodes the decoded frames instead)"
            )
        if args.clip_model is None:
            raise ValueError("--vt_clip_features_dir needs --clip_model (its text encoder scores the text summaries)")
        if not os.path.isdir(args.vt_clip_features_dir):
            raise ValueError(f"--vt_clip_features_dir {args.vt_clip_features_dir} is not a folder")
    if args.clip_model is not None and args.video_dir is None and args.vt_clip_features_dir is None:
        raise ValueError(
            "--clip_model needs the video frames: pass --video_dir, or --vt_clip_features_dir with the official "
            "precomputed CLIP features (cached BLIP features are not CLIP features)"
        )
    if args.clip_text_positions not in ("none", "videoxum_batch"):
        raise ValueError(f"--clip_text_positions must be 'none' or 'videoxum_batch', got {args.clip_text_positions!r}")
    if args.clip_model is not None and not args.text_metrics:
        raise ValueError("--clip_model scores the generated text summary: it needs --text_metrics (the default)")
    for name in (
        "per_device_eval_batch_size",
        "num_beams",
        "clip_batch_size",
        "clip_text_batch_size",
        "clip_max_text_tokens",
        "max_length",
        "min_length",
    ):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name} must be >= 1, got {value}")
    if args.min_length is not None and args.max_length is not None and args.min_length > args.max_length:
        raise ValueError(f"--min_length {args.min_length} > --max_length {args.max_length}")
    if args.update_model_card is not None and not os.path.isfile(os.path.join(args.update_model_card, "README.md")):
        raise ValueError(f"--update_model_card {args.update_model_card}: no model card (README.md) in that folder")


VT_CLIP_FEATURE_KEY = "vision"
"""Array of the official precomputed VT-CLIPScore features (`feat/vt_clipscore/<video_id>.npz`) holding the frames."""


def _vt_clip_path(directory: str, video_id: str) -> str:
    return os.path.join(directory, f"{video_id}.npz")


def read_vt_clip_lengths(directory: str, video_ids: list[str], projection_dim: int) -> dict[str, int]:
    """Frame count of the official CLIP features of each video, read from the `.npz` headers (no data loaded).

    Raises:
        `ValueError`: naming the video and the file, for a missing file, a missing `vision` array or a shape other
        than `(frames >= 1, projection_dim)`.
    """
    from vsum.data.videoxum import _npz_array_header

    lengths = {}
    for video_id in video_ids:
        path = _vt_clip_path(directory, video_id)
        if not os.path.isfile(path):
            raise ValueError(f"VT-CLIP features of video_id={video_id!r}: no file {path}")
        try:
            shape, dtype = _npz_array_header(path, VT_CLIP_FEATURE_KEY)
        except Exception as error:  # zipfile, numpy and OS errors alike, and a missing array: name the file
            raise ValueError(f"VT-CLIP features of video_id={video_id!r}: cannot read {path}: {error}") from None
        if len(shape) != 2 or shape[0] < 1 or shape[1] != projection_dim or dtype.kind not in "fiu":
            raise ValueError(
                f"VT-CLIP features of video_id={video_id!r}: {path}[{VT_CLIP_FEATURE_KEY!r}] must be a numeric "
                f"(frames, {projection_dim}) array for this CLIP model, got shape {shape} dtype {dtype}"
            )
        lengths[video_id] = int(shape[0])
    return lengths


def load_vt_clip_features(directory: str, video_id: str, num_frames: int) -> np.ndarray:
    """The first `num_frames` official CLIP frame features of a video, float32; non-finite values are an error."""
    path = _vt_clip_path(directory, video_id)
    with np.load(path, allow_pickle=False) as archive:
        features = np.asarray(archive[VT_CLIP_FEATURE_KEY][:num_frames], dtype=np.float32)
    if not np.isfinite(features).all():
        raise ValueError(f"VT-CLIP features of video_id={video_id!r}: {path} holds NaN/inf values")
    return features


def clip_length_limits(
    dataset, clip_lengths: dict[str, int], max_examples: int = 5
) -> tuple[dict[str, int], str | None]:
    """The official rule: a video whose CLIP features are shorter than its annotation is evaluated on its first
    `len(vision)` frames. Returns `{video_id: frames}` for those videos and a one-line warning (or `None`)."""
    shorter = [
        (video_id, clip_lengths[video_id], num_frames)
        for video_id, num_frames in zip(dataset["video_id"], dataset["num_frames"])
        if clip_lengths[video_id] < num_frames
    ]
    if not shorter:
        return {}, None
    examples = ", ".join(f"{video_id} ({clip} of {num})" for video_id, clip, num in shorter[:max_examples])
    more = f" and {len(shorter) - max_examples} more" if len(shorter) > max_examples else ""
    return {video_id: clip for video_id, clip, _ in shorter}, (
        f"{len(shorter)} of {len(dataset)} videos have fewer VT-CLIP feature frames than annotated frames: as the "
        f"official loader, they are evaluated (every metric) on their first CLIP frames only: {examples}{more}"
    )


class TruncatingCollator:
    """Cuts the rows of the videos in `limits` to their first `limits[video_id]` frames (features and labels), then
    calls `collator`: the model sees only those frames, as in the official evaluation."""

    def __init__(self, collator, limits: dict[str, int]):
        self.collator = collator
        self.limits = limits

    def __call__(self, rows: list[dict[str, Any]]) -> Any:
        cut = []
        for row in rows:
            limit = self.limits.get(row.get("video_id"))
            if limit is not None:
                row = dict(row)
                row["frame_embeds"] = row["frame_embeds"][:limit]
                row["vsum_onehot"] = [labels[:limit] for labels in row["vsum_onehot"]]
            cut.append(row)
        return self.collator(cut)


class _LazyFrames:
    """A list-like of the frames of each video, read one video at a time when indexed (memory: one video)."""

    def __init__(self, count: int, load):
        self.count, self.load = count, load

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int):
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self.load(index)


def clip_scores(args: EvaluationArguments, dataset, predictions, summary_ratio: float, fps: float) -> dict[str, float]:
    """VT-CLIPScore: frames from the official CLIP features (`--vt_clip_features_dir`) or decoded again at `fps` (the
    first `len(scores)` samples), read one video at a time; texts encoded `--clip_text_batch_size` at a time."""
    from vsum.metrics.clipscore import load_clip, vt_clipscore_per_video
    from vsum.processing_vsum import iter_video_frames

    clip_model, clip_processor = load_clip(args.clip_model)
    video_ids = list(dataset["video_id"])

    def load(index: int) -> np.ndarray:
        num_frames = len(predictions[index]["scores"])
        if args.vt_clip_features_dir is not None:
            return load_vt_clip_features(args.vt_clip_features_dir, video_ids[index], num_frames)
        video = dataset[index]["video"]
        return np.concatenate([chunk for chunk, _ in iter_video_frames(video, fps)])[:num_frames]

    values = vt_clipscore_per_video(
        [p["text"] for p in predictions],
        _LazyFrames(len(predictions), load),
        [p["scores"] for p in predictions],
        model=clip_model,
        processor=clip_processor,
        summary_ratio=summary_ratio,
        batch_size=args.clip_batch_size,
        max_text_tokens=args.clip_max_text_tokens,
        text_position_interpolation=args.clip_text_positions,
        text_batch_size=args.clip_text_batch_size or args.per_device_eval_batch_size,
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
    collator = VsumDataCollator(processor, max_frames=args.max_eval_frames, fps=fps)
    if args.vt_clip_features_dir is not None:  # checked before the (long) predictions
        from transformers import AutoConfig

        projection_dim = AutoConfig.from_pretrained(args.clip_model).projection_dim
        clip_lengths = read_vt_clip_lengths(args.vt_clip_features_dir, list(dataset["video_id"]), projection_dim)
        limits, warning = clip_length_limits(dataset, clip_lengths)
        if warning and accelerator.is_main_process:
            logger.warning(warning)
        collator = TruncatingCollator(collator, limits)
    dataloader = DataLoader(
        dataset,
        batch_size=args.per_device_eval_batch_size,
        shuffle=False,
        collate_fn=IndexedCollator(collator),
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

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Reusable pieces of `scripts/train.py`: argument dataclasses, model/data construction, checkpoints, evaluation.

`scripts/train.py` keeps the training loop readable (in the style of accelerate's `examples/by_feature/*.py`); what
it needs that is not specific to one loop lives here so that tests can call it directly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch

from .io_utils import atomic_folder, atomic_path, atomic_write_json, atomic_write_text


logger = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "checkpoint-"
TRAINING_STATE_FILE = "training_state.json"
EVAL_LOG_FILE = "eval_log.jsonl"
OPTIMIZER_IMPLEMENTATIONS = ("fused", "foreach", "for-loop")
#: Parameters without weight decay (matched as substrings of their names).
NO_DECAY = ("bias", "layer_norm", "LayerNorm", "position_embeddings", "log_bandwidth")
LORA_MODULES_TO_SAVE = ("temporal_encoder", "local_attention", "saliency_head")
# Batch keys the model's forward takes; everything else the collator returns (ids, timestamps) stays out.
MODEL_INPUT_KEYS = (
    "pixel_values",
    "frame_embeds",
    "frame_mask",
    "vsum_labels",
    "input_ids",
    "attention_mask",
    "labels",
)


# ---------------------------------------------------------------------------------------------------- arguments


@dataclass
class ModelArguments:
    """Which model to start from and how to change it (ablations, PEFT)."""

    model_name_or_path: str = field(
        default="Salesforce/blip-image-captioning-base",
        metadata={
            "help": "A BLIP captioning checkpoint (weights copied by VsumModel.from_blip), a vsum checkpoint folder "
            "(config model_type 'vsum'), or 'tiny' for a tiny random model with a SynthXum vocabulary."
        },
    )
    trust_remote_code: bool = field(
        default=False,
        metadata={"help": "Load a vsum checkpoint with its own remote code (runs code from the checkpoint)."},
    )
    temporal_num_layers: int | None = field(default=None, metadata={"help": "TT layers (0 = the 'Base' ablation)."})
    local_attention_window: int | None = field(default=None, metadata={"help": "Local attention radius k (0 = off)."})
    local_attention_type: str | None = field(default=None, metadata={"help": "'hard' (paper) or 'rbf'."})
    vsum_loss_weight: float = field(default=15.0, metadata={"help": "Weight of the saliency BCE loss."})
    tsum_loss_weight: float = field(default=1.0, metadata={"help": "Weight of the text cross-entropy loss."})
    tsum_label_smoothing: float | None = field(
        default=None,
        metadata={
            "help": "Label smoothing of the text cross-entropy (official VideoXum: 0.1); unset keeps the model's."
        },
    )
    freeze_vision: bool = field(
        default=True, metadata={"help": "Keep the BLIP ViT frozen (as the official code does)."}
    )
    model_config_overrides: dict | str | None = field(
        default=None,
        metadata={
            "help": "Other `VsumConfig` fields of the model built (architecture, loss, initialisation; see "
            "docs/model.md), like run_clm's --config_overrides: `key=value,key=value` (values read as JSON: true, "
            "null, 1e-6; else text) or a JSON object; in a yaml config a mapping. Merged key by key over the yaml's "
            "(the command line wins). Fields with their own flag (--temporal_num_layers, ...) are set there."
        },
    )
    lora_r: int = field(default=0, metadata={"help": "LoRA rank on the text decoder; 0 trains it fully."})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA alpha."})
    lora_dropout: float = field(default=0.05, metadata={"help": "LoRA dropout."})
    lora_target_modules: list[str] = field(
        default_factory=lambda: ["query", "value"],
        metadata={"help": "Module names that get LoRA adapters (the text decoder's attention projections)."},
    )


@dataclass
class DataArguments:
    """Where the data comes from: VideoXum-style annotations plus cached features (fast) or videos (slow)."""

    data_dir: str | None = field(
        default=None, metadata={"help": "Folder with train/val/test_videoxum.json (VideoXum or SynthXum)."}
    )
    features_dir: str | None = field(default=None, metadata={"help": "Cached <video_id>.npz frame features."})
    video_dir: str | None = field(default=None, metadata={"help": "Raw videos (decoded at `fps` while training)."})
    dataset_name: str = field(default="VideoXum", metadata={"help": "Dataset name for logs and the model card."})
    synthxum_num_videos: int = field(
        default=0,
        metadata={"help": "If > 0 and `data_dir` holds no dataset, generate a SynthXum set of this many videos there."},
    )
    synthxum_min_duration: float = field(default=8.0, metadata={"help": "SynthXum: shortest video (s)."})
    synthxum_max_duration: float = field(default=20.0, metadata={"help": "SynthXum: longest video (s)."})
    synthxum_seed: int = field(default=0, metadata={"help": "SynthXum generation seed."})
    max_train_frames: int | None = field(default=512, metadata={"help": "At most this many frames per training video."})
    max_eval_frames: int | None = field(default=None, metadata={"help": "At most this many frames per eval video."})
    fps: float = field(default=1.0, metadata={"help": "Frame sampling rate for raw videos."})
    max_train_samples: int | None = field(default=None, metadata={"help": "Truncate the training split (debugging)."})
    max_eval_samples: int | None = field(default=None, metadata={"help": "Truncate the evaluation split (debugging)."})
    eval_split: str = field(default="validation", metadata={"help": "Split used for evaluation and model selection."})
    cache_dir: str | None = field(default=None, metadata={"help": "datasets cache folder."})
    h5: str | None = field(
        default=None,
        metadata={
            "help": "Keyshot mode (TVSum/SumMe): a canonical HDF5 file (eccv16_dataset_tvsum_google_pool5.h5 layout). "
            "A video-only model is trained on its `features` with `gtscore` as the saliency target and the final "
            "model is scored on the fold's test keys with the canonical keyshot protocol (docs/training.md)."
        },
    )
    split_file: str | None = field(
        default=None, metadata={"help": "Keyshot mode: the 5-fold split file (DSNet yml / PGL-SUM json layout)."}
    )
    fold: int = field(default=0, metadata={"help": "Keyshot mode: the fold (0-based index into --split_file)."})
    user_scores_tsv: str | None = field(
        default=None,
        metadata={
            "help": "Keyshot mode, TVSum: ydata-anno.tsv (per-user importance scores) for Kendall's tau / Spearman's rho "
            "against each user's scores (Otani et al.); without it (and without `user_scores` in the h5) they are "
            "computed against the user summaries."
        },
    )


@dataclass
class VsumTrainingArguments:
    """Optimisation, evaluation, checkpointing and export. Defaults are this project's recipe (docs/training.md: how it
    differs from the official VideoXum recipe, which `configs/videoxum_official.yaml` reproduces)."""

    output_dir: str = field(default="outputs/vsum", metadata={"help": "Checkpoints, logs and the exported model."})
    overwrite_output_dir: bool = field(
        default=False,
        metadata={
            "help": "Start over in an --output_dir that holds a previous run (its eval log, checkpoints, best/ and "
            "final/ are deleted). Without it (or --resume_from_checkpoint) such a folder is refused."
        },
    )
    seed: int = field(default=42, metadata={"help": "Seed of the model init, the data order and dropout."})
    learning_rate: float = field(default=2e-5, metadata={"help": "AdamW learning rate."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay (the official code used 0.05)."})
    weight_decay_all_parameters: bool = field(
        default=False,
        metadata={
            "help": "Apply the weight decay to every parameter (the official code); by default biases, LayerNorms, "
            "position embeddings and the RBF bandwidth are not decayed."
        },
    )
    adam_beta1: float = field(default=0.9)
    adam_beta2: float = field(default=0.999)
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm; 0 turns clipping off."})
    per_device_train_batch_size: int = field(default=16)
    per_device_eval_batch_size: int = field(default=16)
    gradient_accumulation_steps: int = field(default=1)
    num_train_epochs: int = field(default=28)
    max_train_steps: int | None = field(default=None, metadata={"help": "Overrides num_train_epochs when set."})
    lr_scheduler_type: str = field(
        default="cosine",
        metadata={
            "help": "'cosine': linear warmup (--warmup_ratio) then cosine decay, updated every step; "
            "'cosine_per_epoch': the official VideoXum/BLIP schedule, lr = lr0 * (1 + cos(pi * epoch / epochs)) / 2, "
            "constant within an epoch, no warmup."
        },
    )
    warmup_ratio: float = field(
        default=0.05, metadata={"help": "Fraction of the steps with linear warmup (then cosine)."}
    )
    stop_after_steps: int | None = field(
        default=None,
        metadata={
            "help": "Save a checkpoint and exit after this many optimizer steps in total, without changing the "
            "schedule (for time-limited jobs: resume with --resume_from_checkpoint latest)."
        },
    )
    checkpointing_steps: int | None = field(
        default=None, metadata={"help": "Save the training state every N optimizer steps (and at every epoch end)."}
    )
    checkpoints_total_limit: int | None = field(default=3, metadata={"help": "Keep only the last K checkpoints."})
    resume_from_checkpoint: str | None = field(default=None, metadata={"help": "'latest' or a checkpoint folder."})
    do_eval: bool = field(default=True, metadata={"help": "Evaluate on `eval_split` (never the test split)."})
    eval_steps: int | None = field(default=None, metadata={"help": "Evaluate every N steps instead of every epoch."})
    metric_for_best_model: str = field(
        default="combined_score",
        metadata={
            "help": "Metric selecting the `best` folder (ties go to the later evaluation). Default `combined_score`: "
            "a model good at both summaries, the mean of f1_mean / 100 and a text score in [0, 1] (CIDEr / 100 capped "
            "at 1 with --text_metrics, else exp(-tsum_loss)); see vsum.evaluation.combined_score."
        },
    )
    greater_is_better: bool = field(default=True)
    load_best_model_at_end: bool | None = field(
        default=None,
        metadata={
            "help": "Export (and push) the best model by --metric_for_best_model as `final/` instead of the last "
            "one. Default: on when evaluating."
        },
    )
    text_metrics: bool = field(
        default=True, metadata={"help": "Generate summaries and compute BLEU/METEOR/ROUGE/CIDEr."}
    )
    num_beams: int | None = field(
        default=None,
        metadata={"help": "Beams for the evaluation's summaries (default: the model's generation_config)."},
    )
    max_length: int | None = field(default=None, metadata={"help": "Default: the model's generation_config."})
    length_normalization: str | None = field(
        default=None,
        metadata={
            "help": "Beam-search score of a finished summary, for the evaluation and the exported generation_config: "
            "'generated' (transformers: log-probability / generated tokens ** length_penalty) or 'videoxum' "
            "(transformers 4.15, the official code's pin: / whole sequence, prompt included). Default: the model's "
            "generation_config ('generated' for a new model)."
        },
    )
    min_length: int | None = field(default=None, metadata={"help": "Default: the model's generation_config."})
    logging_steps: int = field(default=10)
    report_to: str = field(
        default="auto", metadata={"help": "'auto' (tensorboard if installed), 'none', or a tracker."}
    )
    verbose: bool = field(
        default=False,
        metadata={
            "aliases": ["-v"],
            "help": "Also log the libraries' details (accelerate's checkpoint lines, shared-tensor warnings).",
        },
    )
    dataloader_num_workers: int = field(default=0)
    export_dir_name: str = field(
        default="final", metadata={"help": "Subfolder of output_dir with the Hub-ready model."}
    )
    merge_lora: bool = field(
        default=True,
        metadata={
            "help": "Export LoRA models merged into their base (a self-contained VsumModel that loads without peft); "
            "--no_merge_lora exports the adapters only (needs a base anyone can load: a vsum checkpoint or Hub id)."
        },
    )
    push_to_hub: bool = field(default=False)
    hub_model_id: str | None = field(default=None, metadata={"help": "ORG/NAME of the Hub repository."})
    hub_private: bool = field(default=False)
    hub_token: str | None = field(default=None)
    optimizer_implementation: str = field(
        default="fused",
        metadata={
            "help": "AdamW kernels: 'fused' (one fused kernel per step, CPU and CUDA), 'foreach' (multi-tensor) or "
            "'for-loop' (one kernel per tensor, torch's CPU default). Same updates; fused measured fastest "
            "(benchmarks/train_step.py)."
        },
    )
    mixed_precision: str = field(
        default="auto",
        metadata={
            "help": "'auto': bf16 autocast where the hardware multiplies bf16 natively (GPUs with bf16; CPUs with "
            "AVX512-BF16 or AMX), else none, unless `accelerate launch --mixed_precision` chose; or 'no' (exact "
            "float32), 'bf16', 'fp16'. Weights and optimizer state stay float32 either way."
        },
    )
    torch_compile: bool = field(
        default=False,
        metadata={
            "help": "Compile the model with torch.compile (inductor, through accelerate's dynamo plugin; "
            "`accelerate launch --dynamo_backend` does the same). The first steps compile; measured in "
            "benchmarks/train_step.py."
        },
    )
    offload_vision_model: bool = field(
        default=True,
        metadata={
            "help": "With --features_dir: keep the ViT (never run on cached features) in "
            "<output_dir>/frozen_vision_model.safetensors instead of memory during training; exports put it back."
        },
    )


ARGUMENT_CLASSES = (ModelArguments, DataArguments, VsumTrainingArguments)
LR_SCHEDULER_TYPES = ("cosine", "cosine_per_epoch")
#: Key of a yaml config naming the config (relative to its own folder) whose values it starts from.
CONFIG_EXTENDS_KEY = "extends"


def load_config(path: str | os.PathLike, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The argument values of a yaml config, with `extends: other.yaml` resolved (the file's own values win).

    Raises:
        `ValueError`: for a missing file, a file that is not a mapping, or a cycle of `extends`.
    """
    import yaml

    path = Path(path).resolve()
    if path in _seen:
        raise ValueError(f"config {path}: `{CONFIG_EXTENDS_KEY}` cycle through {[str(p) for p in _seen]}")
    if not path.is_file():
        raise ValueError(f"config {path} not found")
    with open(path, encoding="utf-8") as handle:
        values = yaml.safe_load(handle) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path} must hold a mapping of argument names to values, got {type(values).__name__}")
    parent = values.pop(CONFIG_EXTENDS_KEY, None)
    if parent is None:
        return values
    return merge_config_values(load_config(path.parent / parent, (*_seen, path)), values)


#: The argument whose value is a mapping: configs merge it key by key instead of replacing it.
MODEL_CONFIG_OVERRIDES = "model_config_overrides"


def merge_config_values(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`{**base, **update}`, except that `model_config_overrides` mappings are merged key by key (`update` wins)."""
    merged = {**base, **update}
    if base.get(MODEL_CONFIG_OVERRIDES) is not None and update.get(MODEL_CONFIG_OVERRIDES) is not None:
        merged[MODEL_CONFIG_OVERRIDES] = {
            **parse_model_config_overrides(base[MODEL_CONFIG_OVERRIDES]),
            **parse_model_config_overrides(update[MODEL_CONFIG_OVERRIDES]),
        }
    return merged


#: `VsumConfig` fields that `model_config_overrides` leaves alone: the checkpoint and processor decide them.
_FIELDS_FROM_CHECKPOINT = ("vision_config", "text_config", "prompt_token_ids")


def _parse_scalar(text: str) -> Any:
    """A command-line value: JSON (`true`, `null`, `1e-6`, `[1, 2]`), Python's `None`/`True`/`False`, else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return {"None": None, "True": True, "False": False}.get(text, text)


def _matches(value: Any, annotation: Any) -> bool:
    import typing

    origin = typing.get_origin(annotation)
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation in (int, float):  # an int is a valid float; a bool is neither
        return isinstance(value, (int, float) if annotation is float else int) and not isinstance(value, bool)
    return isinstance(value, origin or annotation) if isinstance(origin or annotation, type) else True


def parse_model_config_overrides(value: dict | str | None) -> dict[str, Any]:
    """`model_config_overrides` as a dict of `VsumConfig` fields, from a mapping, a JSON object or `key=value,...`.

    Raises:
        `ValueError` (one line): an item that is not `key=value`, a field `VsumConfig` does not have, one with its own
        argument or decided by the checkpoint, or a value of another type than the field's.
    """
    import types
    import typing

    from .configuration_vsum import VsumConfig

    if value is None:
        return {}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError as error:
                raise ValueError(f"{MODEL_CONFIG_OVERRIDES}: not a JSON object ({error})") from None
        else:
            value = {}
            for item in filter(None, (part.strip() for part in text.split(","))):
                key, equals, raw = item.partition("=")
                if not equals:
                    raise ValueError(f"{MODEL_CONFIG_OVERRIDES}: {item!r} is not key=value")
                value[key.strip()] = _parse_scalar(raw.strip())
    if not isinstance(value, dict):
        raise ValueError(f"{MODEL_CONFIG_OVERRIDES} must be a mapping of VsumConfig fields, got {value!r}")
    annotations = VsumConfig.__annotations__
    unknown = sorted(key for key in value if key not in annotations)
    if unknown:
        raise ValueError(
            f"{MODEL_CONFIG_OVERRIDES}: unknown VsumConfig field(s) {unknown}; fields: "
            f"{', '.join(k for k in annotations if k not in _FIELDS_FROM_CHECKPOINT)}"
        )
    own_arguments = {f.name for f in fields(ModelArguments)}
    parsed = {}
    for key, item in value.items():
        if key in own_arguments:
            raise ValueError(f"{MODEL_CONFIG_OVERRIDES}: {key} has its own argument: use --{key}")
        if key in _FIELDS_FROM_CHECKPOINT:
            raise ValueError(f"{MODEL_CONFIG_OVERRIDES}: {key} comes from the checkpoint (--model_name_or_path)")
        annotation = annotations[key]
        union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
        allowed = typing.get_args(annotation) if union else (annotation,)
        if isinstance(item, str) and str not in allowed:
            item = _parse_scalar(item)  # yaml reads `1e-6` (no dot) as text
        if not any(_matches(item, option) for option in allowed):
            names = " or ".join("None" if t is type(None) else getattr(t, "__name__", str(t)) for t in allowed)
            raise ValueError(f"{MODEL_CONFIG_OVERRIDES}: {key} must be {names}, got {item!r}")
        parsed[key] = item
    return parsed


def build_parser():
    """`HfArgumentParser` over the three argument classes plus `--config` (abbreviations off: `--learning_rat` is an
    error, not the learning rate)."""
    from .script_utils import ArgumentParser, HfArgumentParser  # one-line errors, "did you mean" for unknown flags

    config_parser = ArgumentParser(add_help=False, allow_abbrev=False)
    config_parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="YAML",
        help="yaml file of argument values (`extends: base.yaml` starts from another file); repeat it to merge "
        "several files, later ones win; flags on the command line win over all of them.",
    )
    return HfArgumentParser(ARGUMENT_CLASSES, allow_abbrev=False, parents=[config_parser]), config_parser


def parse_args(argv: list[str] | None = None) -> tuple[ModelArguments, DataArguments, VsumTrainingArguments]:
    """Parses `--config file.yaml` (optional, repeatable) and command-line flags; flags given on the command line win.

    Raises:
        `ValueError`: for a yaml key that is no argument, or inconsistent values.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, config_parser = build_parser()
    config_paths = config_parser.parse_known_args(argv)[0].config
    values: dict[str, Any] = {}
    for config_path in config_paths:
        values = merge_config_values(values, load_config(config_path))
    configured_overrides = parse_model_config_overrides(values.pop(MODEL_CONFIG_OVERRIDES, None))
    if values:
        known = {f.name for cls in ARGUMENT_CLASSES for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{', '.join(config_paths)}: unknown argument(s) {unknown}")
        parser.set_defaults(**values)
    model_args, data_args, train_args = parser.parse_args_into_dataclasses(args=argv)[:3]
    # The command line's overrides go over the configs' key by key (a flag for one field keeps the others).
    model_args.model_config_overrides = {
        **configured_overrides,
        **parse_model_config_overrides(model_args.model_config_overrides),
    }
    validate_args(model_args, data_args, train_args)
    return model_args, data_args, train_args


def validate_args(model_args: ModelArguments, data_args: DataArguments, train_args: VsumTrainingArguments) -> None:
    """Raises `ValueError` naming the offending values; resolves `load_best_model_at_end` (default: `do_eval`)."""
    keyshot = is_keyshot_run(data_args)
    if keyshot:
        validate_keyshot_args(model_args, data_args, train_args)
    elif data_args.data_dir is None:
        raise ValueError("--data_dir is required (the folder with the *_videoxum.json files)")
    if not keyshot and (data_args.features_dir is None) == (data_args.video_dir is None):
        raise ValueError(
            f"pass exactly one of --features_dir (cached features) or --video_dir (raw videos); got "
            f"features_dir={data_args.features_dir!r}, video_dir={data_args.video_dir!r}"
        )
    if data_args.eval_split == "test":
        raise ValueError("eval_split='test': model selection on the test split is not allowed; use 'validation'")
    if model_args.lora_r < 0:
        raise ValueError(f"lora_r must be >= 0, got {model_args.lora_r}")
    if model_args.local_attention_type not in (None, "hard", "rbf"):
        raise ValueError(f"local_attention_type must be 'hard' or 'rbf', got {model_args.local_attention_type!r}")
    model_args.model_config_overrides = parse_model_config_overrides(model_args.model_config_overrides)
    if train_args.length_normalization is not None:
        from .configuration_vsum import LENGTH_NORMALIZATIONS

        if train_args.length_normalization not in LENGTH_NORMALIZATIONS:
            raise ValueError(
                f"length_normalization must be one of {LENGTH_NORMALIZATIONS}, got {train_args.length_normalization!r}"
            )
    if model_args.tsum_label_smoothing is not None and not 0.0 <= model_args.tsum_label_smoothing < 1.0:
        raise ValueError(f"tsum_label_smoothing must be in [0, 1), got {model_args.tsum_label_smoothing}")
    if train_args.resume_from_checkpoint not in (None, "latest") and not os.path.isdir(
        train_args.resume_from_checkpoint
    ):
        raise ValueError(
            f"resume_from_checkpoint={train_args.resume_from_checkpoint!r} is neither 'latest' nor a folder"
        )
    if train_args.resume_from_checkpoint and train_args.overwrite_output_dir:
        raise ValueError("--resume_from_checkpoint and --overwrite_output_dir exclude each other: continue or restart")
    if train_args.push_to_hub and not train_args.hub_model_id:
        raise ValueError("--push_to_hub needs --hub_model_id ORG/NAME")
    if model_args.lora_r and not train_args.merge_lora and model_args.model_name_or_path == "tiny":
        raise ValueError(
            "--no_merge_lora with --model_name_or_path tiny: the adapters' base is a random model saved nowhere, so the "
            "export could not be loaded; drop --no_merge_lora (the export is then the merged, self-contained model)"
        )
    for name in ("per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps"):
        if getattr(train_args, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(train_args, name)}")
    if train_args.optimizer_implementation not in OPTIMIZER_IMPLEMENTATIONS:
        raise ValueError(
            f"optimizer_implementation must be one of {OPTIMIZER_IMPLEMENTATIONS}, "
            f"got {train_args.optimizer_implementation!r}"
        )
    if train_args.mixed_precision not in ("auto", "no", "bf16", "fp16"):
        raise ValueError(f"mixed_precision must be auto, no, bf16 or fp16, got {train_args.mixed_precision!r}")
    if not 0.0 <= train_args.warmup_ratio < 1.0:
        raise ValueError(f"warmup_ratio must be in [0, 1), got {train_args.warmup_ratio}")
    if train_args.lr_scheduler_type not in LR_SCHEDULER_TYPES:
        raise ValueError(f"lr_scheduler_type must be one of {LR_SCHEDULER_TYPES}, got {train_args.lr_scheduler_type!r}")
    if train_args.lr_scheduler_type == "cosine_per_epoch" and train_args.warmup_ratio:
        raise ValueError(
            f"lr_scheduler_type='cosine_per_epoch' has no warmup; got warmup_ratio={train_args.warmup_ratio} (set 0)"
        )
    if train_args.max_grad_norm < 0:
        raise ValueError(f"max_grad_norm must be >= 0 (0 = no clipping), got {train_args.max_grad_norm}")
    if train_args.load_best_model_at_end is None:
        train_args.load_best_model_at_end = train_args.do_eval
    elif train_args.load_best_model_at_end and not train_args.do_eval:
        raise ValueError("--load_best_model_at_end needs an evaluation (drop --no_do_eval)")


# ---------------------------------------------------------------------------------------------------- output folder

#: Where a run on cached features keeps its ViT (`OffloadedVisionModel`).
OFFLOADED_VISION_FILE = "frozen_vision_model.safetensors"
#: What a run writes into `--output_dir` (a previous run is recognised by these; only these are deleted).
RUN_OUTPUTS = ("checkpoints", "best", "eval_log.jsonl", "logs", OFFLOADED_VISION_FILE)


#: The temporary folders `vsum.io_utils.atomic_folder` makes for `checkpoints/checkpoint-<step>` (`.tmp` while it is
#: written, `.old` while a previous one is moved aside): what a killed checkpoint write leaves behind.
STALE_CHECKPOINT_TEMP = re.compile(rf"^\.{CHECKPOINT_PREFIX}\d+\.[a-z0-9_]+\.(tmp|old)$")


def remove_stale_checkpoint_temps(output_dir: str | os.PathLike) -> list[str]:
    """Deletes the temporary checkpoint folders of a killed write from `<output_dir>/checkpoints` (only vsum's own
    temporary names, `STALE_CHECKPOINT_TEMP`, only directly in that folder; never symlinks) and returns their names.
    Call it before training starts: a running run's own temporary folder would match too."""
    import shutil

    root = Path(output_dir) / "checkpoints"
    if not root.is_dir() or root.is_symlink():
        return []
    stale = sorted(
        p.name for p in root.iterdir() if STALE_CHECKPOINT_TEMP.match(p.name) and p.is_dir() and not p.is_symlink()
    )
    for name in stale:
        shutil.rmtree(root / name)
    return stale


def _foreign_checkpoint_entries(output_dir: Path) -> list[str]:
    """What `<output_dir>/checkpoints` holds besides a killed write's temporary folders."""
    root = output_dir / "checkpoints"
    if not root.is_dir():
        return [root.name] if root.exists() else []
    return [p.name for p in root.iterdir() if not STALE_CHECKPOINT_TEMP.match(p.name)]


def prepare_output_dir(train_args: VsumTrainingArguments, is_main_process: bool = True) -> None:
    """Refuses an `--output_dir` holding a previous run unless the run resumes it or `--overwrite_output_dir` is given
    (the transformers Trainer convention); with `--overwrite_output_dir` and `is_main_process` the previous run's
    outputs are deleted (only the names in `RUN_OUTPUTS` and the export folder, nothing else in the folder); other
    processes only check.

    A run killed before its first checkpoint was complete left nothing to resume (`checkpoints/` holds at most the
    temporary folder of the killed write): that is no previous run. A plain restart proceeds and, on the main process,
    deletes the killed run's temporary checkpoint folders and its other outputs (eval log, `best/`: the restart
    redoes them). `--resume_from_checkpoint latest` on such a folder is an error that says to restart.

    Raises:
        `ValueError`: naming the folder and what it holds.
    """
    root = Path(train_args.output_dir)
    if root.exists() and not root.is_dir():
        raise ValueError(f"--output_dir {root} exists and is not a folder")
    names = (*RUN_OUTPUTS, train_args.export_dir_name)
    previous = sorted(name for name in names if (root / name).exists())
    if train_args.resume_from_checkpoint:
        if is_main_process:
            stale = remove_stale_checkpoint_temps(root)
            if stale:
                logger.warning("Deleted the temporary folder(s) of a killed checkpoint write: %s", ", ".join(stale))
        return
    unresumable = (
        previous
        and train_args.export_dir_name not in previous
        and not _foreign_checkpoint_entries(root)
        and not train_args.overwrite_output_dir
    )
    if unresumable:  # stopped before its first complete checkpoint: start over
        if is_main_process:
            logger.warning(
                "--output_dir %s holds a run stopped before its first complete checkpoint (nothing to resume): "
                "starting over, deleting %s",
                root,
                ", ".join(previous),
            )
            remove_stale_checkpoint_temps(root)
            _delete_run_outputs(root, previous)
        return
    if not previous:
        return
    if not train_args.overwrite_output_dir:
        raise ValueError(
            f"--output_dir {root} holds a previous run ({', '.join(previous)}): continue it with "
            f"--resume_from_checkpoint latest, start over with --overwrite_output_dir, or pick another --output_dir"
        )
    if is_main_process:
        logger.warning("--overwrite_output_dir: deleting %s from %s", ", ".join(previous), root)
        _delete_run_outputs(root, previous)


def _delete_run_outputs(root: Path, names: list[str]) -> None:
    import shutil

    for name in names:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


# ---------------------------------------------------------------------------------------------------- model


def config_overrides(model_args: ModelArguments) -> dict[str, Any]:
    """`VsumConfig` fields set by the flags (ablations and loss weights); unset ablation flags keep the defaults."""
    overrides: dict[str, Any] = {
        "vsum_loss_weight": model_args.vsum_loss_weight,
        "tsum_loss_weight": model_args.tsum_loss_weight,
        "freeze_vision": model_args.freeze_vision,
    }
    for name in ("temporal_num_layers", "local_attention_window", "local_attention_type", "tsum_label_smoothing"):
        value = getattr(model_args, name)
        if value is not None:
            overrides[name] = value
    overrides.update(parse_model_config_overrides(model_args.model_config_overrides))
    return overrides


def build_model_and_processor(
    model_args: ModelArguments, max_frames: int | None = None, length_normalization: str | None = None
):
    """Returns `(VsumModel, VsumProcessor)` for `model_args.model_name_or_path` through the one loader
    ([`vsum.loading.load_model_and_processor`]): `"tiny"`, a vsum checkpoint (ablation flags then raise, since they
    would not match the trained weights) or a BLIP captioning checkpoint (`VsumModel.from_blip`). A
    `length_normalization` goes into the model's `generation_config` (used by the evaluation, saved by exports)."""
    from vsum.loading import load_model_and_processor

    model, processor = load_model_and_processor(
        model_args.model_name_or_path,
        trust_remote_code=model_args.trust_remote_code,
        config_overrides=config_overrides(model_args),
    )
    if max_frames is not None and max_frames > model.config.max_frames:
        logger.info(
            "Training videos up to %d frames; positions beyond %d are interpolated", max_frames, model.config.max_frames
        )
    if length_normalization is not None:
        model.generation_config.length_normalization = length_normalization
    return model.train(), processor


def build_optimizer(model, train_args: VsumTrainingArguments) -> torch.optim.AdamW:
    """AdamW over the trainable parameters (`optimizer_parameter_groups`: no weight decay for biases, norms, position
    tables, the rbf bandwidth, unless `weight_decay_all_parameters`).

    `train_args.optimizer_implementation` picks the kernels: `"fused"` (default) updates all tensors in one fused
    kernel (CPU and CUDA), which is several times faster than torch's per-tensor loop on CPU; the updates are the same.
    """
    implementation = train_args.optimizer_implementation
    if implementation not in OPTIMIZER_IMPLEMENTATIONS:
        raise ValueError(f"optimizer_implementation must be one of {OPTIMIZER_IMPLEMENTATIONS}, got {implementation!r}")
    return torch.optim.AdamW(
        optimizer_parameter_groups(model, train_args.weight_decay, train_args.weight_decay_all_parameters),
        lr=train_args.learning_rate,
        betas=(train_args.adam_beta1, train_args.adam_beta2),
        fused=implementation == "fused",
        foreach=implementation == "foreach",
    )


def resolve_mixed_precision(mixed_precision: str = "auto") -> str | None:
    """`"auto"` -> the launcher's choice when `accelerate launch --mixed_precision` set one (`None` lets accelerate
    read it), else `"bf16"` where bf16 matrix products run in hardware (a GPU that supports bf16; without a GPU, a
    CPU with AVX512-BF16 or AMX: [`vsum.devices.cpu_has_native_bf16`]) and `"no"` elsewhere (emulated bf16 is
    slower than float32). Other values are returned unchanged."""
    from .devices import cpu_has_native_bf16

    if mixed_precision != "auto":
        return mixed_precision
    if os.environ.get("ACCELERATE_MIXED_PRECISION"):
        return None
    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "no"
    return "bf16" if cpu_has_native_bf16() else "no"


def build_accelerator(train_args: VsumTrainingArguments, log_with=None, cpu: bool = False):
    """The `accelerate.Accelerator` of a training run: mixed precision ([`resolve_mixed_precision`]), gradient
    accumulation, `<output_dir>/logs` for trackers, and `torch.compile` (inductor) with `--torch_compile` (otherwise
    the launcher's `--dynamo_backend`, if any)."""
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration, ProjectConfiguration

    return Accelerator(
        mixed_precision=resolve_mixed_precision(train_args.mixed_precision),
        gradient_accumulation_steps=train_args.gradient_accumulation_steps,
        log_with=log_with,
        project_config=ProjectConfiguration(
            project_dir=train_args.output_dir, logging_dir=os.path.join(train_args.output_dir, "logs")
        ),
        dataloader_config=DataLoaderConfiguration(),
        dynamo_backend="inductor" if train_args.torch_compile else None,  # None: the launcher's choice
        cpu=cpu,
    )


class OffloadedVisionModel:
    """The ViT of a model trained on cached features, kept in a safetensors file instead of memory.

    Training on `frame_embeds` never runs the ViT (frozen or not, its weights cannot change), yet a `VsumModel` holds
    it: 86 M parameters (343 MiB in float32) for ViT-B. [`OffloadedVisionModel.offload`] writes it to
    `<folder>/frozen_vision_model.safetensors` and detaches it; [`OffloadedVisionModel.attached`] puts it back for
    as long as an export needs it, so exported folders stay complete.
    """

    FILE_NAME = OFFLOADED_VISION_FILE  # one of RUN_OUTPUTS: --overwrite_output_dir deletes it with the run

    def __init__(self, path: str | os.PathLike, vision_config, requires_grad: bool):
        self.path, self.vision_config, self.requires_grad = Path(path), vision_config, requires_grad

    @classmethod
    def offload(cls, model, folder: str | os.PathLike, write: bool = True) -> OffloadedVisionModel:
        """Detaches `model`'s ViT (`model`: a `VsumModel`, or a `PeftModel` around one) and, when `write` (the main
        process, the only one that exports), saves it to `<folder>/frozen_vision_model.safetensors` (atomically)."""
        from safetensors.torch import save_file

        core = core_model(model)
        vision_model = core.detach_vision_model()
        if vision_model is None:
            raise ValueError("the model's ViT is already detached; nothing to offload")
        path = Path(folder) / cls.FILE_NAME
        if write:
            state = {name: tensor.detach().contiguous() for name, tensor in vision_model.state_dict().items()}
            with atomic_path(path) as tmp:
                save_file(state, tmp)
        requires_grad = any(p.requires_grad for p in vision_model.parameters())
        return cls(path, core.config.vision_config, requires_grad)

    @contextlib.contextmanager
    def attached(self, model):
        """Within the block, `model` (a `VsumModel` or a `PeftModel` around one) has its ViT again, read from the
        file (built on the meta device, so no random initialisation is computed and thrown away)."""
        from safetensors.torch import load_file
        from transformers.models.blip.modeling_blip import BlipVisionModel

        core = core_model(model)
        with torch.device("meta"):
            vision_model = BlipVisionModel(self.vision_config)
        vision_model.load_state_dict(load_file(self.path), strict=True, assign=True)
        vision_model.requires_grad_(self.requires_grad).train(core.training)
        core.attach_vision_model(vision_model)
        try:
            yield core
        finally:
            core.detach_vision_model()


def apply_lora(model, model_args: ModelArguments):
    """Wraps `model` with LoRA adapters (text decoder attention) and fully trained temporal modules + saliency head."""
    if model_args.lora_r == 0:
        return model
    from peft import LoraConfig, get_peft_model

    modules_to_save = [name for name in LORA_MODULES_TO_SAVE if getattr(model, name, None) is not None]
    lora_config = LoraConfig(
        r=model_args.lora_r,
        lora_alpha=model_args.lora_alpha,
        lora_dropout=model_args.lora_dropout,
        target_modules=list(model_args.lora_target_modules),
        modules_to_save=modules_to_save,
    )
    return get_peft_model(model, lora_config)


def core_model(model):
    """The `VsumModel` inside an unwrapped model (itself, or the base model of a `PeftModel`, LoRA layers included)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def count_parameters(model) -> tuple[int, int]:
    """`(trainable, total)` parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------------- data


def ensure_synthxum(data_args: DataArguments) -> None:
    """Generates a SynthXum set into `data_dir` (videos in `data_dir/videos`) when asked for and missing."""
    annotation = Path(data_args.data_dir) / "train_videoxum.json"
    if annotation.exists() or data_args.synthxum_num_videos <= 0:
        return
    from vsum.data import make_synthxum

    logger.info("Generating SynthXum (%d videos) in %s", data_args.synthxum_num_videos, data_args.data_dir)
    make_synthxum(
        data_args.data_dir,
        num_videos=data_args.synthxum_num_videos,
        seed=data_args.synthxum_seed,
        min_duration=data_args.synthxum_min_duration,
        max_duration=data_args.synthxum_max_duration,
    )


def load_splits(data_args: DataArguments, splits: tuple[str, ...]):
    """VideoXum-layout `DatasetDict` restricted to `splits`, with an `example_index` column (for references)."""
    from vsum.data import load_videoxum

    dataset = load_videoxum(
        data_args.data_dir,
        video_dir=data_args.video_dir,
        features_dir=data_args.features_dir,
        splits=splits,
        cache_dir=data_args.cache_dir,
    )
    limits = {"train": data_args.max_train_samples, data_args.eval_split: data_args.max_eval_samples}
    for split in splits:
        if len(dataset[split]) == 0:
            raise ValueError(f"split {split!r} of {data_args.data_dir} is empty")
        limit = limits.get(split)
        if limit is not None:
            dataset[split] = dataset[split].select(range(min(limit, len(dataset[split]))))
        dataset[split] = dataset[split].add_column("example_index", list(range(len(dataset[split]))))
    return dataset


class IndexedCollator:
    """Calls the vsum collator on the rows and adds `example_index` (a tensor, so it can be gathered across processes)."""

    def __init__(self, collator):
        self.collator = collator

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        indices = [row["example_index"] for row in rows]
        batch = dict(self.collator([{k: v for k, v in row.items() if k != "example_index"} for row in rows]))
        batch["example_index"] = torch.tensor(indices, dtype=torch.long)
        return batch


def model_inputs(batch: dict[str, Any]) -> dict[str, Any]:
    """The entries of a collated batch that `VsumModel.forward` takes."""
    return {key: batch[key] for key in MODEL_INPUT_KEYS if key in batch}


# ---------------------------------------------------------------------------------------------------- checkpoints


def checkpoint_dirs(output_dir: str | os.PathLike) -> list[Path]:
    """Complete checkpoints (`checkpoint-<step>` holding a training state file), oldest first."""
    root = Path(output_dir) / "checkpoints"
    if not root.is_dir():
        return []
    found = [
        path
        for path in root.iterdir()
        if path.is_dir() and path.name.startswith(CHECKPOINT_PREFIX) and (path / TRAINING_STATE_FILE).is_file()
    ]
    return sorted(found, key=lambda path: int(path.name[len(CHECKPOINT_PREFIX) :]))


def latest_checkpoint(output_dir: str | os.PathLike) -> Path | None:
    dirs = checkpoint_dirs(output_dir)
    return dirs[-1] if dirs else None


def save_checkpoint(accelerator, output_dir: str | os.PathLike, state: dict[str, Any], total_limit: int | None) -> Path:
    """`accelerator.save_state` into a fresh temporary folder (`vsum.io_utils.atomic_folder`), renamed to
    `checkpoints/checkpoint-<step>` once complete.

    The training state (`state`: step, epoch, batches consumed, best metric, last evaluated step) is written last, and
    only complete folders count as checkpoints, so an interruption never leaves a half-written checkpoint as the
    latest. Then the oldest checkpoints beyond `total_limit` are deleted.
    """
    import shutil

    from accelerate.utils import broadcast_object_list

    root = Path(output_dir) / "checkpoints"
    final = root / f"{CHECKPOINT_PREFIX}{state['completed_steps']}"
    with contextlib.ExitStack() as stack:
        # The main process creates the (random, exclusive) temporary folder; every process saves its shards there.
        tmp = [stack.enter_context(atomic_folder(final)) if accelerator.is_main_process else None]
        if accelerator.num_processes > 1:
            broadcast_object_list(tmp)
        accelerator.save_state(tmp[0])
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            unwrapped = accelerator.unwrap_model(accelerator._models[0])
            if hasattr(unwrapped, "peft_config"):  # the adapters on their own, loadable with PeftModel.from_pretrained
                unwrapped.save_pretrained(os.path.join(tmp[0], "adapter"))
            atomic_write_json(os.path.join(tmp[0], TRAINING_STATE_FILE), state)
    if accelerator.is_main_process and total_limit is not None and total_limit > 0:
        for old in checkpoint_dirs(output_dir)[:-total_limit]:
            shutil.rmtree(old)
    accelerator.wait_for_everyone()
    return final


def load_checkpoint(accelerator, path: str | os.PathLike) -> dict[str, Any]:
    """Restores model, optimizer, scheduler and RNG states from `path`; returns its training state."""
    path = Path(path)
    state_file = path / TRAINING_STATE_FILE
    if not state_file.is_file():
        raise ValueError(f"{path} is not a complete checkpoint (no {TRAINING_STATE_FILE})")
    accelerator.load_state(str(path))
    with open(state_file, encoding="utf-8") as handle:
        return json.load(handle)


def is_better(value: float, best: float | None, greater_is_better: bool) -> bool:
    """Whether `value` replaces `best`; a tie goes to `value` (the later checkpoint: it trained longer, and a metric
    that has stopped moving, e.g. an F1 plateau, should not pin the first evaluation)."""
    if best is None:
        return True
    return value >= best if greater_is_better else value <= best


# ---------------------------------------------------------------------------------------------------- optimisation


def optimizer_parameter_groups(model, weight_decay: float, all_parameters: bool = False) -> list[dict[str, Any]]:
    """AdamW parameter groups of the trainable parameters: decay on all of them (`all_parameters`, the official
    VideoXum code) or none on biases, LayerNorms, position embeddings and the RBF bandwidth (the usual transformers
    recipe)."""
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if all_parameters:
        return [{"params": [p for _, p in params], "weight_decay": weight_decay}]
    return [
        {
            "params": [p for n, p in params if not any(k in n for k in NO_DECAY)],
            "weight_decay": weight_decay,
        },
        {"params": [p for n, p in params if any(k in n for k in NO_DECAY)], "weight_decay": 0.0},
    ]


def build_lr_scheduler(
    optimizer, train_args: VsumTrainingArguments, max_train_steps: int, steps_per_epoch: int, num_processes: int = 1
):
    """The learning-rate schedule of `train_args.lr_scheduler_type`.

    A scheduler prepared by accelerate steps once per process at each optimizer step, hence the factor
    `num_processes` on every step count.
    """
    from torch.optim.lr_scheduler import LambdaLR
    from transformers import get_cosine_schedule_with_warmup

    if train_args.lr_scheduler_type == "cosine":
        return get_cosine_schedule_with_warmup(
            optimizer,
            num_warmup_steps=int(train_args.warmup_ratio * max_train_steps) * num_processes,
            num_training_steps=max_train_steps * num_processes,
        )
    num_epochs = math.ceil(max_train_steps / steps_per_epoch)
    per_epoch = steps_per_epoch * num_processes

    def per_epoch_cosine(step: int) -> float:  # constant within an epoch; min_lr 0 as in the official config
        return 0.5 * (1.0 + math.cos(math.pi * (step // per_epoch) / num_epochs))

    return LambdaLR(optimizer, per_epoch_cosine)


# ---------------------------------------------------------------------------------------------------- evaluation


def evaluate(model, dataloader, accelerator, processor, dataset, train_args: VsumTrainingArguments) -> dict[str, float]:
    """Validation loss, V2V saliency metrics (both F1 protocols) and (with `text_metrics`) V2T metrics of generated
    summaries, through the one evaluation loop ([`vsum.evaluation.predict`] and [`vsum.evaluation.compute_metrics`]).

    Every video counts once (gathered across processes). V2T metrics are computed on the main process only.
    """
    from vsum.evaluation import compute_metrics, generation_kwargs, predict

    core = core_model(accelerator.unwrap_model(model))
    generate_kwargs = generation_kwargs(
        **{key: getattr(train_args, key, None) for key in ("num_beams", "max_length", "min_length")}
    )
    output = predict(
        model,
        dataloader,
        processor,
        accelerator,
        summary_ratio=core.config.summary_ratio,
        generate=train_args.text_metrics,
        generate_kwargs=generate_kwargs,
        compute_loss=True,
        progress=True,  # a bar on the main process (it leaves no line behind)
    )
    metrics: dict[str, Any] = {**(output.losses or {}), "num_videos": len(output.predictions)}
    metrics.update(
        compute_metrics(
            output.predictions,
            dataset,
            summary_ratio=core.config.summary_ratio,
            text_metrics=train_args.text_metrics and accelerator.is_main_process,
        )
    )
    if train_args.text_metrics and accelerator.is_main_process and output.predictions:
        # One validation video's summary next to its reference: a glance says whether the text is words or gibberish.
        metrics["example_video_id"] = dataset[0]["video_id"]
        metrics["example_summary"] = output.predictions[0]["text"]
        metrics["example_reference"] = dataset[0]["text_summary"]
    model.train()
    return metrics


def read_eval_log(output_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of `<output_dir>/eval_log.jsonl` (empty when there is none)."""
    path = Path(output_dir) / EVAL_LOG_FILE
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_eval_log(output_dir: str | os.PathLike, records: list[dict[str, Any]]) -> None:
    """Replaces `<output_dir>/eval_log.jsonl` atomically with `records` (one JSON object a line)."""
    atomic_write_text(Path(output_dir) / EVAL_LOG_FILE, "".join(json.dumps(r) + "\n" for r in records))


def append_eval_log(output_dir: str | os.PathLike, record: dict[str, Any]) -> None:
    """Adds `record` to the eval log (rewritten atomically: a reader never sees half a line)."""
    write_eval_log(output_dir, [*read_eval_log(output_dir), record])


def rewind_eval_log(output_dir: str | os.PathLike, step: int, evaluated_at_step: bool) -> list[dict[str, Any]]:
    """Makes the eval log match a run resumed at optimizer step `step`: evaluations after it (done by the interrupted
    run after its last checkpoint) are dropped, and so is the one at `step` unless the checkpoint recorded it
    (`evaluated_at_step`); the resumed run redoes them, so the log ends up as an uninterrupted run's. Returns the
    remaining records."""
    records = read_eval_log(output_dir)
    kept = [r for r in records if r["step"] < step or (r["step"] == step and evaluated_at_step)]
    if len(kept) != len(records):
        logger.info(
            "eval log: dropped %d evaluation(s) after the checkpoint at step %d", len(records) - len(kept), step
        )
        write_eval_log(output_dir, kept)
    return kept


def format_metrics(metrics: dict[str, Any], digits: int = 4) -> str:
    """`name=value` pairs rounded to `digits` significant digits, for one readable log line."""
    parts = []
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        parts.append(f"{key}={value}" if isinstance(value, int) else f"{key}={value:.{digits}g}")
    return " ".join(parts)


def configure_logging(verbose: bool) -> None:
    """Our INFO lines always; the libraries' chatter (accelerate's 3 lines per checkpoint, its "Removed shared tensor"
    warning at every save of tied weights, transformers' info) only with `--verbose`."""
    import transformers

    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger().setLevel(logging.INFO)  # also when a host (a notebook, pytest) configured logging before us
    library_level = logging.INFO if verbose else logging.WARNING
    for name in ("accelerate", "accelerate.checkpointing", "accelerate.accelerator"):
        logging.getLogger(name).setLevel(library_level)
    # The tied text-decoder embeddings are saved once on purpose: the warning says nothing the user can act on.
    logging.getLogger("accelerate.utils.other").setLevel(logging.INFO if verbose else logging.ERROR)
    if verbose:
        transformers.logging.set_verbosity_info()
        transformers.logging.enable_progress_bar()
    else:  # no "Writing model shards" bar at every checkpoint and export
        transformers.logging.set_verbosity_warning()
        transformers.logging.disable_progress_bar()


# ---------------------------------------------------------------------------------------------------- keyshot mode

#: `--model_name_or_path` of a keyshot run: a new video-only model (the BLIP default is read the same way).
KEYSHOT_NEW_MODEL = "new"
#: Metrics of a keyshot run in its model card's model-index: result key -> (metric type, display name).
KEYSHOT_INDEX_METRICS: dict[str, tuple[str, str]] = {
    "fscore": ("f1", "F-score (canonical keyshot protocol: shots, 15 % knapsack)"),
    "kendall": ("kendall_tau", "Kendall's tau (Otani et al., 2019)"),
    "spearman": ("spearman_rho", "Spearman's rho (Otani et al., 2019)"),
}
KEYSHOT_CARD_TEMPLATE = """---
{{ card_data }}
---

# {{ title }}

A video-only vsum-la model ({{ architecture }}; no text decoder) trained on the frame features of {{ dataset_name }}
(fold {{ fold }} of `{{ split_file }}`), with the frame importance scores `gtscore` as its saliency target.
It scores precomputed features of width {{ feature_size }} (`frame_embeds`); it has no ViT and writes no text.

## Results

Fold {{ fold }}'s {{ num_test }} test videos, canonical keyshot protocol (scores upsampled from `picks`, shot scores
as segment means, 0/1 knapsack at 15 % of the frames; F-score {{ fscore_rule }}), the last model of the run (no
checkpoint selection: the canonical splits have no validation keys).

{{ metrics_table }}

## Use

```python
from transformers import AutoModel

model = AutoModel.from_pretrained("{{ repo_id }}", trust_remote_code=True).eval()
# features: (frames, {{ feature_size }}) float tensor, e.g. the h5 file's `features` of a video
scores = model(frame_embeds=features[None]).saliency_logits.sigmoid()[0]  # importance of each frame
```

## Training

{{ recipe_table }}
"""


def is_keyshot_run(data_args: DataArguments) -> bool:
    """Whether the arguments ask for keyshot mode (TVSum/SumMe HDF5 features: `--h5`, `--split_file`,
    `--user_scores_tsv`)."""
    return any(value is not None for value in (data_args.h5, data_args.split_file, data_args.user_scores_tsv))


def validate_keyshot_args(
    model_args: ModelArguments, data_args: DataArguments, train_args: VsumTrainingArguments
) -> None:
    """The checks of keyshot mode; turns checkpoint selection off (`load_best_model_at_end=False`).

    Raises:
        `ValueError`: a missing `--h5`/`--split_file`, VideoXum data flags beside them, a negative fold, a base model,
        LoRA, or checkpoint selection (the canonical splits have only train and test keys).
    """
    if data_args.h5 is None or data_args.split_file is None:
        raise ValueError(
            f"keyshot mode needs both --h5 and --split_file; got h5={data_args.h5!r}, split_file={data_args.split_file!r}"
        )
    for name in ("data_dir", "features_dir", "video_dir"):
        if getattr(data_args, name) is not None:
            raise ValueError(f"--{name} does not go with --h5: keyshot mode reads its features from the h5 file")
    if data_args.fold < 0:
        raise ValueError(f"fold must be >= 0 (an index into --split_file), got {data_args.fold}")
    default_model = ModelArguments.__dataclass_fields__["model_name_or_path"].default
    if model_args.model_name_or_path not in (KEYSHOT_NEW_MODEL, default_model):
        raise ValueError(
            f"keyshot mode trains a new video-only model: --model_name_or_path must be {KEYSHOT_NEW_MODEL!r}, got "
            f"{model_args.model_name_or_path!r} (size it with --temporal_num_layers, --local_attention_window and "
            "--model_config_overrides hidden_size=...)"
        )
    if model_args.lora_r:
        raise ValueError(f"lora_r={model_args.lora_r}: a video-only keyshot model has no text decoder to adapt")
    if train_args.eval_steps is not None or train_args.load_best_model_at_end:
        raise ValueError(
            "keyshot mode selects no checkpoint (the canonical splits have no validation keys, and selecting on the "
            "test keys is not allowed): drop --eval_steps and --load_best_model_at_end; the last model is scored "
            "on the fold's test keys"
        )
    train_args.load_best_model_at_end = False


@dataclass
class KeyshotFold:
    """One fold of a canonical HDF5 file: its training and test videos (rows for [`KeyshotCollator`] and the
    protocol), the dataset's name and the feature width."""

    dataset_name: str
    fold: int
    train: list[dict[str, Any]]
    test: list[dict[str, Any]]
    feature_size: int


#: Display names of `vsum.data.keyshot`'s benchmarks (model cards, logs).
KEYSHOT_DATASET_NAMES = {"tvsum": "TVSum", "summe": "SumMe"}


def load_keyshot_fold(data_args: DataArguments) -> KeyshotFold:
    """Fold `--fold` of `--split_file` over the videos of `--h5`, read and validated by
    [`vsum.data.keyshot.load_keyshot`] (bad files and fields are one-line errors naming the video and the field). The
    benchmark (TVSum: F-score mean over users; SumMe: max) comes from the file name, or from `--dataset_name TVSum`
    / `SumMe`. Rows are dicts of numpy arrays with an `example_index`."""
    from .data.keyshot import load_keyshot

    benchmark = {name.lower(): name.lower() for name in KEYSHOT_DATASET_NAMES.values()}.get(
        data_args.dataset_name.lower()
    )
    data = load_keyshot(
        data_args.h5,
        data_args.split_file,
        data_args.fold,
        user_scores_tsv=data_args.user_scores_tsv,
        benchmark=benchmark,
    )

    def rows(split):
        table = data[split].with_format("numpy")
        return [{**table[index], "example_index": index} for index in range(len(table))]

    train, test = rows("train"), rows("test")
    name = KEYSHOT_DATASET_NAMES[str(train[0]["benchmark"])]
    return KeyshotFold(name, data_args.fold, train, test, int(train[0]["features"].shape[1]))


class KeyshotCollator:
    """Pads h5 videos into a batch for `VsumModel`: `frame_embeds` `(B, T, F)`, `frame_mask`, `vsum_labels` (the
    `gtscore` of each step, `-1` at padding: ignored by the loss) and `example_index`."""

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        length = max(len(row["features"]) for row in rows)
        width = rows[0]["features"].shape[1]
        frame_embeds = torch.zeros(len(rows), length, width)
        frame_mask = torch.zeros(len(rows), length, dtype=torch.long)
        vsum_labels = torch.full((len(rows), length), -1.0)
        for index, row in enumerate(rows):
            steps = len(row["features"])
            frame_embeds[index, :steps] = torch.as_tensor(row["features"], dtype=torch.float32)
            frame_mask[index, :steps] = 1
            vsum_labels[index, :steps] = torch.as_tensor(row["gtscore"], dtype=torch.float32)
        return {
            "frame_embeds": frame_embeds,
            "frame_mask": frame_mask,
            "vsum_labels": vsum_labels,
            "example_index": torch.tensor([row["example_index"] for row in rows], dtype=torch.long),
        }


def build_keyshot_model(model_args: ModelArguments, feature_size: int):
    """A new video-only `VsumModel` on features of width `feature_size` (no ViT, no text decoder), with the ablation
    flags and `--model_config_overrides` (e.g. `hidden_size`) applied."""
    from .configuration_vsum import VsumConfig
    from .modeling_vsum import VsumModel

    overrides = config_overrides(model_args)
    for name, value in (("input_feature_size", feature_size), ("use_text_decoder", False)):
        if overrides.get(name, value) != value:
            raise ValueError(f"keyshot mode sets {name}={value!r} (from the h5 file); got {overrides[name]!r}")
        overrides[name] = value
    # Text-only fields do not exist without a decoder.
    for name in ("tsum_loss_weight", "tsum_label_smoothing", "freeze_vision"):
        overrides.pop(name, None)
    return VsumModel(VsumConfig(**overrides)).train()


def keyshot_dataloader(rows: list[dict[str, Any]], batch_size: int, seed: int, shuffle: bool, num_workers: int = 0):
    """A DataLoader over h5 rows: length-grouped and reproducible (seed, epoch) for training, in order otherwise."""
    from torch.utils.data import DataLoader

    from .data.collator import LengthGroupedSampler

    lengths = [len(row["features"]) for row in rows]
    sampler = LengthGroupedSampler(batch_size=batch_size, lengths=lengths, seed=seed, shuffle=shuffle)
    return DataLoader(
        rows, batch_size=batch_size, sampler=sampler, collate_fn=KeyshotCollator(), num_workers=num_workers
    )


@torch.no_grad()
def predict_keyshot_scores(model, rows: list[dict[str, Any]], batch_size: int = 8) -> list:
    """Each row's importance scores at its sampled steps (`sigmoid` of the saliency logits, as DSNet and PGL-SUM
    score), as float64 arrays; the model is put in eval mode."""
    import numpy as np

    model.eval()
    device = next(model.parameters()).device
    collator, scores = KeyshotCollator(), []
    for start in range(0, len(rows), batch_size):
        batch = collator(rows[start : start + batch_size])
        logits = model(
            frame_embeds=batch["frame_embeds"].to(device), frame_mask=batch["frame_mask"].to(device)
        ).saliency_logits
        probabilities = torch.sigmoid(logits.float()).cpu().numpy().astype(np.float64)
        for row, values in zip(rows[start : start + batch_size], probabilities):
            scores.append(values[: len(row["features"])])
    return scores


def score_keyshot_predictions(rows: list[dict[str, Any]], scores: list, dataset_name: str | None = None) -> dict:
    """The canonical protocol ([`vsum.metrics.keyshot.evaluate_keyshot`]: DSNet's keyshot summary, F-score, Otani et
    al.'s rank correlations) over `rows` for per-step `scores`: means over the videos and `num_videos`.
    `dataset_name` is unused (each row names its benchmark); kept for callers that pass it."""
    from .metrics.keyshot import evaluate_keyshot

    results = evaluate_keyshot(scores, rows)
    return {name: results[name] for name in ("fscore", "kendall", "spearman")} | {"num_videos": len(rows)}


def export_keyshot_model(
    model,
    folder: str | os.PathLike,
    *,
    metrics: dict[str, Any],
    fold: KeyshotFold,
    split_file: str,
    recipe: dict[str, Any],
    repo_id: str | None = None,
) -> Path:
    """Writes `folder` atomically: `save_pretrained` of the video-only model (remote code included) and a README whose
    model-index holds the fold's test results under the dataset's name and the split `fold <k> test`."""
    from huggingface_hub import ModelCard, ModelCardData

    from .hub import PLACEHOLDER_REPO_ID, _markdown_table, default_model_name, eval_results

    config = model.config
    split = f"fold {fold.fold} test"
    title = repo_id.split("/")[-1] if repo_id else default_model_name(config, fold.dataset_name)
    results = eval_results(metrics, fold.dataset_name, split, index_metrics=KEYSHOT_INDEX_METRICS)
    card_data = ModelCardData(
        model_name=title,
        license="apache-2.0",
        library_name="transformers",
        tags=["video-summarization", "vsum-la", "custom_code", fold.dataset_name.lower()],
        eval_results=results or None,
    )
    metric_rows = [
        (name, f"{metrics[key]:.4f}")
        for key, (_, name) in KEYSHOT_INDEX_METRICS.items()
        if isinstance(metrics.get(key), (int, float))
    ]
    card = ModelCard.from_template(
        card_data,
        template_str=KEYSHOT_CARD_TEMPLATE,
        title=title,
        repo_id=repo_id or PLACEHOLDER_REPO_ID,
        architecture=title.split(" (")[0].removeprefix("vsum-la "),
        dataset_name=fold.dataset_name,
        fold=fold.fold,
        split_file=os.path.basename(split_file),
        feature_size=fold.feature_size,
        num_test=metrics.get("num_videos", len(fold.test)),
        fscore_rule="max over the users (SumMe)" if fold.dataset_name.lower() == "summe" else "mean over the users",
        metrics_table=_markdown_table(metric_rows, ("metric", "value")) if metric_rows else "No evaluation was run.",
        recipe_table=_markdown_table([(str(k), f"`{v}`") for k, v in recipe.items()], ("setting", "value")),
    )
    with atomic_folder(folder) as tmp:
        model.save_pretrained(tmp)
        card.save(os.path.join(tmp, "README.md"))
    return Path(folder)


def num_update_steps(num_batches: int, gradient_accumulation_steps: int) -> int:
    return math.ceil(num_batches / gradient_accumulation_steps)


__all__ = [
    "DataArguments",
    "build_lr_scheduler",
    "optimizer_parameter_groups",
    "prepare_output_dir",
    "rewind_eval_log",
    "IndexedCollator",
    "ModelArguments",
    "VsumTrainingArguments",
    "apply_lora",
    "build_model_and_processor",
    "build_optimizer",
    "evaluate",
    "latest_checkpoint",
    "load_checkpoint",
    "parse_args",
    "save_checkpoint",
]

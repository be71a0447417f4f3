# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The one evaluation loop of vsum: per-video predictions, reference baselines, metrics, model-index.

`scripts/evaluate.py` (test numbers of a trained model) and `vsum.training.evaluate` (validation during training) both
run [`predict`] and [`compute_metrics`]; the keyframes come from [`VsumProcessor.post_process_summary`], the one
summary rule.

```python
from vsum.evaluation import baseline_predictions, compute_metrics

predictions = baseline_predictions(dataset["test"], "random", seed=0)
metrics = compute_metrics(predictions, dataset["test"])  # f1_mean, f1_mean_released, kendall, ...
```
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .constants import DEFAULT_SUMMARY_RATIO
from .hub import MODEL_INDEX_METRICS
from .io_utils import atomic_write_json, atomic_write_text


PREDICTIONS_FILE = "predictions.jsonl"
METRICS_FILE = "metrics.json"
MODEL_INDEX_JSON = "model_index.json"
MODEL_INDEX_YAML = "model_index.yaml"
BASELINE_KINDS = ("random", "uniform", "constant_text")
#: Generation settings a user can set on the command line; unset ones come from the model's `generation_config`.
GENERATION_KEYS = ("num_beams", "max_length", "min_length")
#: Model-index entries of the F1 of the released VideoXum code (`protocol="videoxum_released"`), part of
#: `vsum.hub.MODEL_INDEX_METRICS` (training's model card and `scripts/evaluate.py` write the same entries).
RELEASED_MODEL_INDEX_METRICS: dict[str, tuple[str, str]] = {
    key: value for key, value in MODEL_INDEX_METRICS.items() if key.endswith("_released")
}
# Folder names that say where a model sits in a run, not which model it is.
_GENERIC_FOLDER_NAMES = re.compile(r"^(final|best|export|model|checkpoints?|checkpoint-\d+|\.|)$")

_FRAME_KEYS = ("pixel_values", "frame_embeds", "frame_mask")


# ---------------------------------------------------------------------------------------------------- predictions


@dataclass
class PredictionOutput:
    """What [`predict`] returns.

    Args:
        predictions (`list[dict]`): one dict per video in dataset order (`example_index`): `scores` (sigmoid per
            real frame), `keyframes`, `segments` (seconds) from `post_process_summary`, and `text` (the generated
            summary, `None` without generation).
        losses (`dict[str, float]`, *optional*): `loss`, `vsum_loss`, `tsum_loss` averaged over videos, when asked
            for (`compute_loss=True`).
    """

    predictions: list[dict[str, Any]]
    losses: dict[str, float] | None = None


def generation_kwargs(num_beams: int | None = None, max_length: int | None = None, min_length: int | None = None):
    """The generation settings a user set (not `None`); the others come from the model's `generation_config`."""
    values = {"num_beams": num_beams, "max_length": max_length, "min_length": min_length}
    return {key: value for key, value in values.items() if value is not None}


def effective_generation(model, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`num_beams`, `max_length`, `min_length` as `generate` uses them: `kwargs` over `model.generation_config`."""
    config = getattr(model, "generation_config", None)
    return {key: kwargs.get(key, getattr(config, key, None)) for key in GENERATION_KEYS}


def _unwrap(model, accelerator):
    """The `VsumModel` inside a DDP / compiled / PEFT wrapper (for `generate` and the config)."""
    if accelerator is not None:
        model = accelerator.unwrap_model(model)
    return model.get_base_model() if hasattr(model, "get_base_model") else model


@torch.no_grad()
def predict(
    model,
    dataloader,
    processor,
    accelerator=None,
    *,
    summary_ratio: float | None = None,
    generate: bool = True,
    generate_kwargs: dict[str, Any] | None = None,
    compute_loss: bool = False,
    progress: bool = False,
) -> PredictionOutput:
    """Runs `model` on every batch of `dataloader` and returns per-video predictions in dataset order.

    One forward per batch gives the saliency logits; `generate` then reuses that forward's frame features (the ViT and
    the temporal modules run once per batch). With an `accelerator`, logits, masks, indices and generated ids are
    padded across processes and gathered with `gather_for_metrics` (which drops the samples repeated to even out the
    last batch), so every video counts once and every process gets all predictions.

    Args:
        model: a `VsumModel`, possibly wrapped (DDP, PEFT).
        dataloader: batches of the vsum collator with an `example_index` tensor (`vsum.training.IndexedCollator`);
            without it, videos are numbered in the order seen (one process only).
        processor (`VsumProcessor`): `post_process_summary` (keyframes, segments) and `batch_decode`.
        accelerator (`accelerate.Accelerator`, *optional*): for multi-process gathering.
        summary_ratio (`float`, *optional*): defaults to the model's `config.summary_ratio`.
        generate (`bool`, *optional*, defaults to `True`): generate the text summaries.
        generate_kwargs (`dict`, *optional*): passed to `generate` (e.g. `{"num_beams": 1}`); what is not set comes
            from the model's `generation_config`.
        compute_loss (`bool`, *optional*, defaults to `False`): run the forward with the batch's labels and report the
            losses (validation during training).
        progress (`bool`, *optional*, defaults to `False`): show a progress bar (main process only).

    Returns:
        [`PredictionOutput`].
    """
    from tqdm.auto import tqdm

    core = _unwrap(model, accelerator)
    ratio = core.config.summary_ratio if summary_ratio is None else summary_ratio
    pad_id = core.config.text_config.pad_token_id
    generate_kwargs = dict(generate_kwargs or {})
    if accelerator is not None:
        pad, gather = accelerator.pad_across_processes, accelerator.gather_for_metrics
    else:  # one process, no accelerate: nothing to pad or gather
        pad = lambda tensor, dim, pad_index: tensor  # noqa: E731
        gather = lambda tensors: tensors  # noqa: E731
    show = progress and (accelerator is None or accelerator.is_local_main_process)

    was_training = model.training
    model.eval()
    records: dict[int, dict[str, Any]] = {}
    losses: dict[str, list[torch.Tensor]] = {"loss": [], "vsum_loss": [], "tsum_loss": []}
    seen = 0
    try:
        for batch in tqdm(dataloader, desc="evaluate", disable=not show, leave=False):
            if compute_loss:
                from .training import model_inputs

                inputs = model_inputs(batch)
            else:
                inputs = {key: batch[key] for key in _FRAME_KEYS if key in batch}
            outputs = model(**inputs)
            count = batch["frame_mask"].shape[0]
            if "example_index" in batch:
                index = batch["example_index"]
            elif accelerator is not None and accelerator.num_processes > 1:
                raise ValueError("batches need an `example_index` tensor to be gathered across processes")
            else:
                index = torch.arange(seen, seen + count, device=batch["frame_mask"].device)
            seen += count
            if compute_loss:
                for key in losses:
                    value = getattr(outputs, key)
                    if value is not None:  # every video of the batch weighs the same
                        losses[key].append(gather(value.detach().float().reshape(1).repeat(count)))
            logits = pad(outputs.saliency_logits.float(), dim=1, pad_index=0)  # (B, T)
            mask = pad(batch["frame_mask"].long(), dim=1, pad_index=0)  # (B, T)
            gathered = [logits, mask, index]
            if generate:
                sequences = core.generate(  # reuses the forward's frame features: ViT and temporal modules run once
                    frame_features=outputs.frame_features, frame_mask=outputs.frame_mask, **generate_kwargs
                )
                gathered.append(pad(sequences, dim=1, pad_index=pad_id))  # (B, L)
            gathered = gather(tuple(gathered))
            summaries = processor.post_process_summary(gathered[0], gathered[1], ratio=ratio)
            texts = processor.batch_decode(gathered[3]) if generate else [None] * len(summaries)
            for example, summary, text in zip(gathered[2].tolist(), summaries, texts):
                records[example] = {
                    "scores": summary["scores"],
                    "keyframes": summary["keyframes"],
                    "segments": summary["segments"],
                    "text": text,
                }
    finally:
        model.train(was_training)
    mean_losses = None
    if compute_loss:
        mean_losses = {key: torch.cat(values).mean().item() for key, values in losses.items() if values}
    return PredictionOutput([records[index] for index in sorted(records)], mean_losses)


# ---------------------------------------------------------------------------------------------------- metrics


def references_of(dataset) -> list[np.ndarray]:
    """Annotators x frames binary labels of each video of `dataset` (its `vsum_onehot` column)."""
    return [np.asarray(onehot, dtype=np.int64) for onehot in dataset["vsum_onehot"]]


def compute_metrics(
    predictions: list[dict[str, Any]],
    dataset,
    summary_ratio: float = DEFAULT_SUMMARY_RATIO,
    *,
    protocol: str = "both",
    text_metrics: bool = True,
    meteor: Any = None,
) -> dict[str, float]:
    """V2V metrics when every prediction has `scores`, V2T metrics when every prediction has a `text`.

    Args:
        predictions (`list[dict]`): `predictions[i]` belongs to `dataset[i]` (same order, as [`predict`] and
            `predictions.jsonl` give them); an optional `video_id` is checked against the dataset's.
        dataset: the evaluated split (`video_id`, `vsum_onehot`, `text_summary`). A video's references are its
            `vsum_onehot` truncated to the number of predicted frames (the collator truncates frames and labels
            alike when they differ, or with `max_eval_frames`).
        summary_ratio (`float`, *optional*, defaults to 0.15): summary length ratio of the F1 summary.
        protocol (`str`, *optional*, defaults to `"both"`): F1 protocol(s) of [`vsum.metrics.video.compute_v2v`]:
            `"both"` reports `f1_mean`/`f1_max` (top-15 % rule) and `f1_mean_released`/`f1_max_released` (the rule
            of the released VideoXum code, which the published tables used).
        text_metrics (`bool`, *optional*, defaults to `True`): compute V2T (needs Java); off on non-main processes.
        meteor: the METEOR scorer (see [`vsum.metrics.text.compute_v2t`]). Default: the process's shared one
            ([`vsum.metrics.text.shared_meteor`]), started at the first V2T computation and stopped at exit, so
            repeated evaluations (every epoch of a training run) pay METEOR's Java start (about 7.5 s) once.

    Returns:
        `dict[str, float]`: the V2V keys and, with texts, `bleu_1`..`bleu_4`, `meteor`, `rouge_l`, `cider`.
    """
    from .metrics.video import compute_v2v

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
        metrics.update(compute_v2v(scores, references, summary_ratio=summary_ratio, protocol=protocol))
    if text_metrics and all(p.get("text") is not None for p in predictions):
        from .metrics.text import compute_v2t, shared_meteor

        texts, references = [p["text"] for p in predictions], list(dataset["text_summary"])
        metrics.update(compute_v2t(texts, references, meteor=shared_meteor() if meteor is None else meteor))
    return metrics


#: Key of [`combined_score`] in evaluation results (the default `--metric_for_best_model` of training).
COMBINED_SCORE = "combined_score"


def combined_score(metrics: dict[str, Any]) -> float:
    """One number for a model that must be good at BOTH summaries: the mean of the video summary's `f1_mean / 100`
    and a text score in [0, 1], `min(cider, 100) / 100` when CIDEr was computed, else `exp(-tsum_loss)` (the
    geometric-mean probability of the reference tokens).

    Why: on its own, F1 often plateaus after the first evaluation while the text decoder still writes gibberish;
    selecting on it exports an early model whose text summary is useless. CIDEr is capped at 100 % so that neither
    half can outweigh the other (VideoXum models score 20-40 on both F1 and CIDEr).

    Raises:
        `ValueError`: when `metrics` has no `f1_mean` or neither `cider` nor `tsum_loss`.
    """
    if not isinstance(metrics.get("f1_mean"), (int, float)):
        raise ValueError(f"{COMBINED_SCORE} needs f1_mean; the evaluation gave {sorted(metrics)}")
    if isinstance(metrics.get("cider"), (int, float)):
        text = min(float(metrics["cider"]), 100.0) / 100.0
    elif isinstance(metrics.get("tsum_loss"), (int, float)):
        text = math.exp(-float(metrics["tsum_loss"]))
    else:
        raise ValueError(f"{COMBINED_SCORE} needs cider or tsum_loss; the evaluation gave {sorted(metrics)}")
    return (float(metrics["f1_mean"]) / 100.0 + text) / 2.0


# ---------------------------------------------------------------------------------------------------- baselines


def uniform_scores(num_frames: int, ratio: float = DEFAULT_SUMMARY_RATIO) -> np.ndarray:
    """1 at `floor(ratio * T) + 1` evenly spaced frames (the length of the top-15 % summary), 0 elsewhere.

    With exactly that many ones, the top-15 % rule (`vsum.metrics.video.select_summary`) selects exactly these frames
    (fewer ones would tie the threshold at 0 and select every frame).
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
    dataset, kind: str, seed: int = 0, *, train_dataset=None, summary_ratio: float = DEFAULT_SUMMARY_RATIO
) -> list[dict[str, Any]]:
    """Predictions of a reference baseline for each video of `dataset`, in the format of [`predict`].

    Args:
        dataset: the evaluated split (a `datasets.Dataset` with `video_id`, `vsum_onehot`; `text_summary` for
            `constant_text`), or a `DatasetDict` with a `train` split and exactly one other split.
        kind: `"random"` (i.i.d. uniform scores in [0, 1), seeded), `"uniform"` ([`uniform_scores`]: every k-th
            frame), or `"constant_text"` (the most frequent caption of the training split for every video; no scores).
        seed: seed of the random scores.
        train_dataset: the training split, for `constant_text` (taken from a `DatasetDict` when not given).
        summary_ratio: summary length ratio for `uniform` and the keyframes.

    Returns:
        `list[dict]`: `video_id`, `scores`, `keyframes` (`None` for `constant_text`) and `text` (`None` for the
        saliency baselines). Score them with [`compute_metrics`].
    """
    from .processing_vsum import select_keyframes

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


def resolve_model_name(model_name_or_path: str, model_name: str | None = None) -> str:
    """The name of a model's model-index entry.

    `model_name` when given (e.g. `--hub_model_id ORG/NAME`: its `NAME`); else the `model_name` of the model card in a
    local folder; else the folder's name, walking up past names that say where a model sits in a run (`final`,
    `best`, `checkpoint-N`: `outputs/tt_la/final` gives `tt_la`); a Hub id gives its repository name.
    """
    if model_name:
        return model_name.rstrip("/").split("/")[-1]
    path = Path(model_name_or_path)
    if path.is_dir():
        readme = path / "README.md"
        if readme.is_file():
            from huggingface_hub import ModelCard

            card_name = getattr(ModelCard.load(readme).data, "model_name", None)
            if card_name:
                return str(card_name)
        for part in reversed(path.resolve().parts):
            if not _GENERIC_FOLDER_NAMES.match(part) and part != path.anchor:
                return part
        raise ValueError(f"cannot name the model in {model_name_or_path!r}: pass --hub_model_id ORG/NAME")
    return model_name_or_path.rstrip("/").split("/")[-1]


def eval_results(metrics: dict[str, Any], dataset_name: str, split: str) -> list:
    """`huggingface_hub.EvalResult`s of the numeric metrics (`vsum.hub.MODEL_INDEX_METRICS`: both F1 protocols,
    Kendall, Spearman, the text metrics)."""
    from .hub import eval_results as hub_eval_results

    return hub_eval_results(metrics, dataset_name, split, MODEL_INDEX_METRICS)


def build_model_index(model_name: str, metrics: dict[str, Any], dataset_name: str, split: str) -> list[dict[str, Any]]:
    """The `model-index` list of a model card for `metrics` of `model_name` on `dataset_name`/`split`."""
    from huggingface_hub import ModelCardData

    results = eval_results(metrics, dataset_name, split)
    if not results:
        return []
    return ModelCardData(model_name=model_name, eval_results=results).to_dict()["model-index"]


def _result_key(result) -> tuple:
    return (result.task_type, result.dataset_type, result.dataset_split, result.dataset_config, result.metric_type)


def update_model_card(
    folder: str | os.PathLike, metrics: dict[str, Any], dataset_name: str, split: str, model_name: str | None = None
) -> Path:
    """Merges `metrics` into the model-index of `folder/README.md` (an exported model's card) and rewrites it
    atomically.

    Entries of the same task, dataset, split and metric are replaced; the others are kept (e.g. the validation
    numbers written at export stay next to the new test numbers). The card's text is left as it is.

    Returns:
        `Path` of the updated `README.md`.
    """
    from huggingface_hub import ModelCard

    readme = Path(folder) / "README.md"
    if not readme.is_file():
        raise ValueError(f"--update_model_card {folder}: no model card (README.md) in that folder")
    card = ModelCard.load(readme)
    new = eval_results(metrics, dataset_name, split)
    if not new:
        raise ValueError(f"no numeric metric to write into {readme} (got {sorted(metrics)})")
    merged = {_result_key(result): result for result in (card.data.eval_results or [])}
    for result in new:
        merged[_result_key(result)] = result
    card.data.eval_results = list(merged.values())
    if not getattr(card.data, "model_name", None):  # a model-index needs a name
        card.data.model_name = model_name or resolve_model_name(str(folder))
    atomic_write_text(readme, str(card))
    return readme


# ---------------------------------------------------------------------------------------------------- outputs


def write_outputs(output_dir: str | os.PathLike, predictions, metrics, model_index) -> None:
    """Writes `predictions.jsonl`, `metrics.json`, `model_index.json` and `model_index.yaml`, each atomically."""
    import yaml

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(output_dir / PREDICTIONS_FILE, "".join(json.dumps(p) + "\n" for p in predictions))
    atomic_write_json(output_dir / METRICS_FILE, metrics)
    atomic_write_json(output_dir / MODEL_INDEX_JSON, model_index)
    atomic_write_text(output_dir / MODEL_INDEX_YAML, yaml.safe_dump({"model-index": model_index}, sort_keys=False))


def read_predictions(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Reads a `predictions.jsonl` written by [`write_outputs`]."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


__all__ = [
    "BASELINE_KINDS",
    "PredictionOutput",
    "baseline_predictions",
    "build_model_index",
    "COMBINED_SCORE",
    "combined_score",
    "compute_metrics",
    "effective_generation",
    "generation_kwargs",
    "most_frequent_caption",
    "predict",
    "read_predictions",
    "resolve_model_name",
    "uniform_scores",
    "update_model_card",
    "write_outputs",
]

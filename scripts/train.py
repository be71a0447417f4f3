# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Train a vsum-la model (video summary + text summary) with 🤗 Accelerate, evaluate it, export it for the Hub.

The defaults are this project's recipe: start from BLIP (`Salesforce/blip-image-captioning-base`), frozen ViT,
AdamW lr 2e-5 (weight decay 0.01, not on biases/norms), gradient clipping 1.0, batch size 16, 28 epochs, loss
15 * saliency BCE + 1 * text cross-entropy, at most 512 frames per training video, warmup then per-step cosine decay.
`configs/videoxum_official.yaml` reproduces the official VideoXum TT+CA recipe instead (see docs/training.md).

Launch it like any accelerate script (`accelerate config` once describes the machine: GPUs, mixed precision,
FSDP or DeepSpeed; the script has no distributed code of its own):

    # one process (CPU or one GPU), the tiny SynthXum recipe
    accelerate launch scripts/train.py --config configs/synthxum_tiny.yaml
    # all configured GPUs, bf16, on cached VideoXum features
    accelerate launch --mixed_precision bf16 scripts/train.py --config configs/tt_la.yaml --features_dir feat/blip
    # TVSum/SumMe (keyshot mode): a video-only model on one fold of the canonical h5 features (docs/training.md)
    accelerate launch scripts/train.py --config configs/keyshot_tt_la.yaml --h5 eccv16_dataset_tvsum_google_pool5.h5 \
        --split_file tvsum.yml --fold 0 --output_dir outputs/keyshot_tt_la/tvsum/fold0
    # two CPU processes (`--cpu --num_processes 2` silently starts ONE process on accelerate 1.15)
    ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2 --num_machines 1 \
        --mixed_precision no --dynamo_backend no scripts/train.py --config configs/synthxum_tiny.yaml

Flags given on the command line override the values of `--config` (a yaml file may start from another one with
`extends: other.yaml`; `--config` can be repeated, later files win). Abbreviated flags are errors. An
`--output_dir` holding a previous run is refused unless the run resumes it (`--resume_from_checkpoint latest`: the
same data order, optimizer, scheduler and RNG states, eval log and best model continue where the last complete
checkpoint stopped; a missing evaluation is redone) or `--overwrite_output_dir` starts over.

Outputs in `--output_dir`: `checkpoints/checkpoint-<step>` (the last `--checkpoints_total_limit`), `best/` (the best
model on the validation split by `--metric_for_best_model`, a complete Hub-ready folder), `eval_log.jsonl` (every
evaluation), and `final/`, the Hub-ready folder (`save_pretrained` + remote code + pipeline + handler + README.md
with the metrics) that `--push_to_hub` uploads: the best model with `--load_best_model_at_end` (the default when
evaluating), else the last one. Every folder is written to a temporary name and renamed: never left partial.
Logs are quiet by default (our progress, evaluations and new-best lines); `-v` adds the libraries' details.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import math
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

from accelerate.logging import get_logger
from accelerate.utils import set_seed
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from vsum.data.collator import LengthGroupedSampler, VsumDataCollator
from vsum.evaluation import COMBINED_SCORE, combined_score, generation_kwargs
from vsum.hub import check_push_to_hub, export_model, push_folder_to_hub
from vsum.io_utils import atomic_folder
from vsum.training import (
    IndexedCollator,
    OffloadedVisionModel,
    append_eval_log,
    apply_lora,
    build_accelerator,
    build_keyshot_model,
    build_lr_scheduler,
    build_model_and_processor,
    build_optimizer,
    configure_logging,
    count_parameters,
    ensure_synthxum,
    evaluate,
    export_keyshot_model,
    format_metrics,
    is_better,
    is_keyshot_run,
    keyshot_dataloader,
    latest_checkpoint,
    load_checkpoint,
    load_keyshot_fold,
    load_splits,
    model_inputs,
    num_update_steps,
    parse_args,
    predict_keyshot_scores,
    prepare_output_dir,
    rewind_eval_log,
    save_checkpoint,
    score_keyshot_predictions,
)


logger = get_logger(__name__)


def get_dataloaders(accelerator, processor, data_args, train_args):
    """Train / evaluation dataloaders and the raw datasets (the evaluation references come from them)."""
    splits = ("train", data_args.eval_split) if train_args.do_eval else ("train",)
    with accelerator.main_process_first():  # one process builds the datasets cache, the others read it
        if accelerator.is_main_process:
            ensure_synthxum(data_args)
        dataset = load_splits(data_args, splits)
    train_set = dataset["train"]
    # Same order on every process for a given (seed, epoch); accelerate gives each process its own batches.
    sampler = LengthGroupedSampler(
        batch_size=train_args.per_device_train_batch_size, lengths=train_set["num_frames"], seed=train_args.seed
    )

    def loader(split_set, batch_size: int, max_frames, **order) -> DataLoader:
        collator = IndexedCollator(VsumDataCollator(processor, max_frames=max_frames, fps=data_args.fps))
        return DataLoader(
            split_set,
            batch_size=batch_size,
            collate_fn=collator,
            num_workers=train_args.dataloader_num_workers,
            **order,
        )

    train_dataloader = loader(
        train_set, train_args.per_device_train_batch_size, data_args.max_train_frames, sampler=sampler
    )
    eval_dataloader, eval_set = None, None
    if train_args.do_eval:
        eval_set = dataset[data_args.eval_split]
        eval_dataloader = loader(
            eval_set, train_args.per_device_eval_batch_size, data_args.max_eval_frames, shuffle=False
        )
    return train_dataloader, eval_dataloader, eval_set


def resolve_trackers(report_to: str) -> list[str] | None:
    if report_to == "none":
        return None
    if report_to == "auto":
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            return None
        return ["tensorboard"]
    return [report_to]


def training_function(model_args, data_args, train_args) -> dict:
    """Trains, evaluates and exports; returns the evaluation metrics of the exported model (the best one with
    `--load_best_model_at_end`, else the last evaluation; empty without evaluation)."""
    configure_logging(train_args.verbose)
    # Before anything is written, on every process: a folder holding a previous run is refused. (No PartialState
    # here: one created before the Accelerator makes every CPU process "main" under ACCELERATE_USE_CPU.)
    prepare_output_dir(train_args, is_main_process=False)
    if train_args.push_to_hub:  # repo id and token, before any training (a typo found after training costs the run)
        check_push_to_hub(train_args.hub_model_id, train_args.hub_token)
    trackers = resolve_trackers(train_args.report_to)
    accelerator = build_accelerator(train_args, log_with=trackers)
    logger.info(
        f"num_processes={accelerator.num_processes} process_index={accelerator.process_index}", main_process_only=False
    )
    # Said once, since `auto` picks bf16 on CPUs with native bf16 too (`--mixed_precision no`: exact float32).
    logger.info(f"mixed precision: {accelerator.mixed_precision} (--mixed_precision {train_args.mixed_precision})")
    set_seed(train_args.seed)
    if accelerator.is_main_process:
        prepare_output_dir(train_args, is_main_process=True)  # --overwrite_output_dir: the main process clears it
        os.makedirs(train_args.output_dir, exist_ok=True)
    accelerator.wait_for_everyone()

    keyshot_fold = load_keyshot_fold(data_args) if is_keyshot_run(data_args) else None
    if keyshot_fold is not None:  # TVSum/SumMe h5 features: a new video-only model, no processor
        model, processor = build_keyshot_model(model_args, keyshot_fold.feature_size), None
    else:
        model, processor = build_model_and_processor(
            model_args, data_args.max_train_frames, length_normalization=train_args.length_normalization
        )
    # Cached features never reach the ViT: keep it on disk, not in memory, until an export needs it.
    vision = None
    if data_args.features_dir is not None and train_args.offload_vision_model:
        vision = OffloadedVisionModel.offload(model, train_args.output_dir, write=accelerator.is_main_process)
    model = apply_lora(model, model_args)
    trainable, total = count_parameters(model)
    logger.info(f"parameters: {trainable:,} trainable of {total:,}")

    if keyshot_fold is not None:  # no per-epoch evaluation: the last model is scored on the fold's test keys
        train_dataloader, eval_dataloader, eval_set = (
            keyshot_dataloader(
                keyshot_fold.train,
                train_args.per_device_train_batch_size,
                train_args.seed,
                shuffle=True,
                num_workers=train_args.dataloader_num_workers,
            ),
            None,
            None,
        )
    else:
        train_dataloader, eval_dataloader, eval_set = get_dataloaders(accelerator, processor, data_args, train_args)

    optimizer = build_optimizer(model, train_args)

    model, optimizer, train_dataloader = accelerator.prepare(model, optimizer, train_dataloader)
    if eval_dataloader is not None:
        eval_dataloader = accelerator.prepare(eval_dataloader)

    # The schedule is computed from the per-process number of batches (after `prepare` split them).
    steps_per_epoch = num_update_steps(len(train_dataloader), train_args.gradient_accumulation_steps)
    max_train_steps = train_args.max_train_steps or train_args.num_train_epochs * steps_per_epoch
    num_epochs = math.ceil(max_train_steps / steps_per_epoch)
    scheduler = build_lr_scheduler(optimizer, train_args, max_train_steps, steps_per_epoch, accelerator.num_processes)
    scheduler = accelerator.prepare(scheduler)

    if trackers:
        run_config = {**asdict(model_args), **asdict(data_args), **asdict(train_args)}
        accelerator.init_trackers(
            "vsum", config={k: v for k, v in run_config.items() if isinstance(v, (int, float, str, bool))}
        )

    # Resumable state beyond the weights: which evaluation the eval log and `best/` already hold.
    completed_steps, starting_epoch, batches_to_skip = 0, 0, 0
    best_metric, best_step, last_eval_step = None, None, None
    eval_records: list[dict] = []
    resumed_state = None
    if train_args.resume_from_checkpoint:
        path = train_args.resume_from_checkpoint
        if path == "latest":
            path = latest_checkpoint(train_args.output_dir)
            if path is None:
                raise ValueError(
                    f"--resume_from_checkpoint latest: no complete checkpoint in {train_args.output_dir}/checkpoints "
                    "(the run stopped before its first one): start it again without --resume_from_checkpoint"
                )
        resumed_state = load_checkpoint(accelerator, path)
        completed_steps = resumed_state["completed_steps"]
        starting_epoch, batches_to_skip = resumed_state["epoch"], resumed_state["batches_in_epoch"]
        best_metric, best_step = resumed_state.get("best_metric"), resumed_state.get("best_step")
        last_eval_step = resumed_state.get("last_eval_step")
        if accelerator.is_main_process:
            eval_records = rewind_eval_log(train_args.output_dir, completed_steps, last_eval_step == completed_steps)
        logger.info(f"Resumed from {path}: step {completed_steps}, epoch {starting_epoch}, batch {batches_to_skip}")
    epoch_finished_at_resume = resumed_state is not None and batches_to_skip >= len(train_dataloader)
    if epoch_finished_at_resume:
        starting_epoch, batches_to_skip = starting_epoch + 1, 0

    logger.info(
        f"{len(train_dataloader.dataset)} training videos, {accelerator.num_processes} process(es), "
        f"{steps_per_epoch} steps/epoch, {max_train_steps} steps, {num_epochs} epochs"
    )

    def checkpoint(epoch: int, batches_in_epoch: int) -> None:
        state = {
            "completed_steps": completed_steps,
            "epoch": epoch,
            "batches_in_epoch": batches_in_epoch,
            "best_metric": best_metric,
            "best_step": best_step,
            "last_eval_step": last_eval_step,
        }
        save_checkpoint(accelerator, train_args.output_dir, state, train_args.checkpoints_total_limit)

    def run_evaluation(epoch: int) -> None:
        nonlocal best_metric, best_step, last_eval_step
        metrics = evaluate(model, eval_dataloader, accelerator, processor, eval_set, train_args)
        if accelerator.is_main_process and train_args.metric_for_best_model == COMBINED_SCORE:
            metrics[COMBINED_SCORE] = combined_score(metrics)
        value = metrics.get(train_args.metric_for_best_model)
        if value is None and accelerator.is_main_process:
            raise ValueError(
                f"metric_for_best_model={train_args.metric_for_best_model!r} is not among {sorted(metrics)}"
            )
        if accelerator.is_main_process:
            record = {"step": completed_steps, "epoch": epoch, "split": data_args.eval_split, **metrics}
            logger.info(f"eval step {completed_steps}: {format_metrics(metrics)}")
            if is_better(value, best_metric, train_args.greater_is_better):
                logger.info(
                    f"New best {train_args.metric_for_best_model}={value:.4g} at step {completed_steps} "
                    f"(previous: {'none' if best_metric is None else f'{best_metric:.4g} at step {best_step}'}); "
                    f"exporting it to {os.path.join(train_args.output_dir, 'best')}"
                )
                best_metric, best_step = value, completed_steps
                export_folder(accelerator, model, processor, model_args, data_args, train_args, "best", record, vision)
            # Logged once `best/` matches it: a log entry always has its best/ (resume relies on this order).
            append_eval_log(train_args.output_dir, record)
            eval_records.append(record)
        last_eval_step = completed_steps
        accelerator.log(
            {f"eval/{k}": v for k, v in metrics.items() if isinstance(v, (int, float))}, step=completed_steps
        )

    def eval_due(epoch_end: bool) -> bool:
        if not train_args.do_eval or completed_steps == 0 or keyshot_fold is not None:
            return False
        if train_args.eval_steps:
            return completed_steps % train_args.eval_steps == 0
        return epoch_end

    # The interrupted run may have stopped between the checkpoint at this step and its evaluation: do it now.
    if resumed_state is not None and last_eval_step != completed_steps and eval_due(epoch_finished_at_resume):
        logger.info(f"The evaluation at step {completed_steps} is missing from the checkpoint: evaluating now")
        run_evaluation(resumed_state["epoch"])
        checkpoint(resumed_state["epoch"], resumed_state["batches_in_epoch"])

    progress = tqdm(
        total=max_train_steps, initial=completed_steps, disable=not accelerator.is_local_main_process, desc="train"
    )
    start_time, start_step = time.time(), completed_steps
    stopped_early = False
    model.train()
    for epoch in range(starting_epoch, num_epochs):
        if completed_steps >= max_train_steps:
            break
        # Sets the prepared loader's epoch counter (which it would otherwise advance by itself, per `iter()`) and
        # the sampler's: the data order depends on (seed, epoch) only, also after `skip_first_batches`.
        train_dataloader.set_epoch(epoch)
        if epoch == starting_epoch and batches_to_skip:
            active_dataloader = accelerator.skip_first_batches(train_dataloader, batches_to_skip)
            batches_in_epoch = batches_to_skip
        else:
            active_dataloader, batches_in_epoch = train_dataloader, 0
        for batch in active_dataloader:
            with accelerator.accumulate(model):
                outputs = model(**model_inputs(batch))
                accelerator.backward(outputs.loss)
                if accelerator.sync_gradients and train_args.max_grad_norm > 0:
                    accelerator.clip_grad_norm_(model.parameters(), train_args.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            batches_in_epoch += 1
            if not accelerator.sync_gradients:
                continue
            completed_steps += 1
            progress.update(1)
            rate = (completed_steps - start_step) / max(time.time() - start_time, 1e-9)
            progress.set_postfix(loss=f"{outputs.loss.item():.4f}", steps_per_s=f"{rate:.2f}")
            if completed_steps % train_args.logging_steps == 0:
                losses = {"loss": outputs.loss, "vsum_loss": outputs.vsum_loss, "tsum_loss": outputs.tsum_loss}
                accelerator.log(
                    {
                        # A video-only model has no text loss.
                        **{f"train/{name}": value.item() for name, value in losses.items() if value is not None},
                        "train/lr": scheduler.get_last_lr()[0],
                        "train/epoch": epoch,
                    },
                    step=completed_steps,
                )
            if train_args.checkpointing_steps and completed_steps % train_args.checkpointing_steps == 0:
                checkpoint(epoch, batches_in_epoch)
            if train_args.eval_steps and eval_due(epoch_end=False):
                run_evaluation(epoch)
            if train_args.stop_after_steps and completed_steps >= train_args.stop_after_steps:
                stopped_early = True
                break
            if completed_steps >= max_train_steps:
                break
        if stopped_early:
            checkpoint(epoch, batches_in_epoch)
            logger.info(
                f"Stopped after {completed_steps} steps (--stop_after_steps); resume with --resume_from_checkpoint latest"
            )
            break
        if not train_args.eval_steps and eval_due(epoch_end=True):
            run_evaluation(epoch)
        checkpoint(epoch, batches_in_epoch)
    progress.close()
    # Per-process fingerprint of the weights: equal on every rank when the processes stayed in sync.
    logger.info(
        f"final parameter checksum: {parameter_checksum(accelerator.unwrap_model(model))}", main_process_only=False
    )

    final_metrics: dict = {}
    if not stopped_early and keyshot_fold is not None:
        final_metrics = finish_keyshot_run(
            accelerator, model, data_args, train_args, keyshot_fold, completed_steps, num_epochs - 1
        )
    elif not stopped_early:
        if train_args.do_eval and last_eval_step != completed_steps:
            run_evaluation(num_epochs - 1)  # the last step was no evaluation step
        by_step = {record["step"]: record for record in eval_records}
        if train_args.load_best_model_at_end and best_step in by_step:
            final_metrics = by_step[best_step]
        elif last_eval_step in by_step:
            final_metrics = by_step[last_eval_step]
        export_final(accelerator, model, processor, model_args, data_args, train_args, final_metrics, vision)
        if final_metrics.get("example_summary") is not None:
            logger.info(
                f"example caption of the exported model (validation video {final_metrics.get('example_video_id')}): "
                f"generated {final_metrics['example_summary']!r}; reference {final_metrics.get('example_reference')!r}"
            )
    accelerator.end_training()
    return {k: v for k, v in final_metrics.items() if k not in ("step", "epoch", "split")}


def parameter_checksum(model) -> str:
    """SHA-256 of all parameters (name order), for comparing processes."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().float().numpy().tobytes())
    return digest.hexdigest()[:16]


def finish_keyshot_run(accelerator, model, data_args, train_args, fold, step: int, epoch: int) -> dict:
    """Keyshot mode's end: the last model scored on the fold's test keys with the canonical protocol (main process;
    with `--do_eval`), exported to `<output_dir>/<export_dir_name>` with the results in its model-index, and pushed
    with `--push_to_hub`. Returns the test metrics."""
    accelerator.wait_for_everyone()
    metrics: dict = {}
    if accelerator.is_main_process:
        unwrapped = accelerator.unwrap_model(model)
        if train_args.do_eval:
            scores = predict_keyshot_scores(unwrapped, fold.test, train_args.per_device_eval_batch_size)
            metrics = score_keyshot_predictions(fold.test, scores, fold.dataset_name)
            logger.info(
                f"{fold.dataset_name} fold {fold.fold} test ({len(fold.test)} videos): {format_metrics(metrics)}"
            )
            record = {"step": step, "epoch": epoch, "split": f"fold {fold.fold} test", **metrics}
            append_eval_log(train_args.output_dir, record)
        recipe = {
            "features": f"{os.path.basename(data_args.h5)} (width {fold.feature_size})",
            "fold": f"{fold.fold} of {os.path.basename(data_args.split_file)} ({len(fold.train)} train / "
            f"{len(fold.test)} test videos)",
            "saliency target / loss": f"gtscore / BCE with logits (x {unwrapped.config.vsum_loss_weight})",
            "hidden size": unwrapped.config.hidden_size,
            "learning rate": train_args.learning_rate,
            "weight decay": train_args.weight_decay,
            "batch size (per device x processes x accumulation)": f"{train_args.per_device_train_batch_size} x "
            f"{accelerator.num_processes} x {train_args.gradient_accumulation_steps}",
            "epochs / max steps": f"{train_args.num_train_epochs} / {train_args.max_train_steps}",
            "gradient clipping": train_args.max_grad_norm or "off",
            "seed": train_args.seed,
        }
        folder = export_keyshot_model(
            unwrapped,
            Path(train_args.output_dir) / train_args.export_dir_name,
            metrics=metrics,
            fold=fold,
            split_file=data_args.split_file,
            recipe=recipe,
            repo_id=train_args.hub_model_id,
        )
        logger.info(f"Exported the last model to {folder}")
        if train_args.push_to_hub:
            push_export(folder, train_args, f"vsum-la: trained on {fold.dataset_name} fold {fold.fold}")
    accelerator.wait_for_everyone()
    return metrics


def export_folder(
    accelerator, model, processor, model_args, data_args, train_args, name: str, record: dict, vision=None
) -> Path:
    """Writes the complete Hub-ready folder `<output_dir>/<name>` (model, processor, remote code, pipeline, handler,
    model card with `record`'s metrics) atomically. Main process only. LoRA models are exported merged (a merged copy:
    the training model keeps its adapters; the default `--merge_lora`), else as adapters. The evaluation's decoding
    flags go into the exported `generation_config.json` (the card states them from there). `vision`: the
    `OffloadedVisionModel` of a run on cached features, attached for the export."""
    unwrapped = accelerator.unwrap_model(model)
    if hasattr(unwrapped, "peft_config") and train_args.merge_lora:
        unwrapped = copy.deepcopy(unwrapped).merge_and_unload()  # plain VsumModel: loads without peft
    folder = os.path.join(train_args.output_dir, name)
    metrics = {k: v for k, v in record.items() if k not in ("step", "epoch", "split")} if record else None
    recipe = {
        "base model": model_args.model_name_or_path,
        "learning rate": train_args.learning_rate,
        "weight decay": f"{train_args.weight_decay} on "
        + ("all parameters" if train_args.weight_decay_all_parameters else "weights (no biases, norms, positions)"),
        "batch size (per device x processes x accumulation)": f"{train_args.per_device_train_batch_size} x "
        f"{accelerator.num_processes} x {train_args.gradient_accumulation_steps}",
        "epochs / max steps": f"{train_args.num_train_epochs} / {train_args.max_train_steps}",
        "schedule": f"linear warmup ({train_args.warmup_ratio:.0%}) + cosine per step"
        if train_args.lr_scheduler_type == "cosine"
        else "cosine per epoch, no warmup",
        "gradient clipping": train_args.max_grad_norm or "off",
        "loss weights (vsum, tsum)": f"{model_args.vsum_loss_weight}, {model_args.tsum_loss_weight}",
        "max training frames": data_args.max_train_frames,
        "LoRA": f"r={model_args.lora_r}, alpha={model_args.lora_alpha}, targets={model_args.lora_target_modules}"
        + (" (merged)" if train_args.merge_lora else "")
        if model_args.lora_r
        else "off",
        "mixed precision": accelerator.mixed_precision,
        "seed": train_args.seed,
    }
    if record:
        recipe["selected checkpoint"] = f"step {record['step']} (epoch {record['epoch']})"
        recipe["model selection"] = (
            f"{train_args.metric_for_best_model} on {data_args.eval_split}, "
            f"{'higher' if train_args.greater_is_better else 'lower'} is better, ties to the later step"
        )
    with vision.attached(unwrapped) if vision is not None else contextlib.nullcontext():
        return export_model(
            unwrapped,
            processor,
            folder,
            model_name=train_args.hub_model_id.split("/")[-1] if train_args.hub_model_id else None,
            metrics=metrics,
            dataset_name=data_args.dataset_name,
            eval_split=data_args.eval_split,
            recipe=recipe,
            repo_id=train_args.hub_model_id,
            base_model=model_args.model_name_or_path,
            fps=data_args.fps,
            # What the evaluation's summaries used: the flags, written over the model's own generation_config.
            generation=generation_kwargs(train_args.num_beams, train_args.max_length, train_args.min_length),
        )


def export_final(accelerator, model, processor, model_args, data_args, train_args, record: dict, vision=None) -> None:
    """Writes `<output_dir>/<export_dir_name>` (Hub-ready, atomically: never left partial) and uploads it with
    `--push_to_hub`. With `--load_best_model_at_end` it is a copy of `best/` (the best evaluation); otherwise the
    last model."""
    accelerator.wait_for_everyone()
    if not accelerator.is_main_process:
        return
    folder = Path(train_args.output_dir) / train_args.export_dir_name
    best = Path(train_args.output_dir) / "best"
    if train_args.load_best_model_at_end and record and (best / "README.md").is_file():
        with atomic_folder(folder) as tmp:
            shutil.copytree(best, tmp, dirs_exist_ok=True)
        logger.info(
            f"Exported the best model (step {record['step']}, {train_args.metric_for_best_model}="
            f"{record[train_args.metric_for_best_model]:.4g}) to {folder}"
        )
    else:
        export_folder(accelerator, model, processor, model_args, data_args, train_args, folder.name, record, vision)
        logger.info(f"Exported the last model to {folder}")
    if train_args.push_to_hub:
        push_export(folder, train_args, f"vsum-la: trained on {data_args.dataset_name}")


def push_export(folder, train_args, commit_message: str) -> None:
    """Uploads an exported folder to `--hub_model_id` (main process only) and logs where it went."""
    url = push_folder_to_hub(
        folder,
        train_args.hub_model_id,
        token=train_args.hub_token,
        private=train_args.hub_private,
        commit_message=commit_message,
    )
    logger.info(f"Pushed to {url}")


def main(argv: list[str] | None = None) -> dict:
    """Parses `argv` (default: `sys.argv[1:]`), trains, evaluates, exports; returns the final metrics. A bad command
    line (refused values included) ends in one line and `SystemExit(2)` (`vsum.script_utils`)."""
    from vsum.script_utils import usage_errors

    with usage_errors():
        model_args, data_args, train_args = parse_args(argv)
    return training_function(model_args, data_args, train_args)


if __name__ == "__main__":
    from vsum.script_utils import run_script

    sys.exit(run_script(main))  # errors in what the arguments point at: one line, exit code 1 (VSUM_DEBUG=1: traceback)

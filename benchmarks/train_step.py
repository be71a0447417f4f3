#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Benchmark: one training step on cached frame features, ours vs the ORIGINAL formulation (steps/s, peak memory).

What it measures
----------------
BLIP-base sizes (ViT-B and BLIP's 12-layer text decoder, random weights, vocabulary 30,524), one TT layer, local
attention k = 2, batch 4 x `T` frames (video lengths T, 5T/6, 2T/3, T/2: padded), 10 annotators' frame labels and a
40-token text summary per video (two padded), float32, CPU. Variants, each in a fresh process (`python this_file
--child ...`), on the same batch:

* `original`: `benchmarks/original_formulation.OriginalVsumModel` (fused-qkv TT with final LayerNorm, loop-built dense
  band mask, BCE over padded frames, BLIP's decoder with label smoothing 0.1, the frozen ViT built and kept) in float32
  with torch's default AdamW (a per-tensor loop on CPU), `loss.backward()`, gradient clipping;
* `original-bf16`: the same under bf16 autocast (not what the original does: the same-precision reference for ours);
* `ours-before`: `VsumModel` with BLIP's eager decoder attention, the for-loop AdamW, float32 (the levers off);
* `ours-sdpa`: + the decoder's attention cores through `scaled_dot_product_attention`;
* `ours-fp32`: + fused AdamW (`vsum.training.build_optimizer`) + the ViT offloaded (`OffloadedVisionModel`), float32
  (`--mixed_precision no`);
* `ours` (the default of `scripts/train.py`): + `--mixed_precision auto` (`resolve_mixed_precision`: bf16 autocast on a
  CPU with AVX512-BF16/AMX, float32 elsewhere: the table says which ran);
* `ours-compile`: the default + `--torch_compile` (inductor; compilation happens in the warm-up step).

Ours runs through the functions `scripts/train.py` uses: `VsumModel`, `OffloadedVisionModel.offload`,
`vsum.training.build_optimizer`, `build_accelerator` (mixed precision, `torch.compile`), `accelerator.prepare/backward/
clip_grad_norm_`, `vsum.training.model_inputs`. Steps/s: `--steps` timed steps after `--warmup`
untimed ones (median step time), in `--rounds` fresh processes per variant (interleaved; the median of the rounds'
medians). Peak memory: the process's resident high-water mark during the steps above its resident size once model,
optimizer and batch exist (`VmHWM` after `clear_refs`, MB = 10^6 bytes), and the whole-process peak beside it.

Verdicts (PASS/FAIL): ours (default) >= 1.5x the original's steps/s at the first `--frames` value (4 x 120 by
default); the loss curve of fused AdamW equals the for-loop AdamW's (`allclose`, rtol 1e-4, every step measured); bf16
autocast keeps the float32 loss curve within rtol 1e-3 (when the default ran in bf16); ours' process peak is below the
original's. Same-precision ratios (ours-fp32 / original, ours / original-bf16) are printed beside them.

    python benchmarks/train_step.py [--frames 120 512] [--steps 3] [--warmup 1] [--rounds 1] [--threads N]
        [--variants ...] [--mixed_precision auto|no|bf16]   # `no`: the default variants in float32 (a CPU without
                                                            # native bf16): the speed verdict then fails here
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "original": "original formulation, float32 (for-loop AdamW)",
    "original-bf16": "original formulation, bf16 autocast (for-loop AdamW)",
    "ours-before": "ours, eager decoder attention, for-loop AdamW, float32",
    "ours-sdpa": "ours + SDPA decoder attention, for-loop AdamW, float32",
    "ours-fp32": "ours + SDPA + fused AdamW + ViT offloaded, float32",
    "ours": "ours, default (+ --mixed_precision {option}: {precision})",
    "ours-compile": "ours, default + --torch_compile",
}
BATCH, TEXT_LENGTH, ANNOTATORS = 4, 40, 10


def _batch(frames: int, vocab_size: int, bos: int, pad: int):
    import torch

    generator = torch.Generator().manual_seed(frames)
    lengths = [frames, frames * 5 // 6, frames * 2 // 3, frames // 2]
    frame_mask = torch.arange(frames)[None] < torch.tensor(lengths)[:, None]
    labels = torch.randint(0, 2, (BATCH, ANNOTATORS, frames), generator=generator) * frame_mask[:, None]
    input_ids = torch.randint(1000, vocab_size - 10, (BATCH, TEXT_LENGTH), generator=generator)
    input_ids[:, 0] = bos
    attention_mask = torch.ones(BATCH, TEXT_LENGTH, dtype=torch.long)
    attention_mask[2:, TEXT_LENGTH - 8 :] = 0
    input_ids[attention_mask == 0] = pad
    text_labels = input_ids.masked_fill(attention_mask == 0, -100)
    text_labels[:, :4] = -100  # decoder BOS + prompt are not scored
    return {
        "frame_embeds": torch.randn(BATCH, frames, 768, generator=generator),
        "frame_mask": frame_mask.long(),
        "vsum_labels": labels,
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "labels": text_labels,
    }


def child(
    variant: str, frames: int, steps: int, warmup: int, threads: int | None, default_precision: str = "auto"
) -> dict:
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]
    import torch
    from proc_memory import status_kb

    if threads:
        torch.set_num_threads(threads)
    from vsum.configuration_vsum import VsumConfig

    config = VsumConfig(temporal_dropout=0.1)
    torch.manual_seed(0)
    text = config.text_config
    batch = _batch(frames, text.vocab_size, text.bos_token_id, text.pad_token_id)
    if variant.startswith("original"):
        from original_formulation import OriginalVsumModel

        model = OriginalVsumModel(config).train()
        optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=2e-5, weight_decay=0.05
        )  # torch's defaults: a per-tensor loop on CPU
        precision = "bf16" if variant == "original-bf16" else "no"

        def step():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                loss = model(**batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
            return loss.item()

    else:
        import tempfile

        from transformers.models.blip.modeling_blip_text import BlipTextSelfAttention

        from vsum.modeling_vsum import VsumModel
        from vsum.training import (
            OffloadedVisionModel,
            VsumTrainingArguments,
            build_accelerator,
            build_optimizer,
            model_inputs,
        )

        model = VsumModel(config).train()
        levers_off = variant in ("ours-before", "ours-sdpa")
        if variant == "ours-before":  # BLIP's own eager attention cores (same parameters)
            for index, layer in enumerate(model.text_decoder.bert.encoder.layer):
                for module, cross in ((layer.attention, False), (layer.crossattention, True)):
                    state = module.self.state_dict()
                    module.self = BlipTextSelfAttention(text, is_cross_attention=cross, layer_idx=index)
                    module.self.load_state_dict(state)
        # The run's output folder (the offloaded ViT, 343 MB, goes there); removed when this process exits.
        workdir = tempfile.TemporaryDirectory(prefix="train_step_")
        if not levers_off:  # as scripts/train.py does with --features_dir
            OffloadedVisionModel.offload(model, workdir.name)
        args = VsumTrainingArguments(
            learning_rate=2e-5,
            optimizer_implementation="for-loop" if levers_off else "fused",
            mixed_precision=default_precision if variant in ("ours", "ours-compile") else "no",
            torch_compile=variant == "ours-compile",
            output_dir=workdir.name,
        )
        optimizer = build_optimizer(model, args)
        accelerator = build_accelerator(args, cpu=True)
        precision = accelerator.mixed_precision
        model, optimizer = accelerator.prepare(model, optimizer)
        inputs = model_inputs(batch)

        def step():
            loss = model(**inputs).loss
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad()
            return loss.item()

    baseline_kb = status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    losses, times = [], []
    for index in range(warmup + steps):
        start = time.perf_counter()
        losses.append(step())
        if index >= warmup:
            times.append(time.perf_counter() - start)
    peak_kb = status_kb("VmHWM")
    return {
        "losses": losses,
        "times": times,
        "peak_above_bytes": (peak_kb - baseline_kb) * 1024,
        "peak_bytes": peak_kb * 1024,
        "precision": precision,
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "total": sum(p.numel() for p in model.parameters()),
    }


def run_child(variant: str, frames: int, args) -> dict:
    command = [sys.executable, __file__, "--child", f"{variant}:{frames}", "--steps", str(args.steps)]
    command += ["--warmup", str(args.warmup), "--mixed_precision", args.mixed_precision]
    command += ["--threads", str(args.threads)] if args.threads else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("ACCELERATE_MIXED_PRECISION", None)  # each variant states its own precision
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"child {variant}:{frames} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def step_time(rounds: list[dict]) -> float:
    """Median over rounds of each round's median step time."""
    return statistics.median(statistics.median(r["times"]) for r in rounds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[120, 512])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="fresh processes per variant (interleaved)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument(
        "--mixed_precision",
        default="auto",
        choices=["auto", "no", "bf16"],
        help="`--mixed_precision` of the default variants (`no`: what a CPU without native bf16 gets)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        variant, frames = args.child.split(":")
        print(json.dumps(child(variant, int(frames), args.steps, args.warmup, args.threads, args.mixed_precision)))
        return
    if not sys.platform.startswith("linux"):
        sys.exit("this benchmark reads /proc/self/status and needs Linux")
    import torch

    from vsum.devices import cpu_has_native_bf16

    started = time.perf_counter()
    print(
        f"# Training step on cached features: ours vs the original formulation (batch {BATCH} x T frames, "
        f"BLIP-base sizes, CPU)"
    )
    print(
        f"torch {torch.__version__}, {args.threads or torch.get_num_threads()} threads, CPU with native bf16 "
        f"(AVX512-BF16/AMX): {'yes' if cpu_has_native_bf16() else 'no'}; {args.warmup} warm-up + {args.steps} timed "
        f"steps per fresh process, {args.rounds} round(s)\n"
    )
    results: dict[tuple[str, int], list[dict]] = {}
    for frames in args.frames:
        for round_index in range(args.rounds):
            for variant in args.variants:
                if variant == "ours-compile" and round_index > 0:
                    continue  # one round: the compilation alone takes minutes
                result = run_child(variant, frames, args)
                results.setdefault((variant, frames), []).append(result)
                print(
                    f"  round {round_index + 1} {variant:<13} T={frames:<4} step "
                    f"{statistics.median(result['times']):.2f} s ({result['precision']}), losses "
                    f"{[round(x, 4) for x in result['losses']]}",
                    file=sys.stderr,
                    flush=True,
                )

    default_precision = next((r[0]["precision"] for (v, _), r in results.items() if v == "ours"), "?")
    print(
        "| frames | variant | steps/s | x original | peak above model (MB) | process peak (MB) | params (trainable / all) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for frames in args.frames:
        base = results.get(("original", frames))
        for variant in args.variants:
            rounds = results[(variant, frames)]
            rate = 1 / step_time(rounds)
            ratio = f"{rate * step_time(base):.2f}x" if base else "n/a"
            peak_above = statistics.median(r["peak_above_bytes"] for r in rounds) / 1e6
            peak = statistics.median(r["peak_bytes"] for r in rounds) / 1e6
            name = VARIANTS[variant].format(option=args.mixed_precision, precision=default_precision)
            print(
                f"| {BATCH} x {frames} | {name} | {rate:.3f} | {ratio} | {peak_above:.0f} | {peak:.0f} "
                f"| {rounds[0]['trainable'] / 1e6:.1f} M / {rounds[0]['total'] / 1e6:.1f} M |"
            )
    print("\nsteps/s = 1 / median step time (median of rounds); GPU: not measured (no GPU in this run).\n")

    verdicts = []

    def verdict(text: str, ok: bool) -> None:
        verdicts.append(ok)
        print(f"- {text} -> {'PASS' if ok else 'FAIL'}")

    def speedup(fast: str, slow: str, frames: int) -> float | None:
        if (fast, frames) in results and (slow, frames) in results:
            return step_time(results[(slow, frames)]) / step_time(results[(fast, frames)])
        return None

    first = args.frames[0]
    ratio = speedup("ours", "original", first)
    if ratio is not None:
        verdict(
            f"ours (default, {default_precision}) >= 1.5x the original's steps/s (float32) at {BATCH} x {first}: "
            f"{ratio:.2f}x",
            ratio >= 1.5,
        )
    for frames in args.frames:
        same = [
            f"{label} {value:.2f}x"
            for label, value in (
                ("float32 vs float32 (ours-fp32 / original)", speedup("ours-fp32", "original", frames)),
                ("bf16 vs bf16 (ours / original-bf16)", speedup("ours", "original-bf16", frames)),
            )
            if value is not None
        ]
        if same:
            print(f"- same precision, {BATCH} x {frames}: {'; '.join(same)} (information, no verdict)")
    for frames in args.frames:
        if ("ours-fp32", frames) in results and ("ours-sdpa", frames) in results:
            fused, loop = (torch.tensor(results[(v, frames)][0]["losses"]) for v in ("ours-fp32", "ours-sdpa"))
            verdict(
                f"same loss curve, fused vs for-loop AdamW, {BATCH} x {frames} ({len(fused)} steps): max diff "
                f"{(fused - loop).abs().max().item():.1e}",
                torch.allclose(fused, loop, rtol=1e-4, atol=1e-5),
            )
        if ("ours", frames) in results and ("ours-fp32", frames) in results and default_precision == "bf16":
            bf16, fp32 = (torch.tensor(results[(v, frames)][0]["losses"]) for v in ("ours", "ours-fp32"))
            relative = ((bf16 - fp32).abs() / fp32.abs()).max().item()
            verdict(
                f"bf16 autocast keeps the float32 loss curve, {BATCH} x {frames} ({len(bf16)} steps): max relative "
                f"diff {relative:.1e} (rtol 1e-3)",
                relative <= 1e-3,
            )
        if ("ours", frames) in results and ("original", frames) in results:
            ours, original = (
                statistics.median(r["peak_bytes"] for r in results[(v, frames)]) / 1e6 for v in ("ours", "original")
            )
            verdict(
                f"ours' process peak below the original's, {BATCH} x {frames}: {ours:.0f} vs {original:.0f} MB",
                ours < original,
            )
    # Without the variants a verdict needs (e.g. `--variants original ours-fp32`) there is nothing to pass.
    overall = ("PASS" if all(verdicts) else "FAIL") if verdicts else "no verdict (the variants run decide none)"
    print(f"\noverall: {overall} (total wall time {time.perf_counter() - started:.0f} s)")
    sys.exit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()

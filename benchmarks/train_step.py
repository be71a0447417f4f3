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
  band mask, BCE over padded frames, BLIP's decoder with label smoothing 0.1) with torch's default AdamW (a per-tensor
  loop on CPU), `loss.backward()`, gradient clipping;
* `ours (before)`: `VsumModel` with BLIP's eager decoder attention and the for-loop AdamW (the levers off);
* `ours + SDPA decoder`: the decoder's attention cores through `scaled_dot_product_attention`;
* `ours` (default): + fused AdamW (`vsum.training.build_optimizer`).

Ours runs through the functions `scripts/train.py` uses: `VsumModel`, `vsum.training.build_optimizer`,
`vsum.training.resolve_mixed_precision` (no autocast on CPU), `accelerate.Accelerator.prepare/backward/clip_grad_norm_`,
`vsum.training.model_inputs`. Steps/s: `--steps` timed steps after `--warmup` untimed ones (median step time). Peak
memory: the process's resident high-water mark during the steps above its resident size once model, optimizer and
batch exist (`VmHWM` after `clear_refs`, MB = 10^6 bytes), and the whole-process peak beside it.

Verdicts (PASS/FAIL): ours >= 1.5x the original's steps/s at the first `--frames` value (4 x 120 by default); the loss
curve of fused AdamW equals the for-loop AdamW's (`allclose`, rtol 1e-4, on every step measured).

    python benchmarks/train_step.py [--frames 120 512] [--steps 3] [--warmup 1] [--threads N]
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
    "original": "original formulation (for-loop AdamW)",
    "ours-before": "ours, eager decoder attention, for-loop AdamW",
    "ours-sdpa": "ours + SDPA decoder attention, for-loop AdamW",
    "ours": "ours + SDPA decoder + fused AdamW (default)",
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


def child(variant: str, frames: int, steps: int, warmup: int, threads: int | None) -> dict:
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
    if variant == "original":
        from original_formulation import OriginalVsumModel

        model = OriginalVsumModel(config).train()
        optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=2e-5, weight_decay=0.05
        )  # torch's defaults: a per-tensor loop on CPU

        def step():
            loss = model(**batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
            return loss.item()

    else:
        from accelerate import Accelerator
        from transformers.models.blip.modeling_blip_text import BlipTextSelfAttention

        from vsum.modeling_vsum import VsumModel
        from vsum.training import VsumTrainingArguments, build_optimizer, model_inputs, resolve_mixed_precision

        model = VsumModel(config).train()
        if variant == "ours-before":  # BLIP's own eager attention cores (same parameters)
            for index, layer in enumerate(model.text_decoder.bert.encoder.layer):
                for module, cross in ((layer.attention, False), (layer.crossattention, True)):
                    state = module.self.state_dict()
                    module.self = BlipTextSelfAttention(text, is_cross_attention=cross, layer_idx=index)
                    module.self.load_state_dict(state)
        args = VsumTrainingArguments(
            learning_rate=2e-5, optimizer_implementation="fused" if variant == "ours" else "for-loop"
        )
        optimizer = build_optimizer(model, args)
        accelerator = Accelerator(mixed_precision=resolve_mixed_precision(args.mixed_precision), cpu=True)
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
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "total": sum(p.numel() for p in model.parameters()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[120, 512])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        variant, frames = args.child.split(":")
        print(json.dumps(child(variant, int(frames), args.steps, args.warmup, args.threads)))
        return
    if not sys.platform.startswith("linux"):
        sys.exit("this benchmark reads /proc/self/status and needs Linux")
    import torch

    started = time.perf_counter()
    print(
        f"# Training step on cached features: ours vs the original formulation (batch {BATCH} x T frames, "
        f"BLIP-base sizes, float32, CPU)"
    )
    print(
        f"torch {torch.__version__}, {args.threads or torch.get_num_threads()} threads; {args.warmup} warm-up + "
        f"{args.steps} timed steps per fresh process\n"
    )
    results = {}
    for frames in args.frames:
        for variant in args.variants:
            command = [sys.executable, __file__, "--child", f"{variant}:{frames}", "--steps", str(args.steps)]
            command += ["--warmup", str(args.warmup)] + (["--threads", str(args.threads)] if args.threads else [])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                sys.exit(f"child {variant}:{frames} failed:\n{done.stderr[-3000:]}")
            results[(variant, frames)] = result = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"  {variant:<12} T={frames:<4} step {statistics.median(result['times']):.2f} s, losses "
                f"{[round(x, 4) for x in result['losses']]}",
                file=sys.stderr,
                flush=True,
            )

    print(
        "| frames | variant | steps/s | x original | peak above model (MB) | process peak (MB) | params (trainable / all) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for frames in args.frames:
        base = results.get(("original", frames))
        for variant in args.variants:
            result = results[(variant, frames)]
            rate = 1 / statistics.median(result["times"])
            ratio = f"{rate * statistics.median(base['times']):.2f}x" if base else "n/a"
            print(
                f"| {BATCH} x {frames} | {VARIANTS[variant]} | {rate:.3f} | {ratio} "
                f"| {result['peak_above_bytes'] / 1e6:.0f} | {result['peak_bytes'] / 1e6:.0f} "
                f"| {result['trainable'] / 1e6:.1f} M / {result['total'] / 1e6:.1f} M |"
            )
    print("\nsteps/s = 1 / median step time; GPU: not measured (no GPU in this run).\n")

    verdicts = []
    first = args.frames[0]
    if ("original", first) in results and ("ours", first) in results:
        ratio = statistics.median(results[("original", first)]["times"]) / statistics.median(
            results[("ours", first)]["times"]
        )
        ok = ratio >= 1.5
        verdicts.append(ok)
        print(f"- ours >= 1.5x the original's steps/s at {BATCH} x {first}: {ratio:.2f}x -> {'PASS' if ok else 'FAIL'}")
    for frames in args.frames:
        if ("ours", frames) in results and ("ours-sdpa", frames) in results:
            fused, loop = (torch.tensor(results[(v, frames)]["losses"]) for v in ("ours", "ours-sdpa"))
            ok = torch.allclose(fused, loop, rtol=1e-4, atol=1e-5)
            verdicts.append(ok)
            print(
                f"- same loss curve, fused vs for-loop AdamW, {BATCH} x {frames} ({len(fused)} steps): max diff "
                f"{(fused - loop).abs().max().item():.1e} -> {'PASS' if ok else 'FAIL'}"
            )
    print(f"\noverall: {'PASS' if all(verdicts) else 'FAIL'} (total wall time {time.perf_counter() - started:.0f} s)")
    sys.exit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()

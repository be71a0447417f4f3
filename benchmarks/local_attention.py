#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Benchmark: the local-attention module against its ORIGINAL formulation (time, peak memory, growth verdicts).

What it measures
----------------
The full module at ViT-B width (hidden 768, 12 heads x 64), batch 1, float32, CPU, `torch.no_grad()`, window k = 2:
LayerNorm, q/k/v projections, attention, output projection and residual, on `(1, T, 768)` hidden states.

* original: `benchmarks/original_formulation.OriginalLocalAttention`: a `T x T` band mask rebuilt by a Python loop
  on every call and added to the full `T x T` scores (re-typed from the description in issue 14);
* ours: `vsum.modeling_vsum.VsumLocalAttention` (same weights, copied in): one SDPA call with a boolean band mask up
  to `LOCAL_ATTENTION_DENSE_MAX_FRAMES["cpu"]` frames, blockwise above.

Every (round, variant, T) runs in its own child forked from a parent that only imported the code and never computed
(no allocator state or thread pool is shared). In the child: the module is built, warmed up at T = 64, the resident
high-water mark is reset (`clear_refs`), one full-size call runs and its peak extra resident memory is read
(`VmHWM - VmRSS before`, /proc/self/status; MB = 10^6 bytes); then timed calls follow (ours: until `--min-time`
seconds; the original: `--repeats` calls below T = 4096, none above, where the memory call itself, seconds long, is
the timing). The round's time is the minimum of its calls. Tables: the median over rounds and the spread (min-max).
Outputs of ours and the original are compared (`allclose`, atol 1e-5) in round 1.

Verdicts (each prints PASS or FAIL and can fail):
- growth of ours from T to 4T (the two largest lengths 4x apart): peak memory 3.5-4.5x and time <= 5x, both on
  per-round minima (median over rounds of the per-round ratio); quadratic growth would be 16x;
- at the largest T: >= 20x less peak memory and >= 10x faster than the original;
- never slower than the original at any T (median over rounds).

`--force-quadratic` makes ours use the `T x T` band mask at every length (`dense_max_frames=None`): the growth
verdict must then FAIL. `--kernel-sweep` instead times the two kernels of `local_window_attention` (forward +
backward, batch 4) over T, the measurement behind `LOCAL_ATTENTION_DENSE_MAX_FRAMES["cpu"]`.

How to run
----------
    python benchmarks/local_attention.py [--lengths 512 2048 8192] [--rounds 3] [--window 2] [--threads N]
        [--force-quadratic] [--kernel-sweep]

Most of a default run is the original at T = 8192 (3 calls, ~22 s each on an idle 2-core machine in an earlier run);
the run in docs/benchmarks.md took 428 s on a heavily shared 2-core machine (load ~10). Needs ~7 GB of free RAM.
Linux only.
"""

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, REPO_ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import torch  # noqa: E402
from original_formulation import OriginalLocalAttention  # noqa: E402
from proc_memory import status_kb  # noqa: E402

from vsum import modeling_vsum  # noqa: E402
from vsum.configuration_vsum import VsumConfig  # noqa: E402


HIDDEN, HEADS = 768, 12
ATOL = 1e-5


def _peak_of(call):
    """Runs `call()` once; returns (its result, seconds, peak extra resident memory in bytes)."""
    gc.collect()
    baseline_kb = status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    return result, seconds, max(status_kb("VmHWM") - baseline_kb, 0) * 1024


def _meter_check():
    size = 256 * 2**20
    _, _, peak = _peak_of(lambda: torch.ones(size // 4))
    return {"expected": size, "measured": peak}


def _modules(window: int, force_quadratic: bool):
    config = VsumConfig(local_attention_window=window, temporal_dropout=0.0)
    torch.manual_seed(0)
    ours = modeling_vsum.VsumLocalAttention(config).eval()
    original = OriginalLocalAttention(HIDDEN, HEADS, window, eps=config.vision_config.layer_norm_eps).eval()
    original.load_state_dict(ours.state_dict())
    if force_quadratic:  # the T x T band mask at every length
        modeling_vsum.LOCAL_ATTENTION_DENSE_MAX_FRAMES["cpu"] = 10**9
    return {"ours": ours, "original": original}


def _measure(variant, length, window, force_quadratic, repeats, min_time, out_path):
    """Child: one (variant, T). Returns the peak extra memory and the times of the calls."""
    module = _modules(window, force_quadratic)[variant]
    with torch.no_grad():
        module(torch.randn(1, 64, HIDDEN), torch.ones(1, 64, dtype=torch.bool))  # warm-up at a small size
        hidden = torch.randn(1, length, HIDDEN, generator=torch.Generator().manual_seed(length))
        mask = torch.ones(1, length, dtype=torch.bool)
        output, first, peak = _peak_of(lambda: module(hidden, mask))
        if out_path:
            torch.save(output, out_path)
        del output
        times = [first]
        if variant == "ours":
            started = time.perf_counter()
            while len(times) < 200 and (len(times) < repeats + 1 or time.perf_counter() - started < min_time):
                start = time.perf_counter()
                module(hidden, mask)
                times.append(time.perf_counter() - start)
            times = times[1:]  # the memory call is the warm-up at full size
        elif length < 4096:
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                module(hidden, mask)
                times.append(time.perf_counter() - start)
    return {"peak_bytes": peak, "times": times}


def _in_child(function, *args):
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            payload = {"ok": function(*args)}
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            payload, code = {"error": repr(error)}, 1
        with os.fdopen(write_fd, "w") as f:
            json.dump(payload, f)
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"benchmark child died (wait status {status}); out of memory?")
    payload = json.loads(data)
    if "error" in payload:
        raise RuntimeError(f"benchmark child failed: {payload['error']}")
    return payload["ok"]


def _kernel_sweep(lengths, window, batch=4, repeats=5):
    """Child: forward + backward of both kernels of `local_window_attention`, interleaved; per-kernel minimum."""
    rows = []
    for length in lengths:
        generator = torch.Generator().manual_seed(length)
        leaves = [torch.randn(batch, length, HEADS, HIDDEN // HEADS, generator=generator) for _ in range(3)]
        leaves = [t.transpose(1, 2).requires_grad_() for t in leaves]  # (B, H, T, d) as the module lays them out
        mask = torch.ones(batch, length, dtype=torch.bool)
        mask[1, length // 2 :] = False
        times = {"banded": [], "blockwise": []}
        for index in range(repeats + 1):
            for name, limit in (("banded", None), ("blockwise", 0)):
                start = time.perf_counter()
                modeling_vsum.local_window_attention(*leaves, window, mask, dense_max_frames=limit).sum().backward()
                if index:  # the first call of each is the warm-up
                    times[name].append(time.perf_counter() - start)
        rows.append({"T": length, **{name: min(values) for name, values in times.items()}})
    return rows


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def _spread(values, scale=1.0, digits=3):
    values = [v * scale for v in values]
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[512, 2048, 8192])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per round (original below T = 4096)")
    parser.add_argument("--min-time", type=float, default=0.5, help="ours: time calls for at least this many s")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--force-quadratic", action="store_true", help="ours with the T x T mask at every length")
    parser.add_argument("--kernel-sweep", action="store_true", help="time the two kernels over T and exit")
    parser.add_argument("--sweep-lengths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        sys.exit("this benchmark reads /proc/self/status and needs Linux")
    if args.threads is not None:
        torch.set_num_threads(args.threads)  # inherited by the forked children
    started = time.perf_counter()
    header = f"torch {torch.__version__}, {torch.get_num_threads()} threads, {_cpu_name()}"

    if args.kernel_sweep:
        print(f"# local_window_attention kernels, forward + backward, batch 4, 12 x 64, k = {args.window}; {header}\n")
        print("| T | band mask + SDPA (ms) | blockwise (ms) | blockwise / band |\n|---:|---:|---:|---:|")
        for row in _in_child(_kernel_sweep, sorted(args.sweep_lengths), args.window):
            print(
                f"| {row['T']} | {row['banded'] * 1e3:.1f} | {row['blockwise'] * 1e3:.1f} "
                f"| {row['blockwise'] / row['banded']:.2f} |"
            )
        limit = modeling_vsum.LOCAL_ATTENTION_DENSE_MAX_FRAMES["cpu"]
        print(f"\n(per-kernel minimum of 5 interleaved calls; current CPU threshold: band mask up to T = {limit})")
        return

    lengths = sorted(args.lengths)
    limit = (
        "every T (--force-quadratic)"
        if args.force_quadratic
        else f"T <= {modeling_vsum.LOCAL_ATTENTION_DENSE_MAX_FRAMES['cpu']}"
    )
    print(f"# Local attention module: original formulation vs ours (window k = {args.window})")
    print(
        f"{header}; batch 1, hidden {HIDDEN}, {HEADS} heads, float32, no grad; ours: band-mask SDPA for {limit}, "
        f"blockwise (block {modeling_vsum.LOCAL_ATTENTION_BLOCK_SIZE}) above; {args.rounds} rounds"
    )
    check = _in_child(_meter_check)
    print(
        f"memory meter check: a {check['expected'] / 1e6:.1f} MB tensor measured as {check['measured'] / 1e6:.1f} MB\n"
    )

    results = {}  # (variant, T) -> list over rounds of {"peak_bytes", "time"}
    closeness = {}
    with tempfile.TemporaryDirectory(prefix="vsum_bench_") as tmp:
        for round_index in range(args.rounds):
            for length in lengths:
                paths = {}
                for variant in ("original", "ours"):
                    path = os.path.join(tmp, f"{variant}_{length}.pt") if round_index == 0 else None
                    result = _in_child(
                        _measure, variant, length, args.window, args.force_quadratic, args.repeats, args.min_time, path
                    )
                    entry = {"peak_bytes": result["peak_bytes"], "time": min(result["times"])}
                    results.setdefault((variant, length), []).append(entry)
                    paths[variant] = path
                    print(
                        f"  round {round_index + 1} {variant:<8} T={length:<6} min {entry['time']:.4f} s "
                        f"(n={len(result['times'])}), peak {entry['peak_bytes'] / 1e6:.1f} MB",
                        file=sys.stderr,
                        flush=True,
                    )
                if round_index == 0:
                    closeness[length] = paths
        # Only now may the parent compute (a thread pool started before a fork would hang the children).
        for length, paths in closeness.items():
            reference, output = torch.load(paths["original"]), torch.load(paths["ours"])
            closeness[length] = (reference - output).abs().max().item()

    def times(variant, length):
        return [entry["time"] for entry in results[(variant, length)]]

    def peaks(variant, length):
        return [entry["peak_bytes"] for entry in results[(variant, length)]]

    print(
        "| T | original time (s) | ours time (s) | speed-up | original peak (MB) | ours peak (MB) | memory ratio | max abs diff |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    speedups, memory_ratios = {}, {}
    for length in lengths:
        speedups[length] = statistics.median(
            o / u for o, u in zip(times("original", length), times("ours", length), strict=True)
        )
        memory_ratios[length] = statistics.median(peaks("original", length)) / max(
            statistics.median(peaks("ours", length)), 1
        )
        print(
            f"| {length} | {_spread(times('original', length))} | {_spread(times('ours', length), digits=4)} "
            f"| {speedups[length]:.1f}x | {_spread(peaks('original', length), 1e-6, 1)} "
            f"| {_spread(peaks('ours', length), 1e-6, 1)} | {memory_ratios[length]:.1f}x | {closeness[length]:.1e} |"
        )
    print("\nTimes: per-round minimum, median over rounds (min-max); peaks: median (min-max) over rounds.")

    verdicts = []
    pairs = [(a, b) for a in lengths for b in lengths if b == 4 * a]
    if pairs:
        small, large = pairs[-1]
        time_growth = [b / a for a, b in zip(times("ours", small), times("ours", large), strict=True)]
        memory_growth = [b / max(a, 1) for a, b in zip(peaks("ours", small), peaks("ours", large), strict=True)]
        t, m = statistics.median(time_growth), statistics.median(memory_growth)
        ok = 3.5 <= m <= 4.5 and t <= 5.0
        verdicts.append(ok)
        print(
            f"\n- linear growth of ours, T = {small} -> {large} (criterion: memory 3.5-4.5x and time <= 5x; "
            f"quadratic = 16x): memory {m:.2f}x, time {t:.2f}x (per round: "
            f"{', '.join(f'{g:.2f}' for g in time_growth)}) -> {'PASS' if ok else 'FAIL'}"
        )
    largest = lengths[-1]
    ok = memory_ratios[largest] >= 20
    verdicts.append(ok)
    print(
        f"- T = {largest}: >= 20x less peak memory than the original: {memory_ratios[largest]:.1f}x -> {'PASS' if ok else 'FAIL'}"
    )
    ok = speedups[largest] >= 10
    verdicts.append(ok)
    print(f"- T = {largest}: >= 10x faster than the original: {speedups[largest]:.1f}x -> {'PASS' if ok else 'FAIL'}")
    slowest = min(lengths, key=lambda length: speedups[length])
    ok = speedups[slowest] >= 1.0
    verdicts.append(ok)
    print(
        f"- never slower than the original (median speed-up at every T): lowest {speedups[slowest]:.2f}x at "
        f"T = {slowest} -> {'PASS' if ok else 'FAIL'}"
    )
    ok = all(diff <= ATOL for diff in closeness.values())
    verdicts.append(ok)
    print(f"- outputs equal to the original (atol {ATOL:g}) at every T -> {'PASS' if ok else 'FAIL'}")
    print(f"\noverall: {'PASS' if all(verdicts) else 'FAIL'} (total wall time {time.perf_counter() - started:.0f} s)")
    sys.exit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()

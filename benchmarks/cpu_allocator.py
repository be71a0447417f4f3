#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Benchmark: CPU video encoding with glibc's default allocator settings vs large mmap/trim thresholds.

Why: on CPU, `vsum.inference.encode_video` spends about a fifth of its CPU time in the kernel (issue 14 measured 23 %;
a 2-hour ViT-B run here: sys 13.6 of 65.8 CPU-minutes). The ViT's activations on a chunk of frames are tensors of
tens to hundreds of MB, above glibc's mmap threshold (at most 32 MiB), so each one is mapped, zero-filled page by
page and unmapped again. `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=...:glibc.malloc.trim_threshold=...` keeps them
in the heap, where freed blocks are reused. It is a property of the process (set before Python starts), so vsum does
not set it: docs/benchmarks.md shows the command line.

What it measures: `encode_video` end to end (decode, preprocess, ViT) on a 2-minute 320x240 8 fps clip (120 sampled
frames) with the ViT-B-sized model of `benchmarks/inference.py` (BLIP ViT-B/16 at 224 px, random weights), float32,
in fresh processes alternating default / tuned, `--rounds` each: wall time, user and system CPU time, minor page
faults, and the process's peak RSS; medians over rounds and the tuned / default ratios. The features of both settings
must be identical (checked). Verdict: tuned faster than default (exit 1 otherwise).

    python benchmarks/cpu_allocator.py [--rounds 2] [--seconds 120]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]
TUNABLES = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=2147483648"


def child(path: str) -> dict:
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]
    import hashlib

    from inference import build

    from vsum.inference import encode_video

    model, processor = build("vitb")
    encode_video(path, model, processor, max_frames=8)  # warm-up: one chunk
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    features, _, _ = encode_video(path, model, processor)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": wall,
        "user_s": after.ru_utime - before.ru_utime,
        "sys_s": after.ru_stime - before.ru_stime,
        "minor_faults": after.ru_minflt - before.ru_minflt,
        "peak_rss_mib": after.ru_maxrss / 1024,
        "frames": len(features),
        "features_sha": hashlib.sha256(features.numpy().tobytes()).hexdigest()[:16],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=120, help="length of the clip")
    parser.add_argument("--video_dir", default=None, help="where the clip is cached (default: inference.py's)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return
    if not sys.platform.startswith("linux"):
        sys.exit("GLIBC_TUNABLES is a glibc (Linux) setting")
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]
    import tempfile

    from inference import ensure_video

    video_dir = args.video_dir or os.path.join(tempfile.gettempdir(), "vsum_bench_videos")
    path, _ = ensure_video(video_dir, args.seconds, 8, 320, 240)
    results: dict[str, list[dict]] = {"default": [], "tuned": []}
    for _ in range(args.rounds):
        for setting in results:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
            env.pop("GLIBC_TUNABLES", None)
            if setting == "tuned":
                env["GLIBC_TUNABLES"] = TUNABLES
            done = subprocess.run(
                [sys.executable, __file__, "--child", path], capture_output=True, text=True, env=env, check=False
            )
            if done.returncode != 0:
                sys.exit(f"child ({setting}) failed:\n{done.stderr[-3000:]}")
            results[setting].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  {setting}: {results[setting][-1]}", file=sys.stderr, flush=True)

    def median(setting: str, key: str) -> float:
        return statistics.median(r[key] for r in results[setting])

    frames = results["default"][0]["frames"]
    print(
        f"# encode_video on CPU, ViT-B/16 224 px (random weights), {frames} frames of a {args.seconds:g} s 320x240 "
        f"clip; medians of {args.rounds} fresh processes per setting"
    )
    print(f"tuned: GLIBC_TUNABLES={TUNABLES}\n")
    print("| allocator | wall (s) | frames/s | user CPU (s) | system CPU (s) | minor page faults | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for setting in results:
        print(
            f"| {setting} | {median(setting, 'wall_s'):.1f} | {frames / median(setting, 'wall_s'):.2f} "
            f"| {median(setting, 'user_s'):.1f} | {median(setting, 'sys_s'):.1f} "
            f"| {median(setting, 'minor_faults'):,.0f} | {median(setting, 'peak_rss_mib'):.0f} |"
        )
    speedup = median("default", "wall_s") / median("tuned", "wall_s")
    same = len({r["features_sha"] for rows in results.values() for r in rows}) == 1
    print(
        f"\ntuned / default: {speedup:.2f}x frames/s, system CPU {median('tuned', 'sys_s'):.1f} vs "
        f"{median('default', 'sys_s'):.1f} s, peak RSS {median('tuned', 'peak_rss_mib') - median('default', 'peak_rss_mib'):+.0f} MiB"
    )
    print(f"- features identical in every run: {'PASS' if same else 'FAIL'}")
    print(f"- tuned faster than default: {speedup:.2f}x -> {'PASS' if speedup > 1 else 'FAIL'}")
    sys.exit(0 if same and speedup > 1 else 1)


if __name__ == "__main__":
    main()

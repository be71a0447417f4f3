# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Times the V2V metrics (F1 mean/max, Kendall's tau, Spearman's rho) of `vsum.metrics.video` on random videos.

Usage:
    python benchmarks/metrics_speed.py [--num-videos 4000] [--min-frames 10] [--max-frames 755] [--seed 0] [--evaluate]

Videos have a random length in `[min_frames, max_frames]` and 10 annotators whose binary summaries select about 15%
of the frames, like VideoXum. Prints the wall-clock and CPU time of `compute_v2v` (the data generation is not timed;
the CPU time is less sensitive to other processes on a busy machine) and, with
`--evaluate`, of the `evaluate` module `metrics/vsum_v2v` on the same data (run from the repository root), which adds
the Arrow round trip of `evaluate`.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from vsum.metrics.video import compute_v2v


def make_videos(
    num_videos: int, min_frames: int, max_frames: int, num_annotators: int = 10, seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random per-frame probabilities and random ~15% binary annotator summaries."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_frames, max_frames + 1, size=num_videos)
    predictions = [rng.random(length).astype(np.float32) for length in lengths]
    references = [(rng.random((num_annotators, length)) < 0.15).astype(np.int64) for length in lengths]
    return predictions, references


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-videos", type=int, default=4000)
    parser.add_argument("--min-frames", type=int, default=10)
    parser.add_argument("--max-frames", type=int, default=755)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evaluate", action="store_true", help="also time evaluate.load('metrics/vsum_v2v')")
    args = parser.parse_args()

    predictions, references = make_videos(args.num_videos, args.min_frames, args.max_frames, seed=args.seed)
    num_frames = sum(len(p) for p in predictions)
    start, start_cpu = time.perf_counter(), time.process_time()
    results = compute_v2v(predictions, references)
    elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(
        f"V2V metrics for {args.num_videos} videos ({num_frames} frames, {args.min_frames}-{args.max_frames} frames "
        f"per video, 10 annotators): {elapsed:.2f} s wall, {elapsed_cpu:.2f} s CPU "
        f"({1000 * elapsed / args.num_videos:.3f} ms/video)"
    )
    print({key: round(value, 4) for key, value in results.items()})

    if args.evaluate:
        import evaluate

        metric = evaluate.load("metrics/vsum_v2v")
        start = time.perf_counter()
        module_results = metric.compute(predictions=predictions, references=references)
        elapsed = time.perf_counter() - start
        print(f"evaluate module metrics/vsum_v2v, same videos: {elapsed:.2f} s")
        print({key: round(value, 4) for key, value in module_results.items()})


if __name__ == "__main__":
    main()

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The ``vsum`` command.

Each subcommand is one ``_add_<name>(subparsers)`` function that creates its sub-parser and calls
``set_defaults(func=<handler>, subparser=<its parser>)``; register it in ``SUBCOMMANDS``. ``main`` calls
``handler(args, subparser)``, which returns the exit code (``subparser.error(...)`` for bad argument values).
Handlers import what they need lazily so that ``vsum --help`` stays fast.

```
vsum make-synthetic OUT_DIR --videos 30 --seed 0 [--min-duration 20 --max-duration 120 --size 64 --fps 8]
vsum summarize VIDEO [VIDEO ...] [--model ID_OR_DIR] [--ratio 0.15] [--fps 1] [--out DIR] [--num-beams N]
```
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


# ---------------------------------------------------------------------------------------------- make-synthetic


def _add_make_synthetic(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "make-synthetic",
        help="write a SynthXum dataset (mp4 videos + VideoXum-format JSON files)",
        description=(
            "Write a synthetic dataset in VideoXum's exact layout: OUT_DIR/{train,val,test}_videoxum.json and "
            "OUT_DIR/videos/<video_id>.mp4 (coloured shapes moving, with flashing salient moments, 10 simulated "
            "annotators and one templated sentence per segment)."
        ),
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", help="output folder")
    parser.add_argument("--videos", type=_positive_int, default=30, help="number of videos (default: 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--min-duration", type=_seconds, default=20.0, help="shortest video, seconds (default: 20)")
    parser.add_argument("--max-duration", type=_seconds, default=120.0, help="longest video, seconds (default: 120)")
    parser.add_argument("--size", type=_positive_int, default=64, help="frame width and height, even (default: 64)")
    parser.add_argument("--fps", type=_positive_int, default=8, help="video frame rate (default: 8)")
    parser.add_argument(
        "--split-fractions",
        type=float,
        nargs=3,
        metavar=("TRAIN", "VAL", "TEST"),
        default=(0.6, 0.2, 0.2),
        help="fractions of the videos per split (default: 0.6 0.2 0.2)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace a dataset already in OUT_DIR")
    parser.set_defaults(func=_run_make_synthetic, subparser=parser)


def _run_make_synthetic(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.min_duration < 6:
        parser.error(f"--min-duration must be at least 6 seconds, got {args.min_duration:g}")
    if args.min_duration > args.max_duration:
        parser.error(f"--min-duration ({args.min_duration:g}) is larger than --max-duration ({args.max_duration:g})")
    if args.size < 16 or args.size % 2:
        parser.error(f"--size must be an even number >= 16, got {args.size}")

    from pathlib import Path

    from .constants import SPLIT_FILES
    from .data.synthetic import make_synthxum

    existing = [name for name in SPLIT_FILES.values() if (Path(args.out_dir) / name).exists()]
    if existing and not args.overwrite:
        parser.error(f"{args.out_dir} already holds a dataset ({', '.join(existing)}); pass --overwrite to replace it")

    try:
        result = make_synthxum(
            args.out_dir,
            num_videos=args.videos,
            seed=args.seed,
            min_duration=args.min_duration,
            max_duration=args.max_duration,
            size=args.size,
            video_fps=args.fps,
            split_fractions=tuple(args.split_fractions),
            overwrite=args.overwrite,
        )
    except ValueError as error:
        parser.error(str(error))
    sizes = ", ".join(f"{split} {count}" for split, count in result.split_sizes.items())
    print(
        f"Wrote {result.num_videos} SynthXum videos ({sizes}; {result.total_duration / 60:.1f} min, {result.codec}) "
        f"to {result.out_dir}"
    )
    return 0


# ------------------------------------------------------------------------------------------------- summarize


def _add_summarize(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "summarize",
        help="summarize videos: text summary, highlight reel, saliency plot and JSON",
        description=(
            "Summarize each VIDEO (files or folders of videos). Writes <name>.summary.json, <name>.highlights.mp4 "
            "and <name>.saliency.png into --out; videos already summarized there are skipped. Without --model (or "
            "$VSUM_MODEL) the demo checkpoint shipped with vsum is used: it only knows synthetic shapes."
        ),
    )
    parser.add_argument("videos", nargs="+", metavar="VIDEO", help="video files or folders of videos")
    parser.add_argument("--model", default=None, help="vsum checkpoint folder or Hub id (default: demo checkpoint)")
    parser.add_argument("--ratio", type=float, default=None, help="fraction of frames in the summary (default 0.15)")
    parser.add_argument("--fps", type=float, default=None, help="frames sampled per second (default 1)")
    parser.add_argument("--out", default="vsum_out", help="output folder (default: ./vsum_out)")
    parser.add_argument("--num-beams", type=_positive_int, default=3, help="beam search width (default 3)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    parser.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="load --model with the code shipped in the checkpoint (runs that code; default: installed vsum classes)",
    )
    parser.add_argument("--json-only", action="store_true", help="write only the JSON summaries")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=_run_summarize, subparser=parser)


def _run_summarize(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.ratio is not None and not 0 < args.ratio <= 1:
        parser.error(f"--ratio must be in (0, 1], got {args.ratio:g}")
    if args.fps is not None and not args.fps > 0:
        parser.error(f"--fps must be > 0, got {args.fps:g}")

    from pathlib import Path

    from .loading import load_model_and_processor, resolve_model_name
    from .summarize import check_writable, resolve_videos, summarize_many

    try:
        videos = resolve_videos(args.videos)
        out_dir = Path(args.out)
        check_writable(out_dir)
        name = resolve_model_name(args.model)
        model, processor = load_model_and_processor(name, device=args.device, trust_remote_code=args.trust_remote_code)
    except ValueError as error:
        print(f"vsum: error: {error}", file=sys.stderr)
        return 1
    report = summarize_many(
        videos,
        model,
        processor,
        out_dir,
        model_name=name,
        ratio=args.ratio,
        fps=args.fps,
        num_beams=args.num_beams,
        json_only=args.json_only,
        progress=not args.no_progress,
    )
    print(f"vsum: {len(report.done)} summarized, {len(report.skipped)} already done, {len(report.failed)} failed")
    return 1 if report.failed else 0


# ------------------------------------------------------------------------------------------------ the command

#: One function per subcommand: it adds its sub-parser and sets `func` and `subparser`.
SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_make_synthetic, _add_summarize]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vsum", description="vsum-la: cross-modal summarization of long videos.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add_subcommand in SUBCOMMANDS:
        add_subcommand(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vsum`` with `argv` (default: ``sys.argv[1:]``) and return the exit code.

    Bad arguments end with argparse's usage and a one-line error (exit code 2).
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    # The handler gets its own sub-parser so that its errors print the subcommand's usage.
    return args.func(args, args.subparser)


if __name__ == "__main__":
    sys.exit(main())

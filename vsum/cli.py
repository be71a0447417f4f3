# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The ``vsum`` command.

Each subcommand is one ``_add_<name>(subparsers)`` function that creates its sub-parser and calls
``set_defaults(func=<handler>, subparser=<its parser>)``; register it in ``SUBCOMMANDS``. ``main`` calls
``handler(args, subparser)``, which returns the exit code (``subparser.error(...)`` for bad argument values).
Handlers import what they need lazily so that ``vsum --help`` stays fast.

```
vsum make-synthetic OUT_DIR --videos 30 --seed 0 [--min-duration 20 --max-duration 120 --size 64 --fps 8]
vsum make-synthetic-keyshot OUT_DIR [--benchmark tvsum|summe] [--videos 10] [--dim 1024] [--seed 0]
vsum summarize VIDEO [VIDEO ...] [--model ID_OR_DIR] [--ratio 0.15] [--fps 1] [--out DIR] [--num-beams N]
    [--max-frames N] [--max-duration S] [--num-workers N] [--segments frames|shots] [--chapters] [--cutlist otio]
    [--json-only]
```
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .devices import DTYPE_HELP, DTYPES
from .handler import PARAMETER_LIMITS


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default once, appended by argparse; not for flags, `None` defaults or help texts that
    already say "(default: ...)"."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "(default" in text or action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return text
        return text + " (default: %(default)s)"


_ALIAS_EPILOG = (
    "Options spelled with underscores (--num_beams) and the scripts' names (--output_dir, --model_name_or_path, "
    "--summary_ratio) are accepted with a warning until the next release."
)


def _argument_type(convert, accept, rule: str):
    """An argparse `type=`: `convert(text)` must succeed and `accept` the value, else "expected <rule>"."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {rule}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {rule}, got {text!r}")
        return value

    return parse


#: The most seconds any option takes (a week): a larger value is a typo, and 1e300 overflows the reel budget's
#: millisecond arithmetic.
MAX_SECONDS = 7 * 24 * 3600.0
#: The highest sampling rate `--fps` takes: sampling above a video's own frame rate only repeats frames, and 60
#: covers common frame rates (an absurd rate would encode millions of frames).
MAX_FPS = 60.0
#: Beam widths as the endpoint handler bounds them (one home for the number: `vsum.handler.PARAMETER_LIMITS`).
MAX_NUM_BEAMS = PARAMETER_LIMITS["num_beams"]

_positive_int = _argument_type(int, lambda value: value >= 1, "a positive integer")
_non_negative_int = _argument_type(int, lambda value: value >= 0, "an integer >= 0")
_num_beams = _argument_type(
    int, lambda value: 1 <= value <= MAX_NUM_BEAMS, f"an integer >= 1 and at most {MAX_NUM_BEAMS}"
)
_seconds = _argument_type(
    float, lambda value: 0 < value <= MAX_SECONDS, f"a number of seconds > 0 and at most {MAX_SECONDS:g}"
)
_non_negative_seconds = _argument_type(
    float, lambda value: 0 <= value <= MAX_SECONDS, f"a number of seconds >= 0 and at most {MAX_SECONDS:g}"
)
_fps = _argument_type(
    float, lambda value: 0 < value <= MAX_FPS, f"a number of frames per second > 0 and at most {MAX_FPS:g}"
)
_ratio = _argument_type(float, lambda value: 0 < value <= 1, "a number in (0, 1]")


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
        epilog=_ALIAS_EPILOG,
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", help="output folder")
    parser.add_argument("--videos", type=_positive_int, default=30, help="number of videos")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--min-duration", type=_seconds, default=20.0, help="shortest video, seconds")
    parser.add_argument("--max-duration", type=_seconds, default=120.0, help="longest video, seconds")
    parser.add_argument("--size", type=_positive_int, default=64, help="frame width and height, even")
    parser.add_argument("--fps", type=_positive_int, default=8, help="video frame rate")
    parser.add_argument(
        "--split-fractions",
        type=float,
        nargs=3,
        metavar=("TRAIN", "VAL", "TEST"),
        default=(0.6, 0.2, 0.2),
        help="fractions of the videos per split",
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


# ------------------------------------------------------------------------------------- make-synthetic-keyshot


def _add_make_synthetic_keyshot(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "make-synthetic-keyshot",
        help="write a synthetic TVSum/SumMe h5 file in the canonical layout, with split files",
        description=(
            "Write OUT_DIR/synthetic_<benchmark>.h5 in the canonical TVSum/SumMe HDF5 layout (features, gtscore, "
            "gtsummary, user_summary, change_points, n_frame_per_seg, n_frames, picks, n_steps, video_name), its "
            "5-fold split files (synthetic_<benchmark>_splits.json as PGL-SUM, synthetic_<benchmark>.yml as DSNet) "
            "and, for tvsum, ydata-anno.tsv with per-user scores. See docs/keyshot.md."
        ),
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", help="output folder")
    parser.add_argument("--benchmark", choices=("tvsum", "summe"), default="tvsum", help="which layout to imitate")
    parser.add_argument("--videos", type=_positive_int, default=10, help="number of videos (at least 5)")
    parser.add_argument("--dim", type=_positive_int, default=1024, help="feature width")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--overwrite", action="store_true", help="replace files already in OUT_DIR")
    parser.set_defaults(func=_run_make_synthetic_keyshot, subparser=parser)


def _run_make_synthetic_keyshot(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from pathlib import Path

    from .data.keyshot import make_synthetic_keyshot

    existing = Path(args.out_dir) / f"synthetic_{args.benchmark}.h5"
    if existing.exists() and not args.overwrite:
        parser.error(f"{existing} exists; pass --overwrite to replace it")
    try:
        result = make_synthetic_keyshot(
            args.out_dir,
            args.benchmark,
            num_videos=args.videos,
            feature_dim=args.dim,
            seed=args.seed,
            overwrite=args.overwrite,
        )
    except ValueError as error:
        parser.error(str(error))
    print(f"Wrote {result.num_videos} videos to {result.h5_path}, splits {result.split_path.name}")
    return 0


# ------------------------------------------------------------------------------------------------- summarize


def _add_summarize(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "summarize",
        help="summarize videos: text summary, highlight reel, saliency plot and JSON",
        description=(
            "Summarize each VIDEO (files or folders of videos). Writes <name>.summary.json, <name>.highlights.mp4 "
            "and <name>.saliency.png into --out (<name> is the file's stem, or <stem>-<hash> when another video "
            "already uses it or a file vsum did not write holds one of its names: such files are never replaced "
            "or removed). A video already summarized there from the same file with the same model and "
            "settings is skipped, without loading the model; otherwise it is recomputed. Ctrl-C stops with exit "
            "code 130 and leaves every summary whole. Without --model (or $VSUM_MODEL) the demo checkpoint "
            "shipped with vsum is used: it only knows synthetic shapes. A file whose name starts with '-' goes "
            "after '--': vsum summarize --out o -- -clip.mp4"
        ),
        epilog=_ALIAS_EPILOG,
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("videos", nargs="+", metavar="VIDEO", help="video files or folders of videos")
    parser.add_argument(
        "--model",
        default=None,
        metavar="ID_OR_DIR",
        help="vsum checkpoint folder or Hub id (default: $VSUM_MODEL, else the demo checkpoint)",
    )
    parser.add_argument("--out", default="vsum_out", metavar="DIR", help="output folder")
    selection = parser.add_argument_group("segment selection")
    selection.add_argument(
        "--ratio",
        type=_ratio,
        default=None,
        help="fraction of the sampled frames in the summary (default: the model's summary_ratio, 0.15)",
    )
    selection.add_argument(
        "--max-seconds",
        type=_seconds,
        default=None,
        metavar="S",
        help="reel budget instead of --ratio: the segments of highest summed saliency that fit in S seconds "
        "(exact 0/1 knapsack)",
    )
    selection.add_argument(
        "--min-segment",
        type=_non_negative_seconds,
        default=0.0,
        metavar="S",
        help="shortest segment: shorter ones are merged with a close neighbour or dropped (with --max-seconds: the "
        "knapsack picks pieces at least S long; with --segments shots: the shortest shot; default: 0, off)",
    )
    selection.add_argument(
        "--segments",
        choices=["frames", "shots"],
        default="frames",
        help="what the segments are made of: frames = the sampled frames the ratio or budget keeps; shots = whole "
        "shots (kernel temporal segmentation of the frame features) chosen by a 0/1 knapsack within --ratio x the "
        "duration or --max-seconds",
    )
    parser.add_argument(
        "--fps",
        type=_fps,
        default=None,
        help=f"frames sampled per second, at most {MAX_FPS:g} (default: the processor's, 1)",
    )
    parser.add_argument(
        "--max-frames",
        type=_positive_int,
        default=None,
        metavar="N",
        help="sample at most N frames per video (default: no cap)",
    )
    parser.add_argument(
        "--max-duration",
        type=_seconds,
        default=None,
        metavar="S",
        help="refuse videos longer than S seconds (reported as failed; the others go on; default: no cap)",
    )
    parser.add_argument(
        "--num-beams",
        type=_num_beams,
        default=None,
        metavar="N",
        help=f"beam search width, at most {MAX_NUM_BEAMS} (default: the checkpoint's generation_config, its training "
        "recipe)",
    )
    parser.add_argument(
        "--num-workers",
        type=_non_negative_int,
        default=None,
        metavar="N",
        help="processes decoding videos in parallel when several need summarizing; 0 = in this process (default: "
        "from the core count, half the cores, at most 8)",
    )
    outputs = parser.add_argument_group("outputs")
    outputs.add_argument(
        "--chapters",
        action="store_true",
        help="caption each segment and write <name>.chapters.vtt (WebVTT) and the captions in the JSON",
    )
    outputs.add_argument(
        "--cutlist",
        choices=["otio"],
        default=None,
        help="also write an editor cut list of the segments: otio = OpenTimelineIO timeline <name>.otio",
    )
    outputs.add_argument("--json-only", action="store_true", help="write only the JSON (and --chapters/--cutlist)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--dtype", default="auto", choices=DTYPES, help=DTYPE_HELP)
    parser.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="load --model with the code shipped in the checkpoint (runs that code; default: installed vsum classes)",
    )
    _add_verbosity(parser)
    parser.set_defaults(func=_run_summarize, subparser=parser)


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("messages")
    group.add_argument("--no-progress", action="store_true", help="no progress bars")
    group.add_argument(
        "-v", "--verbose", action="store_true", help="also print segments, chapters, timings and library logs"
    )
    group.add_argument("-q", "--quiet", action="store_true", help="print only errors (implies --no-progress)")


def _configure_messages(args: argparse.Namespace) -> None:
    """Quiet by default: library warnings and the weight-loading bar only with -v / when progress is on."""
    import logging

    import transformers

    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("vsum").setLevel(logging.INFO if args.verbose else logging.WARNING)
    # -v shows transformers' warnings (its INFO level dumps whole configs); the default shows only its errors.
    if args.verbose:
        transformers.utils.logging.set_verbosity_warning()
    else:
        transformers.utils.logging.set_verbosity_error()
    if args.no_progress or args.quiet:
        transformers.utils.logging.disable_progress_bar()
    else:
        transformers.utils.logging.enable_progress_bar()


def _run_summarize(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.max_seconds is not None and args.ratio is not None:
        parser.error("--ratio and --max-seconds are alternatives; pass one of them")

    from pathlib import Path

    _configure_messages(args)
    from . import loading
    from .loading import resolve_device, resolve_dtype, resolve_model_name
    from .summarize import check_writable, resolve_videos, summarize_many

    # Everything that can be checked without the model is checked first, each failure on one line; the model is
    # loaded only when a video needs computing (a rerun where everything is done loads nothing).
    try:
        device = resolve_device(args.device)
        name = resolve_model_name(args.model)
        videos = resolve_videos(args.videos)
        out_dir = Path(args.out)
        check_writable(out_dir)
        dtype = str(resolve_dtype(args.dtype, device)).removeprefix("torch.")
    except ValueError as error:
        print(f"vsum: error: {error}", file=sys.stderr)
        return 1

    def load_model():
        return loading.load_model_and_processor(
            name, device=args.device, dtype=args.dtype, trust_remote_code=args.trust_remote_code
        )

    log = (lambda message: None) if args.quiet else print
    try:
        report = summarize_many(
            videos,
            None,
            None,
            out_dir,
            model_name=name,
            ratio=args.ratio,
            fps=args.fps,
            num_beams=args.num_beams,
            max_frames=args.max_frames,
            max_duration=args.max_duration,
            max_seconds=args.max_seconds,
            min_segment=args.min_segment,
            segments=args.segments,
            chapters=args.chapters,
            cutlist=args.cutlist,
            json_only=args.json_only,
            num_workers=args.num_workers,
            progress=not (args.no_progress or args.quiet),
            verbose=args.verbose,
            log=log,
            load_model=load_model,
            dtype=dtype,
        )
    except ValueError as error:  # the model failed to load, or the output folder could not be opened
        print(f"vsum: error: {error}", file=sys.stderr)
        return 1
    log(f"vsum: {len(report.done)} summarized, {len(report.skipped)} already done, {len(report.failed)} failed")
    return 1 if report.failed else 0


# ------------------------------------------------------------------------------------------------ the command

#: One function per subcommand: it adds its sub-parser and sets `func` and `subparser`.
SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_make_synthetic,
    _add_make_synthetic_keyshot,
    _add_summarize,
]

#: Deprecated spellings accepted for one release (the scripts' names); any `--a_b` is also read as `--a-b`.
ALIASES = {
    "--output-dir": "--out",
    "--model-name-or-path": "--model",
    "--summary-ratio": "--ratio",
}


def _normalize_aliases(argv: list[str], known: set[str]) -> list[str]:
    """Rewrites deprecated option spellings (see [`ALIASES`]) to the canonical ones, with a warning each."""
    result = []
    for position, token in enumerate(argv):
        if token == "--":
            return result + argv[position:]
        option, sep, value = token.partition("=")
        if option.startswith("--") and option not in known:
            canonical = option.replace("_", "-")
            canonical = ALIASES.get(canonical, canonical)
            if canonical in known:
                print(
                    f"vsum: warning: {option} is deprecated, use {canonical} (the old spelling is accepted until the "
                    "next release)",
                    file=sys.stderr,
                )
                token = canonical + sep + value
        result.append(token)
    return result


class _Parser(argparse.ArgumentParser):
    """argparse with a hint when an argument that names an existing file was read as an option (`-clip.mp4`)."""

    argv: Sequence[str] = ()

    def error(self, message: str):
        import os

        dashed = [token for token in _Parser.argv if token.startswith("-") and token != "-" and os.path.exists(token)]
        if dashed and "--" not in _Parser.argv:
            files = ", ".join(dashed)
            message += (
                f"; {files} is a file whose name starts with '-': put it after '--' "
                f"({self.prog} [OPTIONS] -- {dashed[0]}) or write ./{dashed[0]}"
            )
        super().error(message)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    try:
        return version("vsum-la")
    except PackageNotFoundError:
        return __version__


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vsum",
        description="vsum-la: cross-modal summarization of long videos.",
        allow_abbrev=False,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vsum {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for add_subcommand in SUBCOMMANDS:
        add_subcommand(subparsers)
    return parser


def _known_options(parser: argparse.ArgumentParser) -> set[str]:
    known = set()
    for action in parser._actions:
        known.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                known |= _known_options(subparser)
    return known


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vsum`` with `argv` (default: ``sys.argv[1:]``) and return the exit code.

    Bad arguments end with argparse's usage and a one-line error (exit code 2); Ctrl-C prints `vsum: interrupted`
    and returns 130.
    """
    parser = _build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = _normalize_aliases(argv, _known_options(parser))
    _Parser.argv = argv
    args = parser.parse_args(argv)
    # The handler gets its own sub-parser so that its errors print the subcommand's usage.
    try:
        return args.func(args, args.subparser)
    except KeyboardInterrupt:
        # Ctrl-C: one line, no traceback; the summaries left behind are whole (see vsum.summarize), 128 + SIGINT.
        print("vsum: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

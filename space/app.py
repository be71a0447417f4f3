# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""vsum-la Gradio Space: upload a video, get a text summary, a highlight reel and the saliency plot.

Run locally (the model is loaded once, at start-up):

    python space/app.py [--model DIR_OR_HUB_ID] [--port N] [--host 127.0.0.1] [--max-file-size 200mb]
        [--max-duration 1800] [--max-pixels 8847360] [--work-dir DIR]

Uploads are hostile input: Gradio refuses files above `--max-file-size`, videos longer than `--max-duration` seconds
or with frames of more than `--max-pixels` pixels (default 4096x2160) are refused from a probe, before any frame is
decoded, and errors are one line naming the upload's file name (control characters escaped), never a server path.

Without `--model` the model comes from `$VSUM_MODEL`, else the small demo checkpoint shipped with the package
(trained on synthetic shapes only). `build_demo(model, processor)` returns the `gr.Blocks` without launching it.
Each request writes its outputs (`<name>.highlights.mp4`, `<name>.saliency.png`, `<name>.summary.json`) into a
fresh folder under the app's work folder; folders older than `KEEP_REQUEST_S` are removed at the next request.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from vsum import inference
from vsum.devices import DTYPE_HELP, DTYPES
from vsum.handler import one_line, printable
from vsum.io_utils import atomic_path
from vsum.loading import DEMO_CHECKPOINT, DEMO_VIDEO, load_model_and_processor, resolve_model_name
from vsum.processing_vsum import DEFAULT_MAX_PIXELS, local_media_path
from vsum.summarize import output_paths, summarize_to_files


RATIO_MIN, RATIO_MAX, RATIO_DEFAULT = 0.05, 0.5, 0.15
KEEP_REQUEST_S = 3600.0
REQUEST_PREFIX = "request-"
TITLE = "vsum-la: video summarization"
MAX_FILE_SIZE = "200mb"
MAX_DURATION_S = 1800.0
MAX_THUMBNAILS = 24
DEMO_NOTE = (
    "**Demo model**: this Space runs the small demo checkpoint, trained on synthetic videos of coloured shapes "
    "(SynthXum) only. It knows nothing else: on real videos its summaries are meaningless. Try the sample video below."
)


def display_model_name(name: str) -> str:
    """What the page shows for the model: a Hub id as is, a local folder by its name, never a server path."""
    if not name:
        return ""
    if os.path.isdir(name):
        if Path(name).resolve() == DEMO_CHECKPOINT.resolve():
            return "vsum-la demo checkpoint (SynthXum)"
        return Path(name).resolve().name
    return name


def segment_thumbnails(video: str, segments: list, out_dir: Path, stem: str) -> list[tuple[str, str]]:
    """One JPEG per selected segment (the frame on screen at its start) with a caption `start-end s`."""
    import av

    thumbnails = []
    with av.open(local_media_path(video)) as container:
        stream = container.streams.video[0]
        for index, (start, end) in enumerate(segments[:MAX_THUMBNAILS]):
            container.seek(int(start / stream.time_base), stream=stream, backward=True)
            frame = None
            for frame in container.decode(stream):
                if frame.time is not None and frame.time >= start - 1e-3:
                    break
            if frame is None:
                continue
            image = frame.to_image()
            image.thumbnail((320, 320))
            path = out_dir / f"{stem}.segment-{index:02d}.jpg"
            with atomic_path(path) as tmp:
                image.save(tmp, format="JPEG", quality=85)
            thumbnails.append((str(path), f"{start:.1f}–{end:.1f} s ({end - start:.1f} s)"))
    return thumbnails


def _one_line(error: BaseException, video: str, *folders: str | os.PathLike) -> str:
    """First line of `error`, with the server-side upload path shortened to its (escaped) file name and the upload's
    folder, `folders` (the work folder) and the temporary folder hidden; replaced before the message is cut, so a
    file name with a newline cannot leave half a path behind."""
    # Absolute folders only: a relative one ("videos") could match ordinary words of the message.
    replacements = {str(folder): "<work>" for folder in folders if Path(folder).is_absolute()}
    replacements[tempfile.gettempdir()] = "<tmp>"
    if Path(video).is_absolute():
        replacements[str(Path(video).parent)] = "<uploads>"
    replacements[video] = printable(Path(video).name)
    return one_line(str(error), replacements) or type(error).__name__


def prepare_work_dir(work_dir: str | os.PathLike) -> Path:
    """Creates `work_dir` if needed; `ValueError` naming it when it exists but is not a folder or cannot be made."""
    path = Path(work_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"work folder {str(path)!r} exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"work folder {str(path)!r} cannot be created ({error.strerror or error})") from None
    return path


def prune_requests(work_dir: Path, max_age_s: float = KEEP_REQUEST_S) -> None:
    """Removes request folders under `work_dir` last modified more than `max_age_s` seconds ago."""
    cutoff = time.time() - max_age_s
    for folder in work_dir.glob(f"{REQUEST_PREFIX}*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def summarize_upload(
    video: str | None,
    ratio: float,
    model: Any,
    processor: Any,
    work_dir: Path,
    model_name: str = "",
    progress: gr.Progress | None = None,
    max_duration: float = MAX_DURATION_S,
    chapters: bool = False,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> tuple[str, str, str, list[tuple[str, str]], list[list[str]], dict]:
    """Summarizes one uploaded video into a fresh folder under `work_dir`.

    Returns:
        `(text, highlight_reel_path, saliency_png_path, segment_thumbnails, chapter_rows, summary_dict)`; the
        thumbnails are `(jpeg_path, "start-end s")` per selected segment; with `chapters`, `chapter_rows` holds
        `["m:ss.s–m:ss.s", caption]` per segment (one caption per segment, `vsum.chapters`), else it is empty.

    Raises:
        `gr.Error` with a one-line reason when there is no upload, the video is longer than `max_duration` seconds
        or its frames hold more than `max_pixels` pixels (both checked on the library's probe, before any frame is
        decoded), it cannot be summarized, or `work_dir` is not a usable folder.
    """
    if not video:
        raise gr.Error("Upload a video first.")
    if not isinstance(ratio, (int, float)) or not RATIO_MIN <= ratio <= RATIO_MAX:
        raise gr.Error(f"The summary ratio must be between {RATIO_MIN} and {RATIO_MAX}, got {ratio}.")
    if not isinstance(chapters, bool):
        raise gr.Error(f"'chapters' must be true or false, got {chapters!r}.")
    try:
        work_dir = prepare_work_dir(work_dir)
        prune_requests(work_dir)
        out_dir = Path(tempfile.mkdtemp(prefix=REQUEST_PREFIX, dir=work_dir))
    except (ValueError, OSError) as error:
        raise gr.Error(_one_line(error, video, work_dir)) from error

    def on_progress(done: int, total: int) -> None:
        if progress is not None:
            progress((done, total), desc="Encoding frames", unit="frames")

    def on_media() -> None:
        if progress is not None:
            progress(1.0, desc="Writing the highlight reel")

    try:
        # One probe: the caps are checked on it, then the encoder reuses it (the video is not probed again).
        info = inference.probe_video(video, max_duration=max_duration, max_pixels=max_pixels)
        encoded = inference.encode_video(
            video, model, processor, progress=on_progress, max_duration=max_duration, info=info
        )
        summary = summarize_to_files(
            video,
            model,
            processor,
            out_dir,
            model_name=model_name,
            ratio=float(ratio),
            max_duration=max_duration,
            chapters=chapters,
            on_media=on_media,
            video_label=Path(video).name,
            encoded=encoded,
        )
    except (ValueError, RuntimeError, OSError) as error:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise gr.Error(_one_line(error, video, work_dir)) from error
    paths = output_paths(Path(video), out_dir)
    try:
        thumbnails = segment_thumbnails(video, summary["segments"], out_dir, Path(video).stem)
    except (ValueError, RuntimeError, OSError):
        thumbnails = []  # the summary stands without its thumbnails
    rows = [[chapter_time(c["start"], c["end"]), c["title"]] for c in summary.get("chapters", [])]
    return summary["text"], str(paths["highlights"]), str(paths["plot"]), thumbnails, rows, summary


def chapter_time(start: float, end: float) -> str:
    """`"m:ss.s–m:ss.s"` for a chapter row."""

    def clock(seconds: float) -> str:
        minutes, seconds = divmod(seconds, 60)
        return f"{int(minutes)}:{seconds:04.1f}"

    return f"{clock(start)}–{clock(end)}"


def build_demo(
    model: Any,
    processor: Any,
    model_name: str = "",
    work_dir: str | os.PathLike | None = None,
    max_duration: float = MAX_DURATION_S,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> gr.Blocks:
    """The Space UI around an already loaded `(model, processor)`; not launched.

    `work_dir` holds the per-request output folders (default: a new temporary folder); `ValueError` naming it when
    it exists but is not a folder.
    """
    work_path = prepare_work_dir(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="vsum-space-"))
    shown_name = display_model_name(model_name)
    is_demo = bool(model_name) and os.path.isdir(model_name) and Path(model_name).resolve() == DEMO_CHECKPOINT.resolve()

    # Gradio finds the progress tracker by this default value (its documented idiom).
    def run(video: str | None, ratio: float, chapters: bool, progress: gr.Progress = gr.Progress()):
        return summarize_upload(
            video,
            ratio,
            model,
            processor,
            work_path,
            shown_name,
            progress,
            max_duration,
            chapters=chapters,
            max_pixels=max_pixels,
        )

    # Gradio's own cache (uploads and copies of the outputs): checked hourly, files older than a day removed.
    with gr.Blocks(title=TITLE, delete_cache=(3600, 86400)) as demo:
        gr.Markdown(
            f"# {TITLE}\n"
            "Upload a video and press **Summarize**: you get a text summary, a highlight reel of the most salient "
            "segments (about *ratio* of the video), the segments themselves and the per-frame saliency curve. "
            f"Videos up to {max_duration / 60:g} minutes."
            + (f"\n\nModel: `{shown_name}`" if shown_name else "")
            + (f"\n\n{DEMO_NOTE}" if is_demo else "")
        )
        with gr.Row():
            with gr.Column():
                video_in = gr.Video(label="Video", sources=["upload"], height=360, elem_id="input-video")
                ratio = gr.Slider(
                    RATIO_MIN,
                    RATIO_MAX,
                    value=RATIO_DEFAULT,
                    step=0.01,
                    label="Summary ratio",
                    info="Fraction of the video kept in the highlight reel.",
                    elem_id="ratio",
                )
                chapters = gr.Checkbox(
                    value=False,
                    label="Chapters",
                    info="Caption each selected segment (the model was trained on whole-video summaries: segment "
                    "captions are an extension).",
                    elem_id="chapters-checkbox",
                )
                button = gr.Button("Summarize", variant="primary", elem_id="summarize")
            with gr.Column():
                text = gr.Textbox(label="Text summary", lines=3, interactive=False, elem_id="summary-text")
                reel = gr.Video(label="Highlight reel", interactive=False, height=360, elem_id="highlight-reel")
        gr.Examples([[str(DEMO_VIDEO), RATIO_DEFAULT]], inputs=[video_in, ratio], label="Sample video (SynthXum)")
        segments = gr.Gallery(
            label="Selected segments (start of each, with its times)",
            columns=6,
            height="auto",
            interactive=False,
            elem_id="segments",
        )
        chapter_table = gr.Dataframe(
            headers=["Time", "Chapter"],
            datatype=["str", "str"],
            label="Chapters (when ticked: one caption per segment, with its times)",
            interactive=False,
            elem_id="chapters",
        )
        plot = gr.Image(label="Saliency", type="filepath", format="png", interactive=False, elem_id="saliency-plot")
        with gr.Accordion("Summary JSON", open=False):
            summary = gr.JSON(label="Summary", elem_id="summary-json")
        button.click(
            run,
            inputs=[video_in, ratio, chapters],
            outputs=[text, reel, plot, segments, chapter_table, summary],
            concurrency_limit=1,
        )
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", default=None, help="model folder or Hub id (default: $VSUM_MODEL, else the demo checkpoint)"
    )
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--dtype", default="auto", choices=DTYPES, help=DTYPE_HELP)
    parser.add_argument(
        "--trust-remote-code", action="store_true", help="load --model with the code shipped in the checkpoint"
    )
    parser.add_argument("--host", default=None, help="address to listen on (default: Gradio's, $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=int, default=None, help="port (default: Gradio's, $GRADIO_SERVER_PORT or 7860)")
    parser.add_argument(
        "--work-dir", default=None, help="folder for the per-request outputs (default: a temporary one)"
    )
    parser.add_argument(
        "--max-file-size", default=MAX_FILE_SIZE, help=f"largest upload Gradio accepts (default {MAX_FILE_SIZE})"
    )
    parser.add_argument(
        "--max-duration",
        type=float,
        default=MAX_DURATION_S,
        help=f"longest video summarized, in seconds (default {MAX_DURATION_S:g})",
    )
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=DEFAULT_MAX_PIXELS,
        help=f"most pixels a video frame may hold, width x height (default {DEFAULT_MAX_PIXELS}: 4096x2160)",
    )
    args = parser.parse_args(argv)
    if args.max_pixels <= 0:
        parser.error(f"--max-pixels must be > 0, got {args.max_pixels}")
    try:
        # Checked before the model is loaded: a bad folder is reported at once.
        work_dir = prepare_work_dir(args.work_dir) if args.work_dir is not None else None
        name = resolve_model_name(args.model)
        model, processor = load_model_and_processor(
            name, device=args.device, dtype=args.dtype, trust_remote_code=args.trust_remote_code
        )
    except ValueError as error:
        parser.error(str(error))
    demo = build_demo(
        model,
        processor,
        model_name=name,
        work_dir=work_dir,
        max_duration=args.max_duration,
        max_pixels=args.max_pixels,
    )
    demo.queue(max_size=16).launch(
        server_name=args.host,
        server_port=args.port,
        max_file_size=args.max_file_size,
        allowed_paths=[str(DEMO_VIDEO)],  # the example, and nothing else of the package
    )


if __name__ == "__main__":
    main()

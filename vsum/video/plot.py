# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The saliency curve over the video's duration, the selected segments shaded, and a strip of keyframe
thumbnails under it (a person looks at frames, not at a curve)."""

from __future__ import annotations

import logging
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..processing_vsum import local_media_path


logger = logging.getLogger(__name__)

#: Most thumbnails in the strip (one per segment, at its most salient frame, spread evenly when there are more).
MAX_THUMBNAILS = 8


def decode_frames_at(source: str | os.PathLike, times: Sequence[float], width: int = 160) -> list[np.ndarray]:
    """The frames on screen at `times` (seconds, any order) as `(h, width, 3)` uint8 RGB arrays, decoded with PyAV
    by seeking to each time. Raises `ValueError` naming the file if it cannot be read."""
    import av

    images = []
    try:
        with av.open(local_media_path(source)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for t in times:
                container.seek(max(0, int(t / stream.time_base)), stream=stream, backward=True, any_frame=False)
                chosen = None
                for frame in container.decode(stream):
                    if frame.time is not None and frame.time > t + 1e-6 and chosen is not None:
                        break
                    chosen = frame
                if chosen is None:
                    raise ValueError(f"no frame at {t:.3f} s")
                height = max(2, round(width * chosen.height / max(1, chosen.width)))
                images.append(chosen.to_ndarray(width=width, height=height, format="rgb24"))
    except (av.error.FFmpegError, IndexError, ValueError) as error:
        raise ValueError(f"{source}: cannot decode thumbnails ({error})") from None
    return images


def thumbnail_times(summary: dict, limit: int = MAX_THUMBNAILS) -> list[float]:
    """One time per segment (its most salient sampled frame), at most `limit`, spread evenly over the segments."""
    frames = summary.get("frames") or []
    picks = []
    for start, end in summary.get("segments") or []:
        inside = [f for f in frames if start - 1e-6 <= f["t"] < end - 1e-6]
        picks.append(max(inside, key=lambda f: f["score"])["t"] if inside else float(start))
    if len(picks) > limit:
        picks = [picks[i] for i in np.linspace(0, len(picks) - 1, limit).round().astype(int)]
    return picks


def _format_duration(seconds: float) -> str:
    seconds = round(seconds)
    return (
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else (f"{seconds // 60}:{seconds % 60:02d}")
    )


def plain_text(text: str) -> str:
    """`text` in characters any font can draw: undecodable file-name bytes (kept by `os.fsdecode` as surrogates)
    become `\\xNN`, other lone surrogates `\\udNNN` (matplotlib's text engine refuses surrogates)."""
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a surrogate `os.fsdecode` never makes
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def plot_title(summary: dict, duration: float) -> str:
    """The plot's title: the video's name and duration, then the text summary wrapped at 110 characters, as plain
    text ([`plain_text`]; drawn with mathtext off, so `$x^2$` in a name is shown as typed)."""
    name = plain_text(Path(str(summary.get("video") or "video")).name)
    heading = f"{name} ({_format_duration(duration)}, {duration:.1f} s)"
    text = "\n".join(textwrap.wrap(plain_text(summary.get("text") or ""), 110)) or "(no text summary)"
    return f"{heading}\n{text}"


def plot_saliency(summary: dict, output: str | os.PathLike, video: str | os.PathLike | None = None) -> str:
    """Saves a PNG of `summary["frames"]` scores over `[0, duration]`; `summary` is what `summarize_video` returns.

    The title gives the video's name and duration, then the text summary, as plain text ([`plot_title`]). When `video` (the source file) is given,
    a strip of keyframe thumbnails ([`thumbnail_times`]) is drawn under the curve, each labelled with its time and
    joined to it by a dotted line; a video that cannot be decoded again gives a plot without the strip (warning).
    Written atomically (`vsum.io_utils.atomic_path`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io_utils import atomic_path

    times = [frame["t"] for frame in summary["frames"]]
    scores = [frame["score"] for frame in summary["frames"]]
    duration = float(summary.get("duration") or 0) or (times[-1] if times else 1.0)
    thumbs, thumb_times = [], []
    if video is not None and summary.get("segments"):
        thumb_times = thumbnail_times(summary)
        try:
            thumbs = decode_frames_at(video, thumb_times)
        except ValueError as error:
            logger.warning("%s; the plot has no thumbnails", error)
            thumbs = []
    if thumbs:
        figure, (axis, strip) = plt.subplots(2, 1, figsize=(10, 4.8), dpi=100, gridspec_kw={"height_ratios": [2.2, 1]})
    else:
        figure, axis = plt.subplots(figsize=(10, 3.2), dpi=100)
    for start, end in summary["segments"]:
        axis.axvspan(start, end, color="tab:orange", alpha=0.3, linewidth=0)
    axis.plot(times, scores, color="tab:blue", linewidth=1.2, label="saliency")
    axis.set_xlim(0, duration)
    axis.set_ylim(0, 1)
    axis.set_xlabel("time (s)")
    axis.set_ylabel("saliency")
    # parse_math=False: a `$` in a file name or a summary is a character, not the start of math markup.
    axis.set_title(plot_title(summary, duration), fontsize=9, parse_math=False)
    if thumbs:
        # Thumbnails in equal slots, in time order, each joined to its time on the curve's axis.
        strip.set_xlim(0, len(thumbs))
        strip.set_ylim(0, 1)
        strip.axis("off")
        for slot, (image, t) in enumerate(zip(thumbs, thumb_times)):
            aspect = image.shape[0] / image.shape[1]
            half_h = 0.42
            half_w = min(0.46, half_h / max(aspect, 1e-3) * 0.45)
            strip.imshow(
                image, extent=(slot + 0.5 - half_w, slot + 0.5 + half_w, 0.12, 0.12 + 2 * half_h), aspect="auto"
            )
            strip.text(slot + 0.5, 0.02, f"{t:.1f} s", ha="center", va="bottom", fontsize=8)
            figure.add_artist(
                matplotlib.patches.ConnectionPatch(
                    xyA=(t, 0),
                    coordsA=axis.transData,
                    xyB=(slot + 0.5, 0.12 + 2 * half_h),
                    coordsB=strip.transData,
                    color="grey",
                    linestyle=":",
                    linewidth=0.8,
                )
            )
    figure.tight_layout()
    with atomic_path(output) as partial:
        figure.savefig(partial, format="png")
    plt.close(figure)
    return os.fspath(output)

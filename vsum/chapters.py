# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Chapters: one caption per selected segment, exported as WebVTT.

The text decoder is run on each segment's own frames as if the segment were a short video (its ViT frame
embeddings go through the temporal modules and the decoder with `model.generate(frame_embeds=..., frame_mask=...)`,
all segments of a video in padded batches). The model was trained on whole-video summaries, so segment captions
are an extension of what it learned: they describe the segment in the style of a video summary.

A caption that says nothing ([`chapter_title`]: empty, one word, or only stop-words and punctuation) is replaced by
`Segment <n> (<start>–<end>)`, so no chapter is titled just "a".

>>> chapters_to_webvtt([{"start": 1.5, "end": 4.0, "title": "a red circle moves left"}]).splitlines()
['WEBVTT', '', '1', '00:00:01.500 --> 00:00:04.000', 'a red circle moves left']
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Sequence

import torch


#: Generation settings for chapter titles. Deliberately not the checkpoint's `generation_config` (which is the recipe
#: for whole-video summaries, up to 128 tokens): a chapter title is a short caption of one segment.
CHAPTER_GENERATE_KWARGS = {"num_beams": 3, "max_length": 40, "min_length": 5}
#: Words that carry no content on their own: a caption of only these (and punctuation) is no title.
STOP_WORDS = frozenset(
    "a an the and or but of to in on at by for with from into onto over under is are was were be been it its this "
    "that these those there here then than as so".split()
)


def _clock(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from one hour on (whole seconds)."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def chapter_title(caption: str, number: int, start: float, end: float) -> str:
    """The title of chapter `number` (from 1): `caption` with its white space collapsed, unless it is degenerate,
    then `"Segment <number> (<start>–<end>)"` (`m:ss` or `h:mm:ss`).

    Degenerate: fewer than two words, or no word (letters and digits) outside [`STOP_WORDS`]. A random or barely
    trained decoder gives such captions ("a", "the the", "."), which say nothing in a chapter list.

    >>> chapter_title("a", 3, 80.0, 105.0)
    'Segment 3 (1:20–1:45)'
    >>> chapter_title("a red  circle", 3, 80.0, 105.0)
    'a red circle'
    """
    words = str(caption).split()
    content = [w for w in re.findall(r"[^\W_]+", " ".join(words).lower()) if w not in STOP_WORDS]
    if len(words) >= 2 and content:
        return " ".join(words)
    return f"Segment {number} ({_clock(start)}–{_clock(end)})"


def segment_frame_indices(timestamps: Sequence[float], segments: Sequence[Sequence[float]]) -> list[list[int]]:
    """For each `[start, end]` segment, the indices of the sampled frames shown during it: those with
    `start <= t < end`, or, when a held frame covers the whole segment, the last frame sampled before `start`."""
    stamps = [float(t) for t in timestamps]
    if not stamps:
        raise ValueError("no sampled frames: cannot caption segments")
    eps = 1e-6
    result = []
    for start, end in segments:
        inside = [i for i, t in enumerate(stamps) if start - eps <= t < end - eps]
        if not inside:
            before = [i for i, t in enumerate(stamps) if t <= start + eps]
            inside = [before[-1] if before else 0]
        result.append(inside)
    return result


def caption_segments(
    model,
    processor,
    frame_embeds: torch.Tensor,
    timestamps: Sequence[float],
    segments: Sequence[Sequence[float]],
    generate_kwargs: dict | None = None,
    batch_size: int = 16,
) -> list[str]:
    """One caption per segment, from the ViT frame embeddings of the frames in it.

    Args:
        model ([`VsumModel`]), processor ([`VsumProcessor`]).
        frame_embeds (`torch.Tensor` of shape `(frames, hidden_size)`): `vsum.inference.encode_video`'s output.
        timestamps: the `frames` sampled frames' times (seconds).
        segments: `[[start_s, end_s], ...]`.
        generate_kwargs: overrides of [`CHAPTER_GENERATE_KWARGS`].
        batch_size: segments decoded together (padded to the longest).

    Returns:
        `list[str]`, one caption per segment, in order.
    """
    if frame_embeds.dim() != 2 or frame_embeds.shape[0] != len(timestamps):
        raise ValueError(
            f"frame_embeds must have shape (frames, hidden) with frames = {len(timestamps)} timestamps, "
            f"got {tuple(frame_embeds.shape)}"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    # The chapter recipe goes into a copy of the model's generation config and the caller's overrides stay arguments:
    # `VsumModel.generate` then lets a caller's `max_new_tokens` replace the recipe's `max_length` (both as arguments
    # would make transformers warn and keep both).
    generation_config = copy.deepcopy(model.generation_config)
    generation_config.update(**CHAPTER_GENERATE_KWARGS)
    kwargs = dict(generate_kwargs or {})
    parameter = next(model.parameters())
    groups = segment_frame_indices(timestamps, segments)
    captions: list[str] = []
    for first in range(0, len(groups), batch_size):
        batch = groups[first : first + batch_size]
        longest = max(len(indices) for indices in batch)
        embeds = frame_embeds.new_zeros(len(batch), longest, frame_embeds.shape[1])  # (B, T_max, D)
        mask = torch.zeros(len(batch), longest, dtype=torch.long)  # (B, T_max)
        for row, indices in enumerate(batch):
            embeds[row, : len(indices)] = frame_embeds[indices]
            mask[row, : len(indices)] = 1
        with torch.no_grad():
            ids = model.generate(
                frame_embeds=embeds.to(device=parameter.device, dtype=parameter.dtype),
                frame_mask=mask.to(parameter.device),
                generation_config=generation_config,
                **kwargs,
            )
        captions.extend(text.strip() for text in processor.batch_decode(ids))
    return captions


def add_chapters(
    summary: dict,
    model,
    processor,
    video: str | os.PathLike | None = None,
    frame_embeds: torch.Tensor | None = None,
    generate_kwargs: dict | None = None,
    batch_size: int = 16,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Captions every segment of a summary (the dict of `vsum.inference.summarize_video`, the pipeline or the
    `vsum summarize` JSON) and stores them as `summary["chapters"]`: `[{"start", "end", "title"}, ...]`; a
    degenerate caption gets the fallback title of [`chapter_title`].

    Pass the video's `frame_embeds` (`encode_video`'s first output, one row per `summary["frames"]` entry) when you
    have them; otherwise `video` is decoded and encoded again at the summary's sampling rate.

    Example:

    ```python
    >>> from vsum.chapters import add_chapters
    >>> from vsum.inference import summarize_video
    >>> summary = summarize_video(path, model, processor)  # doctest: +SKIP
    >>> for chapter in add_chapters(summary, model, processor, video=path):  # doctest: +SKIP
    ...     print(chapter["start"], chapter["end"], chapter["title"])
    ```
    """
    timestamps = [float(frame["t"]) for frame in summary["frames"]]
    if frame_embeds is None:
        if video is None:
            raise ValueError("add_chapters needs the video's frame_embeds or the video file")
        from .inference import encode_video

        frame_embeds, stamps, _ = encode_video(
            video, model, processor, fps=summary.get("fps"), max_frames=len(timestamps), progress=progress
        )
        if len(stamps) != len(timestamps) or any(abs(float(a) - b) > 1e-3 for a, b in zip(stamps, timestamps)):
            raise ValueError(
                f"{video}: re-encoding gave {len(stamps)} frames that do not match the summary's {len(timestamps)}"
            )
    duration = summary.get("duration")
    segments = summary["segments"]
    titles = caption_segments(model, processor, frame_embeds, timestamps, segments, generate_kwargs, batch_size)
    chapters = []
    for number, ((start, end), caption) in enumerate(zip(segments, titles), start=1):
        end = min(float(end), float(duration)) if duration else float(end)
        chapters.append({"start": float(start), "end": end, "title": chapter_title(caption, number, float(start), end)})
    summary["chapters"] = chapters
    return chapters


def _vtt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def chapters_to_webvtt(chapters: Sequence[dict]) -> str:
    """WebVTT text with one cue per chapter (players show cues of a `kind="chapters"` track as chapter titles).
    Titles are kept on one line; `-->` and blank lines, which would end or corrupt a cue, are removed."""
    lines = ["WEBVTT", ""]
    for number, chapter in enumerate(chapters, start=1):
        if not chapter["end"] > chapter["start"]:
            raise ValueError(f"chapter {number} has no length: [{chapter['start']}, {chapter['end']}]")
        title = " ".join(str(chapter["title"]).replace("-->", "->").split()) or f"Segment {number}"
        lines += [str(number), f"{_vtt_time(chapter['start'])} --> {_vtt_time(chapter['end'])}", title, ""]
    return "\n".join(lines)


def write_webvtt(chapters: Sequence[dict], path: str | os.PathLike) -> str:
    """Writes [`chapters_to_webvtt`] to `path` atomically; returns the path."""
    from .io_utils import atomic_write_text

    atomic_write_text(path, chapters_to_webvtt(chapters))
    return os.fspath(path)


__all__ = [
    "CHAPTER_GENERATE_KWARGS",
    "add_chapters",
    "caption_segments",
    "chapter_title",
    "chapters_to_webvtt",
    "segment_frame_indices",
    "write_webvtt",
]

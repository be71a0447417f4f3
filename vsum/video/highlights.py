# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Cut the selected segments out of a video into a highlight reel (PyAV; audio kept when present)."""

from __future__ import annotations

import logging
import os
from fractions import Fraction

from ..processing_vsum import local_media_path


logger = logging.getLogger(__name__)


def _source_rotation(container, stream) -> int:
    """The display-matrix rotation (degrees, counter-clockwise) of `stream`'s first frame; 0 when there is none."""
    for frame in container.decode(stream):
        return int(round(float(getattr(frame, "rotation", 0) or 0))) % 360
    return 0


def write_highlights(source: str | os.PathLike, segments: list[list[float]], output: str | os.PathLike) -> float:
    """Writes the `segments` (`[[start_s, end_s], ...]`, sorted, non-overlapping) of `source` back to back.

    Video is re-encoded with libx264 at the source's average frame rate (frames keep their order, nothing is
    re-timed: each segment contributes the frames whose timestamps fall in `[start, end)`); audio, when present, is
    re-encoded as AAC at audio-frame granularity. A segment in which no frame starts (a frame held across it)
    shows the held frame once; empty segments (`end <= start`) are skipped with a warning, and `ValueError` naming
    the file is raised when nothing is left. The file is written through `vsum.io_utils.atomic_path` (random
    exclusive temporary, renamed at the end).

    Returns:
        The reel's video duration in seconds.
    """
    import av

    from ..io_utils import atomic_path

    usable = []
    for segment in segments:
        if len(segment) != 2:
            raise ValueError(f"{source}: a segment is [start_s, end_s], got {segment!r}")
        start, end = float(segment[0]), float(segment[1])
        if not (start >= 0 and end < float("inf")):
            raise ValueError(f"{source}: invalid segment [{start}, {end}]")
        if end > start:
            usable.append((start, end))
        else:
            # A zero-length segment (a keyframe with no display time) has nothing to show: skipped, not fatal.
            logger.warning("%s: skipping the empty segment [%s, %s]", source, start, end)
    if not usable:
        raise ValueError(f"{source}: no segment with a positive length to write (got {list(segments)})")
    written = 0
    with atomic_path(output) as partial:
        with (
            av.open(local_media_path(source)) as container,
            av.open(local_media_path(partial), mode="w", format="mp4") as out,
        ):
            video_in = container.streams.video[0]
            audio_in = container.streams.audio[0] if container.streams.audio else None
            rate = Fraction(video_in.average_rate or 25).limit_denominator(1000)
            video_out = out.add_stream("libx264", rate=rate)
            # 4:2:0 needs even sizes; drop the last row/column of odd-sized sources.
            width = max(2, video_in.codec_context.width - video_in.codec_context.width % 2)
            height = max(2, video_in.codec_context.height - video_in.codec_context.height % 2)
            video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
            video_out.options = {"preset": "veryfast"}
            # The reel keeps the source's display rotation (phone videos): frames are copied as coded, so the same
            # display matrix makes players show them the way the source is shown.
            rotation = _source_rotation(container, video_in)
            if rotation:
                video_out.set_display_rotation(rotation)
            audio_out = None
            if audio_in is not None:
                audio_out = out.add_stream("aac", rate=audio_in.codec_context.sample_rate or 44100)
                audio_out.layout = audio_in.codec_context.layout.name if audio_in.codec_context.layout else "stereo"
                resampler = av.AudioResampler(format="fltp", layout=audio_out.layout, rate=audio_out.rate)
            audio_samples = 0
            eps = 1e-6

            def emit(frame) -> None:
                nonlocal written
                image = frame.reformat(width=width, height=height, format="yuv420p")
                image.pts = written
                image.time_base = Fraction(1) / rate
                out.mux(video_out.encode(image))
                written += 1

            for start, end in usable:
                container.seek(int(start / video_in.time_base), stream=video_in, backward=True, any_frame=False)
                shown, held = 0, None
                for frame in container.decode(video_in):
                    if frame.time is None:
                        continue
                    if frame.time < start - eps:
                        held = frame  # the frame on screen at `start` if none starts inside the segment
                        continue
                    if frame.time >= end - eps:
                        break
                    emit(frame)
                    shown += 1
                if shown == 0 and held is not None:
                    # A frame held across the whole segment (slideshows, long gaps): show it once.
                    emit(held)
                if audio_out is None:
                    continue
                container.seek(int(start / audio_in.time_base), stream=audio_in, backward=True, any_frame=False)
                for frame in container.decode(audio_in):
                    if frame.time is None or frame.time + frame.samples / frame.sample_rate <= start:
                        continue
                    if frame.time >= end:
                        break
                    for resampled in resampler.resample(frame):
                        resampled.pts = audio_samples
                        audio_samples += resampled.samples
                        out.mux(audio_out.encode(resampled))
            out.mux(video_out.encode(None))
            if audio_out is not None:
                out.mux(audio_out.encode(None))
        if written == 0:
            raise ValueError(f"{source}: the segments {list(segments)} contain no frames")
    return float(written / rate)

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Cut the selected segments out of a video into a highlight reel (PyAV; audio kept when present)."""

from __future__ import annotations

import os
from fractions import Fraction


def write_highlights(source: str | os.PathLike, segments: list[list[float]], output: str | os.PathLike) -> float:
    """Writes the `segments` (`[[start_s, end_s], ...]`, sorted, non-overlapping) of `source` back to back.

    Video is re-encoded with libx264 at the source's average frame rate (frames keep their order, nothing is
    re-timed: each segment contributes the frames whose timestamps fall in `[start, end)`); audio, when present, is
    re-encoded as AAC at audio-frame granularity. The file is written under a temporary name and renamed at the end.

    Returns:
        The reel's video duration in seconds.
    """
    import av

    if not segments:
        raise ValueError(f"{source}: no segments to write")
    for start, end in segments:
        if not 0 <= start < end:
            raise ValueError(f"{source}: invalid segment [{start}, {end}]")
    output = os.fspath(output)
    partial = output + ".partial.mp4"
    written = 0
    try:
        with av.open(os.fspath(source)) as container, av.open(partial, mode="w", format="mp4") as out:
            video_in = container.streams.video[0]
            audio_in = container.streams.audio[0] if container.streams.audio else None
            rate = Fraction(video_in.average_rate or 25).limit_denominator(1000)
            video_out = out.add_stream("libx264", rate=rate)
            # 4:2:0 needs even sizes; drop the last row/column of odd-sized sources.
            width = video_in.codec_context.width - video_in.codec_context.width % 2
            height = video_in.codec_context.height - video_in.codec_context.height % 2
            video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
            video_out.options = {"preset": "veryfast"}
            audio_out = None
            if audio_in is not None:
                audio_out = out.add_stream("aac", rate=audio_in.codec_context.sample_rate or 44100)
                audio_out.layout = audio_in.codec_context.layout.name if audio_in.codec_context.layout else "stereo"
                resampler = av.AudioResampler(format="fltp", layout=audio_out.layout, rate=audio_out.rate)
            audio_samples = 0
            eps = 1e-6
            for start, end in segments:
                container.seek(int(start / video_in.time_base), stream=video_in, backward=True, any_frame=False)
                for frame in container.decode(video_in):
                    if frame.time is None or frame.time < start - eps:
                        continue
                    if frame.time >= end - eps:
                        break
                    image = frame.reformat(width=width, height=height, format="yuv420p")
                    image.pts = written
                    image.time_base = Fraction(1) / rate
                    out.mux(video_out.encode(image))
                    written += 1
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
            raise ValueError(f"{source}: the segments {segments} contain no frames")
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return float(written / rate)

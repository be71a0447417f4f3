# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Editor cut lists: the selected segments as an OpenTimelineIO timeline (`.otio`), which editors (DaVinci Resolve,
Premiere via adapters, Avid, Kdenlive, ...) open, so a summary can be refined instead of re-encoded.

Each segment is one clip referencing the source file (absolute `file://` URL) with its source range in frames of the
video's frame rate; the clips are placed back to back on a video track (and on an audio track when the source has
audio).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


#: Cut-list formats of `--cutlist` and their file suffixes.
CUTLIST_FORMATS = {"otio": ".otio"}


def build_timeline(
    segments: Sequence[Sequence[float]],
    source: str | os.PathLike,
    rate: float,
    duration: float,
    name: str | None = None,
    audio: bool = False,
):
    """An `opentimelineio.schema.Timeline` with one clip per `[start_s, end_s]` segment of `source`.

    Segment bounds are rounded to whole frames at `rate` (frames per second); a segment shorter than a frame after
    rounding is skipped. Raises `ValueError` when no clip remains.
    """
    import opentimelineio as otio

    if not rate or not rate > 0:
        raise ValueError(f"{source}: frame rate must be > 0 for a cut list, got {rate}")
    source = Path(source).resolve()
    total = max(1, round(float(duration) * rate))
    reference_range = otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(total, rate)
    )
    kinds = [otio.schema.TrackKind.Video] + ([otio.schema.TrackKind.Audio] if audio else [])
    timeline = otio.schema.Timeline(name=name or source.stem)
    timeline.global_start_time = otio.opentime.RationalTime(0, rate)
    for kind in kinds:
        track = otio.schema.Track(name=f"{kind} 1", kind=kind)
        for number, (start, end) in enumerate(segments, start=1):
            first, last = round(float(start) * rate), min(round(float(end) * rate), total)
            if last <= first:
                continue
            track.append(
                otio.schema.Clip(
                    name=f"{source.stem} segment {number}",
                    media_reference=otio.schema.ExternalReference(
                        target_url=source.as_uri(), available_range=reference_range
                    ),
                    source_range=otio.opentime.TimeRange(
                        otio.opentime.RationalTime(first, rate), otio.opentime.RationalTime(last - first, rate)
                    ),
                )
            )
        if not len(track):
            raise ValueError(f"{source}: no segment is a frame long at {rate:g} fps: {list(segments)}")
        timeline.tracks.append(track)
    return timeline


def write_cutlist(
    segments: Sequence[Sequence[float]],
    source: str | os.PathLike,
    output: str | os.PathLike,
    rate: float,
    duration: float,
    name: str | None = None,
    audio: bool = False,
    fmt: str = "otio",
) -> str:
    """Writes the [`build_timeline`] cut list of `segments` to `output` atomically; returns the path."""
    import opentimelineio as otio

    from ..io_utils import atomic_write_text

    if fmt not in CUTLIST_FORMATS:
        raise ValueError(f"cut-list format must be one of {', '.join(CUTLIST_FORMATS)}, got {fmt!r}")
    timeline = build_timeline(segments, source, rate, duration, name=name, audio=audio)
    atomic_write_text(output, otio.adapters.write_to_string(timeline, "otio_json"))
    return os.fspath(output)


__all__ = ["CUTLIST_FORMATS", "build_timeline", "write_cutlist"]

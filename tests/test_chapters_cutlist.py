# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Chapters (one caption per segment, WebVTT) and OpenTimelineIO cut lists."""

import re

import pytest
import torch
from conftest import write_video

from vsum.chapters import add_chapters, caption_segments, chapters_to_webvtt, segment_frame_indices, write_webvtt
from vsum.video import build_timeline, write_cutlist


def test_segment_frame_indices_include_held_frames():
    stamps = [0.0, 1.0, 2.0, 10.0]
    assert segment_frame_indices(stamps, [[0.0, 2.0], [2.0, 10.0], [5.0, 6.0]]) == [[0, 1], [2], [2]]


def test_caption_segments_one_per_segment_and_batching_does_not_matter(tiny_model, tiny_processor):
    torch.manual_seed(0)
    embeds = torch.randn(12, tiny_model.config.hidden_size)
    stamps = [float(t) for t in range(12)]
    segments = [[0.0, 3.0], [4.0, 5.0], [6.0, 11.0], [11.0, 12.0]]
    kwargs = {"num_beams": 1, "max_length": 12, "min_length": 3}
    batched = caption_segments(tiny_model, tiny_processor, embeds, stamps, segments, kwargs, batch_size=16)
    single = caption_segments(tiny_model, tiny_processor, embeds, stamps, segments, kwargs, batch_size=1)
    assert len(batched) == len(segments) and all(isinstance(c, str) and c for c in batched)
    assert batched == single  # padding a segment in a batch changes nothing
    # Each caption is the model's text for that segment alone.
    alone = tiny_processor.batch_decode(tiny_model.generate(frame_embeds=embeds[None, 6:11], **kwargs))[0].strip()
    assert batched[2] == alone
    with pytest.raises(ValueError, match="frames = 12"):
        caption_segments(tiny_model, tiny_processor, embeds[:5], stamps, segments)


def test_add_chapters_on_a_video_summary(tiny_model, tiny_processor, tmp_path):
    from vsum.inference import summarize_video

    video = write_video(tmp_path / "v.mp4", duration=8.0, fps=10)
    summary = summarize_video(video, tiny_model, tiny_processor, ratio=0.3, generate_kwargs={"num_beams": 1})
    chapters = add_chapters(summary, tiny_model, tiny_processor, video=video, generate_kwargs={"num_beams": 1})
    assert summary["chapters"] is chapters and len(chapters) == len(summary["segments"]) >= 1
    for chapter, (start, end) in zip(chapters, summary["segments"]):
        assert 0 <= chapter["start"] == start < chapter["end"] == min(end, summary["duration"])
        assert chapter["title"]
    with pytest.raises(ValueError, match="frame_embeds or the video"):
        add_chapters(summary, tiny_model, tiny_processor)


def test_webvtt_format(tmp_path):
    chapters = [
        {"start": 0.0, "end": 2.5, "title": "a red circle\nmoves --> left"},
        {"start": 3661.25, "end": 3662.0, "title": ""},
    ]
    text = chapters_to_webvtt(chapters)
    assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.500\na red circle moves -> left\n")
    assert "2\n01:01:01.250 --> 01:01:02.000\nSegment 2\n" in text
    assert len(re.findall(r"-->", text)) == 2
    write_webvtt(chapters, tmp_path / "c.vtt")
    assert (tmp_path / "c.vtt").read_text() == text
    with pytest.raises(ValueError, match="no length"):
        chapters_to_webvtt([{"start": 2.0, "end": 2.0, "title": "x"}])


def test_otio_cutlist_reads_back_as_the_segments(tmp_path):
    import opentimelineio as otio

    video = write_video(tmp_path / "clip.mp4", duration=6.0, fps=25, audio=True)
    segments = [[0.52, 1.5], [3.0, 4.24], [5.0, 6.0]]
    path = write_cutlist(segments, video, tmp_path / "clip.otio", rate=25.0, duration=6.0, audio=True)
    timeline = otio.adapters.read_from_file(path)
    assert [track.kind for track in timeline.tracks] == ["Video", "Audio"]
    for track in timeline.tracks:
        clips = list(track.find_clips())
        assert len(clips) == 3
        for clip, (start, end) in zip(clips, segments):
            rng = clip.source_range
            assert rng.start_time.rate == 25.0
            assert rng.start_time.to_seconds() == pytest.approx(start, abs=1 / 25 / 2 + 1e-9)
            assert rng.end_time_exclusive().to_seconds() == pytest.approx(end, abs=1 / 25 / 2 + 1e-9)
            assert clip.media_reference.target_url == (tmp_path / "clip.mp4").resolve().as_uri()
    assert timeline.tracks[0].duration().to_seconds() == pytest.approx(0.96 + 1.24 + 1.0, abs=0.05)
    with pytest.raises(ValueError, match="no segment is a frame long"):
        build_timeline([[1.0, 1.001]], video, rate=25.0, duration=6.0)
    with pytest.raises(ValueError, match="format"):
        write_cutlist(segments, video, tmp_path / "x.edl", rate=25.0, duration=6.0, fmt="edl")

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The video-summarization pipeline: generation keywords, unknown arguments, bytes input and the safety options."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from conftest import WORDS, allowed_and_outside_folders, write_video
from transformers import pipeline

from vsum.pipeline import GENERATION_PARAMETERS, VideoSummarizationPipeline


@pytest.fixture(scope="module")
def summarizer():
    from vsum import VsumModel
    from vsum.tiny import make_tiny_processor, tiny_config

    processor = make_tiny_processor(words=WORDS)
    torch.manual_seed(0)
    model = VsumModel(tiny_config(processor)).eval()
    # The class itself: `pipeline(task)` in this process may resolve to a checkpoint's remote-code copy once another
    # test loaded one (transformers re-registers the task with the folder's class).
    return VideoSummarizationPipeline(model=model, processor=processor, device=-1)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", duration=6.0, fps=10)


@pytest.fixture()
def generate_calls(summarizer, monkeypatch):
    """Records the keyword arguments `model.generate` receives."""
    calls = []
    original = summarizer.model.generate

    def recording(**kwargs):
        calls.append({k: v for k, v in kwargs.items() if k not in ("frame_features", "frame_mask")})
        return original(**kwargs)

    monkeypatch.setattr(summarizer.model, "generate", recording)
    return calls


REGISTRATION_CHILD = r"""
import vsum.pipeline
from transformers import pipeline
from vsum.tiny import make_tiny_processor, tiny_config
from vsum import VsumModel
processor = make_tiny_processor(["red", "circle"])
summarizer = pipeline("video-summarization", model=VsumModel(tiny_config(processor)), processor=processor)
print(type(summarizer).__module__, type(summarizer).__name__)
"""


def test_import_registers_the_task_natively(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run(
        [sys.executable, "-c", REGISTRATION_CHILD], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == ["vsum.pipeline", "VideoSummarizationPipeline"]


def test_only_the_callers_generation_keywords_reach_generate(summarizer, clip, generate_calls):
    summarizer(clip)
    summarizer(clip, max_new_tokens=3, num_beams=2)
    summarizer(clip, generate_kwargs={"max_new_tokens": 2, "do_sample": False})
    # Nothing hard-coded: what is not given comes from the model's generation_config.
    assert generate_calls == [{}, {"max_new_tokens": 3, "num_beams": 2}, {"max_new_tokens": 2, "do_sample": False}]


def test_generation_keywords_change_the_text(summarizer, clip):
    short = summarizer(clip, num_beams=1, max_new_tokens=1)
    longer = summarizer(clip, num_beams=1, max_new_tokens=8, min_new_tokens=8)
    assert len(longer["text"].split()) > len(short["text"].split())


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"num_beam": 3}, "num_beam"),  # a typo is an error, not silently dropped
        ({"max_tokens": 3}, "max_tokens"),
        ({"generate_kwargs": {"beams": 2}}, "beams"),
        ({"generate_kwargs": {"num_beams": 2}, "num_beams": 2}, "both"),
        ({"generate_kwargs": [("num_beams", 2)]}, "generate_kwargs"),
        ({"ratio": "abc"}, "'ratio'"),
        ({"ratio": 1.5}, "'ratio'"),
        ({"num_beams": 0}, "'num_beams'"),
        ({"num_beams": "3"}, "'num_beams'"),
        ({"max_frames": 2.5}, "'max_frames'"),
        ({"temperature": -1.0}, "'temperature'"),
    ],
)
def test_bad_arguments_raise_naming_them(summarizer, clip, kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        summarizer(clip, **kwargs)


def test_unknown_arguments_at_construction(summarizer):
    with pytest.raises(ValueError, match="num_beam"):
        pipeline("video-summarization", model=summarizer.model, processor=summarizer.processor, num_beam=2)
    assert set(GENERATION_PARAMETERS) >= {"max_new_tokens", "num_beams", "max_length", "min_length", "do_sample"}


def test_bytes_input_matches_the_path(summarizer, clip):
    data = open(clip, "rb").read()
    from_path = summarizer(clip, num_beams=1, max_new_tokens=4)
    from_bytes = summarizer(data, num_beams=1, max_new_tokens=4)
    assert from_bytes["video"] == "input" and from_path["video"] == clip
    for key in ("segments", "frames", "keyframes", "text", "duration"):
        assert from_bytes[key] == from_path[key], key
    with pytest.raises(ValueError, match="more than max_bytes=100"):
        summarizer(data, max_bytes=100)
    with pytest.raises(ValueError) as caught:
        summarizer(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    assert str(caught.value).startswith("input: ") and "vsum-pipeline-" not in str(caught.value)


def test_safety_options(summarizer, clip, tmp_path):
    with pytest.raises(ValueError, match="does not fetch URLs"):
        summarizer("http://127.0.0.1:1/video.mp4")
    with pytest.raises(ValueError, match=r"clip.mp4: video is 6.0 s long, more than the allowed maximum of 5 s"):
        summarizer(clip, max_duration=5.0)
    with pytest.raises(ValueError, match="file path or bytes"):
        summarizer(12)

    allowed, outside = allowed_and_outside_folders(clip, tmp_path)
    assert summarizer(str(allowed / "ok.mp4"), allowed_dir=str(allowed), num_beams=1, max_new_tokens=2)["segments"]
    for path in (allowed / "link.mp4", allowed / ".." / "outside" / "secret.mp4"):
        with pytest.raises(ValueError, match="outside the allowed folder"):
            summarizer(str(path), allowed_dir=str(allowed))
    with pytest.raises(ValueError, match="relative video paths are refused"):
        summarizer("ok.mp4", allowed_dir=str(allowed))


@pytest.fixture()
def decode_calls(monkeypatch):
    """Counts the probes and encodes of a video (the library's own functions, wherever the pipeline calls them)."""
    import vsum.chapters
    import vsum.inference
    import vsum.pipeline

    calls = {"probe": 0, "encode": 0}
    probe, encode = vsum.inference.probe_video, vsum.inference.encode_video

    def counting_probe(*args, **kwargs):
        calls["probe"] += 1
        return probe(*args, **kwargs)

    def counting_encode(*args, **kwargs):
        calls["encode"] += 1
        return encode(*args, **kwargs)

    for module in (vsum.inference, vsum.pipeline):  # the pipeline probes first (its caps), then hands the probe on
        monkeypatch.setattr(module, "probe_video", counting_probe)
    for module in (vsum.inference, vsum.pipeline):
        monkeypatch.setattr(module, "encode_video", counting_encode)
    return calls


def test_chapters_one_caption_per_segment_and_one_decode(summarizer, clip, decode_calls):
    from vsum.chapters import caption_segments

    result = summarizer(clip, chapters=True, ratio=0.3, num_beams=1, max_new_tokens=4)
    assert decode_calls == {"probe": 1, "encode": 1}, "the video must be probed and decoded once, chapters included"
    segments, chapters = result["segments"], result["chapters"]
    assert segments and len(chapters) == len(segments)
    for chapter, (start, end) in zip(chapters, segments):
        assert (chapter["start"], chapter["end"]) == (start, end)
        assert 0 <= start < end <= result["duration"] and isinstance(chapter["title"], str)
    # The titles are the captions of the segments' own frame features (not copies of the whole-video text).
    from vsum.chapters import chapter_title
    from vsum.inference import encode_video

    embeds, stamps, _ = encode_video(clip, summarizer.model, summarizer.processor)
    captions = caption_segments(summarizer.model, summarizer.processor, embeds, stamps.tolist(), segments)
    assert [c["title"] for c in chapters] == [
        chapter_title(caption, number, c["start"], c["end"])  # degenerate captions get the fallback title
        for number, (caption, c) in enumerate(zip(captions, chapters), start=1)
    ]
    assert "chapters" not in summarizer(clip, ratio=0.3, num_beams=1, max_new_tokens=4)
    with pytest.raises(ValueError, match="'chapters'"):
        summarizer(clip, chapters="yes")


def test_output_is_rounded_like_the_cli_json(summarizer, clip):
    from vsum.formatting import round_summary

    result = summarizer(clip, chapters=True, ratio=0.3, num_beams=1, max_new_tokens=4)
    assert result == round_summary(result)
    assert all(round(f["t"], 3) == f["t"] and round(f["score"], 4) == f["score"] for f in result["frames"])


def test_generation_defaults_come_from_the_generation_config(summarizer, clip, generate_calls):
    """Nothing set by the caller: `generate` gets no keywords, so the checkpoint's `generation_config` decides."""
    summarizer(clip)
    assert generate_calls == [{}]


def test_dtype_parameter_reaches_the_encoder_and_is_validated(summarizer, clip, monkeypatch):
    import vsum.pipeline as pipeline_module

    seen = []
    real = pipeline_module.encode_video

    def spy(*args, **kwargs):
        seen.append(kwargs.get("dtype"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "encode_video", spy)
    fp32 = summarizer(clip, dtype="float32", max_new_tokens=4)
    bf16 = summarizer(clip, dtype="bfloat16", max_new_tokens=4)
    assert seen == ["float32", "bfloat16"]
    assert len(bf16["frames"]) == len(fp32["frames"])
    with pytest.raises(ValueError, match="'dtype' must be auto, float32, bfloat16 or float16"):
        summarizer(clip, dtype="float8")

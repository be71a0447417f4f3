# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""vsum.inference: prefetching bounded in memory, precision (dtype) plumbing, probe once, and many videos at once
(parallel decoding workers give the same features as serial encoding)."""

import threading
import time
import weakref

import numpy as np
import pytest
import torch
from conftest import write_video

from vsum import inference, processing_vsum
from vsum.inference import _prefetch, encode_video, encode_videos, summarize_video


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    paths = [write_video(root / f"clip{k}.mp4", duration=3.0 + 2 * k, fps=5, width=48, height=32) for k in range(3)]
    bad = root / "broken.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    return paths, str(bad)


def test_prefetch_queue_is_bounded_and_forwards_errors():
    lock, state = threading.Lock(), {"produced": 0, "consumed": 0, "ahead": 0}

    def items():
        for k in range(30):
            with lock:
                state["produced"] += 1
                state["ahead"] = max(state["ahead"], state["produced"] - state["consumed"])
            yield k

    for _item in _prefetch(items(), depth=2):
        time.sleep(0.002)  # a slow consumer: an unbounded queue would run far ahead
        with lock:
            state["consumed"] += 1
    assert state["consumed"] == 30
    # Queue of 2, one item in the producer's hand waiting to be put, one in the consumer's.
    assert state["ahead"] <= 4

    def failing():
        yield 1
        raise ValueError("bad.mp4: broken")

    with pytest.raises(ValueError, match="bad.mp4: broken"):
        list(_prefetch(failing(), depth=2))


def test_encode_video_keeps_few_chunks_alive(tiny_model, tiny_processor, tmp_path, monkeypatch):
    # A long video in many small chunks: however many chunks, at most prefetch + 2 are alive at a time.
    path = write_video(tmp_path / "long.mp4", duration=60.0, fps=2, width=32, height=32)
    alive = {"now": 0, "max": 0}
    original = inference._frame_chunks

    def counted(*args, **kwargs):
        for pixel_values, times in original(*args, **kwargs):
            alive["now"] += 1
            alive["max"] = max(alive["max"], alive["now"])
            weakref.finalize(pixel_values, lambda: alive.__setitem__("now", alive["now"] - 1))
            yield pixel_values, times
            del pixel_values

    monkeypatch.setattr(inference, "_frame_chunks", counted)
    embeds, stamps, _ = encode_video(path, tiny_model, tiny_processor, chunk_size=2, prefetch=2)
    assert embeds.shape == (60, tiny_model.config.vision_config.hidden_size) and len(stamps) == 60
    assert alive["max"] <= 4, alive


def test_encode_video_probes_once_and_matches_prefetch_off(tiny_model, tiny_processor, clips, monkeypatch):
    calls = []
    original = processing_vsum.probe_video

    def probe(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(inference, "probe_video", probe)
    monkeypatch.setattr(processing_vsum, "probe_video", probe)
    threaded, stamps, _ = encode_video(clips[0][1], tiny_model, tiny_processor, chunk_size=2)
    assert len(calls) == 1
    inline, inline_stamps, _ = encode_video(clips[0][1], tiny_model, tiny_processor, chunk_size=2, prefetch=0)
    torch.testing.assert_close(threaded, inline)
    torch.testing.assert_close(stamps, inline_stamps)


def test_dtype_is_plumbed(tiny_model, tiny_processor, clips):
    path = clips[0][0]
    fp32, _, _ = encode_video(path, tiny_model, tiny_processor)
    bf16, _, _ = encode_video(path, tiny_model, tiny_processor, dtype="bfloat16")
    auto, _, _ = encode_video(path, tiny_model, tiny_processor, dtype="auto")  # CPU: float32
    assert bf16.dtype == torch.float32 and not torch.equal(bf16, fp32)  # computed in bf16, returned as float32
    torch.testing.assert_close(bf16, fp32, atol=0.1, rtol=0.05)
    torch.testing.assert_close(auto, fp32)
    with pytest.raises(ValueError, match="dtype must be one of"):
        encode_video(path, tiny_model, tiny_processor, dtype="int8")
    summary = summarize_video(
        path, tiny_model, tiny_processor, dtype="bfloat16", generate_kwargs={"max_length": 8, "min_length": 2}
    )
    assert summary["frames"] and all(end > start for start, end in summary["segments"])
    half = tiny_model.to(torch.bfloat16)
    try:
        embeds, _, _ = encode_video(path, half, tiny_processor)  # inputs follow the model's dtype
        assert embeds.dtype == torch.float32
        with pytest.raises(ValueError, match="loaded in torch.bfloat16"):
            encode_video(path, half, tiny_processor, dtype="float32")
    finally:
        tiny_model.to(torch.float32)


def test_summarize_video_caps(tiny_model, tiny_processor, tmp_path):
    path = write_video(tmp_path / "claims.mp4", timestamps=[0.0, 7199.0], fps=1)
    summary = summarize_video(
        path, tiny_model, tiny_processor, max_frames=12, generate_kwargs={"max_length": 8, "min_length": 2}
    )
    assert summary["timings"]["frames"] == 12
    assert all(end > start for start, end in summary["segments"])
    with pytest.raises(ValueError, match="claims.mp4: video is .* s long"):
        summarize_video(path, tiny_model, tiny_processor, max_duration=60)


@pytest.mark.parametrize("num_workers", [1, 2])  # 1: in-process; 2: worker processes
def test_encode_videos_equals_serial_and_reports_bad_videos(tiny_model, tiny_processor, clips, num_workers):
    paths, bad = clips
    order = [paths[0], bad, paths[1], paths[2]]
    results = list(encode_videos(order, tiny_model, tiny_processor, chunk_size=4, num_workers=num_workers))
    assert [r.path for r in results] == order and [r.index for r in results] == [0, 1, 2, 3]
    assert not results[1].ok and "broken.mp4" in results[1].error and results[1].frame_embeds is None
    for result in (results[0], results[2], results[3]):
        assert result.ok
        expected, stamps, info = encode_video(result.path, tiny_model, tiny_processor, chunk_size=4)
        torch.testing.assert_close(result.frame_embeds, expected, atol=1e-5, rtol=1e-5)
        np.testing.assert_array_equal(result.timestamps.numpy(), stamps.numpy())
        assert result.info.duration == info.duration
        summary = summarize_video(result.path, tiny_model, tiny_processor, encoded=result.as_tuple())
        assert len(summary["frames"]) == len(expected)
    with pytest.raises(ValueError, match="num_workers"):
        list(encode_videos(order, tiny_model, tiny_processor, num_workers=-1))

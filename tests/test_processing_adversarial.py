# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Adversarial input for decoding and the processors (issue 18): file names that look like FFmpeg protocols,
high-resolution videos (decoded memory bounded in bytes), and malformed processor arguments."""

import os

import numpy as np
import pytest
import torch
from conftest import write_video

from vsum.processing_vsum import iter_video_frames, probe_video


# ---------------------------------------------------------------------------------------------------- file names

# Relative names that FFmpeg would read as protocol URLs pointing at `x.mp4`.
PROTOCOL_NAMES = ["concat:x.mp4", "subfile,,start,0,end,0,,:x.mp4"]


@pytest.fixture()
def protocol_folder(tmp_path, monkeypatch):
    """cwd = a folder with `x.mp4` (2 s, 32x32) and, per protocol-like name, a different video (3 s, 64x48)."""
    monkeypatch.chdir(tmp_path)
    write_video(tmp_path / "x.mp4", duration=2.0, fps=10, width=32, height=32)
    for name in PROTOCOL_NAMES:
        write_video(tmp_path / name, duration=3.0, fps=10, width=64, height=48)
    return tmp_path


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_probe_opens_a_protocol_like_relative_name_as_a_file(protocol_folder, name):
    info = probe_video(name)
    assert (info.num_frames, info.width, info.height) == (30, 64, 48)
    assert abs(info.duration - 3.0) < 1e-6


@pytest.mark.parametrize("backend", ["pyav", "decord"])
@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_decoders_open_a_protocol_like_relative_name_as_a_file(protocol_folder, name, backend):
    chunks = list(iter_video_frames(name, backend=backend))
    frames = np.concatenate([f for f, _ in chunks])
    assert frames.shape == (3, 48, 64, 3)  # the 3 s 64x48 video, not x.mp4 (2 s, 32x32)


def test_highlight_reel_with_protocol_like_source_and_output_folder(protocol_folder):
    from vsum.video import write_highlights

    # A folder named `file:reels` next to a folder `reels`: FFmpeg would strip `file:` and write into `reels`.
    os.mkdir("reels")
    output = os.path.join("file:reels", "reel.mp4")
    seconds = write_highlights("concat:x.mp4", [[0.0, 2.5]], output)
    assert abs(seconds - 2.5) < 1e-6
    info = probe_video(output)
    assert (info.num_frames, info.width, info.height) == (25, 64, 48)  # cut from `concat:x.mp4` itself
    assert os.listdir("reels") == [] and os.listdir("file:reels") == ["reel.mp4"]


# ---------------------------------------------------------------------------------------------------- resolution


def _solid(height, width, level=90):
    image = np.full((height, width, 3), level, np.uint8)
    return lambda k: image


@pytest.fixture(scope="module")
def huge_video(tmp_path_factory):
    """2000x2000, 3 s at 10 fps, one colour: ~15 KB on disk, 12 MB per decoded RGB frame."""
    path = tmp_path_factory.mktemp("huge") / "huge.mp4"
    return write_video(path, duration=3.0, fps=10, width=2000, height=2000, image=_solid(2000, 2000))


def test_high_resolution_video_is_downscaled_at_decode_time(tiny_processor, huge_video):
    """The processor needs 32x32 frames: a 2000x2000 video is decoded at no more than twice that (aspect kept), so
    the decoded frames of a chunk take kilobytes, not 30 x 12 MB."""
    import tracemalloc

    tracemalloc.start()
    try:
        inputs = tiny_processor(videos=huge_video, fps=10, return_tensors="pt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert inputs["pixel_values"].shape == (1, 30, 3, 32, 32)
    # Solid colour: the same normalised value everywhere, as without downscaling.
    expected = tiny_processor.video_processor.preprocess_frames(np.full((1, 2000, 2000, 3), 90, np.uint8))
    torch.testing.assert_close(inputs["pixel_values"][0, :1], expected[None, 0], atol=0.02, rtol=0)
    # numpy arrays are traced: the old decoder held one (30, 2000, 2000, 3) chunk = 360 MB.
    assert peak < 16 * 2**20, f"peak traced memory {peak / 2**20:.0f} MiB decoding a 2000x2000 video"


@pytest.mark.parametrize("backend", ["pyav", "decord"])
def test_decoded_chunks_are_bounded_in_bytes(huge_video, backend):
    budget = 50 * 2**20  # 4 frames of 2000x2000x3
    chunks = [f for f, _ in iter_video_frames(huge_video, fps=10, backend=backend, chunk_bytes=budget)]
    assert [len(f) for f in chunks] == [4] * 7 + [2]
    assert all(f.nbytes <= budget and f.shape[1:] == (2000, 2000, 3) for f in chunks)
    # One frame larger than the budget still decodes, one frame per chunk.
    assert [len(f) for f, _ in iter_video_frames(huge_video, backend=backend, chunk_bytes=1000)] == [1, 1, 1]


@pytest.mark.parametrize("backend", ["pyav", "decord"])
def test_downscaled_frames_cover_min_size_with_rotation(tmp_path, backend):
    # Coded 400x200, displayed rotated by 90 degrees: 200 wide, 400 tall. Covering 64x64 keeps the aspect.
    image = np.zeros((200, 400, 3), np.uint8)
    image[:50, :100] = 255  # top-left block of the coded picture: bottom-left once rotated
    path = write_video(
        tmp_path / "rot.mp4", duration=2.0, fps=5, width=400, height=200, rotation=90, image=lambda k: image
    )
    frames = np.concatenate([f for f, _ in iter_video_frames(path, backend=backend, min_size=(64, 64))])
    assert frames.shape == (2, 128, 64, 3)
    assert frames[0, -16:, :8].mean() > 200 and frames[0, :16, :8].mean() < 50
    # Frames already small enough are left as they are. (decord 0.6 rotates some videos itself and scrambles others:
    # rotated videos are decoded by PyAV whatever the backend asked for.)
    frames = np.concatenate([f for f, _ in iter_video_frames(path, backend=backend, min_size=(512, 512))])
    assert frames.shape == (2, 400, 200, 3)
    assert frames[0, -100:, :50].mean() > 200 and frames[0, :100, :50].mean() < 50
    with pytest.raises(ValueError, match=r"min_size must be \(height, width\) of positive integers, got \(0, 64\)"):
        list(iter_video_frames(path, min_size=(0, 64)))


def test_downscaling_at_decode_time_keeps_the_processor_output(tiny_processor, tmp_path):
    """A detailed 480x360 video: frames decoded at twice the processor's 32 px and then resized give the pixel values
    of full-resolution frames resized once, within a fraction of a grey level on average."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:360, 0:480] / 480

    def image(k):
        base = 128 + 50 * np.stack([np.sin(2 * np.pi * (f * x + g * y) + k) for f, g in [(3, 1), (7, 5), (17, 9)]], -1)
        return np.clip(base + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8)

    path = write_video(tmp_path / "detail.mp4", duration=1.0, fps=5, width=480, height=360, image=image)
    full = np.concatenate([f for f, _ in iter_video_frames(path, fps=5)])
    assert full.shape == (5, 360, 480, 3)
    reference = tiny_processor.video_processor.preprocess_frames(full)
    for backend in ("pyav", "decord"):
        got = tiny_processor.video_processor(path, fps=5, decode_backend=backend, return_tensors="pt")["pixel_values"]
        difference = (got[0] - reference).abs()
        # 1 grey level is 1 / 255 / 0.27 = 0.0145 after normalisation.
        assert difference.mean() < 0.015 and difference.max() < 0.3, (backend, difference.mean(), difference.max())

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Adversarial input for decoding and the processors (issue 18): file names that look like FFmpeg protocols,
high-resolution videos (decoded memory bounded in bytes), and malformed processor arguments."""

import os

import numpy as np
import pytest
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

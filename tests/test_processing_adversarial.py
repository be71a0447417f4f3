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


# ---------------------------------------------------------------------------------------------------- arguments

FRAMES = np.random.default_rng(0).integers(0, 255, (4, 40, 50, 3), dtype=np.uint8)


def _pil_image():
    from PIL import Image

    return Image.fromarray(FRAMES[0])


@pytest.mark.parametrize(
    "videos,message",
    [
        (np.array(5), r"videos must be .*array of frames \(frames, height, width, 3\).*got a 0-D array of shape \(\)"),
        (5, r"videos must be a video file path, an array of frames .* or a list of them, got int"),
        (True, r"videos must be .* got bool"),
        (b"\x00\x00\x00\x18ftypmp42", r"videos must be .* got bytes \(raw file contents\? pass the file's path\)"),
        ({"path": "a.mp4"}, r"videos must be .* got dict"),
        (FRAMES[0], r"videos must be .*got a 3-D array of shape \(40, 50, 3\)"),
        (np.zeros((4, 0, 32, 3), np.uint8), r"video 0: frames must not be empty, got shape \(4, 0, 32, 3\)"),
        (np.zeros((0, 32, 32, 3), np.uint8), r"video 0: frames must not be empty, got shape \(0, 32, 32, 3\)"),
        (np.zeros((4, 32, 32, 5), np.uint8), r"video 0: .*3 channels.*got shape \(4, 32, 32, 5\)"),
        (FRAMES > 100, r"video 0: frames must be .*numbers, got dtype bool"),
        ([FRAMES, 7], r"video 1 must be a file path or an array of frames .*, got int"),
        ([FRAMES[0], FRAMES[1]], r"video 0 must be .*got a 3-D array of shape \(40, 50, 3\)"),
    ],
)
def test_malformed_videos_are_refused_naming_the_argument(tiny_processor, videos, message):
    for call in (tiny_processor, tiny_processor.video_processor):
        with pytest.raises(ValueError, match=message):
            call(videos=videos)


def test_pil_image_is_refused(tiny_processor):
    with pytest.raises(ValueError, match=r"videos must be .* got Image \(one picture\? pass the frames as an array"):
        tiny_processor(videos=_pil_image())


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"fps": "1"}, r"fps must be a finite number > 0, got '1'"),
        ({"fps": 0}, r"fps must be a finite number > 0, got 0"),
        ({"fps": float("nan")}, r"fps must be a finite number > 0, got nan"),
        ({"fps": -2.0}, r"fps must be a finite number > 0, got -2.0"),
        ({"max_frames": "3"}, r"max_frames must be an integer >= 1 or None, got '3'"),
        ({"max_frames": 0}, r"max_frames must be an integer >= 1 or None, got 0"),
        ({"chunk_size": 0}, r"chunk_size must be an integer >= 1, got 0"),
        ({"chunk_size": 2.5}, r"chunk_size must be an integer >= 1, got 2.5"),
        ({"max_duration": -1}, r"max_duration must be a finite number > 0 or None, got -1"),
        ({"decode_backend": "opencv"}, r"decode_backend must be one of 'auto', 'pyav', 'decord', got 'opencv'"),
    ],
)
def test_bad_sampling_arguments_are_refused_for_arrays_and_files(tiny_processor, video_dir, kwargs, message):
    for videos in (FRAMES, video_dir["cfr"]):
        with pytest.raises(ValueError, match=message):
            tiny_processor(videos=videos, **kwargs)


def test_decode_entry_points_refuse_bad_arguments(video_dir):
    for bad in (5, None, b"cfr.mp4"):
        with pytest.raises(ValueError, match=r"path must be a file name \(str or os.PathLike\), got "):
            probe_video(bad)
        with pytest.raises(ValueError, match=r"path must be a file name"):
            list(iter_video_frames(bad))
    with pytest.raises(ValueError, match=r"fps must be a finite number > 0, got '1'"):
        list(iter_video_frames(video_dir["cfr"], fps="1"))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_frames_are_refused(tiny_processor, value):
    frames = FRAMES.astype(np.float32)
    frames[2, 3, 4, 1] = value
    with pytest.raises(ValueError, match=r"video 0: frames contain 1 NaN or infinite values \(frame 2\)"):
        tiny_processor(videos=frames)
    with pytest.raises(ValueError, match=r"video 0: frames contain 1 NaN or infinite"):
        tiny_processor(videos=torch.from_numpy(frames))


def test_out_of_range_frames_are_refused(tiny_processor):
    # Already normalised frames (mean/std applied) would be normalised twice.
    normalised = (FRAMES / 255.0 - 0.45) / 0.27
    with pytest.raises(ValueError, match=r"video 0: frame values must be in \[0, 255\] .*got min -1\.6\d+, max"):
        tiny_processor(videos=normalised.astype(np.float32))
    with pytest.raises(ValueError, match=r"video 0: frame values must be in \[0, 255\] .*max 1000"):
        tiny_processor(videos=np.full((2, 8, 8, 3), 1000, np.int32))


def test_float_frames_in_unit_range_are_not_rescaled_twice(tiny_processor):
    """Floats with max <= 1 are taken as already rescaled to [0, 1] (with a warning), not divided by 255 again."""
    with pytest.warns(
        UserWarning, match=r"video 0: float frames with values in \[0, 1\] are taken as already rescaled"
    ):
        unit = tiny_processor(videos=FRAMES.astype(np.float32) / 255, return_tensors="pt")["pixel_values"]
    # 0-255 floats are rescaled as uint8 frames are, without a warning.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = tiny_processor(videos=FRAMES.astype(np.float32), return_tensors="pt")["pixel_values"]
    torch.testing.assert_close(unit, full, atol=1e-4, rtol=0)
    # uint8 frames differ only by the resize's rounding to uint8 (twice divided by 255, the mean would be ~ -1.7).
    reference = tiny_processor(videos=FRAMES, return_tensors="pt")["pixel_values"]
    torch.testing.assert_close(unit, reference, atol=0.2, rtol=0)
    assert abs(float(unit.mean() - reference.mean())) < 0.01


@pytest.mark.parametrize(
    "stamps,message",
    [
        ([0.0, np.nan, 2.0, 3.0], r"video 0: frame_timestamps must be finite, got \[0.0, nan, 2.0, 3.0\]"),
        ([0.0, np.inf, 2.0, 3.0], r"video 0: frame_timestamps must be finite"),
        ([0.0, 2.0, 1.0, 3.0], r"video 0: frame_timestamps must not decrease, got 1.0 after 2.0 \(frame 2\)"),
        ([-1.0, 0.0, 1.0, 2.0], r"video 0: frame_timestamps must be >= 0 seconds, got -1.0"),
        ([[0, 1], [2, 3]], r"video 0: frame_timestamps must be a flat list of seconds, got shape \(2, 2\)"),
        (["a", "b", "c", "d"], r"video 0: frame_timestamps must be numbers \(seconds\)"),
    ],
)
def test_bad_frame_timestamps_are_refused(tiny_processor, stamps, message):
    with pytest.raises(ValueError, match=message):
        tiny_processor(videos=[FRAMES], frame_timestamps=[stamps])


def test_frame_timestamps_for_a_file_are_refused(tiny_processor, video_dir):
    with pytest.raises(ValueError, match=r"video 0 is a file: its times come from the file, frame_timestamps"):
        tiny_processor(videos=[video_dir["cfr"]], frame_timestamps=[[0, 1, 2, 3, 4]])
    # None for a file's entry is fine in a mixed batch.
    inputs = tiny_processor(videos=[video_dir["cfr"], FRAMES], frame_timestamps=[None, [0, 2, 4, 6]])
    assert inputs["frame_timestamps"][1].tolist()[:4] == [0, 2, 4, 6]


def test_post_process_refuses_nan_logits_and_timestamps(tiny_processor):
    logits = torch.tensor([[0.1, float("nan"), 0.3, 0.0], [0.2, 0.4, 0.0, float("nan")]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    with pytest.raises(
        ValueError, match=r"saliency_logits contain 1 NaN values among the real frames \(videos \[0\]\)"
    ):
        tiny_processor.post_process_summary(logits, mask)
    logits[0, 1] = 1.0  # the NaN left is in a padded frame of video 1: ignored
    assert len(tiny_processor.post_process_summary(logits, mask)[1]["scores"]) == 3
    with pytest.raises(ValueError, match=r"frame_timestamps contain NaN or infinite values among the real frames"):
        tiny_processor.post_process_summary(logits[:1], frame_timestamps=torch.tensor([[0.0, 1.0, float("nan"), 3.0]]))
    with pytest.raises(ValueError, match=r"frame_timestamps shape \(1, 3\) does not match saliency_logits \(1, 4\)"):
        tiny_processor.post_process_summary(logits[:1], frame_timestamps=torch.tensor([[0.0, 1.0, 2.0]]))
    with pytest.warns(UserWarning, match=r"video 0: frame_timestamps decrease \(2.0 after 3.0, frame 3\)"):
        tiny_processor.post_process_summary(logits[:1], frame_timestamps=torch.tensor([[0.0, 1.0, 3.0, 2.0]]))


# ---------------------------------------------------------------------------------------------------- progress


def test_encode_progress_reports_the_start_before_the_first_chunk(tiny_model, tiny_processor, video_dir, monkeypatch):
    from vsum import inference

    events = []
    original = inference._frame_chunks

    def chunks(*args, **kwargs):
        for item in original(*args, **kwargs):
            events.append("chunk")
            yield item

    monkeypatch.setattr(inference, "_frame_chunks", chunks)
    inference.encode_video(
        video_dir["cfr"], tiny_model, tiny_processor, chunk_size=2, prefetch=0, progress=lambda *a: events.append(a)
    )
    assert events == [(0, 5), "chunk", (2, 5), "chunk", (4, 5), "chunk", (5, 5)]


def test_probe_refuses_large_frames_from_the_header_before_decoding(tmp_path, monkeypatch):
    """`max_pixels` is checked on the stream header: a frame too large is refused without decoding one."""
    import av

    path = write_video(tmp_path / "wide.mp4", duration=1.0, fps=5, width=320, height=240)
    decoded = []
    real_open = av.open

    class Spy:
        def __init__(self, container):
            self._container = container

        def __getattr__(self, name):
            return getattr(self._container, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._container.__exit__(*exc)

        def decode(self, *args, **kwargs):
            decoded.append(args)
            return self._container.decode(*args, **kwargs)

    monkeypatch.setattr(av, "open", lambda *args, **kwargs: Spy(real_open(*args, **kwargs)))
    with pytest.raises(
        ValueError, match=r"wide\.mp4: video frames are 320x240 \(76,800 pixels\), more than the allowed"
    ):
        probe_video(path, max_pixels=320 * 240 - 1)
    assert decoded == []
    assert probe_video(path, max_pixels=320 * 240).width == 320 and decoded  # at the cap: accepted (and decoded)
    with pytest.raises(ValueError, match="max_pixels"):
        probe_video(path, max_pixels=0)

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VsumVideoProcessor / VsumProcessor on real mp4 files: sampling, timestamps, text targets, bad input."""

import os

import numpy as np
import pytest
import torch
from conftest import decoded_index, write_audio_only, write_video

from vsum.processing_vsum import iter_video_frames, probe_video, sample_frame_indices, select_keyframes


@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_one_fps_picks_the_frame_on_screen(video_dir, backend):
    frames = [chunk for chunk in iter_video_frames(video_dir["cfr"], fps=1.0, backend=backend)]
    images = np.concatenate([f for f, _ in frames])
    stamps = np.concatenate([t for _, t in frames])
    # 5.0 s at 10 fps: samples at 0..4 s are frames 0, 10, 20, 30, 40.
    np.testing.assert_allclose(stamps, [0, 1, 2, 3, 4])
    assert [decoded_index(x) for x in images] == [k % 28 for k in (0, 10, 20, 30, 40)]
    assert images.dtype == np.uint8 and images.shape[1:] == (48, 64, 3)


@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_variable_frame_rate(video_dir, backend):
    images, stamps = zip(*iter_video_frames(video_dir["vfr"], fps=1.0, backend=backend))
    images, stamps = np.concatenate(images), np.concatenate(stamps)
    # Frame times 0, .1, .25, .9, 1.0, 2.7, 2.8, 3.05, 3.5, 4.2, 4.3: on screen at 0,1,2,3,4 s are frames 0,4,4,6,8.
    assert [decoded_index(x) for x in images] == [0, 4, 4, 6, 8]
    # The reported times are the sampling times (each sample covers [t_i, t_i+1)), not the frames' own timestamps.
    np.testing.assert_allclose(stamps, [0.0, 1.0, 2.0, 3.0, 4.0])


def test_other_rates_and_max_frames(video_dir):
    stamps = np.concatenate([t for _, t in iter_video_frames(video_dir["cfr"], fps=2.0)])
    np.testing.assert_allclose(stamps, np.arange(10) / 2)
    stamps = np.concatenate([t for _, t in iter_video_frames(video_dir["cfr"], fps=2.0, max_frames=4)])
    np.testing.assert_allclose(stamps, [0.0, 1.5, 3.0, 4.5])  # linspace over the 10 samples: 0, 3, 6, 9
    chunks = list(iter_video_frames(video_dir["cfr"], fps=2.0, chunk_size=3))
    assert [len(f) for f, _ in chunks] == [3, 3, 3, 1]


def test_sample_count_rule():
    timestamps = np.arange(103) / 10  # 10.3 s at 10 fps
    assert len(sample_frame_indices(timestamps, duration=10.3)) == 11
    assert len(sample_frame_indices(np.arange(100) / 10, duration=10.0)) == 10
    assert len(sample_frame_indices(np.arange(5) / 10, duration=0.5)) == 1
    with pytest.raises(ValueError, match="fps"):
        sample_frame_indices(timestamps, 10.3, fps=0)
    with pytest.raises(ValueError, match="max_frames"):
        sample_frame_indices(timestamps, 10.3, max_frames=0)


def test_probe_reports_metadata(video_dir):
    info = probe_video(video_dir["audio"])
    assert info.has_audio and info.num_frames == 40 and abs(info.duration - 4.0) < 1e-6
    assert (info.width, info.height) == (64, 48)
    odd = probe_video(video_dir["odd"])
    assert (odd.width, odd.height) == (37, 29)


def test_processor_outputs(tiny_processor, video_dir):
    inputs = tiny_processor(
        videos=[video_dir["cfr"], video_dir["odd"], video_dir["short"]],
        text=["A red circle moves left", "blue square", "green"],
        return_tensors="pt",
    )
    assert inputs["pixel_values"].shape == (3, 5, 3, 32, 32)
    assert inputs["frame_mask"].tolist() == [[1] * 5, [1] * 3 + [0] * 2, [1] + [0] * 4]
    np.testing.assert_allclose(inputs["frame_timestamps"][1].numpy(), [0, 1, 2, -1, -1])
    assert torch.all(inputs["pixel_values"][1, 3:] == 0)
    # Normalised with BLIP's mean/std: a uniform grey frame maps to (level/255 - mean) / std.
    level = inputs["pixel_values"][0, 0, :, 16, 16]
    expected = (16 / 255 - torch.tensor([0.48145466, 0.4578275, 0.40821073])) / torch.tensor(
        [0.26862954, 0.26130258, 0.27577711]
    )
    torch.testing.assert_close(level, expected, atol=0.05, rtol=0)
    # Text: decoder BOS first, prompt and padding not scored.
    prompt = tiny_processor.prompt_token_ids
    ids, labels = inputs["input_ids"], inputs["labels"]
    assert ids[:, 0].eq(tiny_processor.tokenizer.bos_token_id).all()
    assert ids[0, : len(prompt)].tolist() == prompt
    assert labels[:, : len(prompt)].eq(-100).all()
    assert labels[inputs["attention_mask"] == 0].eq(-100).all()
    scored = tiny_processor.tokenizer.decode(labels[0][labels[0] >= 0])
    assert scored == "a red circle moves left [SEP]"  # the prompt "a video of" is not scored, the summary is


def test_processor_without_text_returns_the_prompt(tiny_processor, video_dir):
    inputs = tiny_processor(videos=video_dir["cfr"], return_tensors="pt")
    assert inputs["input_ids"].tolist() == [tiny_processor.prompt_token_ids]
    assert "labels" not in inputs


def test_processor_accepts_frame_arrays(tiny_processor):
    frames = np.random.randint(0, 255, (4, 40, 50, 3), dtype=np.uint8)
    inputs = tiny_processor.video_processor(frames, return_tensors="pt")
    assert inputs["pixel_values"].shape == (1, 4, 3, 32, 32)
    np.testing.assert_allclose(inputs["frame_timestamps"][0].numpy(), [0, 1, 2, 3])
    inputs = tiny_processor.video_processor([frames], frame_timestamps=[[0, 2, 4, 6]], return_tensors="pt")
    np.testing.assert_allclose(inputs["frame_timestamps"][0].numpy(), [0, 2, 4, 6])
    with pytest.raises(ValueError, match="4 frames but 2 frame_timestamps"):
        tiny_processor.video_processor([frames], frame_timestamps=[[0, 1]])


def test_end_to_end_generate_and_post_process(tiny_model, tiny_processor, video_dir):
    inputs = tiny_processor(videos=[video_dir["cfr"], video_dir["odd"]], return_tensors="pt")
    output = tiny_model(**inputs)
    ids = tiny_model.generate(**inputs, max_new_tokens=4)
    texts = tiny_processor.batch_decode(ids)
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)
    summaries = tiny_processor.post_process_summary(
        output.saliency_logits, inputs["frame_mask"], inputs["frame_timestamps"]
    )
    assert len(summaries[0]["scores"]) == 5 and len(summaries[1]["scores"]) == 3
    for summary in summaries:
        assert all(0 < s < 1 for s in summary["scores"])
        assert summary["keyframes"]  # floor(0.15 * T) + 1 >= 1 frame


def test_post_process_segments_and_rule(tiny_processor):
    logits = torch.tensor(
        [[0.1, 3.0, 2.0, -1.0, 2.5, -2.0, -3.0, 0.0, -4.0, -5.0, 1.0, -6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    )
    result = tiny_processor.post_process_summary(logits, ratio=0.15)[0]
    # T = 20: threshold = 4th highest (index floor(0.15 * 20) = 3) -> logits 3.0, 2.5, 2.0 and 1.0.
    assert result["keyframes"] == [1, 2, 4, 10]
    assert result["segments"] == [[1.0, 3.0], [4.0, 5.0], [10.0, 11.0]]
    with_times = tiny_processor.post_process_summary(
        logits[:, :5], frame_timestamps=torch.tensor([[0.0, 2.0, 4.0, 6.0, 8.0]]), ratio=0.5
    )[0]
    assert with_times["keyframes"] == [1, 2, 4] and with_times["segments"] == [[2.0, 6.0], [8.0, 9.0]]
    assert select_keyframes(np.zeros(6)).tolist() == list(range(6))  # ties are all kept (official rule)
    assert select_keyframes(np.arange(6.0)).tolist() == [5]  # T < 7: floor(0.15 T) = 0 -> one frame
    with pytest.raises(ValueError, match="ratio"):
        tiny_processor.post_process_summary(logits, ratio=0)


def test_batch_decode_strips_prompt(tiny_processor):
    prompt = tiny_processor.prompt_token_ids
    words = tiny_processor.tokenizer.convert_tokens_to_ids(["red", "circle"])
    sep = tiny_processor.tokenizer.sep_token_id
    assert tiny_processor.batch_decode([prompt + words + [sep, 0, 0]]) == ["red circle"]
    assert tiny_processor.decode(torch.tensor(words)) == "red circle"


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    import av

    root = tmp_path_factory.mktemp("bad")
    good = write_video(root / "good.mp4", duration=3.0, fps=10)
    data = open(good, "rb").read()
    # A "fast start" file (index first) cut in the middle: the index promises frames that are not there.
    faststart = root / "faststart.mp4"
    with av.open(str(faststart), mode="w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for k in range(30):
            frame = av.VideoFrame.from_ndarray(np.random.randint(0, 255, (48, 64, 3), np.uint8), format="rgb24")
            frame.pts = k
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    fast = faststart.read_bytes()
    # A zero-length video: a container written with a video stream and not a single frame.
    zero_length = root / "zero_length.mp4"
    with av.open(str(zero_length), mode="w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()
    files = {
        "missing": str(root / "missing.mp4"),
        "empty": root / "empty.mp4",
        "text": root / "notes.mp4",
        "random": root / "random.mp4",
        "truncated": root / "truncated.mp4",
        "truncated_faststart": root / "truncated_faststart.mp4",
        "audio_only": write_audio_only(root / "audio_only.mp4"),
        "zero_length": zero_length,
        "directory": str(root),
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not a video\n" * 50)
    files["random"].write_bytes(np.random.default_rng(0).integers(0, 255, 4096, dtype=np.uint8).tobytes())
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["truncated_faststart"].write_bytes(fast[: int(len(fast) * 0.6)])
    return {k: str(v) for k, v in files.items()}


@pytest.mark.parametrize(
    "name,reason",
    [
        ("missing", "file not found"),
        ("empty", "empty file"),
        ("text", "not a readable video"),
        ("random", "not a readable video"),
        ("truncated", "not a readable video"),
        ("truncated_faststart", "truncated file"),
        ("audio_only", "no video stream"),
        ("zero_length", "zero-length video"),
        ("directory", "is a directory"),
    ],
)
def test_bad_files_raise_value_error_naming_file(bad_files, tiny_processor, name, reason):
    path = bad_files[name]
    with pytest.raises(ValueError) as error:
        tiny_processor(videos=[path])
    assert path in str(error.value) and reason in str(error.value)


def test_bad_files_never_crash_decord(bad_files, tmp_path):
    """The probe runs before decord: even the truncated fast-start file is rejected in-process, no segfault."""
    import subprocess
    import sys

    script = (
        "import sys\nfrom vsum.processing_vsum import iter_video_frames\n"
        "try:\n    list(iter_video_frames(sys.argv[1], backend='decord'))\nexcept ValueError as e:\n    print('ValueError', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, bad_files["truncated_faststart"]], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "ValueError" in result.stdout and "truncated" in result.stdout


def test_bad_arguments(tiny_processor, video_dir):
    with pytest.raises(ValueError, match="needs `videos`, `text`"):
        tiny_processor()
    with pytest.raises(ValueError, match="2 texts for 1 videos"):
        tiny_processor(videos=[video_dir["cfr"]], text=["a", "b"])
    with pytest.raises(ValueError, match="must be a file path or an array"):
        tiny_processor(videos=[123])
    with pytest.raises(ValueError, match="backend"):
        list(iter_video_frames(video_dir["cfr"], backend="opencv"))
    with pytest.raises(ValueError, match="videos is empty"):
        tiny_processor(videos=[])
    assert os.path.exists(video_dir["cfr"])

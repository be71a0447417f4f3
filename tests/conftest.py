# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Shared fixtures: tiny processors/models and mp4 files generated with PyAV (no downloads)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import torch


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Training's `--mixed_precision auto` is bf16 on CPUs with AVX512-BF16/AMX: pin float32 so that what the tests compute
# does not depend on the CI machine's CPU (`test_train_step_speed.py` tests the rule and a bf16 run).
os.environ.setdefault("ACCELERATE_MIXED_PRECISION", "no")


def pytest_collection_modifyitems(config, items):
    """`VSUM_TEST_ORDER=reverse` or `shuffle:<seed>` runs the suite in another order, to catch tests that depend on
    what ran before them (module state, registrations, leftover files)."""
    order = os.environ.get("VSUM_TEST_ORDER", "")
    if order == "reverse":
        items.reverse()
    elif order.startswith("shuffle:"):
        import random

        random.Random(int(order.split(":", 1)[1])).shuffle(items)
    elif order:
        raise pytest.UsageError(f"VSUM_TEST_ORDER must be 'reverse' or 'shuffle:<seed>', got {order!r}")


def load_script(file_name: str, module_name: str):
    """A fresh module object for `scripts/<file_name>`, registered as `sys.modules[module_name]` (its dataclasses,
    with `from __future__ import annotations`, look their module up while being defined)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(module_name, os.path.join(REPO_ROOT, "scripts", file_name))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def synthxum_with_features(root, num_videos: int, split_sizes: tuple[int, int, int]):
    """A SynthXum set of `num_videos` 6-9 s videos at 32 px under `root/data`, a tiny model (seed 0) with its processor,
    and the model's own ViT features of every video as `root/features/<video_id>.npz`.

    Returns `(make_synthxum's result, processor, model, features_dir)`.
    """
    from pathlib import Path

    from vsum import VsumModel
    from vsum.data import SYNTHXUM_WORDS, make_synthxum
    from vsum.tiny import make_tiny_processor, tiny_config

    root = Path(root)
    result = make_synthxum(
        root / "data", num_videos=num_videos, split_sizes=split_sizes, min_duration=6, max_duration=9, size=32
    )
    processor = make_tiny_processor(SYNTHXUM_WORDS)
    torch.manual_seed(0)
    model = VsumModel(tiny_config(processor)).eval()
    features_dir = root / "features"
    features_dir.mkdir()
    for video in sorted(result.video_dir.glob("*.mp4")):
        inputs = processor.video_processor(str(video), return_tensors="pt")
        with torch.no_grad():
            features = model.encode_frames(inputs["pixel_values"], inputs["frame_mask"])[0]
        np.savez(features_dir / f"{video.stem}.npz", features=features.numpy())
    return result, processor, model, features_dir


def assert_exports_carry_offloaded_vit(run_dir, *export_names: str) -> None:
    """A run on cached features kept its ViT in `<run_dir>/frozen_vision_model.safetensors`: each export folder's
    weights hold exactly those tensors under `vision_model.`."""
    from pathlib import Path

    from safetensors.torch import load_file

    offloaded = load_file(Path(run_dir) / "frozen_vision_model.safetensors")
    assert offloaded
    for name in export_names:
        exported = load_file(Path(run_dir) / name / "model.safetensors")
        for key, tensor in offloaded.items():
            assert torch.equal(exported[f"vision_model.{key}"], tensor), (name, key)


def make_tiny_clip():
    """A random 1-layer `CLIPModel` (32 px images, 16-d projection) and its `CLIPProcessor`, with a character-level
    BPE vocabulary (no merges) that tokenizes lower-case text. Seed torch before calling for fixed weights."""
    import string

    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in string.ascii_lowercase:
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    config = CLIPConfig(
        text_config={
            "vocab_size": len(vocab),
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "max_position_embeddings": 64,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 1,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 16,
        },
        projection_dim=16,
    )
    model = CLIPModel(config).eval()
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=CLIPTokenizer(vocab=vocab, merges=[]),
    )
    return model, processor


WORDS = ["red", "green", "blue", "circle", "square", "moves", "left", "right", "up", "down", "flash", "bright"]


def frame_level(index: int) -> int:
    """Grey level that frame `index` of a generated video is painted with (decoded back by `decoded_index`)."""
    return 16 + 8 * (index % 28)


def decoded_index(frame: np.ndarray) -> int:
    """Frame index (mod 28) from a decoded frame's mean grey level."""
    return int(round((float(frame.mean()) - 16) / 8)) % 28


def write_video(
    path,
    duration: float = 3.0,
    fps: int = 10,
    width: int = 64,
    height: int = 48,
    audio: bool = False,
    timestamps: list[float] | None = None,
    codec: str = "libx264",
    rotation: int | None = None,
    image=None,
):
    """Writes an mp4 whose frame k is uniform grey `frame_level(k)` (or the `(height, width, 3)` uint8 `image(k)`).

    `timestamps` (seconds) gives a variable frame rate; otherwise frames are at `k / fps` for `k < duration * fps`.
    `rotation` (degrees) is stored as display-rotation metadata.
    """
    import av

    # Constant rate: one tick per frame. Variable rate: millisecond ticks.
    rate = fps if timestamps is None else 1000
    if timestamps is None:
        timestamps = [k / fps for k in range(int(round(duration * fps)))]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=rate)
        # 4:2:0 chroma needs even sizes; odd sizes are written as 4:4:4.
        odd = width % 2 or height % 2
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p" if odd else "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "tune": "zerolatency"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        audio_stream = None
        if audio:
            audio_stream = container.add_stream("aac", rate=16000)
            audio_stream.layout = "mono"
        for k, t in enumerate(timestamps):
            pixels = np.full((height, width, 3), frame_level(k), dtype=np.uint8) if image is None else image(k)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = int(round(t * rate))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if audio_stream is not None:
            total = int((timestamps[-1] + 1 / fps) * 16000)
            samples_per_frame = 1024
            for start in range(0, total, samples_per_frame):
                n = min(samples_per_frame, total - start)
                tone = (0.2 * np.sin(2 * np.pi * 440 * (np.arange(start, start + n) / 16000))).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(tone[None], format="fltp", layout="mono")
                frame.sample_rate = 16000
                frame.pts = start
                for packet in audio_stream.encode(frame):
                    container.mux(packet)
            for packet in audio_stream.encode():
                container.mux(packet)
    return str(path)


def write_audio_only(path, seconds: float = 1.0):
    import av

    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        for start in range(0, int(seconds * 16000), 1024):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


@pytest.fixture(scope="session")
def tiny_processor():
    from vsum.tiny import make_tiny_processor

    return make_tiny_processor(words=WORDS)


@pytest.fixture()
def tiny_model(tiny_processor):
    from vsum import VsumModel
    from vsum.tiny import tiny_config

    torch.manual_seed(0)
    return VsumModel(tiny_config(tiny_processor)).eval()


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory):
    """A handful of generated videos shared by the processor tests."""
    root = tmp_path_factory.mktemp("videos")
    return {
        "cfr": write_video(root / "cfr.mp4", duration=5.0, fps=10),
        "odd": write_video(root / "odd.mp4", duration=3.0, fps=25, width=37, height=29),
        "audio": write_video(root / "audio.mp4", duration=4.0, fps=10, audio=True),
        # Variable frame rate: irregular gaps, including a 1.7 s freeze.
        "vfr": write_video(
            root / "vfr.mp4", fps=10, timestamps=[0.0, 0.1, 0.25, 0.9, 1.0, 2.7, 2.8, 3.05, 3.5, 4.2, 4.3]
        ),
        "short": write_video(root / "short.mp4", duration=0.5, fps=10),
    }


@pytest.fixture()
def no_project_env(tmp_path):
    """Environment for a subprocess where the `vsum` package cannot be imported and the Hub is offline."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(tmp_path / "hf_home"))
    return env


@pytest.fixture()
def run_without_vsum(no_project_env, tmp_path):
    """Runs `python -c code *args` in a fresh process without the `vsum` package (`no_project_env`, cwd `tmp_path`),
    asserts it exits 0 (else fails with the end of its stderr) and returns its stdout."""
    import subprocess

    def run(code: str, *args, timeout: float = 300) -> str:
        command = [sys.executable, "-c", code, *map(str, args)]
        result = subprocess.run(
            command, capture_output=True, text=True, env=no_project_env, cwd=tmp_path, timeout=timeout
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return result.stdout

    return run


PYTHON = sys.executable


def export_tiny_model(folder) -> str:
    """A tiny random model (seed 0) exported like a Hub repo into `folder`: weights, processor, remote code, pipeline
    and handler. Returns the folder as a string."""
    from vsum import VsumModel
    from vsum.pipeline import add_serving_files
    from vsum.tiny import make_tiny_processor, tiny_config

    processor = make_tiny_processor(words=WORDS)
    torch.manual_seed(0)
    VsumModel(tiny_config(processor)).save_pretrained(folder)
    processor.save_pretrained(folder)
    add_serving_files(folder)
    return str(folder)


def allowed_and_outside_folders(clip, root):
    """`(allowed, outside)` under `root`: `allowed/ok.mp4` (a copy of `clip`), `outside/secret.mp4`, and the symlink
    `allowed/link.mp4 -> outside/secret.mp4` (a path inside the allowed folder that leads out of it)."""
    import shutil

    allowed, outside = root / "allowed", root / "outside"
    allowed.mkdir()
    outside.mkdir()
    shutil.copyfile(clip, allowed / "ok.mp4")
    shutil.copyfile(clip, outside / "secret.mp4")
    os.symlink(outside / "secret.mp4", allowed / "link.mp4")
    return allowed, outside

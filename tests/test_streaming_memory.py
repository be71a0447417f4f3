# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Memory of the post-encode half of `summarize_video` (temporal modules, saliency head, generate, post-processing)
grows by a bounded number of `(frames, hidden)` arrays with the video's length (issue 14, section 2).

Measured in a fresh subprocess, deterministically (no timing, no RSS): torch's own allocation events
(`torch.profiler` with `profile_memory=True`: every tensor allocation and free, in order; the peak of their running
sum) and Python/numpy allocations (`tracemalloc`), on one thread, for synthetic features of 500 and 4,000 frames.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest


pytestmark = pytest.mark.filterwarnings("ignore")

_CHILD = textwrap.dedent(
    """
    import json, sys, tracemalloc
    import torch
    from torch.profiler import ProfilerActivity, profile
    from vsum import VsumModel
    from vsum.inference import summarize_video
    from vsum.tiny import make_tiny_processor, tiny_config

    class Info:  # what summarize_video reads of a probe
        def __init__(self, duration):
            self.duration = duration

    torch.set_num_threads(1)
    processor = make_tiny_processor(image_size=32)
    torch.manual_seed(0)
    model = VsumModel(tiny_config(processor)).eval()
    hidden = model.config.hidden_size
    kwargs = dict(num_beams=2, max_length=8, min_length=2)

    def run(frames):
        embeds = torch.randn(frames, hidden, generator=torch.Generator().manual_seed(0))
        stamps = torch.arange(frames, dtype=torch.float64)
        return summarize_video(
            "synthetic.mp4", model, processor, generate_kwargs=kwargs, encoded=(embeds, stamps, Info(float(frames)))
        )

    run(8)  # warm-up: lazily built kernels and caches are not the video's memory
    result = {"hidden": hidden}
    for frames in map(int, sys.argv[1:]):
        tracemalloc.start()
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            summary = run(frames)
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        events = sorted(
            (e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"
        )
        live = peak = 0
        for _, nbytes in events:
            live += nbytes
            peak = max(peak, live)
        assert len(summary["frames"]) == frames
        result[frames] = {"torch_peak": peak, "python_peak": python_peak}
    print(json.dumps(result))
    """
)


def _measure(*frames: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, frames)], capture_output=True, text=True, env=env, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_post_encode_memory_grows_by_a_few_feature_arrays():
    short, long = 500, 4000
    result = _measure(short, long)
    feature_bytes = (long - short) * result["hidden"] * 4  # one more (frames, hidden) float32 array
    torch_growth = result[str(long)]["torch_peak"] - result[str(short)]["torch_peak"]
    # The temporal transformer needs its input, q, k, v, the attention output and the residual for every frame at
    # once, and the windowed attention its padded q/k/v: ~12 feature arrays (measured). Computing the MLPs and all
    # windows' scores over the whole video at once needed ~28.
    assert torch_growth > 0
    assert torch_growth <= 16 * feature_bytes, (
        f"post-encode torch memory grew by {torch_growth / feature_bytes:.1f} feature arrays "
        f"({torch_growth} bytes) from {short} to {long} frames; at most 16 expected"
    )
    # Python objects and numpy arrays: the output's per-frame {t, score} dicts (~240 bytes a frame, inherent to the
    # summary JSON) and float64 post-processing arrays; nothing per frame beyond that.
    python_growth = result[str(long)]["python_peak"] - result[str(short)]["python_peak"]
    assert python_growth <= 400 * (long - short), (
        f"post-encode Python/numpy memory grew by {python_growth / (long - short):.0f} bytes per frame; "
        "at most 400 expected"
    )


@pytest.mark.parametrize("attention_type", ["hard", "rbf"])
def test_sliced_inference_equals_one_call(monkeypatch, attention_type):
    """Without autograd the temporal modules run in slices of `INFERENCE_CHUNK_FRAMES` (and the windowed attention
    in groups of blocks): the same outputs as one call over all frames (the path taken with autograd)."""
    import torch

    from vsum import VsumModel, modeling_vsum
    from vsum.tiny import make_tiny_processor, tiny_config

    config = tiny_config(make_tiny_processor(image_size=32))
    config.local_attention_type = attention_type
    config.temporal_num_layers = 2
    torch.manual_seed(0)
    model = VsumModel(config).eval()
    if model.local_attention.log_bandwidth is not None:
        with torch.no_grad():
            model.local_attention.log_bandwidth.fill_(0.4)
    frames = 700  # > max_frames (512): interpolated positions too
    embeds = torch.randn(2, frames, config.hidden_size)
    mask = torch.ones(2, frames, dtype=torch.bool)
    mask[1, 450:] = False
    with torch.enable_grad():
        reference = model(frame_embeds=embeds, frame_mask=mask)
    monkeypatch.setattr(modeling_vsum, "INFERENCE_CHUNK_FRAMES", 128)  # 6 slices, 2 blocks of 64 per group
    with torch.inference_mode():
        sliced = model(frame_embeds=embeds, frame_mask=mask)
    torch.testing.assert_close(sliced.frame_features, reference.frame_features.detach(), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(sliced.saliency_logits, reference.saliency_logits.detach(), rtol=1e-5, atol=1e-5)

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Summarize one video of any length with bounded memory: the code path shared by the CLI, pipeline and handler.

Frames are decoded at the sampling rate in chunks, preprocessed and pushed through the vision encoder chunk by
chunk, so only the per-frame features (frames x hidden floats) are kept; the temporal modules, the saliency head
and the text decoder then run on those features.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import torch

from .processing_vsum import iter_video_frames, probe_video, sample_frame_indices


def encode_video(
    path: str | os.PathLike,
    model,
    processor,
    fps: float | None = None,
    max_frames: int | None = None,
    chunk_size: int | None = None,
    decode_backend: str | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Streams a video through decoding, preprocessing and the frozen ViT, `chunk_size` frames at a time.

    Returns:
        `(frame_embeds, timestamps, info)`: `(frames, hidden)` float tensor on the CPU, `(frames,)` float64 seconds,
        and the [`VideoInfo`] of the probe. Raises `ValueError` naming the file for a missing or corrupt video.
    """
    video_processor = processor.video_processor
    fps = video_processor.fps if fps is None else fps
    chunk_size = chunk_size or model.config.vision_chunk_size
    decode_backend = decode_backend or video_processor.decode_backend
    info = probe_video(path)
    total = len(sample_frame_indices(info.frame_timestamps, info.duration, fps, max_frames))
    device = next(model.parameters()).device
    embeds, stamps = [], []
    for frames, chunk_stamps in iter_video_frames(path, fps, max_frames, chunk_size, decode_backend, info):
        pixel_values = video_processor.preprocess_frames(frames).to(device)  # (n, 3, H, W)
        with torch.no_grad():
            embeds.append(model.encode_frames(pixel_values[None]).squeeze(0).cpu())  # (n, D)
        stamps.append(torch.as_tensor(chunk_stamps))
        if progress is not None:
            progress(sum(len(s) for s in stamps), total)
    return torch.cat(embeds), torch.cat(stamps).double(), info


def summarize_video(
    path: str | os.PathLike,
    model,
    processor,
    ratio: float | None = None,
    fps: float | None = None,
    max_frames: int | None = None,
    generate_kwargs: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Video summary and text summary of one video file.

    Returns:
        `dict` with `video`, `duration`, `fps`, `frames` (`[{t, score}]` per sampled frame), `keyframes`
        (`{"indices", "times"}`), `segments` (`[[start_s, end_s], ...]`, merged and sorted), `text`, `timings`.
    """
    ratio = model.config.summary_ratio if ratio is None else ratio
    fps = processor.video_processor.fps if fps is None else fps
    generate_kwargs = {"num_beams": 3, "max_length": 128, "min_length": 10, **(generate_kwargs or {})}
    start = time.perf_counter()
    frame_embeds, timestamps, info = encode_video(path, model, processor, fps, max_frames, progress=progress)
    encoded = time.perf_counter()
    device = next(model.parameters()).device
    frame_embeds = frame_embeds[None].to(device)  # (1, T, D)
    with torch.no_grad():
        output = model(frame_embeds=frame_embeds)
        saliency_logits = output.saliency_logits.cpu()
        # The decoder reuses the contextualised features: the temporal modules run once.
        ids = model.generate(frame_features=output.frame_features, frame_mask=output.frame_mask, **generate_kwargs)
        del output
    finished = time.perf_counter()
    summary = processor.post_process_summary(saliency_logits, frame_timestamps=timestamps[None], ratio=ratio)[0]
    result = format_summary(
        summary, processor.batch_decode(ids)[0], video=path, duration=info.duration, fps=fps, ratio=ratio
    )
    result["model"] = getattr(model.config, "_name_or_path", "") or None
    result["timings"] = {
        "decode_and_encode_s": encoded - start,
        "heads_and_generate_s": finished - encoded,
        "total_s": finished - start,
        "frames": len(summary["scores"]),
    }
    return result


def format_summary(summary: dict, text: str, video, duration: float, fps: float, ratio: float) -> dict:
    """The public summary fields (the JSON of `vsum summarize`, the pipeline's output) from one
    `VsumProcessor.post_process_summary` result; segments are clipped to the video's duration."""
    stamps = summary["timestamps"]
    return {
        "video": os.fspath(video),
        "duration": duration,
        "fps": fps,
        "summary_ratio": ratio,
        "frames": [{"t": t, "score": s} for t, s in zip(stamps, summary["scores"])],
        "keyframes": {"indices": summary["keyframes"], "times": [stamps[i] for i in summary["keyframes"]]},
        "segments": [[start, min(end, duration)] for start, end in summary["segments"]],
        "text": text,
    }

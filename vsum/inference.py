# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Summarize one video of any length with bounded memory: the code path shared by the CLI, pipeline and handler.

Frames are decoded at the sampling rate in chunks, preprocessed and pushed through the vision encoder chunk by
chunk, so only the per-frame features (frames x hidden floats) are kept; the temporal modules, the saliency head
and the text decoder then run on those features.

Overlap and memory: decoding + preprocessing run in a background thread that feeds a bounded queue (`prefetch`
chunks) while the model encodes the previous chunk; on CUDA the chunk is copied from pinned memory with
`non_blocking=True`. The features go into one preallocated `(frames, hidden)` float32 array (no per-chunk list and no
final concatenation), so besides the model, at most `prefetch + 2` chunks of frames and one array of features are
alive at any time, whatever the video's length.

Many videos: [`encode_videos`] decodes several videos in parallel worker processes and batches their frames into the
vision encoder together (the path of `scripts/extract_features.py`, usable by `vsum summarize DIR`).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from .devices import DTYPES, resolve_dtype  # noqa: F401  (DTYPES: public here too)
from .processing_vsum import CorruptFramesWarning, VideoInfo, iter_video_frames, probe_video, sample_times


# ---------------------------------------------------------------------------------------------------- precision


def _model_dtype(model) -> torch.dtype:
    return next(model.parameters()).dtype


def _autocast(model, dtype) -> contextlib.AbstractContextManager:
    """The precision context for the vision encoder. `dtype=None`: the model's own dtype (no autocast). Otherwise
    `"auto"`/`"float32"`/`"bfloat16"`/`"float16"` (or a `torch.dtype`), resolved by [`resolve_dtype`]
    (`auto` = bf16 on a GPU that supports it, fp32 on CPU); a float32 model runs under autocast to a lower precision.
    """
    if dtype is None:
        return contextlib.nullcontext()
    device = next(model.parameters()).device
    resolved = resolve_dtype(dtype, str(device))
    own = _model_dtype(model)
    if resolved == own:
        return contextlib.nullcontext()
    if own != torch.float32:
        raise ValueError(
            f"dtype={dtype!r} ({resolved}) was requested for a model loaded in {own}; load the model in float32 "
            "(or in the wanted dtype) instead"
        )
    return torch.autocast(device_type=device.type, dtype=resolved)


# ---------------------------------------------------------------------------------------------------- one video


def _frame_chunks(path, video_processor, fps, max_frames, chunk_size, backend, info, pin: bool):
    """`(pixel_values (n, 3, H, W) float, times (n,))` per chunk: decode + preprocess (runs in the producer). Frames
    are downscaled while decoding to what the processor needs, so memory does not grow with the resolution."""
    min_size = video_processor.decode_min_size()
    for frames, times in iter_video_frames(path, fps, max_frames, chunk_size, backend, info, min_size=min_size):
        pixel_values = video_processor.preprocess_frames(frames)  # (n, 3, H, W)
        del frames
        yield (pixel_values.pin_memory() if pin else pixel_values), times


def _prefetch(iterator: Iterator, depth: int) -> Iterator:
    """Runs `iterator` in a background thread, `depth` items ahead at most (a bounded queue); errors and warnings
    raised there come out here. `depth=0` runs it inline."""
    if depth <= 0:
        yield from iterator
        return
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce():
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        items.put((None, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            outcome = (None, end)
        except BaseException as error:  # noqa: BLE001  (re-raised in the consumer)
            outcome = (error, end)
        while not stop.is_set():
            try:
                items.put(outcome, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name="vsum-decode", daemon=True)
    thread.start()
    try:
        while True:
            error, item = items.get()
            if item is end:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()


def encode_video(
    path: str | os.PathLike,
    model,
    processor,
    fps: float | None = None,
    max_frames: int | None = None,
    chunk_size: int | None = None,
    decode_backend: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    dtype=None,
    max_duration: float | None = None,
    prefetch: int = 2,
    info: VideoInfo | None = None,
):
    """Streams a video through decoding, preprocessing and the frozen ViT, `chunk_size` frames at a time.

    Args:
        path: the video file. fps, max_frames: the sampling (`vsum.processing_vsum`); default: the processor's.
        chunk_size (`int`, *optional*): frames per ViT call (default `model.config.vision_chunk_size`).
        decode_backend (`str`, *optional*): `"auto"`, `"pyav"` or `"decord"` (tried first; the other is the fallback).
        progress (`callable`, *optional*): called with `(0, frames total)` once the video is probed, just before
            decoding starts (so a caller knows the total, and can start a rate's clock, before the first chunk), then
            with `(frames done, frames total)` after each chunk.
        dtype (*optional*): compute precision of the ViT (`"auto"`, `"float32"`, `"bfloat16"`, `"float16"`); `None`
            keeps the model's dtype. The features are returned in float32 whatever it is.
        max_duration (`float`, *optional*): refuse videos longer than this many seconds (`ValueError`).
        prefetch (`int`, defaults to 2): chunks decoded ahead in a background thread (0: no thread).
        info ([`VideoInfo`], *optional*): a probe already made for this file (it is not probed again).

    Returns:
        `(frame_embeds, timestamps, info)`: `(frames, hidden)` float32 tensor on the CPU, `(frames,)` float64 sampling
        times in seconds, and the [`VideoInfo`] of the probe. Raises `ValueError` naming the file for a missing,
        corrupt, still-image or too long video.
    """
    video_processor = processor.video_processor
    fps = video_processor.fps if fps is None else fps
    chunk_size = chunk_size or model.config.vision_chunk_size
    decode_backend = decode_backend or video_processor.decode_backend
    info = info or probe_video(path, max_duration=max_duration)
    if max_duration is not None and info.duration > max_duration:
        raise ValueError(f"{info.path}: video is {info.duration:.1f} s long, more than the allowed {max_duration:g} s")
    total = len(sample_times(info.duration, fps, max_frames))
    device = next(model.parameters()).device
    on_cuda = device.type == "cuda"
    hidden = model.config.vision_config.hidden_size
    # Per-frame data in two preallocated arrays (frames may be lost to corrupt data: the arrays are cut at the end).
    features = torch.empty(total, hidden, dtype=torch.float32)  # (T, D)
    stamps = np.empty(total, dtype=np.float64)  # (T,)
    done = 0
    chunks = _frame_chunks(path, video_processor, fps, max_frames, chunk_size, decode_backend, info, pin=on_cuda)
    precision = _autocast(model, dtype)
    if progress is not None:
        progress(0, total)
    with torch.inference_mode(), precision:
        for pixel_values, times in _prefetch(chunks, prefetch):
            pixel_values = pixel_values.to(device, _model_dtype(model), non_blocking=on_cuda)  # (n, 3, H, W)
            embeds = model.encode_frames(pixel_values[None]).squeeze(0)  # (n, D)
            n = len(times)
            features[done : done + n].copy_(embeds)
            stamps[done : done + n] = times
            done += n
            del pixel_values, embeds
            if progress is not None:
                progress(done, total)
    return features[:done], torch.from_numpy(stamps[:done]), info


def summarize_video(
    path: str | os.PathLike,
    model,
    processor,
    ratio: float | None = None,
    fps: float | None = None,
    max_frames: int | None = None,
    generate_kwargs: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    dtype=None,
    max_duration: float | None = None,
    decode_backend: str | None = None,
    encoded: tuple | None = None,
) -> dict:
    """Video summary and text summary of one video file.

    Args:
        generate_kwargs (`dict`, *optional*): overrides of `model.generation_config` (only what is set here is passed
            to `generate`; the rest is the checkpoint's recipe).
        dtype, max_duration, decode_backend: see [`encode_video`].
        encoded (`tuple`, *optional*): `(frame_embeds, timestamps, info)` from [`encode_video`] / [`encode_videos`]
            for this file: the video is then not decoded again.

    Returns:
        `dict` with `video`, `duration`, `fps`, `frames` (`[{t, score}]` per sampled frame), `keyframes`
        (`{"indices", "times"}`), `segments` (`[[start_s, end_s], ...]`, merged, sorted, positive length), `text`,
        `timings`.
    """
    ratio = model.config.summary_ratio if ratio is None else ratio
    fps = processor.video_processor.fps if fps is None else fps
    # Only what the caller set: everything else comes from the model's `generation_config` (the checkpoint's recipe).
    generate_kwargs = dict(generate_kwargs or {})
    start = time.perf_counter()
    if encoded is None:
        encoded = encode_video(
            path,
            model,
            processor,
            fps,
            max_frames,
            decode_backend=decode_backend,
            progress=progress,
            dtype=dtype,
            max_duration=max_duration,
        )
    frame_embeds, timestamps, info = encoded
    encoded_at = time.perf_counter()
    device = next(model.parameters()).device
    frame_embeds = frame_embeds[None].to(device, _model_dtype(model))  # (1, T, D)
    with torch.inference_mode(), _autocast(model, dtype):
        output = model(frame_embeds=frame_embeds)
        saliency_logits = output.saliency_logits.float().cpu()
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
        "decode_and_encode_s": encoded_at - start,
        "heads_and_generate_s": finished - encoded_at,
        "total_s": finished - start,
        "frames": len(summary["scores"]),
    }
    return result


def format_summary(summary: dict, text: str, video, duration: float, fps: float, ratio: float) -> dict:
    """The public summary fields (the JSON of `vsum summarize`, the pipeline's output) from one
    `VsumProcessor.post_process_summary` result; segments are clipped to the video's duration (a segment that
    would be empty after clipping is dropped: every segment has a positive length)."""
    stamps = summary["timestamps"]
    segments = [[start, min(end, duration)] for start, end in summary["segments"]]
    return {
        "video": os.fspath(video),
        "duration": duration,
        "fps": fps,
        "summary_ratio": ratio,
        "frames": [{"t": t, "score": s} for t, s in zip(stamps, summary["scores"])],
        "keyframes": {"indices": summary["keyframes"], "times": [stamps[i] for i in summary["keyframes"]]},
        "segments": [[start, end] for start, end in segments if end > start],
        "text": text,
    }


# ---------------------------------------------------------------------------------------------------- many videos


@dataclass
class EncodedVideo:
    """One result of [`encode_videos`]: the features of `path`, or the `error` (one line naming the file) that
    prevented them. `frame_embeds`: `(frames, hidden)` float32; `timestamps`: `(frames,)` float64 seconds."""

    index: int
    path: str
    frame_embeds: torch.Tensor | None = field(default=None, repr=False)
    timestamps: torch.Tensor | None = field(default=None, repr=False)
    info: VideoInfo | None = field(default=None, repr=False)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_tuple(self) -> tuple:
        """`(frame_embeds, timestamps, info)`, as [`encode_video`] returns (for `summarize_video(encoded=...)`)."""
        return self.frame_embeds, self.timestamps, self.info


def default_num_workers() -> int:
    """Decoding worker processes for [`encode_videos`]: half the cores (each PyAV decoder is threaded itself),
    at most 8; 1 (decoding in a thread of this process, no worker process) on machines with up to 3 cores."""
    return max(1, min(8, (os.cpu_count() or 1) // 2))


def _decode_worker(tasks, results, release, video_processor, options: dict) -> None:
    """Worker process: decodes + preprocesses videos from `tasks`, sends chunks to `results` (shared memory). It
    stays alive until `release` is set: the receiver fetches a shared tensor's memory from its sender process."""
    import signal
    import warnings

    # Ctrl-C reaches the whole process group: the parent stops its workers itself (no worker tracebacks under the
    # one "vsum: interrupted" line).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)  # the decoders use their own threads; preprocessing stays on one core per worker
    while (task := tasks.get()) is not None:
        index, path = task
        results.put(("start", index, os.getpid()))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                info = probe_video(path, max_duration=options["max_duration"])
                results.put(("info", index, info))
                for pixel_values, times in _frame_chunks(
                    path,
                    video_processor,
                    options["fps"],
                    options["max_frames"],
                    options["chunk_size"],
                    options["decode_backend"],
                    info,
                    pin=False,
                ):
                    results.put(("chunk", index, (pixel_values.share_memory_(), times)))
            results.put(("done", index, [str(w.message) for w in caught]))
        except Exception as error:  # noqa: BLE001  (reported per video; the other videos go on)
            message = str(error) if isinstance(error, ValueError) else f"{path}: {type(error).__name__}: {error}"
            results.put(("error", index, message))
    release.wait()


def encode_videos(
    paths: Iterable[str | os.PathLike],
    model,
    processor,
    fps: float | None = None,
    max_frames: int | None = None,
    chunk_size: int | None = None,
    decode_backend: str | None = None,
    *,
    dtype=None,
    max_duration: float | None = None,
    num_workers: int | None = None,
) -> Iterator[EncodedVideo]:
    """Encodes many videos: `num_workers` processes decode and preprocess several videos at once, and their frames
    are batched together into the vision encoder (`chunk_size` frames per call, from one or more videos).

    Yields one [`EncodedVideo`] per path, in the order of `paths`, as soon as it and the ones before it are done. A
    video that cannot be decoded yields an `EncodedVideo` with `error` set (the others are still encoded); nothing
    is raised for a bad video. The features equal [`encode_video`]'s (up to float rounding of batched matmuls).

    Args:
        paths: video files. fps, max_frames, chunk_size, decode_backend, dtype, max_duration: see [`encode_video`].
        num_workers (`int`, *optional*): decoding processes (default [`default_num_workers`]). `0` or `1` decodes in
            a background thread of this process, one video after the other.

    Example:

    ```python
    >>> from vsum.inference import encode_videos, summarize_video
    >>> for result in encode_videos(["a.mp4", "b.mp4"], model, processor):  # doctest: +SKIP
    ...     if result.ok:
    ...         summary = summarize_video(result.path, model, processor, encoded=result.as_tuple())
    ```
    """
    paths = [os.fspath(p) for p in paths]
    video_processor = processor.video_processor
    fps = video_processor.fps if fps is None else fps
    chunk_size = chunk_size or model.config.vision_chunk_size
    decode_backend = decode_backend or video_processor.decode_backend
    num_workers = default_num_workers() if num_workers is None else int(num_workers)
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0, got {num_workers}")
    num_workers = min(num_workers, len(paths))
    if num_workers <= 1:
        for index, path in enumerate(paths):
            try:
                embeds, stamps, info = encode_video(
                    path,
                    model,
                    processor,
                    fps,
                    max_frames,
                    chunk_size,
                    decode_backend,
                    dtype=dtype,
                    max_duration=max_duration,
                )
            except ValueError as error:
                yield EncodedVideo(index, path, error=str(error))
            else:
                yield EncodedVideo(index, path, embeds, stamps, info)
        return
    yield from _encode_parallel(
        paths,
        model,
        video_processor,
        dict(
            fps=fps,
            max_frames=max_frames,
            chunk_size=chunk_size,
            decode_backend=decode_backend,
            max_duration=max_duration,
        ),
        dtype,
        num_workers,
    )


def _encode_parallel(paths, model, video_processor, options, dtype, num_workers) -> Iterator[EncodedVideo]:
    import torch.multiprocessing as mp

    # spawn: a forked child of a process that has used OpenMP/oneDNN threads can deadlock in torch ops.
    context = mp.get_context("spawn")
    tasks = context.Queue()
    for task in enumerate(paths):
        tasks.put(task)
    for _ in range(num_workers):
        tasks.put(None)
    # Bounded: at most 2 chunks per worker wait for the encoder (memory stays flat whatever the videos' lengths).
    results = context.Queue(maxsize=2 * num_workers)
    release = context.Event()

    def start_worker():
        worker = context.Process(
            target=_decode_worker, args=(tasks, results, release, video_processor, options), daemon=True
        )
        worker.start()
        return worker

    workers = [start_worker() for _ in range(num_workers)]
    running: dict[int, int] = {}  # worker pid -> index of the video it decodes
    device = next(model.parameters()).device
    chunk_size = options["chunk_size"]
    hidden = model.config.vision_config.hidden_size
    infos: dict[int, VideoInfo] = {}
    parts: dict[int, list] = {}  # index -> [(features (n, D), times (n,))] per chunk
    finished: dict[int, EncodedVideo] = {}
    pending: list = []  # [(index, pixel_values, times)] waiting for a full batch
    next_out, open_videos = 0, len(paths)

    def flush():
        if not pending:
            return
        pixel_values = torch.cat([p for _, p, _ in pending]).to(device, _model_dtype(model))  # (N, 3, H, W)
        with torch.inference_mode(), _autocast(model, dtype):
            embeds = model.encode_frames(pixel_values[None]).squeeze(0).float().cpu()  # (N, D)
        start = 0
        for index, chunk, times in pending:
            parts.setdefault(index, []).append((embeds[start : start + len(chunk)].clone(), times))
            start += len(chunk)
        pending.clear()

    try:
        while open_videos or next_out < len(paths):
            while next_out in finished:
                yield finished.pop(next_out)
                next_out += 1
            if not open_videos:
                break
            try:
                kind, index, payload = results.get(timeout=0.05 if pending else 5.0)
            except queue.Empty:
                flush()  # nothing more is coming right now: do not hold frames back
                # A worker that died (decord can abort a process on corrupt input) fails only its own video; a
                # replacement takes over the remaining tasks (workers exit normally only after `release`).
                for slot, worker in enumerate(workers):
                    if worker.is_alive():
                        continue
                    index = running.pop(worker.pid, None)
                    if index is not None and index not in finished:
                        parts.pop(index, None)
                        finished[index] = EncodedVideo(
                            index,
                            paths[index],
                            error=f"{paths[index]}: the decoding process crashed (exit code {worker.exitcode})",
                        )
                        open_videos -= 1
                    workers[slot] = start_worker()
                continue
            if kind == "start":
                running[payload] = index
            elif kind == "info":
                infos[index] = payload
            elif kind == "chunk":
                pending.append((index, *payload))
                if sum(len(p) for _, p, _ in pending) >= chunk_size:
                    flush()
            else:
                flush()  # this video's last chunk may be pending
                running = {pid: i for pid, i in running.items() if i != index}
                open_videos -= 1
                if kind == "error":
                    parts.pop(index, None)
                    finished[index] = EncodedVideo(index, paths[index], error=payload)
                else:
                    chunks = parts.pop(index, [])
                    features = torch.empty(sum(len(t) for _, t in chunks), hidden)  # (T, D)
                    stamps = np.empty(len(features), dtype=np.float64)
                    start = 0
                    for embeds, times in chunks:
                        features[start : start + len(times)] = embeds
                        stamps[start : start + len(times)] = times
                        start += len(times)
                    for message in payload:  # e.g. frames lost to corrupt data, warned in the worker
                        warnings.warn(message, CorruptFramesWarning, stacklevel=2)
                    finished[index] = EncodedVideo(
                        index, paths[index], features, torch.from_numpy(stamps), infos.pop(index, None)
                    )
    finally:
        # Every received tensor is already mapped here, so the workers may go now (a clean interpreter exit of a
        # torch process takes seconds; there is nothing left for them to do).
        release.set()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()


__all__ = [
    "EncodedVideo",
    "default_num_workers",
    "encode_video",
    "encode_videos",
    "format_summary",
    "summarize_video",
]

#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""
Extract per-frame features of VideoXum videos with the frozen vsum vision encoder (BLIP ViT [CLS]).

What it does
------------
For every video of the chosen split(s) (``<data_dir>/{train,val,test}_videoxum.json`` name the videos; without
``--data_dir`` every video of ``--video_dir`` is used), frames are sampled at ``--fps`` (1 fps, VideoXum's rate) and
encoded with ``VsumModel.encode_frames`` through ``vsum.inference.encode_videos``: ``--num_workers`` processes
(default: half the cores, at most 8) decode and preprocess several videos at once and their frames are batched
together into the ViT, ``--batch_size`` frames per call, in ``--dtype`` (``auto``: bf16 on GPUs that support it,
float32 on CPU; features are saved as float32 either way). Memory stays bounded for long videos: only a few chunks of
frames per worker are in flight at a time. Parallel extraction gives the same features as serial
(``--num_workers 1``; tested). Each video gives ``<output_dir>/<video_id>.npz`` (the official
``feat/blip`` layout) with ``features`` (frames x hidden, float32) and ``frame_timestamps`` (seconds).

* Resumable: a file is written atomically (``vsum.io_utils``: random temporary name, renamed when complete), so an existing
  ``<video_id>.npz`` is always a finished one and is skipped without recomputation (``--overwrite`` recomputes).
  ``extraction_config.json`` records the model and fps; resuming with different settings is refused.
* Sharded with Accelerate: process ``i`` of ``n`` takes ``videos[i::n]``.
* Corrupt videos (``probe_video`` or decoding raises ``ValueError``) are reported with their ids; the run fails at
  the end listing them, unless ``--skip_corrupt`` (then they are skipped and listed in ``extraction_report.json``).
* Training reads the features as a dataset column: ``load_videoxum(data_dir, features_dir=output_dir)`` gives a
  ``frame_embeds`` column (``T x D``), batched by ``vsum.data.collator.VsumDataCollator``. ``--write_parquet`` also
  writes that dataset as ``<output_dir>/parquet/<split>.parquet`` (for ``load_dataset("parquet", ...)`` / the Hub).

Launch
------
```bash
# one process
python scripts/extract_features.py --model_name_or_path path/to/vsum-checkpoint \\
    --data_dir dataset/ActivityNet/anno --video_dir dataset/ActivityNet/videos --output_dir feat/blip
# from BLIP weights (the processor is built from BLIP's processor)
python scripts/extract_features.py --blip_model Salesforce/blip-image-captioning-large --data_dir ... --output_dir ...
# several GPUs (or processes): each takes every n-th video
accelerate launch --num_processes 4 scripts/extract_features.py --model_name_or_path ... --output_dir feat/blip
# several CPU processes (plain `--cpu --num_processes 2` starts only one process)
ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2 --num_machines 1 --mixed_precision no \\
    --dynamo_backend no scripts/extract_features.py ...
```
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


REPO_ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO_ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from accelerate import Accelerator  # noqa: E402
from accelerate.utils import gather_object  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from vsum import (  # noqa: E402
    VsumModel,
    VsumProcessor,
    loading,  # noqa: E402
)
from vsum.data import find_video, write_features_info  # noqa: E402
from vsum.data.videoxum import VIDEO_EXTENSIONS, VIDEOXUM_SPLIT_FILES  # noqa: E402
from vsum.inference import encode_video, encode_videos  # noqa: E402
from vsum.io_utils import atomic_path, atomic_write_json  # noqa: E402
from vsum.script_utils import HfArgumentParser, run_script, usage_errors  # noqa: E402


logger = logging.getLogger("extract_features")

CONFIG_FILENAME = "extraction_config.json"
REPORT_FILENAME = "extraction_report.json"
FEATURE_KEY = "features"


@dataclass
class ModelArguments:
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "A vsum checkpoint folder (config, weights and processor)."}
    )
    blip_model: str | None = field(
        default=None,
        metadata={
            "help": "Instead of a vsum checkpoint: a BlipForConditionalGeneration name/path (VsumModel.from_blip)."
        },
    )
    dtype: str = field(
        default="auto",
        metadata={
            "help": "ViT dtype: auto (bf16 on GPUs that support it, float32 on CPU), float32, bfloat16, float16."
        },
    )
    trust_remote_code: bool = field(
        default=False, metadata={"help": "Load the checkpoint with its own remote code (runs that code)."}
    )


@dataclass
class DataArguments:
    output_dir: str = field(metadata={"help": "Folder for <video_id>.npz files (created)."})
    data_dir: str | None = field(
        default=None, metadata={"help": "Folder with {train,val,test}_videoxum.json; they list the videos."}
    )
    video_dir: str | None = field(
        default=None, metadata={"help": "Folder of <video_id>.mp4|.mkv|.webm (default: <data_dir>/videos)."}
    )
    splits: list[str] = field(
        default_factory=lambda: list(VIDEOXUM_SPLIT_FILES), metadata={"help": "Splits to extract (with --data_dir)."}
    )
    fps: float = field(default=1.0, metadata={"help": "Frames per second to sample."})
    batch_size: int = field(default=64, metadata={"help": "Frames decoded and encoded at a time."})
    decode_backend: str = field(
        default="auto", metadata={"help": "auto (PyAV, decord as fallback), pyav or decord (tried first)."}
    )
    num_workers: int | None = field(
        default=None,
        metadata={"help": "Processes decoding videos in parallel (default: half the cores, at most 8; 1: no workers)."},
    )
    skip_corrupt: bool = field(default=False, metadata={"help": "Skip and list corrupt videos instead of failing."})
    overwrite: bool = field(default=False, metadata={"help": "Recompute videos whose .npz already exists."})
    write_parquet: bool = field(
        default=False,
        metadata={
            "help": "Also write load_videoxum(data_dir, features_dir=output_dir) as <output_dir>/parquet/<split>.parquet."
        },
    )
    cache_dir: str | None = field(default=None, metadata={"help": "datasets cache for --write_parquet."})


# ---------------------------------------------------------------------------------------------------- videos


def list_videos(data_dir: str | None, video_dir: str, splits: Sequence[str]) -> list[tuple[str, str]]:
    """`(video_id, path)` for every video to extract, in a deterministic order (missing files get a would-be path)."""
    if not os.path.isdir(video_dir):
        raise ValueError(f"video_dir {video_dir} is not a folder")
    with os.scandir(video_dir) as it:
        names = {entry.name for entry in it if entry.is_file()}
    if data_dir is None:
        stems = sorted({Path(n).stem for n in names if n.endswith(VIDEO_EXTENSIONS) and not n.startswith(".")})
        return [(stem, find_video(video_dir, stem, names)) for stem in stems]
    unknown = [s for s in splits if s not in VIDEOXUM_SPLIT_FILES]
    if unknown or not splits:
        raise ValueError(f"splits must be among {list(VIDEOXUM_SPLIT_FILES)}, got {list(splits)}")
    videos: dict[str, str] = {}
    for split in splits:
        path = os.path.join(data_dir, VIDEOXUM_SPLIT_FILES[split])
        if not os.path.isfile(path):
            raise ValueError(f"Missing annotation file {path} for split {split!r}")
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
        if not isinstance(records, list):
            raise ValueError(f"{path} must hold a JSON list of records, got a {type(records).__name__}")
        for index, record in enumerate(records):
            video_id = record.get("video_id") if isinstance(record, dict) else None
            if not isinstance(video_id, str) or not video_id:
                raise ValueError(f"{path}: record {index} has no valid 'video_id' (got {video_id!r})")
            # A missing file is reported like a corrupt one (probe_video raises "file not found").
            videos.setdefault(
                video_id, find_video(video_dir, video_id, names) or os.path.join(video_dir, f"{video_id}.mp4")
            )
    return list(videos.items())


def shard(videos: Sequence[Any], process_index: int, num_processes: int) -> list[Any]:
    """The videos of one process: ``videos[process_index::num_processes]``."""
    if not 0 <= process_index < num_processes:
        raise ValueError(f"process_index must be in [0, {num_processes}), got {process_index}")
    return list(videos[process_index::num_processes])


# ---------------------------------------------------------------------------------------------------- model


def load_model_and_processor(args: ModelArguments, device: str | None = None) -> tuple[VsumModel, VsumProcessor]:
    """The encoder through vsum's one loader (a vsum checkpoint, or BLIP weights via `VsumModel.from_blip`)."""
    if (args.model_name_or_path is None) == (args.blip_model is None):
        raise ValueError(
            "Pass exactly one of --model_name_or_path (a vsum checkpoint) or --blip_model (BLIP weights); got "
            f"model_name_or_path={args.model_name_or_path!r}, blip_model={args.blip_model!r}"
        )
    return loading.load_model_and_processor(
        args.model_name_or_path or args.blip_model,
        dtype=loading.resolve_dtype(args.dtype, device or "cpu"),
        trust_remote_code=args.trust_remote_code,
    )


def extract_video(
    model: VsumModel,
    processor: VsumProcessor,
    path: str,
    fps: float = 1.0,
    batch_size: int = 64,
    decode_backend: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """`(features (T, hidden) float32, timestamps (T,))` of one video, `batch_size` frames decoded/encoded at a time
    (`vsum.inference.encode_video`, the streaming path the CLI and pipeline use).

    Raises `ValueError` (naming the file) for a corrupt or missing video.
    """
    features, timestamps, _ = encode_video(
        path, model, processor, fps=fps, chunk_size=batch_size, decode_backend=decode_backend
    )
    return features.float().numpy(), timestamps.numpy()


def save_npz_atomic(path: str, **arrays: np.ndarray) -> None:
    """Writes `arrays` to `path` atomically (`vsum.io_utils.atomic_path`: never a partial file)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)


def _model_id(name_or_path: str) -> str:
    return os.path.abspath(name_or_path) if os.path.isdir(name_or_path) else name_or_path


def _check_config(output_dir: str, config: dict[str, Any], overwrite: bool) -> None:
    path = os.path.join(output_dir, CONFIG_FILENAME)
    if os.path.exists(path) and not overwrite:
        with open(path, encoding="utf-8") as f:
            previous = json.load(f)
        if previous != config:
            changed = {
                k: (previous.get(k), config.get(k))
                for k in set(previous) | set(config)
                if previous.get(k) != config.get(k)
            }
            raise ValueError(
                f"{output_dir} holds features extracted with other settings (old, new): {changed}. Use another "
                "--output_dir, or --overwrite to recompute every video."
            )
    atomic_write_json(path, config)


# ---------------------------------------------------------------------------------------------------- main


def main(args: Sequence[str] | None = None) -> dict[str, Any]:
    """Runs the extraction; `args` are command-line arguments (default `sys.argv[1:]`). Returns a summary dict."""
    # A bad command line (refused values included) ends in one line and SystemExit(2) (vsum.script_utils).
    model_args, data_args = HfArgumentParser((ModelArguments, DataArguments)).parse_args_into_dataclasses(args=args)
    with usage_errors():
        if data_args.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {data_args.batch_size}")
        if data_args.fps <= 0:
            raise ValueError(f"fps must be > 0, got {data_args.fps}")
        if data_args.num_workers is not None and data_args.num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {data_args.num_workers}")
        if data_args.video_dir is None and data_args.data_dir is None:
            raise ValueError("Pass --video_dir (or --data_dir with a videos/ subfolder)")
        if data_args.write_parquet and data_args.data_dir is None:
            raise ValueError("--write_parquet needs --data_dir (the annotation files)")
    video_dir = data_args.video_dir or os.path.join(data_args.data_dir, "videos")

    accelerator = Accelerator()
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    model, processor = load_model_and_processor(model_args, str(accelerator.device))
    model.to(accelerator.device)
    output_dir = data_args.output_dir
    videos = list_videos(data_args.data_dir, video_dir, data_args.splits)
    if accelerator.is_main_process:
        os.makedirs(output_dir, exist_ok=True)
        _check_config(
            output_dir,
            {
                "model": _model_id(model_args.model_name_or_path or model_args.blip_model),
                "dtype": str(loading.resolve_dtype(model_args.dtype, str(accelerator.device))).removeprefix("torch."),
                "fps": data_args.fps,
                "feature_key": FEATURE_KEY,
                "hidden_size": model.config.vision_config.hidden_size,
            },
            data_args.overwrite,
        )
        # The encoder record read by the VideoXum builder and prepare_videoxum.py's dataset card.
        image_size = model.config.vision_config.image_size
        write_features_info(
            output_dir,
            encoder=_model_id(model_args.model_name_or_path or model_args.blip_model),
            image_size=image_size if isinstance(image_size, int) else int(image_size[0]),
            encoder_dtype=str(loading.resolve_dtype(model_args.dtype, str(accelerator.device))).removeprefix("torch."),
            feature_dim=model.config.vision_config.hidden_size,
            feature_key=FEATURE_KEY,
            fps=data_args.fps,
        )
    accelerator.wait_for_everyone()

    mine = shard(videos, accelerator.process_index, accelerator.num_processes)
    computed, existing, corrupt, num_frames = [], [], [], 0
    start = time.perf_counter()
    progress = tqdm(total=len(mine), desc="extracting", unit="video", disable=not accelerator.is_local_main_process)
    todo = []
    for video_id, path in mine:
        if os.path.exists(os.path.join(output_dir, f"{video_id}.npz")) and not data_args.overwrite:
            existing.append(video_id)
            progress.update(1)
        else:
            todo.append((video_id, path))
    results = encode_videos(
        [path for _, path in todo],
        model,
        processor,
        fps=data_args.fps,
        chunk_size=data_args.batch_size,
        decode_backend=data_args.decode_backend,
        num_workers=data_args.num_workers,
    )
    for (video_id, path), result in zip(todo, results):
        if not result.ok:
            logger.warning("Corrupt video %s: %s", video_id, result.error)
            corrupt.append({"video_id": video_id, "path": path, "error": result.error})
        else:
            features, timestamps = result.frame_embeds.float().numpy(), result.timestamps.numpy()
            save_npz_atomic(
                os.path.join(output_dir, f"{video_id}.npz"), **{FEATURE_KEY: features, "frame_timestamps": timestamps}
            )
            computed.append(video_id)
            num_frames += len(features)
        progress.update(1)
        elapsed = max(time.perf_counter() - start, 1e-9)
        progress.set_postfix(videos_s=f"{len(computed) / elapsed:.2f}", frames_s=f"{num_frames / elapsed:.1f}")
    progress.close()
    elapsed = time.perf_counter() - start

    per_process = {
        "computed": computed,
        "existing": existing,
        "corrupt": corrupt,
        "frames": num_frames,
        "seconds": elapsed,
    }
    gathered = gather_object([per_process]) if accelerator.num_processes > 1 else [per_process]
    summary = {
        "num_videos": len(videos),
        "computed": sorted(v for p in gathered for v in p["computed"]),
        "skipped_existing": sorted(v for p in gathered for v in p["existing"]),
        "corrupt": sorted((c for p in gathered for c in p["corrupt"]), key=lambda c: c["video_id"]),
        "num_frames": sum(p["frames"] for p in gathered),
        "seconds": max(p["seconds"] for p in gathered),
        "num_processes": accelerator.num_processes,
    }
    seconds = max(summary["seconds"], 1e-9)
    summary["videos_per_second"] = len(summary["computed"]) / seconds
    summary["frames_per_second"] = summary["num_frames"] / seconds
    if accelerator.is_main_process:
        atomic_write_json(os.path.join(output_dir, REPORT_FILENAME), summary)
        logger.info(
            "%d videos: %d extracted (%d frames, %.2f videos/s, %.1f frames/s), %d already done, %d corrupt",
            len(videos),
            len(summary["computed"]),
            summary["num_frames"],
            summary["videos_per_second"],
            summary["frames_per_second"],
            len(summary["skipped_existing"]),
            len(summary["corrupt"]),
        )
    corrupt_ids = ", ".join(f"{c['video_id']} ({c['error']})" for c in summary["corrupt"])
    if summary["corrupt"] and not data_args.skip_corrupt:
        raise ValueError(
            f"{len(summary['corrupt'])} corrupt video(s), no features written for them: {corrupt_ids}. "
            "Pass --skip_corrupt to skip them (the others are done and are not recomputed on a rerun)."
        )
    if summary["corrupt"] and accelerator.is_main_process:
        logger.warning("Skipped %d corrupt video(s) (--skip_corrupt): %s", len(summary["corrupt"]), corrupt_ids)

    if data_args.write_parquet and accelerator.is_main_process:
        from vsum.data import load_videoxum

        dataset = load_videoxum(
            data_args.data_dir,
            features_dir=output_dir,
            splits=data_args.splits,
            skip_missing=bool(summary["corrupt"]),
            cache_dir=data_args.cache_dir,
        )
        parquet_dir = os.path.join(output_dir, "parquet")
        os.makedirs(parquet_dir, exist_ok=True)
        summary["parquet_files"] = {}
        for split, ds in dataset.items():
            path = os.path.join(parquet_dir, f"{split}.parquet")
            with atomic_path(path) as tmp:
                ds.to_parquet(tmp)
            summary["parquet_files"][split] = path
    accelerator.wait_for_everyone()
    return summary


if __name__ == "__main__":
    sys.exit(run_script(main))  # errors in what the arguments point at: one line, exit code 1 (VSUM_DEBUG=1: traceback)

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Batching VideoXum rows for [`VsumModel`]: a data collator and a length-grouped sampler.

```python
from torch.utils.data import DataLoader
from vsum.data import load_videoxum
from vsum.data.collator import LengthGroupedSampler, VsumDataCollator

ds = load_videoxum("anno", features_dir="feat/blip")["train"]
collator = VsumDataCollator(processor, max_frames=512)
sampler = LengthGroupedSampler(batch_size=8, lengths=ds["num_frames"], seed=42)
loader = DataLoader(ds, batch_size=8, sampler=sampler, collate_fn=collator)
for epoch in range(num_epochs):
    sampler.set_epoch(epoch)  # or accelerator-prepared loader.set_epoch(epoch)
    for batch in loader:
        loss = model(**batch).loss
```

The collator does not import the model code: it only needs a [`VsumProcessor`] (for the tokenizer and, for video
rows, the video processor).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from transformers.trainer_pt_utils import LengthGroupedSampler as _TransformersLengthGroupedSampler
from transformers.trainer_pt_utils import get_length_grouped_indices


__all__ = ["LengthGroupedSampler", "VsumDataCollator", "padding_fraction"]

logger = logging.getLogger(__name__)

#: Kinds of length fixes the collator counts (`VsumDataCollator.length_fixes`), relative to ``vsum_onehot``.
COLLATOR_LENGTH_FIX_KINDS: tuple[str, ...] = ("video_longer", "video_shorter", "features_longer", "features_shorter")


def _row_id(row: Mapping[str, Any], index: int) -> str:
    return f"video_id={row['video_id']!r}" if "video_id" in row else f"row {index}"


class VsumDataCollator:
    r"""
    Turns a list of VideoXum rows (as given by [`~vsum.data.load_videoxum`]) into a batch for [`VsumModel`].

    Frames come from the row's ``frame_embeds`` (cached features, ``T x D``) when every row of the batch has them,
    otherwise from its ``video`` file (decoded at `fps` and preprocessed by the processor's video processor). A row
    with both uses the features.

    Lengths: ``vsum_onehot`` gives the row's ``T`` (the dataset builder already made it consistent with
    ``sampled_frames`` and the cached features). When the decoded video (or the features) and ``vsum_onehot``
    disagree by at most `max_length_mismatch` frames, both are truncated to the shortest and the fix is counted in
    :attr:`length_fixes`; a larger mismatch raises a `ValueError`. With `max_frames`, every video keeps its *first*
    `max_frames` frames (and labels), as the official VideoXum training code does; the number of truncated rows is
    counted in :attr:`num_max_frames_truncated`. (Counters live in the process that collates: with
    `DataLoader(num_workers>0)` each worker has its own copy.)

    Args:
        processor ([`VsumProcessor`]):
            Tokenizes ``text_summary`` (`processor.tokenize_summaries`) and, for video rows, preprocesses frames.
        max_frames (`int`, *optional*):
            Keep only the first `max_frames` frames of each video (training). `None` keeps all.
        fps (`float`, *optional*, defaults to 1.0):
            Sampling rate for video rows (VideoXum's labels are at 1 fps).
        max_length_mismatch (`int`, *optional*, defaults to 2):
            Largest frame-count difference between frames and ``vsum_onehot`` that is fixed by truncation; `None`
            always truncates.
        return_ids (`bool`, *optional*, defaults to `False`):
            Also return ``video_ids`` (a list of strings, not a tensor: pop it before `model(**batch)`).
        decode_backend (`str`, *optional*, defaults to `"auto"`):
            Decoder for video rows (`"auto"`, `"decord"`, `"pyav"`).
        chunk_size (`int`, *optional*, defaults to 64):
            Frames decoded and preprocessed at a time for video rows.
        label_pad_value (`float`, *optional*, defaults to -100):
            Value of the padded annotator rows of ``vsum_labels`` (the model ignores labels < 0).

    Returns (from `__call__`):
        `dict` with ``frame_embeds`` `(B, T_max, D)` float32 or ``pixel_values`` `(B, T_max, 3, H, W)` float32 (zero
        padding), ``frame_mask`` `(B, T_max)` long, and, when the rows have them, ``vsum_labels`` `(B, A_max, T_max)`
        float32 (padded frames 0, padded annotators `label_pad_value`), ``input_ids``, ``attention_mask``, ``labels``;
        plus ``video_ids`` with `return_ids=True`.
    """

    def __init__(
        self,
        processor,
        max_frames: int | None = None,
        fps: float = 1.0,
        max_length_mismatch: int | None = 2,
        return_ids: bool = False,
        decode_backend: str = "auto",
        chunk_size: int = 64,
        label_pad_value: float = -100.0,
    ):
        if max_frames is not None and (not isinstance(max_frames, int) or max_frames < 1):
            raise ValueError(f"max_frames must be a positive integer or None, got {max_frames!r}")
        if fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        if max_length_mismatch is not None and max_length_mismatch < 0:
            raise ValueError(f"max_length_mismatch must be >= 0 or None, got {max_length_mismatch}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        if label_pad_value >= 0:
            raise ValueError(f"label_pad_value must be negative (the model ignores labels < 0), got {label_pad_value}")
        self.processor = processor
        self.max_frames = max_frames
        self.fps = fps
        self.max_length_mismatch = max_length_mismatch
        self.return_ids = return_ids
        self.decode_backend = decode_backend
        self.chunk_size = chunk_size
        self.label_pad_value = label_pad_value
        self.length_fixes: Counter = Counter(dict.fromkeys(COLLATOR_LENGTH_FIX_KINDS, 0))
        self.num_max_frames_truncated = 0
        self._warned_length_fix = False

    # ------------------------------------------------------------------ lengths

    def _target_length(self, frames: int, labels: int | None, source: str, row_name: str) -> int:
        """Frames kept for a row: min(frames, labels), then max_frames; counts the fixes."""
        length = frames
        if labels is not None and labels != frames:
            difference = abs(frames - labels)
            if self.max_length_mismatch is not None and difference > self.max_length_mismatch:
                raise ValueError(
                    f"{row_name}: {frames} {source} frames but vsum_onehot has {labels} frames (difference "
                    f"{difference} > max_length_mismatch={self.max_length_mismatch}); wrong video or features?"
                )
            self.length_fixes[f"{source}_{'longer' if frames > labels else 'shorter'}"] += 1
            if not self._warned_length_fix:
                logger.warning(
                    "%s: %d %s frames vs %d vsum_onehot frames; truncating both to the shortest (further fixes are "
                    "counted in VsumDataCollator.length_fixes without a warning).",
                    row_name,
                    frames,
                    source,
                    labels,
                )
                self._warned_length_fix = True
            length = min(frames, labels)
        if self.max_frames is not None and length > self.max_frames:
            self.num_max_frames_truncated += 1
            length = self.max_frames
        return length

    # ------------------------------------------------------------------ frames

    @staticmethod
    def _features(row: Mapping[str, Any], row_name: str) -> np.ndarray:
        value = row["frame_embeds"]
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        try:
            array = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError, OverflowError) as error:  # OverflowError: an integer beyond float range
            raise ValueError(f"{row_name}: frame_embeds must be a (frames, dim) numeric array ({error})") from None
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
            raise ValueError(
                f"{row_name}: frame_embeds must be a non-empty (frames, dim) array, got shape {array.shape}"
            )
        return array

    def _decode(self, path: str, row_name: str, labels: int | None) -> torch.Tensor:
        """Preprocessed frames `(T, 3, H, W)` of a video, decoding only the frames that are kept."""
        from ..processing_vsum import iter_video_frames, probe_video, sample_frame_indices

        info = probe_video(path)  # ValueError naming the file for corrupt input
        available = len(sample_frame_indices(info.frame_timestamps, info.duration, self.fps))
        length = self._target_length(available, labels, "video", row_name)
        chunks, count = [], 0
        # Decoded at (twice) the processor's size, not full resolution: memory bounded for 4K training videos too.
        min_size = self.processor.video_processor.decode_min_size()
        frames_iter = iter_video_frames(
            path, self.fps, None, self.chunk_size, self.decode_backend, info=info, min_size=min_size
        )
        for frames, _ in frames_iter:
            frames = frames[: length - count]
            chunks.append(self.processor.video_processor.preprocess_frames(frames))
            count += len(frames)
            if count >= length:
                break  # the first `length` samples: later chunks are never decoded
        return torch.cat(chunks)

    # ------------------------------------------------------------------ call

    def __call__(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if len(rows) == 0:
            raise ValueError("VsumDataCollator got an empty list of rows")
        names = [_row_id(row, i) for i, row in enumerate(rows)]
        neither = [
            name for row, name in zip(rows, names) if row.get("frame_embeds") is None and row.get("video") is None
        ]
        if neither:
            raise ValueError(
                f"Rows without `frame_embeds` or `video`: {', '.join(neither)}. Load the dataset with "
                "load_videoxum(..., features_dir=...) or load_videoxum(..., video_dir=...)."
            )
        use_features = all(row.get("frame_embeds") is not None for row in rows)
        if not use_features:
            no_video = [name for row, name in zip(rows, names) if row.get("video") is None]
            if no_video:
                raise ValueError(
                    f"Batch mixes rows with only `frame_embeds` ({', '.join(no_video)}) and rows with only `video`; "
                    "all rows of a batch need features, or all need a video path."
                )

        has_onehot = [row.get("vsum_onehot") is not None for row in rows]
        has_text = [row.get("text_summary") is not None for row in rows]
        for what, flags in (("vsum_onehot", has_onehot), ("text_summary", has_text)):
            if any(flags) and not all(flags):
                missing = [name for name, flag in zip(names, flags) if not flag]
                raise ValueError(f"Rows {', '.join(missing)} lack `{what}` while other rows of the batch have it")

        onehots: list[np.ndarray | None] = []
        for row, name in zip(rows, names):
            if row.get("vsum_onehot") is None:
                onehots.append(None)
                continue
            try:
                onehot = np.asarray(row["vsum_onehot"], dtype=np.float32)
            except (TypeError, ValueError, OverflowError) as error:  # ragged rows, strings, a 400-digit integer
                raise ValueError(
                    f"{name}: vsum_onehot must be a numeric (annotators, frames) array ({error})"
                ) from None
            if not np.isfinite(onehot).all():  # NaN labels would make the loss NaN; 1e39 overflows float32 to inf
                raise ValueError(f"{name}: vsum_onehot holds non-finite values (NaN or beyond float32 range)")
            if onehot.ndim == 1:
                onehot = onehot[None]
            if onehot.ndim != 2 or onehot.shape[1] == 0:
                raise ValueError(f"{name}: vsum_onehot must be (annotators, frames), got shape {onehot.shape}")
            onehots.append(onehot)

        frames: list[torch.Tensor] = []
        for row, name, onehot in zip(rows, names, onehots):
            labels_length = None if onehot is None else onehot.shape[1]
            if use_features:
                features = self._features(row, name)
                length = self._target_length(features.shape[0], labels_length, "features", name)
                frames.append(torch.from_numpy(features[:length]))
            else:
                frames.append(self._decode(row["video"], name, labels_length))
        if use_features:
            widths = {tuple(f.shape[1:]) for f in frames}
            if len(widths) > 1:
                listed = ", ".join(f"{name}: {f.shape[1]}" for name, f in zip(names, frames))
                raise ValueError(f"frame_embeds have different feature sizes in one batch ({listed})")

        batch_size, max_length = len(rows), max(len(f) for f in frames)
        padded = frames[0].new_zeros(batch_size, max_length, *frames[0].shape[1:], dtype=torch.float32)
        frame_mask = torch.zeros(batch_size, max_length, dtype=torch.long)
        for index, f in enumerate(frames):
            padded[index, : len(f)] = f
            frame_mask[index, : len(f)] = 1
        batch: dict[str, Any] = {"frame_embeds" if use_features else "pixel_values": padded, "frame_mask": frame_mask}

        if all(has_onehot):
            num_annotators = max(o.shape[0] for o in onehots)
            labels = torch.zeros(batch_size, num_annotators, max_length, dtype=torch.float32)
            for index, (onehot, f) in enumerate(zip(onehots, frames)):
                labels[index, onehot.shape[0] :] = self.label_pad_value
                labels[index, : onehot.shape[0], : len(f)] = torch.from_numpy(onehot[:, : len(f)])
            batch["vsum_labels"] = labels
        if all(has_text):
            batch.update(self.processor.tokenize_summaries([row["text_summary"] for row in rows]))
        if self.return_ids:
            batch["video_ids"] = [str(row.get("video_id", index)) for index, row in enumerate(rows)]
        return batch


class LengthGroupedSampler(_TransformersLengthGroupedSampler):
    r"""
    [`transformers.trainer_pt_utils.LengthGroupedSampler`] made reproducible: the order depends only on `seed` and
    the epoch set with [`set_epoch`], so every process of a distributed run draws the same order (Accelerate then
    gives each process its own batches) and a resumed run sees the same batches.

    Indices are shuffled, cut into mega-batches of `mega_batch_mult * batch_size`, and sorted by length (longest first)
    inside each mega-batch (transformers' `get_length_grouped_indices`), so the videos of a batch have similar lengths
    and little padding; the longest batch comes first, so an out-of-memory error happens at the first step. With
    `shuffle=False` the order is simply all indices sorted by decreasing length (the official VideoXum code sorts
    by duration).

    Args:
        batch_size (`int`): The DataLoader's batch size (per process).
        lengths (`Sequence[int]`): Length of each example, e.g. `dataset["num_frames"]`.
        shuffle (`bool`, *optional*, defaults to `True`): Shuffle before grouping.
        seed (`int`, *optional*, defaults to 0): Base seed; epoch `e` uses `seed + e`.
        mega_batch_mult (`int`, *optional*): Batches per mega-batch. When `None`, transformers' default
            `min(len(lengths) // (4 * batch_size), 50)` but at least 4: transformers' floor of 1 puts every batch
            in its own mega-batch on small datasets (< 8 batches), which groups nothing.
    """

    def __init__(
        self,
        batch_size: int,
        lengths: Sequence[int],
        shuffle: bool = True,
        seed: int = 0,
        mega_batch_mult: int | None = None,
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if mega_batch_mult is not None and mega_batch_mult < 1:
            raise ValueError(f"mega_batch_mult must be >= 1 or None, got {mega_batch_mult}")
        lengths = lengths.tolist() if isinstance(lengths, (torch.Tensor, np.ndarray)) else list(lengths)
        if len(lengths) == 0:
            raise ValueError("lengths is empty")
        super().__init__(batch_size=batch_size, lengths=lengths)
        self.shuffle = shuffle
        self.seed = seed
        if mega_batch_mult is None:
            mega_batch_mult = max(4, min(len(lengths) // (4 * batch_size), 50))
        self.mega_batch_mult = mega_batch_mult
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch (Accelerate's prepared DataLoader calls this from its own `set_epoch`)."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        if not self.shuffle:
            return iter(sorted(range(len(self.lengths)), key=lambda i: -self.lengths[i]))
        # A fresh generator per epoch: the order does not depend on `self.generator`, which Accelerate may replace.
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        indices = get_length_grouped_indices(self.lengths, self.batch_size, self.mega_batch_mult, generator=generator)
        return iter(indices)


def padding_fraction(lengths: Sequence[int], order: Sequence[int], batch_size: int) -> float:
    """Fraction of padded frame slots when `order` is cut into batches of `batch_size` and padded to each batch's max."""
    lengths = np.asarray(lengths)
    order = list(order)
    real, total = 0, 0
    for start in range(0, len(order), batch_size):
        batch = lengths[order[start : start + batch_size]]
        real += int(batch.sum())
        total += int(batch.max()) * len(batch)
    return 1.0 - real / total if total else 0.0

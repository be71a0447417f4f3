# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""VsumDataCollator and LengthGroupedSampler."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import write_video

from vsum.data.collator import LengthGroupedSampler, VsumDataCollator, padding_fraction


def feature_row(video_id: str, frames: int, dim: int = 8, annotators: int = 3, text: str = "a red circle moves"):
    rng = np.random.default_rng(frames)
    return {
        "video_id": video_id,
        "frame_embeds": rng.normal(size=(frames, dim)).astype(np.float32).tolist(),  # lists, as datasets gives them
        "vsum_onehot": rng.integers(0, 2, size=(annotators, frames)).tolist(),
        "text_summary": text,
    }


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("collator_videos")
    return {
        "five": write_video(root / "five.mp4", duration=5.0, fps=10),  # 5 samples at 1 fps
        "three": write_video(root / "three.mp4", duration=3.0, fps=10),  # 3 samples
    }


def test_feature_rows_shapes_masks_and_labels(tiny_processor):
    rows = [feature_row("v_a", 4, annotators=3), feature_row("v_b", 6, annotators=2, text="blue square")]
    batch = VsumDataCollator(tiny_processor)(rows)
    assert set(batch) == {"frame_embeds", "frame_mask", "vsum_labels", "input_ids", "attention_mask", "labels"}
    assert batch["frame_embeds"].shape == (2, 6, 8) and batch["frame_embeds"].dtype == torch.float32
    assert batch["frame_mask"].dtype == torch.long
    assert batch["frame_mask"].tolist() == [[1, 1, 1, 1, 0, 0], [1] * 6]
    torch.testing.assert_close(batch["frame_embeds"][0, :4], torch.tensor(rows[0]["frame_embeds"]))
    assert batch["frame_embeds"][0, 4:].abs().sum() == 0
    labels = batch["vsum_labels"]
    assert labels.shape == (2, 3, 6) and labels.dtype == torch.float32
    torch.testing.assert_close(labels[0, :, :4], torch.tensor(rows[0]["vsum_onehot"], dtype=torch.float32))
    assert (labels[0, :, 4:] == 0).all()  # padded frames: 0 (masked by frame_mask)
    assert (labels[1, 2] == -100).all()  # padded annotator row
    torch.testing.assert_close(labels[1, :2], torch.tensor(rows[1]["vsum_onehot"], dtype=torch.float32))
    expected = tiny_processor.tokenize_summaries(["a red circle moves", "blue square"])
    for key in ("input_ids", "attention_mask", "labels"):
        assert torch.equal(batch[key], expected[key])


def test_batch_is_model_ready_and_ids_on_request(tiny_processor, tiny_model):
    # tiny_model's hidden size is 32.
    rows = [feature_row("v_a", 5, dim=32), feature_row("v_b", 3, dim=32)]
    batch = VsumDataCollator(tiny_processor)(rows)
    output = tiny_model(**batch)
    assert torch.isfinite(output.loss)
    with_ids = VsumDataCollator(tiny_processor, return_ids=True)(rows)
    assert with_ids["video_ids"] == ["v_a", "v_b"]


def test_video_rows_match_processor(tiny_processor, videos):
    rows = [
        {"video_id": "five", "video": videos["five"], "vsum_onehot": [[0, 1, 1, 0, 0]] * 2, "text_summary": "red"},
        {"video_id": "three", "video": videos["three"], "vsum_onehot": [[1, 0, 0]] * 2, "text_summary": "up"},
    ]
    batch = VsumDataCollator(tiny_processor)(rows)
    expected = tiny_processor(videos=[videos["five"], videos["three"]], return_tensors="pt")
    assert batch["pixel_values"].shape == (2, 5, 3, 32, 32)
    assert "frame_embeds" not in batch
    assert torch.equal(batch["frame_mask"], expected["frame_mask"])
    torch.testing.assert_close(batch["pixel_values"], expected["pixel_values"])


def test_features_preferred_over_video(tiny_processor, videos):
    row = feature_row("v_a", 5)
    row["video"] = videos["five"]
    assert "frame_embeds" in VsumDataCollator(tiny_processor)([row])


def test_max_frames_keeps_first_frames(tiny_processor, videos):
    rows = [feature_row("v_a", 7), feature_row("v_b", 3)]
    collator = VsumDataCollator(tiny_processor, max_frames=4)
    batch = collator(rows)
    assert batch["frame_embeds"].shape == (2, 4, 8)
    torch.testing.assert_close(batch["frame_embeds"][0], torch.tensor(rows[0]["frame_embeds"][:4]))
    torch.testing.assert_close(
        batch["vsum_labels"][0], torch.tensor(rows[0]["vsum_onehot"], dtype=torch.float32)[:, :4]
    )
    assert collator.num_max_frames_truncated == 1
    video_row = {"video": videos["five"], "vsum_onehot": [[1, 1, 0, 0, 1]], "text_summary": "red"}
    video_batch = VsumDataCollator(tiny_processor, max_frames=2)([video_row])
    full = tiny_processor(videos=[videos["five"]], return_tensors="pt")["pixel_values"]
    torch.testing.assert_close(video_batch["pixel_values"], full[:, :2])  # the first 2, not spread samples
    assert video_batch["vsum_labels"].tolist() == [[[1.0, 1.0]]]


def test_length_mismatch_truncates_to_shortest_and_counts(tiny_processor, videos, caplog):
    row = feature_row("v_a", 6)
    row["vsum_onehot"] = [r[:5] for r in row["vsum_onehot"]]  # labels one frame shorter than the features
    collator = VsumDataCollator(tiny_processor)
    batch = collator([row])
    assert batch["frame_embeds"].shape[1] == 5 and batch["vsum_labels"].shape[2] == 5
    assert collator.length_fixes["features_longer"] == 1
    # Video of 5 samples, labels of 7: frames are kept, labels truncated.
    video_row = {"video": videos["five"], "vsum_onehot": [[1] * 7], "text_summary": "red"}
    batch = collator([video_row])
    assert batch["pixel_values"].shape[1] == 5 and batch["vsum_labels"].shape == (1, 1, 5)
    assert collator.length_fixes["video_shorter"] == 1
    with pytest.raises(ValueError, match=r"5 video frames but vsum_onehot has 9 frames"):
        collator([{"video": videos["five"], "vsum_onehot": [[1] * 9], "text_summary": "red"}])


def test_rows_without_labels_or_text(tiny_processor):
    rows = [{"frame_embeds": np.zeros((3, 8), np.float32)}, {"frame_embeds": np.ones((2, 8), np.float32)}]
    batch = VsumDataCollator(tiny_processor)(rows)
    assert set(batch) == {"frame_embeds", "frame_mask"}


def test_bad_rows_raise(tiny_processor, videos):
    collator = VsumDataCollator(tiny_processor)
    with pytest.raises(ValueError, match=r"without `frame_embeds` or `video`: video_id='v_x'"):
        collator([feature_row("v_a", 3), {"video_id": "v_x", "vsum_onehot": [[1]], "text_summary": "a"}])
    with pytest.raises(
        ValueError, match=r"different feature sizes in one batch \(video_id='v_a': 8, video_id='v_b': 16\)"
    ):
        collator([feature_row("v_a", 3, dim=8), feature_row("v_b", 3, dim=16)])
    with pytest.raises(ValueError, match="mixes rows"):
        collator(
            [
                feature_row("v_a", 3),
                {"video_id": "v_v", "video": videos["five"], "text_summary": "a", "vsum_onehot": [[1] * 5]},
            ]
        )
    with pytest.raises(ValueError, match="lack `text_summary`"):
        row = feature_row("v_b", 3)
        del row["text_summary"]
        collator([feature_row("v_a", 3), row])
    with pytest.raises(ValueError, match=r"frame_embeds must be a non-empty \(frames, dim\) array, got shape \(3,\)"):
        collator([{"video_id": "v_a", "frame_embeds": [1.0, 2.0, 3.0]}])
    with pytest.raises(ValueError, match="max_frames must be a positive integer"):
        VsumDataCollator(tiny_processor, max_frames=0)


def test_sampler_is_deterministic_per_seed_and_epoch():
    lengths = np.random.default_rng(0).integers(20, 120, size=64).tolist()
    a, b = LengthGroupedSampler(4, lengths, seed=3), LengthGroupedSampler(4, lengths, seed=3)
    first = list(a)
    assert first == list(b) == list(a)  # same seed, same epoch: same order, repeatedly
    assert sorted(first) == list(range(64))
    a.set_epoch(1)
    assert list(a) != first
    b.set_epoch(1)
    assert list(a) == list(b)
    assert list(LengthGroupedSampler(4, lengths, seed=4)) != first
    assert len(a) == 64


def test_sampler_groups_lengths():
    lengths = np.ceil(np.random.default_rng(1).uniform(20, 120, size=400)).astype(int).tolist()
    sampler = LengthGroupedSampler(8, lengths, seed=0)
    order = list(sampler)
    assert max(lengths[i] for i in order[:8]) == max(lengths)  # longest batch first (OOM early)
    random_order = np.random.default_rng(0).permutation(len(lengths))
    grouped, shuffled = padding_fraction(lengths, order, 8), padding_fraction(lengths, random_order, 8)
    assert grouped < shuffled / 2, (grouped, shuffled)
    sorted_order = list(LengthGroupedSampler(8, lengths, shuffle=False))
    assert [lengths[i] for i in sorted_order] == sorted(lengths, reverse=True)
    # Small dataset (< 8 batches): still groups (transformers' default mega-batch of one batch would not).
    small = lengths[:30]
    small_grouped = np.mean(
        [padding_fraction(small, list(_at_epoch(LengthGroupedSampler(4, small), e)), 4) for e in range(10)]
    )
    small_random = np.mean([padding_fraction(small, np.random.default_rng(e).permutation(30), 4) for e in range(10)])
    assert small_grouped < small_random


def _at_epoch(sampler, epoch):
    sampler.set_epoch(epoch)
    return sampler


def test_sampler_with_dataloader_and_collator(tiny_processor):
    rows = [feature_row(f"v_{i}", n) for i, n in enumerate([3, 9, 4, 8, 2, 10, 5, 7])]
    sampler = LengthGroupedSampler(2, [len(r["frame_embeds"]) for r in rows], seed=0, mega_batch_mult=4)
    loader = torch.utils.data.DataLoader(
        rows, batch_size=2, sampler=sampler, collate_fn=VsumDataCollator(tiny_processor)
    )
    batches = list(loader)
    assert len(batches) == 4
    assert sum(int(b["frame_mask"].sum()) for b in batches) == sum(len(r["frame_embeds"]) for r in rows)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        LengthGroupedSampler(0, [1, 2])


def test_video_rows_are_decoded_at_the_processor_size_not_full_resolution(tiny_processor, tmp_path, monkeypatch):
    """A large training video is decoded downscaled (at most twice the processor's 32x32), as the processor does."""
    import vsum.processing_vsum as processing

    path = write_video(tmp_path / "large.mp4", duration=3.0, fps=5, width=640, height=480)
    decoded_shapes = []
    original = processing.iter_video_frames

    def recording(*args, **kwargs):
        for frames, times in original(*args, **kwargs):
            decoded_shapes.append(tuple(frames.shape))
            yield frames, times

    monkeypatch.setattr(processing, "iter_video_frames", recording)
    row = {"video_id": "large", "video": path, "vsum_onehot": [[0, 1, 0]], "text_summary": "red"}
    batch = VsumDataCollator(tiny_processor)([row])
    assert decoded_shapes and all(max(shape[1:3]) <= 2 * 32 * 4 / 3 + 1 for shape in decoded_shapes), decoded_shapes
    monkeypatch.setattr(processing, "iter_video_frames", original)
    expected = tiny_processor(videos=[path], return_tensors="pt")
    torch.testing.assert_close(batch["pixel_values"], expected["pixel_values"])

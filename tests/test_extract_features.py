# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""scripts/extract_features.py, run in-process through its `main(args)` on a tiny SynthXum set and a tiny model."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
import torch
from conftest import load_script


extract_features = load_script("extract_features.py", "extract_features")


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    """A 4-video SynthXum set (6-10 s, 32 px) and a tiny vsum checkpoint folder."""
    from vsum import VsumModel
    from vsum.data import SYNTHXUM_WORDS, make_synthxum
    from vsum.tiny import make_tiny_processor, tiny_config

    root = tmp_path_factory.mktemp("extract")
    make_synthxum(root / "synth", num_videos=4, seed=0, min_duration=6, max_duration=10, size=32, split_sizes=(2, 1, 1))
    processor = make_tiny_processor(words=SYNTHXUM_WORDS)
    torch.manual_seed(0)
    model = VsumModel(tiny_config(processor)).eval()
    model.save_pretrained(root / "model")
    processor.save_pretrained(root / "model")
    return {
        "root": root,
        "data_dir": root / "synth",
        "model_dir": root / "model",
        "model": model,
        "processor": processor,
    }


def _video_ids(data_dir, splits=("train", "validation", "test")):
    files = {"train": "train_videoxum.json", "validation": "val_videoxum.json", "test": "test_videoxum.json"}
    ids = []
    for split in splits:
        with open(data_dir / files[split]) as f:
            ids += [record["video_id"] for record in json.load(f)]
    return ids


def _args(assets, output_dir, *extra, data_dir=None):
    return [
        "--model_name_or_path",
        str(assets["model_dir"]),
        "--data_dir",
        str(data_dir or assets["data_dir"]),
        "--output_dir",
        str(output_dir),
        "--batch_size",
        "4",  # several encode batches per video
        *extra,
    ]


def test_features_match_encode_frames_and_load_as_column(assets, tmp_path):
    output_dir = tmp_path / "feat"
    summary = extract_features.main(
        _args(assets, output_dir, "--write_parquet", "--cache_dir", str(tmp_path / "cache"))
    )
    ids = _video_ids(assets["data_dir"])
    assert summary["computed"] == sorted(ids) and summary["corrupt"] == [] and summary["skipped_existing"] == []
    assert summary["frames_per_second"] > 0 and summary["num_frames"] > 0
    model, processor = assets["model"], assets["processor"]
    for video_id in ids:
        with np.load(output_dir / f"{video_id}.npz") as archive:
            features = archive["features"]
        inputs = processor(videos=[str(assets["data_dir"] / "videos" / f"{video_id}.mp4")], return_tensors="pt")
        with torch.no_grad():
            expected = model.encode_frames(inputs["pixel_values"], inputs["frame_mask"])[0].numpy()
        assert features.dtype == np.float32 and features.shape == expected.shape == (len(expected), 32)
        np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-5)
    # The encoder record next to the features (read by the builder and the dataset card).
    from vsum.data import read_features_info

    info = read_features_info(output_dir)
    assert (info.feature_dim, info.encoder_dtype, info.feature_key, info.fps) == (32, "float32", "features", 1.0)
    assert info.image_size == model.config.vision_config.image_size and info.encoder

    # The builder picks the files up as a `frame_embeds` column, and the collator batches it.
    from vsum.data import load_videoxum
    from vsum.data.collator import VsumDataCollator

    dataset = load_videoxum(assets["data_dir"], features_dir=output_dir, cache_dir=tmp_path / "cache")
    row = dataset["train"][0]
    with np.load(output_dir / f"{row['video_id']}.npz") as archive:
        np.testing.assert_array_equal(
            np.asarray(row["frame_embeds"], np.float32), archive["features"][: row["num_frames"]]
        )
    batch = VsumDataCollator(processor)([dataset["train"][i] for i in range(len(dataset["train"]))])
    assert batch["frame_embeds"].shape[-1] == 32
    assert torch.isfinite(model(**batch).loss)
    # --write_parquet: the same dataset as Parquet files.
    import datasets

    parquet = datasets.load_dataset(
        "parquet", data_files=summary["parquet_files"]["test"], split="train", cache_dir=str(tmp_path / "cache")
    )
    assert parquet[0]["video_id"] == dataset["test"][0]["video_id"]
    np.testing.assert_array_equal(
        np.asarray(parquet[0]["frame_embeds"]), np.asarray(dataset["test"][0]["frame_embeds"])
    )


def test_resume_skips_finished_videos(assets, tmp_path, monkeypatch):
    output_dir = tmp_path / "feat"
    extract_features.main(_args(assets, output_dir, "--splits", "train"))
    ids = _video_ids(assets["data_dir"], ["train"])
    mtimes = {v: os.stat(output_dir / f"{v}.npz").st_mtime_ns for v in ids}

    from vsum import VsumModel

    calls = []
    original = VsumModel.encode_frames
    monkeypatch.setattr(VsumModel, "encode_frames", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    summary = extract_features.main(_args(assets, output_dir, "--splits", "train"))
    assert calls == [] and summary["computed"] == [] and summary["skipped_existing"] == sorted(ids)
    assert {v: os.stat(output_dir / f"{v}.npz").st_mtime_ns for v in ids} == mtimes

    os.remove(output_dir / f"{ids[0]}.npz")  # an unfinished video is computed, the other one is not
    summary = extract_features.main(_args(assets, output_dir, "--splits", "train"))
    assert summary["computed"] == [ids[0]] and summary["skipped_existing"] == [ids[1]]
    assert calls  # computed again
    assert not [name for name in os.listdir(output_dir) if name.endswith(".tmp")]

    with pytest.raises(ValueError, match=r"other settings .*'fps': \(1.0, 2.0\)"):
        extract_features.main(_args(assets, output_dir, "--splits", "train", "--fps", "2"))


def test_corrupt_video_is_reported_and_skippable(assets, tmp_path):
    data_dir = tmp_path / "synth"
    shutil.copytree(assets["data_dir"], data_dir)
    ids = _video_ids(data_dir)
    bad = ids[1]
    (data_dir / "videos" / f"{bad}.mp4").write_bytes(b"not a video at all")
    output_dir = tmp_path / "feat"
    with pytest.raises(ValueError, match=rf"1 corrupt video\(s\).*{bad}.*--skip_corrupt"):
        extract_features.main(_args(assets, output_dir, data_dir=data_dir))
    assert sorted(os.listdir(output_dir)).count(f"{bad}.npz") == 0
    report = json.loads((output_dir / extract_features.REPORT_FILENAME).read_text())
    assert [c["video_id"] for c in report["corrupt"]] == [bad]

    summary = extract_features.main(_args(assets, output_dir, "--skip_corrupt", data_dir=data_dir))
    assert [c["video_id"] for c in summary["corrupt"]] == [bad]
    assert summary["computed"] == []  # the good videos were finished by the failed run
    assert sorted(summary["skipped_existing"]) == sorted(set(ids) - {bad})


def test_shard_and_argument_errors(assets, tmp_path):
    videos = list(range(7))
    shards = [extract_features.shard(videos, i, 3) for i in range(3)]
    assert shards == [[0, 3, 6], [1, 4], [2, 5]]
    with pytest.raises(ValueError, match="Pass exactly one of --model_name_or_path"):
        extract_features.main(["--data_dir", str(assets["data_dir"]), "--output_dir", str(tmp_path / "x")])
    with pytest.raises(ValueError, match=r"splits must be among .*got \['dev'\]"):
        extract_features.main(_args(assets, tmp_path / "x", "--splits", "dev"))


def test_parallel_extraction_gives_the_same_features_as_serial(assets, tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    extract_features.main(_args(assets, serial, "--num_workers", "1", "--splits", "train"))
    summary = extract_features.main(_args(assets, parallel, "--num_workers", "2", "--splits", "train"))
    assert summary["computed"] and not summary["corrupt"]
    with open(parallel / extract_features.CONFIG_FILENAME) as f:
        assert json.load(f)["dtype"] == "float32"  # --dtype auto on CPU
    for video_id in summary["computed"]:
        a, b = np.load(serial / f"{video_id}.npz"), np.load(parallel / f"{video_id}.npz")
        assert a["features"].dtype == b["features"].dtype == np.float32
        np.testing.assert_allclose(a["features"], b["features"], atol=1e-5, rtol=1e-5)
        np.testing.assert_array_equal(a["frame_timestamps"], b["frame_timestamps"])


def test_bfloat16_extraction_writes_float32_features(assets, tmp_path):
    summary = extract_features.main(_args(assets, tmp_path / "bf16", "--dtype", "bfloat16", "--splits", "test"))
    with open(tmp_path / "bf16" / extract_features.CONFIG_FILENAME) as f:
        assert json.load(f)["dtype"] == "bfloat16"
    features = np.load(tmp_path / "bf16" / f"{summary['computed'][0]}.npz")["features"]
    assert features.dtype == np.float32 and np.isfinite(features).all()

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Tests of vsum.data (text target, SynthXum, VideoXum builder), scripts/prepare_videoxum.py, `vsum make-synthetic`.

Offline; one small SynthXum set (8 videos of 12-16 s at 32 px) is generated once per session.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import load_script


REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_KEYS = {"video_id", "duration", "sampled_frames", "timestamps", "tsum", "vsum", "vsum_onehot"}
JSON_FILES = {"train": "train_videoxum.json", "validation": "val_videoxum.json", "test": "test_videoxum.json"}
FEATURE_DIM = 8
FPS = 8


# ------------------------------------------------------------------------------------------------ helpers


def read_split(root: Path, split: str) -> list[dict]:
    return json.loads((root / JSON_FILES[split]).read_text())


def write_split(root: Path, split: str, records: list[dict]) -> None:
    (root / JSON_FILES[split]).write_text(json.dumps(records))


def copy_dataset(src: Path, dst: Path, with_features: bool = True) -> Path:
    """Copy the JSON files (and features) so that a test can edit them; videos are shared read-only."""
    dst.mkdir(parents=True)
    for name in JSON_FILES.values():
        shutil.copy(src / name, dst / name)
    if with_features:
        shutil.copytree(src / "feat", dst / "feat")
    return dst


def load_prepare_script():
    return load_script("prepare_videoxum.py", "prepare_videoxum")


@pytest.fixture(scope="session")
def synthxum(tmp_path_factory):
    """A tiny SynthXum set with features: 4 train / 2 validation / 2 test videos of 12-16 s at 32x32."""
    from vsum.data import make_synthxum

    root = tmp_path_factory.mktemp("synthxum") / "sx"
    result = make_synthxum(
        root, num_videos=8, seed=0, min_duration=12, max_duration=16, size=32, video_fps=FPS, split_sizes=(4, 2, 2)
    )
    (root / "feat").mkdir()
    rng = np.random.default_rng(0)
    for split in JSON_FILES:
        for record in read_split(root, split):
            features = rng.normal(size=(record["sampled_frames"], FEATURE_DIM)).astype(np.float32)
            np.savez(root / "feat" / f"{record['video_id']}.npz", features=features)
    return result


@pytest.fixture()
def cache_dir(tmp_path):
    return tmp_path / "hf_cache"


# ---------------------------------------------------------------------------------------------- text target


@pytest.mark.parametrize(
    "tsum, expected",
    [
        (["A man walks.", " He sits (down)!"], "a man walks he sits down"),
        (
            ["A red circle moves to the left.", "Then a blue square slides up."],
            "a red circle moves to the left then a blue square slides up",
        ),
        (['Then: a "quoted" word; ok~ #tag *star*'], "then a quoted word ok tag star"),
        (["Hello,  World"], "hello, world"),  # commas stay; the double space collapses
        (["  Leading and trailing.  "], "leading and trailing"),
        (["It's 3.5 m!"], "it's 3 5 m"),
        (["end.\n"], "end"),
        (["Tab\tinside"], "tab\tinside"),  # like BLIP's pre_caption: a single tab is not a run
        (["Two\t\tTabs"], "two tabs"),
        ([], ""),
    ],
)
def test_build_text_summary_official_rule(tsum, expected):
    from vsum.data import build_text_summary

    assert build_text_summary(tsum) == expected


def test_build_text_summary_rejects_a_string():
    from vsum.data import build_text_summary

    with pytest.raises(ValueError, match="list of sentences"):
        build_text_summary("A man walks.")
    with pytest.raises(ValueError, match="index 1"):
        build_text_summary(["A man walks.", 3])


# ------------------------------------------------------------------------------------------------ SynthXum


def test_synthxum_records_have_the_official_layout(synthxum):
    from vsum.data import SYNTHXUM_WORDS, build_text_summary, spans_to_onehot

    assert synthxum.split_sizes == {"train": 4, "validation": 2, "test": 2}
    words = set(SYNTHXUM_WORDS)
    for split in JSON_FILES:
        for record in read_split(synthxum.out_dir, split):
            assert set(record) == OFFICIAL_KEYS
            assert isinstance(record["video_id"], str) and record["video_id"].startswith("v_")
            assert isinstance(record["duration"], float) and 12 <= record["duration"] <= 16
            assert isinstance(record["sampled_frames"], int)
            assert record["sampled_frames"] == math.ceil(record["duration"])
            timestamps, tsum, vsum = record["timestamps"], record["tsum"], record["vsum"]
            assert 2 <= len(timestamps) <= 4 and len(tsum) == len(timestamps) == len(vsum)
            assert timestamps[0][0] == 0.0 and timestamps[-1][1] == round(record["duration"], 2)
            for (start, end), (next_start, _) in zip(timestamps, timestamps[1:]):
                assert start < end == next_start
            for sentence in tsum:
                assert re.fullmatch(r"[A-Z][a-z ]+\.", sentence), sentence
            assert set(build_text_summary(tsum).split()) <= words
            onehot = np.array(record["vsum_onehot"])
            assert onehot.shape == (10, record["sampled_frames"]) and set(np.unique(onehot)) <= {0, 1}
            for k, segment in enumerate(vsum):
                assert len(segment) == 10
                for start, end in segment:
                    assert isinstance(start, float) and isinstance(end, float)
                    assert timestamps[k][0] <= start < end <= timestamps[k][1] + 0.01
            for a in range(10):  # vsum and vsum_onehot agree
                spans = [segment[a] for segment in vsum]
                np.testing.assert_array_equal(spans_to_onehot(spans, record["sampled_frames"]), onehot[a])


def test_synthxum_annotators_select_about_15_percent_and_disagree_a_little(synthxum):
    fractions, disagreements = [], []
    for split in JSON_FILES:
        for record in read_split(synthxum.out_dir, split):
            onehot = np.array(record["vsum_onehot"])
            per_annotator = onehot.mean(axis=1)
            assert per_annotator.min() > 0 and per_annotator.max() <= 0.4
            fractions.append(per_annotator.mean())
            disagreements.append(len({tuple(row) for row in onehot.tolist()}) > 1)
    assert 0.10 <= float(np.mean(fractions)) <= 0.20, fractions
    assert any(disagreements)


def test_synthxum_is_deterministic(synthxum, tmp_path):
    from vsum.data import make_synthxum

    kwargs = dict(num_videos=8, min_duration=12, max_duration=16, size=32, video_fps=FPS, split_sizes=(4, 2, 2))
    make_synthxum(tmp_path / "same", seed=0, **kwargs)
    make_synthxum(tmp_path / "other", seed=1, **kwargs)
    for name in JSON_FILES.values():
        assert (tmp_path / "same" / name).read_bytes() == (synthxum.out_dir / name).read_bytes()
        assert (tmp_path / "other" / name).read_bytes() != (synthxum.out_dir / name).read_bytes()


def test_synthxum_videos_decode_with_pyav_and_decord(synthxum):
    import av
    import decord

    for split in JSON_FILES:
        for record in read_split(synthxum.out_dir, split):
            path = synthxum.video_dir / f"{record['video_id']}.mp4"
            num_video_frames = round(record["duration"] * FPS)
            with av.open(str(path)) as container:
                stream = container.streams.video[0]
                assert float(stream.duration * stream.time_base) == pytest.approx(record["duration"], abs=1e-3)
                frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
            assert len(frames) == num_video_frames and frames[0].shape == (32, 32, 3)
            reader = decord.VideoReader(str(path))
            assert len(reader) == num_video_frames and reader.get_avg_fps() == pytest.approx(FPS)
            assert math.ceil(len(reader) / reader.get_avg_fps()) == record["sampled_frames"]


def test_synthxum_salient_moments_are_visible(synthxum):
    """Frames most annotators selected flash bright; frames nobody selected stay dark."""
    import decord

    for split in JSON_FILES:
        for record in read_split(synthxum.out_dir, split):
            reader = decord.VideoReader(str(synthxum.video_dir / f"{record['video_id']}.mp4"))
            indices = [i * FPS for i in range(record["sampled_frames"])]  # the 1-fps frames at t = 0, 1, 2, ...
            brightness = reader.get_batch(indices).asnumpy().reshape(len(indices), -1).mean(axis=1)
            score = np.array(record["vsum_onehot"]).mean(axis=0)
            assert brightness[score >= 0.5].min() > 150, (record["video_id"], brightness, score)
            assert brightness[score == 0].max() < 100, (record["video_id"], brightness, score)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_videos=0), "num_videos"),
        (dict(size=33), "even"),
        (dict(min_duration=20, max_duration=10), "min_duration"),
        (dict(min_duration=3, max_duration=10), "min_duration"),
        (dict(num_videos=3, split_sizes=(1, 1, 2)), "sum to 4"),
        (dict(num_videos=3, split_fractions=(0.5, 0.5, 0.5)), "sum to 1"),
        (dict(codec="no-such-codec"), "no-such-codec"),
    ],
)
def test_make_synthxum_rejects_bad_arguments(tmp_path, kwargs, message):
    from vsum.data import make_synthxum

    arguments = dict(num_videos=3, min_duration=8, max_duration=10, size=32) | kwargs
    with pytest.raises(ValueError, match=message):
        make_synthxum(tmp_path / "bad", **arguments)


def test_make_synthxum_refuses_to_overwrite(synthxum):
    from vsum.data import make_synthxum

    with pytest.raises(ValueError, match="already holds a dataset"):
        make_synthxum(synthxum.out_dir, num_videos=3, min_duration=8, max_duration=10, size=32)


# ------------------------------------------------------------------------------------------------ builder


def test_builder_splits_and_fields(synthxum, cache_dir):
    from datasets import Array2D

    from vsum.data import build_text_summary, load_videoxum, onehot_to_numpy

    root = synthxum.out_dir
    dataset, report = load_videoxum(
        root, video_dir=synthxum.video_dir, features_dir=root / "feat", cache_dir=cache_dir, output_loading_info=True
    )
    assert list(dataset) == ["train", "validation", "test"]
    assert {split: dataset[split].num_rows for split in dataset} == {"train": 4, "validation": 2, "test": 2}
    extra_columns = {"num_frames", "text_summary", "video", "frame_embeds"}
    assert set(dataset["train"].column_names) == OFFICIAL_KEYS | extra_columns
    assert dataset["train"].features["frame_embeds"] == Array2D(shape=(None, FEATURE_DIM), dtype="float32")
    for split in dataset:
        assert report[split]["num_skipped"] == 0 and report[split]["num_records_fixed"] == 0
        for record, example in zip(read_split(root, split), dataset[split]):
            for key in OFFICIAL_KEYS - {"vsum_onehot"}:
                assert example[key] == record[key], key
            assert example["num_frames"] == record["sampled_frames"]
            onehot = onehot_to_numpy(example["vsum_onehot"])
            assert onehot.dtype == np.uint8
            np.testing.assert_array_equal(onehot, np.array(record["vsum_onehot"]))
            assert example["text_summary"] == build_text_summary(record["tsum"])
            assert example["video"] == str(synthxum.video_dir / f"{record['video_id']}.mp4")
            expected = np.load(root / "feat" / f"{record['video_id']}.npz")["features"]
            np.testing.assert_array_equal(np.array(example["frame_embeds"], dtype=np.float32), expected)
    # The uint8 matrix straight from datasets' numpy formatting.
    row = dataset["train"].with_format("numpy", columns=["vsum_onehot"], dtype=np.uint8, output_all_columns=True)[0]
    assert row["vsum_onehot"].dtype == np.uint8 and row["vsum_onehot"].shape == (10, dataset["train"][0]["num_frames"])


def test_builder_without_media_and_split_subset(synthxum, cache_dir):
    from vsum.data import VideoXum

    builder = VideoXum(cache_dir=str(cache_dir), data_dir=str(synthxum.out_dir), splits=["test"])
    builder.download_and_prepare()
    dataset = builder.as_dataset()
    assert list(dataset) == ["test"] and dataset["test"].num_rows == 2
    assert "video" not in dataset["test"].column_names and "frame_embeds" not in dataset["test"].column_names
    assert set(builder.report) == {"test"}


def test_builder_cache_follows_the_inputs(synthxum, tmp_path, cache_dir):
    from vsum.data import load_videoxum

    first = copy_dataset(synthxum.out_dir, tmp_path / "first", with_features=False)
    second = copy_dataset(synthxum.out_dir, tmp_path / "second", with_features=False)
    records = read_split(second, "test")
    records[0]["tsum"] = ["Edited sentence."]
    records[0]["timestamps"] = records[0]["timestamps"][:1]
    records[0]["vsum"] = records[0]["vsum"][:1]
    write_split(second, "test", records)
    assert load_videoxum(first, cache_dir=cache_dir)["test"][0]["text_summary"] != "edited sentence"
    assert load_videoxum(second, cache_dir=cache_dir)["test"][0]["text_summary"] == "edited sentence"
    # Editing a file in place is seen too (the cache key includes a fingerprint of the content).
    records[0]["tsum"] = ["Edited again!"]
    write_split(second, "test", records)
    assert load_videoxum(second, cache_dir=cache_dir)["test"][0]["text_summary"] == "edited again"


def test_length_mismatches_are_fixed_counted_and_reported(synthxum, tmp_path, cache_dir, caplog):
    from vsum.data import VideoXum, load_videoxum

    root = copy_dataset(synthxum.out_dir, tmp_path / "defects")
    train = read_split(root, "train")
    # Record 0: every vsum_onehot row one frame longer than sampled_frames.
    for row in train[0]["vsum_onehot"]:
        row.append(1)
    write_split(root, "train", train)
    # Record 1: cached features two frames shorter.
    short_id = train[1]["video_id"]
    features = np.load(root / "feat" / f"{short_id}.npz")["features"]
    np.savez(root / "feat" / f"{short_id}.npz", features=features[:-2])
    # A validation record: onehot one frame shorter.
    validation = read_split(root, "validation")
    for row in validation[0]["vsum_onehot"]:
        row.pop()
    write_split(root, "validation", validation)

    with caplog.at_level(logging.WARNING, logger="vsum.data.videoxum"):
        dataset, report = load_videoxum(root, features_dir=root / "feat", cache_dir=cache_dir, output_loading_info=True)
    assert report["train"]["length_fixes"] == {
        "onehot_longer": 1,
        "onehot_shorter": 0,
        "features_longer": 0,
        "features_shorter": 1,
    }
    assert report["train"]["num_records_fixed"] == 2 and report["train"]["max_frames_dropped"] == 2
    assert report["validation"]["length_fixes"]["onehot_shorter"] == 1
    assert report["test"]["num_records_fixed"] == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "vsum.data.videoxum"]
    assert len([m for m in messages if "'train'" in m]) == 1 and "onehot_longer=1" in messages[0]
    assert len([m for m in messages if "'validation'" in m]) == 1 and not any("'test'" in m for m in messages)

    first, second = dataset["train"][0], dataset["train"][1]
    assert first["num_frames"] == train[0]["sampled_frames"] == len(first["vsum_onehot"][0])
    assert first["sampled_frames"] == train[0]["sampled_frames"]  # raw field kept as given
    assert second["num_frames"] == train[1]["sampled_frames"] - 2
    assert np.array(second["frame_embeds"]).shape == (second["num_frames"], FEATURE_DIM)
    assert np.array(second["vsum_onehot"]).shape == (10, second["num_frames"])
    assert dataset["validation"][0]["num_frames"] == validation[0]["sampled_frames"] - 1

    # From the cache: no regeneration, same report.
    builder = VideoXum(cache_dir=str(cache_dir), data_dir=str(root), features_dir=str(root / "feat"))
    builder.download_and_prepare()
    assert builder.report == report


def _mutations():
    def drop(field):
        return lambda r: r.pop(field)

    def set_(field, value):
        return lambda r: r.__setitem__(field, value)

    def shorten_row(r):
        r["vsum_onehot"][3] = r["vsum_onehot"][3][:-1]

    def nine_rows(r):
        r["vsum_onehot"] = r["vsum_onehot"][:9]

    def bad_value(r):
        r["vsum_onehot"][0][0] = 2

    def flat_span(r):
        r["vsum"][0][0] = 3.5

    def text_span(r):
        r["timestamps"][0] = [0.0, "5"]

    return [
        ("tsum", drop("tsum"), "is missing"),
        ("duration", set_("duration", "abc"), "positive number"),
        ("sampled_frames", set_("sampled_frames", 12.5), "positive integer"),
        ("timestamps", text_span, "entry 0"),
        ("vsum", flat_span, "segment 0 annotator 0"),
        ("vsum_onehot", shorten_row, "different lengths"),
        ("vsum_onehot", nine_rows, "10 annotator rows, got 9"),
        ("vsum_onehot", bad_value, "0/1"),
    ]


@pytest.mark.parametrize("field, mutate, problem", _mutations(), ids=[f"{m[0]}-{m[2]}" for m in _mutations()])
def test_malformed_records_raise_with_id_and_field(synthxum, tmp_path, cache_dir, field, mutate, problem):
    from vsum.data import load_videoxum

    root = copy_dataset(synthxum.out_dir, tmp_path / "bad", with_features=False)
    records = read_split(root, "validation")
    mutate(records[1])
    write_split(root, "validation", records)
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=cache_dir)
    message = str(error.value)
    assert records[1]["video_id"] in message and f"'{field}'" in message and problem in message, message


def test_missing_annotation_file_and_duplicate_ids(synthxum, tmp_path, cache_dir):
    from vsum.data import load_videoxum

    root = copy_dataset(synthxum.out_dir, tmp_path / "partial", with_features=False)
    (root / "val_videoxum.json").unlink()
    with pytest.raises(ValueError, match="val_videoxum.json"):
        load_videoxum(root, cache_dir=cache_dir)
    assert set(load_videoxum(root, splits=["train", "test"], cache_dir=cache_dir)) == {"train", "test"}

    records = read_split(root, "test")
    write_split(root, "test", records + records[:1])
    with pytest.raises(ValueError, match=f"Duplicate video_id '{records[0]['video_id']}'"):
        load_videoxum(root, splits=["test"], cache_dir=cache_dir)


def test_missing_files_raise_or_are_skipped_and_reported(synthxum, tmp_path, cache_dir, caplog):
    from vsum.data import load_videoxum

    root = copy_dataset(synthxum.out_dir, tmp_path / "missing")
    video_dir = tmp_path / "videos"
    shutil.copytree(synthxum.video_dir, video_dir)
    no_video = read_split(root, "train")[2]["video_id"]
    no_features = read_split(root, "test")[0]["video_id"]
    (video_dir / f"{no_video}.mp4").unlink()
    (root / "feat" / f"{no_features}.npz").unlink()

    with pytest.raises(ValueError) as error:
        load_videoxum(root, video_dir=video_dir, features_dir=root / "feat", cache_dir=cache_dir)
    message = str(error.value)
    assert "2 VideoXum record(s)" in message and no_video in message and no_features in message
    assert "skip_missing=True" in message

    with caplog.at_level(logging.WARNING, logger="vsum.data.videoxum"):
        dataset, report = load_videoxum(
            root,
            video_dir=video_dir,
            features_dir=root / "feat",
            skip_missing=True,
            cache_dir=cache_dir,
            output_loading_info=True,
        )
    assert {split: dataset[split].num_rows for split in dataset} == {"train": 3, "validation": 2, "test": 1}
    assert report["train"]["skipped"] == [{"video_id": no_video, "missing": "video"}]
    assert report["test"]["skipped"] == [{"video_id": no_features, "missing": "features"}]
    assert report["validation"]["num_skipped"] == 0
    assert no_video not in dataset["train"]["video_id"] and no_features not in dataset["test"]["video_id"]
    warnings = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(warnings) == 2 and any(no_video in w for w in warnings) and any(no_features in w for w in warnings)


def test_missing_file_error_lists_the_first_ten_ids_and_the_total(synthxum, tmp_path, cache_dir):
    from vsum.data import load_videoxum

    root = copy_dataset(synthxum.out_dir, tmp_path / "many", with_features=False)
    records = read_split(root, "train")
    ghosts = [dict(records[0], video_id=f"v_ghost{i:02d}") for i in range(12)]
    write_split(root, "train", records + ghosts)
    with pytest.raises(ValueError) as error:
        load_videoxum(root, video_dir=synthxum.video_dir, cache_dir=cache_dir)
    message = str(error.value)
    assert "12 VideoXum record(s)" in message and "and 2 more" in message
    assert "v_ghost09" in message and "v_ghost10" not in message


def test_videos_are_found_by_extension_or_without_the_v_prefix(synthxum, tmp_path, cache_dir):
    from vsum.data import load_videoxum

    video_dir = tmp_path / "videos"
    shutil.copytree(synthxum.video_dir, video_dir)
    first, second = (record["video_id"] for record in read_split(synthxum.out_dir, "test"))
    (video_dir / f"{first}.mp4").rename(video_dir / f"{first[2:]}.mp4")  # ActivityNet copies without "v_"
    (video_dir / f"{second}.mp4").rename(video_dir / f"{second}.mkv")
    dataset = load_videoxum(synthxum.out_dir, video_dir=video_dir, splits=["test"], cache_dir=cache_dir)
    assert dataset["test"]["video"] == [str(video_dir / f"{first[2:]}.mp4"), str(video_dir / f"{second}.mkv")]


# ------------------------------------------------------------------------------------------ Parquet / Hub copy


def test_prepare_script_parquet_round_trip(synthxum, tmp_path, cache_dir):
    import datasets
    import yaml

    from vsum.data import load_videoxum

    script = load_prepare_script()
    out = tmp_path / "hub" / "videoxum"
    argv = ["--data_dir", str(synthxum.out_dir), "--features_dir", str(synthxum.out_dir / "feat")]
    argv += ["--output_dir", str(out), "--cache_dir", str(cache_dir), "--max_shard_size", "1KB"]
    assert script.main(argv) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["videoxum"]  # no temporary folder left behind
    shards = sorted(p.name for p in (out / "data").iterdir())
    assert all(re.fullmatch(r"(train|validation|test)-\d{5}-of-\d{5}\.parquet", name) for name in shards), shards
    assert "train-00000-of-00004.parquet" in shards and "train-00003-of-00004.parquet" in shards

    card = (out / "README.md").read_text()
    metadata = yaml.safe_load(card.split("---")[1])
    assert metadata["configs"][0]["data_files"] == [
        {"split": split, "path": f"data/{split}-*"} for split in ("train", "validation", "test")
    ]
    assert metadata["license"] and "summarization" in metadata["task_categories"]
    assert "lin2023videoxum" in card

    built = load_videoxum(synthxum.out_dir, features_dir=synthxum.out_dir / "feat", cache_dir=cache_dir)
    files = {split: str(out / "data" / f"{split}-*.parquet") for split in ("train", "validation", "test")}
    from_parquet = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "parquet_cache"))
    from_folder = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "folder_cache"))  # as from the Hub
    for split in built:
        assert from_parquet[split].features == built[split].features
        assert from_parquet[split].to_list() == built[split].to_list()
        assert from_folder[split].to_list() == built[split].to_list()

    # An existing output folder is kept unless --overwrite.
    with pytest.raises(SystemExit) as exit_info:
        script.main(argv)
    assert exit_info.value.code == 2
    assert script.main(argv + ["--overwrite"]) == 0


def test_prepare_script_card_describes_synthxum_with_embedded_videos(synthxum, tmp_path, cache_dir):
    import datasets
    import yaml

    script = load_prepare_script()
    out = tmp_path / "synthxum-parquet"
    argv = ["--data_dir", str(synthxum.out_dir), "--video_dir", str(synthxum.video_dir), "--output_dir", str(out)]
    assert script.main(argv + ["--cache_dir", str(cache_dir)]) == 0
    card = (out / "README.md").read_text()
    metadata = yaml.safe_load(card.split("---")[1])
    assert metadata["pretty_name"] == "SynthXum" and "synthetic" in metadata["tags"]
    assert "activitynet" not in metadata["tags"] and "14,001" not in card and "ActivityNet" not in card
    assert "\n# SynthXum\n" in card and "This copy has 8 videos (4 train, 2 validation, 2 test)" in card
    assert "Generated by `vsum.data.make_synthxum`" in card and "seed=0" in card
    assert "frame_embeds_encoder" not in metadata and "No frame features are included" in card

    # The video column is datasets.Video(decode=False) with the bytes embedded: the copy is self-contained, and
    # reading it needs no video decoder (torchcodec is not installed here).
    files = {split: str(out / "data" / f"{split}-*.parquet") for split in ("train", "validation", "test")}
    loaded = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "pq_cache"))
    assert loaded["train"].features["video"] == datasets.Video(decode=False)
    for row in loaded["test"]:
        assert row["video"]["path"] == f"{row['video_id']}.mp4"
        assert row["video"]["bytes"] == (synthxum.video_dir / f"{row['video_id']}.mp4").read_bytes()
    from_folder = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "folder_cache"))
    assert from_folder["validation"].to_list() == loaded["validation"].to_list()


def test_prepare_script_card_records_the_encoder_and_a_videoxum_subset(synthxum, tmp_path, cache_dir):
    import yaml

    from vsum.data import FEATURES_INFO_FILENAME, write_features_info

    script = load_prepare_script()
    root = copy_dataset(synthxum.out_dir, tmp_path / "vx")  # no synthxum_info.json: a VideoXum folder
    base = ["--data_dir", str(root), "--features_dir", str(root / "feat"), "--cache_dir", str(cache_dir)]
    assert script.main(base + ["--output_dir", str(tmp_path / "unrecorded")]) == 0
    card = (tmp_path / "unrecorded" / "README.md").read_text()
    assert yaml.safe_load(card.split("---")[1])["frame_embeds_encoder"] == "not recorded"
    assert "**not recorded**" in card and not (tmp_path / "unrecorded" / FEATURES_INFO_FILENAME).exists()

    write_features_info(root / "feat", encoder="tiny-vit", image_size=32, encoder_dtype="bfloat16", feature_dim=8)
    out = tmp_path / "recorded"
    assert script.main(base + ["--output_dir", str(out)]) == 0
    card = (out / "README.md").read_text()
    metadata = yaml.safe_load(card.split("---")[1])
    assert metadata["frame_embeds_encoder"] == {
        "encoder": "tiny-vit",
        "image_size": 32,
        "encoder_dtype": "bfloat16",
        "feature_dim": 8,
        "feature_key": "features",
        "fps": 1.0,
    }
    assert "produced by **tiny-vit** on 32x32 frames, encoder dtype bfloat16" in card
    assert (out / FEATURES_INFO_FILENAME).read_bytes() == (root / "feat" / FEATURES_INFO_FILENAME).read_bytes()
    assert metadata["pretty_name"] == "VideoXum" and "activitynet" in metadata["tags"]
    assert "This copy has 8 videos" in card and "this is a subset or a modified copy" in card

    # A features_info.json that contradicts the features is refused in one line.
    write_features_info(root / "feat", encoder="tiny-vit", image_size=32, encoder_dtype="float32", feature_dim=9)
    assert script.main(base + ["--output_dir", str(tmp_path / "bad")]) == 1
    assert not (tmp_path / "bad").exists()


def test_prepare_script_refuses_abbreviated_options(synthxum, tmp_path, capsys):
    script = load_prepare_script()
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--data_dir", str(synthxum.out_dir), "--output_dir", str(tmp_path / "x"), "--over"])
    assert exit_info.value.code == 2 and "unrecognized arguments: --over" in capsys.readouterr().err


def test_prepare_script_push_failure_is_a_clear_error(synthxum, tmp_path, cache_dir, monkeypatch, capsys):
    import datasets

    script = load_prepare_script()

    def unreachable(self, repo_id, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(datasets.DatasetDict, "push_to_hub", unreachable)
    argv = ["--data_dir", str(synthxum.out_dir), "--cache_dir", str(cache_dir), "--push_to_hub", "--repo_id", "org/vx"]
    assert script.main(argv) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("prepare_videoxum.py: error: Could not push VideoXum to the Hub repo 'org/vx'")
    assert "Name or service not known" in error and "--output_dir" in error

    with pytest.raises(SystemExit) as exit_info:
        script.main(["--data_dir", str(synthxum.out_dir), "--push_to_hub"])
    assert exit_info.value.code == 2 and "--repo_id" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------- CLI


def test_cli_make_synthetic_writes_a_valid_set(tmp_path, cache_dir, capsys):
    from vsum.cli import main
    from vsum.data import load_videoxum

    out = tmp_path / "cli"
    argv = ["make-synthetic", str(out), "--videos", "3", "--seed", "5", "--min-duration", "8", "--max-duration", "10"]
    assert main(argv + ["--size", "32"]) == 0
    assert "Wrote 3 SynthXum videos" in capsys.readouterr().out
    dataset = load_videoxum(out, video_dir=out / "videos", cache_dir=cache_dir)
    assert sum(dataset[split].num_rows for split in dataset) == 3
    for example in dataset["train"]:
        assert Path(example["video"]).is_file() and 8 <= example["duration"] <= 10


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--size", "33"], "--size must be an even number >= 16, got 33"),
        (["--videos", "0"], "argument --videos: expected a positive integer, got '0'"),
        (["--min-duration", "30"], "--min-duration (30) is larger than --max-duration (10)"),
        (
            ["--max-duration", "abc"],
            "argument --max-duration: expected a number of seconds > 0 and at most 604800, got 'abc'",
        ),
    ],
)
def test_cli_bad_arguments_exit_with_one_line(tmp_path, capsys, extra, message):
    from vsum.cli import main

    argv = ["make-synthetic", str(tmp_path / "x"), "--min-duration", "8", "--max-duration", "10"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv + extra)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"vsum make-synthetic: error: {message}"
    assert not (tmp_path / "x" / "train_videoxum.json").exists()

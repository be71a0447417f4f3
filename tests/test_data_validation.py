# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Hostile and careless inputs to the VideoXum loader (issue 11, section 3): each must be a one-line `ValueError`
naming the file, the video and the field, never silently accepted nor raised as another error type. Values the
official loader accepts or ignores (issue 19) load with a warning instead.

The annotation files are built by hand in `tmp_path` (no videos needed), so every case is small and deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


FILES = {"train": "train_videoxum.json", "validation": "val_videoxum.json", "test": "test_videoxum.json"}
IDS = {"train": ["v_train0", "v_train1"], "validation": ["v_val0"], "test": ["v_test0"]}
T = 12  # 1-fps frames of every hand-made video
DURATION = 11.6  # -> ceil = 12 frames
DIM = 4


def make_record(video_id: str) -> dict:
    """A valid VideoXum record: 12 frames, 2 segments, 10 annotators selecting frames 1-2 and 7-8."""
    onehot = [[1 if i in (1, 2, 7, 8) else 0 for i in range(T)] for _ in range(10)]
    return {
        "video_id": video_id,
        "duration": DURATION,
        "sampled_frames": T,
        "timestamps": [[0.0, 6.0], [6.0, DURATION]],
        "tsum": ["A man walks to the door.", " He opens it."],
        "vsum": [[[1.0, 3.0]] * 10, [[7.0, 9.0]] * 10],
        "vsum_onehot": onehot,
    }


def write_dataset(root: Path, features: bool = False) -> dict[str, list[dict]]:
    root.mkdir(parents=True, exist_ok=True)
    records = {split: [make_record(i) for i in ids] for split, ids in IDS.items()}
    for split, items in records.items():
        (root / FILES[split]).write_text(json.dumps(items))
    if features:
        (root / "feat").mkdir(exist_ok=True)
        rng = np.random.default_rng(0)
        for ids in IDS.values():
            for video_id in ids:
                np.savez(root / "feat" / f"{video_id}.npz", features=rng.normal(size=(T, DIM)).astype(np.float32))
    return records


def rewrite(root: Path, split: str, records: list) -> None:
    (root / FILES[split]).write_text(json.dumps(records))


@pytest.fixture()
def cache_dir(tmp_path):
    return tmp_path / "hf_cache"


# ------------------------------------------------------------------------------------ per-record values


def _set(field, value):
    return lambda r: r.__setitem__(field, value)


def _set_item(field, path, value):
    def mutate(record):
        target = record[field]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


RECORD_CASES = [
    # (case id, mutation of the validation record, field named, words in the message)
    ("timestamps-nan", _set_item("timestamps", [0], [float("nan"), 6.0]), "timestamps", "finite numbers"),
    ("tsum-only-punctuation", _set("tsum", ["...", "!!"]), "tsum", "empty text summary"),
    ("onehot-string", _set_item("vsum_onehot", [2, 5], "1"), "vsum_onehot", "row 2 must hold only the numbers"),
    ("onehot-null", _set_item("vsum_onehot", [0, 0], None), "vsum_onehot", "None"),
    ("duration-huge-integer", _set("duration", 10**400), "duration", "positive number"),
    ("sampled-frames-2**40", _set("sampled_frames", 2**40), "sampled_frames", "at most 2147483647"),
    ("sampled-frames-boolean", _set("sampled_frames", True), "sampled_frames", "positive integer"),
    ("video-id-path", _set("video_id", "../../etc/passwd"), "video_id", "plain file name"),
]

# Values the official loader accepts or ignores (issue 19): they load, kept as given, with one warning naming the
# field. They were refused before; `tests/test_data_official_records.py` checks the counts and the lengths.
ACCEPTED_CASES = [
    ("timestamps-negative", _set_item("timestamps", [0], [-3.0, 6.0]), "timestamps", "negative"),
    ("timestamps-reversed", _set_item("timestamps", [1], [11.0, 6.0]), "timestamps", "reversed"),
    ("timestamps-1e12", _set_item("timestamps", [1], [6.0, 1e12]), "timestamps", "ends after duration"),
    ("timestamps-beyond-duration", _set_item("timestamps", [1], [6.0, 20.0]), "timestamps", "ends after duration"),
    ("vsum-negative", _set_item("vsum", [0, 3], [-1.0, 2.0]), "vsum", "segment 0 annotator 3"),
    ("vsum-reversed", _set_item("vsum", [1, 0], [9.0, 7.0]), "vsum", "reversed"),
    ("vsum-1e12", _set_item("vsum", [1, 9], [7.0, 1e12]), "vsum", "ends after duration"),
    ("tsum-empty-string", _set_item("tsum", [1], ""), "tsum", "sentence 1 is empty"),
    ("tsum-blank-string", _set_item("tsum", [0], "   "), "tsum", "sentence 0 is empty"),
    ("onehot-boolean", _set_item("vsum_onehot", [0, 0], True), "vsum_onehot", "row 0 holds true/false"),
    ("duration-10000-for-12-frames", _set("duration", 10000.0), "duration", "sampled_frames=12"),
    ("duration-1e12", _set("duration", 1e12), "duration", "sampled_frames=12"),
    ("duration-tiny", _set("duration", 0.5), "duration", "sampled_frames=12"),
]


@pytest.mark.parametrize("mutate, field, words", [c[1:] for c in ACCEPTED_CASES], ids=[c[0] for c in ACCEPTED_CASES])
def test_values_the_official_loader_accepts_load_with_a_warning(tmp_path, cache_dir, caplog, mutate, field, words):
    import logging

    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    records = write_dataset(root)["validation"]
    mutate(records[0])
    rewrite(root, "validation", records)
    with caplog.at_level(logging.WARNING, logger="vsum.data.videoxum"):
        example = load_videoxum(root, cache_dir=cache_dir)["validation"][0]
    assert example["num_frames"] == T and example["video_id"] == "v_val0"
    messages = [r.getMessage() for r in caplog.records if "1 record(s) (validation: 1)" in r.getMessage()]
    (warning,) = [m for m in messages if f"'{field}'" in m.split(".")[0]]  # the warning of that field's kind
    assert "v_val0 (val_videoxum.json record 0)" in warning and words in warning, warning


@pytest.mark.parametrize("mutate, field, words", [c[1:] for c in RECORD_CASES], ids=[c[0] for c in RECORD_CASES])
def test_bad_record_values_are_a_value_error_naming_video_field_and_file(tmp_path, cache_dir, mutate, field, words):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    records = write_dataset(root)["validation"]
    mutate(records[0])
    rewrite(root, "validation", records)
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=cache_dir)
    message = str(error.value)
    assert type(error.value) is ValueError and "\n" not in message, message
    assert repr(records[0]["video_id"]) in message and f"field {field!r}" in message, message
    assert "val_videoxum.json" in message and words in message, message


def test_values_within_the_tolerances_are_accepted(tmp_path, cache_dir):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    records = write_dataset(root)["validation"]
    # 1-fps rounding and ActivityNet's slightly late segment ends are normal: within frame_tolerance (2 s).
    records[0]["duration"] = 9.1  # 12 frames for 9.1 s: difference 2.9 <= frame_tolerance + 1
    records[0]["timestamps"][1] = [6.0, 11.0]  # ends 1.9 s after the duration
    records[0]["vsum"][1][0] = [7.0, 11.1]
    records[0]["vsum_onehot"][0][0] = 1.0  # a JSON number written as a float is still 0/1
    rewrite(root, "validation", records)
    example = load_videoxum(root, cache_dir=cache_dir)["validation"][0]
    assert example["duration"] == 9.1 and example["timestamps"][1] == [6.0, 11.0]
    assert example["vsum_onehot"][0][0] == 1

    # Beyond the tolerance the record still loads (the official loader ignores sampled_frames), with a warning;
    # a larger tolerance is an explicit choice.
    records[0]["duration"] = 7.0
    rewrite(root, "validation", records)
    _, report = load_videoxum(root, cache_dir=cache_dir, output_loading_info=True)
    assert report["validation"]["issues"]["duration"]["count"] == 1
    _, report = load_videoxum(root, cache_dir=cache_dir, frame_tolerance=5, output_loading_info=True)
    assert report["validation"]["issues"] == {}


# ------------------------------------------------------------------------------------ files and splits


def test_the_same_video_id_in_two_splits_is_refused(tmp_path, cache_dir):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    write_dataset(root)
    rewrite(root, "test", [make_record("v_train1")])
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=cache_dir)
    message = str(error.value)
    assert "'v_train1'" in message and "record 1 of train_videoxum.json" in message, message
    assert "record 0 of test_videoxum.json" in message, message
    # Building the splits separately is the user's explicit choice.
    assert load_videoxum(root, splits=["test"], cache_dir=cache_dir)["test"][0]["video_id"] == "v_train1"


def test_a_non_utf8_file_is_a_value_error_naming_it(tmp_path, cache_dir):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    write_dataset(root)
    path = root / FILES["test"]
    path.write_bytes(json.dumps([make_record("v_test0")]).replace("A man", "Ein M\u00e4nn").encode("latin-1"))
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=cache_dir)
    assert type(error.value) is ValueError and str(path) in str(error.value) and "UTF-8" in str(error.value)


@pytest.mark.parametrize("content", ["[]", "", "null", "{}", "[" * 100_000])
def test_an_empty_or_invalid_file_is_a_value_error_naming_it(tmp_path, cache_dir, content):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    write_dataset(root)
    path = root / FILES["validation"]
    path.write_text(content)
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=cache_dir)
    assert type(error.value) is ValueError and str(path) in str(error.value), str(error.value)
    if content == "[]":
        assert "holds no records" in str(error.value) and "'validation' split would be empty" in str(error.value)


def test_a_split_whose_records_are_all_skipped_is_refused(tmp_path, cache_dir):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    write_dataset(root, features=True)
    (root / "feat" / "v_val0.npz").unlink()
    with pytest.raises(ValueError) as error:
        load_videoxum(root, features_dir=root / "feat", skip_missing=True, cache_dir=cache_dir)
    message = str(error.value)
    assert "'validation' split would be empty" in message and "val_videoxum.json" in message, message
    assert "v_val0 (features)" in message, message


# ------------------------------------------------------------------------------------ frame counts


def test_a_onehot_20_times_longer_keeps_its_length_unless_error_is_asked_for(tmp_path, cache_dir):
    from vsum.data import LENGTH_MISMATCH_MODES, load_videoxum

    root = tmp_path / "anno"
    records = write_dataset(root)["train"]
    records[1]["vsum_onehot"] = [row * 20 for row in records[1]["vsum_onehot"]]  # 240 frames for 12
    rewrite(root, "train", records)
    # The official loader ignores sampled_frames: the 240 labelled frames are the video's length.
    dataset, report = load_videoxum(root, cache_dir=cache_dir, output_loading_info=True)
    assert dataset["train"][1]["num_frames"] == 240 and len(dataset["train"][1]["vsum_onehot"][0]) == 240
    assert report["train"]["length_fixes"]["onehot_longer"] == 1 and report["train"]["max_frames_dropped"] == 0
    assert report["train"]["issues"]["sampled_frames"]["count"] == 1

    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=cache_dir, length_mismatch="error")
    message = str(error.value)
    assert "'v_train1'" in message and "train_videoxum.json" in message and "field 'vsum_onehot'" in message
    assert "sampled_frames=12, vsum_onehot has 240 frames" in message and "drop 228 frame(s)" in message, message
    assert "length_mismatch='truncate'" in message

    assert LENGTH_MISMATCH_MODES == ("error", "truncate")
    with pytest.raises(ValueError, match="length_mismatch"):
        load_videoxum(root, cache_dir=cache_dir, length_mismatch="drop")


@pytest.mark.parametrize("features_frames, within", [(T - 2, True), (T + 2, True), (T - 3, False), (T + 5, False)])
def test_feature_length_mismatch_tolerance(tmp_path, cache_dir, features_frames, within):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    write_dataset(root, features=True)
    path = root / "feat" / "v_test0.npz"
    np.savez(path, features=np.ones((features_frames, DIM), np.float32))
    # By default every difference is truncated to the shorter (the official evaluation's rule), beyond the
    # tolerance with a warning.
    dataset, report = load_videoxum(root, features_dir=root / "feat", cache_dir=cache_dir, output_loading_info=True)
    assert dataset["test"][0]["num_frames"] == min(T, features_frames)
    assert ("frame_counts" in report["test"]["issues"]) is not within
    if within:
        assert load_videoxum(root, features_dir=root / "feat", cache_dir=cache_dir, length_mismatch="error")
        return
    with pytest.raises(ValueError) as error:
        load_videoxum(root, features_dir=root / "feat", cache_dir=cache_dir, length_mismatch="error")
    message = str(error.value)
    assert "'v_test0'" in message and "field 'frame_embeds'" in message and str(path) in message, message


# ------------------------------------------------------------------------------------ features


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_features_are_a_value_error_not_a_generation_error(tmp_path, cache_dir, bad):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    write_dataset(root, features=True)
    path = root / "feat" / "v_train1.npz"
    features = np.ones((T, DIM), np.float32)
    features[5, 2] = bad
    np.savez(path, features=features)
    with pytest.raises(ValueError) as error:
        load_videoxum(root, features_dir=root / "feat", cache_dir=cache_dir)
    message = str(error.value)
    assert type(error.value) is ValueError, type(error.value)
    assert "'v_train1'" in message and "field 'frame_embeds'" in message and str(path) in message, message
    assert "NaN/inf" in message and "frame 5" in message, message
    # Nothing half-built was cached: after fixing the file the dataset loads.
    features[5, 2] = 0.0
    np.savez(path, features=features)
    assert load_videoxum(root, features_dir=root / "feat", cache_dir=cache_dir)["train"].num_rows == 2


def test_unreadable_features_are_a_value_error_naming_the_file(tmp_path, cache_dir):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    write_dataset(root, features=True)
    path = root / "feat" / "v_val0.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ValueError) as error:
        load_videoxum(root, features_dir=root / "feat", cache_dir=cache_dir)
    assert "'v_val0'" in str(error.value) and str(path) in str(error.value)

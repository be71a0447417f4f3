# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Records the official VideoXum loader loads must load here, with the official lengths (issue 19, section 1).

The official `ActivityNet` dataset reads `video_id`, `duration` (to sort), `tsum` (joined) and `vsum_onehot`
(`np.array`, so true/false become 1/0); it ignores `sampled_frames`, `timestamps` and `vsum`, takes the labels'
length, and at evaluation truncates a video to its CLIP features when those are shorter. Such records load here with
one warning per kind of inconsistency (a count and examples), never one per record; values that are truly broken
(NaN, a wrong nesting, a non-number) still raise a one-line `ValueError` naming the video and the field.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from test_data_validation import DIM, FILES, T, _set_item, make_record, rewrite, write_dataset


LOGGER = "vsum.data.videoxum"


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def _load(root, caplog, **kwargs):
    from vsum.data import load_videoxum

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        return load_videoxum(root, cache_dir=root.parent / "hf_cache", output_loading_info=True, **kwargs)


def test_boolean_onehots_load_as_0_1_with_one_warning(tmp_path, caplog):
    root = tmp_path / "anno"
    records = write_dataset(root)
    for record in records["train"]:  # both train records, written as the official JSON may be: true/false
        record["vsum_onehot"] = [[bool(v) for v in row] for row in record["vsum_onehot"]]
    records["test"][0]["vsum_onehot"][4] = [bool(v) for v in records["test"][0]["vsum_onehot"][4]]
    rewrite(root, "train", records["train"])
    rewrite(root, "test", records["test"])

    dataset, report = _load(root, caplog)
    expected = np.asarray(make_record("x")["vsum_onehot"], dtype=np.uint8)
    for split in ("train", "test"):
        for row in dataset[split]:
            np.testing.assert_array_equal(np.asarray(row["vsum_onehot"]), expected)
            assert row["num_frames"] == T
    (warning,) = [m for m in _warnings(caplog) if "true/false" in m]
    assert "3 record(s) (train: 2, test: 1)" in warning and "v_train0 (train_videoxum.json record 0)" in warning
    assert report["train"]["issues"]["onehot_booleans"]["count"] == 2
    assert report["test"]["issues"]["onehot_booleans"]["examples"] == [
        "v_test0 (test_videoxum.json record 0): row 4 holds true/false"
    ]


def test_ignored_fields_do_not_stop_the_build_and_the_length_is_the_labels(tmp_path, caplog):
    root = tmp_path / "anno"
    records = write_dataset(root)
    train, validation = records["train"], records["validation"]
    train[0]["sampled_frames"] = 40  # the official loader never reads it: 12 labelled frames stay 12
    train[0]["timestamps"][1] = [11.0, 6.0]  # reversed
    train[1]["timestamps"][0] = [-3.0, 60.0]  # negative, and beyond the duration
    train[1]["vsum"][1] = train[1]["vsum"][1][:9]  # 9 annotator spans
    train[1]["tsum"] = train[1]["tsum"] + ["A third sentence without a segment."]
    validation[0]["duration"] = 100.0  # inconsistent with sampled_frames = 12
    validation[0]["vsum_onehot"] = [row + [0] * 8 for row in validation[0]["vsum_onehot"]]  # 20 labelled frames
    validation[0]["vsum"][0][3] = [9.0, 1.0]
    rewrite(root, "train", train)
    rewrite(root, "validation", validation)

    dataset, report = _load(root, caplog)
    assert [row["num_frames"] for row in dataset["train"]] == [T, T]
    assert dataset["validation"][0]["num_frames"] == 20 and len(dataset["validation"][0]["vsum_onehot"][0]) == 20
    # Raw fields are kept as given.
    assert dataset["train"][0]["sampled_frames"] == 40 and dataset["train"][0]["timestamps"][1] == [11.0, 6.0]
    assert dataset["train"][1]["text_summary"].endswith("a third sentence without a segment")

    warnings = _warnings(caplog)
    by_kind = {
        kind: [m for m in warnings if f"in '{kind}'" in m or f"'{kind}' " in m] for kind in ("timestamps", "vsum")
    }
    assert all(len(found) == 1 for found in by_kind.values()), warnings
    assert "2 record(s) (train: 2)" in by_kind["timestamps"][0]
    assert "entry 1 [11.0, 6.0] is reversed" in by_kind["timestamps"][0], by_kind
    assert "2 record(s) (train: 1, validation: 1)" in by_kind["vsum"][0]
    (sampled,) = [m for m in warnings if "'sampled_frames' that differs" in m]
    assert "2 record(s) (train: 1, validation: 1)" in sampled and "sampled_frames=40, vsum_onehot has 12" in sampled
    assert len([m for m in warnings if "'duration' inconsistent" in m]) == 1
    assert len([m for m in warnings if "'tsum'" in m]) == 1
    assert set(report["train"]["issues"]) == {"sampled_frames", "duration", "timestamps", "vsum", "tsum"}
    assert set(report["validation"]["issues"]) == {"sampled_frames", "duration", "vsum"}
    assert report["test"]["issues"] == {}

    # The old strictness for frame counts stays available.
    with pytest.raises(ValueError, match="'v_train0'.*sampled_frames=40, vsum_onehot has 12 frames"):
        _load(root, caplog, length_mismatch="error", download_mode="force_redownload")


def test_features_shorter_than_the_annotation_load_truncated_with_one_warning(tmp_path, caplog):
    root = tmp_path / "anno"
    write_dataset(root, features=True)
    for video_id, frames in (("v_test0", T - 5), ("v_train1", T - 4)):
        np.savez(root / "feat" / f"{video_id}.npz", features=np.ones((frames, DIM), np.float32))

    dataset, report = _load(root, caplog, features_dir=root / "feat")
    test_row = dataset["test"][0]
    assert test_row["num_frames"] == T - 5 and np.asarray(test_row["frame_embeds"]).shape == (T - 5, DIM)
    assert np.asarray(test_row["vsum_onehot"]).shape == (10, T - 5)
    assert dataset["train"][1]["num_frames"] == T - 4 and dataset["train"][0]["num_frames"] == T
    (warning,) = [m for m in _warnings(caplog) if "truncated to the shorter" in m]
    assert "2 record(s) (train: 1, test: 1)" in warning and "vsum_onehot has 12 frames, the features 7" in warning
    assert report["test"]["max_frames_dropped"] == 5

    with pytest.raises(ValueError) as error:
        _load(root, caplog, features_dir=root / "feat", length_mismatch="error", download_mode="force_redownload")
    assert "field 'frame_embeds'" in str(error.value) and "v_train1" in str(error.value)


def test_many_records_with_one_issue_give_one_warning(tmp_path, caplog):
    root = tmp_path / "anno"
    records = [make_record(f"v_many{i}") for i in range(7)]
    for record in records:
        record["timestamps"][0] = [-1.0, 6.0]
    write_dataset(root)
    rewrite(root, "train", records)
    dataset, _ = _load(root, caplog)
    assert dataset["train"].num_rows == 7
    (warning,) = [m for m in _warnings(caplog) if "'timestamps'" in m]
    assert "7 record(s) (train: 7)" in warning and "and 4 more" in warning and "\n" not in warning
    assert len(_warnings(caplog)) == 1


BROKEN = [
    ("timestamps-nan", _set_item("timestamps", [0], [float("nan"), 6.0]), "timestamps", "finite numbers"),
    ("timestamps-text", _set_item("timestamps", [0], [0.0, "6"]), "timestamps", "finite numbers"),
    ("timestamps-boolean", _set_item("timestamps", [0], [False, 6.0]), "timestamps", "finite numbers"),
    ("timestamps-not-a-list", lambda r: r.__setitem__("timestamps", 3.0), "timestamps", "must be a list"),
    ("vsum-flat-span", _set_item("vsum", [0, 0], 3.5), "vsum", "segment 0 annotator 0"),
    ("vsum-segment-number", _set_item("vsum", [1], 7.0), "vsum", "segment 1 must be a list"),
    ("vsum-nan", _set_item("vsum", [1, 2], [7.0, float("inf")]), "vsum", "finite numbers"),
    ("onehot-nan", _set_item("vsum_onehot", [0, 3], float("nan")), "vsum_onehot", "0/1"),
    ("onehot-two", _set_item("vsum_onehot", [0, 3], 2), "vsum_onehot", "0/1"),
    ("onehot-string", _set_item("vsum_onehot", [0, 3], "true"), "vsum_onehot", "only the numbers 0/1"),
    ("onehot-nested", _set_item("vsum_onehot", [0, 3], [1]), "vsum_onehot", "only the numbers 0/1"),
    ("onehot-ragged", _set_item("vsum_onehot", [5], [1, 0]), "vsum_onehot", "different lengths"),
    ("onehot-9-rows", lambda r: r["vsum_onehot"].pop(), "vsum_onehot", "10 annotator rows, got 9"),
    ("duration-text", lambda r: r.__setitem__("duration", "11.6"), "duration", "positive number"),
    ("tsum-number", lambda r: r.__setitem__("tsum", [1, 2]), "tsum", "list of strings"),
    ("tsum-nothing-left", lambda r: r.__setitem__("tsum", ["...", " "]), "tsum", "empty text summary"),
]


@pytest.mark.parametrize("mutate, field, words", [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_truly_broken_values_still_raise(tmp_path, mutate, field, words):
    from vsum.data import load_videoxum

    root = tmp_path / "anno"
    records = write_dataset(root)["test"]
    mutate(records[0])
    rewrite(root, "test", records)
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=tmp_path / "hf_cache")
    message = str(error.value)
    assert type(error.value) is ValueError and "\n" not in message, message
    assert "'v_test0'" in message and f"field {field!r}" in message and FILES["test"] in message, message
    assert words in message, message

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The canonical TVSum/SumMe h5 loader, split files, per-user scores and the synthetic generator (vsum.data.keyshot),
and one-line errors for bad files."""

import json
import shutil

import h5py
import numpy as np
import pytest

from vsum.cli import main
from vsum.data.keyshot import load_keyshot, make_synthetic_keyshot, read_keyshot_h5, read_splits
from vsum.metrics.keyshot import aggregate_folds, evaluate_keyshot


SMALL = {"num_videos": 5, "feature_dim": 8, "min_frames": 60, "max_frames": 240}


@pytest.fixture(scope="module")
def tvsum(tmp_path_factory):
    return make_synthetic_keyshot(tmp_path_factory.mktemp("tvsum"), "tvsum", seed=0, **SMALL)


def test_synthetic_files_load_in_the_canonical_layout(tvsum):
    folds = read_splits(tvsum.split_path)
    assert len(folds) == 5
    # DSNet's YAML ("file.h5/video_i") and PGL-SUM's JSON give the same folds; every video is tested once.
    assert read_splits(tvsum.yaml_split_path, h5_name=tvsum.h5_path.name) == folds
    assert sorted(key for fold in folds for key in fold["test_keys"]) == sorted(f"video_{i}" for i in range(1, 6))
    data = load_keyshot(tvsum.h5_path, tvsum.yaml_split_path, fold=2, user_scores_tsv=tvsum.annotations_path)
    assert data["test"]["video_key"] == folds[2]["test_keys"]
    assert data["train"].num_rows == 4
    row = data["test"].with_format("numpy")[0]
    n_steps, n_frames = int(row["n_steps"]), int(row["n_frames"])
    assert row["features"].shape == (n_steps, 8) and row["picks"].shape == (n_steps,)
    assert row["user_summary"].shape == (20, n_frames) and row["user_scores"].shape == (20, n_frames)
    assert row["change_points"][-1, 1] == n_frames - 1 and row["benchmark"] == "tvsum"
    assert row["user_scores"].max() == pytest.approx(1.0)  # each user's row divided by its max (CA-SUM)
    # Without the tsv the per-user scores are empty (the correlations then use the user summaries).
    assert load_keyshot(tvsum.h5_path)["all"].with_format("numpy")[0]["user_scores"].shape == (0,)


def test_per_user_scores_by_position_and_inside_the_h5(tvsum, tmp_path):
    with_names = load_keyshot(tvsum.h5_path, user_scores_tsv=tvsum.annotations_path)["all"].with_format("numpy")
    # Without video_name the i-th annotated id is video_i (CA-SUM's mapping): the same scores.
    anonymous = tmp_path / "anon_tvsum.h5"
    shutil.copy(tvsum.h5_path, anonymous)
    with h5py.File(anonymous, "a") as handle:
        for key in handle:
            del handle[key]["video_name"]
        handle["video_3"]["user_scores"] = with_names[2]["user_scores"]
    by_position = load_keyshot(anonymous, user_scores_tsv=tvsum.annotations_path)["all"].with_format("numpy")
    np.testing.assert_array_equal(by_position[4]["user_scores"], with_names[4]["user_scores"])
    # A user_scores dataset in the h5 (Otani et al.'s layout) is read as is.
    inside = load_keyshot(anonymous)["all"].with_format("numpy")
    np.testing.assert_array_equal(inside[2]["user_scores"], with_names[2]["user_scores"])


def test_protocol_on_synthetic_folds_ranks_oracle_above_random(tvsum):
    oracle, random = [], []
    rng = np.random.default_rng(0)
    for fold in range(5):
        test = load_keyshot(tvsum.h5_path, tvsum.split_path, fold, user_scores_tsv=tvsum.annotations_path)["test"]
        rows = test.with_format("numpy")
        oracle.append(evaluate_keyshot({r["video_key"]: r["gtscore"] for r in rows}, test))
        random.append(evaluate_keyshot([rng.random(int(r["n_steps"])) for r in rows], test))
    oracle, random = aggregate_folds(oracle), aggregate_folds(random)
    assert oracle["fscore"] > random["fscore"] + 8 and oracle["kendall"] > random["kendall"] + 0.3
    assert oracle["num_folds"] == 5 and oracle["fscore_std"] >= 0


def test_cli_writes_both_benchmarks(tmp_path, capsys):
    assert main(["make-synthetic-keyshot", str(tmp_path), "--benchmark", "summe", "--videos", "5", "--dim", "4"]) == 0
    assert "synthetic_summe.h5" in capsys.readouterr().out
    data = load_keyshot(tmp_path / "synthetic_summe.h5", tmp_path / "synthetic_summe_splits.json", fold=4)
    assert data["test"][0]["benchmark"] == "summe" and len(data["test"][0]["features"][0]) == 4
    with pytest.raises(SystemExit):
        main(["make-synthetic-keyshot", str(tmp_path), "--benchmark", "summe", "--videos", "5"])  # exists
    assert "exists; pass --overwrite" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["make-synthetic-keyshot", str(tmp_path / "few"), "--videos", "3"])  # fewer videos than folds
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith("num_videos (3) must be >= num_folds (5) >= 2")


def _broken(tvsum, tmp_path, edit):
    path = tmp_path / "broken_tvsum.h5"
    shutil.copy(tvsum.h5_path, path)
    with h5py.File(path, "a") as handle:
        edit(handle["video_2"])
    return path


def _replace(name, value):
    def edit(group):
        del group[name]
        group[name] = value

    return edit


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda g: g.__delitem__("change_points"), "video_2: change_points: missing"),
        (lambda g: _replace("gtscore", np.full(len(g["picks"]), np.nan))(g), "video_2: gtscore: has NaN"),
        (lambda g: _replace("features", np.zeros(len(g["picks"])))(g), r"video_2: features: must have shape"),
        (lambda g: _replace("gtsummary", np.zeros(3))(g), r"video_2: gtsummary: must have shape"),
        (lambda g: _replace("n_steps", 1)(g), "video_2: n_steps: is 1 but"),
        (lambda g: _replace("picks", g["picks"][()] + int(g["n_frames"][()]))(g), "video_2: picks must increase"),
        (lambda g: _replace("change_points", g["change_points"][()][:-1])(g), "video_2: change_points must tile"),
        (lambda g: _replace("n_frame_per_seg", g["n_frame_per_seg"][()] + 1)(g), "video_2: n_frame_per_seg must"),
        (lambda g: _replace("user_summary", g["user_summary"][()][:, :-1])(g), "video_2: user_summary: must have"),
    ],
)
def test_bad_h5_gives_one_line_error_naming_file_video_and_field(tvsum, tmp_path, edit, message):
    path = _broken(tvsum, tmp_path, edit)
    with pytest.raises(ValueError, match=message) as error:
        read_keyshot_h5(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_bad_split_files_and_arguments(tvsum, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"train_keys": ["video_1"]}]')
    with pytest.raises(ValueError, match="fold 0: needs lists"):
        read_splits(bad)
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid split file"):
        read_splits(bad)
    other = tmp_path / "other.yml"
    other.write_text("- train_keys: [../x/eccv16_dataset_summe_google_pool5.h5/video_1]\n  test_keys: []\n")
    with pytest.raises(ValueError, match="another file"):
        load_keyshot(tvsum.h5_path, other)
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps([{"train_keys": ["video_1"], "test_keys": ["video_99"]}]))
    with pytest.raises(ValueError, match="video_99: no such video"):
        load_keyshot(tvsum.h5_path, missing)
    with pytest.raises(ValueError, match="fold must be an integer in"):
        load_keyshot(tvsum.h5_path, tvsum.split_path, fold=5)
    with pytest.raises(ValueError, match="cannot tell TVSum from SumMe"):
        load_keyshot(tmp_path / "features.h5")
    with pytest.raises(ValueError, match="no such file"):
        load_keyshot(tmp_path / "nothing_tvsum.h5")
    short = tmp_path / "short.tsv"
    short.write_text("synthtvsum001\tx\t1,2,3\n")
    with pytest.raises(ValueError, match="video_1: no annotation|user_scores: 3 frames annotated"):
        load_keyshot(tvsum.h5_path, user_scores_tsv=short)

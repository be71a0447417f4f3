# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""vsum.data.files: the one `find_video`, and `features_info.json` (writer, reader, use by the VideoXum builder);
SynthXum's atomic writes and its `synthxum_info.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import load_script


REPO_ROOT = Path(__file__).resolve().parents[1]


def touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


# ------------------------------------------------------------------------------------------------ find_video


def test_find_video_tries_the_extensions_in_order_then_without_the_v_prefix(tmp_path):
    from vsum.constants import VIDEO_EXTENSIONS
    from vsum.data import find_video

    assert VIDEO_EXTENSIONS[:2] == (".mp4", ".mkv")
    touch(tmp_path / "v_a.mkv")
    touch(tmp_path / "v_a.mp4")
    touch(tmp_path / "b.webm")
    touch(tmp_path / "v_c.avi")
    assert find_video(tmp_path, "v_a") == str(tmp_path / "v_a.mp4")
    assert find_video(tmp_path, "v_b") == str(tmp_path / "b.webm")
    assert find_video(str(tmp_path), "v_c") == str(tmp_path / "v_c.avi")
    assert find_video(tmp_path, "v_missing") is None
    assert find_video(tmp_path, "v_") is None  # no empty stem
    (tmp_path / "v_d.mp4").mkdir()  # a folder is not a video
    assert find_video(tmp_path, "v_d") is None
    # With a listing, no file system access: names decide.
    assert find_video("/nonexistent", "v_x", names={"x.mov"}) == "/nonexistent/x.mov"
    assert find_video("/nonexistent", "v_x", names=set()) is None


def test_extract_features_uses_the_library_find_video():
    from vsum.data import find_video

    try:
        module = load_script("extract_features.py", "extract_features_mod")
    finally:
        sys.modules.pop("extract_features_mod", None)
    assert module.find_video is find_video
    source = (REPO_ROOT / "scripts" / "extract_features.py").read_text()
    assert "def find_video" not in source
    assert "def _find_video" not in (REPO_ROOT / "vsum" / "data" / "videoxum.py").read_text()


def test_split_files_alias_is_the_constant():
    from vsum.constants import SPLIT_FILES
    from vsum.data import VIDEOXUM_SPLIT_FILES

    assert VIDEOXUM_SPLIT_FILES is SPLIT_FILES


# ------------------------------------------------------------------------------------------------ features_info


def test_features_info_round_trip_and_format(tmp_path):
    from vsum.data import FEATURES_INFO_FILENAME, read_features_info, write_features_info

    assert read_features_info(tmp_path) is None  # optional: absent means "not recorded"
    path = write_features_info(
        tmp_path, encoder="Salesforce/blip", image_size=384, encoder_dtype="bfloat16", feature_dim=768, extra={"r": 1}
    )
    assert path == tmp_path / FEATURES_INFO_FILENAME
    assert json.loads(path.read_text()) == {
        "format": "vsum-features",
        "format_version": 1,
        "encoder": "Salesforce/blip",
        "image_size": 384,
        "encoder_dtype": "bfloat16",
        "feature_dim": 768,
        "feature_key": "features",
        "fps": 1.0,
        "extra": {"r": 1},
    }
    info = read_features_info(tmp_path)
    assert (info.encoder, info.image_size, info.encoder_dtype, info.feature_dim) == (
        "Salesforce/blip",
        384,
        "bfloat16",
        768,
    )
    assert info.describe() == "Salesforce/blip (384 px, bfloat16, D=768, 1 fps)"
    assert [p.name for p in tmp_path.iterdir()] == [FEATURES_INFO_FILENAME]  # no temporary left


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(encoder=""), "'encoder' must be a non-empty string"),
        (dict(image_size=0), "'image_size' must be a positive integer"),
        (dict(image_size=True), "'image_size' must be a positive integer"),
        (dict(encoder_dtype="int8"), "'encoder_dtype' must be one of"),
        (dict(feature_dim=-1), "'feature_dim' must be a positive integer"),
        (dict(fps=float("nan")), "'fps' must be a positive number"),
        (dict(extra={"x": object()}), "'extra' must be JSON-serialisable"),
    ],
)
def test_write_features_info_validates(tmp_path, kwargs, message):
    from vsum.data import write_features_info

    arguments = dict(encoder="tiny", image_size=32, encoder_dtype="float32", feature_dim=8) | kwargs
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        write_features_info(tmp_path, **arguments)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe", "not a readable UTF-8 JSON file"),
        (b"[1]", "must hold a JSON object"),
        (b'{"format": "other"}', "'format' must be 'vsum-features'"),
        (b'{"format": "vsum-features", "format_version": 2}', "unsupported 'format_version' 2"),
        (b'{"format": "vsum-features", "format_version": 1, "encoder": "x", "bogus": 1}', "unknown key"),
        (b'{"format": "vsum-features", "format_version": 1, "encoder": "x"}', "missing"),
    ],
)
def test_read_features_info_rejects_bad_files_naming_them(tmp_path, content, message):
    from vsum.data import FEATURES_INFO_FILENAME, read_features_info

    (tmp_path / FEATURES_INFO_FILENAME).write_bytes(content)
    with pytest.raises(ValueError) as error:
        read_features_info(tmp_path)
    assert str(tmp_path / FEATURES_INFO_FILENAME) in str(error.value) and message in str(error.value)


def _tiny_dataset(root: Path) -> None:
    from test_data_validation import write_dataset  # tests/ is on sys.path (pytest's rootdir-relative import)

    write_dataset(root, features=True)  # 4 videos, features of dimension 4


def test_builder_reads_features_info_and_checks_it(tmp_path):
    from vsum.data import VideoXum, write_features_info

    root = tmp_path / "anno"
    _tiny_dataset(root)
    builder = VideoXum(cache_dir=str(tmp_path / "c1"), data_dir=str(root), features_dir=str(root / "feat"))
    assert builder.features_info is None
    write_features_info(root / "feat", encoder="tiny-vit", image_size=32, encoder_dtype="float32", feature_dim=4)
    builder = VideoXum(cache_dir=str(tmp_path / "c2"), data_dir=str(root), features_dir=str(root / "feat"))
    builder.download_and_prepare()
    assert builder.features_info.encoder == "tiny-vit" and builder.as_dataset()["train"].num_rows == 2

    write_features_info(root / "feat", encoder="tiny-vit", image_size=32, encoder_dtype="float32", feature_dim=16)
    builder = VideoXum(cache_dir=str(tmp_path / "c3"), data_dir=str(root), features_dir=str(root / "feat"))
    with pytest.raises(ValueError, match=r"features_info.json says feature_dim=16 but the .npz features have 4"):
        builder.download_and_prepare()

    write_features_info(
        root / "feat", encoder="tiny-vit", image_size=32, encoder_dtype="float32", feature_dim=4, feature_key="feats"
    )
    builder = VideoXum(cache_dir=str(tmp_path / "c4"), data_dir=str(root), features_dir=str(root / "feat"))
    with pytest.raises(ValueError, match=r"feature_key='feats', but feature_key='features' was asked for"):
        builder.download_and_prepare()


# ------------------------------------------------------------------------------------------------ SynthXum


def test_synthxum_writes_its_info_and_never_follows_a_planted_temporary(tmp_path):
    from vsum.data import SYNTHXUM_INFO_FILENAME, make_synthxum

    kwargs = dict(num_videos=3, seed=3, min_duration=8, max_duration=9, size=16, split_sizes=(1, 1, 1))
    # Video ids depend only on (seed, index): learn them from a first run.
    first = make_synthxum(tmp_path / "first", **kwargs)
    ids = [r["video_id"] for path in first.annotation_files.values() for r in json.loads(path.read_text())]
    out = tmp_path / "sx"
    (out / "videos").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    # The fixed names the old writers used (`.<name>.tmp`), planted as symlinks by another user of a shared folder.
    for name in ("train_videoxum.json", "val_videoxum.json", "test_videoxum.json", SYNTHXUM_INFO_FILENAME):
        (out / f".{name}.tmp").symlink_to(victim)
    for video_id in ids:
        (out / "videos" / f".{video_id}.mp4.tmp").symlink_to(victim)
    result = make_synthxum(out, **kwargs)
    assert victim.read_text() == "keep me"
    info = json.loads((out / SYNTHXUM_INFO_FILENAME).read_text())
    assert info["name"] == "SynthXum" and info["split_sizes"] == {"train": 1, "validation": 1, "test": 1}
    assert info["num_videos"] == 3 and info["seed"] == 3 and info["codec"] == result.codec
    assert sorted(p.stem for p in (out / "videos").iterdir() if not p.is_symlink()) == sorted(ids)
    leftovers = sorted(p.name for p in out.iterdir() if p.name.startswith(".") and not p.is_symlink())
    assert leftovers == []


def test_synthxum_modules_have_no_own_temporary_names():
    source = (REPO_ROOT / "vsum" / "data" / "synthetic.py").read_text()
    assert "tempfile" not in source and ".tmp" not in source and "os.replace" not in source
    assert "atomic_path" in source and "atomic_write_json" in source

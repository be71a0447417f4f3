# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""vsum.io_utils: atomic writes that never follow a planted symlink and never leave a partial file."""

import json
import os
import stat
import tempfile

import pytest

from vsum import constants
from vsum.io_utils import atomic_folder, atomic_path, atomic_write, atomic_write_bytes, atomic_write_json


def _plant_symlinks(folder, name, victim):
    """Symlinks to `victim` at every predictable temporary name a writer might use for `name`."""
    planted = []
    for suffix in (".partial", ".tmp", ".partial.mp4", ".partial.png", ".tmp.npz", "~", ".new", ".lock"):
        for candidate in (f"{name}{suffix}", f".{name}{suffix}"):
            link = os.path.join(folder, candidate)
            os.symlink(victim, link)
            planted.append(link)
    return planted


def test_atomic_write_never_follows_planted_symlinks(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "shared"
    out.mkdir()
    planted = _plant_symlinks(out, "x.summary.json", victim)

    atomic_write_json(out / "x.summary.json", {"a": 1})
    atomic_write_bytes(out / "x.summary.json", b"{}")
    with atomic_path(out / "x.summary.json") as tmp:
        assert not os.path.islink(tmp)
        assert os.path.dirname(tmp) == str(out)
        with open(tmp, "w") as handle:
            handle.write("[]")

    assert victim.read_text() == "precious"
    assert json.loads((out / "x.summary.json").read_text()) == []
    assert all(os.path.islink(link) for link in planted)  # untouched, still pointing at the victim
    leftovers = sorted(set(os.listdir(out)) - {os.path.basename(p) for p in planted} - {"x.summary.json"})
    assert leftovers == []


def test_temporary_name_is_random_and_exclusive(tmp_path, monkeypatch):
    seen = []
    real_mkstemp = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        seen.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    for _ in range(3):
        atomic_write_json(tmp_path / "a.json", {})
    assert len(set(seen)) == 3
    assert all(os.path.basename(name).startswith(".a.json.") for name in seen)


def test_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "a.json"
    atomic_write_json(target, {"version": 1})
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as handle:
            handle.write("{half")
            raise RuntimeError("boom")
    assert json.loads(target.read_text()) == {"version": 1}
    assert os.listdir(tmp_path) == ["a.json"]


def test_written_file_gets_normal_permissions(tmp_path):
    atomic_write_json(tmp_path / "a.json", {})
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "a.json").st_mode) == 0o666 & ~mask


def test_atomic_path_keeps_the_extension_for_format_sniffing_writers(tmp_path):
    import numpy as np

    with atomic_path(tmp_path / "f.npz") as tmp:
        assert tmp.endswith(".npz")
        np.savez(tmp, x=np.arange(3))  # np.savez would append ".npz" to any other name
    assert np.load(tmp_path / "f.npz")["x"].tolist() == [0, 1, 2]
    assert os.listdir(tmp_path) == ["f.npz"]


def test_atomic_folder_replaces_a_folder_whole(tmp_path):
    target = tmp_path / "final"
    with atomic_folder(target) as tmp:
        (open(os.path.join(tmp, "old.txt"), "w")).close()
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as tmp:
            open(os.path.join(tmp, "partial.txt"), "w").close()
            raise RuntimeError("killed mid-export")
    assert os.listdir(target) == ["old.txt"]  # the failed export left the previous folder as it was
    with atomic_folder(target) as tmp:
        open(os.path.join(tmp, "new.txt"), "w").close()
    assert os.listdir(target) == ["new.txt"]
    assert sorted(os.listdir(tmp_path)) == ["final"]


def test_atomic_folder_refuses_to_replace_a_symlink(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    os.symlink(elsewhere, tmp_path / "final")
    with pytest.raises(ValueError, match="not a folder"):
        with atomic_folder(tmp_path / "final") as tmp:
            open(os.path.join(tmp, "x"), "w").close()
    assert (elsewhere / "keep.txt").read_text() == "keep"


def test_atomic_write_rejects_other_modes(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "a", mode="a"):
            pass


def test_summary_ratio_constant_agrees_with_the_remote_code_config():
    from vsum.configuration_vsum import DEFAULT_SUMMARY_RATIO, VsumConfig

    assert constants.DEFAULT_SUMMARY_RATIO == DEFAULT_SUMMARY_RATIO == VsumConfig().summary_ratio

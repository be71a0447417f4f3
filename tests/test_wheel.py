# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The package as users install it: a wheel built from the tree, installed into a fresh virtual environment (no
checkout on the path), exports a complete Hub-ready folder (the model card template is package data)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]

_EXPORT_SCRIPT = r"""
import json, os, sys
import vsum
from vsum import VsumModel
from vsum.hub import export_model
from vsum.tiny import make_tiny_processor, tiny_config

assert "site-packages" in vsum.__file__ and sys.prefix in vsum.__file__, vsum.__file__
processor = make_tiny_processor()
model = VsumModel(tiny_config(processor))
folder = export_model(model, processor, sys.argv[1], metrics={"f1_mean": 20.0, "num_videos": 2},
                      dataset_name="SynthXum", eval_split="validation")
print(json.dumps({"vsum": vsum.__file__, "files": sorted(os.listdir(folder))}))
"""


def test_export_from_an_installed_wheel(tmp_path):
    # Build from a copy holding only what the wheel is made of (no build/ or egg-info left in the checkout).
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "vsum", source / "vsum", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, f"building the wheel failed (needs setuptools>=70.1 here):\n{build.stderr[-3000:]}"
    (wheel,) = wheels.glob("vsum_la-*.whl")

    # A fresh venv without the project; the test environment's dependencies (torch, transformers, ...) are visible
    # through a .pth line (added as a plain path: the checkout's editable install there stays inactive).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    parent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "_vsum_test_parent_env.pth").write_text("\n".join(sorted(parent)) + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf_home"))
    folder = tmp_path / "export"
    done = subprocess.run(
        [str(python), "-c", _EXPORT_SCRIPT, str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vsum"].startswith(str(venv))
    assert {"README.md", "config.json", "model.safetensors", "handler.py", "pipeline.py"} <= set(result["files"])
    readme = (folder / "README.md").read_text()
    assert "\n# vsum-la" in readme and "model-index" in readme and 'pipeline("video-summarization"' in readme

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""README.md's Python snippets run verbatim, each in a fresh process, and the demo checkpoint ships its code.

A ```python block of README.md preceded by the line `<!-- readme-test -->` is run exactly as written, offline, in a
working folder that holds what the README's names refer to: `video.mp4` (the sample video), `ORG/vsum-la` and
`outputs/tt_la/final` (a trained model: the demo checkpoint exported by `vsum.hub.export_model`, the code path of
`scripts/train.py`'s final export). Snippets naming `DEMO_CHECKPOINT` run against the demo itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT


MARKER = "<!-- readme-test -->"
README = Path(REPO_ROOT) / "README.md"


def marked_snippets() -> list[tuple[int, str]]:
    """`(line, code)` of every ```python block right after a marker line."""
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(MARKER) + r"\n```python\n(.*?)\n```", re.DOTALL)
    return [(text[: match.start()].count("\n") + 1, match.group(1)) for match in pattern.finditer(text)]


SNIPPETS = marked_snippets()


def test_the_readme_marks_its_snippets():
    text = README.read_text(encoding="utf-8")
    assert len(SNIPPETS) == text.count(MARKER) >= 4  # a marker not followed by a python block is a mistake
    codes = "\n".join(code for _, code in SNIPPETS)
    for needle in ("AutoModel.from_pretrained(DEMO_CHECKPOINT", '"ORG/vsum-la"', "EndpointHandler("):
        assert needle in codes, needle


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    from vsum.hub import export_model
    from vsum.loading import DEMO_VIDEO, load_model_and_processor

    root = tmp_path_factory.mktemp("readme")
    shutil.copyfile(DEMO_VIDEO, root / "video.mp4")
    model, processor = load_model_and_processor(None, device="cpu")  # the demo checkpoint (trained on SynthXum)
    for folder in (root / "ORG" / "vsum-la", root / "outputs" / "tt_la" / "final"):
        export_model(
            model,
            processor,
            folder,
            model_name="vsum-la test",
            metrics=None,
            dataset_name="SynthXum",
            eval_split="test",
        )
    return root


@pytest.mark.parametrize(("line", "code"), SNIPPETS, ids=[f"README.md:{line}" for line, _ in SNIPPETS])
def test_readme_snippet_runs_verbatim(line, code, workdir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("VSUM_MODEL", "VSUM_ALLOW_URLS", "VSUM_ALLOWED_DIR")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(tmp_path / "hf_home"), PYTHONPATH=REPO_ROOT)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"README.md line {line}:\n{code}\n--- stderr:\n{result.stderr[-4000:]}"
    assert result.stdout.strip(), "the snippet printed nothing"


def test_demo_checkpoint_ships_the_package_code():
    """The demo's code files are relative symlinks to the package's own files: they cannot drift, and the set is
    exactly what an export copies (so a new relative import in the package shows up here as a missing file)."""
    from vsum.loading import DEMO_CHECKPOINT
    from vsum.pipeline import _serving_sources

    package = DEMO_CHECKPOINT.parent.parent.resolve()
    expected = {os.path.basename(source) for source in _serving_sources()}
    shipped = {path.name for path in DEMO_CHECKPOINT.glob("*.py")}
    assert shipped == expected
    for name in shipped:
        path = DEMO_CHECKPOINT / name
        assert path.is_symlink(), f"{path} must be a symlink into the package, not a copy"
        assert not os.path.isabs(os.readlink(path)), "relative links survive a move of the repository"
        assert path.resolve() == package / name
    import json

    config = json.loads((DEMO_CHECKPOINT / "config.json").read_text())
    assert config["auto_map"] == {"AutoConfig": "configuration_vsum.VsumConfig", "AutoModel": "modeling_vsum.VsumModel"}
    assert config["custom_pipelines"]["video-summarization"]["impl"] == "pipeline.VideoSummarizationPipeline"
    for name in ("processor_config.json", "tokenizer_config.json"):
        auto_map = json.loads((DEMO_CHECKPOINT / name).read_text())["auto_map"]
        assert auto_map["AutoProcessor"] == "processing_vsum.VsumProcessor", name


DEMO_CHILD = r"""
import sys
sys.modules["vsum"] = None  # nothing from the project: the folder's own code only
from transformers import AutoModel, pipeline
folder, video = sys.argv[1], sys.argv[2]
model = AutoModel.from_pretrained(folder, trust_remote_code=True)
result = pipeline("video-summarization", model=folder, trust_remote_code=True)(video, max_new_tokens=20)
print(type(model).__module__, len(result["frames"]), bool(result["segments"]))
"""


def test_demo_checkpoint_loads_without_vsum(run_without_vsum):
    from vsum.loading import DEMO_CHECKPOINT, DEMO_VIDEO

    stdout = run_without_vsum(DEMO_CHILD, DEMO_CHECKPOINT, DEMO_VIDEO, timeout=600)
    module, frames, has_segments = stdout.split()[-3:]
    assert module.startswith("transformers_modules") and frames == "22" and has_segments == "True"

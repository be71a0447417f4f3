# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The code blocks of README.md and docs/*.md run verbatim or say they are templates; their links resolve; the demo
checkpoint ships its code.

Every fenced code block of those pages is preceded by one of two marker lines:

- `<!-- readme-test -->`: the block is run exactly as written, offline, each in a fresh process and a fresh folder
  (```python with the interpreter, ```bash with bash). The folder links to what the pages' names refer to:
  `video.mp4` (the sample video), `vsum/demo/synthxum_sample.mp4`, and two trained models, `vsum-videoxum-tt-ca`
  (the folder `scripts/convert_videoxum_checkpoint.py` writes) and `outputs/tt_la/final` (`scripts/train.py`'s final
  export), both the demo checkpoint exported by `vsum.hub.export_model`. Snippets naming `DEMO_CHECKPOINT` run
  against the demo itself.
- `<!-- template -->`: the block is shown, not run (it needs data, GPUs, the network or a long run; the page says
  so).

A block with neither marker fails `test_every_code_block_is_marked`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT


RUN = "<!-- readme-test -->"
TEMPLATE = "<!-- template -->"
RUNNABLE = {"python": "python", "bash": "bash", "sh": "bash", "console": "bash"}
ROOT = Path(REPO_ROOT)
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<lang>[\w+-]*)[^\n]*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence
    lang: str
    code: str
    marker: str | None  # the marker line right above the fence (blank lines skipped), else None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def code_blocks(path: Path) -> list[Block]:
    """Every fenced code block of a Markdown file, its code dedented by the fence's indentation (blocks in lists)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        end = i + 1
        while end < len(lines) and not re.match(rf"^[ \t]*{re.escape(fence)}[ \t]*$", lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"{path}:{i + 1}: code block never closed")
        code = "\n".join(line[len(indent) :] if line.startswith(indent) else line for line in lines[i + 1 : end])
        previous = i - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        above = lines[previous].strip() if previous >= 0 else ""
        marker = above if above in (RUN, TEMPLATE) else None
        blocks.append(Block(path, i + 1, end + 1, match["lang"].lower(), code, marker))
        i = end + 1
    return blocks


def prose(path: Path, inline_code: bool = False) -> str:
    """The text of a Markdown file without its code blocks (a `# comment` there is no heading, a `[x](y)` no link),
    and without inline code unless `inline_code`."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for block in code_blocks(path):
        lines[block.line - 1 : block.end] = [""] * (block.end - block.line + 1)
    text = "\n".join(lines)
    return text if inline_code else re.sub(r"`[^`\n]*`", "", text)


BLOCKS = [block for page in PAGES for block in code_blocks(page)]
SNIPPETS = [block for block in BLOCKS if block.marker == RUN]


def test_every_code_block_is_marked():
    unmarked = [f"{block.where} (```{block.lang})" for block in BLOCKS if block.marker is None]
    assert not unmarked, f"code blocks marked neither {RUN} nor {TEMPLATE}: {unmarked}"
    not_runnable = [f"{block.where} (```{block.lang})" for block in SNIPPETS if block.lang not in RUNNABLE]
    assert not not_runnable, f"{RUN} on blocks that cannot run (mark them {TEMPLATE}): {not_runnable}"
    for page in PAGES:  # a marker that is not right above a code block is a mistake
        markers = [line for line in page.read_text(encoding="utf-8").split("\n") if line.strip() in (RUN, TEMPLATE)]
        used = sum(1 for block in BLOCKS if block.path == page and block.marker)
        assert len(markers) == used, f"{page.name}: a marker line is not above a code block"


def test_the_readme_marks_its_snippets():
    assert len(SNIPPETS) >= 8 and len(BLOCKS) > 30
    codes = "\n".join(block.code for block in SNIPPETS)
    for needle in (
        "vsum summarize vsum/demo/synthxum_sample.mp4",  # the README's command
        "AutoModel.from_pretrained(DEMO_CHECKPOINT",
        'AutoModel.from_pretrained("vsum-videoxum-tt-ca"',
        'pipeline("video-summarization", model="vsum-videoxum-tt-ca"',
        "EndpointHandler(",
        "--chapters --cutlist otio",
        'compute_v2v(scores, labels, protocol="both")',
    ):
        assert needle in codes, needle
    readme = README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 250, "the README is a front door: details go to docs/"
    first_screen = "\n".join(readme.splitlines()[:25])
    assert "No VideoXum-trained checkpoint is published yet" in first_screen
    for needle in ("scripts/convert_videoxum_checkpoint.py", "scripts/train.py", "docs/training.md"):
        assert needle in first_screen, needle
    # The install lines CI runs (.ci/run) are the README's.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for line in ("pip install --quiet torch==2.14.1 torchvision==0.29.1", 'pip install --quiet -e ".[test]"'):
        assert line in ci and line.replace(" --quiet", "") in readme, line
    assert "ruff check . && ruff format --check . && python -m pytest -q" in readme
    sections = re.findall(r'README, "([^"]+)"', ci)  # the README sections .ci/run's comments name exist
    assert sections and set(sections) <= set(re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)), sections
    for page in sorted((ROOT / "docs").glob("*.md")):  # every page is reachable from the README
        assert f"docs/{page.name}" in readme or page.name == "index.md", page.name
    # No page pretends that a Hub repository of ours exists.
    for page in PAGES:
        assert "ORG/vsum-la" not in page.read_text(encoding="utf-8"), page.name


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file."""
    text = prose(path, inline_code=True)  # heading text keeps its inline code (GitHub drops only the backticks)
    seen: dict[str, int] = {}
    result = set()
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t]*#*$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(prose(page)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        if not resolved.exists() or not resolved.is_relative_to(ROOT):
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target} (no heading #{anchor} in {resolved.name})")
    assert not broken, f"{page.name}: {broken}"


def test_the_saliency_picture_is_small_and_a_png():
    picture = ROOT / "docs" / "images" / "saliency.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size < 200_000


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    from vsum.hub import export_model
    from vsum.loading import DEMO_VIDEO, load_model_and_processor

    root = tmp_path_factory.mktemp("readme")
    shutil.copyfile(DEMO_VIDEO, root / "video.mp4")
    (root / "vsum" / "demo").mkdir(parents=True)  # the README's relative path; a plain folder, not the package
    shutil.copyfile(DEMO_VIDEO, root / "vsum" / "demo" / "synthxum_sample.mp4")
    model, processor = load_model_and_processor(None, device="cpu")  # the demo checkpoint (trained on SynthXum)
    for folder in (root / "vsum-videoxum-tt-ca", root / "outputs" / "tt_la" / "final"):
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


@pytest.mark.parametrize("block", SNIPPETS, ids=[block.where for block in SNIPPETS])
def test_snippet_runs_verbatim(block, workdir, tmp_path):
    cwd = tmp_path / "cwd"  # a fresh folder per snippet, so that what one writes cannot help another
    cwd.mkdir()
    for entry in workdir.iterdir():
        (cwd / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    env = {k: v for k, v in os.environ.items() if k not in ("VSUM_MODEL", "VSUM_ALLOW_URLS", "VSUM_ALLOWED_DIR")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(tmp_path / "hf_home"), PYTHONPATH=REPO_ROOT)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])  # the `vsum` command
    if RUNNABLE[block.lang] == "python":
        command = [sys.executable, "-c", block.code]
    else:
        command = ["bash", "-euo", "pipefail", "-c", block.code]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{block.where}:\n{block.code}\n--- stderr:\n{result.stderr[-4000:]}"
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

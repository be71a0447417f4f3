# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Assembles a folder to push as a Hugging Face Space: `python space/make_space.py OUT_DIR`.

The folder holds `app.py`, `README.md` (the Space's `sdk: gradio` header), `requirements.txt` (vsum-la's runtime
dependencies and gradio; no vsum line) and a copy of the `vsum` package next to `app.py`, symlinks resolved to plain
files (the demo checkpoint's code included). A Space runs `app.py` from its folder, so `import vsum` finds that copy:
nothing has to be installed from an unpublished package or a git URL, and the folder works offline exactly as pushed
(`hf upload ORG/SPACE OUT_DIR --repo-type space`).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path


SPACE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = SPACE_DIR.parent / "vsum"
SPACE_FILES = ("app.py", "README.md", "requirements.txt")


def make_space(out_dir: str | Path) -> Path:
    """Writes the Space folder `out_dir` (refused if it exists and is not empty); returns it."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out}: exists and is not empty; give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    for name in SPACE_FILES:
        shutil.copyfile(SPACE_DIR / name, out / name)
    shutil.copytree(PACKAGE_DIR, out / "vsum", symlinks=False, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("out_dir", help="new folder for the Space")
    args = parser.parse_args(argv)
    try:
        print(f"Space folder written to {make_space(args.out_dir)}")
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()

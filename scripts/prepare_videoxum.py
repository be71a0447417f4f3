#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Prepare a Hub copy of VideoXum as Parquet files plus a dataset card.

The official release is three JSON files (``train_videoxum.json``, ``val_videoxum.json``, ``test_videoxum.json``)
and, optionally, cached BLIP frame features (``feat/blip/<video_id>.npz``). This script builds the validated
``DatasetDict`` with :func:`vsum.data.load_videoxum` (length fixes are counted and reported, malformed records and
missing feature files are errors unless ``--skip_missing``) and then either

* writes ``<output_dir>/data/<split>-XXXXX-of-XXXXX.parquet`` and ``<output_dir>/README.md`` (a dataset card whose
  ``configs:`` maps the splits to the files), the layout that ``load_dataset("<org>/videoxum")`` reads with no code
  once the folder is uploaded (``hf upload <org>/videoxum <output_dir> --repo-type dataset``), or
* pushes the splits and the card with ``DatasetDict.push_to_hub`` (``--push_to_hub --repo_id <org>/videoxum``).

The source videos (ActivityNet) are not copied: their licence does not allow it and the ``video`` column would only
hold local paths. The output folder is written under a temporary name and renamed when complete.

Examples:

```bash
python scripts/prepare_videoxum.py --data_dir dataset/ActivityNet/anno --output_dir videoxum-parquet
python scripts/prepare_videoxum.py --data_dir dataset/ActivityNet/anno --features_dir dataset/ActivityNet/feat/blip \\
    --output_dir videoxum-blip-parquet --max_shard_size 500MB
python scripts/prepare_videoxum.py --data_dir dataset/ActivityNet/anno --push_to_hub --repo_id my-org/videoxum
```
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO_ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO_ROOT))

import datasets  # noqa: E402
from datasets.utils.py_utils import convert_file_size_to_int  # noqa: E402

from vsum.data.videoxum import (  # noqa: E402
    VIDEOXUM_CITATION,
    VIDEOXUM_DESCRIPTION,
    VIDEOXUM_HOMEPAGE,
    VIDEOXUM_SPLIT_FILES,
    load_videoxum,
)


class HubPushError(RuntimeError):
    """Raised when pushing to the Hub fails (no network, no token, no write access...)."""


def _size_category(num_rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if num_rows < limit:
            return name
    return "n>1M"


def build_dataset_card(dataset: datasets.DatasetDict, *, license: str, pretty_name: str, report: dict) -> str:
    """Return the text of the dataset card (README.md): YAML metadata with ``configs:``, description, citation."""
    from huggingface_hub import DatasetCardData

    splits = list(dataset)
    card_data = DatasetCardData(
        language=["en"],
        license=license,
        pretty_name=pretty_name,
        task_categories=["summarization", "video-text-to-text"],
        tags=["video-summarization", "cross-modal", "activitynet", "videoxum"],
        size_categories=[_size_category(sum(dataset[s].num_rows for s in splits))],
        configs=[
            {
                "config_name": "default",
                "data_files": [{"split": split, "path": f"data/{split}-*"} for split in splits],
            }
        ],
    )
    features = dataset[splits[0]].features
    rows = "\n".join(f"| `{name}` | `{feature!r}` |" for name, feature in features.items())
    sizes = "\n".join(
        f"| {s} | {dataset[s].num_rows} | {report[s]['num_records_fixed']} | {report[s]['num_skipped']} |"
        for s in splits
    )
    return f"""---
{card_data.to_yaml()}
---

# {pretty_name}

{VIDEOXUM_DESCRIPTION}
Project page: {VIDEOXUM_HOMEPAGE}. This copy was prepared from the official annotation files
({", ".join(VIDEOXUM_SPLIT_FILES[s] for s in splits)}) with `scripts/prepare_videoxum.py` of vsum-la; it loads with
`datasets.load_dataset("<this repo>")`, no code needed. The source videos (ActivityNet) are not included.

## Splits

| split | examples | records with a frame-count fix | skipped (missing file) |
|---|---|---|---|
{sizes}

Frame counts that disagreed (`vsum_onehot` length, `sampled_frames`, cached features) were truncated to the
shortest, as the official loader does; `num_frames` is the consistent length `T`.

## Fields

| field | type |
|---|---|
{rows}

`text_summary` is `"".join(tsum)` lower-cased, with `.!"()*#:;~` replaced by spaces and whitespace runs collapsed
(the official rule). `vsum_onehot` is `annotators x T` 0/1; `np.asarray(row["vsum_onehot"], dtype=np.uint8)`
gives the matrix.

## Citation

```bibtex
{VIDEOXUM_CITATION.strip()}
```
"""


def write_parquet_copy(
    dataset: datasets.DatasetDict,
    output_dir: str | os.PathLike,
    card: str,
    *,
    max_shard_size: str | int = "500MB",
    overwrite: bool = False,
) -> Path:
    """Write ``data/<split>-XXXXX-of-XXXXX.parquet`` shards and README.md, into a temporary folder then renamed."""
    output_dir = Path(output_dir).resolve()
    if output_dir.exists() and not overwrite:
        raise ValueError(f"{output_dir} already exists; pass --overwrite to replace it")
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    max_bytes = convert_file_size_to_int(max_shard_size)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".tmp", dir=output_dir.parent))
    try:
        (tmp_dir / "data").mkdir()
        for split, split_dataset in dataset.items():
            num_shards = max(1, math.ceil(split_dataset.data.nbytes / max_bytes))
            num_shards = min(num_shards, max(1, split_dataset.num_rows))
            for index in range(num_shards):
                shard = split_dataset.shard(num_shards=num_shards, index=index, contiguous=True)
                shard.to_parquet(str(tmp_dir / "data" / f"{split}-{index:05d}-of-{num_shards:05d}.parquet"))
        (tmp_dir / "README.md").write_text(card, encoding="utf-8")
        if output_dir.exists():
            old = output_dir.with_name(f".{output_dir.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(output_dir, old)
            os.replace(tmp_dir, output_dir)
            shutil.rmtree(old)
        else:
            os.replace(tmp_dir, output_dir)
    finally:
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir)
    return output_dir


def push_copy(
    dataset: datasets.DatasetDict,
    repo_id: str,
    card: str,
    *,
    private: bool = False,
    max_shard_size: str | int = "500MB",
    token: str | None = None,
) -> None:
    """Push the splits with ``DatasetDict.push_to_hub`` then the dataset card; any failure is a `HubPushError`."""
    try:
        from huggingface_hub import DatasetCard, DatasetCardData

        dataset.push_to_hub(repo_id, private=private, max_shard_size=max_shard_size, token=token)
        # push_to_hub wrote a card with `dataset_info`; keep it and add our metadata and text.
        hub_card = DatasetCard.load(repo_id, repo_type="dataset", token=token)
        ours = DatasetCard(card)
        merged = hub_card.data.to_dict()
        merged.update({k: v for k, v in ours.data.to_dict().items() if k != "configs"})
        DatasetCard(f"---\n{DatasetCardData(**merged).to_yaml()}\n---\n{ours.text}").push_to_hub(
            repo_id, repo_type="dataset", token=token
        )
    except Exception as error:  # network, authentication, permissions: all end the same way for the user
        raise HubPushError(
            f"Could not push VideoXum to the Hub repo {repo_id!r}: {type(error).__name__}: {error}. "
            "Check the network, your token (`hf auth login` or HF_TOKEN) and write access, or write a local copy "
            "with --output_dir and upload it later with `hf upload <repo_id> <output_dir> --repo-type dataset`."
        ) from error


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prepare_videoxum.py",
        description="Build VideoXum from the official JSON files and write a Parquet copy or push it to the Hub.",
    )
    parser.add_argument("--data_dir", required=True, help="folder with train/val/test_videoxum.json")
    parser.add_argument("--features_dir", help="folder of cached <video_id>.npz features (e.g. feat/blip)")
    parser.add_argument("--feature_key", default="features", help="array name in the .npz files")
    parser.add_argument("--output_dir", help="write the Parquet copy and README.md here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output_dir")
    parser.add_argument("--push_to_hub", action="store_true", help="push to the Hub repo --repo_id")
    parser.add_argument("--repo_id", help="Hub dataset repo, e.g. my-org/videoxum")
    parser.add_argument("--private", action="store_true", help="create the Hub repo as private")
    parser.add_argument("--token", help="Hub token (default: the stored login or HF_TOKEN)")
    parser.add_argument("--max_shard_size", default="500MB", help="largest Parquet shard, e.g. 500MB (default)")
    parser.add_argument("--skip_missing", action="store_true", help="skip records whose feature file is missing")
    parser.add_argument("--splits", nargs="+", choices=list(VIDEOXUM_SPLIT_FILES), help="splits to include")
    parser.add_argument("--cache_dir", help="datasets cache folder")
    parser.add_argument("--license", default="unknown", help="licence id for the card (default: unknown)")
    parser.add_argument("--pretty_name", default="VideoXum", help="dataset name shown on the card")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not args.output_dir and not args.push_to_hub:
        parser.error("give --output_dir (local Parquet copy) and/or --push_to_hub --repo_id ORG/NAME")
    if args.push_to_hub and not args.repo_id:
        parser.error("--push_to_hub needs --repo_id ORG/NAME")
    if args.repo_id and not args.push_to_hub:
        parser.error("--repo_id is only used with --push_to_hub")
    try:
        convert_file_size_to_int(args.max_shard_size)
    except ValueError:
        parser.error(f"--max_shard_size must be a size such as 500MB, got {args.max_shard_size!r}")
    if args.output_dir and Path(args.output_dir).exists() and not args.overwrite:
        parser.error(f"--output_dir {args.output_dir} already exists; pass --overwrite to replace it")

    try:
        dataset, report = load_videoxum(
            args.data_dir,
            features_dir=args.features_dir,
            feature_key=args.feature_key,
            skip_missing=args.skip_missing,
            splits=args.splits,
            cache_dir=args.cache_dir,
            output_loading_info=True,
        )
    except ValueError as error:
        print(f"prepare_videoxum.py: error: {error}", file=sys.stderr)
        return 1
    card = build_dataset_card(dataset, license=args.license, pretty_name=args.pretty_name, report=report)

    if args.output_dir:
        path = write_parquet_copy(
            dataset, args.output_dir, card, max_shard_size=args.max_shard_size, overwrite=args.overwrite
        )
        print(f"Wrote {', '.join(f'{s}: {d.num_rows}' for s, d in dataset.items())} examples to {path}")
    if args.push_to_hub:
        try:
            push_copy(
                dataset, args.repo_id, card, private=args.private, max_shard_size=args.max_shard_size, token=args.token
            )
        except HubPushError as error:
            print(f"prepare_videoxum.py: error: {error}", file=sys.stderr)
            return 1
        print(f"Pushed to https://huggingface.co/datasets/{args.repo_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

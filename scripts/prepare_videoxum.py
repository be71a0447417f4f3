#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Prepare a Hub copy of VideoXum (or of a SynthXum set in the same layout) as Parquet files plus a dataset card.

The official release is three JSON files (``train_videoxum.json``, ``val_videoxum.json``, ``test_videoxum.json``)
and, optionally, cached BLIP frame features (``feat/blip/<video_id>.npz``). This script builds the validated
``DatasetDict`` with :func:`vsum.data.load_videoxum` (malformed records are errors, see its documentation; length
fixes are counted and reported; missing feature files are errors unless ``--skip_missing``) and then either

* writes ``<output_dir>/data/<split>-XXXXX-of-XXXXX.parquet`` and ``<output_dir>/README.md`` (a dataset card whose
  ``configs:`` maps the splits to the files), the layout that ``load_dataset("<org>/videoxum")`` reads with no code
  once the folder is uploaded (``hf upload <org>/videoxum <output_dir> --repo-type dataset``), or
* pushes the splits and the card with ``DatasetDict.push_to_hub`` (``--push_to_hub --repo_id <org>/videoxum``).

The card describes the data written (:mod:`vsum.data.card`): VideoXum, or SynthXum when ``--data_dir`` holds
``synthxum_info.json`` (written by ``vsum make-synthetic``); the examples per split; and the encoder of
``frame_embeds`` when the features folder holds ``features_info.json`` (:func:`vsum.data.write_features_info`;
it is also copied next to the card). With ``--video_dir`` the videos themselves are embedded in a
``datasets.Video(decode=False)`` column (reading the bytes needs no decoder): do this for SynthXum, or for videos
you may redistribute; ActivityNet's licence does not allow copying its videos. The output folder is written under a
temporary name and replaces ``--output_dir`` only when complete (:func:`vsum.io_utils.atomic_folder`).

Examples:

```bash
python scripts/prepare_videoxum.py --data_dir dataset/ActivityNet/anno --output_dir videoxum-parquet
python scripts/prepare_videoxum.py --data_dir dataset/ActivityNet/anno --features_dir dataset/ActivityNet/feat/blip \\
    --output_dir videoxum-blip-parquet --max_shard_size 500MB
python scripts/prepare_videoxum.py --data_dir synthxum --video_dir synthxum/videos --output_dir synthxum-parquet
python scripts/prepare_videoxum.py --data_dir dataset/ActivityNet/anno --push_to_hub --repo_id my-org/videoxum
```
"""

from __future__ import annotations

import math
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO_ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO_ROOT))

import datasets  # noqa: E402
from datasets.table import embed_table_storage  # noqa: E402
from datasets.utils.py_utils import convert_file_size_to_int  # noqa: E402

from vsum.data import FEATURES_INFO_FILENAME, VIDEOXUM_SPLIT_FILES, load_videoxum, read_features_info  # noqa: E402
from vsum.data.card import build_dataset_card, describe_source  # noqa: E402
from vsum.io_utils import atomic_folder  # noqa: E402
from vsum.script_utils import ArgumentParser, run_script  # noqa: E402


class HubPushError(RuntimeError):
    """Raised when pushing to the Hub fails (no network, no token, no write access...)."""


def video_feature() -> datasets.features.features.FeatureType:
    """The feature of the ``video`` column: ``datasets.Video(decode=False)`` (bytes + path; reading a row needs no
    decoder, unlike ``Video()``, which needs torchcodec), or a plain path string on a datasets without ``Video``."""
    video = getattr(datasets, "Video", None)
    return video(decode=False) if video is not None else datasets.Value("string")


def with_video_column(dataset: datasets.DatasetDict) -> datasets.DatasetDict:
    """Cast the ``video`` path column to :func:`video_feature` (a no-op without a ``video`` column)."""
    if "video" not in dataset[next(iter(dataset))].column_names:
        return dataset
    return dataset.cast_column("video", video_feature())


def _embed_videos(split_dataset: datasets.Dataset) -> datasets.Dataset:
    # What push_to_hub does before uploading: read the files a Video column points to into the column.
    if not isinstance(split_dataset.features.get("video"), getattr(datasets, "Video", ())):
        return split_dataset
    embedded = split_dataset.with_format("arrow").map(embed_table_storage, batched=True, keep_in_memory=True)
    return embedded.with_format(None)


def write_parquet_copy(
    dataset: datasets.DatasetDict,
    output_dir: str | os.PathLike,
    card: str,
    *,
    max_shard_size: str | int = "500MB",
    overwrite: bool = False,
    features_dir: str | os.PathLike | None = None,
) -> Path:
    """Write ``data/<split>-XXXXX-of-XXXXX.parquet`` shards, README.md and (when the features folder has one) a copy
    of ``features_info.json``, into a temporary folder that then replaces `output_dir` (`atomic_folder`).

    A ``video`` column of type ``datasets.Video`` gets the video bytes embedded, as ``push_to_hub`` does."""
    output_dir = Path(output_dir).resolve()
    if output_dir.exists() and not overwrite:
        raise ValueError(f"{output_dir} already exists; pass --overwrite to replace it")
    max_bytes = convert_file_size_to_int(max_shard_size)
    with atomic_folder(output_dir) as tmp:
        tmp_dir = Path(tmp)
        (tmp_dir / "data").mkdir()
        for split, split_dataset in dataset.items():
            split_dataset = _embed_videos(split_dataset)
            num_shards = max(1, math.ceil(split_dataset.data.nbytes / max_bytes))
            num_shards = min(num_shards, max(1, split_dataset.num_rows))
            for index in range(num_shards):
                shard = split_dataset.shard(num_shards=num_shards, index=index, contiguous=True)
                shard.to_parquet(str(tmp_dir / "data" / f"{split}-{index:05d}-of-{num_shards:05d}.parquet"))
        (tmp_dir / "README.md").write_text(card, encoding="utf-8")
        if features_dir is not None and (Path(features_dir) / FEATURES_INFO_FILENAME).is_file():
            shutil.copyfile(Path(features_dir) / FEATURES_INFO_FILENAME, tmp_dir / FEATURES_INFO_FILENAME)
    return output_dir


def push_copy(
    dataset: datasets.DatasetDict,
    repo_id: str,
    card: str,
    *,
    private: bool = False,
    max_shard_size: str | int = "500MB",
    token: str | None = None,
    features_dir: str | os.PathLike | None = None,
) -> None:
    """Push the splits with ``DatasetDict.push_to_hub`` (which embeds the videos of a ``Video`` column), the dataset
    card, and ``features_info.json`` when the features folder has one; any failure is a `HubPushError`."""
    try:
        from huggingface_hub import DatasetCard, DatasetCardData, HfApi

        dataset.push_to_hub(repo_id, private=private, max_shard_size=max_shard_size, token=token)
        # push_to_hub wrote a card with `dataset_info`; keep it and add our metadata and text.
        hub_card = DatasetCard.load(repo_id, repo_type="dataset", token=token)
        ours = DatasetCard(card)
        merged = hub_card.data.to_dict()
        merged.update({k: v for k, v in ours.data.to_dict().items() if k != "configs"})
        DatasetCard(f"---\n{DatasetCardData(**merged).to_yaml()}\n---\n{ours.text}").push_to_hub(
            repo_id, repo_type="dataset", token=token
        )
        info_path = Path(features_dir) / FEATURES_INFO_FILENAME if features_dir is not None else None
        if info_path is not None and info_path.is_file():
            HfApi(token=token).upload_file(
                path_or_fileobj=str(info_path),
                path_in_repo=FEATURES_INFO_FILENAME,
                repo_id=repo_id,
                repo_type="dataset",
                commit_message="Add features_info.json (encoder of frame_embeds)",
            )
    except Exception as error:  # network, authentication, permissions: all end the same way for the user
        raise HubPushError(
            f"Could not push VideoXum to the Hub repo {repo_id!r}: {type(error).__name__}: {error}. "
            "Check the network, your token (`hf auth login` or HF_TOKEN) and write access, or write a local copy "
            "with --output_dir and upload it later with `hf upload <repo_id> <output_dir> --repo-type dataset`."
        ) from error


def _build_parser() -> ArgumentParser:
    """One-line errors with "did you mean" hints (vsum.script_utils); `--over` must not silently mean --overwrite."""
    parser = ArgumentParser(
        prog="prepare_videoxum.py",
        description="Build VideoXum (or SynthXum) from the JSON files and write a Parquet copy or push it to the Hub.",
    )
    parser.add_argument("--data_dir", required=True, help="folder with train/val/test_videoxum.json")
    parser.add_argument("--features_dir", help="folder of cached <video_id>.npz features (e.g. feat/blip)")
    parser.add_argument("--feature_key", default="features", help="array name in the .npz files (default: features)")
    parser.add_argument(
        "--video_dir",
        help="folder of the videos: embeds them in a datasets.Video(decode=False) column (only videos you may "
        "redistribute, e.g. SynthXum's; not ActivityNet's)",
    )
    parser.add_argument("--output_dir", help="write the Parquet copy and README.md here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output_dir")
    parser.add_argument("--push_to_hub", action="store_true", help="push to the Hub repo --repo_id")
    parser.add_argument("--repo_id", help="Hub dataset repo, e.g. my-org/videoxum")
    parser.add_argument("--private", action="store_true", help="create the Hub repo as private")
    parser.add_argument("--token", help="Hub token (default: the stored login or HF_TOKEN)")
    parser.add_argument("--max_shard_size", default="500MB", help="largest Parquet shard (default: 500MB)")
    parser.add_argument("--skip_missing", action="store_true", help="skip records whose video/feature file is missing")
    parser.add_argument(
        "--length_mismatch",
        choices=["error", "truncate"],
        default="truncate",
        help="labels and features whose lengths disagree by more than --frame_tolerance: cut to the shortest with one "
        "warning, as the official loader does (default), or refuse",
    )
    parser.add_argument(
        "--frame_tolerance", type=int, default=2, help="frame-count difference fixed without an error (default: 2)"
    )
    parser.add_argument("--splits", nargs="+", choices=list(VIDEOXUM_SPLIT_FILES), help="splits to include")
    parser.add_argument("--cache_dir", help="datasets cache folder")
    parser.add_argument("--license", default="unknown", help="licence id for the card (default: unknown)")
    parser.add_argument("--pretty_name", help="dataset name shown on the card (default: VideoXum or SynthXum)")
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
    if args.frame_tolerance < 0:
        parser.error(f"--frame_tolerance must be >= 0, got {args.frame_tolerance}")
    if args.output_dir and Path(args.output_dir).exists() and not args.overwrite:
        parser.error(f"--output_dir {args.output_dir} already exists; pass --overwrite to replace it")

    try:
        source = describe_source(args.data_dir)
        features_info = read_features_info(args.features_dir) if args.features_dir else None
        dataset, report = load_videoxum(
            args.data_dir,
            video_dir=args.video_dir,
            features_dir=args.features_dir,
            feature_key=args.feature_key,
            skip_missing=args.skip_missing,
            splits=args.splits,
            cache_dir=args.cache_dir,
            frame_tolerance=args.frame_tolerance,
            length_mismatch=args.length_mismatch,
            output_loading_info=True,
        )
    except ValueError as error:
        print(f"prepare_videoxum.py: error: {error}", file=sys.stderr)
        return 1
    dataset = with_video_column(dataset)
    card = build_dataset_card(
        dataset,
        report,
        source=source,
        features_info=features_info,
        has_frame_embeds=args.features_dir is not None,
        videos_embedded=args.video_dir is not None and isinstance(video_feature(), getattr(datasets, "Video", ())),
        license=args.license,
        pretty_name=args.pretty_name,
    )

    if args.output_dir:
        path = write_parquet_copy(
            dataset,
            args.output_dir,
            card,
            max_shard_size=args.max_shard_size,
            overwrite=args.overwrite,
            features_dir=args.features_dir,
        )
        print(f"Wrote {source.name}: {', '.join(f'{s}: {d.num_rows}' for s, d in dataset.items())} examples to {path}")
    if args.push_to_hub:
        try:
            push_copy(
                dataset,
                args.repo_id,
                card,
                private=args.private,
                max_shard_size=args.max_shard_size,
                token=args.token,
                features_dir=args.features_dir,
            )
        except HubPushError as error:
            print(f"prepare_videoxum.py: error: {error}", file=sys.stderr)
            return 1
        print(f"Pushed to https://huggingface.co/datasets/{args.repo_id}")
    return 0


if __name__ == "__main__":
    sys.exit(run_script(main))  # other bad paths (OSError): one line, exit code 1 (VSUM_DEBUG=1: traceback)

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""TVSum and SumMe in the canonical HDF5 layout (Zhang et al., ECCV 2016; the files DSNet, PGL-SUM and CA-SUM use),
their 5-fold split files, TVSum's per-user scores, and a synthetic generator in exactly that layout.

**The HDF5 file** (`eccv16_dataset_tvsum_google_pool5.h5`, `eccv16_dataset_summe_google_pool5.h5`) has one group
per video (`video_1`, `video_2`, ...) with:

| dataset | shape | meaning |
| --- | --- | --- |
| `features` | (n_steps, D) | frame features at the sampled frames (GoogLeNet pool5, D = 1024) |
| `gtscore` | (n_steps,) | mean user importance at the sampled frames |
| `gtsummary` | (n_steps,) | a keyshot summary of `gtscore` at the sampled frames (0/1) |
| `user_summary` | (n_users, n_frames) | each user's summary over all frames (0/1) |
| `change_points` | (n_segs, 2) | shots `[first, last]` (inclusive) tiling frames `0..n_frames-1` |
| `n_frame_per_seg` | (n_segs,) | `last - first + 1` of each shot |
| `n_frames` | scalar | frames of the video |
| `picks` | (n_steps,) | the sampled frames (every 15th), increasing |
| `n_steps` | scalar | number of sampled frames (optional: `len(picks)`) |
| `video_name` | scalar string | optional: the original name (TVSum: the YouTube id) |
| `user_scores` | (n_users, n_frames) | optional: per-user importance scores (some TVSum files, Otani et al.) |

**TVSum's per-user scores** (for Kendall's tau / Spearman's rho) are not in the eccv16 file: they come from TVSum's
own `ydata-anno.tsv` (`ydata-tvsum50-anno.tsv`: one row per user and video, `video_id <TAB> category <TAB>
s1,s2,...` with one score 1-5 per frame, 20 users per video), which CA-SUM reads; each row is divided by its max
(CA-SUM). [`read_tvsum_annotations`] maps the rows to the file's videos by `video_name` where the h5 has it, else by
order of first appearance (`video_1` is the first id in the tsv, as CA-SUM maps them). A `user_scores` dataset in
the h5 (same shape) is used as is.

**Split files**: PGL-SUM's JSON (`[{"train_keys": ["video_1", ...], "test_keys": [...]}, ...]`) or DSNet's YAML
(the same list, keys as `"../datasets/eccv16_dataset_tvsum_google_pool5.h5/video_1"`: the h5 file's name must match).

>>> import tempfile, os
>>> out = make_synthetic_keyshot(tempfile.mkdtemp(), "summe", num_videos=5, feature_dim=8, seed=0)
>>> data = load_keyshot(out.h5_path, out.split_path, fold=0)
>>> sorted(data), data["test"].num_rows, data["test"][0]["benchmark"]
(['test', 'train'], 1, 'summe')
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..metrics.keyshot import KEYSHOT_PROPORTION, check_video, knapsack


#: Datasets every video group must hold.
REQUIRED_FIELDS = (
    "features",
    "gtscore",
    "gtsummary",
    "user_summary",
    "change_points",
    "n_frame_per_seg",
    "n_frames",
    "picks",
)
#: The benchmarks, recognised from the h5 file's name; each has its F-score reduction (vsum.metrics.keyshot).
BENCHMARKS = ("tvsum", "summe")


def _benchmark_of(path: Path, benchmark: str | None) -> str:
    if benchmark is not None:
        if benchmark not in BENCHMARKS:
            raise ValueError(f"benchmark must be one of {BENCHMARKS}, got {benchmark!r}")
        return benchmark
    found = [name for name in BENCHMARKS if name in path.name.lower()]
    if len(found) != 1:
        raise ValueError(f"{path}: cannot tell TVSum from SumMe by the file name; pass benchmark='tvsum' or 'summe'")
    return found[0]


def _read_video(group, path: Path, key: str) -> dict:
    """One video group, validated: every problem is a one-line ValueError naming the file, the video and the field."""

    def fail(field: str, reason: str):
        raise ValueError(f"{path}: {key}: {field}: {reason}")

    for field in REQUIRED_FIELDS:
        if field not in group:
            fail(field, "missing")
    raw = {field: np.asarray(group[field][()]) for field in REQUIRED_FIELDS}
    for field in ("n_steps", "user_scores"):
        if field in group:
            raw[field] = np.asarray(group[field][()])
    for field, value in raw.items():
        if not np.issubdtype(value.dtype, np.number) and value.dtype != bool:
            fail(field, f"must be numeric, got dtype {value.dtype}")
        if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
            fail(field, "has NaN or inf values")
    if raw["n_frames"].size != 1:
        fail("n_frames", f"must be a scalar, got shape {raw['n_frames'].shape}")
    n_frames = int(raw["n_frames"].reshape(()))
    if n_frames < 1:
        fail("n_frames", f"must be >= 1, got {n_frames}")
    features = raw["features"]
    if features.ndim != 2 or features.shape[0] < 1 or features.shape[1] < 1:
        fail("features", f"must have shape (n_steps, dim), got {features.shape}")
    n_steps = features.shape[0]
    if "n_steps" in raw and (raw["n_steps"].size != 1 or int(raw["n_steps"].reshape(())) != n_steps):
        fail("n_steps", f"is {raw['n_steps'].tolist()} but features have {n_steps} rows")
    for field in ("gtscore", "gtsummary", "picks"):
        if raw[field].shape != (n_steps,):
            fail(field, f"must have shape ({n_steps},) (one per row of features), got {raw[field].shape}")
    if not np.isin(raw["gtsummary"], (0, 1)).all():
        fail("gtsummary", "must be 0/1")
    user_summary = raw["user_summary"]
    if user_summary.ndim != 2 or user_summary.shape[0] < 1 or user_summary.shape[1] != n_frames:
        fail("user_summary", f"must have shape (n_users, {n_frames}) (n_frames), got {user_summary.shape}")
    if not np.isin(user_summary, (0, 1)).all():
        fail("user_summary", "must be 0/1")
    cps, nfps, picks = raw["change_points"], raw["n_frame_per_seg"], raw["picks"]
    # picks, change_points and n_frame_per_seg: the protocol's own checks (vsum.metrics.keyshot.check_video).
    check_video(raw["gtscore"], cps, n_frames, nfps, picks, where=f"{path}: {key}: ")
    user_scores = raw.get("user_scores")
    if user_scores is not None and (user_scores.ndim != 2 or user_scores.shape[1] != n_frames):
        fail("user_scores", f"must have shape (n_users, {n_frames}) (n_frames), got {user_scores.shape}")
    name = ""
    if "video_name" in group:
        name = group["video_name"][()]
        name = name.decode() if isinstance(name, bytes) else str(name.item() if hasattr(name, "item") else name)
        name = name.decode() if isinstance(name, bytes) else name
    return {
        "video_key": key,
        "video_name": name,
        "features": features.astype(np.float32),
        "gtscore": raw["gtscore"].astype(np.float32),
        "gtsummary": raw["gtsummary"].astype(np.uint8),
        "user_summary": user_summary.astype(np.uint8),
        "user_scores": (np.zeros((0, n_frames), np.float32) if user_scores is None else user_scores.astype(np.float32)),
        "change_points": cps.astype(np.int64),
        "n_frame_per_seg": nfps.astype(np.int64),
        "n_frames": n_frames,
        "picks": picks.astype(np.int64),
        "n_steps": n_steps,
    }


def read_keyshot_h5(h5_path: str | os.PathLike, keys: Sequence[str] | None = None) -> list[dict]:
    """The validated videos (dicts of numpy arrays, as in the module docstring) of a canonical h5 file, in the
    file's order (`video_1`, `video_2`, ... numerically), or those of `keys`."""
    import h5py

    path = Path(h5_path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file (download it, see docs/keyshot.md)")
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"{path}: not a readable HDF5 file ({error})") from None
    with handle:
        available = [key for key in handle if isinstance(handle[key], h5py.Group)]
        if not available:
            raise ValueError(f"{path}: no video group")
        if keys is None:
            keys = sorted(available, key=_natural_key)
        missing = [key for key in keys if key not in handle]
        if missing:
            raise ValueError(f"{path}: {missing[0]}: no such video ({len(missing)} split keys missing)")
        return [_read_video(handle[key], path, key) for key in keys]


def _natural_key(key: str):
    head, _, tail = key.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (key, -1)


def read_tvsum_annotations(tsv_path: str | os.PathLike) -> dict[str, np.ndarray]:
    """TVSum's `ydata-anno.tsv`: `{video_id: (n_users, n_frames) float32}`, each user's row divided by its max
    (CA-SUM), the ids in the file's order (the eccv16 file's `video_i` is the i-th id)."""
    path = Path(tsv_path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    rows: dict[str, list[np.ndarray]] = {}
    with open(path, newline="") as handle:
        for line_number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row:
                continue
            try:
                scores = np.array([float(value) for value in row[2].split(",")], dtype=np.float64)
            except (IndexError, ValueError):
                raise ValueError(f"{path}: line {line_number}: expected 'id<TAB>category<TAB>s1,s2,...'") from None
            if not np.isfinite(scores).all() or scores.max(initial=-1) <= 0:
                raise ValueError(f"{path}: line {line_number}: scores must be finite with a positive max")
            rows.setdefault(row[0], []).append(scores / scores.max())
    out = {}
    for video_id, users in rows.items():
        if len({len(user) for user in users}) != 1:
            raise ValueError(f"{path}: {video_id}: users scored different numbers of frames")
        out[video_id] = np.stack(users).astype(np.float32)
    if not out:
        raise ValueError(f"{path}: no annotation row")
    return out


def attach_user_scores(videos: list[dict], annotations: dict[str, np.ndarray], source: str = "") -> None:
    """Sets each video's `user_scores` from [`read_tvsum_annotations`]: matched by `video_name` when every video
    has one found in the annotations, else the i-th annotated id goes to `video_i`."""
    by_name = all(video["video_name"] in annotations for video in videos)
    ordered = list(annotations.values())
    for video in videos:
        if by_name:
            scores = annotations[video["video_name"]]
        else:
            head, _, tail = video["video_key"].rpartition("_")
            if not tail.isdigit() or not 1 <= int(tail) <= len(ordered):
                raise ValueError(f"{source}: {video['video_key']}: no annotation (by video_name or position)")
            scores = ordered[int(tail) - 1]
        if scores.shape[1] != video["n_frames"]:
            raise ValueError(
                f"{source}: {video['video_key']}: user_scores: {scores.shape[1]} frames annotated, "
                f"n_frames is {video['n_frames']}"
            )
        video["user_scores"] = scores


def read_splits(split_path: str | os.PathLike, h5_name: str | None = None) -> list[dict[str, list[str]]]:
    """The folds of a split file (PGL-SUM's JSON or DSNet's YAML): `[{"train_keys": [...], "test_keys": [...]}]`
    with plain video keys. DSNet's `"path/to/<file>.h5/video_1"` keys must name `h5_name` when it is given."""
    path = Path(split_path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    text = path.read_text()
    try:
        if path.suffix.lower() in (".yml", ".yaml"):
            import yaml

            folds = yaml.safe_load(text)
        else:
            folds = json.loads(text)
    except Exception as error:  # noqa: BLE001 - any parse error becomes one line naming the file
        raise ValueError(
            f"{path}: not a valid split file ({type(error).__name__}: {str(error).splitlines()[0]})"
        ) from None
    if not isinstance(folds, list) or not folds:
        raise ValueError(f"{path}: expected a list of folds with train_keys and test_keys")
    out = []
    for index, fold in enumerate(folds):
        if not isinstance(fold, dict) or not all(
            isinstance(fold.get(name), list) for name in ("train_keys", "test_keys")
        ):
            raise ValueError(f"{path}: fold {index}: needs lists 'train_keys' and 'test_keys'")
        clean = {}
        for name in ("train_keys", "test_keys"):
            keys = []
            for key in fold[name]:
                file_name, _, video = str(key).rpartition("/")
                if file_name and h5_name is not None and Path(file_name).name != h5_name:
                    raise ValueError(f"{path}: fold {index}: {name}: {key} is a video of another file than {h5_name}")
                keys.append(video)
            clean[name] = keys
        if set(clean["train_keys"]) & set(clean["test_keys"]):
            raise ValueError(f"{path}: fold {index}: a video is in both train_keys and test_keys")
        out.append(clean)
    return out


def _features(videos: list[dict]):
    import datasets

    dim = videos[0]["features"].shape[1] if videos else 1024
    return datasets.Features(
        {
            "video_key": datasets.Value("string"),
            "video_name": datasets.Value("string"),
            "benchmark": datasets.Value("string"),
            "features": datasets.Array2D(shape=(None, dim), dtype="float32"),
            "gtscore": datasets.Sequence(datasets.Value("float32")),
            "gtsummary": datasets.Sequence(datasets.Value("uint8")),
            "user_summary": datasets.Sequence(datasets.Sequence(datasets.Value("uint8"))),
            "user_scores": datasets.Sequence(datasets.Sequence(datasets.Value("float32"))),
            "change_points": datasets.Array2D(shape=(None, 2), dtype="int64"),
            "n_frame_per_seg": datasets.Sequence(datasets.Value("int64")),
            "n_frames": datasets.Value("int64"),
            "picks": datasets.Sequence(datasets.Value("int64")),
            "n_steps": datasets.Value("int64"),
        }
    )


def load_keyshot(
    h5_path: str | os.PathLike,
    split_file: str | os.PathLike | None = None,
    fold: int = 0,
    *,
    user_scores_tsv: str | os.PathLike | None = None,
    benchmark: str | None = None,
):
    """A `datasets.DatasetDict` of a canonical h5 file: `"train"` and `"test"` of fold `fold` of `split_file`, or
    `"all"` (every video) without a split file. Columns: `video_key`, `video_name`, `benchmark` ("tvsum" or
    "summe", from the file name unless given), and the h5 fields (`features`, `gtscore`, `gtsummary`,
    `user_summary`, `user_scores` (empty without per-user scores), `change_points`, `n_frame_per_seg`, `n_frames`,
    `picks`, `n_steps`). Use `.with_format("numpy")` for arrays; `vsum.metrics.keyshot.evaluate_keyshot` scores
    predictions against the test split.

    Args:
        h5_path: the h5 file.
        split_file: PGL-SUM's JSON or DSNet's YAML split file.
        fold: the fold (0-based).
        user_scores_tsv: TVSum's `ydata-anno.tsv`, for the rank correlations against per-user scores.
        benchmark: "tvsum" or "summe" when the file name does not say.
    """
    import datasets

    path = Path(h5_path)
    benchmark = _benchmark_of(path, benchmark)
    if split_file is None:
        parts = {"all": None}
    else:
        folds = read_splits(split_file, h5_name=path.name)
        if isinstance(fold, bool) or not isinstance(fold, int) or not 0 <= fold < len(folds):
            raise ValueError(f"{split_file}: fold must be an integer in [0, {len(folds)}), got {fold!r}")
        parts = {"train": folds[fold]["train_keys"], "test": folds[fold]["test_keys"]}
    annotations = None if user_scores_tsv is None else read_tvsum_annotations(user_scores_tsv)
    out = {}
    for split, keys in parts.items():
        videos = read_keyshot_h5(path, keys)
        if annotations is not None:
            attach_user_scores(videos, annotations, source=str(user_scores_tsv))
        for video in videos:
            video["benchmark"] = benchmark
        out[split] = datasets.Dataset.from_list(videos, features=_features(videos))
    return datasets.DatasetDict(out)


# ---------------------------------------------------------------------------------------------------- synthetic


@dataclass
class SyntheticKeyshotResult:
    """What [`make_synthetic_keyshot`] wrote."""

    h5_path: Path
    split_path: Path
    yaml_split_path: Path
    annotations_path: Path | None
    num_videos: int


def _keyshot_mask(values, cps, n_frames: int) -> np.ndarray:
    """A 0/1 frame mask: the shots chosen by the knapsack within 15 % of the frames, shot value `values`."""
    nfps = cps[:, 1] - cps[:, 0] + 1
    mask = np.zeros(n_frames, dtype=np.uint8)
    for shot in knapsack(
        np.round(1000 * np.asarray(values)).astype(np.int64), nfps, int(n_frames * KEYSHOT_PROPORTION)
    ):
        mask[cps[shot, 0] : cps[shot, 1] + 1] = 1
    return mask


def make_synthetic_keyshot(
    out_dir: str | os.PathLike,
    benchmark: str = "tvsum",
    num_videos: int = 10,
    *,
    seed: int = 0,
    feature_dim: int = 1024,
    min_frames: int = 300,
    max_frames: int = 1200,
    num_users: int | None = None,
    num_folds: int = 5,
    overwrite: bool = False,
) -> SyntheticKeyshotResult:
    """Write `synthetic_<benchmark>.h5` in the canonical layout (module docstring), its 5-fold split files
    (`synthetic_<benchmark>_splits.json`, PGL-SUM's layout; `synthetic_<benchmark>.yml`, DSNet's) and, for TVSum,
    `ydata-anno.tsv` (per-user scores 1-5 per frame).

    Each video has shots of 1/40 to 1/8 of its frames; each shot has a hidden importance in [0, 1]. A step's features are its
    shot's random prototype plus `importance` times a fixed direction plus noise, so importance is learnable from
    the features. A user's score of a shot is the importance plus the user's noise, quantised to 1-5 (TVSum); a
    user's summary is the keyshot knapsack (15 %) over the user's noisy shot values (both benchmarks). `gtscore` is
    the users' mean score at the picks (in [0, 1]); `gtsummary` the knapsack summary of `gtscore` at the picks.
    Deterministic for a given `seed`.
    """
    import h5py

    benchmark = _benchmark_of(Path(f"x_{benchmark}"), benchmark)
    if not 2 <= num_folds <= num_videos:
        raise ValueError(f"num_videos ({num_videos}) must be >= num_folds ({num_folds}) >= 2")
    if not 30 <= min_frames <= max_frames:
        raise ValueError(f"need 30 <= min_frames <= max_frames, got {min_frames} and {max_frames}")
    if feature_dim < 2:
        raise ValueError(f"feature_dim must be >= 2, got {feature_dim}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    h5_path = out / f"synthetic_{benchmark}.h5"
    if h5_path.exists() and not overwrite:
        raise ValueError(f"{h5_path} exists; pass overwrite=True to replace it")
    rng = np.random.default_rng(seed)
    num_users = num_users or (20 if benchmark == "tvsum" else 15)
    direction = rng.standard_normal(feature_dim).astype(np.float32)
    annotation_rows = []
    with h5py.File(h5_path, "w") as handle:
        for index in range(1, num_videos + 1):
            n_frames = int(rng.integers(min_frames, max_frames + 1))
            # Shots of 1/40 to 1/8 of the video (25-125 frames at 1000 frames, like KTS shots of TVSum).
            shortest, longest = max(2, n_frames // 40), max(4, n_frames // 8)
            bounds = [0]
            while bounds[-1] < n_frames:
                bounds.append(min(n_frames, bounds[-1] + int(rng.integers(shortest, longest + 1))))
            if len(bounds) > 2 and bounds[-1] - bounds[-2] < shortest:
                del bounds[-2]  # no stub shot at the end
            cps = np.array([[a, b - 1] for a, b in zip(bounds[:-1], bounds[1:])], dtype=np.int64)
            importance = rng.random(len(cps))
            shot_of_frame = np.repeat(np.arange(len(cps)), cps[:, 1] - cps[:, 0] + 1)
            picks = np.arange(0, n_frames, 15, dtype=np.int64)
            prototypes = rng.standard_normal((len(cps), feature_dim)).astype(np.float32)
            shots = shot_of_frame[picks]
            features = (
                prototypes[shots]
                + 2.0 * importance[shots, None].astype(np.float32) * direction
                + 0.3 * rng.standard_normal((len(picks), feature_dim)).astype(np.float32)
            )
            noise = rng.uniform(0.05, 0.3, size=num_users)
            user_values = np.clip(importance + noise[:, None] * rng.standard_normal((num_users, len(cps))), 0, 1)
            user_levels = 1 + np.round(4 * user_values)  # 1-5, as TVSum's annotators
            user_frame_scores = user_levels[:, shot_of_frame]
            user_summary = np.stack([_keyshot_mask(values, cps, n_frames) for values in user_values])
            gtscore = (user_frame_scores[:, picks] / 5.0).mean(axis=0).astype(np.float32)
            gtsummary = _keyshot_mask(
                [gtscore[shots == shot].mean() if (shots == shot).any() else 0.0 for shot in range(len(cps))],
                cps,
                n_frames,
            )[picks]
            group = handle.create_group(f"video_{index}")
            group["features"] = features
            group["gtscore"] = gtscore
            group["gtsummary"] = gtsummary.astype(np.float32)
            group["user_summary"] = user_summary.astype(np.float32)
            group["change_points"] = cps
            group["n_frame_per_seg"] = cps[:, 1] - cps[:, 0] + 1
            group["n_frames"] = n_frames
            group["picks"] = picks
            group["n_steps"] = len(picks)
            name = f"synth{benchmark}{index:03d}"
            group["video_name"] = name
            if benchmark == "tvsum":
                for user in range(num_users):
                    scores = ",".join(str(int(level)) for level in user_frame_scores[user])
                    annotation_rows.append(f"{name}\tsynthetic\t{scores}\n")
    annotations_path = None
    if benchmark == "tvsum":
        annotations_path = out / "ydata-anno.tsv"
        annotations_path.write_text("".join(annotation_rows))
    keys = [f"video_{index}" for index in range(1, num_videos + 1)]
    order = rng.permutation(num_videos)
    folds = []
    for fold in range(num_folds):
        test = sorted((keys[i] for i in order[fold::num_folds]), key=_natural_key)
        folds.append({"train_keys": [key for key in keys if key not in test], "test_keys": test})
    split_path = out / f"synthetic_{benchmark}_splits.json"
    split_path.write_text(json.dumps(folds, indent=2) + "\n")
    yaml_split_path = out / f"synthetic_{benchmark}.yml"
    yaml_lines = []
    for fold in folds:
        for name in ("train_keys", "test_keys"):
            prefix = "- " if name == "train_keys" else "  "
            yaml_lines.append(f"{prefix}{name}:\n")
            yaml_lines += [f"  - {h5_path.name}/{key}\n" for key in fold[name]]
    yaml_split_path.write_text("".join(yaml_lines))
    return SyntheticKeyshotResult(h5_path, split_path, yaml_split_path, annotations_path, num_videos)


__all__ = [
    "BENCHMARKS",
    "REQUIRED_FIELDS",
    "SyntheticKeyshotResult",
    "attach_user_scores",
    "load_keyshot",
    "make_synthetic_keyshot",
    "read_keyshot_h5",
    "read_splits",
    "read_tvsum_annotations",
]

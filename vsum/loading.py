# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""One loader for every entry point: training, evaluation, feature extraction, the CLI, the Space, benchmarks.

`load_model_and_processor(name_or_path)` accepts

- `None`: `$VSUM_MODEL`, else the demo checkpoint shipped with the package ([`DEMO_CHECKPOINT`]; synthetic shapes
  only);
- `"tiny"`: a tiny random model whose tokenizer covers the SynthXum words (tests, smoke runs);
- a vsum checkpoint (local folder or Hub id, `model_type: "vsum"`);
- a BLIP captioning checkpoint (`model_type: "blip"`, e.g. `Salesforce/blip-image-captioning-base`): the ViT and
  text decoder are copied with [`VsumModel.from_blip`], the temporal modules start fresh.

vsum checkpoints load with the installed vsum classes. The checkpoint's own remote code runs only when the caller
passes `trust_remote_code=True` (the `--trust-remote-code` flag): that is an explicit choice to execute code from
the checkpoint, never the default.

Weights are read from safetensors files only, never from pickles (`pytorch_model.bin`). A local folder's files are
checked before any library reads them ([`check_weight_files`]: a corrupt or truncated file, or an index naming a pickle
or a file outside the folder, is a one-line `ValueError` naming it), and a vsum checkpoint must match its config
exactly: missing, unexpected or differently shaped weights are refused instead of starting as random layers.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from .devices import DTYPES, resolve_device, resolve_dtype  # noqa: F401  (re-exported: the loader's API)


#: The demo checkpoint shipped in the package (a tiny model trained on SynthXum; it knows only synthetic shapes).
DEMO_CHECKPOINT = Path(__file__).parent / "demo" / "checkpoint"
#: The sample video shipped in the package (a SynthXum test video).
DEMO_VIDEO = Path(__file__).parent / "demo" / "synthxum_sample.mp4"
#: Environment variable naming the default model.
MODEL_ENV = "VSUM_MODEL"
TINY_MODEL_NAME = "tiny"
#: Architecture fields of `VsumConfig`: they cannot be overridden when loading trained weights.
ARCHITECTURE_FIELDS = ("temporal_num_layers", "local_attention_window", "local_attention_type")

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
#: transformers' names of a checkpoint's weights: one safetensors file, or an index of safetensors shards.
SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
#: File endings of pickle weights (`pytorch_model.bin`, `*.pt`, ...): named in errors, never loaded.
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".bin.index.json")
#: Keys listed per kind in a weights-vs-config error.
_MAX_LISTED_KEYS = 5


def _weightless_folder_message(folder: str) -> str:
    pickles = sorted(entry for entry in os.listdir(folder) if entry.endswith(_PICKLE_SUFFIXES))
    message = f"{folder}: model folder without weights (no {SAFE_WEIGHTS_NAME} or {SAFE_WEIGHTS_INDEX_NAME})"
    if pickles:
        message += (
            f"; it holds pickle weights ({', '.join(pickles)}), which vsum never loads (a pickle can run code): "
            "convert them to safetensors"
        )
    return message


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _check_safetensors_file(path: Path) -> None:
    """Reads the header of a safetensors file: it fails on a truncated, padded or foreign file, since the header must
    describe every byte of the file."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(path, framework="pt") as f:
            f.keys()
    except (SafetensorError, OSError) as error:
        raise ValueError(
            f"{path}: not a valid safetensors file ({_first_line(error)}); it is corrupt or was not completely "
            "written or downloaded"
        ) from None


def _index_shards(index: Path) -> list[Path]:
    """The shard files named by a `model.safetensors.index.json`, each checked to be a safetensors file in the folder."""
    try:
        data = json.loads(index.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{index}: not valid JSON ({_first_line(error)})") from None
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        raise ValueError(f"{index}: 'weight_map' must map tensor names to file names, got {type(weight_map).__name__}")
    names = sorted(set(weight_map.values()))
    if not names:
        raise ValueError(f"{index}: 'weight_map' names no weight file")
    shards = []
    for name in names:
        if os.path.basename(name) != name or name in (".", ".."):
            raise ValueError(f"{index}: weight file {name!r} is not a file name in the folder")
        if not name.endswith(".safetensors"):
            raise ValueError(
                f"{index}: weight file {name!r} is not a .safetensors file; vsum never loads pickle weights"
            )
        if not (index.parent / name).is_file():
            raise ValueError(f"{index}: weight file {name!r} does not exist")
        shards.append(index.parent / name)
    return shards


def check_weight_files(folder: str | os.PathLike) -> list[Path]:
    """Checks a local checkpoint folder's weights before any library reads them and returns the files that will be
    read: `model.safetensors` (which transformers prefers), else the shards of `model.safetensors.index.json`.

    Raises:
        `ValueError`: naming the file and the reason: no safetensors weights (pickle weights are never a fallback),
        an index that is not JSON or names a pickle, a missing file or one outside the folder, or a safetensors file
        whose header does not describe the file (corrupt, truncated, not safetensors).
    """
    folder = Path(folder)
    if (folder / SAFE_WEIGHTS_NAME).is_file():
        files = [folder / SAFE_WEIGHTS_NAME]
    elif (folder / SAFE_WEIGHTS_INDEX_NAME).is_file():
        files = _index_shards(folder / SAFE_WEIGHTS_INDEX_NAME)
    else:
        raise ValueError(_weightless_folder_message(os.fspath(folder)))
    for path in files:
        _check_safetensors_file(path)
    return files


@contextlib.contextmanager
def _library_errors(name: str):
    """Turns what transformers and safetensors raise while loading into one line naming the model."""
    from safetensors import SafetensorError

    try:
        yield
    except (OSError, RuntimeError, SafetensorError, ValueError) as error:
        raise ValueError(f"{name}: cannot load the model ({_first_line(error)})") from None


def _check_loading_info(name: str, info: dict[str, Any]) -> None:
    """Refuses a checkpoint whose weights do not match its config: transformers would start the missing and
    differently shaped weights at random and drop the unexpected ones, with only a log line."""

    def listed(keys) -> str:
        keys = sorted(keys)
        more = f", ... {len(keys) - _MAX_LISTED_KEYS} more" if len(keys) > _MAX_LISTED_KEYS else ""
        return ", ".join(keys[:_MAX_LISTED_KEYS]) + more

    problems = []
    for kind in ("missing", "unexpected"):
        keys = info.get(f"{kind}_keys") or ()
        if keys:
            problems.append(f"{len(keys)} {kind} ({listed(keys)})")
    mismatched = info.get("mismatched_keys") or ()
    if mismatched:
        shapes = sorted(
            f"{key}: {tuple(saved)} saved, {tuple(built)} in the config" for key, saved, built in mismatched
        )
        problems.append(f"{len(shapes)} of another shape ({listed(shapes)})")
    if problems:
        raise ValueError(
            f"{name}: the weights do not match the model its config.json describes: {'; '.join(problems)}. "
            "The config was edited or belongs to another checkpoint"
        )


def resolve_model_name(name_or_path: str | os.PathLike | None) -> str:
    """The model to load: `name_or_path`, else `$VSUM_MODEL`, else the demo checkpoint. A local folder is checked
    here (it exists, has a config and weights) so that a typo gives one clear line, not a Hub error."""
    name = os.fspath(name_or_path) if name_or_path else (os.environ.get(MODEL_ENV) or str(DEMO_CHECKPOINT))
    if name == TINY_MODEL_NAME:
        return name
    if os.path.isdir(name):
        if not os.path.isfile(os.path.join(name, "config.json")):
            raise ValueError(f"{name}: not a model folder (no config.json)")
        entries = set(os.listdir(name))
        if SAFE_WEIGHTS_NAME not in entries and SAFE_WEIGHTS_INDEX_NAME not in entries:
            raise ValueError(_weightless_folder_message(name))
        return name
    if os.path.exists(name):
        raise ValueError(f"{name}: is a file; pass a model folder or a Hub id")
    looks_like_path = name.startswith((".", "/", "~")) or os.sep in name.strip("/").replace("/", "", 1)
    if looks_like_path or not _HUB_ID.match(name):
        raise ValueError(f"{name}: no such model folder (and not a Hub id of the form ORG/NAME)")
    return name


def _model_type(name: str, revision: str | None) -> str:
    from transformers import PreTrainedConfig

    try:
        config, _ = PreTrainedConfig.get_config_dict(name, revision=revision)
    except (OSError, ValueError, json.JSONDecodeError) as error:
        raise ValueError(f"{name}: cannot read the model's config ({str(error).splitlines()[0]})") from None
    return str(config.get("model_type", ""))


def load_model_and_processor(
    name_or_path: str | os.PathLike | None = None,
    *,
    device: str | None = None,
    dtype: Any = None,
    trust_remote_code: bool = False,
    revision: str | None = None,
    config_overrides: dict[str, Any] | None = None,
):
    """Loads `(VsumModel, VsumProcessor)`; see the module docstring for what `name_or_path` may be.

    Args:
        name_or_path (`str`, *optional*): `None` (the default model), `"tiny"`, a folder or a Hub id.
        device (`str`, *optional*): `"auto"`, `"cpu"`, `"cuda"`, `"cuda:N"`; `None` leaves the model on the CPU.
        dtype (`str` or `torch.dtype`, *optional*): `"auto"` (bf16 on capable GPUs, fp32 otherwise), `"float32"`,
            `"bfloat16"`, `"float16"`; `None` keeps the checkpoint's float32.
        trust_remote_code (`bool`, *optional*, defaults to `False`): load through the Auto classes with the
            checkpoint's own code (an explicit choice to run it); otherwise the installed vsum classes are used.
        revision (`str`, *optional*): Hub revision.
        config_overrides (`dict`, *optional*): `VsumConfig` fields. For `"tiny"` and BLIP checkpoints anything; for
            trained vsum checkpoints only non-architecture fields (ablation flags raise: they would not match the
            weights).

    Returns:
        `(model, processor)`: the model in eval mode on `device`.

    Raises:
        `ValueError`: a missing folder, a folder without config or safetensors weights, corrupt weight files
        ([`check_weight_files`]), an unsupported model type, a load error, weights that do not match the config
        (missing, unexpected or differently shaped tensors), or architecture overrides on a trained checkpoint, with
        the name and the reason on one line.

    Example:

    ```python
    >>> from vsum.loading import load_model_and_processor
    >>> model, processor = load_model_and_processor("tiny", config_overrides={"local_attention_window": 0})
    >>> model.local_attention is None
    True

    ```
    """
    from . import modeling_vsum, processing_vsum  # noqa: F401  (registers "vsum" with the Auto classes)
    from .modeling_vsum import VsumModel
    from .processing_vsum import VsumProcessor

    name = resolve_model_name(name_or_path)
    overrides = dict(config_overrides or {})
    if device is not None:
        device = resolve_device(device)
    try:
        if name == TINY_MODEL_NAME:
            from .data.synthetic import SYNTHXUM_WORDS
            from .tiny import make_tiny_processor, tiny_config

            processor = make_tiny_processor(SYNTHXUM_WORDS)
            model = VsumModel(tiny_config(processor, **overrides))
        else:
            model_type = _model_type(name, revision)
            if model_type not in ("vsum", "blip"):
                raise ValueError(
                    f"{name}: model_type {model_type!r} is neither a vsum checkpoint nor a BLIP captioning checkpoint"
                )
            if os.path.isdir(name):
                check_weight_files(name)
            # Hub ids: transformers downloads the files; `use_safetensors=True` refuses a repository without them.
            safe = {"revision": revision, "use_safetensors": True}
            if model_type == "vsum":
                # Values equal to the checkpoint's are no change (fine-tuning with the config it was trained with).
                saved = VsumModel.config_class.from_pretrained(name, revision=revision)
                changes = [
                    f"{k} {getattr(saved, k)!r} -> {v!r}"
                    for k, v in overrides.items()
                    if k in ARCHITECTURE_FIELDS and getattr(saved, k) != v
                ]
                if changes:
                    raise ValueError(
                        f"{name} is a trained vsum checkpoint; cannot change its architecture: {'; '.join(changes)}"
                    )
                overrides = {k: v for k, v in overrides.items() if k not in ARCHITECTURE_FIELDS}
                # Shape mismatches are reported in `info` (and refused below) instead of as a multi-line RuntimeError.
                strict = {**safe, "output_loading_info": True, "ignore_mismatched_sizes": True}
                with _library_errors(name):
                    if trust_remote_code:
                        from transformers import AutoConfig, AutoModel, AutoProcessor

                        saved = AutoConfig.from_pretrained(name, revision=revision, trust_remote_code=True)
                    # The overrides go through the config's constructor, not `from_pretrained(**kwargs)` (which sets
                    # attributes afterwards): fields it derives, such as the decoder's label smoothing and dropout
                    # from `tsum_label_smoothing` / `decoder_dropout`, follow them.
                    config = type(saved).from_dict({**saved.to_dict(), **overrides})
                    if trust_remote_code:
                        model, info = AutoModel.from_pretrained(name, config=config, trust_remote_code=True, **strict)
                        processor = AutoProcessor.from_pretrained(name, revision=revision, trust_remote_code=True)
                    else:
                        model, info = VsumModel.from_pretrained(name, config=config, **strict)
                        processor = VsumProcessor.from_pretrained(name, revision=revision)
                _check_loading_info(name, info)
            else:
                with _library_errors(name):
                    processor = VsumProcessor.from_blip(name)
                    overrides.setdefault("prompt_token_ids", processor.prompt_token_ids)
                    model = VsumModel.from_blip(name, **overrides)
    except OSError as error:
        raise ValueError(f"{name}: cannot load the model ({_first_line(error)})") from None
    if dtype is not None:
        model = model.to(resolve_dtype(dtype, device or "cpu"))
    if device is not None:
        model = model.to(device)
    return model.eval(), processor


__all__ = [
    "DEMO_CHECKPOINT",
    "DEMO_VIDEO",
    "MODEL_ENV",
    "TINY_MODEL_NAME",
    "check_weight_files",
    "load_model_and_processor",
    "resolve_device",
    "resolve_dtype",
    "resolve_model_name",
]

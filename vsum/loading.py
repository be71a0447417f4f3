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
"""

from __future__ import annotations

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


def resolve_model_name(name_or_path: str | os.PathLike | None) -> str:
    """The model to load: `name_or_path`, else `$VSUM_MODEL`, else the demo checkpoint. A local folder is checked
    here (it exists, has a config and weights) so that a typo gives one clear line, not a Hub error."""
    name = os.fspath(name_or_path) if name_or_path else (os.environ.get(MODEL_ENV) or str(DEMO_CHECKPOINT))
    if name == TINY_MODEL_NAME:
        return name
    if os.path.isdir(name):
        if not os.path.isfile(os.path.join(name, "config.json")):
            raise ValueError(f"{name}: not a model folder (no config.json)")
        if not any(entry.endswith((".safetensors", ".safetensors.index.json")) for entry in os.listdir(name)):
            raise ValueError(f"{name}: model folder without weights (no *.safetensors file)")
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
        `ValueError`: a missing folder, a folder without config or weights, an unsupported model type, a load error,
        or architecture overrides on a trained checkpoint, with the name and the reason on one line.

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
            if model_type == "vsum":
                ablations = {k: v for k, v in overrides.items() if k in ARCHITECTURE_FIELDS}
                if ablations:
                    raise ValueError(f"{name} is a trained vsum checkpoint; {ablations} cannot change its architecture")
                if trust_remote_code:
                    from transformers import AutoModel, AutoProcessor

                    model = AutoModel.from_pretrained(name, revision=revision, trust_remote_code=True, **overrides)
                    processor = AutoProcessor.from_pretrained(name, revision=revision, trust_remote_code=True)
                else:
                    model = VsumModel.from_pretrained(name, revision=revision, **overrides)
                    processor = VsumProcessor.from_pretrained(name, revision=revision)
            elif model_type == "blip":
                processor = VsumProcessor.from_blip(name)
                overrides.setdefault("prompt_token_ids", processor.prompt_token_ids)
                model = VsumModel.from_blip(name, **overrides)
            else:
                raise ValueError(
                    f"{name}: model_type {model_type!r} is neither a vsum checkpoint nor a BLIP captioning checkpoint"
                )
    except OSError as error:
        raise ValueError(f"{name}: cannot load the model ({str(error).splitlines()[0]})") from None
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
    "load_model_and_processor",
    "resolve_device",
    "resolve_dtype",
    "resolve_model_name",
]

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Conversion of the official VideoXum VTSUM-BLIP checkpoints (github.com/jylins/videoxum) into a vsum-la folder.

The official `.pth` holds `ckpt["model"]`, a state dict without a ViT (the official pipeline runs on precomputed BLIP
ViT-B features):

- `position_embeddings.weight` `(512, D)`: temporal positions;
- `tt.blocks.{i}.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}.{weight, bias}`, `tt.norm.{weight, bias}`:
  the temporal transformer (fused `qkv` Linear, rows in q, k, v order; final LayerNorm);
- `local_atten_head.{norm1, attn.qkv, attn.proj}.{weight, bias}`: the context-aggregation ("CA") block, TT+CA only
  (band `|i - j| <= kernel_size // 2 = 2`); this is our local attention with `local_attention_window=2`;
- `vsum_head.0.{weight, bias}`: the saliency Linear `D -> 1`;
- `text_decoder.*`: BLIP's BERT decoder, the names of transformers' `BlipTextLMHeadModel`.

Every key is mapped or is an error naming it; every parameter of the converted model comes from the official
checkpoint or (ViT only) from the BLIP checkpoint, else it is an error naming it. The config reproduces the official
model: final TT LayerNorm, LayerNorm eps 1e-6, no temporal dropout, decoder dropout and label smoothing 0.1, the
official saliency-loss reduction, no decoder frame pooling (`decoder_max_frames=None`), the official positions beyond
512 frames (the table resampled bicubically to the padded batch length: `temporal_position_interpolation=
"videoxum_batch_bicubic"`) and the prompt "a video of ".

A state dict saved from a `DataParallel`/`DistributedDataParallel` wrapper (every key prefixed `module.`) is accepted
(the prefix is stripped). The `--blip` text config must build the official decoder: its heads, LayerNorm eps and
activation are checked against the official `med_config.json` (a decoder with other heads loads the same tensors but
computes other logits).

>>> from vsum.convert_videoxum import convert_videoxum_checkpoint
>>> convert_videoxum_checkpoint("vtsum_tt_ca.pth", "Salesforce/blip-image-captioning-base", "vsum-videoxum-tt-ca")
... # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any


logger = logging.getLogger(__name__)

VARIANTS = ("auto", "tt", "tt_ca")
DEFAULT_BLIP = "Salesforce/blip-image-captioning-base"
#: The official prompt; its token ids become `config.prompt_token_ids`.
OFFICIAL_PROMPT = "a video of "
#: The official CA block's kernel size is 5: frames attend to |i - j| <= 5 // 2.
OFFICIAL_LOCAL_WINDOW = 2
#: Config fields that make a `VsumModel` compute what the official model computes (and train as it trains).
OFFICIAL_CONFIG = {
    "temporal_final_layer_norm": True,
    "temporal_layer_norm_eps": 1e-6,
    "temporal_dropout": 0.0,
    "decoder_dropout": 0.1,
    "tsum_label_smoothing": 0.1,
    "vsum_loss_reduction": "videoxum",
    "decoder_max_frames": None,
    "local_attention_type": "hard",
    "temporal_position_interpolation": "videoxum_batch_bicubic",
    "initialization": "videoxum",
}
#: The official text decoder's config (BLIP's `configs/med_config.json`, a BERT-base): its attention heads are 64 wide
#: (12 for the 768-wide decoder), its LayerNorm eps and activation are these. None is visible in the tensors.
OFFICIAL_TEXT_HEAD_SIZE = 64
OFFICIAL_TEXT_CONFIG = {"layer_norm_eps": 1e-12, "hidden_act": "gelu"}
#: Prefix of every key in a state dict saved from a `DataParallel` / `DistributedDataParallel` wrapper.
WRAPPER_PREFIX = "module."
#: Non-parameter buffers in the official state dict: recomputed by the model, not converted.
DROPPED_BUFFERS = ("text_decoder.bert.embeddings.position_ids",)

_TT_BLOCK = re.compile(r"^tt\.blocks\.(\d+)\.(.+)$")
# Official sub-module -> ours, inside a TT block / the CA block (qkv is handled separately: it is split).
_TT_NAMES = {
    "norm1": "layer_norm1",
    "norm2": "layer_norm2",
    "attn.proj": "self_attn.out_proj",
    "mlp.fc1": "fc1",
    "mlp.fc2": "fc2",
}
_CA_NAMES = {"norm1": "layer_norm", "attn.proj": "out_proj"}


def detect_variant(state_dict: dict[str, Any]) -> str:
    """`"tt_ca"` when the state dict has the context-aggregation block (`local_atten_head.*`), else `"tt"`."""
    return "tt_ca" if any(key.startswith("local_atten_head.") for key in state_dict) else "tt"


def strip_wrapper_prefix(state_dict: dict[str, Any]) -> dict[str, Any]:
    """`state_dict` without the `module.` prefix that a `DataParallel`/`DistributedDataParallel` save puts on every key
    (logged); unchanged when no key has it. A prefix on some keys only is an error naming how many."""
    prefixed = sum(key.startswith(WRAPPER_PREFIX) for key in state_dict)
    if not prefixed:
        return state_dict
    if prefixed != len(state_dict):
        example = next(key for key in state_dict if not key.startswith(WRAPPER_PREFIX))
        raise ValueError(
            f"{prefixed} of {len(state_dict)} keys start with {WRAPPER_PREFIX!r} but not all (e.g. {example!r}): "
            "not one wrapped model's state dict"
        )
    logger.info("stripped the %r prefix of all %d keys (a DataParallel/DDP save)", WRAPPER_PREFIX, len(state_dict))
    return strip_wrapper_prefix({key.removeprefix(WRAPPER_PREFIX): value for key, value in state_dict.items()})


def check_text_config(state_dict: dict[str, Any], text_config, text_num_heads: int | None = None) -> None:
    """Raises `ValueError` (one line: field, expected, actual) unless `text_config` (the `--blip` text config) builds
    the official text decoder of `state_dict`: heads of the official size 64 (or `text_num_heads`), the official
    LayerNorm eps and activation.

    Args:
        text_num_heads (`int`, *optional*): the decoder's attention heads, for a decoder whose width is not a multiple
            of 64 (not an official one: tests, other BLIP variants).
    """
    key = "text_decoder.bert.embeddings.word_embeddings.weight"
    if key not in state_dict:
        raise ValueError(f"missing key {key!r}: not an official VTSUM-BLIP checkpoint")
    width = state_dict[key].shape[1]
    if text_num_heads is None:
        if width % OFFICIAL_TEXT_HEAD_SIZE:
            raise ValueError(
                f"text decoder width {width} is not a multiple of the official head size {OFFICIAL_TEXT_HEAD_SIZE}: "
                "pass text_num_heads"
            )
        text_num_heads = width // OFFICIAL_TEXT_HEAD_SIZE
    expected = {"num_attention_heads": text_num_heads, **OFFICIAL_TEXT_CONFIG}
    for field, value in expected.items():
        actual = getattr(text_config, field, None)
        if actual != value:
            raise ValueError(
                f"the BLIP text config has {field}={actual!r} but the official text decoder (width {width}) has "
                f"{field}={value!r}: use the BLIP checkpoint the official model was trained from"
            )


def load_official_state_dict(path: str | os.PathLike) -> dict[str, Any]:
    """`torch.load(path, weights_only=True)["model"]`, with clear errors for a missing file or another layout; a
    `module.` prefix on every key (a `DataParallel`/DDP save) is stripped."""
    import torch

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such checkpoint file")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle errors have many types; the message says what failed
        raise ValueError(f"{path}: cannot be read with torch.load(weights_only=True) ({error})") from None
    if not isinstance(checkpoint, dict) or "model" not in checkpoint:
        found = sorted(checkpoint)[:10] if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise ValueError(f"{path}: not an official VideoXum checkpoint (expected a dict with 'model', found {found})")
    state_dict = checkpoint["model"]
    if not isinstance(state_dict, dict) or not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ValueError(f"{path}: ckpt['model'] is not a state dict of tensors")
    try:
        return strip_wrapper_prefix(state_dict)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def _tt_depth(state_dict: dict[str, Any]) -> int:
    indices = {int(m.group(1)) for key in state_dict if (m := _TT_BLOCK.match(key))}
    if not indices:
        raise ValueError("the checkpoint has no temporal transformer (no key 'tt.blocks.0.*'); not a VTSUM-BLIP model")
    if indices != set(range(len(indices))):
        raise ValueError(f"temporal transformer blocks are not numbered 0..n-1: {sorted(indices)}")
    return len(indices)


def official_config_fields(
    state_dict: dict[str, Any], variant: str = "auto", num_heads: int | None = None
) -> dict[str, Any]:
    """`VsumConfig` fields of the official model whose weights are `state_dict` (sizes read from the tensors).

    Args:
        variant (`str`): `"auto"` (from the keys), `"tt"` or `"tt_ca"`; a variant the keys contradict raises.
        num_heads (`int`, *optional*): attention heads of the TT and the CA block. The official code uses
            `hidden // 64` in the TT and 12 in the CA block (equal for ViT-B, 768); other widths must pass it.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    detected = detect_variant(state_dict)
    if variant != "auto" and variant != detected:
        raise ValueError(
            f"variant {variant!r} was requested but the checkpoint is {detected!r} "
            f"({'has' if detected == 'tt_ca' else 'has no'} 'local_atten_head.*' keys)"
        )
    for key in ("position_embeddings.weight", "tt.blocks.0.mlp.fc1.weight"):
        if key not in state_dict:
            raise ValueError(f"missing key {key!r}: not an official VTSUM-BLIP checkpoint")
    max_frames, hidden = state_dict["position_embeddings.weight"].shape
    if num_heads is None:
        if hidden % 64 or (detected == "tt_ca" and hidden // 64 != 12):
            raise ValueError(
                f"hidden size {hidden}: the official head counts (TT: hidden // 64, CA: 12) are only equal for 768; "
                "pass num_heads"
            )
        num_heads = hidden // 64
    return {
        "temporal_num_layers": _tt_depth(state_dict),
        "temporal_num_heads": num_heads,
        "temporal_intermediate_size": state_dict["tt.blocks.0.mlp.fc1.weight"].shape[0],
        "max_frames": max_frames,
        "local_attention_window": OFFICIAL_LOCAL_WINDOW if detected == "tt_ca" else 0,
        **OFFICIAL_CONFIG,
    }


def convert_state_dict(state_dict: dict[str, Any]) -> dict[str, Any]:
    """Official keys -> `VsumModel` keys (temporal modules, saliency head, text decoder; no ViT).

    Fused `qkv` weights `(3D, D)` and biases `(3D,)` are split into q, k, v (rows in that order). Raises
    `ValueError` naming every key that has no place in a `VsumModel`.
    """
    converted: dict[str, Any] = {}
    unmapped = []

    def split_qkv(key: str, prefix: str):
        query, key_, value = state_dict[key].chunk(3, dim=0)
        kind = key.rsplit(".", 1)[1]  # weight / bias
        for name, tensor in (("q_proj", query), ("k_proj", key_), ("v_proj", value)):
            converted[f"{prefix}{name}.{kind}"] = tensor.clone()

    for key, tensor in state_dict.items():
        if key in DROPPED_BUFFERS:
            continue
        if key == "position_embeddings.weight":
            converted["temporal_encoder.embeddings.position_embeddings"] = tensor
        elif key.startswith("text_decoder."):
            converted[key] = tensor
        elif key in ("vsum_head.0.weight", "vsum_head.0.bias"):
            converted["saliency_head." + key.rsplit(".", 1)[1]] = tensor
        elif key in ("tt.norm.weight", "tt.norm.bias"):
            converted["temporal_encoder.final_layer_norm." + key.rsplit(".", 1)[1]] = tensor
        elif match := _TT_BLOCK.match(key):
            index, rest = match.groups()
            module, _, kind = rest.rpartition(".")
            prefix = f"temporal_encoder.layers.{index}."
            if module == "attn.qkv" and kind in ("weight", "bias"):
                split_qkv(key, prefix + "self_attn.")
            elif module in _TT_NAMES and kind in ("weight", "bias"):
                converted[f"{prefix}{_TT_NAMES[module]}.{kind}"] = tensor
            else:
                unmapped.append(key)
        elif key.startswith("local_atten_head."):
            module, _, kind = key.removeprefix("local_atten_head.").rpartition(".")
            if module == "attn.qkv" and kind in ("weight", "bias"):
                split_qkv(key, "local_attention.")
            elif module in _CA_NAMES and kind in ("weight", "bias"):
                converted[f"local_attention.{_CA_NAMES[module]}.{kind}"] = tensor
            else:
                unmapped.append(key)
        else:
            unmapped.append(key)
    if unmapped:
        raise ValueError(f"{len(unmapped)} key(s) of the official checkpoint cannot be mapped: {unmapped}")
    return converted


def official_key(key: str) -> str:
    """The official checkpoint's name for a `VsumModel` key (inverse of [`convert_state_dict`]; for error messages)."""
    if key == "temporal_encoder.embeddings.position_embeddings":
        return "position_embeddings.weight"
    module, _, kind = key.rpartition(".")
    if module == "saliency_head":
        return f"vsum_head.0.{kind}"
    if module == "temporal_encoder.final_layer_norm":
        return f"tt.norm.{kind}"
    if match := re.match(r"^temporal_encoder\.layers\.(\d+)\.(.+)$", module):
        index, rest = match.groups()
        if rest in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"):
            return f"tt.blocks.{index}.attn.qkv.{kind}"
        names = {ours: official for official, ours in _TT_NAMES.items()}
        return f"tt.blocks.{index}.{names.get(rest, rest)}.{kind}"
    if module.startswith("local_attention."):
        rest = module.removeprefix("local_attention.")
        if rest in ("q_proj", "k_proj", "v_proj"):
            return f"local_atten_head.attn.qkv.{kind}"
        names = {ours: official for official, ours in _CA_NAMES.items()}
        return f"local_atten_head.{names.get(rest, rest)}.{kind}"
    return key


def build_converted_model(
    state_dict: dict[str, Any], blip, processor, variant="auto", num_heads=None, text_num_heads=None
):
    """A `VsumModel` holding the official weights, with the ViT (and config sizes) of `blip`.

    Args:
        state_dict (`dict`): the official `ckpt["model"]` (a `module.` prefix on every key is stripped).
        blip (`BlipForConditionalGeneration`): source of the ViT; its text config must build the official decoder
            (see [`check_text_config`]).
        processor (`VsumProcessor`): its prompt's ids become `config.prompt_token_ids`.
        variant, num_heads: see [`official_config_fields`]. text_num_heads: see [`check_text_config`].
    """
    import torch

    from .modeling_vsum import VsumModel

    state_dict = strip_wrapper_prefix(state_dict)
    fields = official_config_fields(state_dict, variant, num_heads)
    check_text_config(state_dict, blip.config.text_config, text_num_heads)
    model = VsumModel.from_blip(blip, prompt_token_ids=processor.prompt_token_ids, **fields)
    converted = convert_state_dict(state_dict)
    target = model.state_dict()
    # Every non-ViT entry must come from the official checkpoint.
    expected = {k for k in target if not k.startswith("vision_model.") and k not in DROPPED_BUFFERS}
    unexpected = sorted(set(converted) - set(target))
    missing = sorted(expected - set(converted))
    if unexpected:
        raise ValueError(f"converted keys the model does not have (wrong variant or sizes?): {unexpected}")
    if missing:
        names = sorted({official_key(k) for k in missing})
        raise ValueError(f"the official checkpoint lacks {len(names)} tensor(s) the model needs: {names}")
    with torch.no_grad():
        for name, tensor in converted.items():
            if target[name].shape != tensor.shape:
                raise ValueError(
                    f"shape mismatch for {name}: official {tuple(tensor.shape)}, model {tuple(target[name].shape)} "
                    "(is --blip the BLIP model the features were computed with?)"
                )
            target[name].copy_(tensor)
    # Tied tensors (decoder output = word embeddings, output bias) were written twice: both copies must agree.
    for tied, source in model.text_decoder._tied_weights_keys.items():
        a, b = f"text_decoder.{tied}", f"text_decoder.{source}"
        if a in converted and b in converted and not torch.equal(converted[a], converted[b]):
            raise ValueError(f"{a} and {b} are tied in the model but differ in the official checkpoint")
    # The official evaluation decoded with transformers 4.15, whose beam search scores the whole sequence.
    model.generation_config.length_normalization = "videoxum"
    return model.eval()


def official_model_card_description(variant: str, checkpoint_name: str, blip: str) -> str:
    label = {"tt": "TT (temporal transformer)", "tt_ca": "TT+CA (temporal transformer + context aggregation)"}
    return (
        f"The official VideoXum **VTSUM-BLIP {label[variant]}** model (Lin et al., 2023, "
        f"[github.com/jylins/videoxum](https://github.com/jylins/videoxum)), converted to vsum-la from the released "
        f"checkpoint `{checkpoint_name}` by `scripts/convert_videoxum_checkpoint.py`: temporal transformer, "
        f"{'context-aggregation (local attention, radius 2) block, ' if variant == 'tt_ca' else ''}saliency head and "
        f"text decoder are the official weights; the per-frame ViT, which the official checkpoint does not contain "
        f"(it ran on precomputed BLIP ViT-B features), and the tokenizer come from `{blip}`. The config reproduces the "
        "official computation (final TT LayerNorm, LayerNorm eps 1e-6, no temporal dropout, no decoder frame pooling, "
        "the official positions beyond 512 frames: the table resampled bicubically to the padded batch length, so a "
        "video's output above 512 frames depends on its batch, as in the official code). "
        "The paper's published numbers were computed with the released evaluation code, whose F1 thresholding "
        "selects about half of the frames instead of the documented top 15 % (our `videoxum_released` protocol, not "
        "our default `top15`); they are not reproduced here, and this card lists no metrics because no evaluation "
        "was run on this folder."
    )


def convert_videoxum_checkpoint(
    checkpoint: str | os.PathLike,
    blip: str | os.PathLike = DEFAULT_BLIP,
    output_dir: str | os.PathLike = "vsum-videoxum",
    *,
    variant: str = "auto",
    num_heads: int | None = None,
    text_num_heads: int | None = None,
    push_to_hub: str | None = None,
) -> Path:
    """Converts an official VideoXum `.pth` into a complete Hub-ready folder and returns its path.

    The folder holds `model.safetensors`, `config.json`, `generation_config.json` (3 beams, 10 to 128 tokens), the
    processor and tokenizer, the remote code, the `video-summarization` pipeline, `handler.py` and a model card. It is
    written atomically (complete or absent). With `push_to_hub`, it is then uploaded to that repo id.
    """
    from transformers import BlipForConditionalGeneration

    from .hub import push_folder_to_hub, render_model_card
    from .io_utils import atomic_folder
    from .pipeline import add_serving_files
    from .processing_vsum import VsumProcessor

    state_dict = load_official_state_dict(checkpoint)
    detected = detect_variant(state_dict)
    try:
        blip_model = BlipForConditionalGeneration.from_pretrained(blip)
        processor = VsumProcessor.from_blip(blip, prompt=OFFICIAL_PROMPT)
    except OSError as error:
        raise ValueError(f"{blip}: cannot load the BLIP checkpoint ({str(error).splitlines()[0]})") from None
    model = build_converted_model(
        state_dict, blip_model, processor, variant=variant, num_heads=num_heads, text_num_heads=text_num_heads
    )
    output_dir = Path(output_dir)
    with atomic_folder(output_dir) as folder:
        model.save_pretrained(folder)
        processor.save_pretrained(folder)
        add_serving_files(folder)
        card = render_model_card(
            model.config,
            model_name=output_dir.name,
            metrics=None,
            dataset_name="VideoXum",
            eval_split="test",
            repo_id=push_to_hub,
            base_model=str(blip),
            generation={k: getattr(model.generation_config, k) for k in ("num_beams", "max_length", "min_length")},
            description=official_model_card_description(detected, Path(checkpoint).name, str(blip)),
        )
        card.save(os.path.join(folder, "README.md"))
    if push_to_hub:
        push_folder_to_hub(output_dir, push_to_hub, commit_message="Convert the official VideoXum checkpoint")
    return output_dir


__all__ = [
    "DEFAULT_BLIP",
    "OFFICIAL_CONFIG",
    "build_converted_model",
    "check_text_config",
    "convert_state_dict",
    "convert_videoxum_checkpoint",
    "detect_variant",
    "load_official_state_dict",
    "official_config_fields",
    "strip_wrapper_prefix",
]

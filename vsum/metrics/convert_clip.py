# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Converts an OpenAI-CLIP-format state dict (e.g. the official VT-CLIP `vt_clip.pth` of VideoXum) into a
transformers `CLIPModel` folder.

The official VT-CLIPScore uses a CLIP ViT-B/16 fine-tuned by the VideoXum authors (`vt_clip.pth`, stored as
`{"model": state_dict}` in OpenAI's `clip.model.CLIP` layout) with a 256-token text context. This module maps every
tensor of that layout onto `transformers.CLIPModel` (fused attention `in_proj` split into q, k, v; projections
transposed), infers the configuration from the tensor shapes (as OpenAI's `build_model` does), and refuses any key it
does not map or any model weight it does not fill.

```python
from vsum.metrics.convert_clip import convert_openai_clip

convert_openai_clip("vt_clip.pth", "vt-clip-hf", processor="openai/clip-vit-base-patch16")
```
"""

from __future__ import annotations

import os
import re
from typing import Any

import torch


# Integer entries some OpenAI checkpoints carry next to the tensors (OpenAI's `build_model` deletes them too).
_METADATA_KEYS = ("input_resolution", "context_length", "vocab_size")

# OpenAI block names -> transformers encoder-layer names (attention is handled separately).
_BLOCK_MAP = {
    "ln_1": "layer_norm1",
    "ln_2": "layer_norm2",
    "mlp.c_fc": "mlp.fc1",
    "mlp.c_proj": "mlp.fc2",
    "attn.out_proj": "self_attn.out_proj",
}
_BLOCK = re.compile(r"^(visual\.)?transformer\.resblocks\.(\d+)\.(.+)\.(weight|bias)$")
_IN_PROJ = re.compile(r"^(visual\.)?transformer\.resblocks\.(\d+)\.attn\.in_proj_(weight|bias)$")

# Whole-tensor renames: OpenAI name -> (transformers name, transpose?).
_DIRECT = {
    "token_embedding.weight": ("text_model.embeddings.token_embedding.weight", False),
    "positional_embedding": ("text_model.embeddings.position_embedding.weight", False),
    "ln_final.weight": ("text_model.final_layer_norm.weight", False),
    "ln_final.bias": ("text_model.final_layer_norm.bias", False),
    "text_projection": ("text_projection.weight", True),
    "logit_scale": ("logit_scale", False),
    "visual.class_embedding": ("vision_model.embeddings.class_embedding", False),
    "visual.conv1.weight": ("vision_model.embeddings.patch_embedding.weight", False),
    "visual.positional_embedding": ("vision_model.embeddings.position_embedding.weight", False),
    "visual.ln_pre.weight": ("vision_model.pre_layrnorm.weight", False),  # sic: transformers' name
    "visual.ln_pre.bias": ("vision_model.pre_layrnorm.bias", False),
    "visual.ln_post.weight": ("vision_model.post_layernorm.weight", False),
    "visual.ln_post.bias": ("vision_model.post_layernorm.bias", False),
    "visual.proj": ("visual_projection.weight", True),
}


def load_openai_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Reads an OpenAI-CLIP-format checkpoint with `torch.load(weights_only=True)`: a state dict, or `{"model": ...}`
    / `{"state_dict": ...}` around one (the official `vt_clip.pth` is `{"model": state_dict}`)."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(checkpoint, dict):
        for key in ("model", "state_dict"):
            if isinstance(checkpoint.get(key), dict):
                checkpoint = checkpoint[key]
                break
    if not isinstance(checkpoint, dict) or "visual.proj" not in checkpoint:
        keys = sorted(checkpoint)[:8] if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise ValueError(
            f"{path} is not an OpenAI-CLIP ViT state dict (no 'visual.proj'; ResNet CLIPs are not supported); "
            f"found {keys}"
        )
    return checkpoint


def clip_config_from_state_dict(state_dict: dict[str, torch.Tensor]):
    """`CLIPConfig` of an OpenAI-CLIP ViT state dict, from its tensor shapes (heads = width // 64, as OpenAI's
    `build_model`; activation QuickGELU; LayerNorm eps 1e-5)."""
    from transformers import CLIPConfig

    def count_layers(prefix: str) -> int:
        depth = len(prefix.rstrip(".").split("."))  # the layer index follows the prefix
        return len({key.split(".")[depth] for key in state_dict if key.startswith(prefix)})

    vision_width = state_dict["visual.conv1.weight"].shape[0]
    patch_size = state_dict["visual.conv1.weight"].shape[-1]
    grid = round((state_dict["visual.positional_embedding"].shape[0] - 1) ** 0.5)
    text_width = state_dict["ln_final.weight"].shape[0]
    for name, width in (("vision", vision_width), ("text", text_width)):
        if width % 64:
            raise ValueError(f"{name} width {width} is not a multiple of 64 (OpenAI CLIP uses width // 64 heads)")
    return CLIPConfig(
        text_config={
            "vocab_size": state_dict["token_embedding.weight"].shape[0],
            "hidden_size": text_width,
            "intermediate_size": state_dict["transformer.resblocks.0.mlp.c_fc.weight"].shape[0],
            "num_hidden_layers": count_layers("transformer.resblocks."),
            "num_attention_heads": text_width // 64,
            "max_position_embeddings": state_dict["positional_embedding"].shape[0],  # 256 for VT-CLIP
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            # OpenAI pools the end-of-text token as the highest id (argmax); transformers does so with eos id 2.
            "eos_token_id": 2,
            "bos_token_id": state_dict["token_embedding.weight"].shape[0] - 2,  # <|startoftext|>
            "pad_token_id": 0,  # OpenAI pads with 0 (the causal mask keeps padding away from the pooled token)
        },
        vision_config={
            "hidden_size": vision_width,
            "intermediate_size": state_dict["visual.transformer.resblocks.0.mlp.c_fc.weight"].shape[0],
            "num_hidden_layers": count_layers("visual.transformer.resblocks."),
            "num_attention_heads": vision_width // 64,
            "image_size": patch_size * grid,
            "patch_size": patch_size,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
        },
        projection_dim=state_dict["text_projection"].shape[1],
    )


def convert_state_dict(state_dict: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Maps an OpenAI-CLIP ViT state dict onto `CLIPModel` parameter names.

    Raises:
        `ValueError`: naming every key that has no mapping.
    """
    converted: dict[str, torch.Tensor] = {}
    unmapped = []
    for key, value in state_dict.items():
        if key in _METADATA_KEYS:
            continue
        if not isinstance(value, torch.Tensor):
            unmapped.append(key)
            continue
        tower = None
        if key in _DIRECT:
            name, transpose = _DIRECT[key]
            converted[name] = value.t().contiguous() if transpose else value
        elif match := _IN_PROJ.match(key):
            tower = "vision_model" if match.group(1) else "text_model"
            prefix = f"{tower}.encoder.layers.{match.group(2)}.self_attn"
            # OpenAI's nn.MultiheadAttention stacks the projections as [q; k; v] along dim 0.
            for part, chunk in zip(("q_proj", "k_proj", "v_proj"), value.chunk(3, dim=0)):
                converted[f"{prefix}.{part}.{match.group(3)}"] = chunk.contiguous()
        elif (match := _BLOCK.match(key)) and match.group(3) in _BLOCK_MAP:
            tower = "vision_model" if match.group(1) else "text_model"
            name = f"{tower}.encoder.layers.{match.group(2)}.{_BLOCK_MAP[match.group(3)]}.{match.group(4)}"
            converted[name] = value
        else:
            unmapped.append(key)
    if unmapped:
        raise ValueError(f"{len(unmapped)} key(s) of the checkpoint have no CLIPModel counterpart: {sorted(unmapped)}")
    return converted


def convert_openai_clip(
    checkpoint: str | os.PathLike | dict[str, torch.Tensor],
    output_dir: str | os.PathLike,
    processor: str | os.PathLike | Any = "openai/clip-vit-base-patch16",
):
    """Converts an OpenAI-CLIP-format checkpoint into a `CLIPModel` folder (safetensors, config, processor).

    Args:
        checkpoint (`str`, `os.PathLike` or `dict`): the `.pth` file (read with `torch.load(weights_only=True)`) or
            its state dict.
        output_dir: the folder to write (replaced atomically).
        processor (`str`, `os.PathLike` or `CLIPProcessor`, *optional*, defaults to "openai/clip-vit-base-patch16"):
            where the tokenizer (OpenAI's BPE, the same for every CLIP) and the image processor come from; its
            tokenizer's `model_max_length` is set to the checkpoint's text context (256 for VT-CLIP).

    Returns:
        `CLIPModel`: the converted model (eval mode).

    Raises:
        `ValueError`: a key of the checkpoint without a counterpart, or a model weight the checkpoint does not fill,
        both named.
    """
    from transformers import CLIPModel, CLIPProcessor

    from ..io_utils import atomic_folder

    state_dict = checkpoint if isinstance(checkpoint, dict) else load_openai_state_dict(checkpoint)
    config = clip_config_from_state_dict(state_dict)
    converted = convert_state_dict(state_dict)
    model = CLIPModel(config).eval()
    expected = set(model.state_dict())
    missing = sorted(expected - set(converted))
    extra = sorted(set(converted) - expected)
    if missing or extra:
        raise ValueError(f"conversion does not match CLIPModel: missing {missing}, unexpected {extra}")
    for name, tensor in model.state_dict().items():
        if tensor.shape != converted[name].shape:
            raise ValueError(
                f"{name}: checkpoint shape {tuple(converted[name].shape)}, CLIPModel {tuple(tensor.shape)}"
            )
    model.load_state_dict(converted, strict=True)
    if not isinstance(processor, CLIPProcessor):
        processor = CLIPProcessor.from_pretrained(processor)
    processor.tokenizer.model_max_length = config.text_config.max_position_embeddings
    with atomic_folder(output_dir) as tmp:
        model.save_pretrained(tmp)
        processor.save_pretrained(tmp)
    return model


__all__ = ["clip_config_from_state_dict", "convert_openai_clip", "convert_state_dict", "load_openai_state_dict"]

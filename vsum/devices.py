# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Device and precision names -> what torch needs: one rule for the loader, the CLI and the remote-code inference path.

A module of its own (it imports only torch, and that lazily) because `inference.py` ships as remote code with the
pipeline: transformers copies every file reachable through relative imports into exported folders, so importing
`vsum.loading` from there would drag the rest of the package along.
"""

from __future__ import annotations

import re
from typing import Any


#: Accepted `dtype` names (`auto`: bf16 on a GPU that supports it, fp32 elsewhere).
#: Help text of the `--dtype` options (CLI, Space).
DTYPE_HELP = "model precision: auto = bfloat16 on GPUs that support it, float32 on CPU (default auto)"
DTYPES = ("auto", "float32", "bfloat16", "float16")


def resolve_device(device: str | None = "auto") -> str:
    """`"auto"` -> `"cuda"` when a GPU is visible, else `"cpu"`. Raises `ValueError` for an unknown name or for
    `cuda` without a GPU (before any model is loaded)."""
    import torch

    device = "auto" if device is None else str(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device != "cpu" and not re.fullmatch(r"cuda(:\d+)?", device):
        raise ValueError(f"device must be auto, cpu, cuda or cuda:N, got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but no CUDA GPU is available (use --device cpu)")
    return device


def resolve_dtype(dtype: Any = "auto", device: str = "cpu"):
    """A `torch.dtype` for `dtype` (`auto`, `float32`, `bfloat16`, `float16` or a `torch.dtype`). `auto` is bf16 on a
    GPU that supports it and fp32 elsewhere (CPU half precision is slow and inexact)."""
    import torch

    if isinstance(dtype, torch.dtype):
        return dtype
    dtype = "auto" if dtype is None else str(dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if dtype == "auto":
        if str(device).startswith("cuda") and torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return getattr(torch, dtype)


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AVX512-BF16 or AMX): there bf16 autocast roughly
    halves a training step's matrix-product time (`benchmarks/train_step.py`); elsewhere bf16 is emulated and slower
    than float32."""
    import torch

    try:  # private probes of torch's cpuinfo; a torch without them is treated as "no"
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:
        return False

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""vsum-la: cross-modal (video + text) summarization of long videos, Hugging Face-native.

>>> from vsum import VsumConfig, VsumModel, VsumProcessor, VsumVideoProcessor

The model classes are imported on first use, so `import vsum.data` or `import vsum.metrics` stay light. Importing
them registers the auto classes (see the end of each `*_vsum.py` file): `save_pretrained` then writes `auto_map` and
copies the three files, and with vsum installed the Auto classes resolve "vsum" checkpoints natively.
"""

import importlib


__version__ = "0.1.0"

_EXPORTS = {
    "VsumConfig": "configuration_vsum",
    "VsumModel": "modeling_vsum",
    "VsumOutput": "modeling_vsum",
    "VsumPreTrainedModel": "modeling_vsum",
    "VsumProcessor": "processing_vsum",
    "VsumVideoProcessor": "processing_vsum",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vsum' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_EXPORTS])

#!/usr/bin/env python
# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""
Convert an official VideoXum VTSUM-BLIP checkpoint (github.com/jylins/videoxum) into a Hub-ready vsum-la folder.

```bash
python scripts/convert_videoxum_checkpoint.py --checkpoint vtsum_tt_ca.pth \\
    --blip Salesforce/blip-image-captioning-base --output_dir vsum-videoxum-tt-ca [--variant auto|tt|tt_ca] \\
    [--push_to_hub ORG/vsum-videoxum-tt-ca]
```

The checkpoint is read with `torch.load(weights_only=True)`; its variant (TT or TT+CA) is detected from its keys
unless `--variant` names it; every key is mapped (fused qkv split into q, k, v) or the conversion fails naming it. A
`module.` prefix on every key (a DataParallel/DDP save) is stripped, and said. The ViT and the tokenizer come from
`--blip` (the official features were computed with BLIP ViT-B), whose text config must build the official decoder
(heads of size 64, LayerNorm eps 1e-12, GELU: checked; `--text_num_heads` for a decoder of another width). The mapping
lives in `vsum.convert_videoxum`; the folder then loads with
`AutoModel.from_pretrained(output_dir, trust_remote_code=True)` or `vsum summarize --model output_dir`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO_ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO_ROOT))

from vsum.convert_videoxum import DEFAULT_BLIP, VARIANTS, convert_videoxum_checkpoint  # noqa: E402
from vsum.script_utils import HfArgumentParser, run_script  # noqa: E402


@dataclass
class ConversionArguments:
    checkpoint: str = field(metadata={"help": "The official .pth file (ckpt['model'] holds the weights)."})
    output_dir: str = field(metadata={"help": "Folder to write (replaced atomically if it exists)."})
    blip: str = field(default=DEFAULT_BLIP, metadata={"help": "BLIP captioning checkpoint (name or folder): ViT."})
    variant: str = field(default="auto", metadata={"help": "auto (from the keys), tt or tt_ca.", "choices": VARIANTS})
    num_heads: int | None = field(
        default=None, metadata={"help": "Attention heads of the TT and CA block (default: the official hidden // 64)."}
    )
    text_num_heads: int | None = field(
        default=None,
        metadata={
            "help": "Attention heads of the text decoder, checked against --blip (default: the official width // 64)."
        },
    )
    push_to_hub: str | None = field(default=None, metadata={"help": "Upload the folder to this Hub repo id."})


def main(args: Sequence[str] | None = None) -> Path:
    (arguments,) = HfArgumentParser(ConversionArguments).parse_args_into_dataclasses(args=args)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.INFO)
    folder = convert_videoxum_checkpoint(
        arguments.checkpoint,
        arguments.blip,
        arguments.output_dir,
        variant=arguments.variant,
        num_heads=arguments.num_heads,
        text_num_heads=arguments.text_num_heads,
        push_to_hub=arguments.push_to_hub,
    )
    print(f"converted {arguments.checkpoint} -> {folder}")
    return folder


if __name__ == "__main__":
    sys.exit(run_script(main))  # bad paths or checkpoints: one line, exit code 1 (VSUM_DEBUG=1: traceback)

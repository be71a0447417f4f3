# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Convert the official VT-CLIP weights of VideoXum (`vt_clip.pth`, OpenAI-CLIP format, 256-token text context) into a
transformers `CLIPModel` folder for VT-CLIPScore (`scripts/evaluate.py --clip_model DIR`).

    python scripts/convert_vt_clip.py --checkpoint outputs/vt_clipscore/vt_clip.pth --output_dir vt-clip \\
        --processor openai/clip-vit-base-patch16

The logic lives in `vsum.metrics.convert_clip`; every unmapped or missing key is an error naming it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass
class ConvertArguments:
    checkpoint: str = field(metadata={"help": "The official vt_clip.pth (read with torch.load(weights_only=True))."})
    output_dir: str = field(metadata={"help": "The CLIPModel folder to write (safetensors, config, processor)."})
    processor: str = field(
        default="openai/clip-vit-base-patch16",
        metadata={"help": "Hub id or folder of the CLIP tokenizer (OpenAI BPE) and image processor (ViT-B/16, 224)."},
    )


def main(argv: list[str] | None = None) -> None:
    from vsum.metrics.convert_clip import convert_openai_clip
    from vsum.script_utils import HfArgumentParser

    (args,) = HfArgumentParser(ConvertArguments).parse_args_into_dataclasses(
        args=sys.argv[1:] if argv is None else list(argv)
    )
    model = convert_openai_clip(args.checkpoint, args.output_dir, processor=args.processor)
    print(
        f"wrote {args.output_dir}: CLIPModel, text context {model.config.text_config.max_position_embeddings} tokens, "
        f"image size {model.config.vision_config.image_size}"
    )


if __name__ == "__main__":
    from vsum.script_utils import run_script

    sys.exit(run_script(main))  # bad paths or checkpoints: one line, exit code 1 (VSUM_DEBUG=1: traceback)

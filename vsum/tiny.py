# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Tiny random vsum models and tokenizers for tests, demos and benchmarks (no download needed).

>>> from vsum.tiny import make_tiny_processor, tiny_config
>>> processor = make_tiny_processor(words=["red", "circle", "moves"])  # doctest: +SKIP
>>> config = tiny_config(processor)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable


# BLIP's tokenizer is BERT's WordPiece vocabulary plus "[DEC]" as the decoder's BOS token.
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]
BASE_WORDS = ["a", "video", "of", "the", "and", "to", "is", "in", "on", "with"]


def make_tiny_tokenizer(words: Iterable[str] = (), save_dir: str | os.PathLike | None = None):
    """A BLIP-style `BertTokenizerFast` over `SPECIAL_TOKENS + BASE_WORDS + words` (+ single letters as fallback)."""
    from transformers import BertTokenizerFast

    vocab = list(SPECIAL_TOKENS)
    for word in [*BASE_WORDS, *words, *"abcdefghijklmnopqrstuvwxyz0123456789", ",", "'", "-"]:
        if word not in vocab:
            vocab.append(word)
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = os.path.join(tmp, "vocab.txt")
        with open(vocab_file, "w", encoding="utf-8") as handle:
            handle.write("\n".join(vocab) + "\n")
        # `vocab_file=` is silently ignored by BertTokenizerFast in transformers 5; `vocab=` reads the file.
        tokenizer = BertTokenizerFast(
            vocab=vocab_file,
            do_lower_case=True,
            bos_token="[DEC]",
            model_max_length=512,
        )
    if len(tokenizer) != len(vocab):
        raise RuntimeError(f"tiny tokenizer has {len(tokenizer)} tokens, expected {len(vocab)}")
    if save_dir is not None:
        tokenizer.save_pretrained(save_dir)
    return tokenizer


def make_tiny_processor(words: Iterable[str] = (), image_size: int = 32, **processor_kwargs):
    """A `VsumProcessor` with a tiny tokenizer and a video processor resizing frames to `image_size`."""
    from .processing_vsum import VsumProcessor, VsumVideoProcessor

    video_processor = VsumVideoProcessor(size={"height": image_size, "width": image_size})
    return VsumProcessor(video_processor=video_processor, tokenizer=make_tiny_tokenizer(words), **processor_kwargs)


def tiny_config(
    processor=None, hidden_size: int = 32, image_size: int = 32, vocab_size: int | None = None, **overrides
):
    """A `VsumConfig` with hidden size 32, 1-layer ViT and decoder, sized to `processor`'s tokenizer."""
    from .configuration_vsum import VsumConfig

    if processor is not None:
        tokenizer = processor.tokenizer
        vocab_size = len(tokenizer)
        token_ids = dict(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.sep_token_id,
            sep_token_id=tokenizer.sep_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        # The prompt's one derivation: the processor owns the text, the model keeps its ids (see VsumConfig).
        overrides.setdefault("prompt_token_ids", processor.prompt_token_ids)
    else:
        token_ids = dict(bos_token_id=5, eos_token_id=3, sep_token_id=3, pad_token_id=0)
        vocab_size = vocab_size or 64
    vision_config = dict(
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=1,
        num_attention_heads=4,
        image_size=image_size,
        patch_size=16,
        # BlipVisionConfig's default initializer_range is 1e-10 (fine for loading trained weights); a randomly
        # initialised ViT with it maps every frame to the same [CLS] embedding, so nothing could be learned.
        initializer_range=0.02,
    )
    text_config = dict(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=1,
        num_attention_heads=4,
        max_position_embeddings=128,
        **token_ids,
    )
    vision_config.update(overrides.pop("vision_config", {}) or {})
    text_config.update(overrides.pop("text_config", {}) or {})
    overrides.setdefault("temporal_dropout", 0.0)
    return VsumConfig(vision_config=vision_config, text_config=text_config, **overrides)

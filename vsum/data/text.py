# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Text targets for VideoXum-style cross-modal summarization.

VideoXum annotates every video segment with one sentence (``tsum``). The official training code (a BLIP
derivative) builds the text summary of a video by concatenating these sentences and cleaning them with BLIP's
``pre_caption`` (without truncating it): this module reproduces that rule exactly so that the targets and
references of this project are the official ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


__all__ = ["build_text_summary"]

# BLIP's `pre_caption`: these characters become a space...
_PUNCTUATION_RE = re.compile(r"[.!\"()*#:;~]")
# ... then every run of two or more whitespace characters becomes one space.
_WHITESPACE_RUN_RE = re.compile(r"\s{2,}")


def build_text_summary(tsum: Sequence[str]) -> str:
    """Build the text summary of a video from its per-segment sentences, exactly as VideoXum does.

    The rule is the official one: ``"".join(tsum)`` (no separator: ActivityNet sentences usually start with a
    space), lower-cased, each of the characters ``.!"()*#:;~`` replaced by a space, every run of two or more
    whitespace characters replaced by one space, a trailing newline removed and leading/trailing spaces stripped.
    This is BLIP's ``pre_caption`` without its truncation to ``max_words``. Like ``pre_caption``, a single tab or
    newline *inside* the text is kept as it is (only runs of two or more whitespace characters are collapsed);
    VideoXum sentences contain none.

    Args:
        tsum (`Sequence[str]`):
            The per-segment summary sentences of one video (the ``tsum`` field of a VideoXum record).

    Returns:
        `str`: The cleaned text summary, e.g. ``["A man walks.", " He sits (down)!"]`` gives
        ``"a man walks he sits down"``.

    Raises:
        `ValueError`: If ``tsum`` is a string (a common mistake: it must be a list of sentences) or contains
        something that is not a string.
    """
    if isinstance(tsum, str):
        raise ValueError(f"`tsum` must be a list of sentences, got the string {tsum!r}")
    for index, sentence in enumerate(tsum):
        if not isinstance(sentence, str):
            raise ValueError(
                f"`tsum` must contain only strings, got {type(sentence).__name__} {sentence!r} at index {index}"
            )
    text = _PUNCTUATION_RE.sub(" ", "".join(tsum).lower())
    text = _WHITESPACE_RUN_RE.sub(" ", text)
    return text.rstrip("\n").strip(" ")

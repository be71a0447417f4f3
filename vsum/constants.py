# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Names and numbers shared across vsum (one home each). Importing this module imports nothing.

`DEFAULT_SUMMARY_RATIO` also stands in `configuration_vsum.py`, which ships as self-contained remote code with every
checkpoint and so cannot import this module; `tests/test_io_utils.py` checks that the two agree.
"""

#: Fraction of the sampled frames in the video summary (VideoXum: 15 %).
DEFAULT_SUMMARY_RATIO = 0.15


#: Split name -> annotation file name, as in the official VideoXum release (SynthXum uses the same layout).
SPLIT_FILES: dict[str, str] = {
    "train": "train_videoxum.json",
    "validation": "val_videoxum.json",
    "test": "test_videoxum.json",
}

#: Video file extensions vsum looks for (folders given to `vsum summarize`, `<video_dir>/<video_id><ext>` in the
#: VideoXum builder and feature extraction), tried in this order.
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v")


__all__ = ["DEFAULT_SUMMARY_RATIO", "SPLIT_FILES", "VIDEO_EXTENSIONS"]

#: BibTeX of the VideoXum paper, cited by the three `evaluate` metrics in `metrics/`.
VIDEOXUM_CITATION = """\
@article{lin2023videoxum,
    author = {Lin, Jingyang and Hua, Hang and Chen, Ming and Li, Yikang and Hsiao, Jenhao and Ho, Chiuman and Luo, Jiebo},
    title = {VideoXum: Cross-modal Visual and Textural Summarization of Videos},
    journal = {IEEE Transactions on Multimedia},
    year = {2023},
    eprint = {2303.12060},
    archivePrefix = {arXiv},
}
"""

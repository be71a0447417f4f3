# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`pipeline("video-summarization", model=..., trust_remote_code=True)(video_path)`.

An exported checkpoint folder carries this file (and the files it imports) plus `custom_pipelines` in its
config, so the task resolves from the folder or the Hub without installing vsum (see [`add_pipeline_to_folder`]).
"""

from __future__ import annotations

import os

from transformers import AutoModel, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from .inference import encode_video, format_summary


TASK = "video-summarization"


class VideoSummarizationPipeline(Pipeline):
    """Video file in, video summary + text summary out (the fields of `vsum summarize`'s JSON).

    Example:

    ```python
    >>> from transformers import pipeline
    >>> summarizer = pipeline("video-summarization", model="path/to/vsum-checkpoint", trust_remote_code=True)  # doctest: +SKIP
    >>> result = summarizer("video.mp4", ratio=0.15, num_beams=3)  # doctest: +SKIP
    >>> result["text"], result["segments"]  # doctest: +SKIP
    ```
    """

    _load_processor = True
    _load_tokenizer = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False

    def _sanitize_parameters(
        self, ratio=None, fps=None, max_frames=None, num_beams=None, max_length=None, min_length=None, **kwargs
    ):
        preprocess = {k: v for k, v in dict(fps=fps, max_frames=max_frames).items() if v is not None}
        generate = {
            k: v
            for k, v in dict(num_beams=num_beams, max_length=max_length, min_length=min_length).items()
            if v is not None
        }
        forward = {"generate_kwargs": generate}
        postprocess = {"ratio": ratio} if ratio is not None else {}
        return preprocess, forward, postprocess

    def preprocess(self, video, fps=None, max_frames=None):
        # Frames are decoded and encoded chunk by chunk (bounded memory), so preprocessing yields the features.
        if not isinstance(video, (str, os.PathLike)):
            raise ValueError(f"video-summarization takes a video file path, got {type(video).__name__}")
        frame_embeds, timestamps, info = encode_video(video, self.model, self.processor, fps=fps, max_frames=max_frames)
        return {
            "frame_embeds": frame_embeds[None],
            "frame_timestamps": timestamps[None],
            "video": os.fspath(video),
            "duration": info.duration,
            "fps": fps,
        }

    def _forward(self, inputs, generate_kwargs=None):
        generate_kwargs = {"num_beams": 3, "max_length": 128, "min_length": 10, **(generate_kwargs or {})}
        frame_embeds = inputs["frame_embeds"].to(self.model.device)
        output = self.model(frame_embeds=frame_embeds)
        ids = self.model.generate(frame_features=output.frame_features, frame_mask=output.frame_mask, **generate_kwargs)
        return {**inputs, "saliency_logits": output.saliency_logits.cpu(), "ids": ids.cpu()}

    def postprocess(self, outputs, ratio=None):
        ratio = self.model.config.summary_ratio if ratio is None else ratio
        summary = self.processor.post_process_summary(
            outputs["saliency_logits"], frame_timestamps=outputs["frame_timestamps"], ratio=ratio
        )[0]
        text = self.processor.batch_decode(outputs["ids"])[0]
        fps = outputs["fps"] or self.processor.video_processor.fps
        return format_summary(summary, text, video=outputs["video"], duration=outputs["duration"], fps=fps, ratio=ratio)


PIPELINE_REGISTRY.register_pipeline(
    TASK, pipeline_class=VideoSummarizationPipeline, pt_model=AutoModel, type="multimodal"
)


def add_pipeline_to_folder(folder: str | os.PathLike) -> None:
    """Adds `custom_pipelines` to a saved checkpoint's config and copies the pipeline code next to it."""
    import json
    import shutil

    from transformers.dynamic_module_utils import get_relative_import_files

    folder = os.fspath(folder)
    config_path = os.path.join(folder, "config.json")
    if not os.path.exists(config_path):
        raise ValueError(f"{folder}: no config.json; save the model there first")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    config["custom_pipelines"] = {
        TASK: {"impl": "pipeline.VideoSummarizationPipeline", "pt": ["AutoModel"], "tf": [], "type": "multimodal"}
    }
    for source in [__file__, *get_relative_import_files(__file__)]:
        shutil.copyfile(source, os.path.join(folder, os.path.basename(source)))
    partial = config_path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)
    os.replace(partial, config_path)


ENDPOINT_REQUIREMENTS = ["transformers>=5", "torch", "torchvision", "av", "decord", "numpy", "pillow"]


def add_serving_files(folder: str | os.PathLike) -> None:
    """Makes a saved checkpoint folder servable: the pipeline (`custom_pipelines` + code), `handler.py` for
    Inference Endpoints, and the endpoint's `requirements.txt`."""
    import shutil

    add_pipeline_to_folder(folder)
    shutil.copyfile(os.path.join(os.path.dirname(__file__), "handler.py"), os.path.join(folder, "handler.py"))
    with open(os.path.join(folder, "requirements.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(ENDPOINT_REQUIREMENTS) + "\n")

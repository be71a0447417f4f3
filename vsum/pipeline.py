# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`pipeline("video-summarization", model=..., trust_remote_code=True)(video)`.

An exported checkpoint folder carries this file (and the files it imports) plus `custom_pipelines` in its
config, so the task resolves from the folder or the Hub without installing vsum (see [`add_pipeline_to_folder`]).
With vsum installed, `import vsum.pipeline` registers the task natively.

Inputs are a video file path or the video's bytes (the Inference Endpoints handler passes bytes), or a list of them
(a list of results; an empty list gives `[]`). The pipeline never fetches URLs. Every parameter is validated: a wrong
type or value, or an unknown name, raises `ValueError` naming it, before any video is decoded.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile

from transformers import AutoModel, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from .formatting import round_summary
from .inference import encode_video, format_summary
from .processing_vsum import probe_video


TASK = "video-summarization"

#: `generate` keywords accepted directly (or inside `generate_kwargs`), with the kind of value each takes.
GENERATION_PARAMETERS = {
    "max_new_tokens": "positive_int",
    "min_new_tokens": "non_negative_int",
    "max_length": "positive_int",
    "min_length": "non_negative_int",
    "num_beams": "positive_int",
    "do_sample": "bool",
    "temperature": "positive_float",
    "top_k": "positive_int",
    "top_p": "probability",
    "repetition_penalty": "positive_float",
    "length_penalty": "float",
    "no_repeat_ngram_size": "non_negative_int",
    "early_stopping": "bool",
}
#: Ranges of the generation numbers whose extremes break decoding (`temperature=1e-300` divides the logits into
#: infinities and NaN probabilities); inclusive bounds, far wider than any useful value.
GENERATION_RANGES = {"temperature": (1e-2, 100.0), "repetition_penalty": (1e-2, 100.0), "length_penalty": (-10.0, 10.0)}
#: The pipeline's own parameters.
PIPELINE_PARAMETERS = {
    "ratio": "probability",
    "fps": "positive_float",
    "max_frames": "positive_int",
    "max_duration": "positive_float",
    "max_bytes": "positive_int",
    "max_pixels": "positive_int",
    "allowed_dir": "path",
    "generate_kwargs": "dict",
    "chapters": "bool",
    "dtype": "dtype",
}
#: Name of a video given as bytes in results and error messages (its temporary file's path means nothing outside).
BYTES_LABEL = "input"


def check_parameter(name: str, value, kind: str):
    """Returns `value` if it is of `kind`, else raises `ValueError` naming the parameter, the value and the rule.

    Strict on types: `"3"` is not an integer and `True` is not a number (a JSON client sends numbers as numbers).
    """
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "bool":
        ok, rule = isinstance(value, bool), "true or false"
    elif kind in ("positive_int", "non_negative_int"):
        ok = isinstance(value, int) and not isinstance(value, bool) and (value > 0 or kind == "non_negative_int")
        ok = ok and value >= 0
        rule = "a positive integer" if kind == "positive_int" else "an integer >= 0"
    elif kind == "positive_float":
        ok, rule = is_number and math.isfinite(value) and value > 0, "a number > 0"
    elif kind == "float":
        ok, rule = is_number and math.isfinite(value), "a finite number"
    elif kind == "probability":
        ok, rule = is_number and 0 < value <= 1, "a number in (0, 1]"
    elif kind == "dict":
        ok, rule = isinstance(value, dict), "a dict"
    elif kind == "path":
        ok, rule = isinstance(value, (str, os.PathLike)), "a folder path"
    elif kind == "dtype":
        ok, rule = value in ("auto", "float32", "bfloat16", "float16"), "auto, float32, bfloat16 or float16"
    else:
        raise ValueError(f"unknown parameter kind {kind!r}")
    if not ok:
        raise ValueError(f"parameter {name!r} must be {rule}, got {value!r} ({type(value).__name__})")
    return value


def check_generate_kwargs(kwargs: dict) -> dict:
    """Validates `generate` keywords (names, types and [`GENERATION_RANGES`]); returns them unchanged."""
    unknown = sorted(set(kwargs) - set(GENERATION_PARAMETERS))
    if unknown:
        raise ValueError(
            f"unknown generation parameter(s) {unknown}; accepted: {', '.join(sorted(GENERATION_PARAMETERS))}"
        )
    for name, value in kwargs.items():
        check_parameter(name, value, GENERATION_PARAMETERS[name])
        low, high = GENERATION_RANGES.get(name, (-math.inf, math.inf))
        if not low <= value <= high:
            raise ValueError(f"parameter {name!r} must be a number in [{low:g}, {high:g}], got {value!r}")
    return dict(kwargs)


def resolve_allowed_path(path: str | os.PathLike, allowed_dir: str | os.PathLike) -> str:
    """The real path of `path` if it lies inside `allowed_dir` after resolving symlinks and `..`, else `ValueError`.

    Relative paths are refused (they would depend on the server's working folder). The check comes before any
    existence test, so a refused path says nothing about what exists outside `allowed_dir`.
    """
    path = os.fspath(path)
    if not os.path.isabs(path):
        raise ValueError("relative video paths are refused; give an absolute path inside the allowed folder")
    root = os.path.realpath(os.fspath(allowed_dir))
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise ValueError("video paths outside the allowed folder are refused")
    return real


class VideoSummarizationPipeline(Pipeline):
    """Video (file path or bytes) in, video summary + text summary out (the fields of `vsum summarize`'s JSON).

    Parameters (at construction or per call): `ratio` (fraction of frames kept, default the model's
    `summary_ratio`), `fps`, `max_frames` (that many samples, evenly spread), `max_duration` (seconds: longer videos
    are refused), `max_bytes` (bytes inputs larger than this are refused), `max_pixels` (videos whose frames hold more
    pixels are refused before decoding, checked by `probe_video` on the stream header; default: no cap), `allowed_dir` (when set, file paths must
    resolve inside it), `chapters` (`True`: a caption per selected segment in `result["chapters"]`,
    `[{"start", "end", "title"}]`, see `vsum.chapters`), `generate_kwargs` and the usual `generate` keywords ([`GENERATION_PARAMETERS`]; unset ones
    come from the model's `generation_config`). Anything else raises `ValueError` naming it. Floats are rounded as in
    the `vsum summarize` JSON (`vsum.formatting.round_summary`: times to the millisecond).

    Example:

    ```python
    >>> from transformers import pipeline
    >>> summarizer = pipeline("video-summarization", model="path/to/vsum-checkpoint", trust_remote_code=True)  # doctest: +SKIP
    >>> result = summarizer("video.mp4", ratio=0.15, num_beams=3, max_new_tokens=40)  # doctest: +SKIP
    >>> result["text"], result["segments"]  # doctest: +SKIP
    ```
    """

    #: The `generate` keywords it accepts (the endpoint handler reads them from here).
    generation_parameters = tuple(GENERATION_PARAMETERS)

    _load_processor = True
    _load_tokenizer = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False

    def __call__(self, inputs, *args, **kwargs):
        # A list of videos gives a list of results, so an empty list gives `[]` (what transformers' `Pipeline` gives
        # an exhausted generator; its list path peeks at `inputs[0]` and raised IndexError). Parameters still checked.
        if isinstance(inputs, list) and not inputs:
            self._sanitize_parameters(**{k: v for k, v in kwargs.items() if k not in ("num_workers", "batch_size")})
            return []
        return super().__call__(inputs, *args, **kwargs)

    def _sanitize_parameters(self, generate_kwargs=None, **kwargs):
        generation = {k: kwargs.pop(k) for k in list(kwargs) if k in GENERATION_PARAMETERS}
        unknown = sorted(set(kwargs) - set(PIPELINE_PARAMETERS))
        if unknown:
            raise ValueError(
                f"{TASK} got unknown parameter(s) {unknown}; accepted: "
                f"{', '.join(sorted(set(PIPELINE_PARAMETERS) | set(GENERATION_PARAMETERS)))}"
            )
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        for name, value in kwargs.items():
            check_parameter(name, value, PIPELINE_PARAMETERS[name])
        if generate_kwargs is not None:
            check_parameter("generate_kwargs", generate_kwargs, "dict")
            both = sorted(set(generate_kwargs) & set(generation))
            if both:
                raise ValueError(f"{both} given both directly and in generate_kwargs; give each once")
            generation.update(generate_kwargs)
        generation = check_generate_kwargs({k: v for k, v in generation.items() if v is not None})
        preprocess_keys = ("fps", "max_frames", "max_duration", "max_bytes", "max_pixels", "allowed_dir", "dtype")
        preprocess = {k: kwargs[k] for k in preprocess_keys if k in kwargs}
        forward = {"generate_kwargs": generation} if generation else {}
        postprocess = {k: kwargs[k] for k in ("ratio", "chapters") if k in kwargs}
        return preprocess, forward, postprocess

    def preprocess(
        self,
        video,
        fps=None,
        max_frames=None,
        max_duration=None,
        max_bytes=None,
        allowed_dir=None,
        dtype=None,
        max_pixels=None,
    ):
        # Frames are decoded and encoded chunk by chunk (bounded memory), so preprocessing yields the features.
        if isinstance(video, (bytes, bytearray, memoryview)):
            data = bytes(video)
            if max_bytes is not None and len(data) > max_bytes:
                raise ValueError(f"{BYTES_LABEL}: the video is {len(data)} bytes, more than max_bytes={max_bytes}")
            folder = tempfile.mkdtemp(prefix="vsum-pipeline-")
            path = os.path.join(folder, "video")
            try:
                with open(path, "xb") as handle:
                    handle.write(data)
                return self._encode(path, BYTES_LABEL, fps, max_frames, max_duration, dtype, max_pixels)
            except ValueError as error:
                # The temporary path means nothing to the caller (and must not reach a remote one).
                message = str(error).replace(path, BYTES_LABEL).replace(folder, "<tmp>")
                raise ValueError(message) from None
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        if isinstance(video, str) and video.startswith(("http://", "https://", "ftp://", "file://")):
            raise ValueError("video-summarization does not fetch URLs: download the video and pass its path or bytes")
        if not isinstance(video, (str, os.PathLike)):
            raise ValueError(f"video-summarization takes a video file path or bytes, got {type(video).__name__}")
        label = os.fspath(video)
        path = resolve_allowed_path(video, allowed_dir) if allowed_dir is not None else label
        return self._encode(path, label, fps, max_frames, max_duration, dtype, max_pixels)

    def _encode(self, path, label, fps, max_frames, max_duration, dtype=None, max_pixels=None):
        # One probe (handed to encode_video): the duration and frame size caps are checked before any frame is decoded.
        try:
            info = probe_video(path, max_duration=max_duration, max_pixels=max_pixels)
            frame_embeds, timestamps, info = encode_video(
                path,
                self.model,
                self.processor,
                fps=fps,
                max_frames=max_frames,
                max_duration=max_duration,
                dtype=dtype,  # the ViT under autocast (auto: bf16 on capable GPUs); features come back float32
                info=info,
            )
        except ValueError as error:
            raise ValueError(str(error).replace(os.fspath(path), label)) from None
        return {
            "frame_embeds": frame_embeds[None],  # (1, T, D)
            "frame_timestamps": timestamps[None],  # (1, T)
            "video": label,
            "duration": info.duration,
            "fps": fps,
        }

    def _forward(self, inputs, generate_kwargs=None):
        # Only what the caller set: the rest comes from the model's generation_config.
        frame_embeds = inputs["frame_embeds"].to(self.model.device)
        output = self.model(frame_embeds=frame_embeds)
        ids = self.model.generate(
            frame_features=output.frame_features, frame_mask=output.frame_mask, **(generate_kwargs or {})
        )
        return {**inputs, "saliency_logits": output.saliency_logits.cpu(), "ids": ids.cpu()}

    def postprocess(self, outputs, ratio=None, chapters=False):
        ratio = self.model.config.summary_ratio if ratio is None else ratio
        summary = self.processor.post_process_summary(
            outputs["saliency_logits"], frame_timestamps=outputs["frame_timestamps"], ratio=ratio
        )[0]
        text = self.processor.batch_decode(outputs["ids"])[0]
        fps = outputs["fps"] or self.processor.video_processor.fps
        result = format_summary(
            summary, text, video=outputs["video"], duration=outputs["duration"], fps=fps, ratio=ratio
        )
        if chapters:
            from .chapters import add_chapters

            # The frame features encoded in `preprocess`: the video is not decoded again.
            add_chapters(result, self.model, self.processor, frame_embeds=outputs["frame_embeds"][0])
        return round_summary(result)


PIPELINE_REGISTRY.register_pipeline(
    TASK, pipeline_class=VideoSummarizationPipeline, pt_model=AutoModel, type="multimodal"
)


def _serving_sources() -> list[str]:
    """The code files a servable folder needs: this file, the handler, and everything they import relatively."""
    from transformers.dynamic_module_utils import get_relative_import_files

    here = os.path.dirname(os.path.abspath(__file__))
    model_code = [os.path.join(here, f"{name}_vsum.py") for name in ("configuration", "modeling", "processing")]
    sources = [os.path.abspath(__file__), os.path.join(here, "handler.py"), *model_code]
    sources += get_relative_import_files(__file__)
    return sorted({os.path.abspath(source) for source in sources})


def _place(source: str, target: str, link: bool) -> None:
    if link:
        # Relative link into the package: the demo folder's code can never drift from the package's.
        if os.path.lexists(target):
            os.unlink(target)
        os.symlink(os.path.relpath(source, os.path.dirname(target)), target)
    else:
        shutil.copyfile(source, target)


def add_pipeline_to_folder(folder: str | os.PathLike, link: bool = False) -> None:
    """Adds `custom_pipelines` to a saved checkpoint's config and copies the pipeline code (and the model's remote
    code) next to it. `link=True` makes relative symlinks into the package instead of copies: only for folders inside
    the package (the demo checkpoint), whose code then can never drift from the package's."""
    import json

    from .io_utils import atomic_write_json

    folder = os.fspath(folder)
    config_path = os.path.join(folder, "config.json")
    if not os.path.exists(config_path):
        raise ValueError(f"{folder}: no config.json; save the model there first")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    config["custom_pipelines"] = {
        TASK: {"impl": "pipeline.VideoSummarizationPipeline", "pt": ["AutoModel"], "tf": [], "type": "multimodal"}
    }
    for source in _serving_sources():
        if os.path.basename(source) != "handler.py":
            _place(source, os.path.join(folder, os.path.basename(source)), link)
    atomic_write_json(config_path, config, sort_keys=True)


ENDPOINT_REQUIREMENTS = ["transformers>=5", "torch", "torchvision", "av", "decord", "numpy", "pillow"]


def add_serving_files(folder: str | os.PathLike, link: bool = False) -> None:
    """Makes a saved checkpoint folder servable: the pipeline (`custom_pipelines` + code), `handler.py` for
    Inference Endpoints, and the endpoint's `requirements.txt` (`link`: see [`add_pipeline_to_folder`])."""
    from .io_utils import atomic_write_text

    add_pipeline_to_folder(folder, link=link)
    handler = os.path.join(os.path.dirname(os.path.abspath(__file__)), "handler.py")
    _place(handler, os.path.join(os.fspath(folder), "handler.py"), link)
    atomic_write_text(os.path.join(os.fspath(folder), "requirements.txt"), "\n".join(ENDPOINT_REQUIREMENTS) + "\n")

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Inference Endpoints handler: `EndpointHandler(path)(data)`; copied as `handler.py` into exported folders.

`data = {"inputs": <video as bytes, base64 string, data URL, local path or http(s) URL>,
"parameters": {"ratio": 0.15, "num_beams": 3, "max_length": 128}}` -> the `vsum summarize` JSON fields.
"""

from __future__ import annotations

import base64
import os
import tempfile
import urllib.request

from transformers import pipeline


class EndpointHandler:
    """Loads the folder's `video-summarization` pipeline (its code ships in the folder: no vsum install needed)."""

    def __init__(self, path: str = ""):
        import torch

        device = 0 if torch.cuda.is_available() else -1
        self.pipeline = pipeline("video-summarization", model=path or ".", trust_remote_code=True, device=device)

    def __call__(self, data: dict) -> dict:
        if not isinstance(data, dict) or "inputs" not in data:
            raise ValueError("request must be a JSON object with an 'inputs' field holding the video")
        parameters = dict(data.get("parameters") or {})
        ratio = parameters.pop("ratio", None)
        allowed = {"num_beams", "max_length", "min_length"}
        unknown = set(parameters) - allowed
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}; allowed: ratio, {', '.join(sorted(allowed))}")
        with tempfile.TemporaryDirectory() as tmp:
            path = _materialize(data["inputs"], tmp)
            result = self.pipeline(path, ratio=ratio, **parameters)
        result["video"] = "input"  # the temporary path means nothing to the caller
        return result


def _materialize(video, folder: str) -> str:
    """A local file for the request's video (bytes, base64, data URL, path or URL)."""
    target = os.path.join(folder, "input.mp4")
    if isinstance(video, (bytes, bytearray)):
        payload = bytes(video)
    elif isinstance(video, str) and video.startswith(("http://", "https://")):
        with urllib.request.urlopen(video, timeout=60) as response:  # noqa: S310 - the caller's own URL
            payload = response.read()
    elif isinstance(video, str) and os.path.exists(video):
        return video
    elif isinstance(video, str):
        encoded = video.split(",", 1)[1] if video.startswith("data:") else video
        try:
            payload = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise ValueError("'inputs' is neither an existing path, a URL, nor valid base64 video data") from None
    else:
        raise ValueError(f"'inputs' must be bytes or a string, got {type(video).__name__}")
    with open(target, "wb") as handle:
        handle.write(payload)
    return target

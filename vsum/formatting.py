# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The one number formatter of every summary output (the `vsum summarize` JSON, the pipeline, the endpoint handler
and the Space): standard library only, because it ships as remote code with the pipeline.

>>> round_summary({"duration": 39.480000000000004, "frames": [{"t": 0.5000001, "score": 0.123456789}]})
{'duration': 39.48, 'frames': [{'t': 0.5, 'score': 0.1235}]}
"""

from __future__ import annotations


#: Keys whose floats keep 6 decimals (ratios and rates); scores keep 4; every other float (times, durations,
#: seconds) is rounded to the millisecond.
RATE_KEYS = ("summary_ratio", "ratio", "fps", "frame_rate")


def round_summary(value, key: str | None = None):
    """The summary with floats rounded for JSON: times and durations to the millisecond, scores to 4 decimals,
    ratios and rates to 6 (so `39.480000000000004` is written `39.48`). Returns a new object."""
    if isinstance(value, dict):
        return {k: round_summary(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_summary(v, key) for v in value]
    if isinstance(value, float):
        if key == "score":
            return round(value, 4)
        if key in RATE_KEYS:
            return round(value, 6)
        return round(value, 3)
    return value


__all__ = ["RATE_KEYS", "round_summary"]

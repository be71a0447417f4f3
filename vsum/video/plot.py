# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The saliency curve over time, with the selected segments shaded and the text summary as title."""

from __future__ import annotations

import os
import textwrap


def plot_saliency(summary: dict, output: str | os.PathLike) -> str:
    """Saves a PNG of `summary["frames"]` scores over time; `summary` is what `summarize_video` returns."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = [frame["t"] for frame in summary["frames"]]
    scores = [frame["score"] for frame in summary["frames"]]
    figure, axis = plt.subplots(figsize=(10, 3.2), dpi=100)
    for start, end in summary["segments"]:
        axis.axvspan(start, end, color="tab:orange", alpha=0.3, linewidth=0)
    axis.plot(times, scores, color="tab:blue", linewidth=1.2, label="saliency")
    axis.set_xlim(0, max(summary.get("duration") or 0, times[-1] if times else 1))
    axis.set_ylim(0, 1)
    axis.set_xlabel("time (s)")
    axis.set_ylabel("saliency")
    axis.set_title("\n".join(textwrap.wrap(summary.get("text") or "", 110)) or "(no text summary)", fontsize=9)
    figure.tight_layout()
    output = os.fspath(output)
    partial = output + ".partial.png"
    figure.savefig(partial, format="png")
    plt.close(figure)
    os.replace(partial, output)
    return output

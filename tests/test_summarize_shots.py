# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`vsum summarize --segments shots` (issue #20 item 4): segments, reels, chapters and cut lists follow KTS shot
boundaries, chosen by a 0/1 knapsack over the shots' lengths within `--ratio` x the duration or `--max-seconds`."""

import copy
import itertools
import json
import re

import numpy as np
import pytest
from conftest import write_video

from vsum.cli import main
from vsum.summarize import SEGMENT_MODES, apply_selection, summarize_many


FAST = ["--num-beams", "1", "--no-progress"]


def summary_with_shots(lengths=(5, 4, 6, 5), seed=0, scores=None):
    """A summary dict as `vsum.inference.summarize_video` returns it (1 fps, one frame per second) and frame
    features with one clear shot per entry of `lengths` (a random direction per shot plus a little noise)."""
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    features = np.repeat(rng.normal(size=(len(lengths), 16)), lengths, axis=0) + 0.05 * rng.normal(size=(n, 16))
    scores = rng.uniform(size=n).round(4) if scores is None else np.asarray(scores, dtype=float)
    frames = [{"t": float(t), "score": float(s)} for t, s in enumerate(scores)]
    summary = {
        "video": "clip.mp4",
        "duration": float(n),
        "fps": 1.0,
        "summary_ratio": 0.15,
        "frames": frames,
        "keyframes": {"indices": [0], "times": [0.0]},
        "segments": [[0.0, 1.0]],
        "text": "a clip",
    }
    return summary, features


def boundaries(lengths) -> list[float]:
    return [0.0, *map(float, np.cumsum(lengths))]


def best_keyshot_value(spans, scores, capacity) -> float:
    """Brute force: the largest total mean-saliency of shots whose lengths fit in `capacity`."""
    means = [float(np.mean(scores[int(s) : int(e)])) for s, e in spans]
    best = 0.0
    for size in range(len(spans) + 1):
        for subset in itertools.combinations(range(len(spans)), size):
            if sum(spans[i][1] - spans[i][0] for i in subset) <= capacity + 1e-9:
                best = max(best, sum(means[i] for i in subset))
    return best


def assert_on_shot_boundaries(summary):
    edges = {edge for shot in summary["shots"] for edge in shot}
    for start, end in summary["segments"]:
        assert start in edges and end in edges, (start, end, sorted(edges))
    # the shots tile the sampled span of the video, in order
    assert all(a[1] == b[0] for a, b in zip(summary["shots"], summary["shots"][1:]))


# ------------------------------------------------------------------------------------------ selection


@pytest.mark.parametrize("ratio", [0.25, 0.3, 0.5, 1.0])
def test_shots_follow_boundaries_and_fit_the_ratio(ratio):
    lengths = (5, 4, 6, 5)
    summary, features = summary_with_shots(lengths)
    summary["summary_ratio"] = ratio
    scores = np.array([f["score"] for f in summary["frames"]])
    apply_selection(summary, segments="shots", features=features)
    edges = boundaries(lengths)
    assert summary["shots"] == [[a, b] for a, b in zip(edges, edges[1:])]
    assert_on_shot_boundaries(summary)
    capacity = ratio * summary["duration"]
    total = sum(end - start for start, end in summary["segments"])
    assert 0 < total <= capacity + 1e-9
    selection = summary["selection"]
    assert selection["segments"] == "shots" and selection["method"] == "ratio" and selection["ratio"] == ratio
    assert selection["capacity_s"] == pytest.approx(capacity) and "fallback" not in selection
    chosen = selection["shots"]
    means = [float(np.mean(scores[int(s) : int(e)])) for s, e in summary["shots"]]
    # the knapsack's choice is optimal, each shot worth its mean saliency (DSNet's keyshot convention)
    assert sum(means[i] for i in chosen) == pytest.approx(best_keyshot_value(summary["shots"], scores, capacity))
    assert summary["keyframes"]["times"] == [
        f["t"] for f in summary["frames"] if any(s <= f["t"] < e for s, e in summary["segments"])
    ]
    if ratio == 1.0:
        assert summary["segments"] == [[0.0, 20.0]]  # every shot fits: merged into one segment


@pytest.mark.parametrize("budget", [4.0, 5.5, 9.0, 11.0, 1000.0])
def test_max_seconds_budget_is_honoured(budget):
    summary, features = summary_with_shots()
    scores = np.array([f["score"] for f in summary["frames"]])
    apply_selection(summary, max_seconds=budget, segments="shots", features=features)
    assert_on_shot_boundaries(summary)
    total = sum(end - start for start, end in summary["segments"])
    assert 0 < total <= budget + 1e-9
    assert summary["summary_ratio"] is None
    assert summary["selection"]["method"] == "budget" and summary["selection"]["max_seconds"] == budget
    means = [float(np.mean(scores[int(s) : int(e)])) for s, e in summary["shots"]]
    value = sum(means[i] for i in summary["selection"]["shots"])
    assert value == pytest.approx(best_keyshot_value(summary["shots"], scores, budget))


def test_the_budget_shorter_than_every_shot_falls_back_to_frames():
    summary, features = summary_with_shots()
    frames_summary = apply_selection(copy.deepcopy(summary), max_seconds=3.0)
    apply_selection(summary, max_seconds=3.0, segments="shots", features=features)  # every shot is 4 s or more
    assert summary["selection"]["fallback"] == "frames" and summary["selection"]["shots"] == []
    assert summary["segments"] == frames_summary["segments"]
    assert sum(end - start for start, end in summary["segments"]) <= 3.0
    with pytest.raises(ValueError, match=r"^clip\.mp4: --max-seconds 0\.5 is shorter than every candidate segment"):
        apply_selection(summary, max_seconds=0.5, segments="shots", features=features)


def test_one_shot_video():
    summary, features = summary_with_shots(lengths=(12,))
    frames_summary = apply_selection(copy.deepcopy(summary), max_seconds=0.15 * 12)
    apply_selection(summary, segments="shots", features=features)
    assert summary["shots"] == [[0.0, 12.0]]
    # the one shot is longer than 15 % of the video: the most salient frames within 1.8 s, and the JSON says so
    assert summary["selection"]["fallback"] == "frames" and summary["selection"]["shots"] == []
    assert summary["segments"] == frames_summary["segments"] and summary["summary_ratio"] == 0.15
    assert 0 < sum(end - start for start, end in summary["segments"]) <= 0.15 * 12
    summary, features = summary_with_shots(lengths=(12,))
    apply_selection(summary, max_seconds=12.0, segments="shots", features=features)
    assert summary["segments"] == [[0.0, 12.0]] and "fallback" not in summary["selection"]
    # 15 % of a 3 s video is shorter than one sampled frame: the ratio's frames stay, as with --segments frames
    summary, features = summary_with_shots(lengths=(3,))
    ratio_segments = copy.deepcopy(summary["segments"])
    apply_selection(summary, segments="shots", features=features)
    assert summary["segments"] == ratio_segments and summary["selection"]["fallback"] == "frames"


def test_video_shorter_than_the_minimum_shot():
    summary, features = summary_with_shots(lengths=(3, 3, 3))
    apply_selection(summary, max_seconds=4.0, min_segment=2.0, segments="shots", features=features)
    assert summary["shots"] == [[0.0, 3.0], [3.0, 6.0], [6.0, 9.0]]  # shots of 3 s are at least 2 s
    summary, features = summary_with_shots(lengths=(3, 3, 3))
    apply_selection(summary, max_seconds=4.0, min_segment=30.0, segments="shots", features=features)
    assert summary["shots"] == [[0.0, 9.0]]  # a 9 s video is one shot when shots last 30 s at least
    assert summary["selection"]["fallback"] == "frames" and summary["selection"]["min_segment"] == 30.0
    assert 0 < sum(end - start for start, end in summary["segments"]) <= 4.0


def test_bad_values_are_refused():
    summary, features = summary_with_shots()
    with pytest.raises(ValueError, match=r"^segments must be one of frames, shots, got 'scenes'$"):
        apply_selection(summary, segments="scenes", features=features)
    with pytest.raises(ValueError, match=r"^segments='shots' needs the sampled frames' features$"):
        apply_selection(summary, segments="shots")
    with pytest.raises(ValueError, match=r"^clip\.mp4: 19 feature rows for 20 sampled frames$"):
        apply_selection(summary, segments="shots", features=features[1:])
    with pytest.raises(ValueError, match=r"^segments must be one of frames, shots, got 'scenes'$"):
        summarize_many([], object(), object(), "out", segments="scenes")
    assert SEGMENT_MODES == ("frames", "shots")


def test_cli_refuses_a_bad_segment_mode(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", "clip.mp4", "--segments", "scenes", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    # (Python 3.12.8+ quotes the choices)
    assert re.fullmatch(
        r"vsum summarize: error: argument --segments: invalid choice: 'scenes' \(choose from "
        r"'?frames'?, '?shots'?\)",
        error,
    ), error


# ------------------------------------------------------------------------------------------ the command


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from conftest import export_tiny_model

    return export_tiny_model(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def shots_clip(tmp_path_factory):
    """16 s, four shots (0-4, 4-7, 7-12, 12-16 s) of distinct still pictures."""
    height, width = 48, 64
    pictures = [np.zeros((height, width, 3), np.uint8) for _ in range(4)]
    pictures[0][:] = 255
    pictures[1][:, : width // 2] = 255
    pictures[2][::4] = (255, 0, 0)
    pictures[3][: height // 2, :, 2] = 255
    cuts = (4, 7, 12)
    root = tmp_path_factory.mktemp("shots")
    return write_video(
        root / "shots.mp4", duration=16.0, fps=10, image=lambda k: pictures[sum(k / 10 >= c for c in cuts)]
    )


def test_cli_shots_drive_the_reel_chapters_and_cut_list(exported, shots_clip, tmp_path, capsys):
    import opentimelineio as otio

    from vsum.processing_vsum import probe_video

    out = tmp_path / "out"
    args = ["summarize", shots_clip, "--model", exported, "--out", str(out), "--fps", "4", *FAST]
    assert main([*args, "--segments", "shots", "--ratio", "0.5", "--chapters", "--cutlist", "otio"]) == 0
    summary = json.loads((out / "shots.summary.json").read_text())
    assert len(summary["shots"]) >= 2  # the tiny model's features tell some of the pictures apart
    assert summary["shots"][0][0] == 0.0 and summary["shots"][-1][1] == summary["duration"] == 16.0
    assert_on_shot_boundaries(summary)
    assert "fallback" not in summary["selection"]
    assert summary["selection"]["segments"] == "shots" and summary["parameters"]["segments"] == "shots"
    segments = summary["segments"]
    assert segments and sum(end - start for start, end in segments) <= 0.5 * 16.0 + 1e-9
    assert [[c["start"], c["end"]] for c in summary["chapters"]] == segments
    timeline = otio.adapters.read_from_file(str(out / "shots.otio"))
    clips = [
        [c.source_range.start_time.to_seconds(), c.source_range.end_time_exclusive().to_seconds()]
        for c in timeline.tracks[0].find_clips()
    ]
    assert clips == [pytest.approx(segment, abs=0.051) for segment in segments]
    reel = probe_video(out / "shots.highlights.mp4")
    assert abs(reel.duration - sum(end - start for start, end in segments)) <= 0.1 + 1e-6
    capsys.readouterr()

    # the segment mode is part of "already done": frames recomputes, shots again is skipped
    assert main([*args, "--segments", "shots", "--ratio", "0.5", "--chapters", "--cutlist", "otio"]) == 0
    assert "already summarized" in capsys.readouterr().out
    assert main([*args, "--ratio", "0.5", "--json-only"]) == 0
    assert "1 summarized" in capsys.readouterr().out
    frames_summary = json.loads((out / "shots.summary.json").read_text())
    assert frames_summary["selection"]["segments"] == "frames" and "shots" not in frames_summary
    assert "segments" not in frames_summary["parameters"]  # unchanged for the default: older summaries stay done


def test_cli_shots_under_max_seconds(exported, shots_clip, tmp_path):
    out = tmp_path / "out"
    args = ["summarize", shots_clip, "--model", exported, "--out", str(out), "--fps", "4", "--json-only", *FAST]
    assert main([*args, "--segments", "shots", "--max-seconds", "5"]) == 0
    summary = json.loads((out / "shots.summary.json").read_text())
    assert_on_shot_boundaries(summary)
    assert 0 < sum(end - start for start, end in summary["segments"]) <= 5.0 + 1e-9
    assert summary["parameters"]["max_seconds"] == 5.0 and summary["parameters"]["ratio"] is None

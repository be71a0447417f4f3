# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`vsum summarize`, the video-summarization pipeline and the Inference Endpoints handler on generated videos."""

import json
import os
import re
import subprocess
import sys

import pytest
import torch
from conftest import write_audio_only, write_video

from vsum.cli import main
from vsum.processing_vsum import probe_video


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny model exported like a Hub repo: weights, processor, remote code, pipeline and handler."""
    from conftest import export_tiny_model

    return export_tiny_model(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    return {
        "plain": write_video(root / "plain.mp4", duration=12.0, fps=10),
        "audio": write_video(root / "with_audio.mp4", duration=9.0, fps=10, audio=True),
        "odd": write_video(root / "odd.mp4", duration=8.0, fps=25, width=37, height=29),
        "vfr": write_video(root / "vfr.mp4", fps=10, timestamps=[0, 0.3, 1.1, 2.6, 2.7, 4.0, 5.5, 6.1, 7.9, 8.4, 9.0]),
        "short": write_video(root / "short.mp4", duration=3.0, fps=10),
    }


FAST = ["--num-beams", "1", "--no-progress"]


def test_summarize_writes_consistent_outputs(exported, clips, tmp_path, capsys):
    out = tmp_path / "out"
    videos = [clips[name] for name in ("plain", "audio", "odd", "vfr", "short")]
    assert main(["summarize", *videos, "--model", exported, "--out", str(out), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "5 summarized, 0 already done, 0 failed" in printed
    for video in videos:
        stem = os.path.splitext(os.path.basename(video))[0]
        summary = json.loads((out / f"{stem}.summary.json").read_text())
        assert set(summary) >= {"model", "fps", "frames", "keyframes", "segments", "text", "duration", "timings"}
        assert summary["model"] == exported and summary["fps"] == 1.0
        times = [frame["t"] for frame in summary["frames"]]
        assert times == sorted(times) and all(0 <= f["score"] <= 1 for f in summary["frames"])
        assert summary["keyframes"]["times"] == [times[i] for i in summary["keyframes"]["indices"]]
        segments = summary["segments"]
        assert segments == sorted(segments)
        assert all(0 <= start < end <= summary["duration"] + 1e-9 for start, end in segments)
        assert all(a[1] < b[0] for a, b in zip(segments, segments[1:]))  # merged: no touching spans
        assert isinstance(summary["text"], str)
        reel = probe_video(out / f"{stem}.highlights.mp4")
        fps = probe_video(video).average_fps
        wanted = sum(end - start for start, end in segments)
        assert abs(reel.duration - wanted) <= 1.0 / fps + 1e-6, (stem, reel.duration, wanted)
        assert reel.has_audio == (stem == "with_audio")
        png = (out / f"{stem}.saliency.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert not list(out.glob("*.partial*"))
        assert summary["text"] in printed


def test_summarize_is_resumable_and_reports_failures(exported, clips, tmp_path, capsys):
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("plain", "short"):
        os.symlink(clips[name], folder / os.path.basename(clips[name]))
    (folder / "broken.mp4").write_bytes(b"not a video at all" * 20)
    write_audio_only(folder / "audio_only.mp4")
    out = tmp_path / "out"
    assert main(["summarize", str(folder), "--model", exported, "--out", str(out), "--json-only", *FAST]) == 1
    captured = capsys.readouterr()
    assert "2 summarized, 0 already done, 2 failed" in captured.out
    errors = [line for line in captured.err.splitlines() if line.startswith("vsum: error:")]
    assert len(errors) == 2
    assert any("broken.mp4" in line and "not a readable video" in line for line in errors)
    assert any("audio_only.mp4" in line and "no video stream" in line for line in errors)
    assert sorted(p.name for p in out.iterdir()) == ["plain.summary.json", "short.summary.json"]
    before = (out / "plain.summary.json").stat().st_mtime_ns

    assert main(["summarize", str(folder), "--model", exported, "--out", str(out), "--json-only", *FAST]) == 1
    assert "0 summarized, 2 already done, 2 failed" in capsys.readouterr().out
    assert (out / "plain.summary.json").stat().st_mtime_ns == before


def test_summarize_bad_inputs(exported, clips, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["summarize", str(empty), "--model", exported, "--out", str(tmp_path / "o")]) == 1
    assert "holds no video files" in capsys.readouterr().err

    no_weights = tmp_path / "no_weights"
    no_weights.mkdir()
    (no_weights / "config.json").write_text(open(os.path.join(exported, "config.json")).read())
    assert main(["summarize", clips["short"], "--model", str(no_weights), "--out", str(tmp_path / "o")]) == 1
    assert "without weights" in capsys.readouterr().err

    blocked = tmp_path / "file_not_dir"
    blocked.write_text("x")
    assert main(["summarize", clips["short"], "--model", exported, "--out", str(blocked / "sub")]) == 1
    assert "not writable" in capsys.readouterr().err

    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", clips["short"], "--ratio", "2"])
    assert exit_info.value.code == 2


CHILD = r"""
import sys, json, base64
sys.modules["vsum"] = None  # everything must come from the exported folder
folder, video = sys.argv[1], sys.argv[2]
from transformers import pipeline
summarizer = pipeline("video-summarization", model=folder, trust_remote_code=True)
result = summarizer(video, ratio=0.3, num_beams=2, max_length=16, min_length=4)
sys.path.insert(0, folder)
from handler import EndpointHandler
handler = EndpointHandler(folder)
payload = base64.b64encode(open(video, "rb").read()).decode()
parameters = {"ratio": 0.3, "num_beams": 2, "max_length": 16, "min_length": 4}
from_base64 = handler({"inputs": payload, "parameters": parameters})
from_bytes = handler({"inputs": open(video, "rb").read(), "parameters": parameters})
error = handler({"inputs": base64.b64encode(b"garbage" * 50).decode()})["error"]
print(json.dumps({"pipeline": result, "base64": from_base64, "bytes": from_bytes, "error": error}))
"""


def test_pipeline_and_handler_from_exported_folder(exported, clips, tmp_path, no_project_env):
    config = json.loads(open(os.path.join(exported, "config.json")).read())
    assert config["custom_pipelines"]["video-summarization"]["impl"] == "pipeline.VideoSummarizationPipeline"
    for name in ("handler.py", "pipeline.py", "inference.py", "requirements.txt"):
        assert os.path.exists(os.path.join(exported, name)), name
    result = subprocess.run(
        [sys.executable, "-c", CHILD, exported, clips["plain"]],
        capture_output=True,
        text=True,
        env=no_project_env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    child = json.loads(result.stdout.strip().splitlines()[-1])
    pipe, from_base64, from_bytes = child["pipeline"], child["base64"], child["bytes"]
    for key in ("segments", "text", "keyframes", "frames", "duration"):
        assert pipe[key] == from_base64[key] == from_bytes[key], key
    assert len(pipe["frames"]) == 12 and pipe["summary_ratio"] == 0.3
    assert "not a readable video" in child["error"]

    # The same numbers as the library's own code path.
    from vsum.inference import summarize_video
    from vsum.loading import load_model_and_processor

    model, processor = load_model_and_processor(exported, device="cpu")
    local = summarize_video(
        clips["plain"], model, processor, ratio=0.3, generate_kwargs=dict(num_beams=2, max_length=16, min_length=4)
    )
    assert local["segments"] == pipe["segments"] and local["text"] == pipe["text"]


def test_readme_main_command_uses_the_demo_checkpoint(tmp_path, capsys, monkeypatch):
    """`vsum summarize vsum/demo/synthxum_sample.mp4` with no --model: the shipped demo checkpoint, offline."""
    from vsum.summarize import DEMO_CHECKPOINT, DEMO_VIDEO, MODEL_ENV

    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert main(["summarize", str(DEMO_VIDEO), "--out", str(tmp_path), "--no-progress"]) == 0
    summary = json.loads((tmp_path / "synthxum_sample.summary.json").read_text())
    assert summary["model"] == str(DEMO_CHECKPOINT)
    assert summary["text"] and len(summary["frames"]) == 22 and summary["segments"]  # 21.6 s at 1 fps
    assert (tmp_path / "synthxum_sample.highlights.mp4").exists() and (
        tmp_path / "synthxum_sample.saliency.png"
    ).exists()


# ------------------------------------------------------------------------------------ outputs: names, resume, locks


def _summaries(out):
    return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.summary.json"))}


def test_output_names_are_unique_per_input(exported, tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    videos = [
        write_video(tmp_path / "a" / "clip.mp4", duration=4.0),
        write_video(tmp_path / "b" / "clip.mp4", duration=6.0),
        write_video(tmp_path / "clip.mkv", duration=5.0),
    ]
    out = tmp_path / "out"
    assert main(["summarize", *videos, "--model", exported, "--out", str(out), "--json-only", *FAST]) == 0
    assert "3 summarized, 0 already done, 0 failed" in capsys.readouterr().out
    summaries = _summaries(out)
    assert len(summaries) == 3 and "clip.summary.json" in summaries
    assert all(re.fullmatch(r"clip(-[0-9a-f]{8})?\.summary\.json", name) for name in summaries)
    by_source = {s["source"]["path"]: s for s in summaries.values()}
    assert sorted(by_source) == sorted(str(os.path.realpath(v)) for v in videos)
    for video, duration in zip(videos, (4.0, 6.0, 5.0)):
        assert by_source[os.path.realpath(video)]["duration"] == pytest.approx(duration, abs=0.2)
    assert summaries["clip.summary.json"]["source"]["path"] == os.path.realpath(videos[0])

    # b alone, later: it finds its own (hashed) summary, not a's.
    assert main(["summarize", videos[1], "--model", exported, "--out", str(out), "--json-only", *FAST]) == 0
    assert "0 summarized, 1 already done, 0 failed" in capsys.readouterr().out
    assert _summaries(out) == summaries


def test_rerun_recomputes_on_changed_source_model_or_parameters(exported, clips, tmp_path, capsys):
    video = tmp_path / "v.mp4"
    video.write_bytes(open(clips["short"], "rb").read())
    out = tmp_path / "out"
    base = ["summarize", str(video), "--model", exported, "--out", str(out), *FAST]

    def run(*extra):
        assert main([*base, *extra]) == 0
        line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("vsum: ")][-1]
        return line.split(",")[0].removeprefix("vsum: ")

    assert run("--json-only") == "1 summarized"
    assert run("--json-only") == "0 summarized"
    assert run("--json-only", "--ratio", "0.5") == "1 summarized"
    assert _summaries(out)["v.summary.json"]["parameters"]["ratio"] == 0.5
    os.utime(video, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns + 10**9))  # the source changed
    assert run("--json-only", "--ratio", "0.5") == "1 summarized"
    assert run("--json-only", "--ratio", "0.5", "--num-beams", "2") == "1 summarized"
    # Media wanted now: recomputed; then a JSON-only run with other settings removes the stale media.
    assert run("--ratio", "0.5") == "1 summarized"
    summary = _summaries(out)["v.summary.json"]
    assert summary["outputs"] == {"highlights": "v.highlights.mp4", "plot": "v.saliency.png"}
    assert run("--json-only", "--ratio", "0.5") == "0 summarized"  # a superset of what is wanted is done
    assert run("--json-only", "--ratio", "0.3") == "1 summarized"
    assert sorted(p.name for p in out.iterdir()) == ["v.summary.json"]
    assert _summaries(out)["v.summary.json"]["outputs"] == {}


CONCURRENT = "import sys; from vsum.cli import main; sys.exit(main())"


def test_two_concurrent_runs_never_mix_files(exported, clips, tmp_path):
    out = tmp_path / "out"
    videos = [clips["plain"], clips["audio"], clips["odd"]]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, "summarize", *videos, "--model", exported, "--out", str(out)]
            + ["--ratio", ratio, *FAST],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ratio in ("0.2", "0.6")
    ]
    results = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in results]
    for video in videos:
        stem = os.path.splitext(os.path.basename(video))[0]
        summary = json.loads((out / f"{stem}.summary.json").read_text())
        reel = probe_video(out / f"{stem}.highlights.mp4")
        fps = probe_video(video).average_fps
        # The JSON describes the reel next to it: same run, same segments.
        assert abs(reel.duration - summary["highlights_duration"]) <= 1.0 / fps + 1e-3
        wanted = sum(end - start for start, end in summary["segments"])
        assert abs(reel.duration - wanted) <= 1.0 / fps + 1e-3
        assert summary["parameters"]["ratio"] in (0.2, 0.6)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []  # no temporaries or locks left


def test_planted_symlinks_are_never_followed(exported, clips, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    video = tmp_path / "clip.mp4"
    os.symlink(clips["short"], video)
    names = [
        "clip.summary.json",
        "clip.highlights.mp4",
        "clip.saliency.png",
        "clip.chapters.vtt",
        "clip.otio",
        # the fixed temporary names of earlier versions
        "clip.summary.json.partial",
        "clip.highlights.mp4.partial.mp4",
        "clip.saliency.png.partial.png",
    ]
    for name in names:
        os.symlink(victim, out / name)
    args = ["summarize", str(video), "--model", exported, "--out", str(out), "--chapters", "--cutlist", "otio", *FAST]
    assert main(args) == 0
    assert victim.read_text() == "precious"
    # The planted links are not vsum's files: left alone (never followed, never replaced); the video takes its
    # hashed name.
    for name in names:
        assert os.readlink(out / name) == str(victim), name
    (json_file,) = out.glob("clip-*.summary.json")
    summary = json.loads(json_file.read_text())
    assert summary["source"]["path"] == os.path.realpath(clips["short"])
    name = json_file.name.removesuffix(".summary.json")
    for suffix in (".highlights.mp4", ".saliency.png", ".chapters.vtt", ".otio"):
        assert (out / f"{name}{suffix}").is_file() and not (out / f"{name}{suffix}").is_symlink(), suffix

    # A symlink at the lock file's name is refused, not followed.
    capsys.readouterr()
    os.symlink(victim, out / ".clip.lock")
    assert main([*args, "--ratio", "0.5"]) == 1
    assert "lock file is a symlink" in capsys.readouterr().err
    assert victim.read_text() == "precious"


def test_output_lock_serializes_and_cleans_up(tmp_path):
    from vsum.summarize import output_lock

    waited = []
    with output_lock(tmp_path, "x"):
        assert (tmp_path / ".x.lock").exists()
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, fcntl, os; fd = os.open(sys.argv[1], os.O_RDWR); "
                "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
                str(tmp_path / ".x.lock"),
            ],
            capture_output=True,
            text=True,
        )
        assert child.returncode != 0 and "BlockingIOError" in child.stderr  # held
    assert not (tmp_path / ".x.lock").exists()
    with output_lock(tmp_path, "x", on_wait=lambda: waited.append(1)):
        pass
    assert waited == []


# ----------------------------------------------------------------------------------------- selection and media


def test_budget_chapters_and_cutlist_from_the_cli(exported, clips, tmp_path, capsys):
    import opentimelineio as otio

    out = tmp_path / "out"
    args = ["summarize", clips["plain"], "--model", exported, "--out", str(out), *FAST]
    assert main([*args, "--max-seconds", "3", "--min-segment", "1.5", "--chapters", "--cutlist", "otio"]) == 0
    summary = json.loads((out / "plain.summary.json").read_text())
    segments = summary["segments"]
    assert segments and sum(e - s for s, e in segments) <= 3.0 + 1e-9
    assert all(e - s >= 1.5 - 1e-9 for s, e in segments)
    assert summary["selection"] == {"method": "budget", "max_seconds": 3.0, "min_segment": 1.5, "segments": "frames"}
    assert summary["keyframes"]["times"] and all(
        any(s <= t < e for s, e in segments) for t in summary["keyframes"]["times"]
    )
    chapters = summary["chapters"]
    assert [[c["start"], c["end"]] for c in chapters] == segments
    assert all(0 <= c["start"] < c["end"] <= summary["duration"] and c["title"] for c in chapters)
    vtt = (out / "plain.chapters.vtt").read_text()
    assert vtt.startswith("WEBVTT") and vtt.count("-->") == len(chapters)
    timeline = otio.adapters.read_from_file(str(out / "plain.otio"))
    clips_read = list(timeline.tracks[0].find_clips())
    assert [
        [c.source_range.start_time.to_seconds(), c.source_range.end_time_exclusive().to_seconds()] for c in clips_read
    ] == [pytest.approx(segment, abs=0.051) for segment in segments]
    reel = probe_video(out / "plain.highlights.mp4")
    assert reel.duration <= 3.0 + 0.1 + 1e-6
    # JSON floats are rounded: timestamps to the millisecond.
    assert all(round(f["t"], 3) == f["t"] and round(f["score"], 4) == f["score"] for f in summary["frames"])
    assert round(summary["duration"], 3) == summary["duration"]

    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--max-seconds", "3", "--ratio", "0.2"])
    assert exit_info.value.code == 2
    assert "alternatives" in capsys.readouterr().err
    assert main([*args, "--max-seconds", "0.5", "--min-segment", "2", "--json-only"]) == 1
    assert "shorter than every candidate segment" in capsys.readouterr().err


def test_reel_writer_skips_empty_segments_and_shows_held_frames(tmp_path):
    from conftest import decoded_index

    from vsum.video import decode_frames_at, write_highlights

    video = write_video(tmp_path / "v.mp4", duration=4.0, fps=10)
    out = tmp_path / "reel.mp4"
    assert write_highlights(video, [[1.0, 1.0], [2.0, 2.5], [3.0, 3.0]], out) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"v\.mp4: no segment with a positive length"):
        write_highlights(video, [[6.0, 6.0]], tmp_path / "none.mp4")
    assert not (tmp_path / "none.mp4").exists()
    # A slideshow: one frame held for 10 s. A segment inside it shows that frame.
    slideshow = write_video(tmp_path / "slides.mp4", fps=10, timestamps=[0.0, 10.0, 10.1])
    assert write_highlights(slideshow, [[5.0, 6.0]], tmp_path / "held.mp4") > 0
    assert [decoded_index(f) for f in decode_frames_at(tmp_path / "held.mp4", [0.0])] == [0]
    # Thumbnails decode the frame on screen at each time.
    frames = decode_frames_at(video, [0.0, 1.25, 3.9], width=32)
    assert [decoded_index(f) for f in frames] == [0, 12, 39 % 28]
    assert frames[0].shape == (24, 32, 3)


def test_saliency_plot_has_a_thumbnail_strip(tmp_path):
    from PIL import Image

    from vsum.video import plot_saliency

    video = write_video(tmp_path / "v.mp4", duration=6.0, fps=10)
    summary = {
        "video": video,
        "duration": 6.0,
        "text": "a red circle moves left",
        "frames": [{"t": float(t), "score": s} for t, s in enumerate([0.1, 0.9, 0.2, 0.1, 0.8, 0.3])],
        "segments": [[1.0, 2.0], [4.0, 5.0]],
    }
    plain = plot_saliency(summary, tmp_path / "plain.png")
    strip = plot_saliency(summary, tmp_path / "strip.png", video=video)
    assert Image.open(strip).size[1] > Image.open(plain).size[1]  # the strip under the curve
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"junk" * 100)
    assert Image.open(plot_saliency(summary, tmp_path / "b.png", video=broken)).size == Image.open(plain).size


# ---------------------------------------------------------------------------------------------------- the CLI


def test_version_aliases_and_no_abbreviations(exported, clips, tmp_path, capsys):
    import vsum

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == f"vsum {vsum.__version__}"
    out = tmp_path / "out"
    args = ["summarize", clips["short"], "--model_name_or_path", exported, "--output_dir", str(out)]
    assert main([*args, "--summary_ratio", "0.5", "--num_beams", "1", "--no-progress", "--json_only"]) == 0
    captured = capsys.readouterr()
    assert "--output_dir is deprecated, use --out" in captured.err and "--num_beams is deprecated" in captured.err
    assert json.loads((out / "short.summary.json").read_text())["parameters"]["ratio"] == 0.5
    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", clips["short"], "--rat", "0.5"])
    assert exit_info.value.code == 2


def test_dash_named_file(exported, clips, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-dash.mp4").write_bytes(open(clips["short"], "rb").read())
    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", "-dash.mp4", "--model", exported])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # the usage, then one error line that names the file
    assert last.startswith("vsum summarize: error:") and "-dash.mp4" in last and "after '--'" in last
    assert main(["summarize", "--model", exported, "--out", "o", "--json-only", *FAST, "--", "-dash.mp4"]) == 0
    assert (tmp_path / "o" / "-dash.summary.json").is_file()


def test_errors_before_the_model_loads(clips, tmp_path, monkeypatch, capsys):

    import vsum.loading

    def no_load(*args, **kwargs):
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr(vsum.loading, "load_model_and_processor", no_load)
    out = ["--out", str(tmp_path / "o")]
    cases = [
        (["summarize", clips["short"], "missing.mp4", *out], "no such file: missing.mp4"),
        (["summarize", clips["short"], "--model", str(tmp_path / "nope"), *out], "no such model folder"),
        (["summarize", clips["short"], "--device", "cuda", *out], "no CUDA GPU"),
    ]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for argv, message in cases:
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err


def test_quiet_by_default_and_silent_with_q(exported, clips, tmp_path, capsys):
    args = ["summarize", clips["short"], "--model", exported, "--json-only", "--num-beams", "1"]
    assert main([*args, "--out", str(tmp_path / "a"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "Loading weights" not in captured.err and captured.err == ""
    assert main([*args, "--out", str(tmp_path / "b"), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def _without_timings(summary: dict) -> dict:
    return {key: value for key, value in summary.items() if key != "timings"}


def test_caps_from_the_cli(exported, clips, tmp_path, capsys):
    """`--max-duration` refuses longer videos (one line, the others go on); `--max-frames` caps the samples."""
    out = tmp_path / "out"
    args = ["summarize", "--model", exported, "--out", str(out), "--json-only", "--num-workers", "0", *FAST]
    assert main([*args, "--max-duration", "10", clips["plain"], clips["short"]]) == 1
    captured = capsys.readouterr()
    assert f"{clips['plain']}: video is 12.0 s long, more than the allowed maximum of 10 s" in captured.err
    assert "1 summarized, 0 already done, 1 failed" in captured.out
    assert not (out / "plain.summary.json").exists() and (out / "short.summary.json").exists()

    assert main([*args, "--max-frames", "4", clips["plain"]]) == 0
    summary = json.loads((out / "plain.summary.json").read_text())
    assert len(summary["frames"]) == 4 and summary["parameters"]["max_frames"] == 4
    for bad in (["--max-duration", "0"], ["--max-duration", "abc"], ["--max-frames", "0"], ["--num-workers", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*args, *bad, clips["short"]])
        assert exit_info.value.code == 2, bad
        assert bad[0] in capsys.readouterr().err


def test_num_beams_default_is_the_checkpoints_generation_config(exported, clips, tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit):
        main(["summarize", "--help"])
    assert "generation_config" in " ".join(capsys.readouterr().out.split())

    import vsum.inference

    calls = []
    original = vsum.inference.summarize_video

    def recording(*args, **kwargs):
        calls.append(kwargs.get("generate_kwargs"))
        return original(*args, **kwargs)

    monkeypatch.setattr(vsum.inference, "summarize_video", recording)
    out = tmp_path / "out"
    assert main(["summarize", clips["short"], "--model", exported, "--out", str(out), "--json-only", "-q"]) == 0
    assert calls == [{}]  # nothing set: generate() uses the checkpoint's generation_config
    assert json.loads((out / "short.summary.json").read_text())["parameters"]["num_beams"] is None


def test_summarize_video_passes_only_what_the_caller_set(tiny_model, tiny_processor, clips, monkeypatch):
    from vsum.inference import summarize_video

    calls = []
    original = tiny_model.generate

    def recording(**kwargs):
        calls.append(sorted(k for k in kwargs if k not in ("frame_features", "frame_mask")))
        return original(**kwargs)

    monkeypatch.setattr(tiny_model, "generate", recording)
    summarize_video(clips["short"], tiny_model, tiny_processor)
    summarize_video(clips["short"], tiny_model, tiny_processor, generate_kwargs={"max_new_tokens": 3})
    assert calls == [[], ["max_new_tokens"]]


def test_video_is_decoded_once_with_chapters_and_cutlist(exported, clips, tmp_path, monkeypatch):
    """Summary, chapters and cut list share one probe and one decode per video (one video, and a batch)."""
    import vsum.inference

    calls = {"probe": 0, "encode": 0}
    probe, encode = vsum.inference.probe_video, vsum.inference.encode_video

    def counting(kind, function):
        def wrapper(*args, **kwargs):
            calls[kind] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(vsum.inference, "probe_video", counting("probe", probe))
    monkeypatch.setattr(vsum.inference, "encode_video", counting("encode", encode))
    args = ["--model", exported, "--json-only", "--chapters", "--cutlist", "otio", "--num-workers", "0", *FAST]
    assert main(["summarize", clips["plain"], "--out", str(tmp_path / "one"), *args]) == 0
    assert calls == {"probe": 1, "encode": 1}
    summary = json.loads((tmp_path / "one" / "plain.summary.json").read_text())
    assert len(summary["chapters"]) == len(summary["segments"]) > 0

    calls.update(probe=0, encode=0)
    assert main(["summarize", clips["plain"], clips["short"], "--out", str(tmp_path / "two"), *args]) == 0
    assert calls == {"probe": 2, "encode": 2}
    for stem in ("plain", "short"):
        summary = json.loads((tmp_path / "two" / f"{stem}.summary.json").read_text())
        assert len(summary["chapters"]) == len(summary["segments"]) > 0


def test_parallel_decoding_gives_the_same_summaries(exported, clips, tmp_path, capsys):
    """Two videos decoded by 2 worker processes: the same JSON (timings aside) as decoded in this process."""
    videos = [clips["plain"], clips["audio"]]
    results = {}
    for workers in ("0", "2"):
        out = tmp_path / f"workers{workers}"
        args = ["summarize", *videos, "--model", exported, "--out", str(out), "--json-only", "--chapters", *FAST]
        assert main([*args, "--num-workers", workers]) == 0
        assert "2 summarized, 0 already done, 0 failed" in capsys.readouterr().out
        results[workers] = {
            path.name: _without_timings(json.loads(path.read_text())) for path in sorted(out.glob("*.summary.json"))
        }
        # Resumable as before: a rerun skips both without decoding anything.
        assert main([*args, "--num-workers", workers]) == 0
        assert "0 summarized, 2 already done" in capsys.readouterr().out
    assert list(results["0"]) == ["plain.summary.json", "with_audio.summary.json"]
    assert results["0"] == results["2"]

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`vsum summarize`, the video-summarization pipeline and the Inference Endpoints handler on generated videos."""

import json
import os
import subprocess
import sys

import pytest
import torch
from conftest import write_audio_only, write_video

from vsum.cli import main
from vsum.pipeline import add_serving_files
from vsum.processing_vsum import probe_video


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny model exported like a Hub repo: weights, processor, remote code, pipeline and handler."""
    from conftest import WORDS

    from vsum import VsumModel
    from vsum.tiny import make_tiny_processor, tiny_config

    folder = tmp_path_factory.mktemp("export")
    processor = make_tiny_processor(words=WORDS)
    torch.manual_seed(0)
    VsumModel(tiny_config(processor)).save_pretrained(folder)
    processor.save_pretrained(folder)
    add_serving_files(folder)
    return str(folder)


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
try:
    handler({"inputs": base64.b64encode(b"garbage" * 50).decode()})
    error = None
except ValueError as e:
    error = str(e)
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

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`vsum summarize` under adversarial conditions: files it did not write, inputs inside the output folder, an output
folder swapped mid-run, failing and interrupted videos, absurd option values, reruns and progress bars."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from conftest import write_video

import vsum.loading
import vsum.video
from vsum.cli import main


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from conftest import export_tiny_model

    return export_tiny_model(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    return {
        "a": write_video(root / "a.mp4", duration=4.0, fps=10),
        "b": write_video(root / "b.mp4", duration=3.0, fps=10),
        "c": write_video(root / "c.mp4", duration=5.0, fps=10),
    }


FAST = ["--num-beams", "1", "--no-progress"]


def _files(folder) -> dict[str, bytes]:
    """Every entry of `folder` (hidden ones included) -> its bytes (a symlink -> b"-> target")."""
    result = {}
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if os.path.islink(path):
            result[entry] = b"-> " + os.readlink(path).encode()
        elif os.path.isdir(path):
            result[entry] = b"<dir>"
        else:
            result[entry] = open(path, "rb").read()
    return result


def _tally(text: str) -> str:
    return [line for line in text.splitlines() if line.startswith("vsum: ") and "summarized" in line][-1]


# ----------------------------------------------------------------------------------- 1, 2: files vsum did not write


def test_files_vsum_did_not_write_are_never_removed(exported, clips, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    video = tmp_path / "clip.mp4"
    video.write_bytes(open(clips["a"], "rb").read())
    (out / "clip.otio").write_text("mine")
    (out / "clip.chapters.vtt").write_text("mine too")
    base = ["summarize", str(video), "--model", exported, "--out", str(out), *FAST]
    assert main([*base, "--json-only"]) == 0
    assert (out / "clip.otio").read_text() == "mine"
    assert (out / "clip.chapters.vtt").read_text() == "mine too"
    assert json.loads((out / "clip.summary.json").read_text())["outputs"] == {}

    # Outputs vsum did write (recorded in the JSON) are removed when a rerun no longer writes them.
    assert main([*base, "--ratio", "0.5"]) == 0
    assert sorted(json.loads((out / "clip.summary.json").read_text())["outputs"]) == ["highlights", "plot"]
    assert main([*base, "--json-only", "--ratio", "0.3"]) == 0
    assert sorted(os.listdir(out)) == ["clip.chapters.vtt", "clip.otio", "clip.summary.json"]
    assert (out / "clip.otio").read_text() == "mine"

    # A rerun that wants an output whose name a foreign file holds refuses that video on one line.
    capsys.readouterr()
    assert main([*base, "--json-only", "--chapters"]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and "clip.chapters.vtt" in errors[0] and "not written by vsum" in errors[0]
    assert (out / "clip.chapters.vtt").read_text() == "mine too"


def test_a_recorded_output_replaced_by_the_user_is_theirs(exported, clips, tmp_path):
    out = tmp_path / "o"
    base = ["summarize", clips["b"], "--model", exported, "--out", str(out), *FAST]
    assert main([*base, "--json-only", "--cutlist", "otio"]) == 0
    time.sleep(0.01)
    (out / "b.otio").write_text("edited by hand")  # newer than the JSON that recorded it
    assert main([*base, "--json-only", "--ratio", "0.5"]) == 0  # recomputed, no cut list wanted
    assert (out / "b.otio").read_text() == "edited by hand"


def test_an_input_is_never_overwritten(exported, clips, tmp_path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "v.mp4").write_bytes(open(clips["a"], "rb").read())
    mine = open(clips["c"], "rb").read()
    (folder / "v.highlights.mp4").write_bytes(mine)  # the user's own video, named like v's reel
    args = ["summarize", str(folder), "--model", exported, "--out", str(folder), *FAST]
    assert main(args) == 0
    assert "2 summarized" in _tally(capsys.readouterr().out)
    assert (folder / "v.highlights.mp4").read_bytes() == mine
    summaries = {p.name: json.loads(p.read_text()) for p in folder.glob("*.summary.json")}
    by_source = {os.path.basename(s["source"]["path"]): name for name, s in summaries.items()}
    assert re.fullmatch(r"v-[0-9a-f]{8}\.summary\.json", by_source["v.mp4"])
    assert by_source["v.highlights.mp4"] == "v.highlights.summary.json"

    # A rerun on the same folder finds both done: vsum's own reels there are outputs, not new inputs.
    assert main(args) == 0
    assert "0 summarized, 2 already done, 0 failed" in _tally(capsys.readouterr().out)
    assert (folder / "v.highlights.mp4").read_bytes() == mine


def test_a_planted_symlink_at_an_output_name_is_left_alone(exported, clips, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, out / "a.saliency.png")
    assert main(["summarize", clips["a"], "--model", exported, "--out", str(out), *FAST]) == 0
    assert victim.read_text() == "precious" and os.readlink(out / "a.saliency.png") == str(victim)
    assert len(list(out.glob("a-*.summary.json"))) == 1 and not (out / "a.summary.json").exists()


# ------------------------------------------------------------------------------------- 3: a swapped output folder


def test_outputs_never_follow_a_swapped_out_folder(exported, clips, tmp_path, monkeypatch):
    out, moved, target = tmp_path / "out", tmp_path / "out_moved", tmp_path / "target"
    target.mkdir()
    real = vsum.video.write_highlights

    def swap_then_write(*args, **kwargs):
        if not moved.exists():
            os.rename(out, moved)
            os.symlink(target, out)
        return real(*args, **kwargs)

    monkeypatch.setattr(vsum.video, "write_highlights", swap_then_write)
    args = ["summarize", clips["a"], "--model", exported, "--out", str(out), "--chapters", *FAST]
    assert main(args) == 0
    assert os.listdir(target) == []
    assert sorted(os.listdir(moved)) == ["a.chapters.vtt", "a.highlights.mp4", "a.saliency.png", "a.summary.json"]


# ------------------------------------------------------------------------------ 4: any per-video failure is isolated


@pytest.mark.parametrize("num_workers", ["0", "2"])
def test_an_unexpected_error_fails_one_video_only(exported, clips, tmp_path, monkeypatch, capsys, num_workers):
    real = vsum.video.plot_saliency

    def plot(summary, output, video=None):
        if os.path.basename(str(video)) == "b.mp4":
            raise TypeError("cannot plot this name")
        return real(summary, output, video=video)

    monkeypatch.setattr(vsum.video, "plot_saliency", plot)
    out = tmp_path / "o"
    videos = [clips["a"], clips["b"], clips["c"]]
    args = ["summarize", *videos, "--model", exported, "--out", str(out), "--num-workers", num_workers, *FAST]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "2 summarized, 0 already done, 1 failed" in _tally(captured.out)
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and "b.mp4" in errors[0] and "TypeError: cannot plot this name" in errors[0]
    names = sorted(os.listdir(out))
    assert not [name for name in names if name.startswith(("b.", "."))]  # no part of b's set, no temporaries
    assert "a.summary.json" in names and "c.summary.json" in names

    # Also a single video (the one-video path) fails on one line, without a traceback.
    assert main(["summarize", clips["b"], "--model", exported, "--out", str(out), *FAST]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and "TypeError" in errors[0]


# ------------------------------------------------------------------------------------------------ 5: CLI bounds


@pytest.mark.parametrize(
    "option, value",
    [("--max-seconds", "1e300"), ("--fps", "1e6"), ("--num-beams", "100000"), ("--min-segment", "1e300")],
)
def test_absurd_numbers_are_refused_by_the_parser(clips, tmp_path, monkeypatch, capsys, option, value):
    def no_load(*args, **kwargs):
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr(vsum.loading, "load_model_and_processor", no_load)
    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", clips["a"], "--out", str(tmp_path / "o"), option, value])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert option in error and value in error and "at most" in error


def test_cli_bounds_are_the_handlers(tmp_path):
    from vsum.cli import _build_parser
    from vsum.handler import PARAMETER_LIMITS

    parser = _build_parser()
    limit = PARAMETER_LIMITS["num_beams"]
    args = parser.parse_args(["summarize", "x.mp4", "--num-beams", str(limit)])
    assert args.num_beams == limit
    with pytest.raises(SystemExit):
        parser.parse_args(["summarize", "x.mp4", "--num-beams", str(limit + 1)])


# ---------------------------------------------------------------------------------------------------- 6: Ctrl-C


def test_interrupted_rerun_keeps_the_previous_set(exported, clips, tmp_path, monkeypatch, capsys):
    out = tmp_path / "o"
    base = ["summarize", clips["a"], "--model", exported, "--out", str(out), *FAST]
    assert main([*base, "--chapters"]) == 0
    before = _files(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(vsum.video, "plot_saliency", interrupted)
    capsys.readouterr()
    assert main([*base, "--chapters", "--ratio", "0.5"]) == 130
    assert capsys.readouterr().err.strip().splitlines() == ["vsum: interrupted"]
    assert _files(out) == before  # the complete previous set, byte for byte; no temporaries or locks

    # A first run interrupted leaves nothing of its name.
    fresh = tmp_path / "fresh"
    assert main(["summarize", clips["b"], "--model", exported, "--out", str(fresh), "--chapters", *FAST]) == 130
    assert os.listdir(fresh) == []


def test_ctrl_c_prints_one_line_and_exits_130(exported, tmp_path):
    video = write_video(tmp_path / "long.mp4", duration=60.0, fps=10, width=32, height=32)
    out = tmp_path / "o"
    command = [sys.executable, "-c", "import sys; from vsum.cli import main; sys.exit(main())", "summarize", video]
    command += ["--model", exported, "--out", str(out), "--fps", "10", "--chapters", "--num-workers", "0", *FAST]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / ".long.lock").exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert child.poll() is None, "finished before it could be interrupted"
    time.sleep(0.3)  # mid-run
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err[-2000:]
    assert err.strip().splitlines() == ["vsum: interrupted"]
    assert os.listdir(out) == []


# -------------------------------------------------------------------------------- 7: a done rerun loads no model


def test_a_done_rerun_never_loads_the_model(exported, clips, tmp_path, monkeypatch, capsys):
    out = tmp_path / "o"
    for extra in ([], ["--max-seconds", "2"]):
        base = ["summarize", clips["a"], clips["b"], "--model", exported, "--out", str(out), *extra, *FAST]
        assert main(base) == 0
        with monkeypatch.context() as patch:

            def no_load(*args, **kwargs):
                raise AssertionError("the model was loaded for videos already done")

            patch.setattr(vsum.loading, "load_model_and_processor", no_load)
            capsys.readouterr()
            assert main(base) == 0
            printed = capsys.readouterr().out
            assert "0 summarized, 2 already done, 0 failed" in printed
            assert printed.count("already summarized with these settings") == 2


# ------------------------------------------------------------------------------ 8: a budget records no ratio


def test_budget_mode_records_no_ratio(exported, clips, tmp_path):
    out = tmp_path / "o"
    assert main(["summarize", clips["a"], "--model", exported, "--out", str(out), "--max-seconds", "2", *FAST]) == 0
    summary = json.loads((out / "a.summary.json").read_text())
    assert summary["parameters"]["ratio"] is None and summary["parameters"]["max_seconds"] == 2.0
    assert summary["selection"]["method"] == "budget"


# ------------------------------------------------------------------------------------------ 9: progress bars


def test_frame_bar_clock_starts_before_decoding(exported, clips, tmp_path, monkeypatch):
    import tqdm.auto

    import vsum.inference

    bars, encode_started = [], []
    real_encode = vsum.inference.encode_video

    class RecordingBar(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

        def close(self):
            self.final = dict(self.format_dict)
            super().close()

    def encode(*args, **kwargs):
        encode_started.append(time.time())
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingBar)
    monkeypatch.setattr(vsum.inference, "encode_video", encode)
    args = ["summarize", clips["c"], "--model", exported, "--out", str(tmp_path / "o"), "--num-beams", "1"]
    assert main(args) == 0
    frame_bars = [bar for bar in bars if bar.unit == "frame"]
    assert len(frame_bars) == 1 and len(encode_started) == 1
    bar = frame_bars[0]
    assert bar.start_t <= encode_started[0]
    assert bar.final["n"] == bar.final["total"] == 5
    assert all(not bar.postfix for bar in bars)  # one unit, one rate per bar

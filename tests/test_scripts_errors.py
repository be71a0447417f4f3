# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The scripts' errors: one line `<script>: error: <message>` on stderr, never a traceback; exit code 2 for a bad
command line (with "did you mean" for a misspelt flag), 1 for a bad path or input; one line under a two-process
accelerate launch. The subprocess runs are few (each pays the torch/transformers import)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from conftest import REPO_ROOT, load_script


def run_script(name: str, *argv: str, tmp_path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python scripts/<name> argv...` from `tmp_path` (no Hub), as a user runs it."""
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf_home"), **(env or {})}
    environment.pop("VSUM_DEBUG", None)
    return subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "scripts", name), *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
    )


def assert_one_line(done: subprocess.CompletedProcess, code: int, line: str) -> None:
    """Exit `code` and stderr exactly `line` (the whole line, nothing else: no traceback, no usage block)."""
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.stderr.splitlines() == [line], done.stderr[-3000:]
    assert done.returncode == code, done.stderr[-3000:]


# ---------------------------------------------------------------------------------------------- bad command lines


def test_train_misspelt_flag_suggests_the_right_one(tmp_path):
    done = run_script("train.py", "--data_dir", "d", "--features_dir", "f", "--learnig_rate", "0.1", tmp_path=tmp_path)
    assert_one_line(
        done, 2, "train.py: error: unrecognized arguments: --learnig_rate 0.1 (did you mean --learning_rate?)"
    )


def test_train_refused_values_are_one_line(capsys, monkeypatch):
    train = load_script("train.py", "train_errors")
    monkeypatch.setattr(sys, "argv", ["train.py"])  # the program name of the messages
    with pytest.raises(SystemExit) as exit_info:
        train.main(["--data_dir", "d", "--features_dir", "f", "--eval_split", "test"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "train.py: error: eval_split='test': model selection on the test split is not allowed; use 'validation'"
    ]


def test_evaluate_abbreviation_is_refused_with_a_suggestion(tmp_path):
    base = ["--model_name_or_path", "m", "--data_dir", "d", "--output_dir", "o", "--features_dir", "f"]
    done = run_script("evaluate.py", *base, "--num_beam", "2", tmp_path=tmp_path)
    assert_one_line(done, 2, "evaluate.py: error: unrecognized arguments: --num_beam 2 (did you mean --num_beams?)")


def test_prepare_videoxum_misspelt_flag(tmp_path, capsys):
    script = load_script("prepare_videoxum.py", "prepare_videoxum_errors")
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--data_dri", str(tmp_path), "--output_dir", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "prepare_videoxum.py: error: the following arguments are required: --data_dir"
    ]
    with pytest.raises(SystemExit):
        script.main(["--data_dir", str(tmp_path), "--output_dir", str(tmp_path / "out"), "--overwrit"])
    assert capsys.readouterr().err.splitlines() == [
        "prepare_videoxum.py: error: unrecognized arguments: --overwrit (did you mean --overwrite?)"
    ]


# ---------------------------------------------------------------------------------------------- bad paths


def test_evaluate_missing_model_is_one_line(tmp_path):
    missing = tmp_path / "no_model"
    done = run_script(
        "evaluate.py",
        *("--model_name_or_path", str(missing), "--data_dir", str(tmp_path), "--features_dir", str(tmp_path)),
        *("--output_dir", str(tmp_path / "out")),
        tmp_path=tmp_path,
    )
    assert_one_line(
        done, 1, f"evaluate.py: error: {missing}: no such model folder (and not a Hub id of the form ORG/NAME)"
    )


def test_extract_features_missing_data_is_one_line(tmp_path):
    done = run_script(
        "extract_features.py",
        *("--model_name_or_path", str(tmp_path / "no_model"), "--video_dir", str(tmp_path / "no_videos")),
        *("--output_dir", str(tmp_path / "out")),
        tmp_path=tmp_path,
    )
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr[-3000:]
    assert done.stderr.startswith("extract_features.py: error: ") and "no_" in done.stderr


@pytest.mark.parametrize("script", ["convert_videoxum_checkpoint.py", "convert_vt_clip.py"])
def test_converters_missing_checkpoint_is_one_line(tmp_path, script):
    missing = tmp_path / "missing.pth"
    done = run_script(script, "--checkpoint", str(missing), "--output_dir", str(tmp_path / "out"), tmp_path=tmp_path)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr[-3000:]
    assert done.stderr.startswith(f"{script}: error: {missing}"), done.stderr
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------- two processes


@pytest.mark.parametrize(
    "script, argv, line",
    [
        (
            "train.py",
            ["--data_dir", "d", "--features_dir", "f", "--learnig_rate", "0.1"],
            "train.py: error: unrecognized arguments: --learnig_rate 0.1 (did you mean --learning_rate?)",
        ),
        (
            "evaluate.py",
            ["--model_name_or_path", "./no/model", "--data_dir", "d", "--features_dir", "f", "--output_dir", "o"],
            "evaluate.py: error: ./no/model: no such model folder (and not a Hub id of the form ORG/NAME)",
        ),
    ],
    ids=["bad-flag", "missing-model"],
)
def test_two_process_launch_prints_the_error_once(tmp_path, script, argv, line):
    """Both processes meet the same error; one line comes out (the main process's): a bad flag is printed by the main
    process only, another error by the others only after a delay the launcher cuts short. `--quiet` drops
    accelerate's own traceback of the failed launch; torch's failure summary stays (it is the launcher's)."""
    environment = {**os.environ, "ACCELERATE_USE_CPU": "true", "HF_HUB_OFFLINE": "1", "PYTHONPATH": REPO_ROOT}
    environment.pop("VSUM_DEBUG", None)
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--quiet", "--multi_gpu", "--num_processes", "2"]
    launch += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "0"]
    done = subprocess.run(
        [*launch, os.path.join(REPO_ROOT, "scripts", script), *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
    )
    ours = [text for text in done.stderr.splitlines() if f"{script}" in text and "error:" in text]
    assert ours == [line], done.stderr[-3000:]
    assert "Traceback" not in done.stderr and done.returncode != 0, done.stderr[-3000:]


# ---------------------------------------------------------------------------------------------- the helpers


@dataclass
class _Arguments:
    learning_rate: float = field(default=1.0)
    num_beams: int = field(default=1)


def test_hf_parser_suggestions_and_abbreviations(capsys):
    from vsum.script_utils import HfArgumentParser

    parser = HfArgumentParser(_Arguments, prog="x.py")
    assert parser.parse_args_into_dataclasses(args=["--num_beams", "3"])[0].num_beams == 3
    for argv, line in [
        (
            ["--learnig-rate", "2"],
            "x.py: error: unrecognized arguments: --learnig-rate 2 (did you mean --learning-rate?)",
        ),
        (["--num_beam=2"], "x.py: error: unrecognized arguments: --num_beam=2 (did you mean --num_beams?)"),
        (["--zzz"], "x.py: error: unrecognized arguments: --zzz"),
        (["--num_beams", "two"], "x.py: error: argument --num_beams/--num-beams: invalid int value: 'two'"),
        (
            ["--num_beam", "2", "--learnig_rate", "1"],
            "x.py: error: unrecognized arguments: --num_beam 2 --learnig_rate 1 (did you mean --num_beams for "
            "--num_beam, --learning_rate for --learnig_rate?)",
        ),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args_into_dataclasses(args=argv)
        assert exit_info.value.code == 2
        assert capsys.readouterr().err.splitlines() == [line]
    # What the caller asks to keep is returned, unchecked.
    *_, extras = parser.parse_args_into_dataclasses(args=["--extra", "1"], return_remaining_strings=True)
    assert extras == ["--extra", "1"]


def test_run_script_one_line_exit_codes_debug_and_ranks(capsys, monkeypatch):
    from vsum.script_utils import run_script as run
    from vsum.script_utils import usage_errors

    def fails(error):
        def main(argv):
            raise error

        return main

    monkeypatch.delenv("VSUM_DEBUG", raising=False)
    for name in ("RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "MV2_COMM_WORLD_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert run(lambda argv: {"f1": 1.0}, prog="s.py") == 0 and run(lambda argv: 3, prog="s.py") == 3
    assert run(fails(ValueError("bad\nvalue  here")), prog="s.py") == 1
    assert capsys.readouterr().err == "s.py: error: bad value here\n"
    assert run(fails(FileNotFoundError(2, "No such file or directory", "/x/a.pth")), prog="s.py") == 1
    assert capsys.readouterr().err == "s.py: error: /x/a.pth: No such file or directory\n"
    with pytest.raises(RuntimeError):  # a bug keeps its traceback
        run(fails(RuntimeError("bug")), prog="s.py")
    with pytest.raises(SystemExit) as exit_info:
        with usage_errors("s.py"):
            raise ValueError("--split must be 'train', got 'x'")
    assert exit_info.value.code == 2 and capsys.readouterr().err == "s.py: error: --split must be 'train', got 'x'\n"

    # Another process of a launch: a bad command line is the main process's to print, other errors come late, tagged.
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setattr("vsum.script_utils.NON_MAIN_ERROR_DELAY_S", 0.0)
    with pytest.raises(SystemExit):
        with usage_errors("s.py"):
            raise ValueError("same on every process")
    assert capsys.readouterr().err == ""
    assert run(fails(OSError("disk full")), prog="s.py") == 1
    assert capsys.readouterr().err == "s.py [rank 1]: error: disk full\n"

    monkeypatch.setenv("VSUM_DEBUG", "1")
    with pytest.raises(ValueError, match="bad"):
        run(fails(ValueError("bad")), prog="s.py")
    with pytest.raises(ValueError, match="refused"):
        with usage_errors("s.py"):
            raise ValueError("refused")

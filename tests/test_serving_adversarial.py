# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Issue 18 (adversarial pass): the endpoint handler, the Gradio Space's request function, and the plot, budget,
chapter and pipeline edge cases that hostile or odd input reached.

Network tests talk only to a socket opened here on 127.0.0.1; the handler reaches it only through an address policy
that allows exactly 127.0.0.1 (as in `tests/test_handler.py`).
"""

from __future__ import annotations

import copy
import importlib.util
import ipaddress
import math
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import torch
from conftest import REPO_ROOT, WORDS, export_tiny_model, write_video

from vsum.handler import EndpointHandler, RequestError, fetch_url


LOCALHOST = ipaddress.ip_address("127.0.0.1")
FAST = {"num_beams": 1, "max_new_tokens": 4}


def only_localhost(address) -> bool:
    return address == LOCALHOST


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return export_tiny_model(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", duration=3.0, fps=10)


@pytest.fixture(scope="module")
def tall_video(tmp_path_factory):
    """4000x4000, two frames of one grey: a few kilobytes that would decode to 48 MB a frame."""
    return write_video(tmp_path_factory.mktemp("tall") / "tall.mp4", duration=0.2, fps=10, width=4000, height=4000)


@pytest.fixture(scope="module")
def base_handler(folder):
    return EndpointHandler(folder, device=-1)


@pytest.fixture()
def handler(base_handler, monkeypatch):
    for name in ("VSUM_ALLOWED_DIR", "VSUM_ALLOW_URLS", "VSUM_MAX_BYTES", "VSUM_MAX_DURATION", "VSUM_MAX_PIXELS"):
        monkeypatch.delenv(name, raising=False)
    return copy.copy(base_handler)


def assert_one_line_without_paths(message: str, *paths) -> None:
    assert "\n" not in message and "\r" not in message, repr(message)
    for path in (tempfile.gettempdir() + os.sep, *map(str, paths)):
        assert path not in message, repr(message)


def load_space_app():
    spec = importlib.util.spec_from_file_location("vsum_space_app_adversarial", Path(REPO_ROOT) / "space" / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    return app


@pytest.fixture(scope="module")
def app():
    return load_space_app()


@pytest.fixture(scope="module")
def space_model():
    from vsum import VsumModel
    from vsum.tiny import make_tiny_processor, tiny_config

    processor = make_tiny_processor(words=WORDS)
    torch.manual_seed(0)
    return VsumModel(tiny_config(processor)).eval(), processor


# -- 1. one deadline for the whole download, status line and headers included -------------------------------------


class SlowHeadServer:
    """Accepts one connection on 127.0.0.1 and sends the status line and headers one byte every `interval` seconds,
    then the body. Bounded: at most `max_slow_bytes` slow bytes (about `max_slow_bytes * interval` seconds), and it
    stops as soon as the client hangs up."""

    HEAD = b"HTTP/1.0 200 OK\r\nContent-Type: video/mp4\r\nX-Slow: " + b"x" * 64 + b"\r\n\r\n"
    #: A TLS record header announcing 16 KiB of handshake, then its bytes: the client waits for the whole record.
    TLS_HEAD = b"\x16\x03\x03\x40\x00" + b"\x00" * 64

    def __init__(self, interval: float = 0.5, max_slow_bytes: int = 16, head: bytes = HEAD):
        self.interval, self.max_slow_bytes, self.head = interval, max_slow_bytes, head
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            try:
                connection.recv(4096)  # the request
                for k in range(min(self.max_slow_bytes, len(self.head))):
                    connection.sendall(self.head[k : k + 1])
                    time.sleep(self.interval)
                connection.sendall(self.head[self.max_slow_bytes :] + b"body")
            except OSError:
                pass  # the client gave up: the point of the test

    def close(self):
        self.listener.close()
        self.thread.join(timeout=15)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_fetch_url_deadline_holds_while_the_headers_trickle_in(scheme):
    # The headers (http) or the TLS handshake (https; bounded as a whole by the ssl module) take 8 s, a byte every 0.5 s.
    server = SlowHeadServer(0.5, 16, SlowHeadServer.HEAD if scheme == "http" else SlowHeadServer.TLS_HEAD)
    try:
        started = time.monotonic()
        with pytest.raises(RequestError) as caught:
            fetch_url(f"{scheme}://127.0.0.1:{server.port}/v.mp4", timeout_s=2.0, address_policy=only_localhost)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert caught.value.status == 408 and "did not finish within 2 s" in str(caught.value)
    assert elapsed < 2.0 + 1.0, elapsed


def test_fetch_url_deadline_holds_while_the_name_resolves(monkeypatch):
    # getaddrinfo has no timeout of its own: a name server that answers after 5 s must not hold a 1 s download.
    import socket as socket_module

    real = socket_module.getaddrinfo

    def slow_getaddrinfo(*args, **kwargs):
        time.sleep(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(socket_module, "getaddrinfo", slow_getaddrinfo)
    started = time.monotonic()
    with pytest.raises(RequestError) as caught:
        fetch_url("http://slow-dns.example/v.mp4", timeout_s=1.0, address_policy=only_localhost)
    elapsed = time.monotonic() - started
    assert caught.value.status == 408 and "did not finish within 1 s" in str(caught.value)
    assert elapsed < 1.0 + 0.5, elapsed


def test_fetch_url_refuses_a_bad_port_as_a_client_error():
    with pytest.raises(RequestError) as caught:
        fetch_url("http://127.0.0.1:99999999/v.mp4", timeout_s=1.0, address_policy=only_localhost)
    assert caught.value.status == 400 and "port" in str(caught.value)


# -- 2. messages are one line and name no server path, whatever the file name ---------------------------------------


def test_handler_file_names_with_newlines_leak_no_path(handler, tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    corrupt = allowed / "new\nline.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    handler.allowed_dir = os.path.realpath(allowed)

    result = handler({"inputs": str(corrupt), "parameters": FAST})
    assert result["status"] == 422, result
    assert_one_line_without_paths(result["error"], allowed)
    assert result["error"].startswith("new\\nline.mp4: "), result

    missing = handler({"inputs": str(allowed / "no\nfile.mp4")})
    assert missing["status"] == 404, missing
    assert_one_line_without_paths(missing["error"], allowed)
    assert "no\\nfile.mp4" in missing["error"], missing


def test_space_file_names_with_newlines_leak_no_path(app, space_model, tmp_path):
    import gradio as gr

    uploads = tmp_path / "gradio-uploads"
    uploads.mkdir()
    corrupt = uploads / "new\nline.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    with pytest.raises(gr.Error) as caught:
        app.summarize_upload(str(corrupt), 0.3, *space_model, tmp_path / "work")
    assert_one_line_without_paths(caught.value.message, uploads, tmp_path)
    assert caught.value.message.startswith("new\\nline.mp4: "), caught.value.message
    # The helper itself, with a path in the middle of a multi-line message and the work folder named too.
    error = ValueError(f"{corrupt}: bad\nsecond line {tmp_path / 'work'}")
    message = app._one_line(error, str(corrupt), tmp_path / "work")
    assert message == "new\\nline.mp4: bad", message


# -- 3. client mistakes are 400, not 500 --------------------------------------------------------------------------


def test_nul_byte_paths_and_degenerate_sampling_are_400(handler, clip, tmp_path):
    handler.allowed_dir = os.path.realpath(tmp_path)
    result = handler({"inputs": str(tmp_path / "a\0b.mp4")})
    assert result["status"] == 400 and "NUL" in result["error"], result
    assert_one_line_without_paths(result["error"], tmp_path)
    # The frame size cap is the server's: a client cannot raise it.
    result = handler({"inputs": str(tmp_path / "x.mp4"), "parameters": {"max_pixels": 10**12}})
    assert result["status"] == 400 and "max_pixels" in result["error"], result

    data = open(clip, "rb").read()
    for parameters, needle in [
        ({"do_sample": True, "temperature": 1e-300}, "'temperature'"),
        ({"do_sample": True, "temperature": 1e300}, "'temperature'"),
        ({"repetition_penalty": 1e-300}, "'repetition_penalty'"),
        ({"length_penalty": 1e300}, "'length_penalty'"),
    ]:
        result = handler({"inputs": data, "parameters": {**FAST, **parameters}})
        assert result["status"] == 400 and needle in result["error"], (parameters, result)


def test_generation_ranges_are_shared_by_the_pipeline():
    from vsum.pipeline import GENERATION_RANGES, check_generate_kwargs

    low, high = GENERATION_RANGES["temperature"]
    assert check_generate_kwargs({"temperature": low, "do_sample": True}) == {"temperature": low, "do_sample": True}
    assert check_generate_kwargs({"temperature": high})["temperature"] == high
    with pytest.raises(ValueError, match=rf"'temperature' must be a number in \[{low:g}, {high:g}\], got 1e-300"):
        check_generate_kwargs({"temperature": 1e-300})


# -- 4. the resolution cap ----------------------------------------------------------------------------------------


def test_handler_refuses_huge_frames_before_decoding(handler, tall_video, monkeypatch):
    pipeline_module = sys.modules[type(handler.pipeline).__module__]  # the folder's remote-code copy

    def no_encoding(*args, **kwargs):
        raise AssertionError("the video was decoded")

    monkeypatch.setattr(pipeline_module, "encode_video", no_encoding)
    result = handler({"inputs": open(tall_video, "rb").read(), "parameters": FAST})
    assert result["status"] == 422, result
    assert "input: video frames are 4000x4000" in result["error"], result
    assert "8,847,360 pixels (4096x2160)" in result["error"], result
    assert_one_line_without_paths(result["error"])


def test_handler_resolution_cap_is_configurable(folder, clip, monkeypatch):
    import vsum.handler
    import vsum.processing_vsum

    # Repeated: the handler imports nothing from the folder it is served from.
    assert vsum.handler.DEFAULT_MAX_PIXELS == vsum.processing_vsum.DEFAULT_MAX_PIXELS
    monkeypatch.setenv("VSUM_MAX_PIXELS", str(64 * 48 - 1))
    from_env = EndpointHandler(folder, device=-1)
    assert from_env.max_pixels == 64 * 48 - 1
    result = from_env({"inputs": open(clip, "rb").read(), "parameters": FAST})
    assert result["status"] == 422 and "64x48" in result["error"] and "3,071 pixels" in result["error"], result
    monkeypatch.delenv("VSUM_MAX_PIXELS")
    explicit = EndpointHandler(folder, device=-1, max_pixels=64 * 48)
    assert "error" not in explicit({"inputs": open(clip, "rb").read(), "parameters": FAST})
    with pytest.raises(ValueError, match="max_pixels must be a positive integer, got -5"):
        EndpointHandler(folder, device=-1, max_pixels=-5)


def test_space_refuses_huge_frames_before_decoding(app, space_model, tall_video, tmp_path, monkeypatch):
    import gradio as gr

    from vsum import inference

    def no_encoding(*args, **kwargs):
        raise AssertionError("the video was decoded")

    monkeypatch.setattr(inference, "encode_video", no_encoding)
    with pytest.raises(gr.Error) as caught:
        app.summarize_upload(tall_video, 0.3, *space_model, tmp_path / "work")
    message = caught.value.message
    assert message.startswith("tall.mp4: video frames are 4000x4000"), message
    assert "8,847,360 pixels (4096x2160)" in message
    assert_one_line_without_paths(message, tmp_path)
    assert not list((tmp_path / "work").glob("request-*"))


# -- 5. a work folder that is a file ------------------------------------------------------------------------------


def test_space_work_folder_that_is_a_file(app, space_model, tmp_path, clip, capsys):
    import gradio as gr

    not_a_folder = tmp_path / "work"
    not_a_folder.write_text("a file")
    with pytest.raises(ValueError, match=rf"work folder {str(not_a_folder)!r} exists and is not a folder"):
        app.build_demo(*space_model, work_dir=not_a_folder)
    with pytest.raises(SystemExit) as caught:
        app.main(["--work-dir", str(not_a_folder), "--model", str(tmp_path / "never-loaded")])
    assert caught.value.code == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    with pytest.raises(gr.Error) as caught:
        app.summarize_upload(clip, 0.3, *space_model, not_a_folder)
    assert "work folder" in caught.value.message and "\n" not in caught.value.message


# -- 6. plot titles are plain text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (os.fsdecode(b"caf\xe9.mp4"), "caf\\xe9.mp4"),
        ("a$x^2$b.mp4", "a$x^2$b.mp4"),
        ("a$x^$b.mp4", "a$x^$b.mp4"),  # not even valid math markup
        ("x $$ y", "x $$ y"),
        ("$", "$"),
        ("\ud800odd.mp4", "\\ud800odd.mp4"),
    ],
)
def test_plot_titles_are_plain_text(tmp_path, name, shown):
    from vsum.video.plot import plot_saliency, plot_title

    summary = {
        "video": name,
        "duration": 3.0,
        "text": "costs $5 and $x_1$ \udce9",
        "frames": [{"t": 0.0, "score": 0.2}, {"t": 1.0, "score": 0.9}, {"t": 2.0, "score": 0.4}],
        "segments": [[1.0, 2.0]],
    }
    title = plot_title(summary, 3.0)
    assert title.startswith(f"{shown} (0:03, 3.0 s)\n") and title.endswith("costs $5 and $x_1$ \\xe9"), title
    out = plot_saliency(summary, tmp_path / "plot.png")
    assert Path(out).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- 7. budgets -----------------------------------------------------------------------------------------------------


def test_budgets_longer_than_the_video_and_non_finite_budgets():
    from vsum.budget import budget_segments, select_within_budget

    times, scores = [0.0, 1.0, 2.0, 3.0], [0.9, 0.1, 0.8, 0.7]
    everything = [[0.0, 4.0]]
    assert budget_segments(times, scores, duration=4.0, max_seconds=1e300) == everything
    assert budget_segments(times, scores, duration=4.0, max_seconds=sys.float_info.max) == everything
    assert select_within_budget([3.0, 4.0, 5.0], [2000, 3000, 4000], 10**303) == [0, 1, 2]
    for bad in (math.inf, math.nan, -math.inf):
        with pytest.raises(ValueError, match=f"max_seconds must be a finite number > 0, got {bad}"):
            budget_segments(times, scores, duration=4.0, max_seconds=bad)
        with pytest.raises(ValueError, match="budget must be a finite number of milliseconds"):
            select_within_budget([1.0], [1000], bad)


# -- 8. degenerate chapter titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "title"),
    [
        ("a", "Segment 3 (1:20–1:45)"),
        ("", "Segment 3 (1:20–1:45)"),
        ("circle", "Segment 3 (1:20–1:45)"),
        ("the of a", "Segment 3 (1:20–1:45)"),
        ("... ,, !", "Segment 3 (1:20–1:45)"),
        ("a red circle", "a red circle"),
        ("  red   square ", "red square"),
    ],
)
def test_degenerate_chapter_titles_get_a_fallback(caption, title):
    from vsum.chapters import chapter_title

    assert chapter_title(caption, 3, 80.0, 105.0) == title


def test_add_chapters_applies_the_fallback(monkeypatch):
    from vsum import chapters

    monkeypatch.setattr(chapters, "caption_segments", lambda *args, **kwargs: ["a", "a red circle moves", ""])
    summary = {
        "frames": [{"t": float(t)} for t in range(10)],
        "segments": [[0.0, 2.0], [3.0, 5.0], [3600.0, 3725.0]],
        "duration": 4000.0,
    }
    result = chapters.add_chapters(summary, None, None, frame_embeds=torch.zeros(10, 4))
    assert [c["title"] for c in result] == [
        "Segment 1 (0:00–0:02)",
        "a red circle moves",
        "Segment 3 (1:00:00–1:02:05)",
    ]


# -- 9. an empty list of videos -----------------------------------------------------------------------------------


def test_pipeline_on_an_empty_list(space_model):
    from vsum.pipeline import VideoSummarizationPipeline

    model, processor = space_model
    summarizer = VideoSummarizationPipeline(model=model, processor=processor, device=-1)
    assert summarizer([]) == []
    with pytest.raises(ValueError, match="'ratio'"):
        summarizer([], ratio=2.0)  # the parameters are still validated

# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The Inference Endpoints handler treats its input as hostile (issue 11 section 5).

Every network test talks to an `http.server` started here on 127.0.0.1; the handler reaches it only where a test
passes an address policy that allows exactly 127.0.0.1.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import os
import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import allowed_and_outside_folders, export_tiny_model, write_video

from vsum.handler import EndpointHandler, is_public_address


LOCALHOST = ipaddress.ip_address("127.0.0.1")


def only_localhost(address) -> bool:
    return address == LOCALHOST


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return export_tiny_model(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", duration=6.0, fps=10)


class Spy:
    """Wraps the pipeline and records every call (to show that a refused request never reaches it)."""

    def __init__(self, pipeline):
        self._pipeline, self.calls = pipeline, []

    def __getattr__(self, name):
        return getattr(self._pipeline, name)

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self._pipeline(*args, **kwargs)


@pytest.fixture(scope="module")
def base_handler(folder):
    return EndpointHandler(folder, device=-1)


@pytest.fixture()
def handler(base_handler, monkeypatch):
    for name in ("VSUM_ALLOWED_DIR", "VSUM_ALLOW_URLS", "VSUM_MAX_BYTES", "VSUM_MAX_DURATION"):
        monkeypatch.delenv(name, raising=False)
    fresh = copy.copy(base_handler)
    fresh.pipeline = Spy(base_handler.pipeline)
    return fresh


FAST = {"num_beams": 1, "max_new_tokens": 4}


def assert_refused(result, status, *needles):
    assert set(result) == {"error", "status"}, result
    assert result["status"] == status, result
    assert "\n" not in result["error"]
    for needle in needles:
        assert needle in result["error"], result
    for secret in (tempfile.gettempdir() + os.sep, "/etc", "/root"):
        assert secret not in result["error"], result


# -- server-side paths ---------------------------------------------------------------------------------------------


def test_server_paths_are_refused_by_default(handler, clip, tmp_path, monkeypatch):
    secret = tmp_path / "secret.mp4"
    shutil.copyfile(clip, secret)
    os.chmod(secret, 0o600)
    monkeypatch.chdir(tmp_path)
    existing = handler({"inputs": str(secret)})
    missing = handler({"inputs": str(tmp_path / "nothing.mp4")})
    assert_refused(existing, 400, "server paths are not read")
    assert existing == missing  # the answer says nothing about what exists
    assert_refused(handler({"inputs": "secret.mp4"}), 400)  # relative, from the server's working folder
    assert_refused(handler({"inputs": "/etc/passwd"}), 400)
    assert_refused(handler({"inputs": "file:///etc/passwd"}), 400, "only http(s)")
    assert handler.pipeline.calls == []


def test_allowed_dir_admits_only_paths_inside_it(handler, clip, tmp_path):
    allowed, outside = allowed_and_outside_folders(clip, tmp_path)
    handler.allowed_dir = os.path.realpath(allowed)

    result = handler({"inputs": str(allowed / "ok.mp4"), "parameters": FAST})
    assert "error" not in result, result
    assert result["video"] == "ok.mp4" and result["segments"]

    refused = [
        handler({"inputs": str(allowed / ".." / "outside" / "secret.mp4")}),
        handler({"inputs": str(allowed / "link.mp4")}),  # a symlink out of the folder
        handler({"inputs": str(outside / "missing.mp4")}),
    ]
    for result in refused:
        assert_refused(result, 403, "outside the allowed folder")
    assert refused[0] == refused[2]  # existing or not: the same answer
    assert_refused(handler({"inputs": "ok.mp4"}), 400)  # relative paths are never paths
    assert_refused(handler({"inputs": str(allowed / "missing.mp4")}), 404, "missing.mp4")
    assert len(handler.pipeline.calls) == 1


# -- payloads and parameters ---------------------------------------------------------------------------------------


def test_bytes_base64_and_data_url_give_the_same_summary(handler, clip):
    data = open(clip, "rb").read()
    encoded = base64.b64encode(data).decode()
    results = [
        handler({"inputs": data, "parameters": FAST}),
        handler({"inputs": encoded, "parameters": FAST}),
        handler({"inputs": "data:video/mp4;base64," + encoded, "parameters": FAST}),
    ]
    for result in results:
        assert "error" not in result, result
        assert result["video"] == "input"
        assert result["segments"] == results[0]["segments"] and result["text"] == results[0]["text"]
    assert len(results[0]["frames"]) == 6


def test_payload_size_caps(handler, clip):
    data = open(clip, "rb").read()
    handler.max_bytes = len(data) - 1
    assert_refused(handler({"inputs": data}), 413, "more than the limit")
    # Measured before decoding: characters that are not even base64 are refused for their length alone.
    limit = 4 * -(-handler.max_bytes // 3) + 4
    assert_refused(handler({"inputs": "!" * (limit + 1)}), 413, "base64")
    assert_refused(handler({"inputs": base64.b64encode(data).decode()}), 413)
    assert handler.pipeline.calls == []


def test_duration_cap_and_unreadable_videos(handler, clip):
    handler.max_duration = 5.0
    assert_refused(handler({"inputs": open(clip, "rb").read()}), 422, "input: video is 6.0 s long", "maximum of 5 s")
    assert_refused(handler({"inputs": b"\x00\x00\x00\x18ftypmp42" + os.urandom(3000)}), 422, "input")
    assert_refused(handler({"inputs": base64.b64encode(b"garbage" * 50).decode()}), 422, "not a readable video")


@pytest.mark.parametrize(
    ("parameters", "needle"),
    [
        ({"ratio": "abc"}, "'ratio'"),
        ({"ratio": 0}, "'ratio'"),
        ({"ratio": float("nan")}, "'ratio'"),
        ({"num_beams": 0}, "'num_beams'"),
        ({"num_beams": "3"}, "'num_beams'"),
        ({"num_beams": True}, "'num_beams'"),
        ({"num_beams": 1000}, "at most 8"),
        ({"max_length": -1}, "'max_length'"),
        ({"max_new_tokens": 100000}, "at most 512"),
        ({"top_p": 2.0}, "'top_p'"),
        ({"chapters": "yes"}, "'chapters'"),
        ({"chapters": 1}, "'chapters'"),
        ({"num_beam": 3}, "num_beam"),
        ({"fps": 30}, "fps"),  # the sampling rate is the server's choice
        ({"allowed_dir": "/"}, "allowed_dir"),  # server options are not client parameters
    ],
)
def test_bad_parameters_are_400(handler, clip, parameters, needle):
    assert_refused(handler({"inputs": open(clip, "rb").read(), "parameters": parameters}), 400, needle)
    assert handler.pipeline.calls == []


def test_malformed_requests_are_400(handler):
    assert_refused(handler(["not", "a", "dict"]), 400, "'inputs'")
    assert_refused(handler({"video": "x"}), 400, "'inputs'")
    assert_refused(handler({"inputs": 12}), 400, "int")
    assert_refused(handler({"inputs": "AAAA", "parameters": [1, 2]}), 400, "'parameters'")


# -- URLs ----------------------------------------------------------------------------------------------------------


class Server:
    """A small HTTP server on 127.0.0.1 with one route per hostile behaviour; records the paths it was asked for."""

    def __init__(self, video_bytes: bytes):
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                route = getattr(outer, "route_" + self.path.strip("/").replace("-", "_"), None)
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.video = video_bytes
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    @staticmethod
    def _headers(request, status=200, content_type="video/mp4", length=None, extra=()):
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        if length is not None:
            request.send_header("Content-Length", str(length))
        for name, value in extra:
            request.send_header(name, value)
        request.end_headers()

    def route_video(self, request):
        self._headers(request, length=len(self.video))
        request.wfile.write(self.video)

    def route_octet(self, request):
        self._headers(request, content_type="application/octet-stream")
        request.wfile.write(self.video)

    def route_html(self, request):
        self._headers(request, content_type="text/html", length=len(self.video))
        request.wfile.write(self.video)

    def route_endless(self, request):
        # No Content-Length; stops on its own after 64 MiB so that a client that does not cut never hangs the test.
        self._headers(request)
        for _ in range(1024):
            request.wfile.write(b"\0" * 65536)

    def route_declared_huge(self, request):
        self._headers(request, length=10**12)
        request.wfile.write(b"\0" * 1024)

    def route_trickle(self, request):
        # One byte at a time: every single read is quick, the whole download never ends (gives up after 60 s).
        self._headers(request)
        for _ in range(600):
            request.wfile.write(b"\0")
            request.wfile.flush()
            time.sleep(0.1)

    def _redirect(self, request, location):
        self._headers(request, status=302, content_type="text/plain", length=0, extra=[("Location", location)])

    def route_to_metadata(self, request):
        self._redirect(request, "http://169.254.169.254/latest/meta-data/")

    def route_to_private(self, request):
        self._redirect(request, "http://10.0.0.1/video.mp4")

    def route_to_ipv6_loopback(self, request):
        self._redirect(request, "http://[::1]/video.mp4")

    def route_to_video(self, request):
        self._redirect(request, "/video")

    def route_loop(self, request):
        self._redirect(request, "/loop")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def server(clip):
    server = Server(open(clip, "rb").read())
    yield server
    server.close()


@pytest.fixture()
def url_handler(handler):
    handler.allow_urls = True
    handler.address_policy = only_localhost  # the test hook: 127.0.0.1 and nothing else
    handler.url_timeout_s = 30.0
    return handler


def test_urls_are_off_by_default(handler, server):
    before = len(server.requests)
    assert_refused(handler({"inputs": server.url("video")}), 403, "disabled")
    assert len(server.requests) == before


def test_localhost_is_refused_with_the_default_policy(handler, server):
    handler.allow_urls = True  # default address policy: public addresses only
    before = len(server.requests)
    for url in (server.url("video"), f"http://localhost:{server.port}/video"):
        assert_refused(handler({"inputs": url}), 403, "not a public address")
    assert len(server.requests) == before  # refused before connecting


def test_url_download_and_redirects(url_handler, server, clip):
    direct = url_handler({"inputs": server.url("video"), "parameters": FAST})
    assert "error" not in direct, direct
    via_redirect = url_handler({"inputs": server.url("to-video"), "parameters": FAST})
    octet = url_handler({"inputs": server.url("octet"), "parameters": FAST})
    local = url_handler({"inputs": open(clip, "rb").read(), "parameters": FAST})
    for result in (via_redirect, octet):
        assert result["segments"] == direct["segments"] == local["segments"] and result["text"] == local["text"]

    # Every redirect target is checked again, before connecting.
    for route in ("to-metadata", "to-private", "to-ipv6-loopback"):
        assert_refused(url_handler({"inputs": server.url(route)}), 403, "not a public address")
    assert_refused(url_handler({"inputs": server.url("loop")}), 400, "redirects")


def test_url_size_cap_deadline_and_content_type(url_handler, server):
    url_handler.max_bytes = 1 << 20
    assert_refused(url_handler({"inputs": server.url("endless")}), 413, "larger than the limit")
    assert_refused(url_handler({"inputs": server.url("declared-huge")}), 413, "more than the limit")
    assert_refused(url_handler({"inputs": server.url("html")}), 415, "text/html")
    url_handler.url_timeout_s = 1.0
    assert_refused(url_handler({"inputs": server.url("trickle")}), 408, "did not finish within 1 s")
    assert_refused(url_handler({"inputs": server.url("missing")}), 400, "HTTP 404")
    assert url_handler.pipeline.calls == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
        "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
        "fd00:ec2::254",  # AWS's IPv6 metadata address
    ],
)
def test_internal_addresses_are_not_public(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_are_public(address):
    assert is_public_address(ipaddress.ip_address(address))


def test_chapters_one_caption_per_segment_decoded_once(handler, clip, monkeypatch):
    """`chapters: true` adds one caption per segment, from the features of the one decode of the video."""
    import sys

    from vsum.formatting import round_summary

    pipeline_module = sys.modules[type(handler.pipeline._pipeline).__module__]  # the folder's remote-code copy
    inference = sys.modules[pipeline_module.encode_video.__module__]
    calls = {"probe": 0, "encode": 0}

    def counting(kind, function):
        def wrapper(*args, **kwargs):
            calls[kind] += 1
            return function(*args, **kwargs)

        return wrapper

    probe = counting("probe", inference.probe_video)
    monkeypatch.setattr(inference, "probe_video", probe)
    monkeypatch.setattr(pipeline_module, "probe_video", probe)  # the pipeline probes first (its caps) and hands it on
    encode = counting("encode", inference.encode_video)
    monkeypatch.setattr(inference, "encode_video", encode)
    monkeypatch.setattr(pipeline_module, "encode_video", encode)

    result = handler({"inputs": open(clip, "rb").read(), "parameters": {**FAST, "ratio": 0.3, "chapters": True}})
    assert "error" not in result, result
    assert calls == {"probe": 1, "encode": 1}
    assert result["segments"] and len(result["chapters"]) == len(result["segments"])
    for chapter, (start, end) in zip(result["chapters"], result["segments"]):
        assert (chapter["start"], chapter["end"]) == (start, end) and isinstance(chapter["title"], str)
    assert result == round_summary(result)  # the CLI JSON's rounding
    without = handler({"inputs": open(clip, "rb").read(), "parameters": {**FAST, "ratio": 0.3}})
    assert "chapters" not in without and without["segments"] == result["segments"]

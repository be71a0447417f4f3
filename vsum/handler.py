# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Inference Endpoints handler: `EndpointHandler(path)(data)`; copied as `handler.py` into exported folders.

`data = {"inputs": <video>, "parameters": {"ratio": 0.15, "num_beams": 3, "max_new_tokens": 40, ...}}` returns the
`vsum summarize` JSON fields, or `{"error": "<one line>", "status": <4xx or 500>}` for a request it refuses. The
input is treated as hostile:

- `inputs` is the video as bytes, a base64 string or a `data:` URL, at most `max_bytes` (base64 is measured before
  it is decoded). Server-side file paths are refused unless the handler was built with `allowed_dir` (then only
  absolute paths that resolve, symlinks and `..` included, inside it). http(s) URLs are refused unless built with
  `allow_urls=True`; then the host must resolve to public addresses only (no loopback, private, link-local such as
  169.254.169.254, multicast, reserved, or their IPv6 forms), every redirect is checked again, the connection goes to
  the checked address, the body is streamed and cut at `max_bytes`, the whole download has one deadline
  (`url_timeout_s`), and the content type must be a video type (or `application/octet-stream`).
- Videos longer than `max_duration` seconds, or whose frames hold more than `max_pixels` pixels (default 4096x2160),
  are refused from a probe, before any frame is decoded; `parameters` are validated (names, types, ranges).
- Error messages are one line and never name server paths or temporary files (paths are replaced before the message
  is cut to its first line; control characters in file names, such as newlines, are escaped).

Inference Endpoints builds the handler as `EndpointHandler(path)`; the options can then be set with environment
variables: `VSUM_ALLOWED_DIR`, `VSUM_ALLOW_URLS=1`, `VSUM_MAX_BYTES`, `VSUM_MAX_DURATION`, `VSUM_MAX_PIXELS`.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import io
import ipaddress
import logging
import math
import os
import socket
import ssl
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable


logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_DURATION_S = 1800.0
DEFAULT_URL_TIMEOUT_S = 60.0
#: 4096x2160 pixels a frame; the same number as `vsum.processing_vsum.DEFAULT_MAX_PIXELS` (this file imports nothing from
#: the folder it is served from, so it is repeated here; a test checks they agree).
DEFAULT_MAX_PIXELS = 4096 * 2160
MAX_REDIRECTS = 5
CONTENT_TYPES = ("video/", "application/octet-stream")
#: Upper bounds on what a client may ask `generate` for (a hostile `num_beams=10000` would exhaust memory).
PARAMETER_LIMITS = {"num_beams": 8, "max_new_tokens": 512, "max_length": 512, "min_new_tokens": 512, "min_length": 512}
#: Parameters a client may set besides the generation keywords.
CLIENT_PARAMETERS = ("ratio", "max_frames", "chapters")

AddressPolicy = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


class RequestError(ValueError):
    """A refused request: `status` is the HTTP status to answer with, the message is safe to show the client."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for globally routable unicast addresses; IPv4 addresses embedded in IPv6 (mapped, 6to4, Teredo,
    NAT64) are judged by their IPv4 part."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, address.teredo and address.teredo[1]]
        if address in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 well-known prefix
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(inner is not None and not is_public_address(inner) for inner in embedded):
            return False
        if address.ipv4_mapped is not None:
            return True
    return bool(
        address.is_global
        and not (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
            or getattr(address, "is_site_local", False)
        )
    )


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def printable(name: str) -> str:
    """`name` with its non-printable characters (newlines, other controls, undecodable bytes kept as surrogates)
    escaped as in Python literals, so that a file name can never break a one-line message."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode() for c in name)


def one_line(message: str, replacements: dict[str, str]) -> str:
    """The first non-blank line of `message` after every `replacements` key (server paths) was replaced by its value.

    Replacing first matters: a path with a newline in it would otherwise be cut in two and its first half left in
    the message. Longer keys first, so that a folder does not cut a longer path inside it short."""
    for old in sorted((k for k in replacements if len(k) > 1), key=len, reverse=True):  # never "/" alone
        message = message.replace(old, replacements[old])
    return next((line for line in message.splitlines() if line.strip()), "")


class EndpointHandler:
    """Loads the folder's `video-summarization` pipeline (its code ships in the folder: no vsum install needed).

    Args:
        path (`str`): the model folder (Inference Endpoints passes the repository's path).
        allowed_dir (`str`, *optional*): accept absolute server paths that resolve inside this folder (default:
            `$VSUM_ALLOWED_DIR`, else paths are refused).
        allow_urls (`bool`, *optional*): fetch http(s) URLs to public addresses (default: `$VSUM_ALLOW_URLS`, else off).
        max_bytes (`int`): the largest video accepted, in bytes (payload or download).
        max_duration (`float`): the longest video accepted, in seconds.
        max_pixels (`int`): the most pixels a frame may hold (`width * height`; default 4096x2160, `$VSUM_MAX_PIXELS`).
        url_timeout_s (`float`): total deadline of one download, redirects included.
        address_policy (`callable`, *optional*): `address -> bool`, which resolved addresses URLs may reach
            (default [`is_public_address`]; tests allow 127.0.0.1 with it).
        dtype (`str`, *optional*): precision of the frame encoder, `auto` (bf16 on GPUs that support it, fp32 on
            CPU; the default, or `$VSUM_DTYPE`), `float32`, `bfloat16`, `float16`. A server setting, not a request one.
    """

    def __init__(
        self,
        path: str = "",
        *,
        allowed_dir: str | os.PathLike | None = None,
        allow_urls: bool | None = None,
        max_bytes: int | None = None,
        max_duration: float | None = None,
        max_pixels: int | None = None,
        url_timeout_s: float = DEFAULT_URL_TIMEOUT_S,
        address_policy: AddressPolicy | None = None,
        device: int | None = None,
        dtype: str | None = None,
    ):
        from transformers import pipeline

        allowed_dir = allowed_dir if allowed_dir is not None else os.environ.get("VSUM_ALLOWED_DIR") or None
        if allowed_dir is not None and not os.path.isdir(allowed_dir):
            raise ValueError(f"allowed_dir {os.fspath(allowed_dir)!r} is not a folder")
        self.allowed_dir = None if allowed_dir is None else os.path.realpath(os.fspath(allowed_dir))
        self.allow_urls = _env_flag("VSUM_ALLOW_URLS") if allow_urls is None else bool(allow_urls)
        self.max_bytes = int(max_bytes or os.environ.get("VSUM_MAX_BYTES") or DEFAULT_MAX_BYTES)
        self.max_duration = float(max_duration or os.environ.get("VSUM_MAX_DURATION") or DEFAULT_MAX_DURATION_S)
        pixels = max_pixels if max_pixels is not None else os.environ.get("VSUM_MAX_PIXELS") or DEFAULT_MAX_PIXELS
        try:
            self.max_pixels = int(pixels)
        except ValueError:
            self.max_pixels = 0
        if self.max_pixels <= 0 or isinstance(pixels, (bool, float)):
            raise ValueError(f"max_pixels must be a positive integer, got {pixels!r}")
        self.url_timeout_s = float(url_timeout_s)
        self.address_policy = address_policy or is_public_address
        self.dtype = dtype or os.environ.get("VSUM_DTYPE") or "auto"
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ValueError(f"dtype must be auto, float32, bfloat16 or float16, got {self.dtype!r}")
        if device is None:
            import torch

            device = 0 if torch.cuda.is_available() else -1
        self.pipeline = pipeline("video-summarization", model=path or ".", trust_remote_code=True, device=device)
        self._generation_parameters = set(self.pipeline.generation_parameters)
        # Server folders that may appear in a library error and must not reach the client.
        self._server_paths = {
            os.path.realpath(path or "."): "<model>",
            tempfile.gettempdir(): "<tmp>",
            os.path.realpath(tempfile.gettempdir()): "<tmp>",
        }

    def __call__(self, data: dict) -> dict:
        try:
            parameters = self._parameters(data)
            video = self._video(data["inputs"])
            return self._summarize(video, parameters)
        except RequestError as error:
            message = one_line(str(error), self._client_paths()) or "the request was refused"
            return {"error": message, "status": error.status}
        except Exception:  # noqa: BLE001 - an unexpected failure must not leak its details (paths) to the client
            logger.exception("video-summarization request failed")
            return {"error": "internal error while summarizing the video", "status": 500}

    def _client_paths(self) -> dict[str, str]:
        paths = dict(self._server_paths)
        if self.allowed_dir is not None:
            paths[self.allowed_dir] = "<allowed>"
        return paths

    # -- request checks ------------------------------------------------------------------------------------------

    def _parameters(self, data) -> dict:
        if not isinstance(data, dict) or "inputs" not in data:
            raise RequestError("the request must be a JSON object with an 'inputs' field holding the video")
        parameters = data.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise RequestError(f"'parameters' must be a JSON object, got {type(parameters).__name__}")
        allowed = set(CLIENT_PARAMETERS) | self._generation_parameters
        unknown = sorted(set(parameters) - allowed)
        if unknown:
            raise RequestError(f"unknown parameter(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
        parameters = {k: v for k, v in parameters.items() if v is not None}
        try:
            # The pipeline's own validation (types and ranges), before any download or decoding.
            self.pipeline._sanitize_parameters(**parameters)
        except ValueError as error:
            raise RequestError(str(error).splitlines()[0]) from None
        for name, limit in PARAMETER_LIMITS.items():
            if name in parameters and parameters[name] > limit:
                raise RequestError(f"parameter {name!r} must be at most {limit}, got {parameters[name]!r}")
        return parameters

    def _video(self, video):
        """The request's video as bytes, or (with `allowed_dir`) a checked real path."""
        if isinstance(video, (bytes, bytearray)):
            if len(video) > self.max_bytes:
                raise RequestError(f"the video is {len(video)} bytes, more than the limit of {self.max_bytes}", 413)
            return bytes(video)
        if not isinstance(video, str):
            raise RequestError(f"'inputs' must be the video as bytes or a string, got {type(video).__name__}")
        if "\0" in video:
            raise RequestError("'inputs' contains a NUL character: it is neither a path, a URL nor base64 data")
        if video.startswith(("http://", "https://")):
            if not self.allow_urls:
                raise RequestError("URL inputs are disabled on this endpoint; send the video bytes (base64)", 403)
            return fetch_url(
                video, max_bytes=self.max_bytes, timeout_s=self.url_timeout_s, address_policy=self.address_policy
            )
        if "://" in video[:16]:
            raise RequestError("only http(s) URLs are accepted", 400)
        if video.startswith("/") and self.allowed_dir is not None:
            return self._server_path(video)
        return self._decode_base64(video)

    def _server_path(self, path: str) -> str:
        real = os.path.realpath(path)
        # Containment first: a refused path never reveals whether it exists.
        if os.path.commonpath([self.allowed_dir, real]) != self.allowed_dir:
            raise RequestError("server paths outside the allowed folder are refused", 403)
        if not os.path.isfile(real):
            raise RequestError(f"{printable(os.path.basename(path))}: no such file in the allowed folder", 404)
        if os.path.getsize(real) > self.max_bytes:
            raise RequestError(
                f"{printable(os.path.basename(path))}: larger than the limit of {self.max_bytes} bytes", 413
            )
        return real

    def _decode_base64(self, text: str) -> bytes:
        encoded = text.split(",", 1)[1] if text.startswith("data:") and "," in text else text
        # Measured before decoding: 4 characters per 3 bytes (+ padding and a little whitespace).
        limit = 4 * math.ceil(self.max_bytes / 3) + 4
        if len(encoded) > limit:
            raise RequestError(f"the base64 video is {len(encoded)} characters, more than the limit of {limit}", 413)
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            hint = "" if self.allowed_dir is None else " or an absolute path inside the allowed folder"
            raise RequestError(f"'inputs' is not valid base64 video data{hint}; server paths are not read") from None
        return self._video(data)  # the byte cap, exactly

    def _summarize(self, video, parameters: dict) -> dict:
        label = os.path.basename(video) if isinstance(video, str) else "input"
        try:
            result = self.pipeline(
                video,
                max_duration=self.max_duration,
                max_bytes=self.max_bytes,
                max_pixels=self.max_pixels,
                allowed_dir=self.allowed_dir,
                dtype=self.dtype,
                **parameters,
            )
        except ValueError as error:
            replacements = self._client_paths()
            if isinstance(video, str):
                replacements[video] = printable(label)
            message = one_line(str(error), replacements) or "the video cannot be summarized"
            raise RequestError(message, 422) from None
        result["video"] = label
        return result


# -- URL fetching -------------------------------------------------------------------------------------------------


class _DeadlineReader(io.RawIOBase):
    """Reads a socket giving every read only the time left until one deadline: a server that trickles its status
    line, headers or body a byte at a time (each read quick) still cannot hold the download past the deadline."""

    def __init__(self, sock: socket.socket, deadline: float):
        super().__init__()
        self._sock, self._deadline = sock, deadline
        # A file object of the socket's own (counted by the socket): the connection may close its reference as soon
        # as the headers are read (HTTP/1.0) while the body is still to come.
        self._raw = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the download deadline passed")
        self._sock.settimeout(remaining)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What `http.client.HTTPResponse` needs of a socket (`makefile("rb")`), reading under [`_DeadlineReader`]."""

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock, self._deadline = sock, deadline

    def makefile(self, mode: str, *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _PinnedConnectionMixin:
    """Connects to an address checked beforehand (no second DNS lookup that could answer differently) and reads the
    response, status line and headers included, under one deadline (`time.monotonic()` seconds)."""

    def _pin(self, address: str, deadline: float) -> None:
        self._address, self._deadline = address, deadline

    def response_class(self, sock, *args, **kwargs):  # called as `self.response_class(self.sock, method=...)`
        return http.client.HTTPResponse(_DeadlineSocket(sock, self._deadline), *args, **kwargs)

    def _connect_socket(self) -> socket.socket:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the download deadline passed")
        return socket.create_connection((self._address, self.port), min(self.timeout, remaining))


class _PinnedHTTPConnection(_PinnedConnectionMixin, http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout, deadline):
        super().__init__(host, port, timeout=timeout)
        self._pin(address, deadline)

    def connect(self):
        self.sock = self._connect_socket()


class _PinnedHTTPSConnection(_PinnedConnectionMixin, http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout, deadline):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._pin(address, deadline)

    def connect(self):
        # The certificate is checked for the URL's host name. The ssl module bounds the whole handshake by the
        # socket's timeout (the time left), not each read: a trickled handshake ends at the deadline too.
        self.sock = self._context.wrap_socket(self._connect_socket(), server_hostname=self.host)


def _resolve(host: str, port: int, deadline: float, timeout_s: float) -> list:
    """`socket.getaddrinfo` under the download's deadline: the resolver has no timeout of its own (a slow or
    malicious name server could hold the request for its full retry cycle), so it runs in a daemon thread that is
    abandoned when the deadline passes."""
    answer: list = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, ValueError, UnicodeError) as error:
            answer.append(error)

    worker = threading.Thread(target=lookup, name="vsum-resolve", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if not answer:
        raise RequestError(f"the download did not finish within {timeout_s:g} s (resolving {host!r})", 408)
    if isinstance(answer[0], BaseException):
        raise RequestError(f"cannot resolve the URL's host {host!r}", 400)
    return answer[0]


def _checked_address(
    url: str, address_policy: AddressPolicy, deadline: float, timeout_s: float
) -> tuple[urllib.parse.SplitResult, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestError("only http(s) URLs with a host are accepted", 400)
    if parts.username or parts.password:
        raise RequestError("URLs with credentials are refused", 400)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RequestError(f"the URL's port is not a valid port number ({parts.netloc!r})", 400) from None
    infos = _resolve(parts.hostname, port, deadline, timeout_s)
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        # Every address the name resolves to must be allowed (a mixed answer is a rebinding attempt).
        if not address_policy(address):
            raise RequestError(f"the URL's host {parts.hostname!r} is not a public address; refused", 403)
        addresses.append(str(address))
    if not addresses:
        raise RequestError(f"cannot resolve the URL's host {parts.hostname!r}", 400)
    return parts, addresses[0]


def fetch_url(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_URL_TIMEOUT_S,
    address_policy: AddressPolicy = is_public_address,
    content_types: tuple[str, ...] = CONTENT_TYPES,
) -> bytes:
    """Downloads `url` under the rules of the module docstring; raises [`RequestError`] otherwise."""
    deadline = time.monotonic() + timeout_s
    for _ in range(MAX_REDIRECTS + 1):
        parts, address = _checked_address(url, address_policy, deadline, timeout_s)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RequestError(f"the download did not finish within {timeout_s:g} s", 408)
        connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        port = parts.port or (443 if parts.scheme == "https" else 80)
        connection = connection_class(parts.hostname, port, address, remaining, deadline)
        response = None
        try:
            target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
            connection.request("GET", target, headers={"User-Agent": "vsum-endpoint", "Accept": "video/*"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise RequestError(f"the URL redirected (HTTP {response.status}) without a Location", 400)
                url = urllib.parse.urljoin(url, location)  # checked again at the top of the loop
                continue
            if response.status != 200:
                raise RequestError(f"the URL answered HTTP {response.status}", 400)
            content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
            if not content_type.startswith(content_types):
                raise RequestError(f"the URL's content type {content_type or 'none'!r} is not a video", 415)
            length = response.getheader("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise RequestError(f"the URL's video is {length} bytes, more than the limit of {max_bytes}", 413)
            return _read_capped(response, max_bytes, deadline, timeout_s)
        except (OSError, http.client.HTTPException) as error:
            if isinstance(error, TimeoutError) or "timed out" in str(error):
                raise RequestError(f"the download did not finish within {timeout_s:g} s", 408) from None
            raise RequestError(f"the download failed ({type(error).__name__})", 400) from None
        finally:
            if response is not None:
                response.close()  # its reader holds the socket open after the connection lets go of it
            connection.close()
    raise RequestError(f"more than {MAX_REDIRECTS} redirects", 400)


def _read_capped(response, max_bytes: int, deadline: float, timeout_s: float) -> bytes:
    """Reads the body in pieces, stopping at `max_bytes` + 1 and at the deadline (the response's reads are under it
    too: [`_DeadlineReader`])."""
    chunks, size = [], 0
    while True:
        if deadline - time.monotonic() <= 0:
            raise RequestError(f"the download did not finish within {timeout_s:g} s", 408)
        chunk = response.read1(min(1 << 16, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise RequestError(f"the URL's video is larger than the limit of {max_bytes} bytes", 413)

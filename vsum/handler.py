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
- Videos longer than `max_duration` seconds are refused; `parameters` are validated (names, types, ranges).
- Error messages never name server paths or temporary files.

Inference Endpoints builds the handler as `EndpointHandler(path)`; the options can then be set with environment
variables: `VSUM_ALLOWED_DIR`, `VSUM_ALLOW_URLS=1`, `VSUM_MAX_BYTES`, `VSUM_MAX_DURATION`.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import ipaddress
import logging
import math
import os
import socket
import ssl
import time
import urllib.parse
from collections.abc import Callable


logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_DURATION_S = 1800.0
DEFAULT_URL_TIMEOUT_S = 60.0
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


class EndpointHandler:
    """Loads the folder's `video-summarization` pipeline (its code ships in the folder: no vsum install needed).

    Args:
        path (`str`): the model folder (Inference Endpoints passes the repository's path).
        allowed_dir (`str`, *optional*): accept absolute server paths that resolve inside this folder (default:
            `$VSUM_ALLOWED_DIR`, else paths are refused).
        allow_urls (`bool`, *optional*): fetch http(s) URLs to public addresses (default: `$VSUM_ALLOW_URLS`, else off).
        max_bytes (`int`): the largest video accepted, in bytes (payload or download).
        max_duration (`float`): the longest video accepted, in seconds.
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

    def __call__(self, data: dict) -> dict:
        try:
            parameters = self._parameters(data)
            video = self._video(data["inputs"])
            return self._summarize(video, parameters)
        except RequestError as error:
            return {"error": str(error), "status": error.status}
        except Exception:  # noqa: BLE001 - an unexpected failure must not leak its details (paths) to the client
            logger.exception("video-summarization request failed")
            return {"error": "internal error while summarizing the video", "status": 500}

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
            raise RequestError(f"{os.path.basename(path)}: no such file in the allowed folder", 404)
        if os.path.getsize(real) > self.max_bytes:
            raise RequestError(f"{os.path.basename(path)}: larger than the limit of {self.max_bytes} bytes", 413)
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
                allowed_dir=self.allowed_dir,
                dtype=self.dtype,
                **parameters,
            )
        except ValueError as error:
            message = str(error).splitlines()[0] if str(error) else "the video cannot be summarized"
            if isinstance(video, str):
                message = message.replace(video, label)
            raise RequestError(message, 422) from None
        result["video"] = label
        return result


# -- URL fetching -------------------------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand (no second DNS lookup that could answer differently)."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = self.pinned_sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked for the URL's host name.
        self.sock = self.pinned_sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _checked_address(url: str, address_policy: AddressPolicy) -> tuple[urllib.parse.SplitResult, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestError("only http(s) URLs with a host are accepted", 400)
    if parts.username or parts.password:
        raise RequestError("URLs with credentials are refused", 400)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise RequestError(f"cannot resolve the URL's host {parts.hostname!r}", 400) from None
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
        parts, address = _checked_address(url, address_policy)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RequestError(f"the download did not finish within {timeout_s:g} s", 408)
        connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        port = parts.port or (443 if parts.scheme == "https" else 80)
        connection = connection_class(parts.hostname, port, address, remaining)
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
            return _read_capped(connection, response, max_bytes, deadline, timeout_s)
        except (OSError, http.client.HTTPException) as error:
            if isinstance(error, TimeoutError) or "timed out" in str(error):
                raise RequestError(f"the download did not finish within {timeout_s:g} s", 408) from None
            raise RequestError(f"the download failed ({type(error).__name__})", 400) from None
        finally:
            connection.close()
    raise RequestError(f"more than {MAX_REDIRECTS} redirects", 400)


def _read_capped(connection, response, max_bytes: int, deadline: float, timeout_s: float) -> bytes:
    """Reads the body in pieces, stopping at `max_bytes` + 1 and at the deadline (one for the whole body, so a slow
    trickle that keeps every single read short still ends)."""
    chunks, size = [], 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RequestError(f"the download did not finish within {timeout_s:g} s", 408)
        # The connection may have handed its socket to the response (HTTP/1.0): keep our own reference.
        connection.pinned_sock.settimeout(remaining)
        chunk = response.read1(min(1 << 16, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise RequestError(f"the URL's video is larger than the limit of {max_bytes} bytes", 413)

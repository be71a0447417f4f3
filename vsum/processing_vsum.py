# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Video decoding at a fixed sampling rate, the vsum video processor, and the vsum processor (video + tokenizer).

Which frames "1 fps" means
--------------------------
Timestamps are measured from the first frame's presentation time. For `fps = f` the sampling times are
`t_i = i / f` for every `i >= 0` with `t_i < duration`, so a video of `D` seconds gives `ceil(D * f)` frames
(10.0 s -> 10 frames at 0, 1, ..., 9 s; 10.3 s -> 11 frames). Sample `i` is the frame *on screen* at `t_i`: the
last decoded frame whose presentation timestamp is `<= t_i` (this is well defined for variable frame rates too).
`frame_timestamps` reports the sampling time `t_i` (not the decoded frame's own timestamp), so the times are strictly
increasing and sample `i` stands for `[t_i, t_{i+1})`, also when one frame is held for many seconds (slideshows,
gaps): summary segments always have a positive length. With `max_frames`, when a video has more samples than
`max_frames`, `max_frames` of the 1/f-spaced samples are kept, evenly spread (`numpy.linspace` over sample indices,
rounded), first and last included; `max_duration` refuses longer videos (a tiny file may claim hours).

Robustness: every decoder error is caught in `iter_video_frames`; it falls back to the other backend and raises
`ValueError` naming the file only when both fail. A file corrupt in places yields the sampled frames that decode and
warns ([`CorruptFramesWarning`]) with the number left out. Rotation metadata (the display matrix) is applied. Still
images are refused. The file is always probed with PyAV first: decord can abort the process on corrupt input.

Memory does not grow with the resolution: the processors decode frames downscaled to twice the size they resize to
(`iter_video_frames(min_size=...)`, [`DECODE_OVERSAMPLING`]) and a chunk of decoded frames holds at most
[`DECODE_CHUNK_BYTES`] (a 66 s 4000x4000 video: 6.8 GiB peak RSS at full resolution, 1.0-1.2 GiB downscaled).

decord and PyAV are imported lazily: remote code must not import packages the user may lack at module level.
"""

import logging
import math
import numbers
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from transformers import BatchFeature
from transformers.image_utils import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, PILImageResampling
from transformers.processing_utils import ProcessorMixin, VideosKwargs
from transformers.video_processing_utils import BaseVideoProcessor

from .configuration_vsum import DEFAULT_SUMMARY_RATIO


# ---------------------------------------------------------------------------------------------------- decoding

#: The backend `"auto"` tries first. Chosen by measurement (benchmarks/inference.py; docs/model.md): with threads
#: on, PyAV decodes the sampled frames at least as fast as decord on the project's machines, needs no second probe of
#: the file, applies rotation metadata, and raises Python exceptions where decord can abort the process.
DEFAULT_BACKEND = "pyav"
BACKENDS = ("auto", "pyav", "decord")

#: Video processors decode frames at no less than this many times the size they resize to (`iter_video_frames`'s
#: `min_size`): the final resize then sees enough detail that the result stays within ~0.2 grey levels (mean) of
#: resizing full-resolution frames (measured on 640x480 to 3840x2160 videos, README "Decoding").
DECODE_OVERSAMPLING = 2

# Container formats of still images (FFmpeg's image demuxers): refused, a picture is not a video.
#: Decoded bytes one chunk of frames may take (`iter_video_frames`): a chunk holds at most this many bytes of RGB frames
#: (and at least one frame), whatever the video's resolution.
DECODE_CHUNK_BYTES = 128 * 2**20

_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif_pipe", "jpegls_pipe")
_IMAGE_CODECS = ("png", "mjpeg", "webp", "bmp", "tiff", "jpegls", "jpeg2000")

logger = logging.getLogger(__name__)


@dataclass
class VideoInfo:
    """What a safe PyAV probe found out about a video file (timestamps in seconds from the first frame).

    `width` and `height` are the coded size; `rotation` is the display matrix's counter-clockwise rotation in degrees
    (0, 90, 180 or 270), which the decoders apply, so decoded frames are `height x width` for 0/180 and
    `width x height` for 90/270.
    """

    path: str
    duration: float
    average_fps: float
    width: int
    height: int
    has_audio: bool
    frame_timestamps: np.ndarray = field(repr=False)  # (num_frames,) presentation order
    frame_pts: np.ndarray = field(repr=False)  # (num_frames,) integer pts in the stream's time base
    rotation: int = 0

    @property
    def num_frames(self) -> int:
        return len(self.frame_timestamps)


def _check_number(name: str, value, integer: bool = False, optional: bool = False, minimum: float = 0):
    """`value` as a float (or int) after checking it is a finite real number > `minimum` (>= 1 for integers);
    `ValueError` naming `name`, what is expected and what was given otherwise (strings, bools, NaN, 0...)."""
    if value is None and optional:
        return None
    number = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if integer:
        if not (number and float(value).is_integer() and value >= 1):
            raise ValueError(f"{name} must be an integer >= 1{' or None' if optional else ''}, got {value!r}")
        return int(value)
    if not (number and value > minimum):
        raise ValueError(f"{name} must be a finite number > {minimum:g}{' or None' if optional else ''}, got {value!r}")
    return float(value)


def _check_path(path) -> str:
    """`path` as a `str` file name; `ValueError` for anything else (numbers, `None`, bytes...)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file name (str or os.PathLike), got {_describe(path)}")
    path = os.fspath(path)
    if not isinstance(path, str):
        raise ValueError(f"path must be a file name (str or os.PathLike), got a path of {type(path).__name__}")
    return path


def _describe(value) -> str:
    """A short description of a wrong argument, with a hint for the usual mistakes."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return f"a {value.ndim}-D array of shape {tuple(value.shape)}"
    name = type(value).__name__
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"{name} (raw file contents? pass the file's path)"
    if type(value).__module__.startswith("PIL."):
        return f"{name} (one picture? pass the frames as an array (frames, height, width, 3))"
    return name


def local_media_path(path: str | os.PathLike) -> str:
    """`path` as an absolute file name for FFmpeg (PyAV, decord).

    FFmpeg reads a name such as `concat:a.mp4|b.mp4` or `subfile,,start,0,end,0,,:x.mp4` as a protocol URL, so a
    relative file name that merely looks like one would open other files. An absolute path starts with `/`, which
    FFmpeg always treats as a plain local file; every opener in vsum (probe, decoders, thumbnails, reel reader and
    writer) goes through this function.
    """
    return os.path.abspath(os.fspath(path))


def _video_error(path, reason: str) -> ValueError:
    return ValueError(f"{path}: {reason}")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}".strip(": ")


def _rotation_degrees(frame) -> int:
    """The frame's display-matrix rotation as 0/90/180/270 counter-clockwise (flips are not applied)."""
    try:
        degrees = frame.rotation
    except (AttributeError, ValueError):
        return 0
    return int(round((degrees or 0) / 90.0)) % 4 * 90


#: The frame size cap of the pipeline (`max_pixels`), the endpoint handler and the Space: 4096x2160 (DCI 4K) pixels.
DEFAULT_MAX_PIXELS = 4096 * 2160


def frame_size_problem(width: int, height: int, max_pixels: int | None) -> str | None:
    """The reason a `width x height` frame is refused under the cap `max_pixels` (`None`: no cap), or `None`."""
    if max_pixels is None or width * height <= max_pixels:
        return None
    cap = f"{max_pixels:,} pixels" + (" (4096x2160)" if max_pixels == DEFAULT_MAX_PIXELS else "")
    return f"video frames are {width}x{height} ({width * height:,} pixels), more than the allowed maximum of {cap}"


def probe_video(path: str | os.PathLike, max_duration: float | None = None, max_pixels: int | None = None) -> VideoInfo:
    """Checks that `path` is a decodable video without trusting decord (which can crash on corrupt input).

    Demuxes every video packet with PyAV (cheap: no decoding), checks that the packets lie inside the file, and
    decodes the first frame. Raises `ValueError` naming the file and the reason for a missing file, a directory,
    an empty file, a file that is not a video, a still image (PNG/JPG..., whatever its extension), an audio-only
    file, a video without frames, a truncated/corrupt file, (with `max_duration`, seconds) a video longer than
    `max_duration`, or (with `max_pixels`) a video whose frames hold more pixels than that: checked on the stream
    header before any frame is decoded (a few-kilobyte file can declare 100000x100000 frames), then on the first frame.
    """
    import av

    path = _check_path(path)
    _check_number("max_duration", max_duration, optional=True)
    _check_number("max_pixels", max_pixels, integer=True, optional=True)
    if not os.path.exists(path):
        raise _video_error(path, "file not found")
    if os.path.isdir(path):
        raise _video_error(path, "is a directory, not a video file")
    file_size = os.path.getsize(path)
    if file_size == 0:
        raise _video_error(path, "empty file (0 bytes)")
    try:
        container = av.open(local_media_path(path))
    except (av.FFmpegError, UnicodeDecodeError, OSError) as error:
        raise _video_error(path, f"not a readable video file ({_one_line(error)})") from None
    with container:
        if not container.streams.video:
            kinds = sorted({stream.type for stream in container.streams})
            if not kinds:
                raise _video_error(path, "contains no streams (zero-length video or empty container)")
            raise _video_error(path, f"has no video stream (streams: {', '.join(kinds)}; audio-only?)")
        stream = container.streams.video[0]
        format_names = set((container.format.name or "").split(","))
        codec = stream.codec_context.name
        if format_names & set(_IMAGE_FORMATS) or (codec in _IMAGE_CODECS and (stream.frames or 0) <= 1):
            raise _video_error(path, f"is a still image ({codec}), not a video")
        problem = frame_size_problem(stream.codec_context.width, stream.codec_context.height, max_pixels)
        if problem:
            raise _video_error(path, problem)
        has_audio = bool(container.streams.audio)
        pts, frame_ends = [], []
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                if packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > file_size:
                    raise _video_error(path, "truncated file: video data ends before the last frame")
                pts.append(packet.pts)
                frame_ends.append(packet.pts + (packet.duration or 0))
        except (av.FFmpegError, OSError) as error:
            raise _video_error(path, f"corrupt video data ({_one_line(error)})") from None
        if not pts:
            raise _video_error(path, "contains no video frames (zero-length video)")
        if stream.frames and len(pts) < stream.frames:
            raise _video_error(path, f"truncated file: {len(pts)} of {stream.frames} frames present")
        try:
            container.seek(0, stream=stream)
            first = next(container.decode(stream), None)
        except (av.FFmpegError, OSError) as error:
            raise _video_error(path, f"corrupt video data, first frame does not decode ({_one_line(error)})") from None
        if first is None:
            raise _video_error(path, "no frame could be decoded")
        problem = frame_size_problem(first.width, first.height, max_pixels)
        if problem:
            raise _video_error(path, problem)
        time_base = float(stream.time_base)
        frame_pts = np.unique(np.asarray(pts, dtype=np.int64))  # presentation order
        start = frame_pts[0]
        timestamps = (frame_pts - start) * time_base
        duration = (max(frame_ends) - start) * time_base
        if duration <= timestamps[-1]:  # no packet durations: assume the average frame interval
            interval = float(1 / stream.average_rate) if stream.average_rate else 0.0
            duration = timestamps[-1] + interval
        if not math.isfinite(duration) or duration <= 0:
            raise _video_error(path, f"invalid duration {duration} s")
        if max_duration is not None and duration > max_duration:
            raise _video_error(
                path, f"video is {duration:.1f} s long, more than the allowed maximum of {max_duration:g} s"
            )
        return VideoInfo(
            path=path,
            duration=float(duration),
            average_fps=float(stream.average_rate or 0.0),
            width=first.width,
            height=first.height,
            has_audio=has_audio,
            frame_timestamps=timestamps,
            frame_pts=frame_pts,
            rotation=_rotation_degrees(first),
        )


def sample_times(duration: float, fps: float = 1.0, max_frames: int | None = None) -> np.ndarray:
    """Sampling times `t_i = i / fps < duration` in seconds, evenly thinned to `max_frames`; see the module docstring."""
    fps = _check_number("fps", fps)
    max_frames = _check_number("max_frames", max_frames, integer=True, optional=True)
    num_samples = max(1, math.ceil(duration * fps - 1e-6))
    if max_frames is not None and num_samples > max_frames:
        # Thinned without materialising all samples: a 1.8 KB file may claim days of duration.
        return np.round(np.linspace(0, num_samples - 1, int(max_frames))) / fps
    return np.arange(num_samples) / fps


def sample_frame_indices(
    frame_timestamps: np.ndarray, duration: float, fps: float = 1.0, max_frames: int | None = None
) -> np.ndarray:
    """Indices (into presentation order) of the frames on screen at `t_i = i / fps`; see the module docstring."""
    times = sample_times(duration, fps, max_frames)
    # Last frame with timestamp <= t (1 microsecond of slack for float rounding).
    indices = np.searchsorted(frame_timestamps, times + 1e-6, side="right") - 1
    return np.clip(indices, 0, len(frame_timestamps) - 1)


def iter_video_frames(
    path: str | os.PathLike,
    fps: float = 1.0,
    max_frames: int | None = None,
    chunk_size: int = 64,
    backend: str = "auto",
    info: VideoInfo | None = None,
    max_duration: float | None = None,
    min_size: tuple[int, int] | None = None,
    chunk_bytes: int = DECODE_CHUNK_BYTES,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Decodes the sampled frames of a video in chunks bounded in frames and in bytes, optionally downscaled.

    Every decoder error is caught here. `backend="auto"` decodes with [`DEFAULT_BACKEND`] (PyAV) and, if that
    decoder fails, continues with the other one from the first sample not yet yielded; a named backend falls back
    the same way. Only when both fail is a `ValueError` naming the file and both reasons raised. A video that is
    corrupt in places is decoded as far as possible: PyAV skips the packets it cannot decode, the samples whose
    frame is lost are left out (the others keep their times), and a warning gives how many were lost; a video of
    which no sampled frame decodes raises `ValueError`. Rotation metadata is applied (frames come out upright).

    Args:
        path: the video file. fps, max_frames: the sampling (module docstring). chunk_size: frames per yield.
        backend (`str`): `"auto"`, `"pyav"` or `"decord"`: the decoder to try first.
        info ([`VideoInfo`], *optional*): the probe's result, when the caller has probed already (not probed twice).
        max_duration (`float`, *optional*): refuse (`ValueError`) videos longer than this many seconds.
        min_size (`tuple[int, int]`, *optional*): `(height, width)` the frames must still cover: larger frames are
            downscaled while decoding (aspect ratio kept, to the smallest size with height >= `min_size[0]` and
            width >= `min_size[1]`; bicubic, after conversion to RGB), so memory does not grow with the resolution.
            Smaller frames are left as they are. Default: full resolution.
        chunk_bytes (`int`, defaults to [`DECODE_CHUNK_BYTES`]): a chunk holds at most this many bytes of decoded
            frames (at least one frame, however large).

    Yields:
        `(frames, times)`: `uint8` array `(n, height, width, 3)` and the samples' times in seconds `(n,)`,
        `n <= chunk_size` and `n * height * width * 3 <= chunk_bytes` (or `n = 1`). `times[i]` is the sampling time
        `t_i`; the sample stands for `[t_i, t_{i+1})`.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    path = _check_path(path) if info is None else path
    chunk_size = _check_number("chunk_size", chunk_size, integer=True)
    chunk_bytes = _check_number("chunk_bytes", chunk_bytes, integer=True)
    sample_times(1.0, fps, max_frames)  # checks fps and max_frames before the file is opened
    if min_size is not None:
        min_size = tuple(min_size)
        if len(min_size) != 2 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in min_size
        ):
            raise ValueError(f"min_size must be (height, width) of positive integers, got {min_size}")
    info = info or probe_video(path, max_duration=max_duration)
    if max_duration is not None and info.duration > max_duration:
        raise _video_error(info.path, f"video is {info.duration:.1f} s long, more than the allowed {max_duration:g} s")
    times = sample_times(info.duration, fps, max_frames)
    indices = sample_frame_indices(info.frame_timestamps, info.duration, fps, max_frames)
    first = DEFAULT_BACKEND if backend == "auto" else backend
    order = [first, "decord" if first == "pyav" else "pyav"]
    if not _has_decord():
        order.remove("decord")
        if not order:
            raise ValueError("decord is not installed; use backend='pyav'")
    done, yielded, errors = 0, 0, []  # next sample to decode, samples yielded, decoder failures
    for name in order:
        decode = _iter_pyav_frames if name == "pyav" else _iter_decord_frames
        offset = done
        try:
            for frames, positions in decode(info, indices[offset:], chunk_size, min_size, chunk_bytes):
                positions = positions + offset  # (n,) into `indices`
                yield frames, times[positions]
                yielded += len(positions)
                done = int(positions[-1]) + 1
            break
        except Exception as error:  # noqa: BLE001  (any decoder failure: DECORDError, av errors, RuntimeError...)
            errors.append(f"{name}: {_one_line(error)}")
            logger.warning("%s: %s decoding failed (%s); trying the next backend", info.path, name, errors[-1])
    else:
        raise _video_error(info.path, f"cannot be decoded ({'; '.join(errors)})")
    lost = len(indices) - yielded
    if lost == len(indices):
        raise _video_error(info.path, f"none of the {lost} sampled frames could be decoded (corrupt video data)")
    if lost:
        warnings.warn(
            f"{info.path}: {lost} of {len(indices)} sampled frames could not be decoded (corrupt video data) and were "
            "left out",
            CorruptFramesWarning,
            stacklevel=2,
        )


class CorruptFramesWarning(UserWarning):
    """Some sampled frames of a video could not be decoded and were left out (see `iter_video_frames`)."""


def _has_decord() -> bool:
    try:
        import decord  # noqa: F401
    except ImportError:
        return False
    return True


def _open_decord(info: VideoInfo):
    """A decord reader on all cores (`num_threads=0`) whose frame indices match the probe's presentation order.

    Raises `ValueError` when decord cannot open the file or counts frames differently (then its indices would not
    be the probe's).
    """
    import decord

    try:
        reader = decord.VideoReader(local_media_path(info.path), ctx=decord.cpu(0), num_threads=0)
    except Exception as error:  # noqa: BLE001  (DECORDError, RuntimeError...)
        raise _video_error(info.path, f"decord cannot open it ({_one_line(error)})") from None
    if len(reader) != info.num_frames:
        raise _video_error(info.path, f"decord counts {len(reader)} frames, the probe {info.num_frames}")
    return reader


def _decode_size(width: int, height: int, rotation: int, min_size: tuple[int, int] | None) -> tuple[int, int] | None:
    """Coded `(width, height)` to decode a `width x height` frame at so that, once rotated for display, it still
    covers `min_size` `(height, width)` with the aspect ratio kept; `None` when the frame is not larger than that."""
    if min_size is None:
        return None
    shown_height, shown_width = (height, width) if rotation % 180 == 0 else (width, height)
    scale = max(min_size[0] / shown_height, min_size[1] / shown_width)
    if scale >= 1:
        return None
    # Rounded up: the result covers min_size; never below 1 pixel (extreme aspect ratios).
    return max(1, math.ceil(width * scale - 1e-9)), max(1, math.ceil(height * scale - 1e-9))


def _frames_per_chunk(chunk_size: int, frame_bytes: int, chunk_bytes: int) -> int:
    """Frames in one chunk: at most `chunk_size`, at most `chunk_bytes` of decoded frames, at least one."""
    return max(1, min(chunk_size, chunk_bytes // max(1, frame_bytes)))


def _rotate(frames: np.ndarray, rotation: int) -> np.ndarray:
    """Applies a counter-clockwise display rotation to `(n, H, W, 3)` frames."""
    if rotation % 360 == 0:
        return frames
    return np.ascontiguousarray(np.rot90(frames, k=rotation // 90, axes=(1, 2)))


def _scale_rgb(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`(H, W, 3)` uint8 RGB resized to `size` `(width, height)` with FFmpeg's bicubic scaler (as the PyAV path)."""
    import av

    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    return frame.to_ndarray(width=size[0], height=size[1], interpolation="BICUBIC")


def _iter_decord_frames(
    info: VideoInfo, indices: np.ndarray, chunk_size: int, min_size=None, chunk_bytes: int = DECODE_CHUNK_BYTES
):
    """Yields `(frames, positions)`, `positions` indexing `indices`.

    Frames are read at full size in batches of at most `chunk_bytes` and downscaled to cover `min_size` (see
    `iter_video_frames`) before the next batch is read. Videos with rotation metadata are refused (`ValueError`,
    so PyAV decodes them): decord 0.6 rotates some of them itself and returns 4-channel or scrambled frames for
    others."""
    if info.rotation:
        raise _video_error(info.path, f"decord does not decode rotated videos reliably (rotation {info.rotation})")
    reader = _open_decord(info)
    size = _decode_size(info.width, info.height, 0, min_size)
    width, height = size or (info.width, info.height)
    step = _frames_per_chunk(chunk_size, width * height * 3, chunk_bytes)  # frames per yielded chunk
    read = _frames_per_chunk(step, info.width * info.height * 3, chunk_bytes)  # full-size frames per decord call
    for start in range(0, len(indices), step):
        chunk = indices[start : start + step]
        batch = np.empty((len(chunk), height, width, 3), dtype=np.uint8)
        for offset in range(0, len(chunk), read):
            frames = reader.get_batch(chunk[offset : offset + read].tolist()).asnumpy()
            if frames.shape != (len(chunk[offset : offset + read]), info.height, info.width, 3):
                raise _video_error(info.path, f"decord returned frames of shape {frames.shape}")
            for k, image in enumerate(frames):
                batch[offset + k] = image if size is None else _scale_rgb(image, size)
            del frames
        yield batch, np.arange(start, start + len(chunk))


def _open_pyav(path: str):
    """`(container, video stream)` with the decoder on every core (frame + slice threads, `thread_type="AUTO"`)."""
    import av

    container = av.open(local_media_path(path))
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return container, stream


def _frame_to_rgb(frame, rotation: int, min_size) -> np.ndarray:
    """One decoded PyAV frame as an upright `(H, W, 3)` uint8 array, downscaled to cover `min_size` when larger.

    Converted to RGB at full size first, then scaled (bicubic): scaling in YUV (one swscale call) gives resized
    frames measurably further from resizing the full-size RGB frame, which is what the video processor does."""
    size = _decode_size(frame.width, frame.height, rotation, min_size)
    if size is None:
        image = frame.to_ndarray(format="rgb24")
    else:
        image = frame.reformat(format="rgb24").to_ndarray(width=size[0], height=size[1], interpolation="BICUBIC")
    return _rotate(image[None], rotation)[0]


def _iter_pyav_frames(
    info: VideoInfo, indices: np.ndarray, chunk_size: int, min_size=None, chunk_bytes: int = DECODE_CHUNK_BYTES
):
    """Yields `(frames, positions)` in order, `positions` indexing `indices`. Packets that do not decode are skipped
    (the samples whose frame they held are never yielded: the caller counts them as lost). Frames are downscaled to
    cover `min_size` (see `iter_video_frames`) one at a time, as they are decoded."""
    import av

    wanted = info.frame_pts[indices]  # (S,) pts of each sample, non-decreasing (a frame may repeat)
    if not len(wanted):
        return
    batch, positions, count, position = None, np.empty(chunk_size, np.int64), 0, 0
    container, stream = _open_pyav(info.path)
    with container:
        if wanted[0] > info.frame_pts[0]:  # resuming after the other backend failed: from the keyframe before
            container.seek(int(wanted[0]), stream=stream, backward=True)
        packets = container.demux(stream)
        while position < len(wanted):
            packet = next(packets, None)  # None: end of file, flush the decoder
            try:
                decoded = packet.decode() if packet is not None else stream.codec_context.decode(None)
            except av.FFmpegError as error:  # a corrupt packet: skip it, its frames are lost
                logger.debug("%s: skipped a corrupt packet (%s)", info.path, _one_line(error))
                decoded = []
            for frame in decoded:
                if frame.pts is None:
                    continue
                while position < len(wanted) and wanted[position] < frame.pts:  # this sample's frame was lost
                    position += 1
                if position == len(wanted) or wanted[position] != frame.pts:
                    continue
                image = _frame_to_rgb(frame, info.rotation, min_size)  # (H, W, 3)
                while position < len(wanted) and wanted[position] == frame.pts:
                    if batch is None or batch.shape[1:] != image.shape:
                        if count:  # a resolution change mid-stream: flush what has the old size
                            yield batch[:count], positions[:count].copy()
                            count = 0
                        size = _frames_per_chunk(chunk_size, image.nbytes, chunk_bytes)
                        batch = np.empty((size, *image.shape), dtype=np.uint8)
                    batch[count], positions[count] = image, position
                    count += 1
                    position += 1
                    if count == len(batch):
                        yield batch, positions.copy()
                        batch, count = None, 0  # the caller owns the yielded array
            if packet is None:
                break
    if count:
        yield batch[:count], positions[:count].copy()


# ---------------------------------------------------------------------------------------------------- processors


class VsumVideoProcessorKwargs(VideosKwargs, total=False):
    max_frames: int | None
    max_duration: float | None
    decode_backend: str
    chunk_size: int
    frame_timestamps: list | None


class VsumVideoProcessor(BaseVideoProcessor):
    r"""
    Samples frames from videos at `fps` (1 fps by default, VideoXum's rule; see this module's docstring for exactly
    which frames), resizes them to 224x224 (bicubic), rescales and normalises them with BLIP's mean/std, and pads
    the videos of a batch to the same number of frames.

    Videos may be file paths (decoded with PyAV, decord as fallback, see [`iter_video_frames`]; each file is probed
    with PyAV first so a corrupt file raises `ValueError` instead of crashing the process) or already-sampled frames: arrays or tensors
    of shape `(frames, height, width, 3)` / `(frames, 3, height, width)`, taken as sampled at `fps` unless
    `frame_timestamps` is given.
    """

    resample = PILImageResampling.BICUBIC
    image_mean = OPENAI_CLIP_MEAN
    image_std = OPENAI_CLIP_STD
    size = {"height": 224, "width": 224}
    do_resize = True
    do_rescale = True
    do_normalize = True
    do_convert_rgb = True
    do_sample_frames = False
    fps = 1.0
    max_frames = None
    max_duration = None
    decode_backend = "auto"
    chunk_size = 64
    valid_kwargs = VsumVideoProcessorKwargs
    model_input_names = ["pixel_values", "frame_mask"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def preprocess(
        self,
        videos,
        fps: float | None = None,
        max_frames: int | None = None,
        decode_backend: str | None = None,
        chunk_size: int | None = None,
        frame_timestamps: list | None = None,
        return_tensors=None,
        max_duration: float | None = None,
        **kwargs,
    ) -> BatchFeature:
        r"""
        Args:
            videos (`str`, `os.PathLike`, array, tensor, or a list of them):
                Video files, or sampled frames `(frames, height, width, 3)` per video.
            fps (`float`, *optional*): sampling rate in frames per second (default `self.fps`, 1.0).
            max_frames (`int`, *optional*): at most this many frames per video, evenly spread (default: all).
            decode_backend (`str`, *optional*): `"auto"` (PyAV, decord as fallback), `"pyav"` or `"decord"` (the one
                tried first; the other is the fallback).
            max_duration (`float`, *optional*): refuse video files longer than this many seconds (default: none).
            frame_timestamps (`list`, *optional*): seconds of each given frame, for array inputs.
            return_tensors (`str`, *optional*): `"pt"` for torch tensors.

        Returns:
            [`BatchFeature`] with
            - **pixel_values** -- `(batch, frames, 3, height, width)` float, zero for padded frames.
            - **frame_mask** -- `(batch, frames)`, 1 for real frames, 0 for padding.
            - **frame_timestamps** -- `(batch, frames)` seconds of each sampled frame, -1 for padding.

        Raises:
            `ValueError` naming the argument (and the video's index), what was expected and what was given, for
            anything else than paths, 4-D arrays/tensors or a list of them (scalars, bytes, PIL images, dicts),
            empty or non-RGB frames, non-numeric, NaN/infinite or out-of-range ([0, 255]) frame values, non-finite,
            negative or decreasing `frame_timestamps`, and `fps`/`max_frames`/`chunk_size`/`max_duration` that are
            not positive numbers. Float frames in [0, 1] are not rescaled again (warned; see `_check_frames`).
        """
        fps = _check_number("fps", self.fps if fps is None else fps)
        max_frames = _check_number(
            "max_frames", self.max_frames if max_frames is None else max_frames, integer=True, optional=True
        )
        max_duration = _check_number(
            "max_duration", self.max_duration if max_duration is None else max_duration, optional=True
        )
        decode_backend = decode_backend or self.decode_backend
        if decode_backend not in BACKENDS:
            raise ValueError(f"decode_backend must be one of {', '.join(map(repr, BACKENDS))}, got {decode_backend!r}")
        chunk_size = _check_number("chunk_size", self.chunk_size if chunk_size is None else chunk_size, integer=True)
        if isinstance(videos, (str, os.PathLike, np.ndarray, torch.Tensor)):
            if not _is_frames(videos) and not isinstance(videos, (str, os.PathLike)):
                raise ValueError(
                    f"videos must be a video file path or an array of frames (frames, height, width, 3), got "
                    f"{_describe(videos)}"
                )
            videos = [videos]
            frame_timestamps = None if frame_timestamps is None else [frame_timestamps]
        elif not isinstance(videos, (list, tuple)):
            raise ValueError(
                "videos must be a video file path, an array of frames (frames, height, width, 3) or a list of them, "
                f"got {_describe(videos)}"
            )
        if len(videos) == 0:
            raise ValueError("videos is empty: pass at least one video path or array of frames")
        if frame_timestamps is not None and len(frame_timestamps) != len(videos):
            raise ValueError(f"got {len(frame_timestamps)} frame_timestamps lists for {len(videos)} videos")

        pixel_values, timestamps = [], []
        for index, video in enumerate(videos):
            given_stamps = None if frame_timestamps is None else frame_timestamps[index]
            if isinstance(video, (str, os.PathLike)):
                if given_stamps is not None:
                    raise ValueError(
                        f"video {index} is a file: its times come from the file, frame_timestamps are for arrays of "
                        "frames (pass None for files)"
                    )
                chunks = [
                    (self.preprocess_frames(frames, **kwargs), stamps)
                    for frames, stamps in iter_video_frames(
                        video,
                        fps,
                        max_frames,
                        chunk_size,
                        decode_backend,
                        max_duration=max_duration,
                        min_size=self.decode_min_size(kwargs.get("size"), kwargs.get("do_resize")),
                    )
                ]
                pixel_values.append(torch.cat([c[0] for c in chunks]))
                timestamps.append(np.concatenate([c[1] for c in chunks]))
            elif _is_frames(video):
                frame_kwargs = _check_frames(index, video, kwargs)
                if given_stamps is None:
                    stamps = np.arange(len(video)) / fps
                else:
                    stamps = _check_timestamps(index, given_stamps)
                if len(stamps) != len(video):
                    raise ValueError(f"video {index} has {len(video)} frames but {len(stamps)} frame_timestamps")
                pixel_values.append(self.preprocess_frames(video, **frame_kwargs))
                timestamps.append(stamps)
            else:
                raise ValueError(
                    f"video {index} must be a file path or an array of frames (frames, height, width, 3), "
                    f"got {_describe(video)}"
                )

        max_length = max(len(v) for v in pixel_values)
        batch = len(pixel_values)
        padded = pixel_values[0].new_zeros(batch, max_length, *pixel_values[0].shape[1:])
        frame_mask = torch.zeros(batch, max_length, dtype=torch.long)
        padded_timestamps = torch.full((batch, max_length), -1.0, dtype=torch.float64)
        for row, (frames, stamps) in enumerate(zip(pixel_values, timestamps)):
            padded[row, : len(frames)] = frames
            frame_mask[row, : len(frames)] = 1
            padded_timestamps[row, : len(frames)] = torch.from_numpy(np.asarray(stamps, dtype=np.float64))
        data = {"pixel_values": padded, "frame_mask": frame_mask, "frame_timestamps": padded_timestamps}
        return BatchFeature(data=data, tensor_type=return_tensors)

    def decode_min_size(self, size=None, do_resize: bool | None = None) -> tuple[int, int] | None:
        """`(height, width)` that decoded frames must cover (`iter_video_frames(min_size=...)`): [`DECODE_OVERSAMPLING`]
        times the size `preprocess_frames` resizes to (`size`, `do_resize`: overrides of the processor's own), or
        `None` (full resolution) when frames are not resized or only a pixel count is given."""
        do_resize = self.do_resize if do_resize is None else do_resize
        size = self.size if size is None else size
        if not do_resize or size is None:
            return None
        height, width = size.get("height"), size.get("width")
        if not (height and width):
            # shortest_edge / longest_edge / max_height / max_width: a square of the largest covers what the
            # resize needs (aspect kept, shortest side >= it).
            edges = [size.get(key) for key in ("shortest_edge", "longest_edge", "max_height", "max_width")]
            edges = [edge for edge in edges if edge]
            if not edges:
                return None
            height = width = max(edges)
        return int(height) * DECODE_OVERSAMPLING, int(width) * DECODE_OVERSAMPLING

    def preprocess_frames(self, frames, **kwargs) -> torch.Tensor:
        """Resize, rescale and normalise one video's frames -> `(frames, 3, height, width)` float tensor."""
        output = super().preprocess([frames], do_sample_frames=False, return_tensors="pt", **kwargs)
        return output["pixel_values_videos"][0]


def _is_frames(value) -> bool:
    return isinstance(value, (np.ndarray, torch.Tensor)) and value.ndim == 4


def _check_frames(index: int, video, kwargs: dict) -> dict:
    """Checks one video given as an array `(frames, height, width, 3)` / `(frames, 3, height, width)` and returns the
    keyword arguments to preprocess it with.

    Refused (`ValueError` naming the video): empty dimensions, a channel count other than 1 or 3, non-numeric or
    boolean dtypes, NaN/infinite values, and values outside [0, 255] (negative values are typically frames already
    normalised with a mean/std, which would be normalised twice). Floating-point frames whose values all lie in
    [0, 1] are taken as already rescaled: they are not divided by 255 again (which would feed the model near-black
    frames), with a warning; pass uint8 frames, or floats in [0, 255], to avoid it. Nothing is decided for the
    caller who sets `do_rescale` explicitly.
    """
    shape = tuple(video.shape)
    if 0 in shape:
        raise ValueError(f"video {index}: frames must not be empty, got shape {shape}")
    if shape[-1] not in (1, 3) and shape[1] not in (1, 3):
        raise ValueError(
            f"video {index}: frames must be (frames, height, width, 3) or (frames, 3, height, width) with 1 or 3 "
            f"channels, got shape {shape}"
        )
    is_tensor = isinstance(video, torch.Tensor)
    dtype = video.dtype
    floating = dtype.is_floating_point if is_tensor else np.issubdtype(dtype, np.floating)
    integer = (
        (not dtype.is_floating_point and not dtype.is_complex and dtype != torch.bool)
        if is_tensor
        else (np.issubdtype(dtype, np.integer))
    )
    if not (floating or integer):
        raise ValueError(f"video {index}: frames must be integer (uint8) or floating-point numbers, got dtype {dtype}")
    if dtype in (np.uint8, torch.uint8):
        return kwargs  # the usual case: every value is valid
    if floating:
        finite = torch.isfinite(video) if is_tensor else np.isfinite(video)
        if not bool(finite.all()):
            bad = ~finite
            frames = (bad.flatten(1).any(1) if is_tensor else bad.reshape(len(bad), -1).any(1)).nonzero()
            frames = [int(f) for f in (frames[0] if is_tensor else frames[0])][:5]
            raise ValueError(
                f"video {index}: frames contain {int(bad.sum())} NaN or infinite values "
                f"(frame{'s' if len(frames) > 1 else ''} {', '.join(map(str, frames))})"
            )
    low, high = float(video.min()), float(video.max())
    if low < 0 or high > 255:
        raise ValueError(
            f"video {index}: frame values must be in [0, 255] (or [0, 1] for floats), got min {low:g}, max {high:g}"
            f"{' (frames already normalised?)' if low < 0 else ''}"
        )
    if floating and high <= 1 and "do_rescale" not in kwargs:
        warnings.warn(
            f"video {index}: float frames with values in [0, 1] are taken as already rescaled and are not divided "
            "by 255 again; pass uint8 frames (or floats in [0, 255]) to silence this warning",
            UserWarning,
            stacklevel=4,
        )
        return {**kwargs, "do_rescale": False}
    return kwargs


def _check_timestamps(index: int, stamps) -> np.ndarray:
    """One video's `frame_timestamps` as float64 seconds: a flat list of finite, non-negative, non-decreasing
    numbers (-1 marks padding in the output, and a later sample cannot come before an earlier one)."""
    try:
        values = np.asarray(stamps.cpu() if isinstance(stamps, torch.Tensor) else stamps, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"video {index}: frame_timestamps must be numbers (seconds), got {stamps!r}") from None
    if values.ndim != 1:
        raise ValueError(f"video {index}: frame_timestamps must be a flat list of seconds, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError(f"video {index}: frame_timestamps must be finite, got {values.tolist()}")
    if len(values) and values.min() < 0:
        raise ValueError(f"video {index}: frame_timestamps must be >= 0 seconds, got {values.min()}")
    decreasing = np.flatnonzero(np.diff(values) < 0)
    if len(decreasing):
        k = int(decreasing[0]) + 1
        raise ValueError(
            f"video {index}: frame_timestamps must not decrease, got {values[k]} after {values[k - 1]} (frame {k})"
        )
    return values


class VsumProcessor(ProcessorMixin):
    r"""
    Wraps a [`VsumVideoProcessor`] and BLIP's BERT tokenizer into one processor.

    Text targets are tokenized as BLIP does for captioning: `prompt + summary`, the first token replaced by the
    decoder BOS (`[DEC]`), and `labels` equal to `input_ids` with the prompt and the padding set to -100.

    Args:
        video_processor ([`VsumVideoProcessor`]): frame sampling and preprocessing.
        tokenizer ([`BertTokenizerFast`]): BLIP's tokenizer (its `bos_token` is the decoder BOS).
        prompt (`str`, *optional*, defaults to `"a video of "`): prepended to every summary, not scored. The one
            home of the prompt text: a model created with this processor stores `prompt_token_ids` (derived from it
            once) in its config for `generate()`.
        max_text_length (`int`, *optional*, defaults to 128): text is truncated to this many tokens.
    """

    def __init__(
        self, video_processor=None, tokenizer=None, prompt: str = "a video of ", max_text_length: int = 128, **kwargs
    ):
        self.prompt = prompt
        self.max_text_length = max_text_length
        super().__init__(video_processor, tokenizer, **kwargs)

    @classmethod
    def from_blip(cls, name_or_path, **kwargs) -> "VsumProcessor":
        """A processor for a model built with `VsumModel.from_blip(name_or_path)`: BLIP's tokenizer and the default
        video processor (1 fps, 224x224, BLIP's mean/std: the paper's preprocessing, whatever BLIP's image size).

        Args:
            name_or_path (`str` or `os.PathLike`): a BLIP captioning checkpoint (name or folder) holding its tokenizer.
            kwargs: `VsumProcessor` arguments (`prompt`, `max_text_length`).
        """
        from transformers import AutoTokenizer

        return cls(
            video_processor=VsumVideoProcessor(), tokenizer=AutoTokenizer.from_pretrained(name_or_path), **kwargs
        )

    @property
    def model_input_names(self):
        return ["pixel_values", "frame_mask", "input_ids", "attention_mask"]

    @property
    def prompt_token_ids(self) -> list[int]:
        """Decoder input ids of the prompt: decoder BOS followed by the prompt's tokens (no separator)."""
        ids = self.tokenizer(self.prompt, add_special_tokens=True)["input_ids"][:-1]  # drop [SEP]
        return [self.tokenizer.bos_token_id, *ids[1:]]  # [CLS] -> decoder BOS

    def __call__(self, videos=None, text=None, return_tensors=None, **kwargs) -> BatchFeature:
        r"""
        Args:
            videos: video paths or frame arrays (see [`VsumVideoProcessor.preprocess`]); keyword arguments such as
                `fps`, `max_frames`, `decode_backend` are passed on.
            text (`str` or `list[str]`, *optional*): target summaries (training). Without it, `input_ids` holds
                the prompt, ready for `model.generate(**inputs)`.
            return_tensors (`str`, *optional*): `"pt"` for torch tensors.

        Returns:
            [`BatchFeature`] with `pixel_values`, `frame_mask`, `frame_timestamps` (when `videos` is given),
            `input_ids` and `attention_mask`, and, when `text` is given, `labels`.
        """
        if videos is None and text is None:
            raise ValueError("VsumProcessor needs `videos`, `text`, or both")
        data = {}
        batch = None
        if videos is not None:
            data.update(self.video_processor(videos, **kwargs))
            batch = data["pixel_values"].shape[0]
        if text is not None:
            text = [text] if isinstance(text, str) else list(text)
            if batch is not None and len(text) != batch:
                raise ValueError(f"got {len(text)} texts for {batch} videos")
            data.update(self.tokenize_summaries(text))
        else:
            prompt = torch.tensor([self.prompt_token_ids] * batch)
            data.update(input_ids=prompt, attention_mask=torch.ones_like(prompt))
        return BatchFeature(data=data, tensor_type=return_tensors)

    def tokenize_summaries(self, text: list[str]) -> dict[str, torch.Tensor]:
        """`input_ids`, `attention_mask` and `labels` (prompt and padding -100) for target summaries."""
        if any(not isinstance(t, str) for t in text):
            raise ValueError(f"text must be strings, got {[type(t).__name__ for t in text]}")
        encoded = self.tokenizer(
            [self.prompt + t for t in text],
            padding="longest",
            truncation=True,
            max_length=self.max_text_length,
            return_tensors="pt",
        )
        input_ids = encoded["input_ids"].clone()
        input_ids[:, 0] = self.tokenizer.bos_token_id
        labels = input_ids.masked_fill(encoded["attention_mask"] == 0, -100)
        labels[:, : len(self.prompt_token_ids)] = -100
        return {"input_ids": input_ids, "attention_mask": encoded["attention_mask"], "labels": labels}

    def batch_decode(self, sequences, skip_special_tokens: bool = True, **kwargs) -> list[str]:
        """Decodes generated ids into summaries, without the prompt."""
        prompt = self.prompt_token_ids
        stripped = []
        for ids in sequences:
            ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
            stripped.append(ids[len(prompt) :] if ids[: len(prompt)] == prompt else ids)
        texts = self.tokenizer.batch_decode(stripped, skip_special_tokens=skip_special_tokens, **kwargs)
        return [t.strip() for t in texts]

    def decode(self, ids, **kwargs) -> str:
        return self.batch_decode([ids], **kwargs)[0]

    def post_process_summary(self, saliency_logits, frame_mask=None, frame_timestamps=None, ratio: float | None = None):
        """Turns saliency logits into a video summary per video.

        Keyframes follow the VideoXum evaluation rule: with `T` real frames, the threshold is the score at index
        `floor(ratio * T)` of the scores sorted in descending order and every frame scoring at least that is kept
        (`floor(ratio * T) + 1` frames, plus ties).

        Args:
            saliency_logits (`torch.Tensor` of shape `(batch, frames)`).
            frame_mask (`torch.Tensor` of shape `(batch, frames)`, *optional*).
            frame_timestamps (`torch.Tensor` of shape `(batch, frames)`, *optional*): seconds; defaults to the
                frame index divided by the video processor's fps.
            ratio (`float`, *optional*): fraction of frames to keep; the model's `config.summary_ratio` (callers
                pass it), else `DEFAULT_SUMMARY_RATIO` (0.15).

        Returns:
            `list[dict]`, one per video: `scores` (sigmoid per real frame), `timestamps`, `keyframes` (indices),
            `segments` (`[start_s, end_s]` spans of consecutive keyframes; a frame spans until the next sample).
        """
        ratio = DEFAULT_SUMMARY_RATIO if ratio is None else ratio
        if not 0 < ratio <= 1:
            raise ValueError(f"ratio must be in (0, 1], got {ratio}")
        # float64: a float32 sigmoid saturates to exactly 1.0 above ~17, which would create ties in the ranking.
        logits = torch.as_tensor(saliency_logits).detach().double().cpu()
        if logits.dim() == 1:
            logits = logits[None]
        mask = (
            torch.ones_like(logits, dtype=torch.bool)
            if frame_mask is None
            else torch.as_tensor(frame_mask).bool().cpu()
        )
        if mask.shape != logits.shape:
            raise ValueError(
                f"frame_mask shape {tuple(mask.shape)} does not match saliency_logits {tuple(logits.shape)}"
            )
        nan = torch.isnan(logits) & mask
        if nan.any():
            rows = torch.nonzero(nan.any(1)).flatten().tolist()
            raise ValueError(
                f"saliency_logits contain {int(nan.sum())} NaN values among the real frames (videos {rows}): the "
                "model's output is invalid (NaN inputs, or an overflow in a low-precision dtype?)"
            )
        if frame_timestamps is not None:
            frame_timestamps = torch.as_tensor(frame_timestamps).detach().cpu().double()
            if frame_timestamps.dim() == 1:
                frame_timestamps = frame_timestamps[None]
            if frame_timestamps.shape != logits.shape:
                raise ValueError(
                    f"frame_timestamps shape {tuple(frame_timestamps.shape)} does not match saliency_logits "
                    f"{tuple(logits.shape)}"
                )
            if not torch.isfinite(frame_timestamps[mask]).all():
                raise ValueError("frame_timestamps contain NaN or infinite values among the real frames")
        interval = 1.0 / self.video_processor.fps
        results = []
        for row in range(logits.shape[0]):
            scores = torch.sigmoid(logits[row][mask[row]]).numpy()
            if frame_timestamps is None:
                stamps = np.arange(len(scores)) * interval
            else:
                stamps = frame_timestamps[row][mask[row]].numpy()
                decreasing = np.flatnonzero(np.diff(stamps) < 0)
                if len(decreasing):
                    k = int(decreasing[0]) + 1
                    warnings.warn(
                        f"video {row}: frame_timestamps decrease ({stamps[k]} after {stamps[k - 1]}, frame {k}); a frame "
                        "followed by an earlier one is given one sampling interval",
                        UserWarning,
                        stacklevel=2,
                    )
            keyframes = select_keyframes(scores, ratio)
            ends = np.append(stamps[1:], stamps[-1] + interval) if len(stamps) else stamps
            # A sample covers [t, next sample time); repeated or unordered given times still get a positive span.
            ends = np.where(ends > stamps, ends, stamps + interval)
            segments = []
            for index in keyframes:
                if segments and index - 1 == segments[-1][2]:
                    segments[-1][1], segments[-1][2] = float(ends[index]), index
                else:
                    segments.append([float(stamps[index]), float(ends[index]), index])
            results.append(
                {
                    "scores": scores.tolist(),
                    "timestamps": stamps.tolist(),
                    "keyframes": keyframes.tolist(),
                    "segments": [[start, end] for start, end, _ in segments],
                }
            )
        return results


def summary_mask(scores: np.ndarray, ratio: float = DEFAULT_SUMMARY_RATIO) -> np.ndarray:
    """The VideoXum summary rule as a boolean mask: scores sorted descending, threshold = the score at index
    `floor(ratio * T)` (clipped to `T - 1`), every frame scoring `>=` it selected (`floor(ratio * T) + 1` frames plus
    ties). The single implementation of the rule: the metrics (`vsum.metrics.video`) use it too."""
    scores = np.asarray(scores)
    num_frames = scores.shape[0]
    if num_frames == 0:
        return np.zeros(0, dtype=bool)
    rank = min(int(math.floor(ratio * num_frames)), num_frames - 1)
    # The (rank + 1)-th largest value sits at position T - 1 - rank after a partition: O(T) instead of a sort.
    threshold = np.partition(scores, num_frames - 1 - rank)[num_frames - 1 - rank]
    return scores >= threshold


def select_keyframes(scores: np.ndarray, ratio: float = DEFAULT_SUMMARY_RATIO) -> np.ndarray:
    """Sorted indices of the frames that [`summary_mask`] selects."""
    return np.flatnonzero(summary_mask(scores, ratio))


# Registration (see the end of configuration_vsum.py).
VsumVideoProcessor.register_for_auto_class("AutoVideoProcessor")
VsumProcessor.register_for_auto_class("AutoProcessor")
if __name__.startswith("vsum."):
    from transformers import AutoProcessor, AutoVideoProcessor

    from .configuration_vsum import VsumConfig

    AutoVideoProcessor.register(VsumConfig, VsumVideoProcessor, exist_ok=True)
    AutoProcessor.register(VsumConfig, VsumProcessor, exist_ok=True)


__all__ = [
    "VsumProcessor",
    "VsumVideoProcessor",
    "VideoInfo",
    "probe_video",
    "sample_frame_indices",
    "iter_video_frames",
    "sample_times",
    "CorruptFramesWarning",
    "DEFAULT_BACKEND",
    "select_keyframes",
    "summary_mask",
]

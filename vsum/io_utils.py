# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Atomic, symlink-safe writes: the one place where vsum writes a file or a folder that others may read.

Every writer in the project (summaries, reels, plots, features, metrics, checkpoints, exports) goes through these
helpers, so that

- a reader never sees a half-written file: the data goes to a temporary name, is flushed and fsynced, then renamed
  over the target with `os.replace` (atomic on POSIX within one file system);
- a shared output folder is safe: the temporary name is random and created exclusively (`tempfile.mkstemp` /
  `tempfile.mkdtemp`, i.e. `O_CREAT | O_EXCL`), so a planted file or symlink at a predictable name such as
  `x.json.partial` is never opened, followed or overwritten;
- a failed write leaves the target as it was and removes its temporary file.

>>> import json, tempfile, os
>>> folder = tempfile.mkdtemp()
>>> atomic_write_json(os.path.join(folder, "a.json"), {"x": 1})
>>> json.load(open(os.path.join(folder, "a.json")))
{'x': 1}
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    # os.umask can only be read by setting it; done once at import, before any thread of ours writes.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


def _fsync_path(path: str | os.PathLike) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[str]:
    """Yields the path of a fresh, exclusively created temporary file next to `path`; on a clean exit the temporary
    is fsynced and renamed to `path`, on an exception it is removed and `path` is left untouched.

    For writers that need a file name (`np.savez`, `av.open`, `figure.savefig`, `to_parquet`). The temporary ends in
    `path`'s extension (or `suffix`), so writers that pick the format from the name work.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A leading dot hides the temporary from folder listings (and `vsum summarize DIR`); the random part comes from
    # tempfile; the extension stays last (`.x.mp4.k2j9.tmp.mp4`) for writers that infer the format from the name.
    extension = target.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{extension}", dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)
        _fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """`open()`-like context manager that writes `path` atomically (see the module docstring).

    `mode` is `"w"` (text, `encoding`) or `"wb"` (bytes).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write supports mode 'w' or 'wb', got {mode!r}")
    with atomic_path(path) as tmp:
        kwargs = {"encoding": encoding} if mode == "w" else {}
        # The temporary exists already (mkstemp); "w" truncates that very file: it is ours, not a planted link.
        with open(tmp, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Writes `text` to `path` atomically."""
    with atomic_write(path, "w", encoding=encoding) as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Writes `data` to `path` atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def atomic_write_json(path: str | os.PathLike, obj: Any, indent: int | None = 2, **dumps_kwargs: Any) -> None:
    """Writes `obj` as JSON (UTF-8, trailing newline) to `path` atomically."""
    atomic_write_text(path, json.dumps(obj, indent=indent, **dumps_kwargs) + "\n")


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[str]:
    """Yields a fresh, exclusively created temporary folder next to `path`; on a clean exit it replaces `path`
    (an existing folder at `path` is moved aside under another random name, then deleted), on an exception it is
    removed and `path` is left as it was.

    Readers see either the old complete folder or the new complete one (between the two renames `path` is briefly
    absent, never partial).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_UMASK)
        if target.is_symlink() or target.is_file():
            raise ValueError(f"{target}: exists and is not a folder; refusing to replace it")
        old = None
        if target.exists():
            old = tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
            os.replace(target, os.path.join(old, "folder"))
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


__all__ = [
    "atomic_folder",
    "atomic_path",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
]

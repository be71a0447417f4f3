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
import secrets
import shutil
import stat
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


#: Where a process reaches a folder it holds open, by descriptor (Linux); `None` where there is no such place.
_FD_FOLDER = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else None


class FolderHandle:
    """A folder opened once, by descriptor: every operation through the handle acts on *that* folder, even if its
    path is renamed or replaced by a symlink while it is open (a shared output folder swapped mid-run).

    The folder is opened on its real path (a symlink given by the user is resolved once, at opening) with
    `O_DIRECTORY | O_NOFOLLOW`; names are looked up, unlinked and renamed relative to the descriptor (`dir_fd`).
    Writers that need a path (PyAV, matplotlib) get [`fs_path`], which on Linux reaches the folder through
    `/proc/self/fd` (never through its name); elsewhere it is the folder's real path, checked to still lead to the
    same folder ([`check_identity`]).

    Args:
        path: the folder. create (`bool`, defaults to `True`): create it (and its parents) when missing.

    >>> import tempfile
    >>> with FolderHandle(tempfile.mkdtemp()) as folder:
    ...     atomic_write_text(folder.fs_path("a.txt"), "x")
    ...     folder.lstat("a.txt").st_size
    1
    """

    def __init__(self, path: str | os.PathLike, create: bool = True, *, parent: FolderHandle | None = None):
        flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        if parent is not None:  # `path` is a name in `parent`, opened relative to it
            self.path, self.real_path = parent.path / path, os.path.join(parent.real_path, path)
            target, dir_fd = os.fspath(path), parent.fd
        else:
            self.path = Path(path)
            if create:
                self.path.mkdir(parents=True, exist_ok=True)
            self.real_path = os.path.realpath(self.path)
            target, dir_fd = self.real_path, None
        try:
            self.fd = os.open(target, flags, dir_fd=dir_fd)
        except OSError as error:
            raise ValueError(f"{self.path}: cannot open the folder ({error.strerror or error})") from None
        self._identity = _identity(os.fstat(self.fd))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> FolderHandle:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def shown(self, name: str = "") -> Path:
        """`name` in the folder as the user named it (for messages)."""
        return self.path / name if name else self.path

    def fs_path(self, name: str = "") -> str:
        """A path that reaches `name` in this folder (see the class docstring); only valid in this process."""
        base = f"{_FD_FOLDER}/{self.fd}" if _FD_FOLDER else self.real_path
        return f"{base}/{name}" if name else base

    def check_identity(self) -> None:
        """Raises `ValueError` if the folder's real path no longer leads to this folder (it was moved or replaced)."""
        try:
            current = _identity(os.stat(self.real_path, follow_symlinks=False))
        except OSError:
            current = None
        if current != self._identity:
            raise ValueError(f"{self.path}: the folder was moved or replaced while vsum was writing into it")

    def lstat(self, name: str) -> os.stat_result | None:
        """`name`'s own status (a symlink is not followed), `None` if nothing has that name."""
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def open(self, name: str, flags: int, mode: int = 0o600) -> int:
        """`os.open` of `name` in this folder, never following a symlink at `name` (`OSError` `ELOOP`)."""
        return os.open(name, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), mode, dir_fd=self.fd)

    def unlink(self, name: str) -> None:
        """Removes `name` (a file or a symlink, not followed) if it exists."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=self.fd)

    def move_in(self, source: FolderHandle, name: str) -> None:
        """Renames `name` of folder `source` to `name` here (atomically replacing what is here under that name)."""
        if not _FD_FOLDER:
            self.check_identity()
        os.replace(name, name, src_dir_fd=source.fd, dst_dir_fd=self.fd)

    @contextlib.contextmanager
    def staging(self, prefix: str = "") -> Iterator[FolderHandle]:
        """A fresh private subfolder (hidden, random name, mode 0700), removed with its contents on exit.

        Files written there are moved in with [`move_in`]: a set of files can be prepared whole, then moved in.
        """
        while True:
            name = f".{prefix}{secrets.token_hex(6)}.tmp"
            try:
                os.mkdir(name, 0o700, dir_fd=self.fd)
                break
            except FileExistsError:
                continue
        try:
            with FolderHandle(name, parent=self) as inner:
                yield inner
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(name, dir_fd=self.fd)


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def is_regular_file(status: os.stat_result | None) -> bool:
    """Whether an `lstat` result is a plain file (not a symlink, folder, fifo...)."""
    return status is not None and stat.S_ISREG(status.st_mode)


__all__ = [
    "FolderHandle",
    "atomic_folder",
    "atomic_path",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "is_regular_file",
]

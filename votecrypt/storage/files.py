"""Crash-safe file writing and clear errors for file reading.

A file is written to a temporary file in the same directory, flushed and fsync'd, then renamed
over the target, and the directory is fsync'd: a reader sees the old file or the new one,
never a half-written one, and an acknowledged write survives a crash.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from votecrypt.errors import FileError, StorageError

#: OS errors that mean the medium refused: full, read-only, over quota, failing (spec 18.4).
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EFBIG})


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True, private: bool = False) -> None:
    """Write `data` to `path` atomically; `private` makes the file readable by its owner only.

    With overwrite=False an existing file is left alone: identical content is accepted (the
    step is being repeated), different content raises FileError.
    """
    path = Path(path)
    if not overwrite and path.exists():
        try:
            same = read_file(path, what="existing file", max_bytes=len(data)) == data
        except FileError:  # larger than `data`, or unreadable: not the same file
            same = False
        if same:
            return
        raise FileError(f"{path} already exists with different content; not overwriting it")
    try:
        _write_replacing(path, data, private)
    except OSError as error:
        raise storage_error(error, path) from None


def _write_replacing(path: Path, data: bytes, private: bool) -> None:
    if path.is_dir():
        raise FileError(f"{path} is a directory, not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp creates the file readable by its owner only; public files get the usual
        # permissions (those of open(): 0o666 less the process's umask).
        os.fchmod(descriptor, 0o600 if private else 0o666 & ~_UMASK)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def storage_error(error: OSError, path: Path) -> Exception:
    """An OS error as one of ours: the medium (StorageError) or the file named (FileError)."""
    reason = error.strerror or str(error)
    if error.errno in STORAGE_ERRNOS:
        return StorageError(f"cannot write {path}: {reason}; nothing was half-written")
    return FileError(f"cannot write {path}: {reason}")


def read_file(path: Path, *, what: str, max_bytes: int = 1 << 30) -> bytes:
    """Read a whole file, turning OS errors into one clear FileError."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileError(f"{what} {path} is too large ({size} bytes)")
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileError(f"{what} {path} is too large")
        return data
    except OSError as error:
        raise _read_error(error, path, what) from None


@contextmanager
def open_input(path: Path, *, what: str) -> Iterator[BinaryIO]:
    """A file opened for reading, with the same clear errors as `read_file`."""
    path = Path(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise _read_error(error, path, what) from None
    with handle:
        yield handle


def _read_error(error: OSError, path: Path, what: str) -> Exception:
    if isinstance(error, FileNotFoundError):
        return FileError(f"{what} not found: {path}")
    if isinstance(error, IsADirectoryError):
        return FileError(f"{what} {path} is a directory, not a file")
    if isinstance(error, NotADirectoryError):
        return FileError(f"{what} {path}: a folder in the path is a file")
    if isinstance(error, PermissionError):
        return FileError(f"{what} {path} cannot be read (permission denied)")
    if error.errno in STORAGE_ERRNOS:
        return StorageError(f"{what} {path} cannot be read: {error.strerror}")
    return FileError(f"{what} {path} cannot be read: {error.strerror or error}")

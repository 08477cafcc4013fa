"""Crash-safe file writing and clear errors for file reading.

A file is written to a temporary file in the same directory, flushed and fsync'd, then renamed
over the target, and the directory is fsync'd: a reader sees the old file or the new one,
never a half-written one, and an acknowledged write survives a crash.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from votecrypt.errors import FileError


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True, private: bool = False) -> None:
    """Write `data` to `path` atomically; `private` makes the file readable by its owner only.

    With overwrite=False an existing file is left alone: identical content is accepted (the
    step is being repeated), different content raises FileError.
    """
    path = Path(path)
    if not overwrite and path.exists():
        if path.read_bytes() == data:
            return
        raise FileError(f"{path} already exists with different content; not overwriting it")
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


def read_file(path: Path, *, what: str, max_bytes: int = 1 << 30) -> bytes:
    """Read a whole file, turning OS errors into one clear FileError."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileError(f"{what} {path} is too large ({size} bytes)")
        return path.read_bytes()
    except FileNotFoundError:
        raise FileError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise FileError(f"{what} {path} is a directory, not a file") from None
    except PermissionError:
        raise FileError(f"{what} {path} cannot be read (permission denied)") from None

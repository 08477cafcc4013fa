"""Reading an election record from a directory or from a single archive (spec 15.1).

A record is a directory holding `log.jsonl` and copies of single items, or the same files in
a .zip or .tar/.tar.gz/.tgz archive (at the top level or under one top directory). The log is
streamed line by line: nothing loads the whole record into memory.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from votecrypt.errors import FileError

LOG_NAME = "log.jsonl"
MAX_LINE = 1 << 24
#: The folders of a record, beside the log: the signed checkpoints, and the ceremony files
#: that arrived after the outcome was endorsed (spec 15.1, 8.8.2).
FOLDERS = ("cosigned", "evidence", "ceremony-late")


def _kept(name: str) -> bool:
    """A file at the record's top, or directly in one of its folders."""
    folder, _, rest = name.partition("/")
    return not rest or (folder in FOLDERS and "/" not in rest)


class LogSource(Protocol):
    """What the verifier reads: a log, streamed, and the small files beside it."""

    @property
    def path(self) -> Path: ...

    def lines(self) -> Iterator[tuple[int, bytes]]: ...

    def read(self, name: str, max_bytes: int = 1 << 26) -> bytes | None: ...

    def names(self, folder: str = "") -> list[str]: ...


class RecordSource:
    """A record on disk: `lines()` streams the log; `read(name)` returns a small file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self._kind = "directory"
        elif zipfile.is_zipfile(self.path):
            self._kind = "zip"
        elif self.path.is_file() and tarfile.is_tarfile(self.path):
            self._kind = "tar"
        elif not self.path.exists():
            raise FileError(f"no election record at {self.path}")
        else:
            raise FileError(f"{self.path} is neither a record directory nor a .zip/.tar archive")

    def names(self, folder: str = "") -> list[str]:
        """The names of the files at the record's top, or in its `folder` (one level down:
        `cosigned`, `evidence`, `ceremony-late`, spec 15.1), relative to the record's top."""
        prefix = f"{folder}/" if folder else ""
        if folder and (folder not in FOLDERS):
            raise ValueError(f"a record has no folder {folder!r}")
        if self._kind == "directory":
            where = self.path / folder
            if not where.is_dir():
                return []
            return sorted(prefix + p.name for p in where.iterdir() if p.is_file())
        return sorted(
            name
            for name, _ in self._members()
            if name.startswith(prefix) and "/" not in name[len(prefix) :]
        )

    @contextmanager
    def _open(self, name: str) -> Iterator[IO[bytes]]:
        if self._kind == "directory":
            with open(self.path / name, "rb") as handle:
                yield handle
            return
        members = dict(self._members())
        if name not in members:
            raise FileError(f"{name} is missing from {self.path}")
        if self._kind == "zip":
            with zipfile.ZipFile(self.path) as zipped, zipped.open(members[name]) as handle:
                yield handle
        else:
            with tarfile.open(self.path) as tarred:
                extracted = tarred.extractfile(members[name])
                if extracted is None:
                    raise FileError(f"{name} in {self.path} is not a regular file")
                with extracted:
                    yield extracted

    def _members(self) -> list[tuple[str, str]]:
        """(name relative to the record's top, member name) for regular files."""
        if self._kind == "zip":
            with zipfile.ZipFile(self.path) as zipped:
                raw = [i.filename for i in zipped.infolist() if not i.is_dir()]
        else:
            with tarfile.open(self.path) as tarred:
                raw = [m.name for m in tarred.getmembers() if m.isfile()]
        log_members = [m for m in raw if m == LOG_NAME or m.endswith("/" + LOG_NAME)]
        if len(log_members) != 1:
            raise FileError(f"{self.path} must contain exactly one {LOG_NAME}")
        prefix = log_members[0][: -len(LOG_NAME)]
        top = len(prefix)
        return [(m[top:], m) for m in raw if m.startswith(prefix) and _kept(m[top:])]

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number from 1, line) for every line of the log."""
        try:
            with self._open(LOG_NAME) as handle:
                for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE + 1), b""), 1):
                    if len(line) > MAX_LINE:
                        raise FileError(f"{LOG_NAME} line {number} is too long")
                    yield number, line
        except FileNotFoundError:
            raise FileError(f"{LOG_NAME} is missing from {self.path}") from None

    def read(self, name: str, max_bytes: int = 1 << 26) -> bytes | None:
        """A small file of the record, or None if absent."""
        folder = name.rpartition("/")[0]
        if folder not in ("", *FOLDERS) or name not in self.names(folder):
            return None
        with self._open(name) as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileError(f"{name} in {self.path} is too large")
        return data

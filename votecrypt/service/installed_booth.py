"""The booth installed with this votecrypt: its files, their digest and the version (spec 7.5).

`election create` names this booth in the manifest by default; `votecrypt station` serves
exactly the bytes it digested here, and only when the digest is the manifest's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from votecrypt import __version__
from votecrypt.errors import FileError, ManifestError
from votecrypt.protocol.approved_booth import BoothPin, booth_digest

#: Where the booth's files are installed: the board server's package data.
BOOTH_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
#: Largest booth accepted, in bytes (today's is about 0.5 MB).
MAX_BOOTH_BYTES = 16 << 20


@dataclass(frozen=True)
class Booth:
    """A booth's files (path -> bytes, spec 7.5) and what identifies them."""

    files: Mapping[str, bytes]
    pin: BoothPin

    @property
    def digest(self) -> bytes:
        return self.pin.digest


def read_booth(directory: Path, version: str) -> Booth:
    """Every regular file under `directory`, read once, and its digest. A symbolic link, or
    anything but files and folders, makes it no booth (FileError): what is served must be
    what was digested."""
    files: dict[str, bytes] = {}
    total = 0
    if not directory.is_dir():
        raise FileError(f"no booth at {directory}")
    for path in sorted(directory.rglob("*")):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise FileError(f"the booth holds {path}, which is not a plain file")
        if path.is_dir():
            continue
        content = path.read_bytes()
        total += len(content)
        if total > MAX_BOOTH_BYTES:
            raise FileError(f"the booth at {directory} is larger than {MAX_BOOTH_BYTES} bytes")
        files[path.relative_to(directory).as_posix()] = content
    try:
        digest = booth_digest(files.items())
    except ManifestError as error:
        raise FileError(f"the booth at {directory}: {error}") from None
    return Booth(MappingProxyType(files), BoothPin(digest, version))


def installed_booth() -> Booth:
    """The booth of this installation, labelled with this votecrypt's version."""
    return read_booth(BOOTH_DIR, __version__)

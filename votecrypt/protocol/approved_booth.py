"""The booth a counting board approves: the digest of its files and its version (spec 7.5).

A voting station serves the booth from its own installed votecrypt and refuses to open one
whose digest is not the one the manifest names, so the code a voter types into is bound to
the election fingerprint that people compare out of band (spec 7.4, 17.7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from votecrypt.errors import ManifestError
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.tags import BOOTH
from votecrypt.protocol.text import text_problem

DIGEST_BYTES = 32
MAX_VERSION = 40
MAX_PATH = 200
#: A path component: letters, digits, dot, dash and underscore, and never "." or "..".
_COMPONENT = re.compile(r"[A-Za-z0-9._-]+")


def check_booth_path(path: str) -> None:
    """Refuse a file name that is not a plain relative path of the booth (spec 7.5)."""
    parts = path.split("/")
    if (
        not path
        or len(path) > MAX_PATH
        or any(not _COMPONENT.fullmatch(part) or part in (".", "..") for part in parts)
    ):
        raise ManifestError(f"{path!r} is not a booth file name (spec 7.5)")


def booth_digest(files: Iterable[tuple[str, bytes]]) -> bytes:
    """H(BOOTH, [[path, content] in increasing order of path]) (spec 7.5). Every file of
    the booth is named by its path relative to the booth's directory, "/" between folders."""
    listed = sorted(files)
    paths = [path for path, _ in listed]
    if not listed or len(set(paths)) != len(paths):
        raise ManifestError("a booth is one or more files, each named once (spec 7.5)")
    for path in paths:
        check_booth_path(path)
    return hash_bytes(BOOTH, [[path, content] for path, content in listed])


@dataclass(frozen=True, slots=True)
class BoothPin:
    """The booth the counting board approved (the manifest's `booth`, spec 7.5)."""

    digest: bytes
    version: str

    def __post_init__(self) -> None:
        if type(self.digest) is not bytes or len(self.digest) != DIGEST_BYTES:
            raise ManifestError("the booth digest is 32 bytes (64 hex characters)")
        problem = text_problem(self.version, max_length=MAX_VERSION)
        if not self.version or self.version != self.version.strip() or problem:
            raise ManifestError(f"the booth version {problem or 'must be a non-empty text'}")

    def plain(self) -> dict[str, str]:
        return {"digest": self.digest.hex(), "version": self.version}

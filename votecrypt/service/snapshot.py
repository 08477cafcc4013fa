"""A consistent copy of the bulletin board while the server appends to it: SQLite's online
backup, which copies one committed state of the database (spec 11.4: every acknowledged
ballot is committed), whatever is still in the write-ahead log beside it.

The copy is written under a temporary name, synced and renamed: it is whole or absent.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from votecrypt.errors import FileError


def snapshot_board(board: Path, target: Path) -> Path:
    """Copy the SQLite board at `board` to the single file `target` (replacing it)."""
    if not board.is_file():
        raise FileError(f"no bulletin board at {board}")
    target = Path(target)
    staging = target.with_name(f".{target.name}.partial")
    staging.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(f"file:{board}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(staging)
            try:
                source.backup(copy)
                # One file: the copy keeps no write-ahead log beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        with open(staging, "rb") as written:
            os.fsync(written.fileno())
    except (sqlite3.Error, OSError) as error:
        staging.unlink(missing_ok=True)
        raise FileError(f"cannot copy the board to {target}: {error}") from None
    os.replace(staging, target)
    return target

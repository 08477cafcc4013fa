"""The board's SQLite database (spec 11.4): its schema, opening it checked, one write
transaction, and SQLite's errors as ours (busy, the disk, or damage)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from votecrypt.errors import BoardBusy, DamagedBoard, EncodingError, StorageError
from votecrypt.record.json_codec import parse_json
from votecrypt.record.log import entry_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS credentials (
    key BLOB PRIMARY KEY,
    ballot_seq INTEGER
);
CREATE TABLE IF NOT EXISTS ciphertexts (alpha BLOB PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ballot_ids (id BLOB PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_kind ON entries (kind, seq);
CREATE TABLE IF NOT EXISTS tracking (seq INTEGER PRIMARY KEY, code TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tracking_by_code ON tracking (code);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO state (key, value) VALUES ('phase', 'start');
"""


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


#: Every table and its columns, as the schema above creates them (spec 11.4).
_TABLES = {
    "entries": ("seq", "kind", "payload", "prev", "hash"),
    "credentials": ("key", "ballot_seq"),
    "ciphertexts": ("alpha", "seq"),
    "ballot_ids": ("id", "seq"),
    "state": ("key", "value"),
}


def open_checked(path: Path, read_only: bool) -> sqlite3.Connection:
    """Open the board and check it is an intact board database (spec 11.4)."""
    try:
        db = _connect_read_only(path) if read_only else connect(path)
    except sqlite3.DatabaseError as error:
        raise storage_or_damage(path, error) from None
    try:
        _check_database(db, path)
    except sqlite3.DatabaseError as error:
        db.close()
        raise storage_or_damage(path, error) from None
    except BaseException:
        db.close()
        raise
    return db


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes. `mode=ro` still needs the write-ahead log's index file;
    on read-only media, where it cannot be created, the file is opened as immutable."""
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=60, isolation_level=None)
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as error:
        if "unable to open" not in str(error) and "readonly" not in str(error):
            raise  # busy, or damaged: never read a live board as immutable
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)


def _check_database(db: sqlite3.Connection, path: Path) -> None:
    damaged = f"the bulletin board {path} is damaged"
    problems = [str(row[0]) for row in db.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        raise DamagedBoard(f"{damaged} (SQLite quick check: {problems[0]})")
    for table, columns in _TABLES.items():
        found = tuple(str(row[1]) for row in db.execute(f"PRAGMA table_info({table})"))
        if found != columns:
            raise DamagedBoard(f"{damaged} (table {table!r} is missing or altered)")
    if db.execute("SELECT value FROM state WHERE key = 'phase'").fetchone() is None:
        raise DamagedBoard(f"{damaged} (its phase is missing)")
    row = db.execute("SELECT seq, kind, payload, prev, hash FROM entries ORDER BY seq DESC LIMIT 1")
    last = row.fetchone()
    if last is not None:
        seq, kind, payload, prev, digest = last
        readable = isinstance(payload, (bytes, str)) and all(
            isinstance(value, bytes) for value in (prev, digest)
        )
        try:
            if not readable:
                raise TypeError("a column of the wrong type")
            expected = entry_hash(int(seq), prev, str(kind), parse_json(payload))
        except (EncodingError, TypeError, ValueError):
            raise DamagedBoard(f"{damaged} (its last entry cannot be read)") from None
        if expected != bytes(digest):
            raise DamagedBoard(f"{damaged} (its last entry does not match its hash)")


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """SQLite's errors of a read outside any write transaction as ours (BoardBusy,
    StorageError or DamagedBoard), as `WriteTransaction` does for appends."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        raise storage_or_damage(path, error) from None


def storage_or_damage(path: Path, error: sqlite3.DatabaseError) -> Exception:
    """SQLite's error as ours: busy, the disk (full, read-only, unreadable), or damage."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return BoardBusy(f"the bulletin board {path} is busy ({text}); try again")
    if isinstance(error, sqlite3.OperationalError) and any(
        marker in text for marker in _STORAGE_MARKERS
    ):
        return StorageError(f"bulletin board {path}: {text}")
    return DamagedBoard(f"the bulletin board {path} is damaged ({text})")


_STORAGE_MARKERS = ("disk is full", "readonly", "read-only", "disk I/O", "unable to open")


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class WriteTransaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error. Inside an open transaction
    (BulletinBoard.transaction) it joins that one: the outer block commits."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._outer = False

    def __enter__(self) -> None:
        self._outer = not self._db.in_transaction
        if self._outer:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise storage_or_damage(Path(database_file(self._db)), error) from None

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if not self._outer:
            return
        if kind is None:
            try:
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise storage_or_damage(Path(database_file(self._db)), error) from None
        else:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(value, sqlite3.DatabaseError):
                raise storage_or_damage(Path(database_file(self._db)), value) from None


def database_file(db: sqlite3.Connection) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row else "(board)"

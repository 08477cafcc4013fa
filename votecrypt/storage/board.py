"""The bulletin board: an append-only, hash-chained log in SQLite (spec 11).

Every published item is one entry: (seq, kind, payload, prev, hash) with
    hash = H(BOARD_ENTRY, seq, prev, kind, payload)
where `payload` is the item's JSON value (hashed in the typed encoding of spec 3.1) and `prev`
is the previous entry's hash (32 zero bytes for the first). One SQLite transaction per append,
WAL journal, synchronous=FULL: an acknowledged append survives a crash, and several processes
may append at once (each append takes the write lock with BEGIN IMMEDIATE).

Ballots are checked in full before they are appended (spec 11.3): the expensive proof checks
run outside the write lock; the checks that depend on the board's state (known and unused
credential, new ballot id and ciphertexts, voting open) run inside it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from votecrypt.errors import (
    BallotError,
    BoardError,
    CeremonyError,
    EncodingError,
    ManifestError,
    RefusedData,
)
from votecrypt.math.encoding import Encoded
from votecrypt.math.group import Group, secp256k1
from votecrypt.primitives.elgamal import Ciphertext
from votecrypt.protocol import ballot as ballots
from votecrypt.protocol.ballot import Ballot, ChallengedBallot, check_ballot, check_challenge
from votecrypt.protocol.ceremony.messages import Evidence
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import CredentialList, check_endorsements
from votecrypt.protocol.setup import (
    ceremony_position,
    check_new_evidence,
    check_outcome,
    endorsing_keys,
    transcript_from_messages,
)
from votecrypt.protocol.supplements import check_supplement_endorsements
from votecrypt.record.ballot_codec import (
    ballot_from_plain,
    ballot_plain,
    challenged_from_plain,
    challenged_plain,
)
from votecrypt.record.ceremony_codec import item_from_json, outcome_from_json
from votecrypt.record.election_codec import credentials_from_plain, manifest_from_plain, open_plain
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.record.log import (
    GENESIS,
    KINDS,
    NEXT_PHASE,
    ONCE,
    PHASE_KINDS,
    SETUP_ORDER,
    SUPPLEMENT_KIND,
    Entry,
    entry_hash,
    setup_in_order,
)
from votecrypt.record.supplement_codec import supplement_from_plain
from votecrypt.storage.board_db import (
    SCHEMA,
    WriteTransaction,
    connect,
    fsync_file,
    open_checked,
    remove_database,
    storage_or_damage,
)
from votecrypt.storage.files import storage_error

#: At most this many values in one SQL statement (SQLite's oldest limit is 999).
_SQL_VALUES = 500


@dataclass(frozen=True, slots=True)
class CheckedBallot:
    """A ballot whose signature and proofs `check_ballot` verified, reduced to what the
    board's own checks and the append need (spec 11.3 steps 5-9): the process that checked it
    makes it (`of`), and handing it to the board costs a copy of bytes rather than decoding
    and encoding the ballot again (spec 11.4). The board re-derives none of it, so only code
    that checked the ballot may make one."""

    credential: bytes
    ballot_id: bytes
    alphas: tuple[bytes, ...]
    payload: bytes
    payload_encoding: Encoded
    tracking: str

    @classmethod
    def of(cls, ballot: Ballot) -> CheckedBallot:
        plain = ballot_plain(ballot)  # lists, hex and constant text: already normalised
        return cls(
            ballot.credential.to_bytes(),
            ballot.ballot_id,
            _alphas(tuple(row.ciphertexts for row in ballot.rows)),
            canonical_json(plain, normalised=True),
            Encoded.of(plain),
            ballot.tracking_code(),
        )

    def tracking_code(self) -> str:
        return self.tracking


@dataclass(frozen=True, slots=True)
class CheckedChallenge:
    """A challenged ballot that `check_challenge` verified (it encrypts what it reveals),
    reduced to what the append needs, like CheckedBallot: only code that checked it may make
    one (`of`)."""

    ballot_id: bytes
    alphas: tuple[bytes, ...]
    payload: bytes
    payload_encoding: Encoded
    tracking: str

    @classmethod
    def of(cls, challenged: ChallengedBallot) -> CheckedChallenge:
        plain = challenged_plain(challenged)
        return cls(
            challenged.ballot_id,
            _alphas(challenged.rows),
            canonical_json(plain),
            Encoded.of(plain),
            challenged.tracking_code(),
        )

    def tracking_code(self) -> str:
        return self.tracking


@dataclass(frozen=True)
class Receipt:
    """What the board returns for an accepted ballot or challenge: its position in the log
    and, computed only when asked for (bulk ingestion never does), its tracking code."""

    seq: int
    entry_hash: bytes
    item: Ballot | ChallengedBallot | CheckedBallot | CheckedChallenge

    @cached_property
    def tracking_code(self) -> str:
        return self.item.tracking_code()


class BulletinBoard:
    """An open bulletin board database. Not thread-safe; one per process (or thread).

    Opening checks the database (spec 11.4): SQLite's quick check, the expected tables, and
    the last entry's hash; a damaged board raises DamagedBoard. `read_only` opens it without
    ever writing (read-only media, copies of a closed board); writes then raise StorageError.
    """

    def __init__(self, path: Path, group: Group | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if not self.path.exists():
            if not self.path.parent.is_dir():
                raise BoardError(f"no election directory at {self.path.parent}")
            raise BoardError(
                f"no bulletin board at {self.path}: open the vote first (`votecrypt board open`)"
            )
        if self.path.is_dir():
            raise BoardError(f"{self.path} is a directory, not a bulletin board")
        self.group = group or secp256k1()
        self.read_only = read_only
        self._db = open_checked(self.path, read_only)
        self._context: ElectionContext | None = None

    @classmethod
    @contextmanager
    def building(cls, path: Path, group: Group | None = None) -> Iterator[BulletinBoard]:
        """A new board, filled inside the `with` block in a temporary file that is renamed to
        `path` only when the block completes: a board exists fully set up or not at all
        (spec 11.4). Refuses to replace an existing board."""
        path = Path(path)
        if path.exists():
            raise BoardError(f"a bulletin board already exists at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.building")
        remove_database(temporary)  # left by an interrupted run: never published
        try:
            db = connect(temporary)
            try:
                db.executescript(SCHEMA)
            finally:
                db.close()
            board = cls(temporary, group)
            try:
                yield board
                # A complete checkpoint puts every page in the file before it is renamed.
                board._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                board.close_connection()
            fsync_file(temporary)
            if path.exists():
                raise BoardError(f"a bulletin board already exists at {path}")
            os.replace(temporary, path)
        except sqlite3.DatabaseError as error:
            raise storage_or_damage(path, error) from None
        except OSError as error:
            raise storage_error(error, path) from None
        finally:
            remove_database(temporary)
        fsync_file(path.parent)

    def close_connection(self) -> None:
        self._db.close()

    def transaction(self) -> WriteTransaction:
        """One write transaction around several appends: all of them are kept, or none.
        Counts read inside it see exactly what the appends follow (spec 11.4)."""
        return WriteTransaction(self._db)

    def __enter__(self) -> BulletinBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_connection()

    # Reading

    def entries(self, start: int = 0) -> Iterator[Entry]:
        """Every entry from sequence number `start`, in order, streamed."""
        cursor = self._db.execute(
            "SELECT seq, kind, payload, prev, hash FROM entries WHERE seq >= ? ORDER BY seq",
            (start,),
        )
        for seq, kind, payload, prev, digest in cursor:
            yield Entry(seq, kind, parse_json(payload), bytes(prev), bytes(digest))

    def lines(self, start: int, limit: int) -> list[tuple[int, bytes]]:
        """(sequence number, log line) of at most `limit` entries from `start`, in order: the
        bytes entry_to_line gives for each entry, built from the stored ones without decoding
        the payload (which the board stored as canonical JSON when it appended it)."""
        rows = self._db.execute(
            "SELECT seq, kind, payload, prev, hash FROM entries WHERE seq >= ? ORDER BY seq"
            " LIMIT ?",
            (start, limit),
        ).fetchall()
        return [(row[0], _row_line(*row)) for row in rows]

    def snapshot_lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, log line) for every row, read in one transaction so that the
        verifier sees one consistent state of the board (spec 17.1)."""
        self._db.execute("BEGIN")
        try:
            cursor = self._db.execute(
                "SELECT seq, kind, payload, prev, hash FROM entries ORDER BY seq"
            )
            for number, row in enumerate(cursor, 1):
                yield number, _row_line(*row)
        finally:
            self._db.execute("COMMIT")

    def entries_of(self, kind: str) -> Iterator[Entry]:
        cursor = self._db.execute(
            "SELECT seq, kind, payload, prev, hash FROM entries WHERE kind = ? ORDER BY seq",
            (kind,),
        )
        for seq, entry_kind, payload, prev, digest in cursor:
            yield Entry(seq, entry_kind, parse_json(payload), bytes(prev), bytes(digest))

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            row = self._db.execute("SELECT COUNT(*) FROM entries").fetchone()
        else:
            row = self._db.execute(
                "SELECT COUNT(*) FROM entries WHERE kind = ?", (kind,)
            ).fetchone()
        return int(row[0])

    def entry(self, seq: int) -> Entry | None:
        """The entry with sequence number `seq`, or None."""
        row = self._db.execute(
            "SELECT seq, kind, payload, prev, hash FROM entries WHERE seq = ?", (seq,)
        ).fetchone()
        if row is None:
            return None
        return Entry(row[0], row[1], parse_json(row[2]), bytes(row[3]), bytes(row[4]))

    def tracked(self, code: str) -> list[int] | None:
        """Sequence numbers of the ballots and challenges with this tracking code, from the
        index filled when they were appended (None if this board has no index)."""
        try:
            rows = self._db.execute("SELECT seq FROM tracking WHERE code = ?", (code,))
            return [int(row[0]) for row in rows]
        except sqlite3.OperationalError:
            return None

    def tracking_codes(self) -> dict[int, str] | None:
        """Every indexed tracking code by sequence number (None if there is no index)."""
        try:
            return {int(s): str(c) for s, c in self._db.execute("SELECT seq, code FROM tracking")}
        except sqlite3.OperationalError:
            return None

    def head(self) -> tuple[int, bytes]:
        """(seq, hash) of the last entry, or (-1, GENESIS) for an empty board."""
        row = self._db.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return (-1, GENESIS) if row is None else (int(row[0]), bytes(row[1]))

    def phase(self) -> str:
        """ "setup", "voting", "closed", "tallied" or "published" (spec 11.1)."""
        row = self._db.execute("SELECT value FROM state WHERE key = 'phase'").fetchone()
        return str(row[0])

    # Appending

    def append(self, kind: str, payload: Any) -> Entry:
        """Append one public item, checking that its kind is allowed in the current phase."""
        if kind in ("ballot", "challenge"):
            raise BoardError("ballots go through submit_ballot / submit_challenge")
        if kind not in KINDS:
            raise BoardError(f"unknown entry kind {kind!r}")
        with WriteTransaction(self._db):
            self._check_phase(kind)
            if kind == SUPPLEMENT_KIND:
                return self._append_supplement(payload)
            credentials = self._check_setup(kind, payload)
            entry = self._insert(kind, payload)
            if credentials is not None:
                self._db.executemany(
                    "INSERT INTO credentials (key, ballot_seq) VALUES (?, NULL)",
                    ((key.to_bytes(),) for key in credentials.public_keys),
                )
        return entry

    def _check_phase(self, kind: str) -> None:
        phase = self.phase()
        if kind not in PHASE_KINDS[phase]:
            raise BoardError(
                f"a {kind} entry cannot be appended while the board is in phase {phase!r}"
            )
        if kind in ONCE and self.count(kind):
            raise BoardError(f"the board already holds a {kind} entry; there is only ever one")
        if phase == "setup":
            seen = {k for k in ONCE if self.count(k)} | {kind}
            if not setup_in_order(kind, seen):
                raise BoardError(f"a {kind} entry is out of the order of spec 11.1")

    def _check_setup(self, kind: str, payload: Any) -> CredentialList | None:
        """What the board re-derives before it appends a setup entry (spec 11.1, 17.1): each
        ceremony message in its place, the outcome the messages give, a credential list that
        t qualified trustees endorsed, and the context hash in the open entry. Returns the
        credential list of a credentials entry."""
        if kind not in SETUP_ORDER:
            return None
        try:
            return self._check_setup_entry(kind, payload)
        except (EncodingError, ManifestError, CeremonyError) as error:
            raise RefusedData(f"the {kind} entry is refused: {error}") from None

    def _check_setup_entry(self, kind: str, payload: Any) -> CredentialList | None:
        group = self.group
        manifest = manifest_from_plain(next(self.entries_of("manifest")).payload)
        if kind == "ceremony":
            item = item_from_json(canonical_json(payload), group)
            last = self._db.execute(
                "SELECT payload FROM entries WHERE kind = 'ceremony' ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            if last is not None and ceremony_position(item) <= ceremony_position(
                item_from_json(bytes(last[0]), group)
            ):
                raise RefusedData(
                    "ceremony messages are appended round by round, each round in increasing "
                    "sender order, one per round and sender, then the evidence"
                )
            if isinstance(item, Evidence):
                # Rule 1 (spec 8.8.1, 11.1): both signatures under the sender's announced
                # key, one round and sender, messages that conflict.
                prior = transcript_from_messages(
                    manifest,
                    (
                        item_from_json(canonical_json(e.payload), group)
                        for e in self.entries_of("ceremony")
                    ),
                )
                check_new_evidence(prior, item)
            return None
        transcript = transcript_from_messages(
            manifest,
            (item_from_json(canonical_json(e.payload), group) for e in self.entries_of("ceremony")),
        )
        if kind == "ceremony-outcome":
            check_outcome(group, transcript, outcome_from_json(canonical_json(payload), group))
            return None
        outcome = outcome_from_json(
            canonical_json(next(self.entries_of("ceremony-outcome")).payload), group
        )
        if kind == "credentials":
            credentials, endorsements = credentials_from_plain(payload)
            ElectionContext.build(group, manifest, outcome, credentials)  # election and count
            check_endorsements(
                credentials,
                endorsements,
                outcome.transcript_hash,
                endorsing_keys(transcript, outcome),
                outcome.threshold,
                published=True,
            )
            return credentials
        credentials, _ = credentials_from_plain(next(self.entries_of("credentials")).payload)
        context = ElectionContext.build(group, manifest, outcome, credentials)
        if payload != open_plain(context.hash):
            raise RefusedData("the open entry does not name the election's context hash")
        return None

    def _append_supplement(self, payload: Any) -> Entry:
        """A credential supplement (spec 9.6), in the append's transaction: for this election's
        context, next in number, endorsed by t qualified trustees, adding only keys never
        issued and cancelling only credentials in force whose ballot was not cast, leaving at
        most the manifest's number in force. Cancelled credentials are marked with the
        supplement's seq, negated, so that their ballots are refused (spec 11.3 step 6)."""
        try:
            supplement, endorsements = supplement_from_plain(payload)
            group = self.group
            manifest = manifest_from_plain(next(self.entries_of("manifest")).payload)
            transcript = transcript_from_messages(
                manifest,
                (
                    item_from_json(canonical_json(e.payload), group)
                    for e in self.entries_of("ceremony")
                ),
            )
            outcome = outcome_from_json(
                canonical_json(next(self.entries_of("ceremony-outcome")).payload), group
            )
            credentials, _ = credentials_from_plain(next(self.entries_of("credentials")).payload)
            context = ElectionContext.build(group, manifest, outcome, credentials)
        except (EncodingError, ManifestError, CeremonyError) as error:
            raise RefusedData(f"the credential supplement is refused: {error}") from None
        if supplement.election != context.hash:
            raise RefusedData("the credential supplement names another election")
        number = self.count(SUPPLEMENT_KIND) + 1
        if supplement.number != number:
            raise RefusedData(
                f"credential supplement {supplement.number} is out of order; the next is {number}"
            )
        check_supplement_endorsements(
            supplement,
            endorsements,
            endorsing_keys(transcript, outcome),
            outcome.threshold,
            published=True,
        )
        added = [key.to_bytes() for key in supplement.added]
        cancelled = [key.to_bytes() for key in supplement.cancelled]
        for key in added:
            if self._db.execute("SELECT 1 FROM credentials WHERE key = ?", (key,)).fetchone():
                raise RefusedData("the supplement adds a credential that was issued before")
        for key in cancelled:
            row = self._db.execute(
                "SELECT ballot_seq FROM credentials WHERE key = ?", (key,)
            ).fetchone()
            if row is None or (row[0] is not None and row[0] < 0):
                raise RefusedData(
                    "the supplement cancels a credential that is not in force (not issued, or "
                    "already cancelled)"
                )
            if row[0] is not None:
                raise RefusedData(
                    "the supplement cancels a credential whose ballot was cast: a cast ballot "
                    "stays in the count"
                )
        issued = self.issued() + len(added) - len(cancelled)
        if issued > manifest.credentials:
            raise RefusedData(
                f"the supplement would leave {issued} credentials in force; the manifest "
                f"allows at most {manifest.credentials}"
            )
        entry = self._insert(SUPPLEMENT_KIND, payload)
        self._db.executemany(
            "INSERT INTO credentials (key, ballot_seq) VALUES (?, NULL)", ((k,) for k in added)
        )
        self._db.executemany(
            "UPDATE credentials SET ballot_seq = ? WHERE key = ?",
            ((-entry.seq, k) for k in cancelled),
        )
        return entry

    def issued(self) -> int:
        """Ballots issued ("số phiếu phát ra", spec 9.6): credentials in force, whether used
        or not, after the list and every supplement."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM credentials WHERE ballot_seq IS NULL OR ballot_seq >= 0"
        ).fetchone()
        return int(row[0])

    def _insert(self, kind: str, payload: Any) -> Entry:
        seq, prev, digest = self._insert_line(kind, canonical_json(payload), Encoded.of(payload))
        return Entry(seq, kind, payload, prev, digest)

    def _insert_line(self, kind: str, line: bytes, encoding: Encoded) -> tuple[int, bytes, bytes]:
        """Append an entry whose payload is `line` (canonical JSON) with `encoding` (its typed
        encoding, for the hash): its sequence number, previous hash and hash."""
        last_seq, last_hash = self.head()
        seq = last_seq + 1
        digest = entry_hash(seq, last_hash, kind, encoding)
        self._db.execute(
            "INSERT INTO entries (seq, kind, payload, prev, hash) VALUES (?, ?, ?, ?, ?)",
            (seq, kind, line, last_hash, digest),
        )
        if kind in NEXT_PHASE:
            self._db.execute("UPDATE state SET value = ? WHERE key = 'phase'", (NEXT_PHASE[kind],))
        return seq, last_hash, digest

    # Ballots

    def use_context(self, context: ElectionContext) -> None:
        """Set the election context ballots are checked against (from the board's own setup
        entries; see votecrypt.storage.election)."""
        self._context = context

    def _require_context(self) -> ElectionContext:
        if self._context is None:
            raise BoardError("the board's election context is not loaded")
        return self._context

    def submit_ballot(self, data: bytes | Any) -> Receipt:
        """Check a ballot in full and append it, or raise BallotError with the reason."""
        context = self._require_context()
        ballot = _decode(data, lambda plain: ballot_from_plain(plain, context.group))
        check_ballot(ballot, context)
        return self.accept_checked_ballot(ballot)

    def accept_checked_ballot(self, ballot: Ballot | CheckedBallot) -> Receipt:
        """The stateful checks of spec 11.3 and the append, for a ballot whose signature and
        proofs `check_ballot` has already verified (e.g. in a worker process)."""
        with WriteTransaction(self._db):
            return self._accept(ballot)

    def accept_checked_ballots(
        self, ballots: Sequence[Ballot | CheckedBallot]
    ) -> list[Receipt | BallotError]:
        """`accept_checked_ballot` for several ballots in one transaction, so one sync to disk
        (spec 11.4): each ballot is checked and appended under its own savepoint, so a refused
        one leaves nothing behind and does not affect the others. Returns a receipt or the
        refusal of each, in order; none is durable, so none may be acknowledged, before this
        returns."""
        results: list[Receipt | BallotError] = []
        with WriteTransaction(self._db):
            for ballot in ballots:
                self._db.execute("SAVEPOINT ballot")
                try:
                    results.append(self._accept(ballot))
                except BallotError as refusal:
                    self._db.execute("ROLLBACK TO ballot")
                    results.append(refusal)
                self._db.execute("RELEASE ballot")
        return results

    def _accept(self, ballot: Ballot | CheckedBallot) -> Receipt:
        checked = ballot if isinstance(ballot, CheckedBallot) else CheckedBallot.of(ballot)
        self._check_voting_open()
        self._claim_credential(checked.credential)
        self._claim_identifiers(checked.ballot_id, checked.alphas)
        seq, _, digest = self._insert_line("ballot", checked.payload, checked.payload_encoding)
        self._db.execute(
            "UPDATE credentials SET ballot_seq = ? WHERE key = ?", (seq, checked.credential)
        )
        self._record_identifiers(checked.ballot_id, checked.alphas, seq)
        self._index_tracking_code(checked.tracking, seq)
        return Receipt(seq, digest, ballot)

    def submit_challenge(self, data: bytes | Any) -> Receipt:
        """Publish a challenged ballot after checking that it encrypts what it reveals
        (spec 10.6). It names no credential; its ballot id and ciphertexts are recorded so
        they can never be cast."""
        context = self._require_context()
        challenged = _decode(data, lambda plain: challenged_from_plain(plain, context.group))
        check_challenge(challenged, context)
        return self.accept_checked_challenge(CheckedChallenge.of(challenged))

    def accept_checked_challenge(self, checked: CheckedChallenge) -> Receipt:
        """The board's own checks (voting open, new ballot id and ciphertexts) and the append,
        in one transaction, for a challenged ballot `check_challenge` verified (e.g. in a
        worker process)."""
        with WriteTransaction(self._db):
            self._check_voting_open()
            self._claim_identifiers(checked.ballot_id, checked.alphas)
            seq, _, digest = self._insert_line(
                "challenge", checked.payload, checked.payload_encoding
            )
            self._record_identifiers(checked.ballot_id, checked.alphas, seq)
            self._index_tracking_code(checked.tracking, seq)
        return Receipt(seq, digest, checked)

    def _index_tracking_code(self, code: str, seq: int) -> None:
        # In the append's transaction: a lookup by tracking code is one indexed query.
        self._db.execute("INSERT INTO tracking (seq, code) VALUES (?, ?)", (seq, code))

    def credential_state(self, public_key: bytes) -> tuple[bool, bool]:
        """(issued, used): whether a credential's public key is on the published list, and
        whether a ballot was cast with it (spec 11.3 steps 6-7), so that a booth can refuse a
        code before the voter makes any choice."""
        row = self._db.execute(
            "SELECT ballot_seq FROM credentials WHERE key = ?", (public_key,)
        ).fetchone()
        if row is not None and row[0] is not None and row[0] < 0:
            return False, False  # cancelled (spec 9.6): no longer in force
        return row is not None, row is not None and row[0] is not None

    def credential_cancelled(self, public_key: bytes) -> bool:
        """Whether a credential was issued and then cancelled by a supplement (spec 9.6)."""
        row = self._db.execute(
            "SELECT ballot_seq FROM credentials WHERE key = ?", (public_key,)
        ).fetchone()
        return row is not None and row[0] is not None and int(row[0]) < 0

    def _check_voting_open(self) -> None:
        phase = self.phase()
        if phase != "voting":
            raise BallotError(
                ballots.VOTING_CLOSED, f"the board is not accepting ballots ({phase})"
            )

    def _known_credential(self, credential: bytes) -> int | None:
        row = self._db.execute(
            "SELECT ballot_seq FROM credentials WHERE key = ?", (credential,)
        ).fetchone()
        if row is None:
            raise BallotError(
                ballots.UNKNOWN_CREDENTIAL,
                "no credential with this code was issued for this election; "
                "the code may be mistyped: check it against the printed slip",
            )
        if row[0] is not None and row[0] < 0:
            raise BallotError(
                ballots.CREDENTIAL_CANCELLED,
                "the credential of this code was cancelled by the counting board "
                f"(supplement at board entry {-int(row[0])}); use the slip that replaced it",
            )
        return None if row[0] is None else int(row[0])

    def _claim_credential(self, credential: bytes) -> None:
        if self._known_credential(credential) is not None:
            raise BallotError(
                ballots.CREDENTIAL_USED, "a ballot was already cast with this credential"
            )

    def _claim_identifiers(self, ballot_id: bytes, alphas: Sequence[bytes]) -> None:
        if self._db.execute("SELECT 1 FROM ballot_ids WHERE id = ?", (ballot_id,)).fetchone():
            raise BallotError(
                ballots.DUPLICATE_BALLOT_ID, "a ballot with this id was already published"
            )
        for start in range(0, len(alphas), _SQL_VALUES):
            chunk = alphas[start : start + _SQL_VALUES]
            query = "SELECT 1 FROM ciphertexts WHERE alpha IN ({}) LIMIT 1"
            if self._db.execute(query.format(",".join("?" * len(chunk))), chunk).fetchone():
                raise BallotError(
                    ballots.DUPLICATE_CIPHERTEXT, "the ballot repeats a published ciphertext"
                )

    def _record_identifiers(self, ballot_id: bytes, alphas: Sequence[bytes], seq: int) -> None:
        self._db.execute("INSERT INTO ballot_ids (id, seq) VALUES (?, ?)", (ballot_id, seq))
        if len(set(alphas)) != len(alphas):
            raise BallotError(ballots.DUPLICATE_CIPHERTEXT, "the ballot repeats a ciphertext")
        self._db.executemany(
            "INSERT INTO ciphertexts (alpha, seq) VALUES (?, ?)", ((a, seq) for a in alphas)
        )

    def cast_ballots(self) -> Iterator[Ballot]:
        """Every cast (not challenged) ballot, streamed, for the tally."""
        context = self._require_context()
        for entry in self.entries_of("ballot"):
            yield ballot_from_plain(entry.payload, context.group)

    def challenged_ballots(self) -> Iterator[ChallengedBallot]:
        context = self._require_context()
        for entry in self.entries_of("challenge"):
            yield challenged_from_plain(entry.payload, context.group)


class BoardLog:
    """The board's entries as the lines of a record's log, so the verifier can check a board
    before anyone acts on it (spec 17.1)."""

    def __init__(self, board: BulletinBoard) -> None:
        self.board = board

    @property
    def path(self) -> Path:
        return self.board.path

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """Every row of the entries table, whatever its sequence number (a row the operator
        hid at seq -1 breaks the chain), from one read snapshot of the database."""
        yield from self.board.snapshot_lines()

    def read(self, name: str, max_bytes: int = 1 << 26) -> bytes | None:
        return None  # a board has no copies or presentations beside its log

    def names(self, folder: str = "") -> list[str]:
        return []  # no signed checkpoints beside the log (spec 15.1)


def _alphas(rows: Sequence[Sequence[Ciphertext]]) -> tuple[bytes, ...]:
    """The first component of every ciphertext: what makes a ciphertext new (spec 11.3)."""
    return tuple(c.alpha.to_bytes() for row in rows for c in row)


def _row_line(seq: Any, kind: Any, payload: Any, prev: Any, digest: Any) -> bytes:
    """A row of the entries table as the log line it stands for, built from the stored bytes
    without decoding them: whatever the row holds (a hostile payload, a column of the wrong
    type) reaches the verifier, which reports it under its check instead of failing here."""
    if (
        type(seq) is not int
        or not isinstance(kind, str)
        or not isinstance(payload, bytes)
        or not isinstance(prev, bytes)
        or not isinstance(digest, bytes)
    ):
        return b'{"malformed-board-row":true}\n'
    head = canonical_json({"hash": digest.hex(), "kind": kind})[:-1]
    tail = canonical_json({"prev": prev.hex(), "seq": seq})[1:]
    # Keys in canonical (sorted) order: hash, kind, payload, prev, seq.
    return head + b',"payload":' + payload + b"," + tail + b"\n"


def _decode(data: bytes | Any, decode: Any) -> Any:
    try:
        plain = parse_json(data) if isinstance(data, (bytes, str)) else data
        return decode(plain)
    except EncodingError as exc:
        raise BallotError(ballots.MALFORMED, str(exc)) from None

"""A trustee's verification state (spec 12.2): an authenticated note, kept beside its secret
file, of the board entries it has verified, so that `trustee decrypt` checks only the
entries added since.

The note names the trustee, its election, and the number and hash of the last entry
verified (the hash commits to every entry before it, 11.2); an HMAC under a key only the
trustee's secret file holds authenticates it. Anyone who can write the file can change it,
so it is used on trust only until the passphrase opens the secret file, and nothing is
decrypted or noted before its MAC checks: a note that does not check is refused, and the
whole board is verified again. A board whose entry at the noted position has another hash
was rewritten: verification fails (check 2) and nothing is decrypted.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from votecrypt.errors import BoardError, EncodingError, FileError, RefusedData
from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.trustee import Trustee
from votecrypt.record.json_codec import Fields, canonical_json, parse_json
from votecrypt.storage.board import BoardLog, BulletinBoard
from votecrypt.storage.files import read_file, write_atomic
from votecrypt.storage.secret_file import load_trustee
from votecrypt.verifier.state import Checkpoint
from votecrypt.verifier.verify import check_log

FILE_TYPE = "votecrypt/trustee-verification-state"
VERSION = 1


class ForgedState(RefusedData):
    """The verification state does not authenticate with this trustee's secret file."""


@dataclass(frozen=True)
class VerificationState:
    """Trustee `trustee` of election `election` verified entries 0 to `entries - 1` of a
    board whose entry `entries - 1` has hash `head`."""

    trustee: int
    election: bytes
    entries: int
    head: bytes
    mac: bytes = b""

    def statement(self) -> bytes:
        return canonical_json(
            {
                "type": FILE_TYPE,
                "version": VERSION,
                "trustee": self.trustee,
                "election": self.election.hex(),
                "entries": self.entries,
                "head": self.head.hex(),
            }
        )

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.entries - 1, self.head)

    def authentic(self, trustee: Trustee) -> bool:
        return (
            self.trustee == trustee.index
            and self.election == trustee.parameters.election
            and hmac.compare_digest(self.mac, trustee.verification_mac(self.statement()))
        )


def state_path(secret: Path) -> Path:
    """Where a trustee's verification state is kept: beside its secret file."""
    secret = Path(secret)
    return secret.with_name(secret.name + ".verified")


def read_state(path: Path) -> VerificationState | None:
    """The state at `path`, not yet authenticated; None if there is none. A file that is not
    a state is refused (FileError): remove it to verify the whole board."""
    if not path.exists():
        return None
    try:
        fields = Fields(parse_json(read_file(path, what="verification state")), str(path))
        fields.constant("type", FILE_TYPE)
        fields.integer("version", VERSION, VERSION)
        state = VerificationState(
            trustee=fields.integer("trustee", 1, 10_000),
            election=fields.hex_bytes("election", 32),
            entries=fields.integer("entries", 1),
            head=fields.hex_bytes("head", 32),
            mac=fields.hex_bytes("mac", 32),
        )
        fields.done()
    except (EncodingError, FileError) as error:
        raise FileError(
            f"{path} is not a verification state ({error}); remove it to verify the whole board"
        ) from None
    return state


def write_state(path: Path, trustee: Trustee, head: tuple[int, bytes]) -> VerificationState:
    """Note, authenticated, that `trustee` verified the board up to entry `head` (seq, hash)."""
    seq, digest = head
    unsigned = VerificationState(trustee.index, trustee.parameters.election, seq + 1, digest)
    mac = trustee.verification_mac(unsigned.statement())
    state = VerificationState(unsigned.trustee, unsigned.election, seq + 1, digest, mac)
    document = parse_json(state.statement())
    document["mac"] = state.mac.hex()
    write_atomic(path, canonical_json(document) + b"\n")
    return state


def verify_board_so_far(
    board_path: Path, group: Group, state: VerificationState | None
) -> tuple[int, bytes]:
    """Verify the board as it is now, up to its tally at most (spec 12.2, as the trustee does
    before decrypting), skipping the proofs of the entries `state` covers; RefusedData if a
    check fails. Returns the last entry verified (seq, hash)."""
    board = BulletinBoard(board_path, group, read_only=True)
    with board:
        verified = check_log(
            BoardLog(board),
            group=group,
            until="tally",
            verified_before=None if state is None else state.checkpoint(),
        )
    report = verified.report
    failed = report.failed()
    if failed:
        details = "; ".join(f"{c.number} {c.name}: {c.failures[0]}" for c in failed if c.failures)
        raise RefusedData(f"the board does not verify ({details})")
    if verified.context is None or report.head is None:
        raise BoardError("voting has not opened on this board: there is nothing to check yet")
    seq, digest = report.head
    return seq, bytes.fromhex(digest)


@dataclass(frozen=True)
class Noted:
    """What `check_and_note` verified and noted."""

    head: tuple[int, bytes]
    path: Path
    #: the earlier note did not authenticate: the whole board was verified again
    rechecked: bool


def check_and_note(
    board_path: Path, group: Group, secret: Path, passphrase: Callable[[], str]
) -> Noted:
    """`votecrypt trustee check`: verify the board as it is now, from the trustee's earlier
    note if there is one; then open the secret file (`passphrase` is asked only now), verify
    the whole board again if the earlier note does not authenticate, and note the last entry
    verified."""
    path = state_path(secret)
    state = read_state(path)
    head = verify_board_so_far(board_path, group, state)
    trustee = load_trustee(Path(secret), passphrase(), group)
    rechecked = state is not None and not state.authentic(trustee)
    if rechecked:
        head = verify_board_so_far(board_path, group, None)
    write_state(path, trustee, head)
    return Noted(head, path, rechecked)

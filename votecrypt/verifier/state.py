"""What one verification has read so far, shared by the groups of checks (spec 16.1).

Each group of checks of spec 16.2 is a module (log, setup, voting, counting, results,
copies); they read and extend one `Verification`, in log order, and record every failure in
its report under the numbered check.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.messages import Evidence, Signed
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import CredentialList, Endorsement
from votecrypt.protocol.decryption import DecryptionShare
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.supplements import CredentialRoll
from votecrypt.protocol.tally import EncryptedTally, TallyAccumulator
from votecrypt.record.log import GENESIS
from votecrypt.record.merkle import MerkleTree
from votecrypt.record.reader import LogSource
from votecrypt.verifier.engines import Engine, Pending
from votecrypt.verifier.report import VerificationReport

if TYPE_CHECKING:
    from votecrypt.verifier.witnessed import WitnessedStart

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Checkpoint:
    """A position in the log an observer wrote down: entry `seq` has hash `hash`. It detects
    a rewritten history (check 2) and vouches for nothing else (spec 16.4)."""

    seq: int
    hash: bytes


@dataclass(eq=False)
class Verification:
    """The state of one verification of one log."""

    source: LogSource
    group: Group
    engine: Engine
    since: Checkpoint | None
    progress: Progress | None
    until: str | None
    report: VerificationReport
    #: a cosigned board checkpoint to start from (spec 16.4)
    witnessed: WitnessedStart | None = None
    #: entries up to this one (with `since` its hash) were verified before by the same
    #: party, which kept that fact authenticated (a trustee, spec 12.2): their signatures and
    #: proofs are not checked again
    verified_through: int = -1
    # The log (checks 1-3)
    expected_seq: int = 0
    prev: bytes = GENESIS
    #: the Merkle tree of the entries read (spec 11.5), for signed checkpoints (16.4, 24)
    tree: MerkleTree = field(default_factory=MerkleTree)
    phase: str = "start"
    seen_once: set[str] = field(default_factory=set)
    #: the payload of the first entry of each single item (spec 11.1)
    singles: dict[str, Any] = field(default_factory=dict)
    last_message: tuple[int, int] = (-1, 0)
    message_positions: set[tuple[int, int]] = field(default_factory=set)
    # Setup (checks 4-8)
    manifest: Manifest | None = None
    messages: list[Signed[Any] | Evidence] = field(default_factory=list)
    #: the log entry of each evidence that counts, by the trustee it convicts (spec 8.8.1)
    evidence_entries: dict[int, int] = field(default_factory=dict)
    transcript: Transcript | None = None
    outcome: CeremonyOutcome | None = None
    credential_list: CredentialList | None = None
    endorsements: tuple[Endorsement, ...] = ()
    #: the credentials in force: the list, then every valid supplement (spec 9.6)
    roll: CredentialRoll | None = None
    context: ElectionContext | None = None
    # Voting (checks 9-15)
    used_credentials: dict[bytes, int] = field(default_factory=dict)
    ballot_ids: set[bytes] = field(default_factory=set)
    alphas: set[bytes] = field(default_factory=set)
    cast: int = 0
    challenged: int = 0
    tally_sum: TallyAccumulator | None = None
    chunk: list[tuple[int, str, Any]] = field(default_factory=list)
    chunk_checks_proofs: bool = True
    pending: deque[Pending] = field(default_factory=deque)
    #: cast ballots whose ciphertexts could not be summed (check 16 fails, spec 16.1)
    unsummed: list[int] = field(default_factory=list)
    started: bool = False
    # Counting (checks 16-18)
    shares: list[DecryptionShare] = field(default_factory=list)
    tally_entry: tuple[int, bytes] | None = None
    tally: EncryptedTally | None = None
    decrypted_by: tuple[int, ...] = ()

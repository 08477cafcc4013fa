"""The public messages of the key ceremony, and their signatures (spec 8.2).

Every message names the election (the manifest hash), its round and its sender (trustee index
1..N_T). Its digest is H(CEREMONY_MESSAGE, round, content) and the sender signs that digest with
its announced Ed25519 key; the announcement itself is signed with the key it announces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from votecrypt.errors import CeremonyError, InvalidSignature
from votecrypt.math.encoding import Encodable
from votecrypt.math.group import Point
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.scalar import Scalar
from votecrypt.math.tags import CEREMONY_COMMITMENT, CEREMONY_MESSAGE, CEREMONY_SHARE_KEY
from votecrypt.primitives.schnorr import SchnorrProof
from votecrypt.primitives.sealing import ExchangePublicKey, SealedBox
from votecrypt.primitives.signing import SigningKey, VerifyKey

ROUNDS = ("announce", "commit", "open", "check", "answer", "decide")

#: A row of the transcript hash (spec 8.8 step 9): round ("evidence" for evidence), sender and
#: the 32-byte digest. Checks and answers list the rows their sender saw (spec 8.2, `seen`).
Row = tuple[str, int, bytes]
#: The order of rows (spec 8.8 step 9): the rounds, then the evidence.
ROW_KINDS = (*ROUNDS, "evidence")


def row_order(row: Row) -> tuple[int, int, bytes]:
    return ROW_KINDS.index(row[0]), row[1], row[2]


class InvalidCeremonyMessage(CeremonyError):
    """A message that is not what its sender signed: wrong election, sender or signature."""


@dataclass(frozen=True, slots=True)
class CeremonyParameters:
    """What every message is bound to: the election, N_T trustees and the threshold t."""

    election: bytes
    trustees: int
    threshold: int

    def __post_init__(self) -> None:
        if not isinstance(self.election, bytes) or len(self.election) != 32:
            raise CeremonyError("the election identifier is a 32-byte manifest hash")
        if not 1 <= self.threshold <= self.trustees:
            raise CeremonyError("the threshold t must satisfy 1 <= t <= number of trustees")

    @property
    def indices(self) -> range:
        return range(1, self.trustees + 1)


@dataclass(frozen=True, slots=True)
class Announcement:
    """Round "announce": a trustee's long-term ceremony keys (spec 8.2)."""

    ROUND: ClassVar[str] = "announce"
    election: bytes
    sender: int
    name: str
    signing_key: VerifyKey
    exchange_key: ExchangePublicKey

    def content(self) -> Mapping[str, Encodable]:
        return {
            "election": self.election,
            "sender": self.sender,
            "name": self.name,
            "signing_key": self.signing_key.to_bytes(),
            "exchange_key": self.exchange_key.to_bytes(),
        }


@dataclass(frozen=True, slots=True)
class Commit:
    """Round "commit": the hash of the dealer's Feldman commitments (spec 8.3)."""

    ROUND: ClassVar[str] = "commit"
    election: bytes
    sender: int
    commitment_hash: bytes

    def content(self) -> Mapping[str, Encodable]:
        return {
            "election": self.election,
            "sender": self.sender,
            "commitment_hash": self.commitment_hash,
        }


@dataclass(frozen=True, slots=True)
class SealedShare:
    """The share f_i(j) for recipient j, sealed to j's exchange key (spec 8.5)."""

    recipient: int
    box: SealedBox


@dataclass(frozen=True, slots=True)
class Opening:
    """Round "open": commitments C_{i,k}, a proof of knowledge for each, and sealed shares."""

    ROUND: ClassVar[str] = "open"
    election: bytes
    sender: int
    commitments: tuple[Point, ...]
    proofs: tuple[SchnorrProof, ...]
    shares: tuple[SealedShare, ...]

    def content(self) -> Mapping[str, Encodable]:
        return {
            "election": self.election,
            "sender": self.sender,
            "commitments": self.commitments,
            "proofs": [(p.challenge, p.response) for p in self.proofs],
            "shares": [
                (s.recipient, s.box.ephemeral.to_bytes(), s.box.ciphertext) for s in self.shares
            ],
        }


COMPLAINT_REASONS = ("unreadable", "mismatch")


@dataclass(frozen=True, slots=True)
class Complaint:
    """A recipient's accusation: the share from `dealer` could not be opened ("unreadable") or
    does not match the dealer's commitments ("mismatch")."""

    dealer: int
    reason: str


@dataclass(frozen=True, slots=True)
class Check:
    """Round "check": the dealers whose shares the sender accepts, and its complaints."""

    ROUND: ClassVar[str] = "check"
    election: bytes
    sender: int
    accepted: tuple[int, ...]
    complaints: tuple[Complaint, ...]
    #: the transcript's rows (spec 8.8 step 9) when the sender checked: what it saw
    seen: tuple[Row, ...] = ()

    def content(self) -> Mapping[str, Encodable]:
        return {
            "election": self.election,
            "sender": self.sender,
            "accepted": self.accepted,
            "complaints": [(c.dealer, c.reason) for c in self.complaints],
            "seen": self.seen,
        }


@dataclass(frozen=True, slots=True)
class RevealedShare:
    """A share published in the clear to answer a complaint."""

    recipient: int
    share: Scalar


@dataclass(frozen=True, slots=True)
class Answer:
    """Round "answer": the accused dealer publishes the disputed shares (spec 8.7)."""

    ROUND: ClassVar[str] = "answer"
    election: bytes
    sender: int
    revealed: tuple[RevealedShare, ...]
    #: the transcript's rows (spec 8.8 step 9) when the sender answered: what it saw
    seen: tuple[Row, ...] = ()

    def content(self) -> Mapping[str, Encodable]:
        return {
            "election": self.election,
            "sender": self.sender,
            "revealed": [(r.recipient, r.share) for r in self.revealed],
            "seen": self.seen,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """Round "decide": the trustees the sender votes to go on without (spec 8.8). A trustee
    is left out by the board when at least t trustees' decisions name it. A decision only
    grows: a later one names every trustee of the earlier one (spec 8.9)."""

    ROUND: ClassVar[str] = "decide"
    election: bytes
    sender: int
    without: tuple[int, ...]

    def content(self) -> Mapping[str, Encodable]:
        return {"election": self.election, "sender": self.sender, "without": self.without}


Message = Announcement | Commit | Opening | Check | Answer | Decision
M = TypeVar("M", Announcement, Commit, Opening, Check, Answer, Decision)


def message_digest(message: Message) -> bytes:
    """H(CEREMONY_MESSAGE, round, content): what the sender signs (spec 8.2)."""
    return hash_bytes(CEREMONY_MESSAGE, message.ROUND, message.content())


@dataclass(frozen=True, slots=True)
class Signed(Generic[M]):
    """A ceremony message and the sender's Ed25519 signature over its digest."""

    message: M
    signature: bytes

    @classmethod
    def create(cls, message: M, key: SigningKey) -> Signed[M]:
        return cls(message, key.sign(message_digest(message)))

    def digest(self) -> bytes:
        return message_digest(self.message)

    def verify(self, key: VerifyKey) -> None:
        """Raise InvalidSignature unless the signature is the sender's."""
        key.verify(self.signature, self.digest())


#: The rounds whose messages can convict their sender of equivocation (spec 8.8.1): every round
#: but "announce", whose message is signed by the key it announces.
EVIDENCE_ROUNDS = ROUNDS[1:]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Two different signed messages of one round from one sender: proof that the sender
    showed different trustees different messages (spec 8.8.1). `first` has the smaller
    digest, so that one pair has one form."""

    first: Signed[Any]
    second: Signed[Any]

    def __post_init__(self) -> None:
        a, b = self.first.message, self.second.message
        if a.ROUND != b.ROUND or a.sender != b.sender:
            raise CeremonyError("evidence is two messages of one round and one sender")
        if a.ROUND not in EVIDENCE_ROUNDS:
            raise CeremonyError(f"two {a.ROUND} messages are no evidence (spec 8.8.1)")
        if not self.first.digest() < self.second.digest():
            raise CeremonyError("evidence holds two different messages, the smaller digest first")

    @classmethod
    def of(cls, one: Signed[Any], other: Signed[Any]) -> Evidence:
        """The evidence of two messages in either order."""
        if other.digest() < one.digest():
            one, other = other, one
        return cls(one, other)

    @property
    def sender(self) -> int:
        return int(self.first.message.sender)

    @property
    def round(self) -> str:
        return str(self.first.message.ROUND)

    def digests(self) -> tuple[bytes, bytes]:
        return self.first.digest(), self.second.digest()


def conflict(one: Message, other: Message) -> bool:
    """Whether two messages of one round and sender cannot both be the sender's honest message
    (spec 8.8.1): they differ, and for the rounds that grow (an answer, a decision, spec 8.9)
    neither holds all of the other."""
    if one == other:
        return False
    if isinstance(one, Answer) and isinstance(other, Answer):
        a, b = set(one.revealed), set(other.revealed)
        return not (a <= b or b <= a)
    if isinstance(one, Decision) and isinstance(other, Decision):
        a2, b2 = set(one.without), set(other.without)
        return not (a2 <= b2 or b2 <= a2)
    return True


def check_evidence(evidence: Evidence, parameters: CeremonyParameters, key: VerifyKey) -> None:
    """Rule 1 for evidence (spec 8.8.1): both messages pass their envelope under the sender's
    announced key and conflict. Raises InvalidCeremonyMessage otherwise."""
    sender = evidence.sender
    for signed in (evidence.first, evidence.second):
        check_envelope(signed, parameters, sender, key)
    if not conflict(evidence.first.message, evidence.second.message):
        raise InvalidCeremonyMessage(
            f"the evidence against trustee {sender} holds two {evidence.round} messages "
            "that do not conflict (one holds all of the other)"
        )


def check_envelope(
    signed: Signed[M], parameters: CeremonyParameters, sender: int, key: VerifyKey
) -> bytes:
    """The checks every received message passes (spec 8.2): right election, sender, round
    shape, and a valid signature under the sender's announced key. Returns the digest."""
    message = signed.message
    if message.election != parameters.election:
        raise InvalidCeremonyMessage(
            f"{message.ROUND} message of trustee {sender} is for another election"
        )
    if message.sender != sender:
        raise InvalidCeremonyMessage(
            f"{message.ROUND} message claims to be from trustee {message.sender}"
        )
    digest = signed.digest()
    try:
        key.verify(signed.signature, digest)
    except InvalidSignature:
        raise InvalidCeremonyMessage(
            f"{message.ROUND} message of trustee {sender} has an invalid signature"
        ) from None
    return digest


def commitment_hash(election: bytes, dealer: int, commitments: tuple[Point, ...]) -> bytes:
    """H(CEREMONY_COMMITMENT, election, dealer, commitments): published first (spec 8.3)."""
    return hash_bytes(CEREMONY_COMMITMENT, election, dealer, commitments)


def share_binding(
    election: bytes, dealer: int, recipient: int, recipient_key: ExchangePublicKey
) -> bytes:
    """The associated data (and HKDF info) sealing a share (spec 8.5)."""
    return hash_bytes(
        CEREMONY_SHARE_KEY, election, "open", dealer, recipient, recipient_key.to_bytes()
    )


def coefficient_proof_context(election: bytes, dealer: int, k: int) -> tuple[Encodable, ...]:
    """The Schnorr proof context for coefficient k of a dealer (spec 8.4)."""
    return (election, dealer, k)

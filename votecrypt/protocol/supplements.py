"""Credential supplements: a late member's code, a spoiled slip replaced (spec 9.6).

After the board opens, the counting board may add credentials (a member who arrives late, a
lost slip replaced) and cancel unused ones (a spoiled slip handed back), each change a
supplement endorsed by t trustees:

    digest    = H(CREDENTIAL_SUPPLEMENT, context hash, number, [added keys], [cancelled keys])
    signature = Ed25519-Sign(announced signing key of trustee j, digest)

The context hash binds the election, its key and its first list, so an endorsement of
another election's supplement never verifies here; the number (1, 2, ... in board order)
binds its place, so it is appended once. `CredentialRoll` replays the list and the
supplements in order as the board and the verifier do: a key is added once ever, only an
issued, unused credential is cancelled, and the credentials in force never exceed the
manifest's `credentials` (the base of the packing, spec 6.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from votecrypt.errors import EncodingError, RefusedData
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.tags import CREDENTIAL_SUPPLEMENT
from votecrypt.primitives.signing import VerifyKey
from votecrypt.protocol.credentials import CredentialList, Endorsement, check_signatures


def _sorted_distinct(keys: Sequence[VerifyKey]) -> bool:
    raw = [key.to_bytes() for key in keys]
    return raw == sorted(set(raw))


@dataclass(frozen=True, slots=True)
class Supplement:
    """Supplement `number` of the election with context hash `election` (spec 9.6)."""

    election: bytes
    number: int
    added: tuple[VerifyKey, ...]
    cancelled: tuple[VerifyKey, ...]

    def __post_init__(self) -> None:
        if self.number < 1:
            raise EncodingError("supplements are numbered from 1")
        if not self.added and not self.cancelled:
            raise EncodingError("a supplement adds or cancels at least one credential")
        if not _sorted_distinct(self.added) or not _sorted_distinct(self.cancelled):
            raise EncodingError("a supplement's keys must be distinct and sorted")
        if set(self.added) & set(self.cancelled):
            raise EncodingError("a supplement cannot add and cancel the same credential")

    @classmethod
    def of(
        cls,
        election: bytes,
        number: int,
        added: Iterable[VerifyKey] = (),
        cancelled: Iterable[VerifyKey] = (),
    ) -> Supplement:
        def ordered(keys: Iterable[VerifyKey]) -> tuple[VerifyKey, ...]:
            return tuple(sorted(keys, key=lambda k: k.to_bytes()))

        return cls(election, number, ordered(added), ordered(cancelled))

    def digest(self) -> bytes:
        """What each endorsing trustee signs (spec 9.6)."""
        return hash_bytes(
            CREDENTIAL_SUPPLEMENT,
            self.election,
            self.number,
            [key.to_bytes() for key in self.added],
            [key.to_bytes() for key in self.cancelled],
        )


def check_supplement_endorsements(
    supplement: Supplement,
    endorsements: Sequence[Endorsement],
    signing_keys: Mapping[int, VerifyKey],
    threshold: int,
    *,
    published: bool = False,
) -> tuple[int, ...]:
    """The trustees whose endorsement of `supplement` verifies (spec 9.6); RefusedData
    unless at least `threshold` qualified trustees endorsed it (and, `published`, unless
    every endorsement listed verifies), as for the list itself (spec 9.4)."""
    return check_signatures(
        supplement.digest(),
        endorsements,
        signing_keys,
        threshold,
        what=f"credential supplement {supplement.number}",
        published=published,
    )


@dataclass
class CredentialRoll:
    """The credentials in force, replayed from the list and the supplements (spec 9.6)."""

    ceiling: int
    valid: set[bytes]
    cancelled: set[bytes] = field(default_factory=set)
    used: set[bytes] = field(default_factory=set)
    supplements: int = 0

    @classmethod
    def of(cls, credentials: CredentialList, ceiling: int) -> CredentialRoll:
        return cls(ceiling, {key.to_bytes() for key in credentials.public_keys})

    @property
    def issued(self) -> int:
        """Ballots issued ("số phiếu phát ra"): credentials in force, used or not."""
        return len(self.valid)

    def apply(self, supplement: Supplement) -> None:
        """Take the supplement in, or RefusedData (the roll unchanged) when it is out of
        order, adds a key ever seen, cancels a credential not in force or already used, or
        leaves more credentials in force than the manifest allows."""
        if supplement.number != self.supplements + 1:
            raise RefusedData(
                f"credential supplement {supplement.number} is out of order; "
                f"the next is {self.supplements + 1}"
            )
        added = {key.to_bytes() for key in supplement.added}
        cancelled = {key.to_bytes() for key in supplement.cancelled}
        if added & (self.valid | self.cancelled):
            raise RefusedData("the supplement adds a credential that was issued before")
        if not cancelled <= self.valid:
            raise RefusedData(
                "the supplement cancels a credential that is not in force (not issued, or "
                "already cancelled)"
            )
        if cancelled & self.used:
            raise RefusedData(
                "the supplement cancels a credential whose ballot was cast: a cast ballot "
                "stays in the count"
            )
        issued = len(self.valid) + len(added) - len(cancelled)
        if issued > self.ceiling:
            raise RefusedData(
                f"the supplement would leave {issued} credentials in force; the manifest "
                f"allows at most {self.ceiling}"
            )
        self.valid = (self.valid - cancelled) | added
        self.cancelled |= cancelled
        self.supplements += 1

    def cast(self, credential: bytes) -> str | None:
        """Record a ballot of `credential`: None, or why it may not count."""
        if credential in self.cancelled:
            return "the credential was cancelled"
        if credential not in self.valid:
            return "the credential was not issued"
        if credential in self.used:
            return "second ballot of the credential"
        self.used.add(credential)
        return None

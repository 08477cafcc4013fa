"""The election context: the manifest, the ceremony's outcome and the credential list, bound
into one hash (spec 7.3), and its short rendering for people, the fingerprint (spec 7.4).

    context hash = H(ELECTION_CONTEXT, manifest hash, transcript hash, K, t,
                     [(j, K_j) for every qualified trustee j], credential list hash)

Every ballot names the context hash and every proof hashes it: a ballot or proof made for one
election, one key, one ceremony or one credential list never verifies in another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from votecrypt.errors import EncodingError, ManifestError
from votecrypt.math.group import FixedBase, Group, Point
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.tags import ELECTION_CONTEXT
from votecrypt.primitives.membership import value_points
from votecrypt.primitives.packing import Packing
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome
from votecrypt.protocol.credentials import ALPHABET, CredentialList
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import BLANK, ElectionResults, compute_results


@dataclass(frozen=True)
class ElectionContext:
    """Everything a ballot, a tally and a decryption are checked against."""

    group: Group
    manifest: Manifest
    manifest_hash: bytes
    ceremony: CeremonyOutcome
    credential_list_hash: bytes
    hash: bytes
    packing: Packing

    @classmethod
    def build(
        cls,
        group: Group,
        manifest: Manifest,
        ceremony: CeremonyOutcome,
        credentials: CredentialList,
    ) -> ElectionContext:
        """The context of spec 7.3; ManifestError when the parts belong to different
        elections or do not fit the manifest."""
        manifest_hash = manifest.manifest_hash()
        if ceremony.election != manifest_hash:
            raise ManifestError("the key ceremony was held for another manifest")
        if ceremony.trustees != len(manifest.trustees) or ceremony.threshold != manifest.threshold:
            raise ManifestError("the key ceremony's trustees or threshold differ from the manifest")
        if credentials.election != manifest_hash:
            raise ManifestError("the credential list was issued for another manifest")
        if not 1 <= len(credentials) <= manifest.credentials:
            raise ManifestError(
                f"the credential list has {len(credentials)} keys; the manifest allows 1 to "
                f"{manifest.credentials} ballots issued"
            )
        list_hash = credentials.list_hash()
        digest = hash_bytes(
            ELECTION_CONTEXT,
            manifest_hash,
            ceremony.transcript_hash,
            ceremony.joint_key,
            ceremony.threshold,
            [(j, key) for j, key in ceremony.verification_keys],
            list_hash,
        )
        return cls(group, manifest, manifest_hash, ceremony, list_hash, digest, manifest.packing())

    @property
    def fingerprint(self) -> str:
        return election_fingerprint(self.hash)

    @property
    def joint_key(self) -> Point:
        return self.ceremony.joint_key

    @property
    def rows(self) -> int:
        return len(self.manifest.candidates)

    @cached_property
    def key_table(self) -> FixedBase:
        """A table of multiples of K for verifying many proofs (public data, spec 18.2)."""
        return self.group.vartime_fixed_base(self.joint_key)

    @cached_property
    def negated_values(self) -> dict[int, Point]:
        """-v*G for every value of the allowed list, shared by every row's proof (5.3)."""
        return value_points(self.group, self.packing.allowed())

    def results(
        self, counts: Sequence[Sequence[int]], collected: int, *, issued: int
    ) -> ElectionResults:
        """The results from every row's decoded outcome counts (in the manifest's outcome
        order, spec 6.1), the number of ballots collected and the final number issued, after
        every supplement (spec 9.6, 13.2)."""
        manifest = self.manifest
        rows = []
        for row in counts:
            by_key = dict(zip(manifest.outcomes(), row, strict=True))
            by_key.setdefault(BLANK, 0)
            rows.append(by_key)
        return compute_results(
            manifest.rules,
            [(c.name, c.position) for c in manifest.candidates],
            rows,
            issued=issued,
            collected=collected,
            summoned=manifest.summoned,
            members=manifest.members,
            previous=manifest.previous_by_name(),
        )

    def __getstate__(self) -> dict[str, Any]:
        # The table is rebuilt where needed rather than sent to worker processes.
        state = dict(self.__dict__)
        state.pop("key_table", None)
        return state


FINGERPRINT_CHARACTERS = 16


def election_fingerprint(context_hash: bytes) -> str:
    """The election fingerprint (spec 7.4): the first 80 bits of the context hash as 16
    characters of Crockford's base 32, in groups of four ("7K2Q-M9DX-3FAB-W0PC"). People
    compare it out of band: read aloud at the meeting, on the slips, in the booth, on the
    result sheet."""
    if len(context_hash) != 32:
        raise ValueError("a context hash is 32 bytes")
    bits = int.from_bytes(context_hash[:10], "big")
    text = "".join(
        ALPHABET[(bits >> (5 * (FINGERPRINT_CHARACTERS - 1 - i))) & 31]
        for i in range(FINGERPRINT_CHARACTERS)
    )
    return "-".join(text[i : i + 4] for i in range(0, FINGERPRINT_CHARACTERS, 4))


_READ_ALIKE = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed, for comparison: case, spaces and dashes ignored, O/I/L read as
    0/1/1 (Crockford's reading of look-alikes). EncodingError when it cannot be one (not 16
    characters of the alphabet), so that a mistyped value is bad input, not another
    election."""
    characters = text.strip().upper().translate(_READ_ALIKE)
    if len(characters) != FINGERPRINT_CHARACTERS or not set(characters) <= set(ALPHABET):
        raise EncodingError(
            f"{text.strip()!r} is not an election fingerprint: 16 letters and digits in groups "
            "of four, as printed on the slips"
        )
    return characters

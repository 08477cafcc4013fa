"""The election context: the manifest and the ceremony's outcome, bound into one hash (spec 7.3).

    context hash = H(ELECTION_CONTEXT, manifest hash, transcript hash, K, t,
                     [(j, K_j) for every qualified trustee j])

Every ballot names the context hash and every proof hashes it: a ballot or proof made for one
election, one key, or one ceremony never verifies in another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from votecrypt.errors import ManifestError
from votecrypt.math.group import FixedBase, Group, Point
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.tags import ELECTION_CONTEXT
from votecrypt.primitives.packing import Packing
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import BLANK, ElectionResults, compute_results


@dataclass(frozen=True)
class ElectionContext:
    """Everything a ballot, a tally and a decryption are checked against."""

    group: Group
    manifest: Manifest
    manifest_hash: bytes
    ceremony: CeremonyOutcome
    hash: bytes
    packing: Packing

    @classmethod
    def build(cls, group: Group, manifest: Manifest, ceremony: CeremonyOutcome) -> ElectionContext:
        manifest_hash = manifest.manifest_hash()
        if ceremony.election != manifest_hash:
            raise ManifestError("the key ceremony was held for another manifest")
        if ceremony.trustees != len(manifest.trustees) or ceremony.threshold != manifest.threshold:
            raise ManifestError("the key ceremony's trustees or threshold differ from the manifest")
        digest = hash_bytes(
            ELECTION_CONTEXT,
            manifest_hash,
            ceremony.transcript_hash,
            ceremony.joint_key,
            ceremony.threshold,
            [(j, key) for j, key in ceremony.verification_keys],
        )
        return cls(group, manifest, manifest_hash, ceremony, digest, manifest.packing())

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

    def results(self, counts: Sequence[Sequence[int]], collected: int) -> ElectionResults:
        """The results from every row's decoded outcome counts (in the manifest's outcome
        order, spec 6.1) and the number of ballots collected (spec 13.2)."""
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
            issued=manifest.credentials,
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

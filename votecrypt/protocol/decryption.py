"""Threshold decryption of the tally from public data: checking decryption shares, combining
any t valid ones, and decoding the counts (spec 12.2-12.4).

Trustee j publishes, for every aggregate ciphertext (row i, lane l), M_j = x_j*alpha with a
Chaum-Pedersen proof that log_G(K_j) = log_alpha(M_j). With a set S of t valid shares,
    M = sum_{j in S} lambda_j * M_j,   m*G = beta - M,
and m is found by a bounded discrete log, then decoded into counts (spec 6).
Creating a share needs the trustee's secret: see `votecrypt.protocol.decryption_trustee`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from votecrypt.errors import InvalidProof, PlaintextOutOfRange, TallyError
from votecrypt.math.encoding import Encodable
from votecrypt.math.group import Group, Point
from votecrypt.math.tags import DECRYPTION_SHARE_PROOF
from votecrypt.primitives.chaum_pedersen import EqualityProof, EqualityStatement, verify_equality
from votecrypt.primitives.dlog import discrete_logs
from votecrypt.primitives.packing import Packing
from votecrypt.primitives.shamir import lagrange_coefficient
from votecrypt.protocol.tally import EncryptedTally


@dataclass(frozen=True, slots=True)
class PartialDecryption:
    """M_j for one aggregate ciphertext and its Chaum-Pedersen proof."""

    value: Point
    proof: EqualityProof


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Trustee `trustee`'s partial decryptions, `partials[i][l]` for row i and lane l."""

    election: bytes
    trustee: int
    partials: tuple[tuple[PartialDecryption, ...], ...]


def share_proof_context(
    election: bytes, trustee: int, row: int, lane: int
) -> tuple[Encodable, ...]:
    """The context bound into each decryption-share proof (spec 12.2)."""
    return (election, trustee, row, lane)


def share_statement(
    group: Group, verification_key: Point, alpha: Point, value: Point
) -> EqualityStatement:
    return EqualityStatement(group.generator, verification_key, alpha, value)


def check_decryption_share(
    group: Group, share: DecryptionShare, tally: EncryptedTally, verification_key: Point
) -> None:
    """Raise TallyError unless every partial decryption of `share` is proven (spec 12.2)."""
    if share.election != tally.election:
        raise TallyError(f"trustee {share.trustee}'s share is for another election")
    if len(share.partials) != len(tally.rows) or any(
        len(p) != len(r) for p, r in zip(share.partials, tally.rows, strict=True)
    ):
        raise TallyError(f"trustee {share.trustee}'s share does not match the tally's shape")
    for row, (partials, ciphertexts) in enumerate(zip(share.partials, tally.rows, strict=True)):
        for lane, (partial, ciphertext) in enumerate(zip(partials, ciphertexts, strict=True)):
            try:
                verify_equality(
                    partial.proof,
                    share_statement(group, verification_key, ciphertext.alpha, partial.value),
                    tag=DECRYPTION_SHARE_PROOF,
                    context=share_proof_context(share.election, share.trustee, row, lane),
                )
            except InvalidProof:
                raise TallyError(
                    f"trustee {share.trustee}'s decryption of row {row + 1} lane {lane + 1} "
                    "has an invalid proof"
                ) from None


@dataclass(frozen=True, slots=True)
class ShareSelection:
    """Which shares are used: the first t valid ones by index; the invalid ones and why."""

    used: tuple[int, ...]
    valid: tuple[int, ...]
    invalid: tuple[tuple[int, str], ...]


def select_shares(
    group: Group,
    tally: EncryptedTally,
    shares: Sequence[DecryptionShare],
    verification_keys: Mapping[int, Point],
    threshold: int,
) -> ShareSelection:
    """Check every share; use the t valid shares with the smallest indices (spec 12.3).

    Raises TallyError naming the invalid and the missing trustees when fewer than t are valid.
    """
    valid, invalid = [], []
    seen = set()
    for share in sorted(shares, key=lambda s: s.trustee):
        if share.trustee in seen:
            invalid.append((share.trustee, "published more than one decryption share"))
            continue
        seen.add(share.trustee)
        key = verification_keys.get(share.trustee)
        if key is None:
            invalid.append((share.trustee, "is not a qualified trustee"))
            continue
        try:
            check_decryption_share(group, share, tally, key)
        except TallyError as error:
            invalid.append((share.trustee, str(error)))
            continue
        valid.append(share.trustee)
    if len(valid) < threshold:
        missing = sorted(set(verification_keys) - seen)
        parts = [f"{len(valid)} valid decryption shares, {threshold} needed"]
        if invalid:
            parts.append("invalid: " + "; ".join(f"trustee {i}: {why}" for i, why in invalid))
        if missing:
            parts.append("missing: trustees " + ", ".join(map(str, missing)))
        raise TallyError(" - ".join(parts))
    return ShareSelection(tuple(valid[:threshold]), tuple(valid), tuple(invalid))


def combine_shares(
    group: Group, tally: EncryptedTally, shares: Mapping[int, DecryptionShare], used: Sequence[int]
) -> list[list[Point]]:
    """m*G for every row and lane: beta - sum_{j in used} lambda_j * M_j (spec 12.3), from
    public values only (variable-time products, spec 18.2)."""
    coefficients = {j: lagrange_coefficient(j, used) for j in used}
    result = []
    for row, ciphertexts in enumerate(tally.rows):
        points = []
        for lane, ciphertext in enumerate(ciphertexts):
            combined = group.sum(
                group.vartime_multiply(coefficients[j], shares[j].partials[row][lane].value)
                for j in used
            )
            points.append(ciphertext.beta - combined)
        result.append(points)
    return result


def decode_counts(
    group: Group, tally: EncryptedTally, plaintexts: Sequence[Sequence[Point]], packing: Packing
) -> list[tuple[int, ...]]:
    """Every row's outcome counts from m*G (spec 12.4); PlaintextOutOfRange means tampering."""
    if not 0 <= tally.ballots < packing.base:
        raise PlaintextOutOfRange("the tally claims more ballots than credentials were issued")
    targets, bounds = [], []
    for row in plaintexts:
        for lane, point in enumerate(row):
            targets.append(point)
            bounds.append(packing.lane_bound(lane, tally.ballots))
    values = discrete_logs(group, targets, bounds)
    counts = []
    position = 0
    for row in plaintexts:
        lane_values = values[position : position + len(row)]
        position += len(row)
        counts.append(packing.decode(lane_values, tally.ballots))
    return counts

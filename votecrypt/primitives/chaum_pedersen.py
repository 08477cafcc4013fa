"""Chaum-Pedersen proof that two discrete logs are equal, non-interactive (spec 5.2).

Statement: H1 = x*G1 and H2 = x*G2 for one secret x. Proof (c, z) in compact form.
    prover:   w hedged (spec 18.3); A = w*G1; B = w*G2; c = H(tag, context, G1, H1, G2, H2, A, B);
              z = w + c*x
    verifier: A' = z*G1 - c*H1; B' = z*G2 - c*H2; accept iff c == H(..., A', B')

For a decryption share (spec 12.2): G1 = G, H1 = K_i, G2 = alpha, H2 = M_i.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from votecrypt.errors import InvalidProof
from votecrypt.math.encoding import Encodable
from votecrypt.math.group import Point
from votecrypt.math.hashing import hash_to_scalar
from votecrypt.math.scalar import Scalar
from votecrypt.math.tags import DomainTag
from votecrypt.primitives.nonces import hedged_nonce

PROOF_NAME = "Chaum-Pedersen"


@dataclass(frozen=True, slots=True)
class EqualityProof:
    """(c, z): `challenge` is c and `response` is z in spec 5.2."""

    challenge: Scalar
    response: Scalar


@dataclass(frozen=True, slots=True)
class EqualityStatement:
    """H1 = x*G1 and H2 = x*G2; the field names are the spec's symbols in lower case."""

    g1: Point
    h1: Point
    g2: Point
    h2: Point

    def encodable(self) -> tuple[Point, Point, Point, Point]:
        return (self.g1, self.h1, self.g2, self.h2)


def prove_equality(
    secret: Scalar,
    statement: EqualityStatement,
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> EqualityProof:
    """Prove that log_G1(H1) == log_G2(H2) == secret; the nonce is hedged (spec 18.3)."""
    w = hedged_nonce(tag, secret, tuple(context), statement.encodable())
    return _prove_equality(secret, statement, w, tag=tag, context=context)


def _prove_equality(
    secret: Scalar,
    statement: EqualityStatement,
    w: Scalar,
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> EqualityProof:
    # Private path with an explicit commitment nonce: known-answer tests only.
    a = w * statement.g1
    b = w * statement.g2
    c = hash_to_scalar(tag, tuple(context), statement.encodable(), a, b)
    return EqualityProof(c, w + c * secret)


def verify_equality(
    proof: EqualityProof,
    statement: EqualityStatement,
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> None:
    """Raise InvalidProof unless `proof` shows log_G1(H1) == log_G2(H2) in `context`."""
    c, z = proof.challenge, proof.response
    group = statement.g1.group
    multiply = group.vartime_multiply  # public values only (spec 18.2)
    if statement.g1 == group.generator:
        a = group.vartime_double_multiply(-c, statement.h1, z)
    else:
        a = group.sum((multiply(z, statement.g1), multiply(-c, statement.h1)))
    b = group.sum((multiply(z, statement.g2), multiply(-c, statement.h2)))
    if c != hash_to_scalar(tag, tuple(context), statement.encodable(), a, b):
        raise InvalidProof(
            PROOF_NAME, "c == H(tag, context, G1, H1, G2, H2, z*G1 - c*H1, z*G2 - c*H2)"
        )

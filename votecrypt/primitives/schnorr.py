"""Schnorr proof of knowledge of a discrete log, non-interactive (spec 5.1).

Statement: Y = x*G. Proof (c, z) in compact form.
    prover:   w hedged (spec 18.3); A = w*G; c = H(tag, context, Y, A); z = w + c*x
    verifier: A' = z*G - c*Y; accept iff c == H(tag, context, Y, A')
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

PROOF_NAME = "Schnorr"


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """(c, z): `challenge` is c and `response` is z in spec 5.1."""

    challenge: Scalar
    response: Scalar


def prove_knowledge(
    secret: Scalar, public: Point, *, tag: DomainTag, context: Sequence[Encodable]
) -> SchnorrProof:
    """Prove knowledge of `secret` with public == secret*G; the nonce is hedged (spec 18.3)."""
    w = hedged_nonce(tag, secret, tuple(context), public)
    return _prove_knowledge(secret, public, w, tag=tag, context=context)


def _prove_knowledge(
    secret: Scalar,
    public: Point,
    w: Scalar,
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> SchnorrProof:
    # Private path with an explicit commitment nonce: known-answer tests only.
    commitment = public.group.multiply_generator(w)
    c = hash_to_scalar(tag, tuple(context), public, commitment)
    return SchnorrProof(c, w + c * secret)


def verify_knowledge(
    proof: SchnorrProof, public: Point, *, tag: DomainTag, context: Sequence[Encodable]
) -> None:
    """Raise InvalidProof unless `proof` shows knowledge of log_G(public) in `context`.
    Public values only: variable-time arithmetic (spec 18.2)."""
    group = public.group
    commitment = group.vartime_double_multiply(-proof.challenge, public, proof.response)
    if proof.challenge != hash_to_scalar(tag, tuple(context), public, commitment):
        raise InvalidProof(PROOF_NAME, "c == H(tag, context, Y, z*G - c*Y)")

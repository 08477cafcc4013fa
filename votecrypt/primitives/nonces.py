"""Hedged nonces for proofs made with a long-term secret (spec 18.3).

    w = H(PROOF_NONCE, tag, secret, fresh 32 random bytes, context, statement) mod n

The nonce depends on the secret and on fresh randomness: a broken or repeating random source
no longer gives two proofs the same nonce for different statements (which would reveal the
secret from z - z' = (c - c') * x), and a good source keeps the nonce uniformly random.
"""

from __future__ import annotations

from votecrypt.math.encoding import Encodable
from votecrypt.math.hashing import hash_to_scalar
from votecrypt.math.randomness import random_bytes
from votecrypt.math.scalar import Scalar
from votecrypt.math.tags import PROOF_NONCE, DomainTag

FRESH_BYTES = 32


def hedged_nonce(tag: DomainTag, secret: Scalar, *statement: Encodable) -> Scalar:
    """A proof nonce from the proof's tag, the secret, fresh randomness and the statement."""
    while True:
        w = hash_to_scalar(PROOF_NONCE, tag.text, secret, random_bytes(FRESH_BYTES), statement)
        if not w.is_zero():  # probability 2^-256; never zero, so A = w*G is never the identity
            return w

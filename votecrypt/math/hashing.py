"""The one hashing helper: SHA-256 over a domain tag and typed, canonical inputs (spec 3.2).

    H(tag, x_1, ..., x_k) = SHA-256( encode(tag.text) || encode(x_1) || ... || encode(x_k) )

`encode` is the self-delimiting encoding of `votecrypt.math.encoding`, so distinct
(tag, inputs) never collide as byte strings. Challenges are the digest read as a big-endian
integer and reduced mod n; since n > 2^256 - 2^129, the statistical distance from uniform is
below 2^-128 (spec 3.3).
"""

from __future__ import annotations

import hashlib

from votecrypt.math.encoding import Encodable, encode
from votecrypt.math.scalar import Scalar
from votecrypt.math.tags import DomainTag


def hash_bytes(tag: DomainTag, *items: Encodable) -> bytes:
    """The 32-byte digest H(tag, items...)."""
    if not isinstance(tag, DomainTag):
        raise TypeError("hash_bytes needs a DomainTag from votecrypt.math.tags")
    digest = hashlib.sha256(encode(tag.text))
    for item in items:
        digest.update(encode(item))
    return digest.digest()


def hash_to_scalar(tag: DomainTag, *items: Encodable) -> Scalar:
    """H(tag, items...) as an integer mod n: the Fiat-Shamir challenge (spec 3.3)."""
    return Scalar.reduce(int.from_bytes(hash_bytes(tag, *items), "big"))

"""Layer 1, the mathematics: the group, scalars, canonical encodings and hashing (spec 2-3).

Imports nothing from the other layers.
"""

from votecrypt.math.encoding import Encodable, encode, nfc
from votecrypt.math.group import IDENTITY_BYTES, FixedBase, Group, Point, secp256k1
from votecrypt.math.hashing import hash_bytes, hash_to_scalar
from votecrypt.math.scalar import N, Scalar
from votecrypt.math.tags import DomainTag

__all__ = [
    "IDENTITY_BYTES",
    "DomainTag",
    "Encodable",
    "FixedBase",
    "Group",
    "N",
    "Point",
    "Scalar",
    "encode",
    "hash_bytes",
    "hash_to_scalar",
    "nfc",
    "secp256k1",
]

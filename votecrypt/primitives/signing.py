"""Ed25519 signatures, for ceremony messages and ballots (spec 8.2, 10.4).

Signatures are over a 32-byte digest that the protocol computes with its own domain tag, so a
signature made for one purpose never verifies for another. `cryptography`'s Ed25519 verifies
per RFC 8032 and rejects non-canonical s, so signatures are not malleable.
"""

from __future__ import annotations

from typing import NoReturn

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from votecrypt.errors import EncodingError, InvalidSignature
from votecrypt.math.randomness import random_bytes

KEY_BYTES = 32
SIGNATURE_BYTES = 64


class VerifyKey:
    """An Ed25519 public key (32 bytes). Immutable, hashable, compared by its bytes."""

    __slots__ = ("_key", "_raw")
    _key: Ed25519PublicKey
    _raw: bytes

    def __init__(self, key: Ed25519PublicKey) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_raw", key.public_bytes_raw())

    @classmethod
    def from_canonical_bytes(cls, data: bytes) -> VerifyKey:
        """Decode a 32-byte Ed25519 public key: canonical (y < p, no "negative zero" x), a
        point of the curve, and not of small order (spec 2.5). A small-order key is refused
        because a signature under it can verify for any message."""
        if not isinstance(data, bytes) or len(data) != KEY_BYTES:
            raise EncodingError(f"an Ed25519 public key is {KEY_BYTES} bytes")
        _check_point_encoding(data)
        try:
            key = Ed25519PublicKey.from_public_bytes(data)
        except ValueError as exc:
            raise EncodingError("not an Ed25519 public key") from exc
        return cls(key)

    def to_bytes(self) -> bytes:
        return self._raw

    def hex(self) -> str:
        return self._raw.hex()

    def verify(self, signature: bytes, digest: bytes) -> None:
        """Raise InvalidSignature unless `signature` signs `digest` under this key."""
        if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
            raise InvalidSignature("an Ed25519 signature is 64 bytes")
        try:
            self._key.verify(signature, digest)
        except _CryptoInvalidSignature:
            raise InvalidSignature("the signature does not verify") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VerifyKey):
            return NotImplemented
        return self._raw == other._raw

    def __hash__(self) -> int:
        return hash(("VerifyKey", self._raw))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("VerifyKey is immutable")

    def __repr__(self) -> str:
        return f"VerifyKey({self._raw.hex()})"

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        return (VerifyKey.from_canonical_bytes, (self._raw,))


# Edwards25519 (RFC 8032, 5.1): the field prime, the curve constant d and sqrt(-1).
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
#: The y-coordinates of the eight points of order dividing 8 (the identity, the point of
#: order 2, the two of order 4 and the four of order 8; each y below 2 stands for two points).
_SMALL_ORDER_Y = frozenset(
    {
        0,
        1,
        _P - 1,
        0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826,
        0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7,
    }
)


def _check_point_encoding(data: bytes) -> None:
    """RFC 8032 5.1.3 decoding, strictly: y < p, x exists, x = 0 only with sign bit 0; then
    refuse the small-order points (their y-coordinates are listed above)."""
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    sign = data[31] >> 7
    if y >= _P:
        raise EncodingError("Ed25519 public key is not canonically encoded (y >= p)")
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if v * x * x % _P != u:
        x = x * _SQRT_M1 % _P
        if v * x * x % _P != u:
            raise EncodingError("not an Ed25519 public key (not a point of the curve)")
    if x == 0 and sign:
        raise EncodingError("Ed25519 public key is not canonically encoded (negative zero)")
    if y in _SMALL_ORDER_Y:
        raise EncodingError("Ed25519 public key of small order")


class SigningKey:
    """An Ed25519 private key. Never printed or pickled; export with `export_bytes()` only to
    encrypt it."""

    __slots__ = ("_key", "verify_key")
    _key: Ed25519PrivateKey
    verify_key: VerifyKey

    def __init__(self, key: Ed25519PrivateKey) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "verify_key", VerifyKey(key.public_key()))

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.from_secret_bytes(random_bytes(KEY_BYTES))

    @classmethod
    def from_secret_bytes(cls, seed: bytes) -> SigningKey:
        """Load the 32-byte RFC 8032 private key (seed)."""
        if not isinstance(seed, bytes) or len(seed) != KEY_BYTES:
            raise EncodingError(f"an Ed25519 private key is {KEY_BYTES} bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def export_bytes(self) -> bytes:
        """The 32-byte private key: only for code that encrypts it."""
        return self._key.private_bytes_raw()

    def sign(self, digest: bytes) -> bytes:
        return self._key.sign(digest)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("SigningKey is immutable")

    def __repr__(self) -> str:
        return f"SigningKey(verify_key={self.verify_key.hex()}, secret=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("signing keys cannot be pickled")

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
        """Decode a 32-byte Ed25519 public key (RFC 8032 encoding)."""
        if not isinstance(data, bytes) or len(data) != KEY_BYTES:
            raise EncodingError(f"an Ed25519 public key is {KEY_BYTES} bytes")
        try:
            key = Ed25519PublicKey.from_public_bytes(data)
        except ValueError as exc:
            raise EncodingError("not an Ed25519 public key") from exc
        if key.public_bytes_raw() != data:
            raise EncodingError("Ed25519 public key is not canonically encoded")
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

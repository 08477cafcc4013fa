"""Sealing a short secret to a recipient: X25519 + HKDF-SHA256 + ChaCha20-Poly1305 (spec 8.5).

    seal:  e random X25519 key; S = X25519(e, recipient); key = HKDF(S, info); the AEAD
           encrypts the plaintext under key with a zero nonce (each key is used once) and the
           caller's associated data.
    open:  S = X25519(recipient secret, E); same key; AEAD decryption.

The caller puts everything the message must be bound to (election, round, sender, recipient,
both public keys) into `associated_data`; it also enters the key derivation as HKDF info.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from votecrypt.errors import DecryptionFailed, EncodingError
from votecrypt.math.randomness import random_bytes

KEY_BYTES = 32
TAG_BYTES = 16
_ZERO_NONCE = bytes(12)

#: p = 2^255 - 19, the field of Curve25519 and edwards25519.
_P = 2**255 - 19
#: The canonical u-coordinates (u < p) of the points of order 1, 2, 4 and 8 on Curve25519 and
#: its twist (Bernstein's list, spec 8.2): X25519 with any of them gives an all-zero secret.
SMALL_ORDER_U = frozenset(
    (
        0,
        1,
        _P - 1,
        325606250916557431795983626356110631294008115727848805560023387167927233504,
        39382357235489614581723060781553021112529911719440698176882885853963445705823,
    )
)


def exchange_key_problem(data: bytes) -> str | None:
    """Why 32 bytes are not an acceptable X25519 public key, or None (spec 8.2): "not
    canonical" (top bit set, or u >= p) or "of small order"."""
    if len(data) != KEY_BYTES:
        return "not canonical"
    u = int.from_bytes(data, "little")
    if u >= _P:  # covers the top bit too: 2^255 > p
        return "not canonical"
    if u in SMALL_ORDER_U:
        return "of small order"
    return None


#: d of edwards25519 (RFC 8032, 5.1).
_D = (-121665 * pow(121666, -1, _P)) % _P


def exchange_key_of_signing_key(verify_key: bytes) -> bytes | None:
    """The X25519 public key derived from an Ed25519 public key (spec 8.2): the Montgomery
    u = (1 + y) / (1 - y) of its Edwards point, or None when y >= p or y = 1 (the identity).
    The caller has verified a signature under the key, so the point decodes (RFC 8032 5.1.3);
    the secret side is `ExchangeKey.from_signing_seed`."""
    if len(verify_key) != KEY_BYTES:
        return None
    y = int.from_bytes(verify_key, "little") & ((1 << 255) - 1)
    if y >= _P or y == 1:
        return None
    u = (1 + y) * pow(1 - y, -1, _P) % _P
    return u.to_bytes(KEY_BYTES, "little")


class ExchangePublicKey:
    """An X25519 public key (32 bytes). Immutable, hashable."""

    __slots__ = ("_key", "_raw")
    _key: X25519PublicKey
    _raw: bytes

    def __init__(self, key: X25519PublicKey) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_raw", key.public_bytes_raw())

    @classmethod
    def from_canonical_bytes(cls, data: bytes) -> ExchangePublicKey:
        if not isinstance(data, bytes) or len(data) != KEY_BYTES:
            raise EncodingError(f"an X25519 public key is {KEY_BYTES} bytes")
        return cls(X25519PublicKey.from_public_bytes(data))

    def to_bytes(self) -> bytes:
        return self._raw

    def hex(self) -> str:
        return self._raw.hex()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExchangePublicKey):
            return NotImplemented
        return self._raw == other._raw

    def __hash__(self) -> int:
        return hash(("ExchangePublicKey", self._raw))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ExchangePublicKey is immutable")

    def __repr__(self) -> str:
        return f"ExchangePublicKey({self._raw.hex()})"


class ExchangeKey:
    """An X25519 private key. Never printed or pickled."""

    __slots__ = ("_key", "public_key")
    _key: X25519PrivateKey
    public_key: ExchangePublicKey

    def __init__(self, key: X25519PrivateKey) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "public_key", ExchangePublicKey(key.public_key()))

    @classmethod
    def generate(cls) -> ExchangeKey:
        return cls.from_secret_bytes(random_bytes(KEY_BYTES))

    @classmethod
    def from_secret_bytes(cls, data: bytes) -> ExchangeKey:
        if not isinstance(data, bytes) or len(data) != KEY_BYTES:
            raise EncodingError(f"an X25519 private key is {KEY_BYTES} bytes")
        return cls(X25519PrivateKey.from_private_bytes(data))

    @classmethod
    def from_signing_seed(cls, seed: bytes) -> ExchangeKey:
        """The X25519 key with the secret scalar of the Ed25519 key `seed` (RFC 8032 5.1.5:
        the first half of SHA-512(seed), clamped by X25519), so that its public key is
        `exchange_key_of_signing_key` of the Ed25519 public key (spec 8.2)."""
        if not isinstance(seed, bytes) or len(seed) != KEY_BYTES:
            raise EncodingError(f"an Ed25519 private key is {KEY_BYTES} bytes")
        return cls.from_secret_bytes(hashlib.sha512(seed).digest()[:KEY_BYTES])

    def export_bytes(self) -> bytes:
        """The 32-byte private key: only for code that encrypts it."""
        return self._key.private_bytes_raw()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ExchangeKey is immutable")

    def __repr__(self) -> str:
        return f"ExchangeKey(public_key={self.public_key.hex()}, secret=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("exchange keys cannot be pickled")


@dataclass(frozen=True, slots=True)
class SealedBox:
    """`ephemeral` is E (32 bytes); `ciphertext` is the AEAD output (plaintext + 16-byte tag)."""

    ephemeral: ExchangePublicKey
    ciphertext: bytes


def _derive_key(shared: bytes, associated_data: bytes) -> ChaCha20Poly1305:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=associated_data).derive(shared)
    return ChaCha20Poly1305(key)


def seal(recipient: ExchangePublicKey, plaintext: bytes, associated_data: bytes) -> SealedBox:
    """Encrypt `plaintext` so that only the holder of `recipient`'s private key can read it."""
    ephemeral = X25519PrivateKey.from_private_bytes(random_bytes(KEY_BYTES))
    shared = ephemeral.exchange(recipient._key)
    ciphertext = _derive_key(shared, associated_data).encrypt(
        _ZERO_NONCE, plaintext, associated_data
    )
    return SealedBox(ExchangePublicKey(ephemeral.public_key()), ciphertext)


def open_sealed(key: ExchangeKey, box: SealedBox, associated_data: bytes) -> bytes:
    """Decrypt a sealed box; raise DecryptionFailed on a wrong key, wrong data or tampering."""
    try:
        shared = key._key.exchange(box.ephemeral._key)
        return _derive_key(shared, associated_data).decrypt(
            _ZERO_NONCE, box.ciphertext, associated_data
        )
    except (InvalidTag, ValueError):
        # ValueError: an ephemeral key of small order gives an all-zero shared secret.
        raise DecryptionFailed("the sealed share cannot be opened") from None

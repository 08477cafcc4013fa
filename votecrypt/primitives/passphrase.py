"""Encryption of secrets at rest under a passphrase: Argon2id + ChaCha20-Poly1305 (spec 14).

The key is Argon2id(passphrase, salt, parameters); the AEAD's associated data binds the
public header (format, parameters, salt, the caller's label), so a header cannot be edited
without the decryption failing. Defaults follow RFC 9106's second recommended option
(t = 3 passes, 64 MiB, 4 lanes).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from votecrypt.errors import SecretStoreError
from votecrypt.math.encoding import encode, nfc
from votecrypt.math.randomness import random_bytes
from votecrypt.math.tags import SECRET_FILE


@dataclass(frozen=True, slots=True)
class KdfParameters:
    """Argon2id cost parameters, stored in the clear beside the ciphertext."""

    iterations: int = 3
    lanes: int = 4
    memory_kib: int = 64 * 1024

    def check(self) -> None:
        # Bounds keep a tampered header from demanding absurd work or memory.
        if not (1 <= self.iterations <= 64 and 1 <= self.lanes <= 64):
            raise SecretStoreError("Argon2id parameters out of range")
        if not 8 * self.lanes <= self.memory_kib <= 4 * 1024 * 1024:
            raise SecretStoreError("Argon2id memory parameter out of range")


@dataclass(frozen=True, slots=True)
class PassphraseBox:
    """A secret encrypted under a passphrase: the public header and the AEAD ciphertext."""

    label: str
    kdf: KdfParameters
    salt: bytes
    nonce: bytes
    ciphertext: bytes

    def header(self) -> bytes:
        """The associated data: everything stored in the clear, in the canonical encoding."""
        return encode(
            [
                SECRET_FILE.text,
                self.label,
                self.kdf.iterations,
                self.kdf.lanes,
                self.kdf.memory_kib,
                self.salt,
                self.nonce,
            ]
        )


def _key(passphrase: str, salt: bytes, kdf: KdfParameters) -> ChaCha20Poly1305:
    kdf.check()
    secret = nfc(passphrase).encode("utf-8")
    derived = Argon2id(
        salt=salt,
        length=32,
        iterations=kdf.iterations,
        lanes=kdf.lanes,
        memory_cost=kdf.memory_kib,
    ).derive(secret)
    return ChaCha20Poly1305(derived)


def seal_with_passphrase(
    plaintext: bytes, passphrase: str, label: str, kdf: KdfParameters | None = None
) -> PassphraseBox:
    """Encrypt `plaintext` under `passphrase`; `label` is public and authenticated."""
    if not passphrase:
        raise SecretStoreError("the passphrase must not be empty")
    kdf = kdf or KdfParameters()
    salt, nonce = random_bytes(16), random_bytes(12)
    box = PassphraseBox(label, kdf, salt, nonce, b"")
    ciphertext = _key(passphrase, salt, kdf).encrypt(nonce, plaintext, box.header())
    return PassphraseBox(label, kdf, salt, nonce, ciphertext)


def open_with_passphrase(box: PassphraseBox, passphrase: str) -> bytes:
    """Decrypt; a wrong passphrase and a tampered file give the same SecretStoreError."""
    try:
        return _key(passphrase, box.salt, box.kdf).decrypt(box.nonce, box.ciphertext, box.header())
    except InvalidTag:
        raise SecretStoreError("wrong passphrase, or the secret file is damaged") from None

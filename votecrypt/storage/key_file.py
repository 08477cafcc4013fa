"""An Ed25519 signing key in a secret file, encrypted under a passphrase (spec 14.2): the
board's checkpoint key and a witness's cosigning key (spec 11.7, 11.8).

The file is a secret file (votecrypt.storage.secret_file) whose plaintext is the 32-byte
RFC 8032 private key; its public label names whose key it is.
"""

from __future__ import annotations

from pathlib import Path

from votecrypt.errors import EncodingError, SecretStoreError
from votecrypt.primitives.passphrase import open_with_passphrase, seal_with_passphrase
from votecrypt.primitives.signing import SigningKey
from votecrypt.storage.secret_file import read_box, write_box


def create_key_file(path: Path, passphrase: str, label: str) -> SigningKey:
    """A new signing key, written encrypted to `path`; refuses to replace an existing file."""
    if path.exists():
        raise SecretStoreError(f"{path} exists already: a key file is never replaced")
    key = SigningKey.generate()
    write_box(path, seal_with_passphrase(key.export_bytes(), passphrase, label))
    return key


def load_key_file(path: Path, passphrase: str) -> SigningKey:
    """The signing key of a key file; SecretStoreError for a wrong passphrase or bad file."""
    plaintext = open_with_passphrase(read_box(path), passphrase)
    try:
        return SigningKey.from_secret_bytes(plaintext)
    except EncodingError:
        raise SecretStoreError(f"{path} does not hold a signing key") from None

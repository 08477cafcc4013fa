"""Voting credentials: "a ballot issued by the counting board", made cryptographic (spec 9).

A credential is an Ed25519 key pair derived from a short printable code:

    code   = 20 random base32 characters (100 bits) + 2 check characters, shown in groups
             "K7QX2-M9D3F-1ABCD-EFGHJ-KM"
    seed   = H(CREDENTIAL_CODE, election id, the 20 data characters)
    key    = Ed25519 key pair from the 32-byte seed

The board prints one code per ballot paper (for sealed envelopes) and publishes only the
public keys, sorted, so the published list carries no issuance order and no link to voters.
The seed binds the election id: a code from another election gives an unknown key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from votecrypt.errors import EncodingError
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.randomness import random_below
from votecrypt.math.tags import CREDENTIAL_CODE
from votecrypt.primitives.signing import SigningKey, VerifyKey

#: Crockford's base32 alphabet: no I, L, O, U, so codes survive handwriting and reading aloud.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_CHARACTERS = 20
CHECK_CHARACTERS = 2
GROUP = 5
_READ_ALIKE = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


@dataclass(frozen=True, slots=True, repr=False)
class Credential:
    """A private voting credential: its code and the signing key derived from it."""

    code: str
    signing_key: SigningKey

    @property
    def public_key(self) -> VerifyKey:
        return self.signing_key.verify_key

    def __repr__(self) -> str:
        return f"Credential(public_key={self.public_key.hex()}, code=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("credentials cannot be pickled")


def _check_characters(data: str) -> str:
    digest = hash_bytes(CREDENTIAL_CODE, "check", data)
    return "".join(ALPHABET[b % 32] for b in digest[:CHECK_CHARACTERS])


def _format(characters: str) -> str:
    return "-".join(characters[i : i + GROUP] for i in range(0, len(characters), GROUP))


def new_code() -> str:
    """A fresh random credential code (100 bits of entropy from the OS CSPRNG)."""
    data = "".join(ALPHABET[random_below(len(ALPHABET))] for _ in range(DATA_CHARACTERS))
    return _format(data + _check_characters(data))


def normalise_code(code: str) -> str:
    """The 20 data characters of a typed code; EncodingError for a mistyped code.

    Accepts lower case, spaces and hyphens anywhere, and O/I/L for 0/1/1.
    """
    characters = code.upper().translate(_READ_ALIKE)
    if len(characters) != DATA_CHARACTERS + CHECK_CHARACTERS or any(
        c not in ALPHABET for c in characters
    ):
        raise EncodingError("a credential code has 22 letters and digits")
    data, check = characters[:DATA_CHARACTERS], characters[DATA_CHARACTERS:]
    if _check_characters(data) != check:
        raise EncodingError("the credential code is mistyped (its check characters do not match)")
    return data


def credential_from_code(election: bytes, code: str) -> Credential:
    """Derive the credential of `code` for the election with manifest hash `election`."""
    data = normalise_code(code)
    seed = hash_bytes(CREDENTIAL_CODE, election, data)
    return Credential(_format(data + _check_characters(data)), SigningKey.from_secret_bytes(seed))


def issue_credentials(election: bytes, count: int) -> tuple[list[Credential], list[VerifyKey]]:
    """`count` new credentials, and their public keys sorted by their bytes (spec 9.3)."""
    if count < 1:
        raise ValueError("at least one credential must be issued")
    credentials: list[Credential] = []
    seen: set[VerifyKey] = set()
    while len(credentials) < count:
        credential = credential_from_code(election, new_code())
        if credential.public_key in seen:  # 100-bit codes: never in practice, but be exact
            continue
        seen.add(credential.public_key)
        credentials.append(credential)
    public = sorted((c.public_key for c in credentials), key=lambda k: k.to_bytes())
    return credentials, public

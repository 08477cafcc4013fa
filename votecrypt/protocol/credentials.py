"""Voting credentials: "a ballot issued by the counting board", made cryptographic (spec 9).

A credential is an Ed25519 key pair derived from a short printable code:

    code   = 20 random base32 characters (100 bits) + 2 check characters, shown in groups
             "K7QX2-M9D3F-1ABCD-EFGHJ-KM"; the check characters make the 22 characters a
             Reed-Solomon codeword over GF(32), so every single wrong character and every
             swap of two neighbours is caught as a typo (spec 9.2)
    seed   = H(CREDENTIAL_CODE, election id, the 20 data characters)
    key    = Ed25519 key pair from the 32-byte seed

The board prints one code per ballot paper (for sealed envelopes) and publishes only the
public keys, sorted, so the published list carries no issuance order and no link to voters.
The seed binds the election id: a code from another election gives an unknown key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from votecrypt.errors import EncodingError, InvalidSignature, RefusedData
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.randomness import random_below
from votecrypt.math.tags import CREDENTIAL_CODE, CREDENTIAL_ENDORSEMENT, CREDENTIAL_LIST
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


# The check characters (spec 9.2): GF(32) = GF(2)[x] / (x^5 + x^2 + 1), alpha = x (the
# element 2). Character i of the 22 (value v_i, its index in ALPHABET) has weight
# alpha^(21 - i); the check characters make both sums zero:
#     sum v_i * alpha^(21 - i) = 0    and    sum v_i * alpha^(2 * (21 - i)) = 0
# so the code has distance 3: any change of one or two characters (a wrong character, two
# neighbours swapped) leaves a non-zero sum.
_FIELD_POLYNOMIAL = 0b100101


def _powers_of_alpha() -> tuple[int, ...]:
    powers, value = [], 1
    for _ in range(31):
        powers.append(value)
        value <<= 1
        if value & 0b100000:
            value ^= _FIELD_POLYNOMIAL
    return tuple(powers)


_EXP = _powers_of_alpha()
_LOG = {value: power for power, value in enumerate(_EXP)}


def _times(a: int, b: int) -> int:
    """Product in GF(32)."""
    if a == 0 or b == 0:
        return 0
    return _EXP[(_LOG[a] + _LOG[b]) % 31]


def _weighted_sums(values: Sequence[int]) -> tuple[int, int]:
    """(sum v_i alpha^(21-i), sum v_i alpha^(2(21-i))) over the positions given, i from 0."""
    first = second = 0
    length = DATA_CHARACTERS + CHECK_CHARACTERS
    for position, value in enumerate(values):
        power = length - 1 - position
        first ^= _times(value, _EXP[power % 31])
        second ^= _times(value, _EXP[(2 * power) % 31])
    return first, second


def _check_characters(data: str) -> str:
    """The two check characters of 20 data characters (spec 9.2)."""
    a, b = _weighted_sums([ALPHABET.index(c) for c in data])
    # Solve c20 * alpha + c21 = a and c20 * alpha^2 + c21 = b (addition is XOR).
    c20 = _times(a ^ b, _EXP[(31 - _LOG[_EXP[1] ^ _EXP[2]]) % 31])
    c21 = a ^ _times(c20, _EXP[1])
    return ALPHABET[c20] + ALPHABET[c21]


def code_syndrome(characters: str) -> tuple[int, int]:
    """Both check sums of 22 characters: (0, 0) exactly when the check characters match."""
    return _weighted_sums([ALPHABET.index(c) for c in characters])


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
    if code_syndrome(characters) != (0, 0):
        raise EncodingError("the credential code is mistyped (its check characters do not match)")
    return characters[:DATA_CHARACTERS]


def credential_from_code(election: bytes, code: str) -> Credential:
    """Derive the credential of `code` for the election with manifest hash `election`."""
    data = normalise_code(code)
    seed = hash_bytes(CREDENTIAL_CODE, election, data)
    return Credential(_format(data + _check_characters(data)), SigningKey.from_secret_bytes(seed))


def credentials_from_codes(
    election: bytes, codes: Sequence[str], count: int
) -> tuple[list[Credential], list[VerifyKey]]:
    """The credentials of `count` codes kept from an interrupted issue, and their sorted public
    keys; EncodingError for a mistyped, repeated or missing code."""
    credentials = [credential_from_code(election, code) for code in codes]
    keys = {c.public_key for c in credentials}
    if len(credentials) != count or len(keys) != count:
        raise EncodingError(f"expected {count} different credential codes, got {len(keys)}")
    return credentials, sorted(keys, key=lambda k: k.to_bytes())


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


@dataclass(frozen=True, slots=True)
class CredentialList:
    """The published public credentials of one election (spec 9.3): distinct, sorted."""

    election: bytes
    public_keys: tuple[VerifyKey, ...]

    def __post_init__(self) -> None:
        raw = [key.to_bytes() for key in self.public_keys]
        if raw != sorted(set(raw)):
            raise EncodingError("the public credentials must be distinct and sorted")

    @classmethod
    def of(cls, election: bytes, public_keys: Sequence[VerifyKey]) -> CredentialList:
        return cls(election, tuple(sorted(public_keys, key=lambda k: k.to_bytes())))

    def list_hash(self) -> bytes:
        """H(CREDENTIAL_LIST, election id, [key bytes, ...]) (spec 9.3); the context hash
        covers it (spec 7.3)."""
        return hash_bytes(CREDENTIAL_LIST, self.election, [k.to_bytes() for k in self.public_keys])

    def __len__(self) -> int:
        return len(self.public_keys)


@dataclass(frozen=True, slots=True)
class Endorsement:
    """Trustee `trustee`'s Ed25519 signature, under its ceremony signing key, on a credential
    list (spec 9.4)."""

    trustee: int
    signature: bytes


def endorsement_digest(credentials: CredentialList, transcript_hash: bytes) -> bytes:
    """What a trustee signs to endorse a credential list (spec 9.4): the election id, the
    ceremony transcript hash and the list hash."""
    return hash_bytes(
        CREDENTIAL_ENDORSEMENT, credentials.election, transcript_hash, credentials.list_hash()
    )


def check_endorsements(
    credentials: CredentialList,
    endorsements: Sequence[Endorsement],
    transcript_hash: bytes,
    signing_keys: Mapping[int, VerifyKey],
    threshold: int,
    *,
    published: bool = False,
) -> tuple[int, ...]:
    """The trustees whose endorsement verifies (spec 9.4); RefusedData unless at least
    `threshold` of the trustees in `signing_keys` (the qualified ones) endorsed the list.
    At most one endorsement per trustee counts. With `published` (the endorsements of a
    board's credentials entry, which carries only valid ones) every endorsement must verify:
    the record must not name a trustee as endorsing a list it did not sign."""
    return check_signatures(
        endorsement_digest(credentials, transcript_hash),
        endorsements,
        signing_keys,
        threshold,
        what="the credential list",
        published=published,
    )


def check_signatures(
    digest: bytes,
    endorsements: Sequence[Endorsement],
    signing_keys: Mapping[int, VerifyKey],
    threshold: int,
    *,
    what: str,
    published: bool,
) -> tuple[int, ...]:
    """The trustees whose signature on `digest` verifies: `check_endorsements` for any
    endorsed item (the list, spec 9.4; a supplement, spec 9.6)."""
    valid: set[int] = set()
    for endorsement in endorsements:
        key = signing_keys.get(endorsement.trustee)
        if key is None or endorsement.trustee in valid:
            if published:
                raise RefusedData(
                    f"the endorsement of trustee {endorsement.trustee} is not by a qualified "
                    "trustee (or repeats one)"
                )
            continue
        try:
            key.verify(endorsement.signature, digest)
        except InvalidSignature:
            if published:
                raise RefusedData(
                    f"the endorsement of trustee {endorsement.trustee} does not verify"
                ) from None
            continue
        valid.add(endorsement.trustee)
    if len(valid) < threshold:
        raise RefusedData(
            f"{what} is endorsed by {len(valid)} qualified trustee(s); "
            f"{threshold} are needed (votecrypt credentials sign)"
        )
    return tuple(sorted(valid))

"""Exponential ElGamal over the group (spec 4).

    keys:        s random, K = s*G
    encryption:  (alpha, beta) = (r*G, m*G + r*K)
    addition:    (alpha1 + alpha2, beta1 + beta2) encrypts m1 + m2
    decryption:  beta - s*alpha = m*G, then m by a bounded discrete log (spec 6.4)

With a threshold key, trustee i holds a share s_i and publishes the partial decryption
M_i = s_i * alpha (spec 12.2); `partial_decrypt` computes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from votecrypt.math.group import Group, Point
from votecrypt.math.scalar import Scalar


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential ElGamal ciphertext; `alpha` and `beta` are the spec's symbols."""

    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        if not isinstance(other, Ciphertext):
            return NotImplemented
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    @staticmethod
    def zero(group: Group) -> Ciphertext:
        """The neutral element of homomorphic addition, (identity, identity)."""
        return Ciphertext(group.identity, group.identity)

    @staticmethod
    def sum(group: Group, ciphertexts: list[Ciphertext]) -> Ciphertext:
        """The homomorphic sum of many ciphertexts, with two backend calls."""
        return Ciphertext(
            group.sum(ct.alpha for ct in ciphertexts), group.sum(ct.beta for ct in ciphertexts)
        )


class SecretKey:
    """A secret scalar s with its public key s*G. Never printed, pickled or serialised
    implicitly: `export_scalar()` is the one explicit way out (for the encrypted secret file).
    """

    __slots__ = ("_s", "public_key")
    _s: Scalar
    public_key: Point

    def __init__(self, s: Scalar, group: Group) -> None:
        if s.is_zero():
            raise ValueError("a secret key must be non-zero")
        object.__setattr__(self, "_s", s)
        object.__setattr__(self, "public_key", group.multiply_generator(s))

    @classmethod
    def generate(cls, group: Group) -> SecretKey:
        return cls(Scalar.random(), group)

    def export_scalar(self) -> Scalar:
        """The secret scalar itself. Only for code that encrypts it or computes with it."""
        return self._s

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("SecretKey is immutable")

    def __repr__(self) -> str:
        return f"SecretKey(public_key={self.public_key!r}, secret=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("secret keys cannot be pickled; export them explicitly and encrypted")


def encrypt_with_nonce(public_key: Point, m: int, nonce: Scalar) -> Ciphertext:
    """Encrypt m (0 <= m < n) with the given nonce r (spec 4.2).

    Deterministic: for recomputing a ciphertext from revealed nonces (challenged ballots) and
    for known-answer tests. To encrypt, use `encrypt`, which draws r from the CSPRNG.
    """
    group = public_key.group
    if type(m) is not int or not 0 <= m < group.order:
        raise ValueError("plaintext must be an int in [0, n)")
    alpha = group.multiply_generator(nonce)
    # m*G as (m+1)*G - G: the same multiplication and additions whatever m, so a blank row
    # (m = 0, whose m*G would be the identity, skipping work) takes the time of any other
    # (spec 18.1). m + 1 = n only for m = n - 1, never a ballot value.
    shifted = group.multiply_generator(Scalar((m + 1) % group.order))
    beta = (shifted + nonce * public_key) - group.generator
    return Ciphertext(alpha, beta)


def encrypt(public_key: Point, m: int) -> tuple[Ciphertext, Scalar]:
    """Encrypt m with a fresh random nonce; returns the ciphertext and the (secret) nonce."""
    nonce = Scalar.random()
    return encrypt_with_nonce(public_key, m, nonce), nonce


def decrypt_to_point(ciphertext: Ciphertext, secret_key: SecretKey) -> Point:
    """m*G = beta - s*alpha. Recovering m needs a bounded discrete log (spec 6.4)."""
    return ciphertext.beta - secret_key.export_scalar() * ciphertext.alpha


def partial_decrypt(alpha: Point, share: Scalar) -> Point:
    """A trustee's partial decryption M_i = s_i * alpha (spec 12.2)."""
    return share * alpha

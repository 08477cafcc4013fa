"""A trustee's share of the election secret key (spec 8.8, 12.2)."""

from __future__ import annotations

from typing import NoReturn

from votecrypt.math.group import Point
from votecrypt.math.scalar import Scalar


class KeyShare:
    """x_j of trustee j, with its public verification key K_j = x_j*G. Never printed or
    pickled."""

    __slots__ = ("_secret", "index", "verification_key")
    _secret: Scalar
    index: int
    verification_key: Point

    def __init__(self, index: int, secret: Scalar, verification_key: Point) -> None:
        if verification_key.group.multiply_generator(secret) != verification_key:
            raise ValueError("the key share does not match its verification key")
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "_secret", secret)
        object.__setattr__(self, "verification_key", verification_key)

    def export_scalar(self) -> Scalar:
        """x_j itself: only for computing partial decryptions."""
        return self._secret

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("KeyShare is immutable")

    def __repr__(self) -> str:
        return f"KeyShare(index={self.index}, verification_key={self.verification_key!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("key shares cannot be pickled")

"""Scalars: integers modulo the order n of secp256k1 (spec 2.2).

A `Scalar` is an immutable value with the field operations. Its canonical encoding is 32 bytes,
big-endian, with value < n; `from_canonical_bytes` accepts nothing else.

Scalars are often secret (keys, shares, nonces), so `repr` never shows the value. Use `hex()`
to display a public scalar on purpose.
"""

from __future__ import annotations

from votecrypt.errors import EncodingError
from votecrypt.math.randomness import random_below

#: Order of the secp256k1 group (spec 2.1, "n").
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

SCALAR_BYTES = 32


class Scalar:
    """An element of Z_n. Immutable and hashable; arithmetic is modulo n."""

    __slots__ = ("_value",)
    _value: int

    def __init__(self, value: int) -> None:
        """Wrap an integer that is already in [0, n); anything else is a programming error."""
        if type(value) is not int or not 0 <= value < N:
            raise ValueError("a scalar must be an int in [0, n)")
        object.__setattr__(self, "_value", value)

    @classmethod
    def reduce(cls, value: int) -> Scalar:
        """The scalar `value mod n` (for hash outputs and signed arithmetic)."""
        return cls(value % N)

    @classmethod
    def from_canonical_bytes(cls, data: bytes) -> Scalar:
        """Decode exactly 32 big-endian bytes holding a value < n (spec 2.3)."""
        if not isinstance(data, bytes):
            raise EncodingError("a scalar must be given as bytes")
        if len(data) != SCALAR_BYTES:
            raise EncodingError(f"a scalar is {SCALAR_BYTES} bytes, got {len(data)}")
        value = int.from_bytes(data, "big")
        if value >= N:
            raise EncodingError("scalar is not canonical: value >= n")
        return cls(value)

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random scalar in [1, n) from the operating system's CSPRNG."""
        return cls(random_below(N - 1) + 1)

    @property
    def value(self) -> int:
        return self._value

    def to_bytes(self) -> bytes:
        """The canonical 32-byte big-endian encoding (spec 2.3)."""
        return self._value.to_bytes(SCALAR_BYTES, "big")

    def hex(self) -> str:
        """Hex of the canonical encoding: for displaying public scalars deliberately."""
        return self.to_bytes().hex()

    def is_zero(self) -> bool:
        return self._value == 0

    def inverse(self) -> Scalar:
        """The multiplicative inverse; zero has none."""
        if self._value == 0:
            raise ZeroDivisionError("zero has no inverse modulo n")
        return Scalar(pow(self._value, -1, N))

    def __add__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return Scalar((self._value + other._value) % N)

    def __sub__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return Scalar((self._value - other._value) % N)

    def __mul__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return Scalar((self._value * other._value) % N)

    def __neg__(self) -> Scalar:
        return Scalar((-self._value) % N)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scalar):
            return NotImplemented
        return self._value == other._value

    def __hash__(self) -> int:
        return hash(("Scalar", self._value))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Scalar is immutable")

    def __repr__(self) -> str:
        return "Scalar(<redacted>)"

    def __reduce__(self) -> tuple[type[Scalar], tuple[int]]:
        # Pickling is needed to send public values to worker processes.
        return (Scalar, (self._value,))


ZERO = Scalar(0)
ONE = Scalar(1)

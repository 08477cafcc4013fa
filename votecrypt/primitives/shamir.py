"""Shamir sharing with Feldman commitments, and Lagrange interpolation at 0 (spec 8.1).

A dealer's polynomial f(x) = a_0 + a_1 x + ... + a_{t-1} x^{t-1} over Z_n; trustee j (indices
1..n) receives f(j); the commitments C_k = a_k * G let anyone check a share:
    f(j) * G == sum_k (j^k mod n) * C_k
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from votecrypt.math.group import Group, Point
from votecrypt.math.scalar import ONE, ZERO, Scalar


class Polynomial:
    """A dealer's secret polynomial. Never printed or pickled."""

    __slots__ = ("_coefficients",)
    _coefficients: tuple[Scalar, ...]

    def __init__(self, coefficients: Sequence[Scalar]) -> None:
        if not coefficients:
            raise ValueError("a polynomial needs at least one coefficient")
        object.__setattr__(self, "_coefficients", tuple(coefficients))

    @classmethod
    def random(cls, degree: int) -> Polynomial:
        return cls([Scalar.random() for _ in range(degree + 1)])

    @property
    def coefficients(self) -> tuple[Scalar, ...]:
        return self._coefficients

    def evaluate(self, x: int) -> Scalar:
        """f(x) by Horner's rule."""
        point = Scalar.reduce(x)
        result = ZERO
        for coefficient in reversed(self._coefficients):
            result = result * point + coefficient
        return result

    def commitments(self, group: Group) -> tuple[Point, ...]:
        """Feldman commitments C_k = a_k * G."""
        return tuple(group.multiply_generator(a) for a in self._coefficients)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Polynomial is immutable")

    def __repr__(self) -> str:
        return f"Polynomial(degree={len(self._coefficients) - 1}, coefficients=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("secret polynomials cannot be pickled")


def commitment_at(commitments: Sequence[Point], x: int) -> Point:
    """sum_k (x^k) * C_k: the public image f(x) * G of a share, from the commitments alone
    (public values: variable-time products, spec 18.2)."""
    group = commitments[0].group
    power = ONE
    base = Scalar.reduce(x)
    terms = []
    for commitment in commitments:
        terms.append(group.vartime_multiply(power, commitment))
        power = power * base
    return group.sum(terms)


def share_matches(share: Scalar, commitments: Sequence[Point], x: int) -> bool:
    """Whether share * G equals the committed value at x (Feldman check)."""
    group = commitments[0].group
    return group.multiply_generator(share) == commitment_at(commitments, x)


def lagrange_coefficient(index: int, indices: Sequence[int]) -> Scalar:
    """lambda_i = prod_{j != i} j / (j - i) mod n: interpolation at 0 over `indices`."""
    if len(set(indices)) != len(indices) or index not in indices:
        raise ValueError("indices must be distinct and contain the index")
    numerator = ONE
    denominator = ONE
    for other in indices:
        if other == index:
            continue
        numerator = numerator * Scalar.reduce(other)
        denominator = denominator * Scalar.reduce(other - index)
    return numerator * denominator.inverse()

"""The group: secp256k1 as an explicit value, with immutable points (spec 2).

`Group` is passed to everything that does group arithmetic; nothing reads a global setting.
`Point` values carry their group and support `P + Q`, `P - Q`, `-P`, `k * P` (k a `Scalar`).
The identity is a point like any other; its canonical encoding is 33 zero bytes (spec 2.3),
accepted by the decoder only where the caller allows it.

    group = secp256k1()                  # the default, libsecp256k1-backed group
    reference = secp256k1("py_ecc")      # the pure-Python reference, same results
    K = k * group.generator
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from votecrypt.errors import EncodingError
from votecrypt.math.backends import BACKENDS, POINT_BYTES, Backend
from votecrypt.math.scalar import N, Scalar

#: One row for Group.prove_points: lane values m, nonces r, challenges c_j, responses z_{j,l}.
ProverRow = tuple[Sequence[int], Sequence[Scalar], Sequence[Scalar], Sequence[Sequence[Scalar]]]

#: The canonical encoding of the identity (spec 2.3).
IDENTITY_BYTES = bytes(POINT_BYTES)

DEFAULT_BACKEND = "coincurve"


class Group:
    """secp256k1 (prime order n, cofactor 1) computed by one backend."""

    __slots__ = ("_backend", "generator", "identity", "name", "order")

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.name = "secp256k1"
        self.order = N
        self.identity = Point(self, None)
        self.generator = Point(self, backend.generator())

    @property
    def backend_name(self) -> str:
        return self._backend.name

    def point_from_canonical_bytes(self, data: bytes, *, allow_identity: bool = False) -> Point:
        """Decode a 33-byte SEC1 compressed point (spec 2.3), strictly.

        Rejects: a non-bytes value, a wrong length, a prefix other than 02/03, an x-coordinate
        not below p or not on the curve, and the identity unless `allow_identity` is set.
        """
        if not isinstance(data, bytes):
            raise EncodingError("a point must be given as bytes")
        if len(data) != POINT_BYTES:
            raise EncodingError(f"a point is {POINT_BYTES} bytes, got {len(data)}")
        if data == IDENTITY_BYTES:
            if not allow_identity:
                raise EncodingError("the identity point is not allowed here")
            return self.identity
        if data[0] not in (2, 3):
            raise EncodingError("a point encoding must start with 02 or 03")
        return Point(self, self._backend.decode(data), data)

    def multiply_generator(self, k: Scalar) -> Point:
        """k * G, using the backend's fixed-base (constant-time in libsecp256k1) code."""
        if k.is_zero():
            return self.identity
        return Point(self, self._backend.multiply_generator(k.value))

    def vartime_multiply(self, k: Scalar, point: Point) -> Point:
        """k*point in variable time: only for public values (spec 18.2); `k * point` is the
        constant-time product (spec 18.1)."""
        self._check_member(point)
        if k.is_zero() or point._native is None:
            return self.identity
        return Point(self, self._backend.vartime_multiply(point._native, k.value))

    def vartime_double_multiply(self, a: Scalar, point: Point, b: Scalar) -> Point:
        """a*point + b*G in one pass, in variable time: only for public values (spec 18.2)."""
        self._check_member(point)
        if point._native is None:
            return self.multiply_generator(b)
        native = self._backend.vartime_double_multiply(
            point._native, point.to_bytes(), a.value, b.value
        )
        return Point(self, native)

    def vartime_multi_multiply(self, scalars: Sequence[Scalar], points: Sequence[Point]) -> Point:
        """sum(k_i * P_i) in variable time: only for public values (the batch check of spec
        5.7, 18.2). One backend call for all the terms, however many."""
        if len(scalars) != len(points):
            raise ValueError("one scalar per point")
        natives, values = [], []
        for k, point in zip(scalars, points, strict=True):
            if type(point) is not Point or point._group is not self:
                self._check_member(point)  # (inline for the common case: hundreds of terms)
            value = k.value
            if point._native is not None and value:
                natives.append(point._native)
                values.append(value)
        if not natives:
            return self.identity
        return Point(self, self._backend.vartime_multi_multiply(natives, values))

    def vartime_fixed_base(self, point: Point) -> FixedBase:
        """A precomputed table for multiplying `point` fast, in variable time: only for public
        points and scalars (spec 18.2)."""
        self._check_member(point)
        if point.is_identity():
            raise ValueError("no table for the identity")
        return FixedBase(self, point, self._backend.vartime_table(point._native))

    def prove_points(
        self,
        key: Point,
        vectors: Sequence[Sequence[int]],
        rows: Sequence[ProverRow],
    ) -> list[Point] | None:
        """For each row (m, r, c, z) of lane values m, nonces r, one challenge c_j per vector
        and responses z_{j,l}: alpha_l = r_l*G and beta_l = r_l*K + m_l*G for every lane, then
        a = (z - c*r)*G and b = (z - c*r)*K + c*(v - m)*G for every vector v (branch) and
        lane, in that order, K = key (spec 5.3, 18.1). In constant time: m, r, and the true
        branch (given c = 0 and z = w) are secret. None where the backend leaves this to the
        general path (no native helper, or a zero multiplier or identity among the results).
        """
        self._check_member(key)
        if key.is_identity() or not rows or not vectors:
            return None
        branches, lanes = len(vectors), len(vectors[0])
        if any(len(vector) != lanes for vector in vectors):
            raise ValueError("the allowed vectors must have one value per lane")
        values = [v for vector in vectors for v in vector]
        secrets: list[int] = []
        for m, r, c, z in rows:
            if not (len(m) == len(r) == lanes and len(c) == len(z) == branches) or any(
                len(z_j) != lanes for z_j in z
            ):
                raise ValueError(
                    "a row needs one value and nonce per lane, and one challenge "
                    "and a response per lane for every vector"
                )
            secrets.extend(m)
            secrets.extend(k.value for k in r)
            secrets.extend(k.value for k in c)
            secrets.extend(k.value for z_j in z for k in z_j)
        shape = (len(rows), lanes, branches)
        result = self._backend.prove_points(key._native, shape, values, secrets)
        secrets.clear()
        if result is None:
            return None
        return [Point(self, native, encoded) for native, encoded in result]

    def sum(self, points: Iterable[Point]) -> Point:
        """The sum of many points with one backend call where possible."""
        natives = []
        for point in points:
            self._check_member(point)
            if point._native is not None:
                natives.append(point._native)
        return Point(self, self._backend.add_many(natives))

    def x_prefixes(self, start: Point, step: Point, count: int) -> list[int]:
        """For i in [0, count): the first 8 bytes of the x-coordinate of start + i*step, as an
        integer, or -1 where that point is the identity. For the discrete-log step (spec 6.4),
        on public values only."""
        self._check_member(start)
        self._check_member(step)
        if step.is_identity():
            raise ValueError("the step of a walk must not be the identity")
        return self._backend.x_prefixes(start._native, step._native, count)

    def _check_member(self, point: object) -> None:
        if not isinstance(point, Point) or (point._group is not self and point._group != self):
            raise TypeError("operand is not a point of this group")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return self._backend.name == other._backend.name

    def __hash__(self) -> int:
        return hash(("Group", self._backend.name))

    def __repr__(self) -> str:
        return f"Group(secp256k1, backend={self._backend.name!r})"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (secp256k1, (self._backend.name,))


class Point:
    """A point of a `Group`. Immutable and hashable; equality is equality of encodings."""

    __slots__ = ("_encoded", "_group", "_native")
    _group: Group
    _native: Any
    _encoded: bytes | None

    def __init__(self, group: Group, native: Any, encoded: bytes | None = None) -> None:
        # Internal: use Group.point_from_canonical_bytes, the group's constants, or arithmetic.
        object.__setattr__(self, "_group", group)
        object.__setattr__(self, "_native", native)
        object.__setattr__(self, "_encoded", encoded)

    @property
    def group(self) -> Group:
        return self._group

    def is_identity(self) -> bool:
        return self._native is None

    def to_bytes(self) -> bytes:
        """The canonical 33-byte encoding (spec 2.3); 33 zero bytes for the identity."""
        encoded = self._encoded
        if encoded is None:
            native = self._native
            encoded = IDENTITY_BYTES if native is None else self._group._backend.encode(native)
            object.__setattr__(self, "_encoded", encoded)
        return encoded

    def hex(self) -> str:
        return self.to_bytes().hex()

    def _same_group(self, other: Point) -> None:
        if other._group is not self._group and other._group != self._group:
            raise TypeError("points belong to different groups (backends)")

    def __add__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        self._same_group(other)
        return Point(self._group, self._group._backend.add(self._native, other._native))

    def __neg__(self) -> Point:
        if self._native is None:
            return self
        return Point(self._group, self._group._backend.negate(self._native))

    def __sub__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return self + (-other)

    def __rmul__(self, k: Scalar) -> Point:
        if not isinstance(k, Scalar):
            return NotImplemented
        group = self._group
        if self is group.generator:
            return group.multiply_generator(k)
        if k.is_zero() or self._native is None:
            return group.identity
        return Point(group, group._backend.multiply(self._native, k.value))

    def __mul__(self, k: Scalar) -> Point:
        return self.__rmul__(k)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return self._group == other._group and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Point is immutable")

    def __repr__(self) -> str:
        return f"Point({self.to_bytes().hex()})"

    def __reduce__(self) -> tuple[Any, tuple[str, bytes]]:
        # Points cross process boundaries (verification pools) as their canonical encoding.
        return (_point_from_pickle, (self._group.backend_name, self.to_bytes()))


class FixedBase:
    """A public point with a table of its multiples (Group.vartime_fixed_base)."""

    __slots__ = ("_group", "_table", "point")

    def __init__(self, group: Group, point: Point, table: Any) -> None:
        self._group = group
        self._table = table
        self.point = point

    def vartime_multiply(self, k: Scalar, plus: Iterable[Point] = ()) -> Point:
        """k*point + sum(plus), in variable time (public values only)."""
        extra = []
        for point in plus:
            self._group._check_member(point)
            extra.append(point._native)
        native = self._group._backend.vartime_table_multiply(self._table, k.value, extra)
        return Point(self._group, native)

    def vartime_commitments(
        self, c: Scalar, z: Scalar, alpha: Point, shifted: Point
    ) -> tuple[bytes, bytes]:
        """The encodings of z*G - c*alpha and z*point - c*shifted, in variable time (public
        values only; the commitments a and b of a proof branch, spec 5.3, 18.2): the same
        bytes as computing the two points and encoding them, with fewer objects on the way."""
        group = self._group
        group._check_member(alpha)
        group._check_member(shifted)
        if not (c.is_zero() or z.is_zero() or alpha.is_identity() or shifted.is_identity()):
            pair = group._backend.vartime_commitments(
                self._table, alpha._native, alpha.to_bytes(), shifted._native, c.value, z.value
            )
            if pair is not None:
                return pair
        minus_c = -c
        a = group.vartime_double_multiply(minus_c, alpha, z)
        b = self.vartime_multiply(z, (group.vartime_multiply(minus_c, shifted),))
        return a.to_bytes(), b.to_bytes()

    def __repr__(self) -> str:
        return f"FixedBase({self.point!r})"


def _point_from_pickle(backend_name: str, data: bytes) -> Point:
    return secp256k1(backend_name).point_from_canonical_bytes(data, allow_identity=True)


def secp256k1(backend: str = DEFAULT_BACKEND) -> Group:
    """The secp256k1 group computed by the named backend ("coincurve" or "py_ecc")."""
    try:
        factory = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown group backend {backend!r}; known: {sorted(BACKENDS)}") from None
    return _GROUPS.setdefault(backend, Group(factory()))


# One Group value per backend: a group is a constant, so every call returns the same value
# (cheap unpickling in worker processes). It holds no mutable state.
_GROUPS: dict[str, Group] = {}

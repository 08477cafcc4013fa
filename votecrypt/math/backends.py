"""The two implementations of secp256k1 behind the `Group` API (spec 2.4).

A backend works on its own native point type and uses `None` for the identity, which
libsecp256k1 cannot represent. Backends receive only valid inputs: `Group` and `Point` do the
checking, so a backend is a thin, auditable adapter.

- `CoincurveBackend` (default): libsecp256k1 through coincurve. Scalar multiplications use the
  library's constant-time code paths (spec 18.1); the variable-time helpers for public values
  call the library's C functions directly, through coincurve's compiled interface (spec 18.2).
- `PyEccBackend` (reference): py_ecc's pure-Python arithmetic. About 50 times slower, easy to
  audit; the test suite shows both give byte-identical results.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import getitem
from typing import Any, Protocol

import coincurve
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from py_ecc.secp256k1 import secp256k1 as pyecc

from votecrypt.errors import EncodingError, UnsupportedPlatform
from votecrypt.math import native, native_prove
from votecrypt.math.scalar import N

#: Field prime of secp256k1 (spec 2.1, "p").
P = 2**256 - 2**32 - 977
#: The generator's coordinates (spec 2.1, "G").
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

POINT_BYTES = 33

#: From this many terms a multi-scalar multiplication uses buckets (measured in benchmarks/).
_PIPPENGER_FROM = 1600


class Backend(Protocol):
    """What a group backend provides. Native points are opaque; `None` is the identity."""

    name: str

    def generator(self) -> Any: ...

    def decode(self, data: bytes) -> Any:
        """Parse a 33-byte SEC1 compressed encoding of a non-identity point, or raise."""
        ...

    def encode(self, point: Any) -> bytes:
        """The 33-byte compressed encoding of a non-identity point."""
        ...

    def add(self, a: Any, b: Any) -> Any: ...

    def add_many(self, points: Sequence[Any]) -> Any:
        """Sum of non-identity points (an empty sum is the identity)."""
        ...

    def negate(self, a: Any) -> Any: ...

    def multiply(self, a: Any, k: int) -> Any:
        """k * a for a non-identity point and 0 < k < n, in constant time (secret k)."""
        ...

    def vartime_multiply(self, a: Any, k: int) -> Any:
        """k * a for a non-identity point and 0 < k < n; variable time (public values only)."""
        ...

    def multiply_generator(self, k: int) -> Any:
        """k * G for 0 < k < n."""
        ...

    def vartime_double_multiply(self, point: Any, encoded: bytes, a: int, b: int) -> Any:
        """a * point + b * G for a non-identity point (`encoded` is its encoding); variable
        time (public values only)."""
        ...

    def vartime_table(self, point: Any) -> Any:
        """A precomputed table of multiples of a non-identity point (public values only)."""
        ...

    def vartime_commitments(
        self, table: Any, alpha: Any, alpha_encoded: bytes, shifted: Any, c: int, z: int
    ) -> tuple[bytes, bytes] | None:
        """(z*G - c*alpha, z*T - c*shifted) encoded, T the table's point, for c, z in [1, n)
        and alpha, shifted not the identity; None where a case needs the general path."""
        ...

    def prove_points(
        self, key: Any, shape: tuple[int, int, int], values: list[int], secrets: list[int]
    ) -> list[tuple[Any, bytes]] | None:
        """The encryptions and proof commitments of native/prove.c for `shape` = (rows, lanes,
        branches), each point with its encoding, in constant time (secret inputs); None where
        the backend has no such helper or leaves a case to the general path."""
        ...

    def x_prefixes(self, start: Any, step: Any, count: int) -> list[int]:
        """The first 8 bytes of the x-coordinate, as an integer, of start + i*step for i in
        [0, count); -1 for the identity (the walk of the discrete-log step, spec 6.4)."""
        ...

    def vartime_table_multiply(self, table: Any, k: int, extra: Sequence[Any]) -> Any:
        """k * point + sum(extra) from a table of `vartime_table`."""
        ...

    def vartime_multi_multiply(self, points: Sequence[Any], scalars: Sequence[int]) -> Any:
        """sum(k_i * P_i) for non-identity points and scalars in [0, n), as many as given;
        variable time (public values only; the batch check of spec 5.7)."""
        ...


class CoincurveBackend:
    """libsecp256k1 through coincurve. Native type: `coincurve.PublicKey`."""

    name = "coincurve"

    def __init__(self) -> None:
        self._generator = coincurve.PublicKey.from_point(GX, GY)
        self._ctx = GLOBAL_CONTEXT.ctx
        self._msm = native.load()  # the optional accelerator (spec 18.2), or None
        self._prover = native_prove.load()  # its constant-time prover helper (18.1), or None

    def generator(self) -> coincurve.PublicKey:
        return self._generator

    def decode(self, data: bytes) -> coincurve.PublicKey:
        try:
            return coincurve.PublicKey(data)
        except (ValueError, TypeError) as exc:
            raise EncodingError("not a point on secp256k1") from exc

    def encode(self, point: coincurve.PublicKey) -> bytes:
        return point.format(compressed=True)

    def add(self, a: coincurve.PublicKey | None, b: coincurve.PublicKey | None) -> Any:
        if a is None:
            return b
        if b is None:
            return a
        return self.add_many((a, b))

    def add_many(self, points: Sequence[coincurve.PublicKey]) -> Any:
        if not points:
            return None
        if len(points) == 1:
            return points[0]
        try:
            return coincurve.PublicKey.combine_keys(list(points))
        except ValueError:
            # libsecp256k1 refuses a sum equal to the identity; that is the only way
            # combining valid points can fail.
            return None

    def negate(self, a: coincurve.PublicKey) -> coincurve.PublicKey:
        data = a.format(compressed=True)
        return coincurve.PublicKey(bytes((data[0] ^ 1,)) + data[1:])

    def multiply(self, a: coincurve.PublicKey, k: int) -> coincurve.PublicKey:
        # libsecp256k1's only constant-time multiplication of an arbitrary point is inside
        # ECDH (secp256k1_ecmult_const); its hash function is given the product's coordinates,
        # and ours copies them out. (`PublicKey.multiply`, the tweak, runs the variable-time
        # secp256k1_ecmult: it is for public values only, see vartime_multiply.)
        output = ffi.new("unsigned char[65]")
        output[0] = 4  # the SEC1 uncompressed prefix; x and y follow
        if not lib.secp256k1_ecdh(
            self._ctx,
            output + 1,
            a.public_key,
            k.to_bytes(32, "big"),
            _copy_coordinates(),
            ffi.NULL,
        ):
            raise ValueError("libsecp256k1 refused the product (the scalar must be in [1, n))")
        return coincurve.PublicKey(ffi.buffer(output)[:])

    def vartime_multiply(self, a: coincurve.PublicKey, k: int) -> coincurve.PublicKey:
        return a.multiply(k.to_bytes(32, "big"))

    def multiply_generator(self, k: int) -> coincurve.PublicKey:
        return coincurve.PublicKey.from_valid_secret(k.to_bytes(32, "big"))

    def vartime_double_multiply(
        self, point: coincurve.PublicKey, encoded: bytes, a: int, b: int
    ) -> Any:
        # libsecp256k1 computes u1*R + u2*G in one variable-time pass when it recovers an
        # ECDSA public key: Q = r^-1 * (s*R - e*G), where R has x-coordinate r (+ n if bit 1
        # of recid) and parity recid & 1. With s = a*r and e = -b*r, Q = a*R + b*G.
        # The C functions are called directly (coincurve's wrappers cost a tenth of the time).
        if a == 0:
            return self.multiply_generator(b) if b else None
        if b == 0:
            return self.vartime_multiply(point, a)  # cheaper than a recovery
        x = int.from_bytes(encoded[1:], "big")
        r = x % N
        recid = (encoded[0] & 1) | (2 if x >= N else 0)
        signature = ffi.new("secp256k1_ecdsa_recoverable_signature *")
        result = ffi.new("secp256k1_pubkey *")
        if lib.secp256k1_ecdsa_recoverable_signature_parse_compact(
            self._ctx, signature, r.to_bytes(32, "big") + (a * r % N).to_bytes(32, "big"), recid
        ) and lib.secp256k1_ecdsa_recover(
            self._ctx, result, signature, (-b * r % N).to_bytes(32, "big")
        ):
            return coincurve.PublicKey(result)
        # r = 0 (x = n is on the curve, and anyone can publish such a point) or a result of O.
        return self.add(self.vartime_multiply(point, a), self.multiply_generator(b))

    def vartime_table(self, point: coincurve.PublicKey) -> _Table:
        # 32 windows of 8 bits: entry (w, d) = d * 2^(8w) * point, for d in 1..255, stored
        # contiguously in libsecp256k1's own point format.
        entries = ffi.new("secp256k1_pubkey[]", 32 * 255)
        base = point
        for w in range(32):
            current = base
            for d in range(255):
                entries[w * 255 + d] = current.public_key[0]
                if d < 254:
                    current = coincurve.PublicKey.combine_keys([current, base])
            if w < 31:
                base = self.vartime_multiply(base, 256)
        return _Table(entries)

    def vartime_table_multiply(self, table: _Table, k: int, extra: Sequence[Any]) -> Any:
        digits = k.to_bytes(32, "little")
        if 0 in digits:
            rows = table.rows
            points = [rows[w][d] for w, d in enumerate(digits) if d]
        else:  # the common case (each digit is 0 with probability 1/256): one loop in C
            points = list(map(getitem, table.rows, digits))
        points.extend([p.public_key for p in extra if p is not None])
        if not points:
            return None
        result = ffi.new("secp256k1_pubkey *")
        if not lib.secp256k1_ec_pubkey_combine(self._ctx, result, points, len(points)):
            return None  # the sum is the identity
        return coincurve.PublicKey(result)

    def vartime_multi_multiply(
        self, points: Sequence[coincurve.PublicKey], scalars: Sequence[int]
    ) -> Any:
        if self._msm is not None:
            result = self._msm.multiply(points, scalars, self._generator)
            if result is not False:
                return result
        return self._pure_multi_multiply(points, scalars)

    def vartime_commitments(
        self,
        table: _Table,
        alpha: coincurve.PublicKey,
        alpha_encoded: bytes,
        shifted: coincurve.PublicKey,
        c: int,
        z: int,
    ) -> tuple[bytes, bytes] | None:
        # a by an ECDSA recovery as in vartime_double_multiply (Q = r^-1 (s*R - e*G) with
        # s = -c*r, e = -z*r), b as the table's sum with -c*shifted; each serialised straight
        # from libsecp256k1's point format, with no wrapper objects.
        ctx = self._ctx
        x = int.from_bytes(alpha_encoded[1:], "big")
        r = x % N
        if r == 0:
            return None
        recid = (alpha_encoded[0] & 1) | (2 if x >= N else 0)
        signature = ffi.new("secp256k1_ecdsa_recoverable_signature *")
        points = ffi.new("secp256k1_pubkey[3]")  # a, -c*shifted, b
        output = ffi.new("unsigned char[66]")
        length = ffi.new("size_t *", 33)
        if not (
            lib.secp256k1_ecdsa_recoverable_signature_parse_compact(
                ctx, signature, r.to_bytes(32, "big") + (-c * r % N).to_bytes(32, "big"), recid
            )
            and lib.secp256k1_ecdsa_recover(
                ctx, points, signature, (-z * r % N).to_bytes(32, "big")
            )
        ):
            return None  # a is the identity
        points[1] = shifted.public_key[0]
        if not lib.secp256k1_ec_pubkey_tweak_mul(ctx, points + 1, (N - c).to_bytes(32, "big")):
            return None
        digits = z.to_bytes(32, "little")
        if 0 in digits:
            rows = table.rows
            terms = [rows[w][d] for w, d in enumerate(digits) if d]
        else:
            terms = list(map(getitem, table.rows, digits))
        terms.append(points + 1)
        if not lib.secp256k1_ec_pubkey_combine(ctx, points + 2, terms, len(terms)):
            return None  # b is the identity
        compressed = lib.SECP256K1_EC_COMPRESSED
        lib.secp256k1_ec_pubkey_serialize(ctx, output, length, points, compressed)
        length[0] = 33
        lib.secp256k1_ec_pubkey_serialize(ctx, output + 33, length, points + 2, compressed)
        data = ffi.buffer(output)[:]
        return data[:33], data[33:]

    def prove_points(
        self,
        key: coincurve.PublicKey,
        shape: tuple[int, int, int],
        values: list[int],
        secrets: list[int],
    ) -> list[tuple[coincurve.PublicKey, bytes]] | None:
        prover = self._prover
        if prover is None:
            return None
        # The one buffer of secrets handed to C, cleared by `prove` after the call (the ints
        # and the bytes made from them on the way cannot be, spec 18.1).
        buffer = bytearray(32 * len(secrets))
        for i, k in enumerate(secrets):
            buffer[32 * i : 32 * i + 32] = k.to_bytes(32, "big")
        result = prover.prove(key, shape, native_prove.scalars(values), buffer)
        return None if isinstance(result, int) else result

    def _pure_multi_multiply(
        self, points: Sequence[coincurve.PublicKey], scalars: Sequence[int]
    ) -> Any:
        # libsecp256k1 exports no multi-scalar multiplication (A.8), so this one is built from
        # what it exports: a scalar above n/2 becomes n - k on the negated point (the weights
        # of a batch are 128 bits, so their negations stay short), then few terms are
        # multiplied one by one, many by Pippenger's buckets with 8-bit digits, every sum of a
        # bucket one call of secp256k1_ec_pubkey_combine.
        ctx = self._ctx
        count = len(points)
        if count != len(scalars):
            raise ValueError("one scalar per point")
        copies = ffi.new("secp256k1_pubkey[]", max(count, 1))
        magnitudes = []
        half = N // 2
        for i, (point, k) in enumerate(zip(points, scalars, strict=True)):
            copies[i] = point.public_key[0]
            if k > half:
                lib.secp256k1_ec_pubkey_negate(ctx, copies + i)
                k = N - k
            magnitudes.append(k)
        if count < _PIPPENGER_FROM:
            terms = []
            tweak = lib.secp256k1_ec_pubkey_tweak_mul
            for i, k in enumerate(magnitudes):
                # (the Group passes no zero scalar; tweak_mul refuses only k = 0)
                if k == 1 or (k and tweak(ctx, copies + i, k.to_bytes(32, "big"))):
                    terms.append(copies + i)
            return self._combine(terms)
        return self._pippenger(copies, magnitudes)

    def _combine(self, terms: list[Any]) -> coincurve.PublicKey | None:
        """The sum of libsecp256k1 points given by pointer; None for the identity."""
        if not terms:
            return None
        result = ffi.new("secp256k1_pubkey *")
        if not lib.secp256k1_ec_pubkey_combine(self._ctx, result, terms, len(terms)):
            return None  # the sum is the identity
        return coincurve.PublicKey(result)

    def _pippenger(self, copies: Any, magnitudes: list[int]) -> coincurve.PublicKey | None:
        ctx = self._ctx
        combine = lib.secp256k1_ec_pubkey_combine
        width = (max(magnitudes).bit_length() + 7) // 8
        digits = [k.to_bytes(width, "little") for k in magnitudes]
        pointers = [copies + i for i in range(len(magnitudes))]
        buckets_sum = ffi.new("secp256k1_pubkey[256]")
        planes = ffi.new("secp256k1_pubkey[8]")
        window_sum = ffi.new("secp256k1_pubkey *")
        accumulator = ffi.new("secp256k1_pubkey *")
        started = False
        shift = (256).to_bytes(32, "big")
        for column in reversed(list(zip(*digits, strict=True))):
            # accumulator = 256 * accumulator + sum over digits d of d * (bucket d)
            if started and not lib.secp256k1_ec_pubkey_tweak_mul(ctx, accumulator, shift):
                started = False  # cannot happen: 256 * P is O only for P = O
            buckets: list[list[Any]] = [[] for _ in range(256)]
            for pointer, digit in zip(pointers, column, strict=True):
                buckets[digit].append(pointer)
            filled = []
            for d in range(1, 256):
                bucket = buckets[d]
                if bucket and combine(ctx, buckets_sum + d, bucket, len(bucket)):
                    filled.append(d)
            # sum_d d * B_d = sum_t 2^t * (sum of the B_d with bit t of d set)
            terms = []
            for t in range(8):
                plane = [buckets_sum + d for d in filled if d >> t & 1]
                if plane and combine(ctx, planes + t, plane, len(plane)):
                    terms.extend([planes + t] * (1 << t))
            if started:
                terms.append(accumulator)
            if terms and combine(ctx, window_sum, terms, len(terms)):
                accumulator[0] = window_sum[0]
                started = True
            else:
                started = False
        return coincurve.PublicKey(accumulator) if started else None

    def x_prefixes(
        self, start: coincurve.PublicKey | None, step: coincurve.PublicKey, count: int
    ) -> list[int]:
        # One libsecp256k1 addition and one serialisation per point, called directly: the
        # wrappers would cost as much again.
        ctx = self._ctx
        combine, serialize = lib.secp256k1_ec_pubkey_combine, lib.secp256k1_ec_pubkey_serialize
        compressed = lib.SECP256K1_EC_COMPRESSED
        current = ffi.new("secp256k1_pubkey *")
        following = ffi.new("secp256k1_pubkey *")
        pair = ffi.new("secp256k1_pubkey *[2]", [current, step.public_key])
        output = ffi.new("unsigned char[33]")
        length = ffi.new("size_t *")
        view = ffi.buffer(output)
        from_bytes = int.from_bytes
        identity = True
        if start is not None:
            current[0] = start.public_key[0]
            identity = False
        prefixes = [-1] * count
        for i in range(count):
            if identity:
                current[0] = step.public_key[0]
                identity = False
                continue
            length[0] = 33
            serialize(ctx, output, length, current, compressed)
            prefixes[i] = from_bytes(view[1:9], "big")
            if combine(ctx, following, pair, 2):
                current[0] = following[0]
            else:  # current + step is the identity
                identity = True
        return prefixes


def _coordinates(output: Any, x32: Any, y32: Any, data: Any) -> int:
    """An ECDH "hash function" that returns the shared point itself: x then y (64 bytes)."""
    ffi.memmove(output, x32, 32)
    ffi.memmove(output + 32, y32, 32)
    return 1


@functools.cache
def _copy_coordinates() -> Any:
    """`_coordinates` as a C function pointer, made on first use: a computer that forbids the
    executable memory a callback needs (some hardened macOS and SELinux set-ups) then fails
    the first product by a secret, with one clear error, rather than every import."""
    try:
        return ffi.callback(
            "int(unsigned char *, unsigned char *, unsigned char *, void *)", _coordinates
        )
    except MemoryError:
        raise UnsupportedPlatform(
            "this computer forbids the callback that libsecp256k1's constant-time "
            "multiplication needs (spec 18.1); use another computer for this step"
        ) from None


class _Table:
    """A fixed-base table in libsecp256k1's point format, with a pointer to every entry."""

    __slots__ = ("entries", "rows")

    def __init__(self, entries: Any) -> None:
        self.entries = entries  # owns the memory
        # rows[w][d] points at entry (w, d) inside `entries` and does not keep it alive: the
        # pointers must never be used apart from this object.
        self.rows = [[None] + [entries + (w * 255 + d) for d in range(255)] for w in range(32)]


class PyEccBackend:
    """py_ecc's pure-Python secp256k1. Native type: an affine (x, y) tuple of ints."""

    name = "py_ecc"

    def generator(self) -> tuple[int, int]:
        return (GX, GY)

    def decode(self, data: bytes) -> tuple[int, int]:
        # SEC1 2.3.4 with the checks spelled out (Group has checked length and prefix):
        # x < p, and x^3 + 7 a square mod p.
        x = int.from_bytes(data[1:], "big")
        if x >= P:
            raise EncodingError("point x-coordinate is not reduced modulo p")
        y_squared = (pow(x, 3, P) + 7) % P
        y = pow(y_squared, (P + 1) // 4, P)  # p = 3 (mod 4)
        if y * y % P != y_squared:
            raise EncodingError("not a point on secp256k1")
        if y & 1 != data[0] & 1:
            y = P - y
        return (x, y)

    def encode(self, point: tuple[int, int]) -> bytes:
        x, y = point
        return bytes((2 | (y & 1),)) + x.to_bytes(32, "big")

    def add(self, a: tuple[int, int] | None, b: tuple[int, int] | None) -> Any:
        if a is None:
            return b
        if b is None:
            return a
        return self._from_pyecc(pyecc.add(a, b))

    def add_many(self, points: Sequence[tuple[int, int]]) -> Any:
        total: tuple[int, int] | None = None
        for point in points:
            total = self.add(total, point)
        return total

    def negate(self, a: tuple[int, int]) -> tuple[int, int]:
        return (a[0], (P - a[1]) % P)

    def multiply(self, a: tuple[int, int], k: int) -> Any:
        return self._from_pyecc(pyecc.multiply(a, k))

    def vartime_multiply(self, a: tuple[int, int], k: int) -> Any:
        return self.multiply(a, k)

    def multiply_generator(self, k: int) -> Any:
        return self._from_pyecc(pyecc.multiply((GX, GY), k))

    def vartime_double_multiply(
        self, point: tuple[int, int], encoded: bytes, a: int, b: int
    ) -> Any:
        first = self.multiply(point, a) if a else None
        return self.add(first, self.multiply_generator(b) if b else None)

    def vartime_table(self, point: tuple[int, int]) -> tuple[int, int]:
        return point  # the reference backend keeps no table

    def vartime_commitments(
        self,
        table: tuple[int, int],
        alpha: tuple[int, int],
        alpha_encoded: bytes,
        shifted: tuple[int, int],
        c: int,
        z: int,
    ) -> tuple[bytes, bytes] | None:
        return None  # the general path: the reference backend has nothing to fuse

    def prove_points(
        self, key: Any, shape: tuple[int, int, int], values: list[int], secrets: list[int]
    ) -> None:
        return None  # the general path

    def x_prefixes(
        self, start: tuple[int, int] | None, step: tuple[int, int], count: int
    ) -> list[int]:
        prefixes = []
        current = start
        for _ in range(count):
            prefixes.append(-1 if current is None else current[0] >> 192)
            current = self.add(current, step)
        return prefixes

    def vartime_table_multiply(self, table: tuple[int, int], k: int, extra: Sequence[Any]) -> Any:
        first = self.multiply(table, k) if k else None
        return self.add_many([p for p in (first, *extra) if p is not None])

    def vartime_multi_multiply(
        self, points: Sequence[tuple[int, int]], scalars: Sequence[int]
    ) -> Any:
        if len(points) != len(scalars):
            raise ValueError("one scalar per point")
        products = (self.multiply(a, k) for a, k in zip(points, scalars, strict=True) if k)
        return self.add_many([p for p in products if p is not None])

    @staticmethod
    def _from_pyecc(point: tuple[int, int]) -> tuple[int, int] | None:
        # py_ecc returns (0, 0), which is not on the curve, for the identity.
        return None if point == (0, 0) else point


BACKENDS: dict[str, type[CoincurveBackend] | type[PyEccBackend]] = {
    "coincurve": CoincurveBackend,
    "py_ecc": PyEccBackend,
}


def _check_parameters() -> None:
    """Check the curve constants at import: G is on y^2 = x^3 + 7 and matches py_ecc's."""
    if (GY * GY - GX**3 - 7) % P != 0 or (pyecc.P, pyecc.N, pyecc.G) != (P, N, (GX, GY)):
        raise RuntimeError("secp256k1 parameters are inconsistent")


_check_parameters()

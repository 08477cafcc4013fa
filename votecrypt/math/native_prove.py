"""The optional native prover helper (spec 18.1, A.45): a ballot's encryptions and proof
commitments in one call, in constant time.

`native/build.py` compiles `native/prove.c` into the same library as the multi-scalar
multiplication (`native.py`). Given a row's choice `m`, nonces `r` and the prover's random
challenges and responses (with `c = 0` and `z = w` at the true branch), it computes
`alpha = r*G`, `beta = r*K + m*G`, `a = (z - c*r)*G` and `b = (z - c*r)*K + c*(v - m)*G` with
libsecp256k1's constant-time comb (`secp256k1_ecmult_gen`, for `K` over a table of `K` made by
the library's own `secp256k1_ecmult_gen_compute_table`): the same points the pure path
computes as `z*G - c*alpha` and `z*K - c*(beta - v*G)`.

It is used only where the library passed native.py's checks (same point format as coincurve,
one known sum) and the known row below; `VOTECRYPT_NATIVE=0` turns it off with the rest.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

import coincurve
from coincurve._libsecp256k1 import ffi as coincurve_ffi

from votecrypt.math import native
from votecrypt.math.randomness import blinding_seed
from votecrypt.math.scalar import N

_CDEF = """
int votecrypt_prove(void *key, const char *table, size_t rows, size_t lanes, size_t branches,
                     const char *values, const char *secrets, const char *seed,
                     void *storage, char *encoded);
int votecrypt_prove_table(void *key, char *table);
size_t votecrypt_prove_table_size(void);
"""
#: Tables of the last few keys (public: multiples of K), each 64 KiB.
_TABLES = 4

#: What `prove` returns when the library computed nothing: a zero multiplier or an identity
#: among the results (the caller takes its general path), or a refused input.
DEGENERATE, REFUSED = 0, -1


class NativeProver:
    """`votecrypt_prove` of the compiled library."""

    def __init__(self, path: Path) -> None:
        import cffi

        self._ffi = cffi.FFI()
        self._ffi.cdef(_CDEF)
        self._lib = self._ffi.dlopen(str(path))
        self._prove = self._lib.votecrypt_prove  # AttributeError in a library built before it
        self._table_size = self._lib.votecrypt_prove_table_size()
        self._tables: dict[bytes, Any] = {}
        self._lock = threading.Lock()

    def table(self, key: coincurve.PublicKey) -> Any:
        """K's table for the products by K (computed once per key, about 0.6 ms); None if the
        library refuses K."""
        name = coincurve_ffi.buffer(key.public_key)[:]
        with self._lock:  # (booths in threads share the tables)
            table = self._tables.get(name)
            if table is None:
                table = self._ffi.new("char[]", self._table_size)
                if self._lib.votecrypt_prove_table(self._pointer(key), table) != 1:
                    return None
                while len(self._tables) >= _TABLES:
                    self._tables.pop(next(iter(self._tables)))
                self._tables[name] = table
        return table

    def _pointer(self, key: coincurve.PublicKey) -> Any:
        return self._ffi.cast("void *", coincurve_ffi.cast("uintptr_t", key.public_key))

    def prove(
        self,
        key: coincurve.PublicKey,
        shape: tuple[int, int, int],
        values: bytes,
        secrets: bytearray,
    ) -> list[tuple[coincurve.PublicKey, bytes]] | int:
        """The points of `shape` = (rows, lanes, branches), each as a coincurve point and its
        encoding, in the order of prove.c; or DEGENERATE or REFUSED. `values` and `secrets`
        are the scalars of prove.c, 32 bytes each; `secrets` is cleared before returning."""
        rows, lanes, branches = shape
        if len(values) != 32 * branches * lanes or len(secrets) != 32 * rows * (
            2 * lanes + branches * (1 + lanes)
        ):
            secrets[:] = bytes(len(secrets))
            raise ValueError("the scalars do not match the shape")  # (C would read past them)
        table = self.table(key)
        if table is None:
            secrets[:] = bytes(len(secrets))
            return REFUSED
        count = rows * 2 * lanes * (1 + branches)
        ffi = self._ffi
        points = [coincurve_ffi.new("secp256k1_pubkey *") for _ in range(count)]
        storage = coincurve_ffi.new("secp256k1_pubkey *[]", points) if points else None
        encoded = ffi.new("char[]", 33 * count or 1)
        try:
            status = self._prove(
                self._pointer(key),
                table,
                rows,
                lanes,
                branches,
                values,
                ffi.from_buffer(secrets),
                blinding_seed(),
                ffi.cast("void *", coincurve_ffi.cast("uintptr_t", storage))
                if points
                else ffi.NULL,
                encoded,
            )
        finally:
            secrets[:] = bytes(len(secrets))
        if status != 1:
            return REFUSED if status < 0 else DEGENERATE
        data = ffi.buffer(encoded, 33 * count)[:]
        return [
            (coincurve.PublicKey(point), data[33 * i : 33 * i + 33])
            for i, point in enumerate(points)
        ]


def scalars(values: list[int]) -> bytes:
    """Integers as prove.c reads them: 32 bytes each, big-endian (each must be below n)."""
    return b"".join(v.to_bytes(32, "big") for v in values)


def _times_g(k: int) -> bytes:
    return coincurve.PublicKey.from_valid_secret((k % N).to_bytes(32, "big")).format()


def _check(prover: NativeProver) -> str:
    """One known row: K = 7G, m = 1, r = 3; branch 0 (v = 0) simulated with c = 5, z = 11,
    branch 1 (v = 1) true with w = 13. alpha = 3G, beta = 22G, a_0 = -4G, b_0 = -33G,
    a_1 = 13G, b_1 = 91G."""
    key = coincurve.PublicKey.from_valid_secret((7).to_bytes(32, "big"))
    secrets = bytearray(scalars([1, 3, 5, 0, 11, 13]))
    result = prover.prove(key, (1, 1, 2), scalars([0, 1]), secrets)
    expected = [_times_g(k) for k in (3, 22, -4, -33, 13, 91)]
    if isinstance(result, int) or [p.format() for p, _ in result] != expected:
        return "the built library's prover computed a wrong row"
    if [encoding for _, encoding in result] != expected:
        return "the built library's prover encoded a point wrongly"
    return ""


@functools.cache
def _load(path: Path) -> NativeProver | None:
    try:
        prover = NativeProver(path)
    except (OSError, AttributeError):
        return None
    return None if _check(prover) else prover


def load(path: Path = native.LIBRARY) -> NativeProver | None:
    """The prover helper, or None (not built, refused by native.py's checks or the known
    row, switched off, or a library built before it): the pure path then computes."""
    if native.load(path) is None:
        return None
    return _load(path)


def status(path: Path = native.LIBRARY) -> str:
    """One line for `votecrypt selftest`: which path the booth's products by secrets take."""
    if load(path) is not None:
        return "native (native/prove.c, one call a ballot, constant time)"
    return "pure (coincurve, product by product)"

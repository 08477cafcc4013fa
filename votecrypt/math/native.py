"""The optional native accelerator: libsecp256k1's multi-scalar multiplication (spec 18.2).

`native/build.py` compiles libsecp256k1's own source, pinned by version and SHA-256, with a
small binding (`native/msm.c`) into `votecrypt/math/libvotecrypt_msm.so.1`. When that file is
there and passes the checks below, `vartime_multi_multiply` of the default backend computes
`sum(k_i * P_i)` in one call of the library's Strauss/Pippenger code
(`secp256k1_ecmult_multi_var`); otherwise the pure path (coincurve's public functions, term
by term) computes the same point. Both give the same point for the same input, so every
verdict is the same on either path (the tests run every vector on both).

`VOTECRYPT_NATIVE=0` forces the pure path. Only public values go through this code: it is
variable time.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import coincurve
from coincurve._libsecp256k1 import ffi as coincurve_ffi

from votecrypt.math.scalar import N

#: Where native/build.py puts the compiled library.
LIBRARY = Path(__file__).with_name("libvotecrypt_msm.so.1")
#: Set to 0 (or off, no, false) to use the pure path even where the library is built.
SWITCH = "VOTECRYPT_NATIVE"

_CDEF = """
int votecrypt_msm(void *points, const char *scalars, size_t n, const char *g_scalar, void *out);
void votecrypt_msm_generator(char *out);
const char *votecrypt_msm_source(void);
"""


class NativeMsm:
    """The compiled library, checked against coincurve (`load`)."""

    def __init__(self, path: Path) -> None:
        import cffi

        self._ffi = cffi.FFI()
        self._ffi.cdef(_CDEF)
        self._lib = self._ffi.dlopen(str(path))
        self.source = self._ffi.string(self._lib.votecrypt_msm_source()).decode("ascii")

    def multiply(
        self, points: Sequence[coincurve.PublicKey], scalars: Sequence[int], generator: Any
    ) -> coincurve.PublicKey | bool | None:
        """sum(k_i * P_i) as a coincurve point, None for the identity, False if the library
        refused an input (the caller then takes the pure path)."""
        g = 0
        natives = []
        chosen = []
        for point, k in zip(points, scalars, strict=True):
            if point is generator:
                g += k
            elif k % N:
                natives.append(point.public_key)
                chosen.append((k % N).to_bytes(32, "big"))
        g %= N
        if not natives and not g:
            return None
        ffi = self._ffi
        array = coincurve_ffi.new("secp256k1_pubkey *[]", natives) if natives else None
        out = coincurve_ffi.new("secp256k1_pubkey *")
        status = self._secp256k1_ecmult_multi_var(
            ffi.cast("void *", coincurve_ffi.cast("uintptr_t", array)) if natives else ffi.NULL,
            b"".join(chosen),
            len(natives),
            g.to_bytes(32, "big") if g else ffi.NULL,
            ffi.cast("void *", coincurve_ffi.cast("uintptr_t", out)),
        )
        if status == 1:
            return coincurve.PublicKey(out)
        if status == 0:
            return None
        return False

    def _secp256k1_ecmult_multi_var(self, *arguments: Any) -> int:
        # The call into the library, alone in a function of its own so that a profile
        # (benchmarks/profile.py) counts its time as the library's, by its name.
        status: int = self._lib.votecrypt_msm(*arguments)
        return status


def _disabled() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() in {"0", "off", "no", "false"}


@functools.cache
def _load(path: Path) -> tuple[NativeMsm | None, str]:
    if not path.is_file():
        return None, "not built (python native/build.py builds it)"
    try:
        msm = NativeMsm(path)
    except (OSError, AttributeError) as exc:
        return None, f"{path.name} does not load ({type(exc).__name__})"
    reason = _check(msm)
    if reason:
        return None, reason
    return msm, f"native, {msm.source}"


def _check(msm: NativeMsm) -> str:
    """Refuse a library that does not agree with coincurve: the same point format (the
    generator's 64 bytes) and one known sum, 3*(7G) + 5*(11G) + 2*G = 78*G."""
    generator = coincurve.PublicKey.from_valid_secret((1).to_bytes(32, "big"))
    ours = msm._ffi.new("char[64]")
    msm._lib.votecrypt_msm_generator(ours)
    if msm._ffi.buffer(ours)[:] != coincurve_ffi.buffer(generator.public_key)[:]:
        return "the built library's point format is not coincurve's"

    def times_g(k: int) -> coincurve.PublicKey:
        return coincurve.PublicKey.from_valid_secret(k.to_bytes(32, "big"))

    result = msm.multiply([times_g(7), times_g(11), generator], [3, 5, 2], generator)
    if not isinstance(result, coincurve.PublicKey) or result.format() != times_g(78).format():
        return "the built library computed a wrong sum"
    return ""


def load(path: Path = LIBRARY) -> NativeMsm | None:
    """The accelerator, or None for the pure path (not built, refused, or switched off)."""
    if _disabled():
        return None
    return _load(path)[0]


def status(path: Path = LIBRARY) -> str:
    """One line for `votecrypt selftest`: which path multi-scalar multiplications take."""
    if _disabled():
        return f"pure (coincurve, term by term): {SWITCH}=0"
    msm, reason = _load(path)
    return reason if msm is not None else f"pure (coincurve, term by term): {reason}"

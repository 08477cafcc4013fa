"""`votecrypt selftest`: a short end-to-end check of the cryptography on this machine."""

from __future__ import annotations

import secrets
import time

import click

from votecrypt.math import Group, Scalar, native, native_prove, secp256k1
from votecrypt.math.tags import TEST_MEMBERSHIP
from votecrypt.primitives import (
    Ciphertext,
    Packing,
    SecretKey,
    decrypt_to_point,
    discrete_logs,
    encrypt,
    prove_membership,
    verify_membership,
)


def _round_trip(group: Group, voters: int, rows: int) -> tuple[list[tuple[int, ...]], float]:
    """Encrypt, prove, verify, add and decrypt `voters` ballots of `rows` 4-outcome rows."""
    started = time.perf_counter()
    packing = Packing.for_ballot(4, voters, rows=rows)  # one lane for these sizes
    allowed = packing.allowed()
    key = SecretKey.generate(group)
    totals = [Ciphertext.zero(group) for _ in range(rows)]
    for voter in range(voters):
        for row in range(rows):
            outcome = (voter + row) % 4
            vector = packing.encode(outcome)
            ciphertext, nonce = encrypt(key.public_key, vector[0])
            context = (b"selftest", voter, row)
            proof = prove_membership(
                key.public_key,
                [ciphertext],
                vector,
                [nonce],
                allowed,
                tag=TEST_MEMBERSHIP,
                context=context,
            )
            verify_membership(
                proof, key.public_key, [ciphertext], allowed, tag=TEST_MEMBERSHIP, context=context
            )
            totals[row] = totals[row] + ciphertext
    values = discrete_logs(
        group,
        [decrypt_to_point(total, key) for total in totals],
        [packing.lane_bound(0, voters)] * rows,
    )
    counts = [packing.decode([value], voters) for value in values]
    return counts, time.perf_counter() - started


def _multi_multiply_agrees() -> bool:
    """A multi-scalar multiplication of 12 random terms (G among them) gives the same point on
    the default group (native accelerator or pure path) as on the reference."""
    fast, reference = secp256k1("coincurve"), secp256k1("py_ecc")
    keys = [secrets.randbelow(fast.order - 1) + 1 for _ in range(11)]
    scalars = [Scalar(secrets.randbelow(fast.order)) for _ in range(12)]
    points = [fast.generator, *(fast.multiply_generator(Scalar(k)) for k in keys)]
    expected = reference.vartime_multi_multiply(
        scalars, [reference.point_from_canonical_bytes(p.to_bytes()) for p in points]
    )
    return fast.vartime_multi_multiply(scalars, points).to_bytes() == expected.to_bytes()


@click.command()
def selftest() -> None:
    """Check the cryptography on this computer: encrypt, prove, verify, add and decrypt
    a few ballots with both implementations of the group, and compare the results."""
    voters, rows = 9, 3
    expected = [
        tuple(sum(1 for v in range(voters) if (v + row) % 4 == o) for o in range(4))
        for row in range(rows)
    ]
    for backend in ("coincurve", "py_ecc"):
        counts, seconds = _round_trip(secp256k1(backend), voters, rows)
        if counts != expected:
            raise click.ClickException(f"{backend}: decrypted counts {counts} != {expected}")
        click.echo(f"{backend:>9}: {voters} ballots x {rows} rows ok in {seconds:.2f} s")
    # Which path verification's multi-scalar multiplications take (spec 18.2).
    if not _multi_multiply_agrees():
        raise click.ClickException("multi-scalar multiplication disagrees with the reference")
    click.echo(f"multi-scalar multiplication: {native.status()}")
    # Which path the booth's products by secrets take (spec 18.1); the round trip above used it.
    click.echo(f"ballot prover: {native_prove.status()}")
    click.echo("selftest passed")

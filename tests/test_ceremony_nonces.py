"""Hedged proof nonces (spec 18.3): the proofs made with a long-term secret (the ceremony's
coefficient proofs, the decryption-share proofs) do not leak the secret when the random
source repeats itself."""

from __future__ import annotations

from votecrypt.math import Group, Scalar
from votecrypt.math.randomness import _deterministic
from votecrypt.math.tags import CEREMONY_COEFFICIENT_PROOF, DECRYPTION_SHARE_PROOF
from votecrypt.primitives.chaum_pedersen import (
    EqualityStatement,
    prove_equality,
    verify_equality,
)
from votecrypt.primitives.schnorr import prove_knowledge, verify_knowledge

SECRET = Scalar(0x1234567890ABCDEF)


def _extracted(z1: Scalar, z2: Scalar, c1: Scalar, c2: Scalar) -> Scalar:
    """x = (z1 - z2) / (c1 - c2): the secret, if both proofs used one nonce."""
    return (z1 - z2) * (c1 - c2).inverse()


def test_schnorr_proofs_with_a_repeating_source_do_not_share_a_nonce(group: Group) -> None:
    public = group.multiply_generator(SECRET)
    proofs = []
    for k in (0, 1):
        with _deterministic(b"a broken random source"):  # the same bytes both times
            context = (bytes(32), 1, k)
            proof = prove_knowledge(SECRET, public, tag=CEREMONY_COEFFICIENT_PROOF, context=context)
        verify_knowledge(proof, public, tag=CEREMONY_COEFFICIENT_PROOF, context=context)
        proofs.append(proof)
    first, second = proofs
    assert first.challenge != second.challenge
    assert _extracted(first.response, second.response, first.challenge, second.challenge) != SECRET


def test_decryption_share_proofs_with_a_repeating_source_do_not_share_a_nonce(
    group: Group,
) -> None:
    key = group.multiply_generator(SECRET)
    proofs = []
    for alpha_log in (5, 6):
        alpha = group.multiply_generator(Scalar(alpha_log))
        statement = EqualityStatement(group.generator, key, alpha, SECRET * alpha)
        with _deterministic(b"a broken random source"):
            proof = prove_equality(
                SECRET, statement, tag=DECRYPTION_SHARE_PROOF, context=(bytes(32), 1, 0, 0)
            )
        verify_equality(proof, statement, tag=DECRYPTION_SHARE_PROOF, context=(bytes(32), 1, 0, 0))
        proofs.append(proof)
    first, second = proofs
    assert _extracted(first.response, second.response, first.challenge, second.challenge) != SECRET


def test_the_nonce_still_uses_fresh_randomness(group: Group) -> None:
    public = group.multiply_generator(SECRET)
    context = (bytes(32), 1, 0)
    one = prove_knowledge(SECRET, public, tag=CEREMONY_COEFFICIENT_PROOF, context=context)
    two = prove_knowledge(SECRET, public, tag=CEREMONY_COEFFICIENT_PROOF, context=context)
    assert one != two  # same statement, fresh bytes: another proof

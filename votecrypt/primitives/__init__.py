"""Layer 2, the primitives: exponential ElGamal, zero-knowledge proofs, packing and discrete
logarithms (spec 4-6). Imports only `votecrypt.math`.
"""

from votecrypt.primitives.chaum_pedersen import (
    EqualityProof,
    EqualityStatement,
    prove_equality,
    verify_equality,
)
from votecrypt.primitives.dlog import discrete_log, discrete_logs
from votecrypt.primitives.elgamal import (
    Ciphertext,
    SecretKey,
    decrypt_to_point,
    encrypt,
    encrypt_with_nonce,
    partial_decrypt,
)
from votecrypt.primitives.membership import MembershipProof, prove_membership, verify_membership
from votecrypt.primitives.packing import MAX_LANE_PLAINTEXT, Packing
from votecrypt.primitives.schnorr import SchnorrProof, prove_knowledge, verify_knowledge
from votecrypt.primitives.shamir import (
    Polynomial,
    commitment_at,
    lagrange_coefficient,
    share_matches,
)

__all__ = [
    "MAX_LANE_PLAINTEXT",
    "Ciphertext",
    "EqualityProof",
    "EqualityStatement",
    "MembershipProof",
    "Packing",
    "Polynomial",
    "SchnorrProof",
    "SecretKey",
    "commitment_at",
    "decrypt_to_point",
    "discrete_log",
    "discrete_logs",
    "encrypt",
    "encrypt_with_nonce",
    "lagrange_coefficient",
    "partial_decrypt",
    "prove_equality",
    "prove_knowledge",
    "prove_membership",
    "share_matches",
    "verify_equality",
    "verify_knowledge",
    "verify_membership",
]

"""Many set-membership proofs checked at once (spec 5.7): every verification equation of
every proof, weighted by a fresh random 128-bit weight, folded into one sum that must be the
identity, computed by one multi-scalar multiplication.

    for every proof, branch j, lane l, with weights r, r' (fresh, from the verifier's CSPRNG):
        r  * (z_{j,l}*G - c_j*alpha_l - a_{j,l})
      + r' * (z_{j,l}*K - c_j*beta_l + c_j*v_{j,l}*G - b_{j,l})        summed == O

The caller checks first, for every proof, its shape and its challenge sum on the carried
commitments (membership.check_proof_shape, check_challenge_sum): the combination is sound only
for commitments the challenge was derived from. It only ever says "all hold"; which proof
fails is found by checking halves (bisection, spec 5.7) and named by the one-by-one check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from votecrypt.math.group import Point
from votecrypt.math.randomness import verifier_weights
from votecrypt.math.scalar import N, Scalar
from votecrypt.primitives.elgamal import Ciphertext
from votecrypt.primitives.membership import MembershipProof


@dataclass(frozen=True, slots=True)
class Claim:
    """A proof and its statement (under the batch's public key), shape and challenge checked."""

    proof: MembershipProof
    ciphertexts: tuple[Ciphertext, ...]
    vectors: tuple[tuple[int, ...], ...]


def vartime_equations_hold(public_key: Point, claims: Sequence[Claim]) -> bool:
    """True when every equation of every claim holds; False, except with probability at most
    2^-128 over the weights, when one does not (spec 5.7). Variable time: public values only."""
    group = public_key.group
    count = sum(len(c.proof.challenges) * len(c.ciphertexts) for c in claims)
    weights = verifier_weights(2 * count)
    position = 0
    g_coefficient = k_coefficient = 0
    scalars: list[int] = []
    points: list[Point] = []
    for claim in claims:
        lanes = range(len(claim.ciphertexts))
        alpha_coefficients = [0] * len(lanes)
        beta_coefficients = [0] * len(lanes)
        proof = claim.proof
        for c_j, z_j, pairs, vector in zip(
            proof.challenges, proof.responses, proof.commitments, claim.vectors, strict=True
        ):
            c = c_j.value
            for lane in lanes:
                z = z_j[lane].value
                r, r_prime = weights[position], weights[position + 1]
                position += 2
                g_coefficient += r * z + r_prime * c * vector[lane]
                k_coefficient += r_prime * z
                alpha_coefficients[lane] += r * c
                beta_coefficients[lane] += r_prime * c
                scalars += (N - r, N - r_prime)
                points += pairs[lane]
        for ciphertext, alpha_k, beta_k in zip(
            claim.ciphertexts, alpha_coefficients, beta_coefficients, strict=True
        ):
            scalars += (-alpha_k % N, -beta_k % N)
            points += (ciphertext.alpha, ciphertext.beta)
    scalars += (g_coefficient % N, k_coefficient % N)
    points += (group.generator, public_key)
    total = group.vartime_multi_multiply(list(map(Scalar, scalars)), points)
    return total.is_identity()

"""Disjunctive (CDS) proof that ciphertexts encrypt one vector of an allowed list (spec 5.3).

Statement: public key K; ciphertexts (alpha_l, beta_l) for lanes l = 0..Λ-1; allowed vectors
v_0..v_{L-1}, each of Λ integers. Claim: for some branch j and nonces r_l,
    alpha_l = r_l*G  and  beta_l - v_{j,l}*G = r_l*K   for every lane l.
A single ciphertext is the case Λ = 1. Proof: a challenge c_j per branch and a response z_{j,l}
per branch and lane (compact form).

    prover (true branch j*):
        for j != j*: c_j, z_{j,l} random; a_{j,l} = z_{j,l}*G - c_j*alpha_l;
                     b_{j,l} = z_{j,l}*K - c_j*(beta_l - v_{j,l}*G)
        for j*:      w_l random; a_{j*,l} = w_l*G; b_{j*,l} = w_l*K
        c = H(tag, context, K, ciphertexts, allowed, commitments a, b)
        c_{j*} = c - sum_{j != j*} c_j;  z_{j*,l} = w_l + c_{j*}*r_l
    verifier: recompute every a_{j,l}, b_{j,l} as above from (c_j, z_{j,l});
        accept iff sum_j c_j == H(tag, context, K, ciphertexts, allowed, a, b)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from votecrypt.errors import InvalidProof, ProvingError
from votecrypt.math.encoding import Encodable
from votecrypt.math.group import Point
from votecrypt.math.hashing import hash_to_scalar
from votecrypt.math.scalar import ZERO, N, Scalar
from votecrypt.math.tags import DomainTag
from votecrypt.primitives.elgamal import Ciphertext

PROOF_NAME = "set-membership"


@dataclass(frozen=True, slots=True)
class MembershipProof:
    """`challenges[j]` is c_j and `responses[j][l]` is z_{j,l} in spec 5.3."""

    challenges: tuple[Scalar, ...]
    responses: tuple[tuple[Scalar, ...], ...]


def check_allowed(allowed: Sequence[Sequence[int]], lanes: int) -> tuple[tuple[int, ...], ...]:
    """Normalise and validate an allowed-value list: distinct vectors of `lanes` ints in [0, n)."""
    vectors = tuple(tuple(vector) for vector in allowed)
    if not vectors:
        raise ValueError("the allowed-value list is empty")
    if len(set(vectors)) != len(vectors):
        raise ValueError("the allowed values must be distinct")
    for vector in vectors:
        if len(vector) != lanes:
            raise ValueError("every allowed value needs one integer per ciphertext (lane)")
        if any(type(v) is not int or not 0 <= v < N for v in vector):
            raise ValueError("allowed values are integers in [0, n)")
    return vectors


def prove_membership(
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    plaintext: Sequence[int],
    nonces: Sequence[Scalar],
    allowed: Sequence[Sequence[int]],
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> MembershipProof:
    """Prove that `ciphertexts` encrypt one of `allowed` (they encrypt `plaintext` with `nonces`).

    Refuses (ProvingError) when `plaintext` is not in `allowed`: a false statement has no proof.
    """
    lanes = len(ciphertexts)
    vectors = check_allowed(allowed, lanes)
    if len(nonces) != lanes:
        raise ValueError("one nonce per ciphertext is needed")
    try:
        true_branch = vectors.index(tuple(plaintext))
    except ValueError:
        raise ProvingError("the plaintext is not one of the allowed values") from None
    fake_challenges = [Scalar.random() for _ in vectors]
    fake_responses = [[Scalar.random() for _ in range(lanes)] for _ in vectors]
    commitment_nonces = [Scalar.random() for _ in range(lanes)]
    return _prove_membership(
        public_key,
        ciphertexts,
        nonces,
        vectors,
        true_branch,
        commitment_nonces,
        fake_challenges,
        fake_responses,
        tag=tag,
        context=context,
    )


def _prove_membership(
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    nonces: Sequence[Scalar],
    vectors: tuple[tuple[int, ...], ...],
    true_branch: int,
    commitment_nonces: Sequence[Scalar],
    fake_challenges: Sequence[Scalar],
    fake_responses: Sequence[Sequence[Scalar]],
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> MembershipProof:
    # Private path with explicit randomness: known-answer tests only. The entries of
    # fake_challenges / fake_responses at true_branch are ignored.
    group = public_key.group
    g = group.generator
    commitments: list[tuple[tuple[Point, Point], ...]] = []
    for j, vector in enumerate(vectors):
        if j == true_branch:
            commitments.append(tuple((w * g, w * public_key) for w in commitment_nonces))
        else:
            commitments.append(
                _simulated_commitments(
                    public_key, ciphertexts, vector, fake_challenges[j], fake_responses[j]
                )
            )
    c = _challenge(public_key, ciphertexts, vectors, commitments, tag, context)
    c_true = c
    for j in range(len(vectors)):
        if j != true_branch:
            c_true = c_true - fake_challenges[j]
    challenges = tuple(
        c_true if j == true_branch else fake_challenges[j] for j in range(len(vectors))
    )
    responses = tuple(
        tuple(w + c_true * r for w, r in zip(commitment_nonces, nonces, strict=True))
        if j == true_branch
        else tuple(fake_responses[j])
        for j in range(len(vectors))
    )
    return MembershipProof(challenges, responses)


def verify_membership(
    proof: MembershipProof,
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    allowed: Sequence[Sequence[int]],
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> None:
    """Raise InvalidProof unless `proof` shows `ciphertexts` encrypt one of `allowed`."""
    lanes = len(ciphertexts)
    vectors = check_allowed(allowed, lanes)
    if len(proof.challenges) != len(vectors) or len(proof.responses) != len(vectors):
        raise InvalidProof(PROOF_NAME, "one challenge and one response list per allowed value")
    if any(len(responses) != lanes for responses in proof.responses):
        raise InvalidProof(PROOF_NAME, "one response per ciphertext in every branch")
    commitments = [
        _simulated_commitments(public_key, ciphertexts, vector, c_j, z_j)
        for vector, c_j, z_j in zip(vectors, proof.challenges, proof.responses, strict=True)
    ]
    total = ZERO
    for c_j in proof.challenges:
        total = total + c_j
    if total != _challenge(public_key, ciphertexts, vectors, commitments, tag, context):
        raise InvalidProof(PROOF_NAME, "sum_j c_j == H(tag, context, K, ciphertexts, values, a, b)")


def _simulated_commitments(
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    vector: Sequence[int],
    c_j: Scalar,
    z_j: Sequence[Scalar],
) -> tuple[tuple[Point, Point], ...]:
    # a_{j,l} = z*G - c_j*alpha_l ;  b_{j,l} = z*K - c_j*(beta_l - v_{j,l}*G), computed as
    # z*K + (-c_j)*beta_l + (c_j*v_{j,l})*G: negating a scalar is cheaper than a point.
    group = public_key.group
    minus_c = -c_j
    result = []
    for ciphertext, value, z in zip(ciphertexts, vector, z_j, strict=True):
        a = group.sum((group.multiply_generator(z), minus_c * ciphertext.alpha))
        b_terms = [z * public_key, minus_c * ciphertext.beta]
        if value:
            b_terms.append(group.multiply_generator(c_j * Scalar(value)))
        result.append((a, group.sum(b_terms)))
    return tuple(result)


def _challenge(
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    vectors: tuple[tuple[int, ...], ...],
    commitments: Sequence[tuple[tuple[Point, Point], ...]],
    tag: DomainTag,
    context: Sequence[Encodable],
) -> Scalar:
    return hash_to_scalar(
        tag,
        tuple(context),
        public_key,
        tuple((ct.alpha, ct.beta) for ct in ciphertexts),
        vectors,
        tuple(commitments),
    )

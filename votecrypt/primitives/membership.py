"""Disjunctive (CDS) proof that ciphertexts encrypt one vector of an allowed list (spec 5.3).

Statement: public key K; ciphertexts (alpha_l, beta_l) for lanes l = 0..Λ-1; allowed vectors
v_0..v_{L-1}, each of Λ integers. Claim: for some branch j and nonces r_l,
    alpha_l = r_l*G  and  beta_l - v_{j,l}*G = r_l*K   for every lane l.
A single ciphertext is the case Λ = 1. Proof: a challenge c_j per branch and a response z_{j,l}
per branch and lane, and the commitments a_{j,l}, b_{j,l} they answer (commitment form, 5.4).

    prover (true branch j*):
        for j != j*: c_j, z_{j,l} random; a_{j,l} = z_{j,l}*G - c_j*alpha_l;
                     b_{j,l} = z_{j,l}*K - c_j*(beta_l - v_{j,l}*G)
        for j*:      w_l random; a_{j*,l} = w_l*G; b_{j*,l} = w_l*K
        c = H(tag, context, K, ciphertexts, allowed, commitments a, b)
        c_{j*} = c - sum_{j != j*} c_j;  z_{j*,l} = w_l + c_{j*}*r_l
    verifier: sum_j c_j == H(tag, context, K, ciphertexts, allowed, carried a, b), then
        every carried a_{j,l}, b_{j,l} equal to its value above from (c_j, z_{j,l}): one by one
        (verify_membership), or many proofs at once in a random linear combination
        (membership_batch, spec 5.7).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from votecrypt.errors import InvalidProof, ProvingError
from votecrypt.math.encoding import (
    Encodable,
    Encoded,
    encode_list_of,
    encode_point_pair_lists,
    encode_point_pairs,
)
from votecrypt.math.group import FixedBase, Group, Point
from votecrypt.math.hashing import hash_to_scalar
from votecrypt.math.randomness import random_below
from votecrypt.math.scalar import ZERO, N, Scalar
from votecrypt.math.tags import DomainTag
from votecrypt.primitives.elgamal import Ciphertext, encrypt_with_nonce

PROOF_NAME = "set-membership"


@dataclass(frozen=True, slots=True)
class MembershipProof:
    """`challenges[j]` is c_j, `responses[j][l]` is z_{j,l} and `commitments[j][l]` is
    (a_{j,l}, b_{j,l}) in spec 5.3, 5.4."""

    challenges: tuple[Scalar, ...]
    responses: tuple[tuple[Scalar, ...], ...]
    commitments: tuple[tuple[tuple[Point, Point], ...], ...]


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
    negated: Mapping[int, Point] | None = None,
) -> MembershipProof:
    """Prove that `ciphertexts` encrypt one of `allowed` (they encrypt `plaintext` with `nonces`).

    Refuses (ProvingError) when `plaintext` is not in `allowed`: a false statement has no proof.
    `negated`, from `value_points(group, allowed)`, saves recomputing -v*G for every row.
    """
    lanes = len(ciphertexts)
    vectors = check_allowed(allowed, lanes)
    if len(nonces) != lanes:
        raise ValueError("one nonce per ciphertext is needed")
    true_branch = _true_branch(vectors, plaintext)
    randomness = _ProverRandomness.draw(len(vectors), lanes)
    return _prove_membership(
        public_key,
        ciphertexts,
        nonces,
        vectors,
        true_branch,
        randomness.commitment_nonces,
        randomness.fake_challenges,
        randomness.fake_responses,
        tag=tag,
        context=context,
        negated=negated,
        order=randomness.order,
    )


def encrypt_and_prove(
    public_key: Point,
    plaintexts: Sequence[Sequence[int]],
    allowed: Sequence[Sequence[int]],
    *,
    tag: DomainTag,
    contexts: Sequence[Sequence[Encodable]],
    negated: Mapping[int, Point] | None = None,
) -> list[tuple[tuple[Ciphertext, ...], tuple[Scalar, ...], MembershipProof]]:
    """Encrypt every row's lane values under fresh nonces and prove the row one of `allowed`
    (context `contexts[i]` for row i): (ciphertexts, nonces, proof) per row.

    The points of all the rows come from one call of the native prover helper where it is
    built (spec 18.1), otherwise row by row as `encrypt_with_nonce` and `prove_membership`
    compute them; the random values are drawn in the same order either way, so the same
    randomness gives the same bytes on both paths.
    """
    if len(contexts) != len(plaintexts):
        raise ValueError("one context per row is needed")
    lanes = len(allowed[0]) if allowed else 0
    vectors = check_allowed(allowed, lanes)
    rows = []
    for plaintext in plaintexts:
        true_branch = _true_branch(vectors, plaintext)
        nonces = tuple(Scalar.random() for _ in range(lanes))
        rows.append((true_branch, nonces, _ProverRandomness.draw(len(vectors), lanes)))
    points = public_key.group.prove_points(
        public_key,
        vectors,
        [
            (vectors[true_branch], nonces, *randomness.native(true_branch))
            for true_branch, nonces, randomness in rows
        ],
    )
    proved = []
    for i, ((true_branch, nonces, randomness), context) in enumerate(
        zip(rows, contexts, strict=True)
    ):
        if points is None:
            ciphertexts = tuple(
                encrypt_with_nonce(public_key, v, r)
                for v, r in zip(vectors[true_branch], nonces, strict=True)
            )
            commitments = _commitments(
                public_key, ciphertexts, vectors, true_branch, randomness, negated
            )
        else:
            ciphertexts, commitments = _split(points, i, lanes, len(vectors))
        proof = _finish(
            public_key,
            ciphertexts,
            nonces,
            vectors,
            true_branch,
            randomness,
            commitments,
            tag,
            context,
        )
        proved.append((ciphertexts, nonces, proof))
    return proved


class _ProverRandomness:
    """A proof's random values (spec 5.3): the true branch's commitment nonces w_l, a
    challenge and responses for every branch (those of the true branch unused), and the
    order in which the general path computes the branches."""

    __slots__ = ("commitment_nonces", "fake_challenges", "fake_responses", "order")

    def __init__(
        self,
        commitment_nonces: Sequence[Scalar],
        fake_challenges: Sequence[Scalar],
        fake_responses: Sequence[Sequence[Scalar]],
        order: Sequence[int],
    ) -> None:
        self.commitment_nonces = commitment_nonces
        self.fake_challenges = fake_challenges
        self.fake_responses = fake_responses
        self.order = order

    @classmethod
    def draw(cls, branches: int, lanes: int) -> _ProverRandomness:
        fake_challenges = [Scalar.random() for _ in range(branches)]
        fake_responses = [[Scalar.random() for _ in range(lanes)] for _ in range(branches)]
        commitment_nonces = [Scalar.random() for _ in range(lanes)]
        # Drawn on both paths (the native one does not use it), so that both consume the
        # same randomness.
        return cls(commitment_nonces, fake_challenges, fake_responses, _random_order(branches))

    def native(self, true_branch: int) -> tuple[list[Scalar], list[Sequence[Scalar]]]:
        """The challenges and responses for Group.prove_points: c = 0 and z = w at the true
        branch, so that it takes the same steps as the others."""
        challenges = list(self.fake_challenges)
        responses = list(self.fake_responses)
        challenges[true_branch] = ZERO
        responses[true_branch] = self.commitment_nonces
        return challenges, responses

    def __repr__(self) -> str:
        return "_ProverRandomness(<redacted>)"


def _true_branch(vectors: tuple[tuple[int, ...], ...], plaintext: Sequence[int]) -> int:
    try:
        return vectors.index(tuple(plaintext))
    except ValueError:
        raise ProvingError("the plaintext is not one of the allowed values") from None


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
    negated: Mapping[int, Point] | None = None,
    order: Sequence[int] | None = None,
) -> MembershipProof:
    # Private path with explicit randomness: known-answer tests only. The entries of
    # fake_challenges / fake_responses at true_branch are ignored. The native prover helper
    # computes the commitments when it is built and `ciphertexts` are the encryption of the
    # true branch's values under `nonces` (it recomputes them and compares); otherwise the
    # general path does.
    randomness = _ProverRandomness(
        commitment_nonces,
        fake_challenges,
        fake_responses,
        _random_order(len(vectors)) if order is None else order,
    )
    lanes = len(ciphertexts)
    points = public_key.group.prove_points(
        public_key, vectors, [(vectors[true_branch], nonces, *randomness.native(true_branch))]
    )
    commitments = None
    if points is not None:
        encrypted, commitments = _split(points, 0, lanes, len(vectors))
        if [(ct.alpha, ct.beta) for ct in encrypted] != [(ct.alpha, ct.beta) for ct in ciphertexts]:
            commitments = None
    if commitments is None:
        commitments = _commitments(
            public_key, ciphertexts, vectors, true_branch, randomness, negated
        )
    return _finish(
        public_key, ciphertexts, nonces, vectors, true_branch, randomness, commitments, tag, context
    )


def _commitments(
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    vectors: tuple[tuple[int, ...], ...],
    true_branch: int,
    randomness: _ProverRandomness,
    negated: Mapping[int, Point] | None,
) -> list[tuple[tuple[Point, Point], ...]]:
    """The commitments a_{j,l}, b_{j,l} on the general path (spec 5.3).

    Side channels (spec 18.1): every multiplication here uses the constant-time paths, every
    simulated branch performs the same operations whatever its value (beta - v*G is computed
    for every branch first), and the branches are computed in a random order, so the sequence
    of operations does not tell which branch is the true one."""
    group = public_key.group
    g = group.generator
    shifted = _shifted(ciphertexts, vectors, negated or value_points(group, vectors))
    commitments: list[tuple[tuple[Point, Point], ...]] = [() for _ in vectors]
    for j in randomness.order:
        if j == true_branch:
            commitments[j] = tuple((w * g, w * public_key) for w in randomness.commitment_nonces)
        else:
            minus_c = -randomness.fake_challenges[j]
            commitments[j] = tuple(
                (z * g + minus_c * ciphertext.alpha, z * public_key + minus_c * lane_shifted)
                for ciphertext, lane_shifted, z in zip(
                    ciphertexts, shifted[j], randomness.fake_responses[j], strict=True
                )
            )
    return commitments


def _split(
    points: list[Point], row: int, lanes: int, branches: int
) -> tuple[tuple[Ciphertext, ...], list[tuple[tuple[Point, Point], ...]]]:
    """Row `row`'s ciphertexts and commitments from the points of Group.prove_points."""
    size = 2 * lanes * (1 + branches)
    mine = points[row * size : (row + 1) * size]
    pairs = list(zip(mine[0::2], mine[1::2], strict=True))
    ciphertexts = tuple(Ciphertext(alpha, beta) for alpha, beta in pairs[:lanes])
    commitments = [tuple(pairs[lanes * (1 + j) : lanes * (2 + j)]) for j in range(branches)]
    return ciphertexts, commitments


def _finish(
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    nonces: Sequence[Scalar],
    vectors: tuple[tuple[int, ...], ...],
    true_branch: int,
    randomness: _ProverRandomness,
    commitments: list[tuple[tuple[Point, Point], ...]],
    tag: DomainTag,
    context: Sequence[Encodable],
) -> MembershipProof:
    """The challenge from the commitments, and the true branch's challenge and responses."""
    encoded = [
        encode_point_pairs([(a.to_bytes(), b.to_bytes()) for a, b in branch])
        for branch in commitments
    ]
    c = _challenge(public_key, ciphertexts, vectors, encoded, tag, context)
    fake_challenges = randomness.fake_challenges
    c_true = c
    for j in range(len(vectors)):
        if j != true_branch:
            c_true = c_true - fake_challenges[j]
    challenges = tuple(
        c_true if j == true_branch else fake_challenges[j] for j in range(len(vectors))
    )
    # The true responses before any branch is visited, so the order of the arithmetic does
    # not depend on where the true branch is (spec 18.1); the loop only places values.
    true_responses = tuple(
        w + c_true * r for w, r in zip(randomness.commitment_nonces, nonces, strict=True)
    )
    responses = tuple(
        true_responses if j == true_branch else tuple(randomness.fake_responses[j])
        for j in range(len(vectors))
    )
    return MembershipProof(challenges, responses, tuple(tuple(branch) for branch in commitments))


def value_points(group: Group, allowed: Sequence[Sequence[int]]) -> dict[int, Point]:
    """-v*G for every value v of an allowed list: computed once, reused for every row."""
    values = {v for vector in allowed for v in vector}
    return {v: -group.multiply_generator(Scalar(v)) for v in sorted(values)}


def _shifted(
    ciphertexts: Sequence[Ciphertext],
    vectors: tuple[tuple[int, ...], ...],
    negated: Mapping[int, Point],
) -> list[list[Point]]:
    """beta_l - v_{j,l}*G for every branch j and lane l."""
    return [
        [ct.beta + negated[v] for ct, v in zip(ciphertexts, vector, strict=True)]
        for vector in vectors
    ]


def _random_order(count: int) -> list[int]:
    order = list(range(count))
    for i in range(count - 1, 0, -1):  # Fisher-Yates
        k = random_below(i + 1)
        order[i], order[k] = order[k], order[i]
    return order


def verify_membership(
    proof: MembershipProof,
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    allowed: Sequence[Sequence[int]],
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
    key_table: FixedBase | None = None,
    negated: Mapping[int, Point] | None = None,
) -> None:
    """Raise InvalidProof unless `proof` shows `ciphertexts` encrypt one of `allowed`.

    `key_table`, a precomputed table for `public_key` (Group.vartime_fixed_base), and
    `negated`, which must be `value_points(group, allowed)` (it is trusted as such), make
    verification faster when many proofs share the key and the list. Verification involves
    public values only, so it uses variable-time arithmetic (spec 18.2).
    """
    lanes = len(ciphertexts)
    vectors = check_allowed(allowed, lanes)
    check_proof_shape(proof, len(vectors), lanes)
    if key_table is not None and key_table.point != public_key:
        raise ValueError("the key table is for another public key")
    check_challenge_sum(proof, public_key, ciphertexts, vectors, tag=tag, context=context)
    group = public_key.group
    double_multiply, multiply = group.vartime_double_multiply, group.vartime_multiply
    shifted = _shifted(ciphertexts, vectors, negated or value_points(group, vectors))
    for branch_shifted, c_j, z_j, carried in zip(
        shifted, proof.challenges, proof.responses, proof.commitments, strict=True
    ):
        minus_c = -c_j
        for ciphertext, lane_shifted, z, (a, b) in zip(
            ciphertexts, branch_shifted, z_j, carried, strict=True
        ):
            # a = z*G - c*alpha ;  b = z*K - c*(beta - v*G)
            if key_table is not None:
                pair = key_table.vartime_commitments(c_j, z, ciphertext.alpha, lane_shifted)
            else:
                pair = (
                    double_multiply(minus_c, ciphertext.alpha, z).to_bytes(),
                    group.sum(
                        (multiply(z, public_key), multiply(minus_c, lane_shifted))
                    ).to_bytes(),
                )
            if pair != (a.to_bytes(), b.to_bytes()):
                raise InvalidProof(PROOF_NAME, EQUATIONS)


#: The two verification equations of every branch and lane (spec 5.3, 5.4).
EQUATIONS = "a_{j,l} == z_{j,l}*G - c_j*alpha_l and b_{j,l} == z_{j,l}*K - c_j*(beta_l - v_{j,l}*G)"
#: The challenge check (spec 5.3, verifier step 2).
CHALLENGE_SUM = "sum_j c_j == H(tag, context, K, ciphertexts, values, a, b)"


def check_proof_shape(proof: MembershipProof, branches: int, lanes: int) -> None:
    """Exactly one challenge, one response list and one commitment list per branch, of one
    response and one commitment pair per lane (spec 5.3, verifier step 1)."""
    if not (len(proof.challenges) == len(proof.responses) == len(proof.commitments) == branches):
        raise InvalidProof(
            PROOF_NAME, "one challenge, response list and commitment list per allowed value"
        )
    if any(len(z_j) != lanes for z_j in proof.responses) or any(
        len(pairs) != lanes for pairs in proof.commitments
    ):
        raise InvalidProof(PROOF_NAME, "one response and one commitment pair per ciphertext")


def check_challenge_sum(
    proof: MembershipProof,
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    vectors: tuple[tuple[int, ...], ...],
    *,
    tag: DomainTag,
    context: Sequence[Encodable],
    encoded: tuple[Encoded, Encoded] | None = None,
) -> None:
    """sum_j c_j == H(tag, context, K, ciphertexts, values, a, b) on the carried commitments
    (spec 5.3, verifier step 2): the challenge is re-derived before any equation is used.
    `encoded` must be `statement_encodings(ciphertexts, proof.commitments)` of exactly these
    values (a ballot's hash covers the same parts, spec 10.5, so a ballot check encodes them
    once: protocol.ballot.EncodedRows); the batch of 5.7 is sound only for commitments the
    challenge was derived from."""
    ciphertexts_encoded, commitments_encoded = encoded or statement_encodings(
        ciphertexts, proof.commitments
    )
    total = 0
    for c_j in proof.challenges:
        total += c_j.value
    challenge = _hashed_challenge(
        public_key, ciphertexts_encoded, vectors, commitments_encoded, tag, context
    )
    if total % N != challenge.value:
        raise InvalidProof(PROOF_NAME, CHALLENGE_SUM)


def statement_encodings(
    ciphertexts: Sequence[Ciphertext], commitments: Sequence[Sequence[tuple[Point, Point]]]
) -> tuple[Encoded, Encoded]:
    """The encodings of `[[alpha, beta], ...]` and of `[[[a, b], ...] per branch]` (spec
    3.1), as a proof's challenge hashes them, each point's 33 bytes copied once."""
    return (
        encode_point_pairs([(ct.alpha.to_bytes(), ct.beta.to_bytes()) for ct in ciphertexts]),
        encode_point_pair_lists(
            [[(a.to_bytes(), b.to_bytes()) for a, b in pairs] for pairs in commitments]
        ),
    )


def _challenge(
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    vectors: tuple[tuple[int, ...], ...],
    commitments: Sequence[Encoded],
    tag: DomainTag,
    context: Sequence[Encodable],
) -> Scalar:
    """H(tag, context, K, ciphertexts, values, commitments), `commitments` given as each
    branch's encoded list of (a, b) pairs (encode_point_pairs). The encoding of spec 3.1,
    built from pre-encoded parts: the same bytes as encoding the plain values."""
    return _hashed_challenge(
        public_key,
        encode_point_pairs([(ct.alpha.to_bytes(), ct.beta.to_bytes()) for ct in ciphertexts]),
        vectors,
        encode_list_of(commitments),
        tag,
        context,
    )


def _hashed_challenge(
    public_key: Point,
    ciphertexts: Encoded,
    vectors: tuple[tuple[int, ...], ...],
    commitments: Encoded,
    tag: DomainTag,
    context: Sequence[Encodable],
) -> Scalar:
    """H(tag, context, K, ciphertexts, values, commitments) from the encodings of the
    ciphertexts and of the commitments (statement_encodings)."""
    return hash_to_scalar(
        tag, tuple(context), public_key, ciphertexts, _encoded_vectors(vectors), commitments
    )


@functools.lru_cache(maxsize=64)
def _encoded_vectors(vectors: tuple[tuple[int, ...], ...]) -> Encoded:
    return Encoded.of(vectors)

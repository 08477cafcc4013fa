"""Zero-knowledge proofs: completeness, soundness against mutation, context binding."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import nonzero_scalars

from votecrypt.errors import InvalidProof, ProvingError
from votecrypt.math import Group, Point, Scalar
from votecrypt.math.tags import TEST_CHAUM_PEDERSEN, TEST_MEMBERSHIP, TEST_SCHNORR
from votecrypt.primitives import (
    Ciphertext,
    EqualityStatement,
    MembershipProof,
    Packing,
    SecretKey,
    encrypt,
    membership,
    membership_batch,
    prove_equality,
    prove_knowledge,
    prove_membership,
    verify_equality,
    verify_knowledge,
    verify_membership,
)

CONTEXT = (b"\x11" * 32, "election", 3)


# Schnorr (spec 5.1)


@given(x=nonzero_scalars)
def test_schnorr_completeness(group: Group, x: Scalar) -> None:
    public = x * group.generator
    proof = prove_knowledge(x, public, tag=TEST_SCHNORR, context=CONTEXT)
    verify_knowledge(proof, public, tag=TEST_SCHNORR, context=CONTEXT)


@given(x=nonzero_scalars, delta=nonzero_scalars, which=st.sampled_from(["c", "z", "Y", "ctx"]))
def test_schnorr_mutations_fail(group: Group, x: Scalar, delta: Scalar, which: str) -> None:
    public = x * group.generator
    proof = prove_knowledge(x, public, tag=TEST_SCHNORR, context=CONTEXT)
    context = CONTEXT
    if which == "c":
        proof = dataclasses.replace(proof, challenge=proof.challenge + delta)
    elif which == "z":
        proof = dataclasses.replace(proof, response=proof.response + delta)
    elif which == "Y":
        public = public + delta * group.generator
    else:
        context = (*CONTEXT[:2], 4)
    with pytest.raises(InvalidProof) as failure:
        verify_knowledge(proof, public, tag=TEST_SCHNORR, context=context)
    assert failure.value.proof == "Schnorr"


def test_schnorr_wrong_secret_does_not_verify(group: Group) -> None:
    public = Scalar(5) * group.generator
    proof = prove_knowledge(Scalar(6), public, tag=TEST_SCHNORR, context=CONTEXT)
    with pytest.raises(InvalidProof):
        verify_knowledge(proof, public, tag=TEST_SCHNORR, context=CONTEXT)


def test_schnorr_tag_separates_uses(group: Group) -> None:
    x = Scalar(77)
    proof = prove_knowledge(x, x * group.generator, tag=TEST_SCHNORR, context=CONTEXT)
    with pytest.raises(InvalidProof):
        verify_knowledge(proof, x * group.generator, tag=TEST_CHAUM_PEDERSEN, context=CONTEXT)


# Chaum-Pedersen (spec 5.2)


def _equality_statement(group: Group, x: Scalar, base: Scalar) -> EqualityStatement:
    g2 = base * group.generator
    return EqualityStatement(group.generator, x * group.generator, g2, x * g2)


@given(x=nonzero_scalars, base=nonzero_scalars)
def test_chaum_pedersen_completeness(group: Group, x: Scalar, base: Scalar) -> None:
    statement = _equality_statement(group, x, base)
    proof = prove_equality(x, statement, tag=TEST_CHAUM_PEDERSEN, context=CONTEXT)
    verify_equality(proof, statement, tag=TEST_CHAUM_PEDERSEN, context=CONTEXT)


@given(
    x=nonzero_scalars,
    base=nonzero_scalars,
    delta=nonzero_scalars,
    which=st.sampled_from(["c", "z", "g1", "h1", "g2", "h2", "ctx"]),
)
def test_chaum_pedersen_mutations_fail(
    group: Group, x: Scalar, base: Scalar, delta: Scalar, which: str
) -> None:
    statement = _equality_statement(group, x, base)
    proof = prove_equality(x, statement, tag=TEST_CHAUM_PEDERSEN, context=CONTEXT)
    context = CONTEXT
    shift = delta * group.generator
    if which == "c":
        proof = dataclasses.replace(proof, challenge=proof.challenge + delta)
    elif which == "z":
        proof = dataclasses.replace(proof, response=proof.response + delta)
    elif which == "ctx":
        context = (b"\x12" * 32, *CONTEXT[1:])
    else:
        statement = dataclasses.replace(statement, **{which: getattr(statement, which) + shift})
    with pytest.raises(InvalidProof):
        verify_equality(proof, statement, tag=TEST_CHAUM_PEDERSEN, context=context)


def test_chaum_pedersen_unequal_logs_do_not_verify(group: Group) -> None:
    # A decryption share computed with the wrong secret cannot carry a valid proof.
    statement = _equality_statement(group, Scalar(9), Scalar(4))
    wrong = dataclasses.replace(statement, h2=Scalar(10) * statement.g2)
    proof = prove_equality(Scalar(9), wrong, tag=TEST_CHAUM_PEDERSEN, context=CONTEXT)
    with pytest.raises(InvalidProof):
        verify_equality(proof, wrong, tag=TEST_CHAUM_PEDERSEN, context=CONTEXT)


# Set membership (spec 5.3)


def _encrypt_vector(
    public_key: object, vector: tuple[int, ...]
) -> tuple[list[Ciphertext], list[Scalar]]:
    ciphertexts, nonces = [], []
    for value in vector:
        ciphertext, nonce = encrypt(public_key, value)  # type: ignore[arg-type]
        ciphertexts.append(ciphertext)
        nonces.append(nonce)
    return ciphertexts, nonces


def _prove(
    public_key: Point,
    ciphertexts: list[Ciphertext],
    plaintext: tuple[int, ...],
    nonces: list[Scalar],
    allowed: list[tuple[int, ...]],
) -> MembershipProof:
    return prove_membership(
        public_key, ciphertexts, plaintext, nonces, allowed, tag=TEST_MEMBERSHIP, context=CONTEXT
    )


def _verify(
    proof: MembershipProof,
    public_key: Point,
    ciphertexts: list[Ciphertext],
    allowed: list[tuple[int, ...]],
    context: tuple[object, ...] = CONTEXT,
) -> None:
    verify_membership(proof, public_key, ciphertexts, allowed, tag=TEST_MEMBERSHIP, context=context)


def _batch_accepts(
    proof: MembershipProof,
    public_key: Point,
    ciphertexts: list[Ciphertext],
    allowed: list[tuple[int, ...]],
    context: tuple[object, ...] = CONTEXT,
) -> bool:
    """The batch reading of spec 5.7 on one proof: shape, challenge sum on the carried
    commitments, then the random linear combination of its equations."""
    vectors = membership.check_allowed(allowed, len(ciphertexts))
    try:
        membership.check_proof_shape(proof, len(vectors), len(ciphertexts))
        membership.check_challenge_sum(
            proof, public_key, ciphertexts, vectors, tag=TEST_MEMBERSHIP, context=context
        )
    except InvalidProof:
        return False
    claim = membership_batch.Claim(proof, tuple(ciphertexts), vectors)
    return membership_batch.vartime_equations_hold(public_key, [claim])


def _prove_and_verify_every_branch(group: Group, allowed: list[tuple[int, ...]]) -> None:
    key = SecretKey.generate(group)
    for vector in allowed:
        ciphertexts, nonces = _encrypt_vector(key.public_key, vector)
        proof = _prove(key.public_key, ciphertexts, vector, nonces, allowed)
        _verify(proof, key.public_key, ciphertexts, allowed)
        assert _batch_accepts(proof, key.public_key, ciphertexts, allowed)


def _single_lane_values(size: int) -> list[tuple[int, ...]]:
    return list(Packing.for_ballot(size, 47, rows=1).allowed())


@pytest.mark.parametrize("size", [2, 3, 4, 5, 8])
def test_membership_completeness_every_branch(group: Group, size: int) -> None:
    _prove_and_verify_every_branch(group, _single_lane_values(size))


def test_membership_with_lanes_every_branch(group: Group) -> None:
    # 100,000 ballots and 4 outcomes need two lanes (spec 6.2).
    packing = Packing.for_ballot(4, 100_000, rows=1)
    assert packing.lanes == 2
    _prove_and_verify_every_branch(group, list(packing.allowed()))


def _mutate_membership(
    group: Group,
    data: st.DataObject,
    proof: MembershipProof,
    ciphertexts: list[Ciphertext],
    allowed: list[tuple[int, ...]],
) -> tuple[MembershipProof, list[Ciphertext], list[tuple[int, ...]], tuple[object, ...], str]:
    """Change exactly one component of the statement or proof."""
    delta = data.draw(nonzero_scalars)
    kind = data.draw(
        st.sampled_from(
            ["challenge", "response", "commitment", "alpha", "beta", "context", "values"]
        )
    )
    branches, lanes = len(allowed), len(ciphertexts)
    context: tuple[object, ...] = CONTEXT
    if kind == "challenge":
        j = data.draw(st.integers(0, branches - 1))
        challenges = list(proof.challenges)
        challenges[j] = challenges[j] + delta
        proof = dataclasses.replace(proof, challenges=tuple(challenges))
    elif kind == "response":
        j = data.draw(st.integers(0, branches - 1))
        lane = data.draw(st.integers(0, lanes - 1))
        responses = [list(r) for r in proof.responses]
        responses[j][lane] = responses[j][lane] + delta
        proof = dataclasses.replace(proof, responses=tuple(tuple(r) for r in responses))
    elif kind == "commitment":
        j = data.draw(st.integers(0, branches - 1))
        lane = data.draw(st.integers(0, lanes - 1))
        which = data.draw(st.integers(0, 1))
        pairs = [list(branch) for branch in proof.commitments]
        pair = list(pairs[j][lane])
        pair[which] = pair[which] + delta * group.generator
        pairs[j][lane] = (pair[0], pair[1])
        proof = dataclasses.replace(proof, commitments=tuple(tuple(p) for p in pairs))
    elif kind in ("alpha", "beta"):
        lane = data.draw(st.integers(0, lanes - 1))
        ciphertexts = list(ciphertexts)
        old = ciphertexts[lane]
        shift = delta * group.generator
        ciphertexts[lane] = (
            Ciphertext(old.alpha + shift, old.beta)
            if kind == "alpha"
            else Ciphertext(old.alpha, old.beta + shift)
        )
    elif kind == "context":
        position = data.draw(st.integers(0, len(CONTEXT) - 1))
        changed = list(CONTEXT)
        changed[position] = b"\x00" * 32 if position == 0 else ("other" if position == 1 else 4)
        context = tuple(changed)
    else:
        j = data.draw(st.integers(0, branches - 1))
        lane = data.draw(st.integers(0, lanes - 1))
        vectors = [list(v) for v in allowed]
        vectors[j][lane] += data.draw(st.integers(1, 1000))
        if len({tuple(v) for v in vectors}) < len(vectors):
            vectors[j][lane] += 10**6
        allowed = [tuple(v) for v in vectors]
    return proof, ciphertexts, allowed, context, kind


@given(data=st.data(), size=st.sampled_from([2, 3, 4, 8]))
def test_membership_single_mutations_fail(group: Group, data: st.DataObject, size: int) -> None:
    key = SecretKey.generate(group)
    allowed = _single_lane_values(size)
    vector = data.draw(st.sampled_from(allowed))
    ciphertexts, nonces = _encrypt_vector(key.public_key, vector)
    proof = _prove(key.public_key, ciphertexts, vector, nonces, allowed)
    proof, ciphertexts, allowed, context, _ = _mutate_membership(
        group, data, proof, ciphertexts, allowed
    )
    with pytest.raises(InvalidProof):
        _verify(proof, key.public_key, ciphertexts, allowed, context=context)
    assert not _batch_accepts(proof, key.public_key, ciphertexts, allowed, context=context)


@given(data=st.data())
def test_membership_lane_mutations_fail(group: Group, data: st.DataObject) -> None:
    key = SecretKey.generate(group)
    allowed = list(Packing.for_ballot(4, 100_000, rows=1).allowed())
    vector = data.draw(st.sampled_from(allowed))
    ciphertexts, nonces = _encrypt_vector(key.public_key, vector)
    proof = _prove(key.public_key, ciphertexts, vector, nonces, allowed)
    proof, ciphertexts, allowed, context, _ = _mutate_membership(
        group, data, proof, ciphertexts, allowed
    )
    with pytest.raises(InvalidProof):
        _verify(proof, key.public_key, ciphertexts, allowed, context=context)
    assert not _batch_accepts(proof, key.public_key, ciphertexts, allowed, context=context)


def test_membership_other_public_key_fails(group: Group) -> None:
    key, other = SecretKey.generate(group), SecretKey.generate(group)
    allowed = _single_lane_values(3)
    ciphertexts, nonces = _encrypt_vector(key.public_key, allowed[1])
    proof = _prove(key.public_key, ciphertexts, allowed[1], nonces, allowed)
    with pytest.raises(InvalidProof):
        _verify(proof, other.public_key, ciphertexts, allowed)


def test_membership_structure_errors(group: Group) -> None:
    key = SecretKey.generate(group)
    allowed = _single_lane_values(3)
    ciphertexts, nonces = _encrypt_vector(key.public_key, allowed[0])
    proof = _prove(key.public_key, ciphertexts, allowed[0], nonces, allowed)
    truncated = MembershipProof(proof.challenges[:-1], proof.responses[:-1], proof.commitments[:-1])
    with pytest.raises(InvalidProof):
        _verify(truncated, key.public_key, ciphertexts, allowed)
    short = dataclasses.replace(proof, responses=(proof.responses[0], (), proof.responses[2]))
    with pytest.raises(InvalidProof):
        _verify(short, key.public_key, ciphertexts, allowed)
    no_commitments = dataclasses.replace(proof, commitments=(proof.commitments[0], (), ()))
    with pytest.raises(InvalidProof):
        _verify(no_commitments, key.public_key, ciphertexts, allowed)


def test_prover_refuses_a_value_outside_the_list(group: Group) -> None:
    key = SecretKey.generate(group)
    allowed = _single_lane_values(4)
    # An overvote: two levels at once would be 1 + 48.
    ciphertexts, nonces = _encrypt_vector(key.public_key, (49,))
    with pytest.raises(ProvingError):
        prove_membership(
            key.public_key,
            ciphertexts,
            (49,),
            nonces,
            allowed,
            tag=TEST_MEMBERSHIP,
            context=CONTEXT,
        )


def test_proof_for_a_false_statement_does_not_verify(group: Group) -> None:
    # A dishonest prover claiming an allowed value for a ciphertext of 49 produces a proof the
    # verifier rejects: the "true" branch's equations do not hold.
    key = SecretKey.generate(group)
    allowed = _single_lane_values(4)
    ciphertexts, nonces = _encrypt_vector(key.public_key, (49,))
    proof = _prove(key.public_key, ciphertexts, allowed[1], nonces, allowed)
    with pytest.raises(InvalidProof):
        _verify(proof, key.public_key, ciphertexts, allowed)


@pytest.mark.parametrize(
    "allowed",
    [[], [(1,), (1,)], [(1, 2)], [(-1,)]],
    ids=["empty", "duplicate", "wrong lanes", "negative"],
)
def test_bad_value_lists(group: Group, allowed: list[tuple[int, ...]]) -> None:
    key = SecretKey.generate(group)
    ciphertexts, nonces = _encrypt_vector(key.public_key, (1,))
    with pytest.raises(ValueError):
        prove_membership(
            key.public_key, ciphertexts, (1,), nonces, allowed, tag=TEST_MEMBERSHIP, context=CONTEXT
        )

"""The core known-answer vectors (spec/vectors/core): reproducible by their script, and
checked through the public API on both group backends."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from votecrypt.errors import EncodingError, InvalidProof, InvalidSignature, PlaintextOutOfRange
from votecrypt.math import Group, Scalar, encode, hash_bytes, hash_to_scalar, secp256k1
from votecrypt.math.tags import all_tags
from votecrypt.primitives import (
    Ciphertext,
    Packing,
    encrypt_with_nonce,
    membership,
    membership_batch,
)
from votecrypt.primitives.chaum_pedersen import EqualityProof, EqualityStatement, verify_equality
from votecrypt.primitives.membership import MembershipProof, verify_membership
from votecrypt.primitives.packing import DECODE_BUDGET
from votecrypt.primitives.schnorr import SchnorrProof, verify_knowledge

CORE = Path(__file__).resolve().parent.parent / "spec" / "vectors" / "core"
TAGS = {tag.text: tag for tag in all_tags().values()}


def load(name: str) -> dict[str, Any]:
    return json.loads((CORE / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_vectors_are_reproduced_byte_for_byte() -> None:
    path = CORE.parent / "generate_core.py"
    spec = importlib.util.spec_from_file_location("generate_core", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, data in module.build().items():
        assert (CORE / name).read_bytes() == data, name


def value(description: dict[str, Any], group: Group) -> Any:
    kind = description["type"]
    if kind == "bytes":
        return bytes.fromhex(description["hex"])
    if kind == "text":
        return description["text"]
    if kind == "integer":
        return description["int"]
    if kind == "scalar":
        return Scalar.from_canonical_bytes(bytes.fromhex(description["hex"]))
    if kind == "point":
        return group.point_from_canonical_bytes(
            bytes.fromhex(description["hex"]), allow_identity=True
        )
    if kind == "boolean":
        return description["bool"]
    if kind == "null":
        return None
    if kind == "list":
        return [value(item, group) for item in description["items"]]
    return {key: value(item, group) for key, item in description["entries"].items()}


def point(group: Group, text: str) -> Any:
    return group.point_from_canonical_bytes(bytes.fromhex(text), allow_identity=True)


def scalar(text: str) -> Scalar:
    return Scalar.from_canonical_bytes(bytes.fromhex(text))


def test_encodings(group: Group) -> None:
    vectors = load("encoding.json")
    assert group.generator.hex() == vectors["generator"]
    for case in vectors["multiples"]:
        assert (scalar(case["k"]) * group.generator).hex() == case["point"]
    for case in vectors["typed"]:
        assert encode(value(case["value"], group)).hex() == case["encoding"]
    for case in vectors["invalid_points"]:
        with pytest.raises(EncodingError):
            group.point_from_canonical_bytes(bytes.fromhex(case["hex"]))
    for case in vectors["invalid_scalars"]:
        with pytest.raises(EncodingError):
            Scalar.from_canonical_bytes(bytes.fromhex(case["hex"]))


def test_hashes(group: Group) -> None:
    for case in load("hashing.json")["cases"]:
        inputs = [value(item, group) for item in case["inputs"]]
        tag = TAGS[case["tag"]]
        assert hash_bytes(tag, *inputs).hex() == case["hash"]
        assert hash_to_scalar(tag, *inputs).hex() == case["challenge"]


def test_ballot_signature_signs_the_raw_digest() -> None:
    """Spec 10.4: Ed25519 over the 32 raw bytes of H(BALLOT_SIGNATURE, ballot hash as bytes)."""
    from votecrypt.math.tags import BALLOT_SIGNATURE
    from votecrypt.primitives.signing import SigningKey, VerifyKey

    for case in load("hashing.json")["signatures"]:
        digest = hash_bytes(BALLOT_SIGNATURE, bytes.fromhex(case["ballot_hash"]))
        assert digest.hex() == case["message"]
        key = SigningKey.from_secret_bytes(bytes.fromhex(case["seed"]))
        assert key.verify_key.hex() == case["public_key"]
        assert key.sign(digest).hex() == case["signature"]
        verify_key = VerifyKey.from_canonical_bytes(bytes.fromhex(case["public_key"]))
        verify_key.verify(bytes.fromhex(case["signature"]), digest)
        with pytest.raises(InvalidSignature):  # the hex text is not the message
            verify_key.verify(bytes.fromhex(case["signature"]), digest.hex().encode())


def test_elgamal(group: Group) -> None:
    vectors = load("elgamal.json")
    secret = scalar(vectors["secret_key"])
    key = point(group, vectors["public_key"])
    assert (secret * group.generator) == key
    total = Ciphertext.zero(group)
    for case in vectors["encryptions"]:
        ciphertext = encrypt_with_nonce(key, case["m"], scalar(case["nonce"]))
        assert (ciphertext.alpha.hex(), ciphertext.beta.hex()) == (
            case["ciphertext"]["alpha"],
            case["ciphertext"]["beta"],
        )
        total = total + ciphertext
    assert total.beta.hex() == vectors["sum"]["ciphertext"]["beta"]
    assert (total.beta - secret * total.alpha).hex() == vectors["sum"]["m_times_G"]
    assert (Scalar(vectors["sum"]["m"]) * group.generator).hex() == vectors["sum"]["m_times_G"]
    partial = vectors["partial_decryption"]
    assert (scalar(partial["share"]) * point(group, partial["alpha"])).hex() == partial["value"]


def _schnorr(case: dict[str, Any], group: Group, tag: str) -> None:
    verify_knowledge(
        SchnorrProof(scalar(case["proof"]["c"]), scalar(case["proof"]["z"])),
        point(group, case["public"]),
        tag=TAGS[tag],
        context=[value(item, group) for item in case["context"]],
    )


def test_schnorr(group: Group) -> None:
    vectors = load("schnorr.json")
    for case in vectors["valid"]:
        _schnorr(case, group, vectors["tag"])
    for case in vectors["invalid"]:
        with pytest.raises(InvalidProof):
            _schnorr(case, group, vectors["tag"])


def _equality(case: dict[str, Any], group: Group, tag: str) -> None:
    statement = EqualityStatement(*(point(group, case[k]) for k in ("g1", "h1", "g2", "h2")))
    verify_equality(
        EqualityProof(scalar(case["proof"]["c"]), scalar(case["proof"]["z"])),
        statement,
        tag=TAGS[tag],
        context=[value(item, group) for item in case["context"]],
    )


def test_chaum_pedersen(group: Group) -> None:
    vectors = load("chaum_pedersen.json")
    for case in vectors["valid"]:
        _equality(case, group, vectors["tag"])
    for case in vectors["invalid"]:
        with pytest.raises(InvalidProof):
            _equality(case, group, vectors["tag"])


def _membership_proof(case: dict[str, Any], group: Group) -> MembershipProof:
    return MembershipProof(
        tuple(scalar(c) for c in case["proof"]["challenges"]),
        tuple(tuple(scalar(z) for z in branch) for branch in case["proof"]["responses"]),
        tuple(
            tuple(
                (
                    group.point_from_canonical_bytes(bytes.fromhex(pair["a"]), allow_identity=True),
                    group.point_from_canonical_bytes(bytes.fromhex(pair["b"]), allow_identity=True),
                )
                for pair in branch
            )
            for branch in case["proof"]["commitments"]
        ),
    )


def _membership_ciphertexts(case: dict[str, Any], group: Group) -> list[Ciphertext]:
    return [
        Ciphertext(point(group, c["alpha"]), point(group, c["beta"])) for c in case["ciphertexts"]
    ]


def _membership(case: dict[str, Any], group: Group, tag: str) -> None:
    verify_membership(
        _membership_proof(case, group),
        point(group, case["public_key"]),
        _membership_ciphertexts(case, group),
        [tuple(v) for v in case["allowed"]],
        tag=TAGS[tag],
        context=[value(item, group) for item in case["context"]],
    )


def _membership_batch_rejects(cases: list[dict[str, Any]], group: Group, tag: str) -> list[int]:
    """The batch reading of spec 5.7 on proofs under one key: challenge sums first, then one
    random linear combination, bisected down to the proofs that fail it."""
    key = point(group, cases[0]["public_key"])
    rejected, claims = [], {}
    for position, case in enumerate(cases):
        assert point(group, case["public_key"]) == key
        proof, cts = _membership_proof(case, group), _membership_ciphertexts(case, group)
        vectors = membership.check_allowed([tuple(v) for v in case["allowed"]], len(cts))
        context = [value(item, group) for item in case["context"]]
        try:
            membership.check_proof_shape(proof, len(vectors), len(cts))
            membership.check_challenge_sum(proof, key, cts, vectors, tag=TAGS[tag], context=context)
        except InvalidProof:
            rejected.append(position)
            continue
        claims[position] = membership_batch.Claim(proof, tuple(cts), vectors)
    pending = [list(claims)]
    while pending:
        positions = pending.pop()
        if membership_batch.vartime_equations_hold(key, [claims[p] for p in positions]):
            continue
        if len(positions) == 1:
            rejected.append(positions[0])
        else:
            pending.extend((positions[: len(positions) // 2], positions[len(positions) // 2 :]))
    return sorted(rejected)


def test_membership_batch_names_the_same_proofs(group: Group) -> None:
    # spec 5.7: the batch reading and the one-by-one reading reject the same proofs; the
    # forged case satisfies every equation, so only the re-derived challenge names it.
    vectors = load("membership.json")
    members = [vectors[m["from"]][m["index"]] for m in vectors["batch"]["members"]]
    one_by_one = []
    for position, case in enumerate(members):
        try:
            _membership(case, group, vectors["tag"])
        except InvalidProof:
            one_by_one.append(position)
    assert one_by_one == vectors["batch"]["rejected"]
    assert _membership_batch_rejects(members, group, vectors["tag"]) == one_by_one
    forged = members[one_by_one[0]]
    equations_only = membership_batch.Claim(
        _membership_proof(forged, group),
        tuple(_membership_ciphertexts(forged, group)),
        tuple(tuple(v) for v in forged["allowed"]),
    )
    assert membership_batch.vartime_equations_hold(
        point(group, forged["public_key"]), [equations_only]
    )
    every = [*vectors["valid"], *vectors["invalid"]]
    same_key = [c for c in every if c["public_key"] == every[0]["public_key"]]
    for case in same_key:
        alone = []
        try:
            _membership(case, group, vectors["tag"])
        except InvalidProof:
            alone = [0]
        assert _membership_batch_rejects([case], group, vectors["tag"]) == alone, case.get("change")


def test_membership(group: Group) -> None:
    vectors = load("membership.json")
    valid = vectors["valid"] if group.backend_name == "coincurve" else vectors["valid"][:3]
    for case in valid:
        _membership(case, group, vectors["tag"])
        key = point(group, case["public_key"])
        vector = case["allowed"][case["true_branch"]]
        for lane, (v, r) in enumerate(zip(vector, case["nonces"], strict=True)):
            assert (
                encrypt_with_nonce(key, v, scalar(r)).beta.hex()
                == case["ciphertexts"][lane]["beta"]
            )
    for case in vectors["invalid"]:
        with pytest.raises(InvalidProof):
            _membership(case, group, vectors["tag"])


def test_packing() -> None:
    vectors = load("packing.json")
    for layout in vectors["layouts"]:
        rows = layout["rows"]
        packing = Packing.for_ballot(layout["outcomes"], layout["max_ballots"], rows=rows)
        assert rows * packing.decode_work(layout["max_ballots"]) == layout["decode_work"]
        assert (packing.base, packing.digits_per_lane, packing.lanes) == (
            layout["base"],
            layout["digits_per_lane"],
            layout["lanes"],
        )
        assert [list(v) for v in packing.allowed()] == layout["allowed"]
        assert [
            packing.lane_bound(lane, layout["max_ballots"]) for lane in range(packing.lanes)
        ] == layout["lane_bounds"]
    for case in vectors["decodings"]:
        packing = _stated_layout(case)
        assert list(packing.decode(case["lane_values"], case["ballots"])) == case["counts"]
    for case in vectors["out_of_range"]:
        packing = _stated_layout(case)
        with pytest.raises(PlaintextOutOfRange):
            packing.decode(case["lane_values"], case["ballots"])
    assert vectors["decode_budget"] == DECODE_BUDGET
    # The budget, not the lane bound, splits these rows (spec 6.2).
    budgeted = [(c["rows"], c["max_ballots"], c["lanes"]) for c in vectors["layouts"]]
    assert (44, 500, 1) in budgeted and (44, 731, 2) in budgeted and (10, 100_000, 3) in budgeted
    assert any(case["lanes"] == 2 for case in vectors["decodings"])
    assert any(case["lanes"] == 2 for case in vectors["out_of_range"])


def test_discrete_logs(group: Group) -> None:
    """Spec 6.4: the m in [0, bound], or none, including a match above the bound."""
    from votecrypt.primitives.dlog import discrete_log

    cases = load("packing.json")["discrete_logs"]
    assert any(case["log"] is None for case in cases)
    for case in cases:
        target = group.point_from_canonical_bytes(bytes.fromhex(case["point"]), allow_identity=True)
        if case["log"] is None:
            with pytest.raises(PlaintextOutOfRange):
                discrete_log(group, target, case["bound"])
        else:
            assert discrete_log(group, target, case["bound"]) == case["log"]


def _stated_layout(case: dict[str, Any]) -> Packing:
    """The packing a decoding states (k and N), checked against its stated B and lanes."""
    packing = Packing.for_ballot(case["outcomes"], case["max_ballots"], rows=case["rows"])
    assert (packing.base, packing.digits_per_lane, packing.lanes) == (
        case["base"],
        case["digits_per_lane"],
        case["lanes"],
    )
    return packing


def test_membership_proofs_are_recreated_from_their_secrets() -> None:
    """Spec 5.3 step by step from the published secrets, with the hash inputs exactly as
    spec 5 states them: the context as ONE list value, the allowed values as integers (03)."""
    group = secp256k1()
    vectors = load("membership.json")
    tag = TAGS[vectors["tag"]]
    g = group.generator
    for case in vectors["valid"]:
        key = point(group, case["public_key"])
        cts = [(point(group, c["alpha"]), point(group, c["beta"])) for c in case["ciphertexts"]]
        allowed = [tuple(v) for v in case["allowed"]]
        true, prover = case["true_branch"], case["prover"]
        w = [scalar(x) for x in prover["commitment_nonces"]]
        simulated = {s["branch"]: s for s in prover["simulated"]}
        assert set(simulated) == set(range(len(allowed))) - {true}
        commitments = []
        for j, vector in enumerate(allowed):
            if j == true:
                commitments.append([(w_l * g, w_l * key) for w_l in w])
                continue
            c_j = scalar(simulated[j]["challenge"])
            commitments.append(
                [
                    (z * g - c_j * alpha, z * key - c_j * (beta - Scalar(v) * g))
                    for (alpha, beta), v, z in zip(
                        cts, vector, map(scalar, simulated[j]["responses"]), strict=True
                    )
                ]
            )
        assert [[[a.hex(), b.hex()] for a, b in branch] for branch in commitments] == prover[
            "commitments"
        ]
        context = [value(item, group) for item in case["context"]]
        c = hash_to_scalar(tag, context, key, cts, allowed, commitments)
        assert c.hex() == prover["challenge"]
        c_true = c
        for j in simulated:
            c_true = c_true - scalar(simulated[j]["challenge"])
        assert case["proof"]["challenges"][true] == c_true.hex()
        nonces = [scalar(r) for r in case["nonces"]]
        assert case["proof"]["responses"][true] == [
            (w_l + c_true * r).hex() for w_l, r in zip(w, nonces, strict=True)
        ]
        for j, s in simulated.items():
            assert case["proof"]["challenges"][j] == s["challenge"]
            assert case["proof"]["responses"][j] == s["responses"]
        # a spliced context or scalar-typed allowed values give another challenge
        assert hash_to_scalar(tag, *context, key, cts, allowed, commitments) != c
        scalars = [tuple(Scalar(v) for v in vector) for vector in allowed]
        assert hash_to_scalar(tag, context, key, cts, scalars, commitments) != c


@pytest.mark.parametrize("name", ["schnorr", "chaum_pedersen", "membership"])
def test_reference_backend_agrees(name: str) -> None:
    group = secp256k1("py_ecc")
    {"schnorr": test_schnorr, "chaum_pedersen": test_chaum_pedersen, "membership": test_membership}[
        name
    ](group)

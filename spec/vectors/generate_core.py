"""Generate the known-answer vectors of the cryptographic core (spec chapters 2-6).

    python spec/vectors/generate_core.py          # rewrite spec/vectors/core/*.json
    python spec/vectors/generate_core.py --check  # compare with the committed files

Every secret and nonce is derived from a label with SHA-256 (`derived(label)`), so the
output is the same on every run. Values are lower-case hex. Each proof file has positive
vectors (they verify) and negative ones (tampered or malformed: they must be rejected).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from votecrypt import __version__
from votecrypt.math import IDENTITY_BYTES, N, Scalar, encode, hash_bytes, hash_to_scalar, secp256k1
from votecrypt.math.backends import P
from votecrypt.math.tags import TEST_CHAUM_PEDERSEN, TEST_MEMBERSHIP, TEST_SCHNORR, all_tags
from votecrypt.primitives import Ciphertext, Packing, encrypt_with_nonce
from votecrypt.primitives.chaum_pedersen import EqualityStatement, _prove_equality
from votecrypt.primitives.membership import _prove_membership, check_allowed
from votecrypt.primitives.schnorr import _prove_knowledge

HERE = Path(__file__).resolve().parent / "core"
GROUP = secp256k1()
G = GROUP.generator
ORIGIN = f"spec/vectors/generate_core.py, votecrypt {__version__}"


def derived(label: str) -> Scalar:
    """A scalar in [1, n) derived from a label: the only source of 'randomness' here."""
    digest = hashlib.sha256(b"votecrypt-vectors/" + label.encode()).digest()
    return Scalar(int.from_bytes(digest, "big") % (N - 1) + 1)


def header(description: str) -> dict[str, Any]:
    return {"origin": ORIGIN, "description": description}


def encoding_vectors() -> dict[str, Any]:
    points = []
    for k in (1, 2, 3, 7, N - 1):
        point = Scalar(k) * G
        points.append({"k": Scalar(k).hex(), "point": point.hex()})
    vietnamese = "Hoàng Thị Thúy Lan"
    typed = [
        {"value": {"type": "bytes", "hex": "00ff"}, "encoding": encode(b"\x00\xff").hex()},
        {"value": {"type": "text", "text": vietnamese}, "encoding": encode(vietnamese).hex()},
        {
            "value": {"type": "text", "text": unicodedata.normalize("NFD", vietnamese)},
            "encoding": encode(vietnamese).hex(),
            "note": "NFD input: encoded as its NFC form",
        },
        {"value": {"type": "integer", "int": 0}, "encoding": encode(0).hex()},
        {"value": {"type": "integer", "int": 258}, "encoding": encode(258).hex()},
        {"value": {"type": "integer", "int": 2**64}, "encoding": encode(2**64).hex()},
        {"value": {"type": "scalar", "hex": Scalar(5).hex()}, "encoding": encode(Scalar(5)).hex()},
        {"value": {"type": "point", "hex": G.hex()}, "encoding": encode(G).hex()},
        {
            "value": {"type": "point", "hex": IDENTITY_BYTES.hex()},
            "encoding": encode(GROUP.identity).hex(),
        },
        {"value": {"type": "boolean", "bool": True}, "encoding": encode(True).hex()},
        {"value": {"type": "null"}, "encoding": encode(None).hex()},
        {
            "value": {
                "type": "list",
                "items": [{"type": "integer", "int": 1}, {"type": "text", "text": "a"}],
            },
            "encoding": encode([1, "a"]).hex(),
        },
        {
            "value": {
                "type": "map",
                "entries": {"b": {"type": "integer", "int": 2}, "a": {"type": "integer", "int": 1}},
            },
            "encoding": encode({"b": 2, "a": 1}).hex(),
            "note": "keys sorted by their UTF-8 bytes",
        },
    ]
    x_off_curve = next(x for x in range(100) if pow((x**3 + 7) % P, (P - 1) // 2, P) != 1)
    invalid_points = [
        {"hex": G.to_bytes()[:32].hex(), "error": "wrong length (32)"},
        {"hex": (G.to_bytes() + b"\x00").hex(), "error": "wrong length (34)"},
        {"hex": "04" + G.hex()[2:], "error": "prefix 04"},
        {"hex": "05" + G.hex()[2:], "error": "prefix 05"},
        {"hex": "02" + P.to_bytes(32, "big").hex(), "error": "x = p, not reduced"},
        {"hex": "02" + (P + 1).to_bytes(32, "big").hex(), "error": "x > p, not reduced"},
        {"hex": "02" + x_off_curve.to_bytes(32, "big").hex(), "error": "x not on the curve"},
        {"hex": IDENTITY_BYTES.hex(), "error": "identity where it is not allowed"},
    ]
    invalid_scalars = [
        {"hex": N.to_bytes(32, "big").hex(), "error": "equal to n"},
        {"hex": (2**256 - 1).to_bytes(32, "big").hex(), "error": "above n"},
        {"hex": "01" * 31, "error": "31 bytes"},
        {"hex": "01" * 33, "error": "33 bytes"},
    ]
    return {
        **header(
            "Canonical encodings of points and scalars (spec 2.3) and of typed values (spec 3.1)"
        ),
        "generator": G.hex(),
        "identity": IDENTITY_BYTES.hex(),
        "multiples": points,
        "typed": typed,
        "invalid_points": invalid_points,
        "invalid_scalars": invalid_scalars,
    }


def hashing_vectors() -> dict[str, Any]:
    cases = []
    inputs: list[tuple[str, list[Any], list[Any]]] = [
        ("nothing", [], []),
        (
            "bytes and integer",
            [b"x", 7],
            [{"type": "bytes", "hex": "78"}, {"type": "integer", "int": 7}],
        ),
        (
            "point and scalar",
            [G, Scalar(1)],
            [{"type": "point", "hex": G.hex()}, {"type": "scalar", "hex": Scalar(1).hex()}],
        ),
        ("text", ["Lê Duy Thành"], [{"type": "text", "text": "Lê Duy Thành"}]),
    ]
    for tag_name in ("BALLOT", "MANIFEST", "TEST_SCHNORR"):
        tag = all_tags()[tag_name]
        for label, values, described in inputs:
            cases.append(
                {
                    "tag": tag.text,
                    "inputs": described,
                    "description": label,
                    "hash": hash_bytes(tag, *values).hex(),
                    "challenge": hash_to_scalar(tag, *values).hex(),
                }
            )
    cases.extend(_protocol_hash_cases())
    return {
        **header(
            "H(tag, inputs) and challenges mod n (spec 3.2, 3.3); the last cases show how "
            "protocol values enter a hash: a board entry hashes the hex fields of its payload "
            "as text (11.2), and the ballot signature hashes the ballot hash as bytes (10.4)"
        ),
        "cases": cases,
        "signatures": _signature_cases(),
    }


BALLOT_HASH = hashlib.sha256(b"votecrypt-vectors/ballot hash").digest()


def _protocol_hash_cases() -> list[dict[str, Any]]:
    tags = all_tags()
    election = hashlib.sha256(b"votecrypt-vectors/context hash").hexdigest()
    payload = {
        "type": "votecrypt/close",
        "version": 1,
        "election": election,
        "ballots": 4,
        "challenged": 1,
    }
    described_payload = {
        "type": "map",
        "entries": {
            "type": {"type": "text", "text": "votecrypt/close"},
            "version": {"type": "integer", "int": 1},
            "election": {"type": "text", "text": election},
            "ballots": {"type": "integer", "int": 4},
            "challenged": {"type": "integer", "int": 1},
        },
    }
    prev = hashlib.sha256(b"votecrypt-vectors/previous entry").digest()
    entry = [7, prev, "close", payload]
    described_entry = [
        {"type": "integer", "int": 7},
        {"type": "bytes", "hex": prev.hex()},
        {"type": "text", "text": "close"},
        described_payload,
    ]
    cases = []
    for tag, values, described, label in (
        (
            tags["BOARD_ENTRY"],
            entry,
            described_entry,
            "board entry (11.2): seq integer, prev bytes, kind text, payload as its JSON value "
            "with the hex of `election` as TEXT",
        ),
        (
            tags["BALLOT_SIGNATURE"],
            [BALLOT_HASH],
            [{"type": "bytes", "hex": BALLOT_HASH.hex()}],
            "the digest a credential signs (10.4): the 32-byte ballot hash as BYTES",
        ),
    ):
        cases.append(
            {
                "tag": tag.text,
                "inputs": described,
                "description": label,
                "hash": hash_bytes(tag, *values).hex(),
                "challenge": hash_to_scalar(tag, *values).hex(),
            }
        )
    return cases


def _signature_cases() -> list[dict[str, Any]]:
    """Ed25519 signs the raw 32-byte digest (spec 10.4): no hex, no pre-hashing."""
    from votecrypt.primitives.signing import SigningKey

    seed = hashlib.sha256(b"votecrypt-vectors/credential seed").digest()
    key = SigningKey.from_secret_bytes(seed)
    digest = hash_bytes(all_tags()["BALLOT_SIGNATURE"], BALLOT_HASH)
    return [
        {
            "description": "a credential's signature of H(BALLOT_SIGNATURE, ballot hash); the "
            "message given to Ed25519 (RFC 8032) is the 32 bytes of `message`",
            "seed": seed.hex(),
            "public_key": key.verify_key.hex(),
            "ballot_hash": BALLOT_HASH.hex(),
            "message": digest.hex(),
            "signature": key.sign(digest).hex(),
        }
    ]


def _ct(ciphertext: Ciphertext) -> dict[str, str]:
    return {"alpha": ciphertext.alpha.hex(), "beta": ciphertext.beta.hex()}


def elgamal_vectors() -> dict[str, Any]:
    secret = derived("elgamal/secret")
    key = secret * G
    cases = []
    total = Ciphertext.zero(GROUP)
    plain_total = 0
    for m in (0, 1, 48, 2304, 123456):
        nonce = derived(f"elgamal/nonce/{m}")
        ciphertext = encrypt_with_nonce(key, m, nonce)
        total = total + ciphertext
        plain_total += m
        cases.append({"m": m, "nonce": nonce.hex(), "ciphertext": _ct(ciphertext)})
    return {
        **header("Exponential ElGamal with given nonces, the homomorphic sum, decryption (spec 4)"),
        "secret_key": secret.hex(),
        "public_key": key.hex(),
        "encryptions": cases,
        "sum": {
            "m": plain_total,
            "ciphertext": _ct(total),
            "m_times_G": (total.beta - secret * total.alpha).hex(),
        },
        "partial_decryption": {
            "share": derived("elgamal/share").hex(),
            "alpha": total.alpha.hex(),
            "value": (derived("elgamal/share") * total.alpha).hex(),
        },
    }


def _schnorr(label: str) -> dict[str, Any]:
    secret = derived(f"schnorr/{label}/secret")
    public = secret * G
    context = [b"\x01" * 32, 3, 0]
    proof = _prove_knowledge(
        secret, public, derived(f"schnorr/{label}/w"), tag=TEST_SCHNORR, context=context
    )
    return {
        "public": public.hex(),
        "context": [
            {"type": "bytes", "hex": "01" * 32},
            {"type": "integer", "int": 3},
            {"type": "integer", "int": 0},
        ],
        "proof": {"c": proof.challenge.hex(), "z": proof.response.hex()},
        "secret": secret.hex(),
        "w": derived(f"schnorr/{label}/w").hex(),
    }


def schnorr_vectors() -> dict[str, Any]:
    valid = _schnorr("a")
    negative = []
    tampered = json.loads(json.dumps(valid))
    tampered["proof"]["c"] = (
        Scalar.from_canonical_bytes(bytes.fromhex(valid["proof"]["c"])) + Scalar(1)
    ).hex()
    negative.append({**tampered, "expected": "invalid", "change": "challenge + 1"})
    tampered = json.loads(json.dumps(valid))
    tampered["proof"]["z"] = (
        Scalar.from_canonical_bytes(bytes.fromhex(valid["proof"]["z"])) + Scalar(1)
    ).hex()
    negative.append({**tampered, "expected": "invalid", "change": "response + 1"})
    tampered = json.loads(json.dumps(valid))
    tampered["context"][1]["int"] = 4
    negative.append({**tampered, "expected": "invalid", "change": "other context"})
    tampered = json.loads(json.dumps(valid))
    tampered["public"] = (Scalar(2) * G).hex()
    negative.append({**tampered, "expected": "invalid", "change": "other public key"})
    return {
        **header(f"Schnorr proofs of knowledge (spec 5.1), tag {TEST_SCHNORR.text}"),
        "tag": TEST_SCHNORR.text,
        "valid": [valid, _schnorr("b")],
        "invalid": negative,
    }


def chaum_pedersen_vectors() -> dict[str, Any]:
    secret = derived("cp/secret")
    alpha = derived("cp/alpha") * G
    statement = EqualityStatement(G, secret * G, alpha, secret * alpha)
    context = [b"\x02" * 32, 1, 0, 0]
    w = derived("cp/w")
    proof = _prove_equality(secret, statement, w, tag=TEST_CHAUM_PEDERSEN, context=context)
    valid = {
        "g1": statement.g1.hex(),
        "h1": statement.h1.hex(),
        "g2": statement.g2.hex(),
        "h2": statement.h2.hex(),
        "context": [{"type": "bytes", "hex": "02" * 32}]
        + [{"type": "integer", "int": v} for v in (1, 0, 0)],
        "proof": {"c": proof.challenge.hex(), "z": proof.response.hex()},
        "secret": secret.hex(),
        "w": w.hex(),
    }
    wrong_value = json.loads(json.dumps(valid))
    wrong_value["h2"] = ((secret + Scalar(1)) * alpha).hex()
    other_context = json.loads(json.dumps(valid))
    other_context["context"][1]["int"] = 2
    tampered = json.loads(json.dumps(valid))
    tampered["proof"]["z"] = (proof.response + Scalar(1)).hex()
    return {
        **header(
            "Chaum-Pedersen proofs of equal discrete logs (spec 5.2), "
            f"tag {TEST_CHAUM_PEDERSEN.text}"
        ),
        "tag": TEST_CHAUM_PEDERSEN.text,
        "valid": [valid],
        "invalid": [
            {
                **wrong_value,
                "expected": "invalid",
                "change": "H2 is not x*G2 (a wrong decryption share)",
            },
            {**other_context, "expected": "invalid", "change": "other context"},
            {**tampered, "expected": "invalid", "change": "response + 1"},
        ],
    }


def _membership_case(
    label: str, allowed: tuple[tuple[int, ...], ...], branch: int
) -> dict[str, Any]:
    key = derived("membership/key") * G
    lanes = len(allowed[0])
    vector = allowed[branch]
    nonces = [derived(f"membership/{label}/r/{lane}") for lane in range(lanes)]
    ciphertexts = [encrypt_with_nonce(key, v, r) for v, r in zip(vector, nonces, strict=True)]
    commitment_nonces = [derived(f"membership/{label}/w/{lane}") for lane in range(lanes)]
    fake_challenges = [derived(f"membership/{label}/c/{j}") for j in range(len(allowed))]
    fake_responses = [
        [derived(f"membership/{label}/z/{j}/{lane}") for lane in range(lanes)]
        for j in range(len(allowed))
    ]
    context = [b"\x03" * 32, label]
    proof = _prove_membership(
        key,
        ciphertexts,
        nonces,
        check_allowed(allowed, lanes),
        branch,
        commitment_nonces,
        fake_challenges,
        fake_responses,
        tag=TEST_MEMBERSHIP,
        context=context,
    )
    # The commitments the prover hashed (recomputed as a verifier does, spec 5.3), and the
    # whole challenge c: an implementation can compare them step by step.
    commitments = [
        [
            [
                (z * G + (-c_j) * ct.alpha).hex(),
                (z * key + (-c_j) * (ct.beta - GROUP.multiply_generator(Scalar(v)))).hex(),
            ]
            for ct, v, z in zip(ciphertexts, allowed[j], proof.responses[j], strict=True)
        ]
        for j, c_j in enumerate(proof.challenges)
    ]
    total = proof.challenges[0]
    for c_j in proof.challenges[1:]:
        total = total + c_j
    return {
        "label": label,
        "public_key": key.hex(),
        "allowed": [list(v) for v in allowed],
        "true_branch": branch,
        "nonces": [r.hex() for r in nonces],
        "prover": {
            "commitment_nonces": [w.hex() for w in commitment_nonces],
            "simulated": [
                {
                    "branch": j,
                    "challenge": fake_challenges[j].hex(),
                    "responses": [z.hex() for z in fake_responses[j]],
                }
                for j in range(len(allowed))
                if j != branch
            ],
            "commitments": commitments,
            "challenge": total.hex(),
        },
        "ciphertexts": [_ct(c) for c in ciphertexts],
        "context": [{"type": "bytes", "hex": "03" * 32}, {"type": "text", "text": label}],
        "proof": {
            "challenges": [c.hex() for c in proof.challenges],
            "responses": [[z.hex() for z in branch_z] for branch_z in proof.responses],
            "commitments": [[{"a": a, "b": b} for a, b in branch_ab] for branch_ab in commitments],
        },
    }


def _equations_commitments(case: dict[str, Any]) -> list[list[dict[str, str]]]:
    """The commitments that satisfy the verification equations for a case's (possibly
    changed) challenges and responses, a = z*G - c*alpha and b = z*K - c*(beta - v*G)."""
    key = GROUP.point_from_canonical_bytes(bytes.fromhex(case["public_key"]))
    pairs = []
    for vector, c_hex, responses in zip(
        case["allowed"], case["proof"]["challenges"], case["proof"]["responses"], strict=True
    ):
        c = Scalar.from_canonical_bytes(bytes.fromhex(c_hex))
        branch = []
        for ct, v, z_hex in zip(case["ciphertexts"], vector, responses, strict=True):
            z = Scalar.from_canonical_bytes(bytes.fromhex(z_hex))
            alpha = GROUP.point_from_canonical_bytes(
                bytes.fromhex(ct["alpha"]), allow_identity=True
            )
            beta = GROUP.point_from_canonical_bytes(bytes.fromhex(ct["beta"]), allow_identity=True)
            a = z * G + (-c) * alpha
            b = z * key + (-c) * (beta - GROUP.multiply_generator(Scalar(v)))
            branch.append({"a": a.hex(), "b": b.hex()})
        pairs.append(branch)
    return pairs


def _forge_equations(case: dict[str, Any]) -> None:
    """A challenge + 1 with the commitments recomputed to satisfy every equation: only the
    challenge check (re-derived from the carried commitments) rejects it, so a batch that
    checked the equations alone would accept it (spec 5.7)."""
    case["proof"]["challenges"][0] = _plus_one(case["proof"]["challenges"][0])
    case["proof"]["commitments"] = _equations_commitments(case)


def _move_commitment(case: dict[str, Any]) -> None:
    """b_{1,0} replaced by b_{1,0} + G: the challenge no longer matches, and the equation
    of branch 1 fails."""
    pair = case["proof"]["commitments"][1][0]
    b = GROUP.point_from_canonical_bytes(bytes.fromhex(pair["b"]), allow_identity=True)
    pair["b"] = (b + G).hex()


def membership_vectors() -> dict[str, Any]:
    valid = []
    for size in (2, 3, 4, 8):
        allowed = Packing.for_ballot(size, 47, rows=1).allowed()
        branches = range(size) if size == 3 else (size - 1,)
        for branch in branches:
            valid.append(_membership_case(f"L{size}-branch{branch}", allowed, branch))
    lanes = Packing.for_ballot(4, 100_000, rows=1).allowed()
    valid.append(_membership_case("two-lanes-branch2", lanes, 2))
    base = valid[2]
    invalid = []
    for change, mutate in (
        (
            "a challenge + 1",
            lambda v: v["proof"]["challenges"].__setitem__(
                0, _plus_one(v["proof"]["challenges"][0])
            ),
        ),
        (
            "a response + 1",
            lambda v: v["proof"]["responses"][1].__setitem__(
                0, _plus_one(v["proof"]["responses"][1][0])
            ),
        ),
        ("beta replaced by G", lambda v: v["ciphertexts"][0].__setitem__("beta", G.hex())),
        ("other context", lambda v: v["context"][1].__setitem__("text", "other")),
        ("allowed value changed", lambda v: v["allowed"][1].__setitem__(0, 2)),
        (
            "branch removed",
            lambda v: (
                v["proof"]["challenges"].pop(),
                v["proof"]["responses"].pop(),
                v["proof"]["commitments"].pop(),
                v["allowed"].pop(),
            ),
        ),
        ("a commitment b + G", _move_commitment),
        (
            "commitments forged to fit a challenge + 1 (only the challenge check rejects)",
            _forge_equations,
        ),
        ("commitment list of a branch removed", lambda v: v["proof"]["commitments"][2].pop()),
    ):
        case = json.loads(json.dumps(base))
        del case["prover"]
        mutate(case)
        invalid.append({**case, "expected": "invalid", "change": change})
    return {
        **header(
            f"Disjunctive set-membership proofs (spec 5.3), tag {TEST_MEMBERSHIP.text}. "
            "Secrets: the nonces r_l, and under `prover` the commitment nonces w_l of the true "
            "branch, the simulated challenges c_j and responses z_{j,l} of every other branch "
            "(prover step 1), the commitments [a_{j,l}, b_{j,l}] of every branch and lane, and "
            "the challenge c = H(tag, context, K, ciphertexts, allowed, commitments) (step 3): "
            "with them the proof is re-created exactly. The context is one list value; the "
            "allowed values are hashed as integers (type 03), spec 5. The proof carries its "
            "commitments (spec 5.4). `batch`: the valid cases and one invalid one, to be "
            "checked together as spec 5.7 does; `expected` names, per position, the proofs "
            "the one-by-one reading rejects, and a batch reading must name the same."
        ),
        "tag": TEST_MEMBERSHIP.text,
        "valid": valid,
        "invalid": invalid,
        "batch": _batch(valid, invalid),
    }


def _batch(valid: list[dict[str, Any]], invalid: list[dict[str, Any]]) -> dict[str, Any]:
    """Every valid case of one lane, with the forged-commitments case in the middle (all
    under the same key): the bisection of spec 5.7 must name it, and only it."""
    members = [
        {"from": "valid", "index": i}
        for i, case in enumerate(valid)
        if len(case["ciphertexts"]) == 1
    ]
    forged = next(
        i for i, case in enumerate(invalid) if case["change"].startswith("commitments forged")
    )
    middle = len(members) // 2
    members.insert(middle, {"from": "invalid", "index": forged})
    return {"members": members, "rejected": [middle]}


def _plus_one(value: str) -> str:
    return (Scalar.from_canonical_bytes(bytes.fromhex(value)) + Scalar(1)).hex()


def packing_vectors() -> dict[str, Any]:
    layouts = []
    for outcomes, ballots, rows in (
        (4, 47, 1),
        (4, 500, 1),
        (4, 500, 44),
        (4, 731, 44),
        (4, 10_000, 5),
        (4, 10_320, 1),
        (4, 10_321, 1),
        (4, 100_000, 1),
        (4, 100_000, 10),
        (3, 47, 1),
        (2, 9, 1),
        (9, 47, 1),
    ):
        packing = Packing.for_ballot(outcomes, ballots, rows=rows)
        layouts.append(
            {
                "outcomes": outcomes,
                "max_ballots": ballots,
                "rows": rows,
                "base": packing.base,
                "digits_per_lane": packing.digits_per_lane,
                "lanes": packing.lanes,
                "allowed": [list(v) for v in packing.allowed()],
                "lane_bounds": [packing.lane_bound(lane, ballots) for lane in range(packing.lanes)],
                "decode_work": rows * packing.decode_work(ballots),
            }
        )

    def layout(outcomes: int, max_ballots: int) -> dict[str, int]:
        """Which packing a decoding uses: k, N, one row, and what follows (spec 6.1, 6.2)."""
        packing = Packing.for_ballot(outcomes, max_ballots, rows=1)
        return {
            "outcomes": outcomes,
            "max_ballots": max_ballots,
            "rows": 1,
            "base": packing.base,
            "digits_per_lane": packing.digits_per_lane,
            "lanes": packing.lanes,
        }

    def decoding(outcomes: int, max_ballots: int, values: list[int], ballots: int) -> Any:
        counts = Packing.for_ballot(outcomes, max_ballots, rows=1).decode(values, ballots)
        return {
            **layout(outcomes, max_ballots),
            "lane_values": values,
            "ballots": ballots,
            "counts": list(counts),
        }

    decodings = [
        decoding(4, 47, [46 + 48**2], 47),
        decoding(4, 47, [19 + 2 * 48 + 25 * 48**2], 47),
        decoding(4, 47, [0], 0),
        decoding(3, 9, [3 + 2 * 10], 6),
        decoding(4, 100_000, [7 + 5 * 100_001, 3], 20),
        decoding(6, 300, [1 * 301**2 + 2 * 301**3, 1], 4),
    ]
    out_of_range = [
        {**layout(4, 47), "lane_values": [48**3], "ballots": 47, "error": "a fourth digit"},
        {
            **layout(4, 47),
            "lane_values": [30 + 30 * 48],
            "ballots": 47,
            "error": "60 marks from 47 ballots",
        },
        {
            **layout(4, 47),
            "lane_values": [0],
            "ballots": 48,
            "error": "more ballots than B - 1",
        },
        {
            **layout(4, 100_000),
            "lane_values": [0, 100_001],
            "ballots": 20,
            "error": "lane 1 holds one digit: a value of B or more",
        },
        {
            **layout(4, 100_000),
            "lane_values": [15 + 3 * 100_001, 3],
            "ballots": 20,
            "error": "21 marks over two lanes from 20 ballots",
        },
    ]
    return {
        **header(
            "Packing of outcomes into base-B digits and lanes, and decoding (spec 6); "
            "counts in outcome order (outcome 0 first). Every layout, decoding and "
            "out-of-range case states its layout: k (outcomes), N (max_ballots), the ballot's "
            "rows, B (base), digits per lane and lanes; a layout also states its decode_work "
            "(rows times the sum over lanes of lane bound + 1 at N ballots, at most "
            "decode_budget unless one digit per lane); `ballots` is D, the number of ballots "
            "added. `discrete_logs`: the bounded "
            "discrete logarithm of 6.4 (`log` null: no m in [0, bound], including a match "
            "above the bound in the last giant step)"
        ),
        "max_lane_plaintext": 2**40,
        "decode_budget": 2**34,
        "layouts": layouts,
        "decodings": decodings,
        "out_of_range": out_of_range,
        "discrete_logs": _discrete_log_cases(),
    }


def credential_vectors() -> dict[str, Any]:
    """Credential codes (spec 9.2): check characters, typing tolerance, keys, and mistyped
    codes that must be refused."""
    from votecrypt.protocol.credentials import (
        ALPHABET,
        _check_characters,
        _format,
        credential_from_code,
    )

    election = hashlib.sha256(b"votecrypt-vectors/credential-election").digest()
    codes = []
    for label in ("a", "b", "c", "d"):
        digest = hashlib.sha256(b"votecrypt-vectors/credential-" + label.encode()).digest()
        number = int.from_bytes(digest, "big")
        data = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(20))
        codes.append(data)
    codes += ["0" * 20, "Z" * 20]
    valid = []
    for data in codes:
        code = _format(data + _check_characters(data))
        key = credential_from_code(election, code).public_key
        valid.append({"data": data, "code": code, "public_key": key.hex()})
    first = valid[0]["code"].replace("-", "")
    swapped = first[:3] + first[4] + first[3] + first[5:]
    substituted = first[:7] + ALPHABET[(ALPHABET.index(first[7]) + 1) % 32] + first[8:]
    return {
        **header("Credential codes (spec 9.2): the check characters and the derived keys."),
        "election": election.hex(),
        "alphabet": ALPHABET,
        "field_polynomial": "x^5 + x^2 + 1",
        "valid": valid,
        "typed": [
            {
                "typed": valid[0]["code"].lower().replace("-", " "),
                "public_key": valid[0]["public_key"],
            }
        ],
        "mistyped": [
            {"typed": swapped, "note": "two neighbours swapped"},
            {"typed": substituted, "note": "one character wrong"},
        ],
        "supplement": _supplement_vector(valid),
    }


def _supplement_vector(valid: list[dict[str, str]]) -> dict[str, Any]:
    """A credential supplement's digest (spec 9.6): the second code's key added, the first's
    cancelled, under a context hash made up for the vector."""
    from votecrypt.primitives.signing import VerifyKey
    from votecrypt.protocol.supplements import Supplement

    context = hashlib.sha256(b"votecrypt-vectors/supplement-context").digest()

    def key(entry: dict[str, str]) -> VerifyKey:
        return VerifyKey.from_canonical_bytes(bytes.fromhex(entry["public_key"]))

    supplement = Supplement.of(context, 1, added=[key(valid[1])], cancelled=[key(valid[0])])
    return {
        "context_hash": context.hex(),
        "number": supplement.number,
        "added": [k.hex() for k in supplement.added],
        "cancelled": [k.hex() for k in supplement.cancelled],
        "digest": supplement.digest().hex(),
    }


#: A small booth (spec 7.5), listed out of order; one file empty, one not UTF-8.
BOOTH_FILES = (
    ("lib/ballot.js", b"export const x = 1;\n"),
    ("index.html", "<!doctype html><title>Phòng bỏ phiếu</title>\n".encode()),
    ("vendor/noble-curves/LICENSE", b"MIT\r\n"),
    ("booth.js", b""),
    ("favicon.svg", bytes(range(0, 256, 17))),
    ("lib/api.js", b"import './ballot.js';\n"),
)


def booth_vectors() -> dict[str, Any]:
    """The booth digest (spec 7.5): a booth's files and their digest, and file lists that
    have none, each with the reason."""
    from votecrypt.errors import ManifestError
    from votecrypt.math.tags import BOOTH
    from votecrypt.protocol.approved_booth import booth_digest

    ordered = sorted(BOOTH_FILES)
    invalid = []
    for files, reason in (
        ([("../booth.js", b"")], "a path component is '..'"),
        ([("/index.html", b"")], "an absolute path (empty first component)"),
        ([("lib//api.js", b"")], "an empty path component"),
        ([("lib\\api.js", b"")], "a backslash is not a path character"),
        ([("index.html", b"a"), ("index.html", b"b")], "a path twice"),
        ([], "no file"),
    ):
        try:
            booth_digest(files)
        except ManifestError:
            invalid.append(
                {"files": [{"path": p, "content": c.hex()} for p, c in files], "reason": reason}
            )
        else:  # pragma: no cover - the generator checks its own cases
            raise AssertionError(reason)
    return {
        **header(
            "The booth digest (spec 7.5): H(BOOTH, [[path, content], ...]) with the pairs in "
            "increasing order of the paths' bytes, path as text (02), content as bytes (01). "
            "`files` is given out of order; `ordered_paths` is the order hashed; `encoding` "
            "is encode() of the hashed list value."
        ),
        "tag": BOOTH.text,
        "files": [{"path": p, "content": c.hex()} for p, c in BOOTH_FILES],
        "ordered_paths": [p for p, _ in ordered],
        "encoding": encode([[p, c] for p, c in ordered]).hex(),
        "digest": booth_digest(BOOTH_FILES).hex(),
        "invalid": invalid,
    }


def _discrete_log_cases() -> list[dict[str, Any]]:
    """Bounded discrete logarithms (spec 6.4): `log` is the m in [0, bound] with m*G = point,
    or null when there is none. With bound 10 alone, s = 3 and w = 7: the last giant step
    (i = 1) covers [7, 13] and finds m = 11 or 12, which must be refused."""
    from votecrypt.errors import PlaintextOutOfRange
    from votecrypt.primitives.dlog import discrete_log, table_half_width

    cases = []
    for m, bound in ((0, 0), (10, 10), (11, 10), (9, 10), (12, 10), (46 + 48**2, 47 * 48**2)):
        target = Scalar(m) * G if m else GROUP.identity
        try:
            found: int | None = discrete_log(GROUP, target, bound)
        except PlaintextOutOfRange:
            found = None
        assert found == (m if m <= bound else None)
        cases.append(
            {
                "point": target.hex(),
                "bound": bound,
                "half_width": table_half_width([bound]),
                "log": found,
            }
        )
    return cases


def build() -> dict[str, bytes]:
    documents = {
        "booth.json": booth_vectors(),
        "credentials.json": credential_vectors(),
        "encoding.json": encoding_vectors(),
        "hashing.json": hashing_vectors(),
        "elgamal.json": elgamal_vectors(),
        "schnorr.json": schnorr_vectors(),
        "chaum_pedersen.json": chaum_pedersen_vectors(),
        "membership.json": membership_vectors(),
        "packing.json": packing_vectors(),
    }
    return {
        name: (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
        for name, document in documents.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    files = build()
    if args.check:
        different = [
            n for n, d in files.items() if not (HERE / n).exists() or (HERE / n).read_bytes() != d
        ]
        print("\n".join(different) or "the core vectors are up to date")
        return 1 if different else 0
    HERE.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files)} files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

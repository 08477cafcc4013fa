"""Generate the election-record vectors of spec 16.5, deterministically.

    python spec/vectors/generate_election.py          # rewrite spec/vectors/election/
    python spec/vectors/generate_election.py --check  # compare with the committed files

Every random value comes from a fixed seed through the library's one randomness seam, so the
output is the same byte for byte on every run. The record is a small complete election; the
records of RECORDS take the paths it does not (no blank, the members denominator, two lanes,
zero ballots, below the quorum with an override, a condition on the previous vote); each
tampered copy changes one thing; prefixes stop early; the record also comes as .zip and
.tar, and with checkpoint files. expected.json lists, for every case, the checks that fail,
the checks that are skipped and the verdict (spec 16.1, 16.5). This script is the only source
of the files under spec/vectors/election/: it removes any other file.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import io
import json
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

from votecrypt import __version__
from votecrypt.math import Scalar, secp256k1
from votecrypt.math.randomness import _deterministic
from votecrypt.math.tags import CEREMONY_COEFFICIENT_PROOF
from votecrypt.primitives.membership import CHALLENGE_SUM, EQUATIONS
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.primitives.schnorr import SchnorrProof, prove_knowledge
from votecrypt.primitives.sealing import ExchangePublicKey, seal
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.protocol.ceremony.late import late_items
from votecrypt.protocol.ceremony.messages import (
    Answer,
    CeremonyParameters,
    Complaint,
    Decision,
    Evidence,
    InvalidCeremonyMessage,
    Opening,
    RevealedShare,
    SealedShare,
    Signed,
    coefficient_proof_context,
    commitment_hash,
    share_binding,
)
from votecrypt.protocol.ceremony.transcript import (
    CeremonyNotReady,
    Transcript,
    evaluate,
    transcript_digests,
)
from votecrypt.protocol.ceremony.trustee import Trustee
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.protocol.rules import Bracket, Condition, Option, PreviousResult, RuleSet
from votecrypt.record.ceremony_codec import (
    evidence_to_json,
    message_from_json,
    message_to_json,
    outcome_to_json,
)
from votecrypt.record.checkpoint import Checkpoint as TreeHead
from votecrypt.record.checkpoint import election_origin, sign_checkpoint
from votecrypt.record.cosignature import cosign
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import SINGLE_ITEMS, Entry, entry_from_line, entry_hash, entry_to_line
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.note import NoteSignature, SignedNote
from votecrypt.record.rule_presets import preset
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
from votecrypt.service.counting import (
    compute_tally,
    publish_results,
    tally_to_decrypt,
    trustee_decrypt,
)
from votecrypt.service.demo import run_election
from votecrypt.service.election_dir import create_election
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.export import export_record
from votecrypt.service.voting import cast, challenge, close_voting, issue, open_board, prepare
from votecrypt.verifier import verify_record
from votecrypt.verifier.verify import Checkpoint

HERE = Path(__file__).resolve().parent / "election"
SEED = b"election-record-v1"

Edit = Callable[[list[Entry]], None]


def manifest() -> Manifest:
    return Manifest.build(
        title="Lấy phiếu tín nhiệm (vectors)",
        body="Hội đồng nhân dân tỉnh Mẫu",
        date="2026-12-10",
        candidates=[Candidate("Nguyễn Văn A", "Chủ tịch"), Candidate("Trần Thị B", "Phó Chủ tịch")],
        rules=preset("nq96-2023"),
        trustees=["Thành viên 1", "Thành viên 2", "Thành viên 3"],
        threshold=2,
        credentials=4,
        summoned=5,
        # Any 32 bytes name a booth (spec 7.5); the digest of real files is in core/booth.json.
        booth=BoothPin(hashlib.sha256(b"votecrypt-vectors/booth").digest(), "0.1.0"),
    )


CHOICES = [["low", "high"], ["low", "medium"], ["high", "high"], ["low", "blank"]]


def record_lines() -> list[bytes]:
    """The log of the vector election, one canonical line per entry."""
    with tempfile.TemporaryDirectory() as folder, _deterministic(SEED):
        outcome = run_election(
            Path(folder) / "election",
            secp256k1(),
            manifest(),
            CHOICES,
            challenges=1,
            decrypting=[1, 3],
            kdf=KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024),
        )
        return (outcome.record / "log.jsonl").read_bytes().splitlines(keepends=True)


KDF = KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024)
PASSPHRASE = "vector trustee passphrase, never for real use"


class RecordCase(NamedTuple):
    """A complete election for a path the main record does not take (spec 16.5)."""

    manifest: Callable[[], Manifest]
    votes: list[list[str]]  # cast by the first len(votes) credential holders
    challenges: list[list[str]]  # challenged first, by the last credential holder
    decrypting: list[int]
    description: str


def _manifest(
    rules: RuleSet,
    *,
    credentials: int,
    summoned: int,
    members: int,
    blank: bool = True,
    quorum_override: str = "",
    previous: tuple[tuple[str, PreviousResult], ...] = (),
    board: BoardSetup | None = None,
) -> Manifest:
    return Manifest.build(
        title="Lấy phiếu tín nhiệm (vectors)",
        body="Hội đồng nhân dân tỉnh Mẫu",
        date="2026-12-10",
        candidates=[Candidate("Nguyễn Văn A", "Chủ tịch"), Candidate("Trần Thị B", "Phó Chủ tịch")],
        rules=rules,
        blank_allowed=blank,
        trustees=["Thành viên 1", "Thành viên 2", "Thành viên 3"],
        threshold=2,
        credentials=credentials,
        summoned=summoned,
        members=members,
        quorum_override=quorum_override,
        previous=previous,
        board=board,
    )


def five_levels() -> RuleSet:
    """Five options and blank (k = 6): with 300 ballots issued, B = 301 and a lane holds 4
    digits (300 * 301^3 <= 2^40 < 300 * 301^4), so a row has two lanes (spec 6.2). Its
    brackets use fractions above 1 (spec 13.1): `>= 3/2` never holds, `< 3/2` always does."""
    levels = [
        ("l1", "Rất cao"),
        ("l2", "Cao"),
        ("l3", "Trung bình"),
        ("l4", "Thấp"),
        ("l5", "Rất thấp"),
    ]
    return RuleSet(
        id="vectors-five-levels",
        title_vi="Năm mức (vectors)",
        title_en="Five levels (vectors)",
        reference="",
        options=tuple(Option(key, vi, f"Level {key[1]}") for key, vi in levels),
        denominator="collected",
        quorum=Fraction(2, 3),
        brackets=(
            Bracket("never", (Condition("l5", ">=", Fraction(3, 2)),), "Không bao giờ", "Never"),
            Bracket("over-half", (Condition("l5", ">", Fraction(1, 2)),), "Quá nửa", "Over half"),
            Bracket("always", (Condition("l1", "<", Fraction(3, 2)),), "Luôn luôn", "Always"),
        ),
    )


def _vector_key(name: str) -> SigningKey:
    """A fixed Ed25519 key of the vectors (never for real use)."""
    return SigningKey.from_secret_bytes(
        hashlib.sha256(b"votecrypt-vectors/" + name.encode()).digest()
    )


BOARD_KEY = _vector_key("board")
WITNESS_NAMES = ("w1.example", "w2.example", "w3.example")
WITNESS_KEYS = tuple(_vector_key(name) for name in WITNESS_NAMES)
#: The cosignatures' timestamp (spec 11.8), fixed so that the vectors are reproducible.
COSIGNED_AT = 1_796_860_800


def _board_setup() -> BoardSetup:
    witnesses = [
        Witness(n, k.verify_key.to_bytes())
        for n, k in zip(WITNESS_NAMES, WITNESS_KEYS, strict=True)
    ]
    return BoardSetup.build(BOARD_KEY.verify_key.to_bytes(), witnesses, 2)


RECORDS: dict[str, RecordCase] = {
    "witnessed": RecordCase(
        lambda: _manifest(
            preset("nq96-2023"), credentials=4, summoned=5, members=5, board=_board_setup()
        ),
        [["low", "high"], ["low", "medium"], ["high", "high"]],
        [["low", "blank"]],
        [1, 2],
        "a board with a signing key and three witnesses, two needed (7.1): the record keeps "
        "the checkpoint after the first cast ballot, cosigned by w1 and w2, and the final "
        "one, cosigned by all three (15.1, check 24)",
    ),
    "no-blank": RecordCase(
        lambda: _manifest(preset("nq96-2023"), credentials=5, summoned=6, members=6, blank=False),
        [["low", "high"], ["low", "high"], ["low", "medium"], ["high", "low"], ["medium", "high"]],
        [["high", "high"]],
        [2, 3],
        "blank_allowed false (k = 3, `high` is outcome 0, `blank` counts 0); candidate 1 has "
        "3 of 5 low (60%): the `resign-or-vote` bracket; trustees 2 and 3 decrypt",
    ),
    "members-denominator": RecordCase(
        lambda: _manifest(preset("nq85-2014"), credentials=5, summoned=7, members=7),
        [["low", "high"], ["low", "medium"], ["low", "blank"], ["low", "low"]],
        [],
        [1, 2],
        "the legacy preset nq85-2014: D = members = 7, 4 of 5 ballots collected; candidate 1 "
        "has 4 low (4/7 > 1/2, < 2/3): `may-resign`; the counts add up to 4, less than D",
    ),
    "multi-lane": RecordCase(
        lambda: _manifest(five_levels(), credentials=300, summoned=300, members=300),
        [["l5", "l1"], ["l5", "l4"], ["l5", "blank"], ["l4", "l5"]],
        [["l5", "l2"]],
        [1, 3],
        "two lanes per row: five levels and blank with 300 ballots issued (B = 301, four "
        "digits in lane 0, one in lane 1); brackets with fractions above 1",
    ),
    "zero-ballots": RecordCase(
        lambda: _manifest(preset("nq96-2023"), credentials=3, summoned=3, members=3),
        [],
        [["low", "high"]],
        [1, 2],
        "no ballot cast, one challenged: the tally is (O, O) in every lane, D = 0, no "
        'percentage (null, "—") and no bracket',
    ),
    "below-quorum-override": RecordCase(
        lambda: _manifest(
            preset("nq96-2023"),
            credentials=3,
            summoned=5,
            members=5,
            quorum_override="Kỳ họp quyết định tiến hành (vectors)",
        ),
        [["low", "high"], ["low", "high"], ["low", "medium"]],
        [],
        [1, 2],
        "3 ballots issued of 5 summoned, below the 2/3 quorum, with a `quorum_override` in the "
        "manifest (7.1): candidate 1 has 3 of 3 low, yet no bracket, `quorum_met` false (13.2)",
    ),
    "two-years-running": RecordCase(
        lambda: _manifest(
            preset("nq35-2012"),
            credentials=5,
            summoned=6,
            members=6,
            previous=(("Nguyễn Văn A", PreviousResult({"low": 4}, 6)),),
        ),
        [["low", "high"], ["low", "high"], ["low", "low"], ["low", "low"]],
        [],
        [2, 3],
        "the legacy preset nq35-2012 with the previous vote in the manifest (7.1): candidate 1 "
        "has 4 of D = 6 low (not above 2/3) and had 4 of 6 the year before: "
        "`two-years-running` (13.1); candidate 2, 2 of 6 low and no previous result: none",
    ),
}


def run_vector_election(folder: Path, case: RecordCase) -> list[bytes]:
    """The election of `case`, step by step as the command line runs it; only the first
    len(case.votes) credential holders cast (a tally of zero ballots needs credentials that
    nobody uses). Returns the lines of its log."""
    group = secp256k1()
    manifest = case.manifest()
    directory = create_election(folder / "election", manifest)
    paths = {i: folder / f"trustee-{i}.secret" for i in range(1, len(manifest.trustees) + 1)}
    for i, path in paths.items():
        trustee_init(directory, path, i, PASSPHRASE, group, KDF)
    for step in ("commit", "open", "check", "answer"):
        for path in paths.values():
            ceremony_step(directory, path, PASSPHRASE, group, step)
    for path in paths.values():
        outcome = ceremony_finalize(directory, path, PASSPHRASE, group)
    credentials = issue(directory)
    view = endorsement_view(directory, group)
    for i in outcome.qualified:
        endorse(directory, view, paths[i], PASSPHRASE, group, view.fingerprint)
    board, context = open_board(directory, group)
    with board:
        for wanted in case.challenges:
            challenge(board, prepare(context, credentials[-1].code, wanted))
        for credential, wanted in zip(credentials, case.votes, strict=False):
            cast(board, prepare(context, credential.code, wanted))
        close_voting(board, context)
        compute_tally(board, context)
        verified = tally_to_decrypt(directory, group)
        for i in case.decrypting:
            trustee_decrypt(
                directory, paths[i], PASSPHRASE, group, verified, announced=verified.board_hash
            )
        publish_results(directory, board, context)
        record = export_record(board, directory.record)
    return (record / "log.jsonl").read_bytes().splitlines(keepends=True)


def record_case_lines(name: str) -> list[bytes]:
    with tempfile.TemporaryDirectory() as folder, _deterministic(SEED + b"/" + name.encode()):
        return run_vector_election(Path(folder), RECORDS[name])


def _context_hash(lines: list[bytes]) -> bytes:
    entries = [entry_from_line(line, n) for n, line in enumerate(lines, 1)]
    return bytes.fromhex(next(e for e in entries if e.kind == "open").payload["election"])


def signed_head(lines: list[bytes], size: int, key: SigningKey = BOARD_KEY) -> SignedNote:
    """The board's checkpoint of the first `size` lines of a log (spec 11.7)."""
    tree = MerkleTree(leaf_hash(entry_from_line(line, n).hash) for n, line in enumerate(lines, 1))
    head = TreeHead(election_origin(_context_hash(lines)), size, tree.root(size))
    return sign_checkpoint(head, key)


def cosigned_by(note: SignedNote, witnesses: list[int]) -> SignedNote:
    """`note` with the cosignatures of the witnesses numbered `witnesses` (spec 11.8)."""
    for i in witnesses:
        note = note.with_signature(cosign(note, WITNESS_NAMES[i], WITNESS_KEYS[i], COSIGNED_AT))
    return note


def witnessed_notes(lines: list[bytes]) -> dict[str, bytes]:
    """The notes of the witnessed record (15.1): the checkpoint that first holds a cast
    ballot, cosigned by w1 and w2, and the checkpoint of the whole log, by all three."""
    kinds = [entry_from_line(line, n).kind for n, line in enumerate(lines, 1)]
    first = kinds.index("ballot") + 1
    return {
        f"cosigned/{first}.txt": cosigned_by(signed_head(lines, first), [0, 1]).to_bytes(),
        f"cosigned/{len(lines)}.txt": cosigned_by(
            signed_head(lines, len(lines)), [0, 1, 2]
        ).to_bytes(),
    }


def _forge_last_line(note: bytes) -> bytes:
    """The note with its last signature line's last signature byte changed."""
    from votecrypt.record.note import parse_note

    parsed = parse_note(note)
    last = parsed.signatures[-1]
    forged = last.signature[:-1] + bytes([last.signature[-1] ^ 1])
    return SignedNote(
        parsed.text, (*parsed.signatures[:-1], NoteSignature(last.name, last.key_id, forged))
    ).to_bytes()


def witnessed_cases(lines: list[bytes]) -> dict[str, tuple[dict[str, bytes], list[str], str]]:
    """Records made from the witnessed record, each with one fault of check 24 (16.6)."""
    notes = witnessed_notes(lines)
    final = f"cosigned/{len(lines)}.txt"
    entries = [entry_from_line(line, n + 1) for n, line in enumerate(lines)]
    dropped = [copy.deepcopy(e) for e in entries]
    dropped.pop(_index(dropped, "ballot"))
    other = [copy.deepcopy(e) for e in entries]
    TAMPERINGS["ciphertext"][0](other)
    other_lines = rechained(other)
    return {
        "witnessed-dropped-ballot": (
            {"log.jsonl": b"".join(rechained(dropped)), **notes},
            ["board-checkpoints", "close", "tally"],
            "the first cast ballot removed and the chain recomputed; the record keeps the "
            "cosigned checkpoints that hold it",
        ),
        "witnessed-forged-cosignature": (
            {"log.jsonl": b"".join(lines), **notes, final: _forge_last_line(notes[final])},
            ["board-checkpoints"],
            "the last cosignature of the final checkpoint changed: it does not verify",
        ),
        "witnessed-other-signer": (
            {
                "log.jsonl": b"".join(lines),
                **notes,
                final: cosigned_by(
                    signed_head(lines, len(lines), _vector_key("not-the-board")), [0, 1]
                ).to_bytes(),
            },
            ["board-checkpoints"],
            "the final checkpoint signed by a key that is not the board's (cosigned anyway)",
        ),
        "witnessed-split-view": (
            {
                "log.jsonl": b"".join(lines),
                **notes,
                "evidence/1-a.txt": notes[final],
                "evidence/1-b.txt": cosigned_by(
                    signed_head(other_lines, len(lines)), [2]
                ).to_bytes(),
                "evidence/1-why.txt": b"two checkpoints of one size with different roots\n",
            },
            ["board-checkpoints"],
            "a witness's evidence: the final checkpoint and another the board signed of the "
            "same size, with the root of a log whose ballot ciphertext differs",
        ),
    }


def copies(lines: list[bytes]) -> dict[str, bytes]:
    """The copy files of spec 15.1: each single item's payload, canonical JSON and 0a."""
    found = {}
    for number, line in enumerate(lines, 1):
        entry = entry_from_line(line, number)
        if entry.kind in SINGLE_ITEMS and entry.kind not in found:
            found[entry.kind] = canonical_json(entry.payload) + b"\n"
    return {f"{kind}.json": data for kind, data in found.items()}


def _index(entries: list[Entry], kind: str, n: int = 0) -> int:
    return [i for i, e in enumerate(entries) if e.kind == kind][n]


def _with_payload(entries: list[Entry], i: int, change: Callable[[Any], None]) -> None:
    payload = copy.deepcopy(entries[i].payload)
    change(payload)
    e = entries[i]
    entries[i] = Entry(e.seq, e.kind, payload, e.prev, e.hash)


def _insert_forged_evidence(entries: list[Entry]) -> None:
    """Evidence pairing a trustee's check with a changed copy under the same signature."""
    at = max(i for i, e in enumerate(entries) if e.kind == "ceremony")
    check = next(
        e.payload for e in entries if e.kind == "ceremony" and e.payload["type"].endswith("/check")
    )
    changed = copy.deepcopy(check)
    changed["message"]["accepted"] = changed["message"]["accepted"][1:]
    pair = sorted(
        (check, changed),
        key=lambda m: message_from_json(canonical_json(m), secp256k1()).digest(),
    )
    payload = {"type": "votecrypt/ceremony/evidence", "version": 1, "messages": pair}
    previous = entries[at]
    entries.insert(at + 1, Entry(previous.seq, "ceremony", payload, previous.prev, previous.hash))


def _move_after_close(entries: list[Entry], i: int) -> None:
    moved = entries.pop(i)
    entries.insert(_index(entries, "close") + 1, moved)


def _insert_copy(entries: list[Entry], i: int, at: int, change: Callable[[Any], None]) -> None:
    """Insert at `at` a copy of entry `i` with its payload changed."""
    payload = copy.deepcopy(entries[i].payload)
    change(payload)
    e = entries[i]
    entries.insert(at, Entry(e.seq, e.kind, payload, e.prev, e.hash))


def _operator_key(payload: Any) -> None:
    """The operator's own key as the joint key: it would read every ballot."""
    payload["joint_key"] = G_HEX


def _substitute_credential(payload: Any) -> None:
    """One issued credential swapped for a key the operator holds (endorsements kept)."""
    operator = hashlib.sha256(b"operator credential").digest()
    from votecrypt.primitives.signing import SigningKey

    key = SigningKey.from_secret_bytes(operator).verify_key.hex()
    payload["public_keys"] = sorted([*payload["public_keys"][1:], key])


def _swap(entries: list[Entry], i: int, j: int) -> None:
    entries[i], entries[j] = entries[j], entries[i]


#: The Ed25519 point (0, -1), of order 2: canonical and on the curve, but a signature under
#: it can verify for several messages, so it must be refused (spec 2.5).
SMALL_ORDER_KEY = "ec" + "ff" * 30 + "7f"


def _single_outcome(payload: Any) -> None:
    payload["blank_allowed"] = False
    payload["rules"]["options"] = [o for o in payload["rules"]["options"] if o["key"] == "low"]


def _spaced_hex(value: str) -> str:
    """The same bytes with white space inside the hex (bytes.fromhex would accept it)."""
    return value[:16] + "  " + value[16:]


#: Tamperings whose check 11 failure names one ballot: (its position among the ballots, the
#: row, the equation of spec 5.3 that fails first when its rows are read one by one).
NAMED_PROOF_FAILURES = {
    "ballot-proof": (0, 1, EQUATIONS),
    "forged-commitments": (2, 2, CHALLENGE_SUM),
}


def _forge_row_commitments(payload: Any) -> None:
    """Row 2's proof: c_0 + 1, and a_{0,l} - alpha_l, b_{0,l} - beta_l, so that with branch 0's
    values v_{0,l} = 0 (the zero vector, 6.2) a = z*G - c*alpha and b = z*K - c*(beta - v*G)
    still hold: a batch that skipped the challenge check would accept it."""
    group = secp256k1()
    row = payload["rows"][1]
    proof = row["proof"]
    proof["challenges"][0] = _bump(proof["challenges"][0])
    for lane, ciphertext in enumerate(row["ciphertexts"]):
        pair = proof["commitments"][0][lane]
        for name, term in (("a", "alpha"), ("b", "beta")):
            point = group.point_from_canonical_bytes(bytes.fromhex(pair[name]), allow_identity=True)
            shift = group.point_from_canonical_bytes(
                bytes.fromhex(ciphertext[term]), allow_identity=True
            )
            pair[name] = (point - shift).hex()


def _bump(value: str) -> str:
    return (Scalar.from_canonical_bytes(bytes.fromhex(value)) + Scalar(1)).hex()


G_HEX = secp256k1().generator.hex()
RESULT_CHECKS = ["result-counts", "result-percentages", "result-brackets", "result-totals"]
#: What needs the election context C: it fails without C (spec 16.1, rule 3), and fails
#: too when C is recomputed from a published item other than the one the open entry was
#: made from, since every item then names or binds another context (rule 2).
CONTEXT_FAILS = [
    "election-context",
    "ballot-format",
    "ballot-proofs",
    "challenges",
    "close",
    "tally",
    "decryption-shares",
    "decryption",
    *RESULT_CHECKS,
]
#: Without a valid manifest the messages, the ceremony, the credential list's election and
#: endorsements and the context cannot be checked (spec 16.1, rule 3); the ballots'
#: signatures, credentials and identifiers need none of them and pass (rule 4).
INVALID_MANIFEST_FAILS = [
    "manifest",
    "ceremony-messages",
    "ceremony-outcome",
    "credentials",
    *CONTEXT_FAILS,
]

#: name -> (edit, re-chain the log after the edit?, checks that must fail, description)
TAMPERINGS: dict[str, tuple[Edit, bool, list[str], str]] = {
    "ballot-proof": (
        lambda es: _with_payload(
            es,
            _index(es, "ballot"),
            lambda p: p["rows"][0]["proof"]["responses"][0].__setitem__(
                0, _bump(p["rows"][0]["proof"]["responses"][0][0])
            ),
        ),
        True,
        ["ballot-proofs", "ballot-signatures"],
        "a response of a row proof changed",
    ),
    "forged-commitments": (
        lambda es: _with_payload(es, _index(es, "ballot", 2), _forge_row_commitments),
        True,
        ["ballot-proofs", "ballot-signatures"],
        "a row proof's challenge c_0 + 1 with its commitments moved to fit every equation: only "
        "the challenge, re-derived from the carried commitments, fails (spec 5.7)",
    ),
    "ballot-signature": (
        lambda es: _with_payload(
            es, _index(es, "ballot", 1), lambda p: p.__setitem__("signature", "00" * 64)
        ),
        True,
        ["ballot-signatures"],
        "a ballot's signature replaced",
    ),
    "ciphertext": (
        lambda es: _with_payload(
            es,
            _index(es, "ballot", 2),
            lambda p: p["rows"][1]["ciphertexts"][0].__setitem__("beta", G_HEX),
        ),
        True,
        ["ballot-proofs", "ballot-signatures", "tally"],
        "a ballot's ciphertext replaced",
    ),
    "removed-ballot": (
        lambda es: es.pop(_index(es, "ballot", 3)),
        True,
        ["close", "tally"],
        "a cast ballot removed",
    ),
    "inserted-ballot": (
        lambda es: es.insert(_index(es, "ballot") + 1, copy.deepcopy(es[_index(es, "ballot")])),
        True,
        ["ballot-credentials", "ballot-uniqueness", "close", "tally"],
        "a cast ballot duplicated",
    ),
    "edited-entry": (
        lambda es: _with_payload(es, _index(es, "close"), lambda p: p.__setitem__("ballots", 9)),
        False,
        ["log-chain", "close"],
        "the close entry edited without recomputing the chain",
    ),
    "reordered-entries": (
        lambda es: _move_after_close(es, _index(es, "ballot", 0)),
        True,
        ["close", "log-order"],
        "a ballot moved after the close entry",
    ),
    "commitment": (
        lambda es: _with_payload(
            es,
            next(
                i
                for i, e in enumerate(es)
                if e.kind == "ceremony" and e.payload["type"].endswith("/open")
            ),
            lambda p: p["message"]["commitments"].__setitem__(0, G_HEX),
        ),
        True,
        ["ceremony-messages", "ceremony-outcome", "credentials"],
        "a dealer's commitment replaced",
    ),
    "forged-evidence": (
        _insert_forged_evidence,
        True,
        ["ceremony-messages", "ceremony-outcome", "credentials"],
        "evidence against a trustee whose second check is not signed by it (8.8.1: both "
        "messages must pass their envelope), appended after the ceremony messages",
    ),
    "decryption-share": (
        lambda es: _with_payload(
            es,
            _index(es, "decryption-share"),
            lambda p: p["partials"][0][0].__setitem__("value", G_HEX),
        ),
        True,
        [
            "decryption-shares",
            "decryption",
            "result-counts",
            "result-percentages",
            "result-brackets",
        ],
        "a partial decryption replaced (only one valid share is left; the totals, which do "
        "not depend on the decryption, still pass)",
    ),
    "announced-counts": (
        lambda es: _with_payload(
            es, _index(es, "results"), lambda p: p["candidates"][0]["counts"].update(low=2, high=2)
        ),
        True,
        ["result-counts", "result-percentages"],
        "announced counts changed",
    ),
    "percentage": (
        lambda es: _with_payload(
            es,
            _index(es, "results"),
            lambda p: p["candidates"][0]["percentages"].__setitem__("low", "50.00"),
        ),
        True,
        ["result-percentages"],
        "an announced percentage changed",
    ),
    "bracket": (
        lambda es: _with_payload(
            es, _index(es, "results"), lambda p: p["candidates"][0].__setitem__("bracket", None)
        ),
        True,
        ["result-brackets"],
        "the announced consequence removed",
    ),
    "forged-outcome-first": (
        lambda es: _insert_copy(
            es, _index(es, "ceremony-outcome"), _index(es, "ceremony-outcome"), _operator_key
        ),
        True,
        ["log-order", "ceremony-outcome", *CONTEXT_FAILS],
        "an outcome with the operator's key inserted before the real one (a booth taking the "
        "first would encrypt under it): the first outcome is the published one (check 3 "
        "reports the second), check 6 fails, and the context C recomputed from it is not the "
        "one the open entry names (check 7); every ballot, challenge, the close entry, the "
        "tally, every share and the results name or bind another context than C and fail "
        "(checks 9, 11, 14-17, 22), so check 18 has no valid share and checks 19-21 no counts "
        "(16.1, rules 2 and 3); the signatures, credentials and identifiers need no context "
        "and pass",
    ),
    "substituted-credentials": (
        lambda es: _with_payload(es, _index(es, "credentials"), _substitute_credential),
        True,
        ["credentials", "ballot-credentials", *CONTEXT_FAILS],
        "one credential of the endorsed list swapped for a key the operator holds: the "
        "endorsements fail (check 8), the list is still used (16.1, rule 2), so the ballot of "
        "the removed credential fails check 12, and the context C recomputed from it is not "
        "the one the open entry names: as in forged-outcome-first",
    ),
    "second-tally": (
        lambda es: _insert_copy(es, _index(es, "tally"), _index(es, "tally") + 1, lambda p: None),
        True,
        ["log-order"],
        "a second tally entry after the first",
    ),
    "whitespace-in-hex": (
        lambda es: _with_payload(
            es,
            _index(es, "ballot"),
            lambda p: p.__setitem__("ballot_id", _spaced_hex(p["ballot_id"])),
        ),
        True,
        [
            "ballot-format",
            "ballot-signatures",
            "ballot-proofs",
            "ballot-credentials",
            "ballot-uniqueness",
            "tally",
        ],
        "white space inside a ballot's hex: the same bytes in a second encoding. An entry "
        "decodes whole or not at all (16.1): the ballot does not decode (check 9), so its "
        "signature, proofs, credential and identifiers cannot be checked (checks 10-13) and "
        "it cannot be summed (check 16), each failing (rule 3); the close entry counts "
        "entries and passes",
    ),
    "outcome-after-credentials": (
        lambda es: _swap(es, _index(es, "ceremony-outcome"), _index(es, "credentials")),
        True,
        ["log-order"],
        "the credentials entry before the ceremony-outcome entry (11.1: outcome, then credentials)",
    ),
    "ceremony-messages-out-of-order": (
        lambda es: _swap(es, _index(es, "ceremony", 3), _index(es, "ceremony", 4)),
        True,
        ["log-order"],
        "two commit messages in decreasing sender order (11.1: round by round, each round in "
        "increasing sender order); the messages are still used",
    ),
    "small-order-credential": (
        lambda es: _with_payload(
            es,
            _index(es, "credentials"),
            lambda p: p["public_keys"].__setitem__(0, SMALL_ORDER_KEY),
        ),
        True,
        ["credentials", "ballot-credentials", *CONTEXT_FAILS],
        "a credential replaced by an Ed25519 key of small order (2.5): the list does not "
        "decode (check 8), so no context exists (check 7) and every check or part that "
        "needs the list or the context fails (16.1, rule 3), the close entry's election "
        "among them (check 15); the ballots' signatures and identifiers need neither and "
        "pass (rule 4)",
    ),
    "invalid-manifest": (
        lambda es: _with_payload(
            es, _index(es, "manifest"), lambda p: p.__setitem__("title", p["title"] + " ")
        ),
        True,
        INVALID_MANIFEST_FAILS,
        "the manifest's title with a trailing space (7.1: not valid): no manifest, so no "
        "ceremony evaluation, no endorsement check and no context; every check or part that "
        "needs them fails (16.1, rule 3), the close entry's election among them (check 15); "
        "the ballots' signatures, credentials and identifiers need none of them and pass "
        "(rule 4)",
    ),
    "single-outcome-manifest": (
        lambda es: _with_payload(es, _index(es, "manifest"), _single_outcome),
        True,
        INVALID_MANIFEST_FAILS,
        "the manifest's rules cut to the one option `low` with blank_allowed false: k = 1, "
        "a row without a choice, is not a valid manifest (6.1, 7.1)",
    ),
    "tally-ballots-above-issued": (
        lambda es: _with_payload(es, _index(es, "tally"), lambda p: p.__setitem__("ballots", 99)),
        True,
        [
            "tally",
            "decryption",
            "result-counts",
            "result-percentages",
            "result-brackets",
            "result-totals",
        ],
        "the tally claims 99 ballots of 4 issued: D >= B fails the decoding (6.3) and the "
        "results MUST be refused (13.2), which fails check 22 and with it checks 19-21",
    ),
    "results-without-shares": (
        lambda es: es.__setitem__(slice(None), [e for e in es if e.kind != "decryption-share"]),
        True,
        [
            "decryption-shares",
            "decryption",
            "result-counts",
            "result-percentages",
            "result-brackets",
        ],
        "every decryption share removed, the results kept: 0 of t valid shares once results "
        "are published fails checks 17 and 18; the totals still pass (16.1)",
    ),
    "boolean-count": (
        lambda es: _with_payload(
            es,
            _index(es, "results"),
            lambda p: p["candidates"][0]["counts"].__setitem__("high", True),
        ),
        True,
        ["result-counts"],
        "an announced count of 1 written as true: JSON values are compared with their type",
    ),
    "reordered-endorsements": (
        lambda es: _with_payload(
            es, _index(es, "credentials"), lambda p: p["endorsements"].reverse()
        ),
        True,
        ["credentials"],
        "the credential list's endorsements in decreasing trustee order (9.3): an order "
        "rule, not decoding, so check 8 fails and the list is still used (16.1, rule 2); "
        "the endorsements are not part of the context, so nothing else fails",
    ),
    "results-extra-field": (
        lambda es: _with_payload(
            es, _index(es, "results"), lambda p: p.__setitem__("note", "recount pending")
        ),
        True,
        ["result-totals"],
        "a field the results entry does not have (13.5) added: the results are compared "
        "field by field (16.1), and a field outside those of checks 18-21 fails check 22",
    ),
    "results-without-decrypted-by": (
        lambda es: _with_payload(es, _index(es, "results"), lambda p: p.pop("decrypted_by")),
        True,
        ["decryption"],
        "`decrypted_by` removed from the results entry: the field belongs to check 18, which "
        "fails; every other field is still compared and passes (16.1)",
    ),
    "outcome-extra-field": (
        lambda es: _with_payload(
            es, _index(es, "ceremony-outcome"), lambda p: p.__setitem__("note", "final")
        ),
        True,
        ["ceremony-outcome", "credentials", *CONTEXT_FAILS],
        "a field the ceremony outcome does not have (8.8) added: the outcome does not decode "
        "(exact key set, 15.2), so check 6 fails and there is no published outcome: the "
        "endorsements (check 8) and the context (check 7) cannot be checked, and every check "
        "or part that needs the context fails (16.1, rule 3); the messages (check 5), the "
        "ballots' signatures, credentials and identifiers pass (rule 4)",
    ),
    "lax-close": (
        lambda es: _with_payload(
            es,
            _index(es, "close"),
            lambda p: p.update(type="votecrypt/closed", reason="end of the meeting"),
        ),
        True,
        ["close"],
        "the close entry with another type and an extra field, its counts right: it is "
        "compared field by field with the close entry the log gives (11.1, 16.1), so check 15 "
        "fails; nothing else reads it",
    ),
}

#: name -> (number of entries kept, description): a log cut short, verified against a
#: checkpoint taken on the whole record (spec 16.4).
SHORTENED = {
    "shorter-than-checkpoint": (-3, "the last entries removed after an observer's checkpoint"),
}


def _spaced_line(line: bytes) -> bytes:
    """The same entry as JSON with white space and keys out of order: not canonical."""
    value = json.loads(line)
    return (json.dumps(dict(reversed(list(value.items()))), ensure_ascii=False) + "\n").encode()


#: name -> (line edit, checks that must fail, description): the log's bytes changed without
#: changing any entry's value (spec 15.2, check 1).
#: name -> (edit of the lines, checks that must fail, checks skipped, description)
LINE_EDITS: dict[str, tuple[Callable[[list[bytes]], list[bytes]], list[str], list[str], str]] = {
    "non-canonical-line": (
        lambda ls: [_spaced_line(line) if n == 10 else line for n, line in enumerate(ls)],
        ["log-format"],
        [],
        "entry 10 written with white space and keys out of order: the same values (the chain "
        "holds) in a second JSON text; check 1 fails and the entry is still used",
    ),
    "missing-final-newline": (
        lambda ls: [*ls[:-1], ls[-1].rstrip(b"\n")],
        ["log-format"],
        [],
        "the last line without its newline",
    ),
    "nfd-rewrite": (
        lambda ls: [*ls[:-1], _nfd(ls[-1])],
        ["log-format", "log-chain"],
        ["result-counts", "result-percentages", "result-brackets", "result-totals"],
        "the results line with its Vietnamese names in NFD, its hash kept: the typed "
        "encoding hashes the NFC form (3.1), so the hash still matches, but text not in NFC "
        "does not decode (15.2): the line has no entry (checks 1 and 2 fail) and the log "
        "is read as if it ended before it, so checks 19-22 are skipped (16.1)",
    ),
}


def _nfd(line: bytes) -> bytes:
    """The same line with every text in Unicode NFD (hex and keys are ASCII: unchanged)."""
    return unicodedata.normalize("NFD", line.decode("utf-8")).encode("utf-8")


ALL_AFTER_OPEN = [
    "ballot-format",
    "ballot-signatures",
    "ballot-proofs",
    "ballot-credentials",
    "ballot-uniqueness",
    "challenges",
]
COUNTING = ["tally", "decryption-shares", "decryption"]
RESULTS = ["result-counts", "result-percentages", "result-brackets", "result-totals"]

#: name -> (last kind kept, its occurrence, checks skipped, description): a log that stops
#: early verifies "so far" (spec 16.1, rule 1).
PREFIXES: dict[str, tuple[str, int, list[str], str]] = {
    "prefix-in-ceremony": (
        "ceremony",
        4,
        [
            "ceremony-outcome",
            "election-context",
            "credentials",
            *ALL_AFTER_OPEN,
            "close",
            *COUNTING,
            *RESULTS,
            "board-checkpoints",
        ],
        "the log in the middle of the key ceremony: check 5 reports the five messages read, "
        "every later check is skipped",
    ),
    "prefix-to-open": (
        "open",
        0,
        ["close", *COUNTING, *RESULTS],
        "the log up to the open entry, as a booth reads it: the voting checks pass with "
        "nothing to check, closing and counting are skipped",
    ),
    "prefix-one-share": (
        "decryption-share",
        0,
        ["decryption", *RESULTS],
        "the log up to the first of the two decryption shares needed: check 17 passes for the "
        "share present, check 18 waits for t valid shares",
    ),
}


def rechained(entries: list[Entry]) -> list[bytes]:
    previous = bytes(32)
    lines = []
    for seq, entry in enumerate(entries):
        digest = entry_hash(seq, previous, entry.kind, entry.payload)
        lines.append(entry_to_line(Entry(seq, entry.kind, entry.payload, previous, digest)))
        previous = digest
    return lines


def ceremony_files() -> dict[str, bytes]:
    """A 2-of-4 ceremony with complaints (spec 8.6-8.8): dealer 2 sends a bad share to
    trustee 4 and answers the complaint correctly (it stays); dealer 3 sends a bad share to
    trustee 1 and reveals a wrong one (it is disqualified)."""
    group = secp256k1()
    parameters = CeremonyParameters(hashlib.sha256(b"ceremony vectors").digest(), 4, 2)
    with _deterministic(SEED + b"/ceremony"):
        trustees = [
            Trustee.create(group, parameters, i, f"Trustee {i}") for i in parameters.indices
        ]
        transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
        transcript = dataclasses.replace(
            transcript, commits={t.index: t.commit(transcript) for t in trustees}
        )
        openings = {}
        for trustee in trustees:
            signed = trustee.open(transcript)
            victim = {2: 4, 3: 1}.get(trustee.index)
            openings[trustee.index] = (
                signed if victim is None else _bad_share(trustee, signed, transcript, victim)
            )
        transcript = dataclasses.replace(transcript, openings=openings)
        transcript = dataclasses.replace(
            transcript, checks={t.index: t.check(transcript) for t in trustees}
        )
        answers = {}
        for trustee in trustees:
            answer = trustee.answer(transcript)
            if answer is not None and trustee.index == 3:
                wrong = Answer(parameters.election, 3, (RevealedShare(1, Scalar(12345)),))
                answer = Signed.create(wrong, trustee.export_secrets().signing_key)
            if answer is not None:
                answers[trustee.index] = answer
        transcript = dataclasses.replace(transcript, answers=answers)
    return _transcript_files("ceremony", _board_goes_on(transcript, trustees[:2]))


def _bad_share(
    trustee: Trustee, signed: Signed[Opening], transcript: Transcript, victim: int
) -> Signed[Opening]:
    secrets = trustee.export_secrets()
    assert secrets.polynomial is not None
    key = transcript.announcements[victim].message.exchange_key
    opening = signed.message
    wrong = secrets.polynomial.evaluate(victim) + Scalar(1)
    box = seal(key, wrong.to_bytes(), share_binding(opening.election, opening.sender, victim, key))
    shares = tuple(SealedShare(victim, box) if s.recipient == victim else s for s in opening.shares)
    return Signed.create(dataclasses.replace(opening, shares=shares), secrets.signing_key)


# The reason table of spec 8.8: ceremonies in which every trustee from 3 on fails in its own
# way, so that every reason text appears in an outcome. Trustees 1 and 2 are honest; they go
# on at each step without whoever is missing, and at the end (t = 2) they vote to go on
# without every trustee still awaited: the board's decision (spec 8.8).


def _resign(trustee: Trustee, message: Any) -> Signed[Any]:
    return Signed.create(message, trustee.export_secrets().signing_key)


def _with(transcript: Transcript, round_name: str, index: int, signed: Signed[Any]) -> Transcript:
    field = {
        "announce": "announcements",
        "commit": "commits",
        "open": "openings",
        "decide": "decisions",
    }.get(round_name, round_name + "s")
    messages = {**getattr(transcript, field), index: signed}
    return dataclasses.replace(transcript, **{field: messages})


def _board_goes_on(transcript: Transcript, voters: list[Trustee]) -> Transcript:
    """While the ceremony waits for someone, `voters` (t trustees) vote to go on without the
    trustees waited for (spec 8.8), as the board does at the end of each vector ceremony."""
    while True:
        try:
            evaluate(secp256k1(), transcript)
            return transcript
        except CeremonyNotReady as pending:
            for voter in voters:
                earlier = transcript.decisions.get(voter.index)
                vote = voter.decide(pending.trustees, earlier.message if earlier else None)
                transcript = _with(transcript, "decide", voter.index, vote)


def _start(n: int, label: bytes, t: int = 2) -> tuple[CeremonyParameters, list[Trustee]]:
    parameters = CeremonyParameters(hashlib.sha256(b"ceremony reasons " + label).digest(), n, t)
    trustees = [
        Trustee.create(secp256k1(), parameters, i, f"Trustee {i}") for i in parameters.indices
    ]
    return parameters, trustees


def _finish(transcript: Transcript, acting: list[Trustee], answering: list[Trustee]) -> Transcript:
    """Checks by `acting`, then answers by `answering`, the board proceeding each time."""
    for trustee in acting:
        transcript = _with(
            transcript,
            "check",
            trustee.index,
            trustee.check(transcript, proceed_without_missing=True),
        )
    for trustee in answering:
        answer = trustee.answer(transcript, proceed_without_missing=True)
        if answer is not None:
            transcript = _with(transcript, "answer", trustee.index, answer)
    return transcript


def reasons_announce() -> Transcript:
    """3 never announces (the board goes on without it); 4 announces a non-canonical exchange
    key, 5 one of small order, 6 trustee 1's, 7 one not derived from its signing key; 8 and 9
    share one signing key."""
    parameters, trustees = _start(9, b"announce")
    twin = Trustee(
        trustees[0].group, parameters, 9, "Trustee 9", "announced", trustees[7].export_secrets()
    )
    trustees[8] = twin
    other = Trustee.create(trustees[0].group, parameters, 7, "other")
    forged = {
        4: (2**255 - 19).to_bytes(32, "little"),
        5: bytes(32),
        6: trustees[0].announce().message.exchange_key.to_bytes(),
        7: other.announce().message.exchange_key.to_bytes(),
    }
    transcript = Transcript(parameters)
    for trustee in trustees:
        if trustee.index == 3:
            continue
        signed = trustee.announce()
        if trustee.index in forged:
            message = dataclasses.replace(
                signed.message,
                exchange_key=ExchangePublicKey.from_canonical_bytes(forged[trustee.index]),
            )
            signed = _resign(trustee, message)
        transcript = _with(transcript, "announce", trustee.index, signed)
    honest = trustees[:2]
    for trustee in honest:
        transcript = _with(transcript, "commit", trustee.index, trustee.commit(transcript))
    for trustee in honest:
        transcript = _with(
            transcript,
            "open",
            trustee.index,
            trustee.open(transcript, proceed_without_missing=True),
        )
    return _board_goes_on(_finish(transcript, honest, honest), honest)


def reasons_open() -> Transcript:
    """3's commitment hash is lost after the others opened (the board goes on without it); 4
    commits after trustees 1 and 2 opened; 5 never opens (the board goes on without it); 6
    opens t + 1 commitments; 7 opens others than it committed to; 8 drops a proof; 9 commits
    to the identity; 10 sends an invalid proof; 11 names a recipient twice."""
    parameters, trustees = _start(11, b"open")
    group = trustees[0].group
    transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
    forged_commitments: dict[int, tuple[Any, ...]] = {}
    for trustee in trustees:
        if trustee.index == 4:
            continue
        signed = trustee.commit(transcript)
        own = trustee.export_secrets().polynomial
        assert own is not None
        commitments = own.commitments(group)
        if trustee.index == 6:
            commitments = (*commitments, group.multiply_generator(Scalar(5)))
        elif trustee.index == 9:
            commitments = (commitments[0], group.identity)
        if trustee.index in (6, 9):
            forged_commitments[trustee.index] = commitments
            message = dataclasses.replace(
                signed.message,
                commitment_hash=commitment_hash(parameters.election, trustee.index, commitments),
            )
            signed = _resign(trustee, message)
        transcript = _with(transcript, "commit", trustee.index, signed)
    for trustee in trustees[:2]:
        signed = trustee.open(transcript, proceed_without_missing=True)
        transcript = _with(transcript, "open", trustee.index, signed)
    transcript = _with(transcript, "commit", 4, trustees[3].commit(transcript))
    for trustee in trustees[2:]:
        if trustee.index in (4, 5):
            continue
        signed = trustee.open(transcript)
        opening = signed.message
        if trustee.index in forged_commitments:
            opening = dataclasses.replace(opening, commitments=forged_commitments[trustee.index])
        elif trustee.index == 7:
            opening = dataclasses.replace(opening, commitments=opening.commitments[::-1])
        elif trustee.index == 8:
            opening = dataclasses.replace(opening, proofs=opening.proofs[:1])
        elif trustee.index == 10:
            proof = opening.proofs[1]
            broken = SchnorrProof(proof.challenge, proof.response + Scalar(1))
            opening = dataclasses.replace(opening, proofs=(opening.proofs[0], broken))
        elif trustee.index == 11:
            opening = dataclasses.replace(opening, shares=opening.shares + opening.shares[:1])
        if opening != signed.message:
            signed = _resign(trustee, opening)
        transcript = _with(transcript, "open", trustee.index, signed)
    # Trustee 4, left out, opens anyway; its opening is not counted.
    transcript = _with(transcript, "open", 4, _late_opening(trustees[3], transcript))
    commits = {i: c for i, c in transcript.commits.items() if i != 3}
    transcript = dataclasses.replace(transcript, commits=commits)
    honest = trustees[:2]
    checking = [t for t in trustees if t.index not in (3, 4, 5)]  # every other trustee of D
    return _board_goes_on(_finish(transcript, checking, honest), honest)


def _late_opening(trustee: Trustee, transcript: Transcript) -> Signed[Opening]:
    """What a trustee left out of D would open: its commitments, proofs and no shares."""
    secrets = trustee.export_secrets()
    assert secrets.polynomial is not None
    group = trustee.group
    commitments = secrets.polynomial.commitments(group)
    proofs = tuple(
        prove_knowledge(
            a,
            c,
            tag=CEREMONY_COEFFICIENT_PROOF,
            context=coefficient_proof_context(transcript.parameters.election, trustee.index, k),
        )
        for k, (a, c) in enumerate(zip(secrets.polynomial.coefficients, commitments, strict=True))
    )
    opening = Opening(transcript.parameters.election, trustee.index, commitments, proofs, ())
    return _resign(trustee, opening)


def reasons_check_answer() -> Transcript:
    """3's check names a dealer twice, 4's names itself, 5's gives an unknown reason; dealers
    6 to 9 send a bad share to trustee 1 (8 also to trustee 2): 6 never answers and 8 answers
    trustee 1 only (both waited for: the board goes on without them), 7 reveals a share
    twice, 9 reveals a wrong share."""
    parameters, trustees = _start(9, b"check-answer")
    transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
    for trustee in trustees:
        transcript = _with(transcript, "commit", trustee.index, trustee.commit(transcript))
    victims = {6: [1], 7: [1], 8: [1, 2], 9: [1]}
    for trustee in trustees:
        signed = trustee.open(transcript)
        for victim in victims.get(trustee.index, []):
            signed = _bad_share(trustee, signed, transcript, victim)
        transcript = _with(transcript, "open", trustee.index, signed)
    for trustee in trustees:
        signed_check = trustee.check(transcript)
        check = signed_check.message
        if trustee.index == 3:
            check = dataclasses.replace(check, accepted=check.accepted + check.accepted[:1])
        elif trustee.index == 4:
            check = dataclasses.replace(check, accepted=(*check.accepted, 4))
        elif trustee.index == 5:
            check = dataclasses.replace(
                check, accepted=check.accepted[1:], complaints=(Complaint(1, "late"),)
            )
        if check != signed_check.message:
            signed_check = _resign(trustee, check)
        transcript = _with(transcript, "check", trustee.index, signed_check)
    for trustee in trustees:
        if trustee.index == 6:
            continue
        answer = trustee.answer(transcript)
        if answer is None:
            continue
        revealed = answer.message.revealed
        if trustee.index == 7:
            revealed = revealed + revealed[:1]
        elif trustee.index == 8:
            revealed = tuple(r for r in revealed if r.recipient != 2)
        elif trustee.index == 9:
            revealed = tuple(RevealedShare(r.recipient, r.share + Scalar(1)) for r in revealed)
        if revealed != answer.message.revealed:
            answer = _resign(trustee, dataclasses.replace(answer.message, revealed=revealed))
        transcript = _with(transcript, "answer", trustee.index, answer)
    return _board_goes_on(transcript, trustees[:2])


def reasons_precedence() -> Transcript:
    """Trustees failing in several ways at once (spec 8.8, one reason per trustee: the first
    failure): 3 announces a small-order exchange key and shares its signing key with 4 and 5
    (4 and 5 name trustee 3, the smallest other index); 6 opens t + 1 commitments, which do
    not match its hash either; 7 commits to the identity as commitment 1 and breaks proof 0
    (proof 0 is examined first) and also publishes a malformed check; 8 drops a proof and
    names a recipient twice; 9's check names a dealer twice and itself, and 9 never answers
    the complaint about its bad share; dealers 10 to 14 send bad shares: 10 leaves trustee 2
    unanswered and reveals a wrong share for 1 (the wrong share disqualifies it at once), 11
    reveals wrong shares for 1 and 2, 13 never
    answers (the board goes on without it), 14 reveals trustee 1's share twice and leaves 9
    unanswered. 12 reveals shares nobody asked for (trustee 1's, correct; 3's, 12's and 99's,
    ignored) and stays. Trustee 1's check also accepts trustee 3 and trustee 2's complains
    about trustee 6, neither a dealer: the checks are well formed and those verdicts are
    ignored."""
    parameters, trustees = _start(14, b"precedence")
    group = trustees[0].group
    secrets_3 = trustees[2].export_secrets()
    for index in (4, 5):
        trustees[index - 1] = Trustee(
            group, parameters, index, f"Trustee {index}", "announced", secrets_3
        )
    transcript = Transcript(parameters)
    for trustee in trustees:
        signed = trustee.announce()
        if trustee.index == 3:
            small = ExchangePublicKey.from_canonical_bytes(bytes(32))
            signed = _resign(trustee, dataclasses.replace(signed.message, exchange_key=small))
        transcript = _with(transcript, "announce", trustee.index, signed)
    dealers = [t for t in trustees if t.index not in (3, 4, 5)]
    forged: dict[int, tuple[Any, ...]] = {}
    for trustee in dealers:
        signed_commit = trustee.commit(transcript)
        if trustee.index == 7:
            own = trustee.export_secrets().polynomial
            assert own is not None
            forged[7] = (own.commitments(group)[0], group.identity)
            message = dataclasses.replace(
                signed_commit.message,
                commitment_hash=commitment_hash(parameters.election, 7, forged[7]),
            )
            signed_commit = _resign(trustee, message)
        transcript = _with(transcript, "commit", trustee.index, signed_commit)
    victims = {9: [1], 10: [1, 2], 11: [1, 2], 13: [1, 2], 14: [1]}
    for trustee in dealers:
        signed_open = trustee.open(transcript)
        for victim in victims.get(trustee.index, []):
            signed_open = _bad_share(trustee, signed_open, transcript, victim)
        opening = signed_open.message
        if trustee.index == 6:
            extra = group.multiply_generator(Scalar(5))
            opening = dataclasses.replace(opening, commitments=(*opening.commitments, extra))
        elif trustee.index == 7:
            proof = opening.proofs[0]
            broken = SchnorrProof(proof.challenge, proof.response + Scalar(1))
            opening = dataclasses.replace(
                opening, commitments=forged[7], proofs=(broken, opening.proofs[1])
            )
        elif trustee.index == 8:
            opening = dataclasses.replace(
                opening, proofs=opening.proofs[:1], shares=opening.shares + opening.shares[:1]
            )
        if opening != signed_open.message:
            signed_open = _resign(trustee, opening)
        transcript = _with(transcript, "open", trustee.index, signed_open)
    for trustee in dealers:
        signed_check = trustee.check(transcript)
        check = signed_check.message
        if trustee.index == 1:
            check = dataclasses.replace(check, accepted=(*check.accepted, 3))
        elif trustee.index == 2:
            check = dataclasses.replace(
                check, complaints=(*check.complaints, Complaint(6, "mismatch"))
            )
        elif trustee.index == 7:
            check = dataclasses.replace(check, accepted=(*check.accepted, 7))
        elif trustee.index == 9:
            check = dataclasses.replace(check, accepted=(*check.accepted, check.accepted[0], 9))
        if check != signed_check.message:
            signed_check = _resign(trustee, check)
        transcript = _with(transcript, "check", trustee.index, signed_check)
    for trustee in dealers:
        if trustee.index in (6, 7, 8, 9, 13):
            continue
        answer = trustee.answer(transcript)
        assert answer is not None  # the malformed checks of 7 and 9 complain about everyone
        revealed = answer.message.revealed
        own = trustee.export_secrets().polynomial
        assert own is not None
        if trustee.index == 10:
            revealed = tuple(
                RevealedShare(r.recipient, r.share + Scalar(1)) if r.recipient == 1 else r
                for r in revealed
                if r.recipient != 2
            )
        elif trustee.index == 11:
            revealed = tuple(
                RevealedShare(r.recipient, r.share + Scalar(1)) if r.recipient in (1, 2) else r
                for r in revealed
            )
        elif trustee.index == 12:
            revealed = (
                *revealed,
                RevealedShare(1, own.evaluate(1)),
                RevealedShare(3, Scalar(7)),
                RevealedShare(12, Scalar(7)),
                RevealedShare(99, Scalar(7)),
            )
        elif trustee.index == 14:
            first = next(r for r in revealed if r.recipient == 1)
            revealed = (*(r for r in revealed if r.recipient != 9), first)
        if revealed != answer.message.revealed:
            answer = _resign(trustee, dataclasses.replace(answer.message, revealed=revealed))
        transcript = _with(transcript, "answer", trustee.index, answer)
    return _board_goes_on(transcript, trustees[:2])


def reasons_decide() -> Transcript:
    """The board's decisions (spec 8.8), t = 2 of 5: trustee 5 is absent; 1 and 2 vote to go on
    without it. Trustee 4 commits and does not open; 1 and 3 vote to go on without it, 4 votes
    to go on without 1 (one vote: no decision). Then 4's opening and 5's announcement arrive
    late: the board went on without them, so they are in no digest row and change nothing."""
    parameters, trustees = _start(5, b"decide")
    transcript = Transcript(parameters)
    for trustee in trustees[:4]:
        transcript = _with(transcript, "announce", trustee.index, trustee.announce())
    for trustee in trustees[:4]:
        transcript = _with(transcript, "commit", trustee.index, trustee.commit(transcript))
    votes: dict[int, Signed[Decision]] = {}

    def vote(trustee: Trustee, without: list[int]) -> Transcript:
        earlier = votes[trustee.index].message if trustee.index in votes else None
        votes[trustee.index] = trustee.decide(without, earlier)
        return _with(transcript, "decide", trustee.index, votes[trustee.index])

    for voter in trustees[:2]:
        transcript = vote(voter, [5])
    late_opening = trustees[3].open(transcript)
    present = trustees[:3]
    for trustee in present:
        transcript = _with(transcript, "open", trustee.index, trustee.open(transcript))
    transcript = vote(trustees[0], [4])
    transcript = vote(trustees[2], [4])
    transcript = vote(trustees[3], [1])
    for trustee in present:
        transcript = _with(transcript, "check", trustee.index, trustee.check(transcript))
    for trustee in present:
        answer = trustee.answer(transcript)
        if answer is not None:
            transcript = _with(transcript, "answer", trustee.index, answer)
    transcript = _with(transcript, "open", 4, late_opening)
    return _with(transcript, "announce", 5, trustees[4].announce())


def reasons_evidence() -> Transcript:
    """Equivocation (spec 8.8.1), t = 3 of 5: trustee 5 signs a check accepting every dealer
    (shown to dealer 3) and one complaining about dealer 3 (shown to the others, and in this
    transcript). Dealer 3 saw nothing to answer; `evidence-5.json` holds both checks, so
    trustee 5 is convicted, its complaint counts for nothing and nobody waits for dealer 3."""
    parameters, trustees = _start(5, b"evidence", t=3)
    transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
    for trustee in trustees:
        transcript = _with(transcript, "commit", trustee.index, trustee.commit(transcript))
    for trustee in trustees:
        transcript = _with(transcript, "open", trustee.index, trustee.open(transcript))
    for trustee in trustees:
        transcript = _with(transcript, "check", trustee.index, trustee.check(transcript))
    shown = transcript.checks[5]
    lie = _resign(
        trustees[4],
        dataclasses.replace(
            shown.message,
            accepted=tuple(d for d in shown.message.accepted if d != 3),
            complaints=(Complaint(3, "mismatch"),),
        ),
    )
    transcript = _with(transcript, "check", 5, lie)
    return dataclasses.replace(transcript, evidence={5: Evidence.of(shown, lie)})


REASON_CASES: dict[str, Callable[[], Transcript]] = {
    "announce": reasons_announce,
    "open": reasons_open,
    "check-answer": reasons_check_answer,
    "precedence": reasons_precedence,
    "decide": reasons_decide,
    "evidence": reasons_evidence,
}


def reason_files() -> dict[str, bytes]:
    """ceremony-reasons/<case>/: parameters, every message and the closed outcome."""
    files: dict[str, bytes] = {}
    for name, build_case in REASON_CASES.items():
        with _deterministic(SEED + b"/ceremony-reasons/" + name.encode()):
            transcript = build_case()
        files.update(_transcript_files(f"ceremony-reasons/{name}", transcript))
    return files


def _endorsed_2_of_3(label: bytes) -> tuple[Transcript, list[Trustee]]:
    """A complete 2-of-3 ceremony, every trustee honest: the transcript t trustees endorse."""
    parameters, trustees = _start(3, label)
    transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
    for round_name, step in (("commit", "commit"), ("open", "open"), ("check", "check")):
        for trustee in trustees:
            transcript = _with(
                transcript, round_name, trustee.index, getattr(trustee, step)(transcript)
            )
    return transcript, trustees


def late_evidence() -> tuple[Transcript, Transcript]:
    """Spec 8.8.2: after the close, trustee 3 (qualified) signs a second check complaining
    about dealer 1; the evidence is late, named, and trustee 3 stays qualified."""
    transcript, trustees = _endorsed_2_of_3(b"late evidence")
    shown = transcript.checks[3]
    lie = _resign(
        trustees[2],
        dataclasses.replace(
            shown.message,
            accepted=tuple(d for d in shown.message.accepted if d != 1),
            complaints=(Complaint(1, "mismatch"),),
        ),
    )
    return transcript, Transcript(transcript.parameters, evidence={3: Evidence.of(shown, lie)})


def late_answer() -> tuple[Transcript, Transcript]:
    """Spec 8.8.2: after the close, dealer 2 (qualified) reveals a wrong share for trustee 1,
    which before the close would disqualify it (8.7 rule 2); late, named, and 2 stays."""
    transcript, trustees = _endorsed_2_of_3(b"late answer")
    wrong = Answer(transcript.parameters.election, 2, (RevealedShare(1, Scalar(12345)),))
    return transcript, Transcript(transcript.parameters, answers={2: _resign(trustees[1], wrong)})


def _forged_announcement(sender: int, label: bytes) -> tuple[Transcript, Transcript]:
    """A late announcement "of trustee `sender`" that anyone could write: trustee 2's with
    another name and a fresh key, signed by that key (spec 8.8.2: refused)."""
    transcript, _ = _endorsed_2_of_3(label)
    key = SigningKey.generate()
    forged = dataclasses.replace(
        transcript.announcements[2].message,
        sender=sender,
        name="Mallory",
        signing_key=key.verify_key,
    )
    late = Transcript(transcript.parameters, announcements={sender: Signed.create(forged, key)})
    return transcript, late


def late_forged_announce() -> tuple[Transcript, Transcript]:
    """Spec 8.8.2: a late announcement of trustee 2 not under trustee 2's announced key."""
    return _forged_announcement(2, b"late forged announcement")


def late_outsider_announce() -> tuple[Transcript, Transcript]:
    """Spec 8.8.2: a late announcement of trustee 4 of a ceremony of 3."""
    return _forged_announcement(4, b"late outsider announcement")


LATE_CASES: dict[str, Callable[[], tuple[Transcript, Transcript]]] = {
    "evidence": late_evidence,
    "answer": late_answer,
    "forged-announce": late_forged_announce,
    "outsider-announce": late_outsider_announce,
}


def late_files() -> dict[str, bytes]:
    """ceremony-late/<case>/: the endorsed transcript as ceremony-reasons/ holds one, its
    late items under late/, and late.json, their names in order, or the refusal of a late
    item that does not check (spec 8.8.2)."""
    files: dict[str, bytes] = {}
    for name, build_case in LATE_CASES.items():
        with _deterministic(SEED + b"/ceremony-late/" + name.encode()):
            transcript, late = build_case()
        folder = f"ceremony-late/{name}"
        files.update(_transcript_files(folder, transcript))
        for _, messages in late.rounds():
            for index, signed in messages.items():
                path = f"{folder}/late/{signed.message.ROUND}-{index}.json"
                files[path] = message_to_json(signed)
        for index, evidence in late.evidence.items():
            files[f"{folder}/late/evidence-{index}.json"] = evidence_to_json(evidence)
        try:
            result: dict[str, Any] = {"late": [what for _, _, what in late_items(transcript, late)]}
        except InvalidCeremonyMessage as error:
            result = {"refused": str(error)}
        files[f"{folder}/late.json"] = canonical_json(result) + b"\n"
    return files


def _transcript_files(folder: str, transcript: Transcript) -> dict[str, bytes]:
    parameters = transcript.parameters
    outcome = evaluate(secp256k1(), transcript)
    files = {
        f"{folder}/parameters.json": (
            json.dumps(
                {
                    "election": parameters.election.hex(),
                    "trustees": parameters.trustees,
                    "threshold": parameters.threshold,
                }
            )
            + "\n"
        ).encode(),
        # byte for byte as an election directory holds them (spec 15.4): no final newline
        f"{folder}/outcome.json": outcome_to_json(outcome),
    }
    for _, messages in transcript.rounds():
        for index, signed in messages.items():
            files[f"{folder}/{signed.message.ROUND}-{index}.json"] = message_to_json(signed)
    for index, evidence in transcript.evidence.items():
        files[f"{folder}/evidence-{index}.json"] = evidence_to_json(evidence)
    # Every message's digest (spec 8.2) and the transcript hash over them (8.8), so that an
    # implementation can find which hash input it types differently.
    rows = [[name, sender, digest.hex()] for name, sender, digest in transcript_digests(transcript)]
    files[f"{folder}/digests.json"] = (
        canonical_json({"rows": rows, "transcript_hash": outcome.transcript_hash.hex()}) + b"\n"
    )
    return files


def _checkpoint(entry: Entry) -> dict[str, Any]:
    return {"seq": entry.seq, "hash": entry.hash.hex()}


def _checkpoint_file(entry: Entry) -> bytes:
    """A checkpoint file as `votecrypt verify --checkpoint-out` writes it (spec 16.4)."""
    return canonical_json(
        {"type": "votecrypt/verify-checkpoint", "seq": entry.seq, "hash": entry.hash.hex()}
    )


def _zip(files: dict[str, bytes]) -> bytes:
    """A .zip record with its files at the top (stored, fixed dates: reproducible)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _tar(files: dict[str, bytes], top: str) -> bytes:
    """A .tar record with its files under one top directory (fixed owner and dates)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _case(
    path: str, description: str, failed: list[str], skipped: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    skipped = sorted(skipped or [])
    verdict = "not verified" if failed else "verified so far" if skipped else "verified"
    return {
        "path": path,
        "description": description,
        "failed": sorted(failed),
        "skipped": skipped,
        "verdict": verdict,
        **extra,
    }


def build() -> dict[str, bytes]:
    """Every file of spec/vectors/election/, by relative path."""
    lines = record_lines()
    entries = [entry_from_line(line, n + 1) for n, line in enumerate(lines)]
    record_copies = copies(lines)
    files = {"record/log.jsonl": b"".join(lines)}
    files.update({f"record/{name}": data for name, data in record_copies.items()})
    at_close = entries[_index(entries, "close")]
    last = entries[-1]
    files["checkpoints/at-close.json"] = _checkpoint_file(at_close)
    files["checkpoints/at-end.json"] = _checkpoint_file(last)
    whole = {"log.jsonl": b"".join(lines), **record_copies}
    files["archives/record.zip"] = _zip(whole)
    files["archives/record.tar"] = _tar(whole, "record")
    reformatted = dict(whole)
    reformatted["results.json"] = (
        json.dumps(json.loads(whole["results.json"]), ensure_ascii=False, indent=1) + "\n"
    ).encode()
    files["archives/results-copy-reformatted.zip"] = _zip(reformatted)
    no_newline = dict(whole)
    no_newline["manifest.json"] = whole["manifest.json"].rstrip(b"\n")
    files["archives/manifest-copy-without-newline.tar"] = _tar(no_newline, "record")
    expected: dict[str, Any] = {
        "origin": f"spec/vectors/generate_election.py, votecrypt {__version__}, seed "
        f"{SEED.decode()}",
        "record": _case("record", "the main record, with the copies of 15.1", []),
        "records": {
            "record-since-close": _case(
                "record",
                "the main record verified with an observer's checkpoint at the close entry: "
                "the history up to it is unchanged, and every check runs (an observer's "
                "checkpoint vouches for no proof, 16.4)",
                [],
                checkpoint=_checkpoint(at_close),
                checkpoint_file="checkpoints/at-close.json",
            ),
            "record-zip": _case("archives/record.zip", "the main record as a .zip", []),
            "record-tar": _case(
                "archives/record.tar", "the main record as a .tar, under a top directory", []
            ),
        },
        "tampered": {},
    }
    for name, case in RECORDS.items():
        case_lines = record_case_lines(name)
        files[f"records/{name}/log.jsonl"] = b"".join(case_lines)
        for copy_name, data in copies(case_lines).items():
            files[f"records/{name}/{copy_name}"] = data
        if name == "witnessed":
            witnessed_lines = case_lines
            for note_name, data in witnessed_notes(case_lines).items():
                files[f"records/{name}/{note_name}"] = data
        expected["records"][name] = _case(f"records/{name}", case.description, [])
    tampered = expected["tampered"]
    for name, (record_files, failed, description) in witnessed_cases(witnessed_lines).items():
        for file_name, data in record_files.items():
            files[f"tampered/{name}/{file_name}"] = data
        tampered[name] = _case(f"tampered/{name}", description, failed)
    for name, (edit, rechain, failed, description) in TAMPERINGS.items():
        changed = [copy.deepcopy(e) for e in entries]
        edit(changed)
        data = b"".join(rechained(changed) if rechain else [entry_to_line(e) for e in changed])
        files[f"tampered/{name}/log.jsonl"] = data
        named = {}
        if name in NAMED_PROOF_FAILURES:
            # the ballot the batch check names by bisection (spec 5.7, 16.1), and its reason
            position, row, equation = NAMED_PROOF_FAILURES[name]
            seq = changed[_index(changed, "ballot", position)].seq
            named = {
                "ballot_proof_failures": [f"entry {seq}: invalid-proof: row {row}: {equation}"]
            }
        tampered[name] = _case(f"tampered/{name}", description, failed, **named)
    for name, (line_edit, failed, skipped, description) in LINE_EDITS.items():
        files[f"tampered/{name}/log.jsonl"] = b"".join(line_edit(list(lines)))
        tampered[name] = _case(f"tampered/{name}", description, failed, skipped)
    for name, (keep, description) in SHORTENED.items():
        files[f"tampered/{name}/log.jsonl"] = b"".join(lines[:keep])
        tampered[name] = _case(
            f"tampered/{name}",
            description,
            ["log-chain"],
            ["decryption-shares", "decryption", *RESULTS],
            checkpoint=_checkpoint(last),
            checkpoint_file="checkpoints/at-end.json",
        )
    rewritten = [copy.deepcopy(e) for e in entries]
    TAMPERINGS["ballot-proof"][0](rewritten)
    files["tampered/rewritten-before-checkpoint/log.jsonl"] = b"".join(rechained(rewritten))
    tampered["rewritten-before-checkpoint"] = _case(
        "tampered/rewritten-before-checkpoint",
        "a ballot's proof changed and the chain recomputed, verified with a checkpoint at the "
        "end of the original: check 2 fails, and so does the changed proof (an observer's "
        "checkpoint vouches for no proof, 16.4)",
        ["log-chain", *TAMPERINGS["ballot-proof"][2]],
        checkpoint=_checkpoint(last),
        checkpoint_file="checkpoints/at-end.json",
    )
    # A forger's checkpoint: the head of the rewritten log itself. It skips nothing.
    files["checkpoints/forged-at-end.json"] = _checkpoint_file(
        entry_from_line(rechained(rewritten)[-1], len(rewritten))
    )
    tampered["forged-checkpoint"] = _case(
        "tampered/rewritten-before-checkpoint",
        "the same rewritten log with a checkpoint of its own head, as a forger would write "
        "it: the changed proof fails (an unsigned checkpoint skips nothing, 16.4)",
        TAMPERINGS["ballot-proof"][2],
        checkpoint=_checkpoint(entry_from_line(rechained(rewritten)[-1], len(rewritten))),
        checkpoint_file="checkpoints/forged-at-end.json",
    )
    tampered["results-copy-reformatted"] = _case(
        "archives/results-copy-reformatted.zip",
        "results.json holds the same values indented: copies are compared byte for byte",
        ["record-copies"],
    )
    tampered["manifest-copy-without-newline"] = _case(
        "archives/manifest-copy-without-newline.tar",
        "manifest.json without its final newline",
        ["record-copies"],
    )
    prefixes = expected["prefixes"] = {}
    for name, (kind, occurrence, skipped, description) in PREFIXES.items():
        keep = _index(entries, kind, occurrence) + 1
        files[f"prefixes/{name}/log.jsonl"] = b"".join(lines[:keep])
        prefixes[name] = _case(f"prefixes/{name}", description, [], skipped)
    files.update(ceremony_files())
    files.update(reason_files())
    files.update(late_files())
    files["expected.json"] = (
        json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    ).encode()
    return files


def cases(expected: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every case of expected.json by name: the record, complete records, tampered copies
    and prefixes."""
    return {
        "record": expected["record"],
        **expected["records"],
        **expected["tampered"],
        **expected["prefixes"],
    }


def check_expectations(root: Path) -> list[str]:
    """Run the verifier on every vector; list the disagreements with expected.json."""
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    problems = []
    for name, case in cases(expected).items():
        since = case.get("checkpoint")
        report = verify_record(
            root / case["path"],
            jobs=1,
            since=None if since is None else Checkpoint(since["seq"], bytes.fromhex(since["hash"])),
        )
        failed = sorted(c.name for c in report.failed())
        skipped = sorted(c.name for c in report.checks.values() if c.status == "SKIP")
        verdict = report.verdict.replace("-", " ")
        got = {"failed": failed, "skipped": skipped, "verdict": verdict}
        if "ballot_proof_failures" in case:
            got["ballot_proof_failures"] = report.checks["ballot-proofs"].failures
        for key, value in got.items():
            if value != case[key]:
                problems.append(f"{name}: {key} {value}, expected {case[key]}")
    return problems


def stray_files(root: Path, files: dict[str, bytes]) -> list[str]:
    """Files under `root` that the generator does not make (left over from an older one)."""
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and str(path.relative_to(root)) not in files
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    files = build()
    if args.check:
        different = [
            p for p, d in files.items() if not (HERE / p).exists() or (HERE / p).read_bytes() != d
        ]
        stray = [f"{path} (not made by this script)" for path in stray_files(HERE, files)]
        print("\n".join(different + stray) or "the election vectors are up to date")
        return 1 if different or stray else 0
    for path in stray_files(HERE, files):
        (HERE / path).unlink()  # the generator is the single source of every file here
    for path, data in files.items():
        (HERE / path).parent.mkdir(parents=True, exist_ok=True)
        (HERE / path).write_bytes(data)
    problems = check_expectations(HERE)
    print("\n".join(problems) or f"wrote {len(files)} files; every expectation holds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""JSON files of the key ceremony: signed messages and the outcome (spec 8.2, 15.3).

A message file is
    {"type": "votecrypt/ceremony/<round>", "version": 1, "message": {...}, "signature": hex}
with the fields of spec 8.2-8.7; binary values are lower-case hex.
"""

from __future__ import annotations

from typing import Any

from votecrypt.errors import CeremonyError, EncodingError
from votecrypt.math.group import Group
from votecrypt.primitives.schnorr import SchnorrProof
from votecrypt.primitives.sealing import ExchangePublicKey, SealedBox
from votecrypt.primitives.signing import SIGNATURE_BYTES, VerifyKey
from votecrypt.protocol.ceremony.messages import (
    ROW_KINDS,
    Announcement,
    Answer,
    Check,
    Commit,
    Complaint,
    Decision,
    Evidence,
    Message,
    Opening,
    RevealedShare,
    Row,
    SealedShare,
    Signed,
    row_order,
)
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome
from votecrypt.record.json_codec import (
    Fields,
    canonical_json,
    decode_index,
    decode_point,
    parse_json,
)

VERSION = 1
MAX_TRUSTEES = 1000
MESSAGE_TYPE = "votecrypt/ceremony/{round}"
OUTCOME_TYPE = "votecrypt/ceremony/outcome"
EVIDENCE_TYPE = "votecrypt/ceremony/evidence"
SEALED_SHARE_BYTES = 32 + 16


def message_to_json(signed: Signed[Any]) -> bytes:
    """The canonical JSON file of a signed ceremony message."""
    message: Message = signed.message
    return canonical_json(
        {
            "type": MESSAGE_TYPE.format(round=message.ROUND),
            "version": VERSION,
            "message": _message_fields(message),
            "signature": signed.signature.hex(),
        }
    )


def _message_fields(message: Message) -> dict[str, Any]:
    fields: dict[str, Any] = {"election": message.election.hex(), "sender": message.sender}
    if isinstance(message, Announcement):
        fields.update(
            name=message.name,
            signing_key=message.signing_key.hex(),
            exchange_key=message.exchange_key.hex(),
        )
    elif isinstance(message, Commit):
        fields.update(commitment_hash=message.commitment_hash.hex())
    elif isinstance(message, Opening):
        fields.update(
            commitments=[c.hex() for c in message.commitments],
            proofs=[{"c": p.challenge.hex(), "z": p.response.hex()} for p in message.proofs],
            shares=[
                {
                    "recipient": s.recipient,
                    "ephemeral": s.box.ephemeral.hex(),
                    "ciphertext": s.box.ciphertext.hex(),
                }
                for s in message.shares
            ],
        )
    elif isinstance(message, Check):
        fields.update(
            accepted=list(message.accepted),
            complaints=[{"dealer": c.dealer, "reason": c.reason} for c in message.complaints],
            seen=_seen_plain(message.seen),
        )
    elif isinstance(message, Decision):
        fields.update(without=list(message.without))
    else:
        fields.update(
            revealed=[{"recipient": r.recipient, "share": r.share.hex()} for r in message.revealed],
            seen=_seen_plain(message.seen),
        )
    return fields


def message_from_json(data: bytes, group: Group, expected_round: str | None = None) -> Signed[Any]:
    """Decode a ceremony message file strictly; `expected_round` refuses any other round."""
    return message_from_plain(parse_json(data), group, expected_round)


def evidence_to_json(evidence: Evidence) -> bytes:
    """The canonical JSON file of evidence against a sender (spec 8.8.1): its two message
    files, the smaller digest first."""
    return canonical_json(evidence_plain(evidence))


def evidence_plain(evidence: Evidence) -> dict[str, Any]:
    return {
        "type": EVIDENCE_TYPE,
        "version": VERSION,
        "messages": [parse_json(message_to_json(s)) for s in (evidence.first, evidence.second)],
    }


def evidence_from_json(data: bytes, group: Group) -> Evidence:
    return evidence_from_plain(parse_json(data), group)


def evidence_from_plain(value: Any, group: Group) -> Evidence:
    """Decode an evidence file strictly (spec 8.8.1): exactly two message files of one round
    (not "announce") and one sender, the smaller digest first. Signatures are checked where
    the evidence is used, against the sender's announced key."""
    top = Fields(value, "ceremony evidence")
    top.constant("type", EVIDENCE_TYPE)
    top.integer("version", VERSION, VERSION)
    messages = [message_from_plain(item, group) for _, item in top.items("messages", max_items=2)]
    top.done()
    if len(messages) != 2:
        raise EncodingError("ceremony evidence: expected two messages")
    try:
        return Evidence(messages[0], messages[1])
    except CeremonyError as error:
        raise EncodingError(f"ceremony evidence: {error}") from None


def item_from_json(data: bytes, group: Group) -> Signed[Any] | Evidence:
    """A ceremony entry of the log (spec 11.1): a signed message or evidence."""
    value = parse_json(data)
    if isinstance(value, dict) and value.get("type") == EVIDENCE_TYPE:
        return evidence_from_plain(value, group)
    return message_from_plain(value, group)


def item_to_json(item: Signed[Any] | Evidence) -> bytes:
    return evidence_to_json(item) if isinstance(item, Evidence) else message_to_json(item)


def message_from_plain(value: Any, group: Group, expected_round: str | None = None) -> Signed[Any]:
    """Decode a ceremony message (its parsed JSON) strictly."""
    top = Fields(value, "ceremony message")
    kind = top.text("type")
    if not kind.startswith("votecrypt/ceremony/"):
        raise EncodingError(f"not a ceremony message (type {kind!r})")
    round_name = kind.removeprefix("votecrypt/ceremony/")
    if expected_round is not None and round_name != expected_round:
        raise EncodingError(f"expected a {expected_round} message, got {round_name}")
    top.integer("version", VERSION, VERSION)
    fields = top.nested("message")
    signature = top.hex_bytes("signature", SIGNATURE_BYTES)
    top.done()
    election = fields.hex_bytes("election", 32)
    sender = decode_index(fields.raw("sender"), fields.path("sender"), MAX_TRUSTEES)
    message: Message
    if round_name == "announce":
        message = Announcement(
            election,
            sender,
            fields.text("name", max_length=200),
            VerifyKey.from_canonical_bytes(fields.hex_bytes("signing_key", 32)),
            ExchangePublicKey.from_canonical_bytes(fields.hex_bytes("exchange_key", 32)),
        )
    elif round_name == "commit":
        message = Commit(election, sender, fields.hex_bytes("commitment_hash", 32))
    elif round_name == "open":
        message = Opening(
            election,
            sender,
            # The identity decodes (A.2) so that it disqualifies its dealer (spec 8.4)
            # instead of making the whole transcript unreadable.
            fields.listed(
                "commitments",
                lambda v, p: decode_point(v, p, group, allow_identity=True),
                max_items=MAX_TRUSTEES,
            ),
            tuple(_proof(f) for f in fields.objects("proofs", max_items=MAX_TRUSTEES)),
            tuple(_sealed_share(f) for f in fields.objects("shares", max_items=MAX_TRUSTEES)),
        )
    elif round_name == "check":
        message = Check(
            election,
            sender,
            fields.listed(
                "accepted", lambda v, p: decode_index(v, p, MAX_TRUSTEES), max_items=MAX_TRUSTEES
            ),
            tuple(_complaint(f) for f in fields.objects("complaints", max_items=MAX_TRUSTEES)),
            _seen(fields),
        )
    elif round_name == "answer":
        message = Answer(
            election,
            sender,
            tuple(_revealed(f) for f in fields.objects("revealed", max_items=MAX_TRUSTEES)),
            _seen(fields),
        )
    elif round_name == "decide":
        without = fields.listed(
            "without", lambda v, p: decode_index(v, p, MAX_TRUSTEES), max_items=MAX_TRUSTEES
        )
        if list(without) != sorted(set(without)):
            # One decision, one encoding: the trustees in increasing order, each once (8.8).
            raise EncodingError(f"{fields.path('without')}: not in increasing order")
        message = Decision(election, sender, without)
    else:
        raise EncodingError(f"unknown ceremony round {round_name!r}")
    fields.done()
    return Signed(message, signature)


def _seen_plain(seen: tuple[Row, ...]) -> list[dict[str, Any]]:
    return [{"round": r, "sender": j, "digest": d.hex()} for r, j, d in seen]


def _seen(fields: Fields) -> tuple[Row, ...]:
    """The rows a check or answer saw (spec 8.2): each a known round or "evidence", a trustee
    index and a 32-byte digest, in the order of the transcript hash (8.8 step 9), strictly
    increasing: one view, one encoding."""
    rows: list[Row] = []
    for item in fields.objects("seen", max_items=len(ROW_KINDS) * MAX_TRUSTEES):
        kind = item.text("round", max_length=20)
        if kind not in ROW_KINDS:
            raise EncodingError(f"{item.path('round')}: not a round of the transcript")
        row = (kind, decode_index(item.raw("sender"), item.path("sender"), MAX_TRUSTEES))
        rows.append((*row, item.hex_bytes("digest", 32)))
        item.done()
    order = [row_order(r) for r in rows]
    if order != sorted(set(order)):
        raise EncodingError(f"{fields.path('seen')}: not in the order of the transcript hash")
    slots = [(kind, j) for kind, j, _ in rows]
    if any(slots.count(slot) > (2 if slot[0] == "evidence" else 1) for slot in slots):
        raise EncodingError(f"{fields.path('seen')}: a round and sender listed twice")
    return tuple(rows)


def _proof(fields: Fields) -> SchnorrProof:
    proof = SchnorrProof(fields.scalar("c"), fields.scalar("z"))
    fields.done()
    return proof


def _sealed_share(fields: Fields) -> SealedShare:
    share = SealedShare(
        decode_index(fields.raw("recipient"), fields.path("recipient"), MAX_TRUSTEES),
        SealedBox(
            ExchangePublicKey.from_canonical_bytes(fields.hex_bytes("ephemeral", 32)),
            fields.hex_bytes("ciphertext", SEALED_SHARE_BYTES),
        ),
    )
    fields.done()
    return share


def _complaint(fields: Fields) -> Complaint:
    complaint = Complaint(
        decode_index(fields.raw("dealer"), fields.path("dealer"), MAX_TRUSTEES),
        fields.text("reason", max_length=40),
    )
    fields.done()
    return complaint


def _revealed(fields: Fields) -> RevealedShare:
    revealed = RevealedShare(
        decode_index(fields.raw("recipient"), fields.path("recipient"), MAX_TRUSTEES),
        fields.scalar("share"),
    )
    fields.done()
    return revealed


def outcome_to_json(outcome: CeremonyOutcome) -> bytes:
    """The canonical JSON file of a ceremony outcome (spec 8.8)."""
    return canonical_json(
        {
            "type": OUTCOME_TYPE,
            "version": VERSION,
            "election": outcome.election.hex(),
            "trustees": outcome.trustees,
            "threshold": outcome.threshold,
            "qualified": list(outcome.qualified),
            "disqualified": [{"trustee": i, "reason": why} for i, why in outcome.disqualified],
            "joint_key": outcome.joint_key.hex(),
            "verification_keys": [
                {"trustee": j, "key": key.hex()} for j, key in outcome.verification_keys
            ],
            "transcript_hash": outcome.transcript_hash.hex(),
        }
    )


def outcome_from_json(data: bytes, group: Group) -> CeremonyOutcome:
    """Decode a ceremony outcome file strictly."""
    fields = Fields(parse_json(data), "ceremony outcome")
    fields.constant("type", OUTCOME_TYPE)
    fields.integer("version", VERSION, VERSION)
    trustees = fields.integer("trustees", 1, MAX_TRUSTEES)
    disqualified = []
    for item in fields.objects("disqualified", max_items=MAX_TRUSTEES):
        disqualified.append(
            (decode_index(item.raw("trustee"), item.path("trustee"), trustees), item.text("reason"))
        )
        item.done()
    keys = []
    for item in fields.objects("verification_keys", max_items=MAX_TRUSTEES):
        keys.append(
            (
                decode_index(item.raw("trustee"), item.path("trustee"), trustees),
                item.point("key", group),
            )
        )
        item.done()
    outcome = CeremonyOutcome(
        election=fields.hex_bytes("election", 32),
        trustees=trustees,
        threshold=fields.integer("threshold", 1, trustees),
        qualified=fields.listed("qualified", lambda v, p: decode_index(v, p, trustees)),
        disqualified=tuple(disqualified),
        joint_key=fields.point("joint_key", group),
        verification_keys=tuple(keys),
        transcript_hash=fields.hex_bytes("transcript_hash", 32),
    )
    fields.done()
    return outcome

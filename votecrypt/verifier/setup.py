"""Checks 4-8, setup (spec 16.2): the manifest, the ceremony, the election context and the
credential list (spec 7.2, 8.2, 8.8, 7.3, 9.3)."""

from __future__ import annotations

from votecrypt.errors import CeremonyError, EncodingError, FileError, ManifestError, RefusedData
from votecrypt.protocol.ceremony.late import late_items
from votecrypt.protocol.ceremony.messages import Evidence, InvalidCeremonyMessage
from votecrypt.protocol.ceremony.transcript import differing_views
from votecrypt.protocol.context import ElectionContext, election_fingerprint
from votecrypt.protocol.credentials import check_endorsements
from votecrypt.protocol.setup import (
    ceremony_position,
    derive_outcome,
    endorsing_keys,
    transcript_from_messages,
)
from votecrypt.protocol.supplements import CredentialRoll, check_supplement_endorsements
from votecrypt.protocol.tally import TallyAccumulator
from votecrypt.record.ceremony_codec import item_from_json, outcome_from_json, outcome_to_json
from votecrypt.record.election_codec import (
    credential_order_faults,
    credentials_as_published,
    manifest_from_plain,
    open_plain,
)
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import Entry
from votecrypt.record.supplement_codec import supplement_from_plain
from votecrypt.verifier.results import check_rule_set
from votecrypt.verifier.state import Verification
from votecrypt.verifier.voting import drain


def manifest_entry(v: Verification, entry: Entry) -> None:
    """Check 4 (spec 7.2)."""
    check = v.report["manifest"]
    check.checked += 1
    if v.manifest is not None:
        check.fail(f"entry {entry.seq}: a second manifest")
        return
    try:
        v.manifest = manifest_from_plain(entry.payload)
    except (EncodingError, ManifestError) as error:
        check.fail(f"entry {entry.seq}: {error}")
        return
    check_rule_set(v, entry)


def ceremony_entry(v: Verification, entry: Entry) -> None:
    """Check 5 (spec 8.2, 8.8.1), and check 3 for the order of the messages and evidence."""
    check = v.report["ceremony-messages"]
    check.checked += 1
    try:
        signed = item_from_json(canonical_json(entry.payload), v.group)
    except EncodingError as error:
        check.fail(f"entry {entry.seq}: {error}")
        return
    position = ceremony_position(signed)
    if position <= v.last_message:
        v.report["log-order"].fail(
            f"entry {entry.seq}: ceremony messages must come round by round, each round "
            "in increasing sender order, one per round and sender"
        )
    if position in v.message_positions:
        return  # spec 8.2: the first message of a round and sender counts, later ones not
    v.message_positions.add(position)
    v.last_message = max(position, v.last_message)
    v.messages.append(signed)
    if isinstance(signed, Evidence):
        v.evidence_entries[signed.sender] = entry.seq


def outcome_entry(v: Verification, entry: Entry) -> None:
    """Check 6 (spec 8.8), decoding; the outcome is compared when the open entry comes."""
    try:
        v.outcome = outcome_from_json(canonical_json(entry.payload), v.group)
    except EncodingError as error:
        v.report["ceremony-outcome"].fail(f"entry {entry.seq}: {error}")


def credentials_entry(v: Verification, entry: Entry) -> None:
    """Check 8 (spec 9.3), first part: the list itself. A list that decodes is used as
    published even when its order or its election is wrong (spec 16.1, rule 2)."""
    check = v.report["credentials"]
    check.checked += 1
    try:
        v.credential_list, v.endorsements = credentials_as_published(entry.payload)
    except EncodingError as error:
        check.fail(f"entry {entry.seq}: {error}")
        return
    for fault in credential_order_faults(v.credential_list, v.endorsements):
        check.fail(f"entry {entry.seq}: {fault}")
    keys = v.credential_list.public_keys
    if v.manifest is None:
        check.fail(
            "the list cannot be compared with the election without a valid manifest (check 4)"
        )
    else:
        if v.credential_list.election != v.manifest.manifest_hash():
            check.fail("the credential list names another election")
        if len(keys) > v.manifest.credentials:
            check.fail(
                f"{len(keys)} credentials published; the manifest allows at most "
                f"{v.manifest.credentials}"
            )
    ceiling = v.manifest.credentials if v.manifest is not None else len(keys)
    v.roll = CredentialRoll.of(v.credential_list, ceiling)


def supplement_entry(v: Verification, entry: Entry) -> None:
    """Check 8 for a credential supplement (spec 9.6): for `C`, endorsed by t qualified
    trustees, and valid on the credentials in force, which it then changes (one that fails
    is not applied). The ballots before it are taken in first, so that check 12 sees each
    against the credentials in force where it stands in the log."""
    drain(v)
    check = v.report["credentials"]
    check.checked += 1
    where = f"entry {entry.seq}"
    try:
        supplement, endorsements = supplement_from_plain(entry.payload)
    except EncodingError as error:
        check.fail(f"{where}: {error}")
        return
    if v.context is None or v.roll is None or v.transcript is None:
        check.fail(f"{where}: the supplement cannot be checked without a context (check 7)")
        return
    if supplement.election != v.context.hash:
        check.fail(f"{where}: the credential supplement names another election")
        return
    try:
        check_supplement_endorsements(
            supplement,
            endorsements,
            endorsing_keys(v.transcript, v.context.ceremony),
            v.context.ceremony.threshold,
            published=True,
        )
        v.roll.apply(supplement)
    except RefusedData as error:
        check.fail(f"{where}: {error}")


def open_entry(v: Verification, entry: Entry) -> None:
    """Checks 5, 6 and 8 on everything before the open entry, then check 7 (spec 7.3)."""
    _check_ceremony(v)
    _check_endorsements(v)
    check = v.report["election-context"]
    check.checked += 1
    if v.manifest is None or v.outcome is None or v.credential_list is None:
        check.fail(
            "no valid manifest, ceremony outcome and credential list before the open entry "
            "(checks 4, 6 and 8)"
        )
        return
    try:
        v.context = ElectionContext.build(v.group, v.manifest, v.outcome, v.credential_list)
    except ManifestError as error:
        check.fail(str(error))
        return
    v.report.election = {
        "title": v.manifest.title,
        "election_id": v.context.manifest_hash.hex(),
        "context_hash": v.context.hash.hex(),
        "fingerprint": election_fingerprint(v.context.hash),
    }
    if entry.payload != open_plain(v.context.hash):
        check.fail(f"entry {entry.seq}: the open entry does not name the context hash")
    v.tally_sum = TallyAccumulator(v.group, v.context.rows, v.context.packing.lanes)
    v.engine.start(v.context)
    v.started = True


def _check_ceremony(v: Verification) -> None:
    """Checks 5 and 6 (spec 8.2, 8.8): the messages evaluate to the published outcome."""
    messages_check, outcome_check = v.report["ceremony-messages"], v.report["ceremony-outcome"]
    outcome_check.checked += 1
    if v.manifest is None:
        outcome_check.fail("the ceremony cannot be evaluated without a valid manifest (check 4)")
        if v.messages:
            messages_check.fail(
                "the messages cannot be checked against the election without a valid "
                "manifest (check 4)"
            )
        return
    try:
        transcript = transcript_from_messages(v.manifest, v.messages)
    except CeremonyError as error:
        messages_check.fail(str(error))
        outcome_check.fail("the ceremony cannot be evaluated: a message is repeated")
        return
    try:
        recomputed = derive_outcome(v.group, transcript)
    except InvalidCeremonyMessage as error:
        messages_check.fail(str(error))
        outcome_check.fail("the ceremony cannot be evaluated: a message is invalid")
        return
    except CeremonyError as error:
        outcome_check.fail(f"the ceremony did not succeed: {error}")
        return
    v.transcript = transcript
    for sender, evidence in sorted(transcript.evidence.items()):
        first, second = evidence.digests()
        v.report.convicted.append(
            f"trustee {sender} signed two different {evidence.round} messages (digests "
            f"{first.hex()} and {second.hex()}, log entry {v.evidence_entries[sender]})"
        )
    v.report.views.extend(differing_views(transcript))
    if v.outcome is None:
        outcome_check.fail("no ceremony outcome was published")
    elif outcome_to_json(recomputed) != outcome_to_json(v.outcome):
        outcome_check.fail("the published outcome differs from the one the messages give")


def _check_endorsements(v: Verification) -> None:
    """Check 8, second part (spec 9.4): at least t qualified trustees endorsed the list."""
    check = v.report["credentials"]
    if v.credential_list is None:
        return
    if v.transcript is None or v.outcome is None:
        check.fail("the endorsements cannot be checked without a valid ceremony (check 6)")
        return
    try:
        check_endorsements(
            v.credential_list,
            v.endorsements,
            v.outcome.transcript_hash,
            endorsing_keys(v.transcript, v.outcome),
            v.outcome.threshold,
            published=True,
        )
    except RefusedData as error:
        check.fail(str(error))


def check_credentials_published(v: Verification) -> None:
    """Check 8 after the log: voting cannot have opened without a credential list."""
    if v.phase not in ("start", "setup") and v.roll is None:
        v.report["credentials"].fail("voting opened without a published credential list")


def check_late(v: Verification) -> None:
    """The ceremony files the record keeps in `ceremony-late/` (spec 8.8.2, 15.1): they
    arrived after the outcome was endorsed, so the log does not hold them and they change
    nothing; each is checked against the log's ceremony entries (its sender's announcement,
    valid evidence) and named. One that does not check is a forged file: check 5 fails."""
    names = v.source.names("ceremony-late")
    if not names:
        return
    check = v.report["ceremony-messages"]
    if v.transcript is None or v.manifest is None:
        check.fail("ceremony-late/ cannot be checked without the evaluated ceremony (check 6)")
        return
    items = []
    for name in names:
        try:
            item = item_from_json(v.source.read(name, 1 << 23) or b"", v.group)
        except (EncodingError, FileError) as error:
            check.fail(f"{name}: {error}")
            continue
        kind = "evidence" if isinstance(item, Evidence) else item.message.ROUND
        sender = item.sender if isinstance(item, Evidence) else item.message.sender
        if name != f"ceremony-late/{kind}-{sender}.json":
            check.fail(f"{name}: the file name and the item differ")
            continue
        items.append(item)
    try:
        late = transcript_from_messages(v.manifest, items)
        v.report.late.extend(what for _, _, what in late_items(v.transcript, late))
    except CeremonyError as error:
        check.fail(f"ceremony-late/: {error}")

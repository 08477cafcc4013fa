"""Checks 16-18, counting (spec 16.2): the encrypted tally, the decryption shares and their
combination (spec 12).

Checks 16-22 follow the rule of spec 16.1: a check of a phase the log has not reached is
skipped; otherwise it runs on the items as published (even when another check found them
wrong), and a part that needs a value an earlier check could not give fails, naming it.
"""

from __future__ import annotations

from dataclasses import replace

from votecrypt.errors import EncodingError, PlaintextOutOfRange
from votecrypt.protocol.decryption import combine_shares, decode_counts, select_shares
from votecrypt.protocol.tally import EncryptedTally
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import Entry
from votecrypt.record.tally_codec import share_from_plain, tally_from_plain, tally_plain
from votecrypt.verifier.state import Verification
from votecrypt.verifier.voting import drain


def tally_entry(v: Verification, entry: Entry) -> None:
    """The tally entry: every ballot before it is summed first; checked after the log."""
    drain(v)
    v.tally_entry = (entry.seq, entry.expected_hash())


def share_entry(v: Verification, entry: Entry) -> None:
    """Check 17 (spec 12.2), decoding; the shares are checked after the log."""
    try:
        v.shares.append(share_from_plain(entry.payload, v.group))
    except EncodingError as error:
        v.report["decryption-shares"].fail(f"entry {entry.seq}: {error}")


def check_tally(v: Verification) -> EncryptedTally | None:
    """Check 16 (spec 12.1): the published tally, or None when there is none to use."""
    check = v.report["tally"]
    if "tally" not in v.singles:
        check.skipped = "the tally has not been published yet"
        return None
    check.checked = 1
    try:
        published = tally_from_plain(v.singles["tally"], v.group)
    except EncodingError as error:
        check.fail(str(error))
        return None
    if v.context is None or v.tally_sum is None:
        check.fail("no election context to check the tally against (check 7 failed)")
        return None
    if v.unsummed:
        listed = ", ".join(map(str, v.unsummed[:10]))
        check.fail(
            f"the sum cannot be computed: cast ballot entries {listed} do not decode or do not "
            "have the election's sizes (check 9)"
        )
        return published
    expected = v.tally_sum.result(v.context.hash)
    if canonical_json(tally_plain(published)) != canonical_json(tally_plain(expected)):
        check.fail(
            f"the published tally ({published.ballots} ballots) is not the sum of the "
            f"{expected.ballots} cast ballots in the log"
        )
    return published


def check_decryption(v: Verification, tally: EncryptedTally | None) -> list[tuple[int, ...]] | None:
    """Checks 17 and 18 (spec 12.2, 12.3): the decrypted counts, or None."""
    shares_check, decryption = v.report["decryption-shares"], v.report["decryption"]
    results_published = "results" in v.singles
    if "tally" not in v.singles:
        shares_check.skipped = decryption.skipped = "the tally has not been published yet"
        return None
    if not v.shares and not results_published and not shares_check.failure_count:
        shares_check.skipped = decryption.skipped = "no decryption share published yet"
        return None
    if tally is None or v.context is None:
        reason = "no tally to decrypt: the tally entry or the election context failed (check "
        reason += "16 or 7)"
        shares_check.fail(reason)
        decryption.fail(reason)
        return None
    ceremony = v.context.ceremony
    threshold = ceremony.threshold
    shares_check.checked = len(v.shares)
    # Every share is checked against this election's hash, not the one the published tally
    # names (spec 16.1): a share for another election fails. Threshold 0: every share is
    # examined and none is refused for being too few (spec 12.3).
    tally = replace(tally, election=v.context.hash)
    selection = select_shares(v.group, tally, v.shares, dict(ceremony.verification_keys), 0)
    for trustee, reason in selection.invalid:
        shares_check.fail(f"trustee {trustee}: {reason}")
    if len(selection.valid) < threshold:
        if not results_published:
            decryption.skipped = (
                f"{len(selection.valid)} of the {threshold} valid decryption shares needed "
                "published so far"
            )
            return None
        message = (
            f"{len(selection.valid)} valid decryption shares, {threshold} needed, "
            "and the results were published"
        )
        shares_check.fail(message)
        decryption.fail(message)
        return None
    decryption.checked = 1
    used = selection.valid[:threshold]
    by_trustee = {s.trustee: s for s in v.shares if s.trustee in used}
    v.decrypted_by = used
    try:
        plaintexts = combine_shares(v.group, tally, by_trustee, used)
        return decode_counts(v.group, tally, plaintexts, v.context.packing)
    except PlaintextOutOfRange as error:
        decryption.fail(f"the combined decryption is out of range: {error}")
        return None

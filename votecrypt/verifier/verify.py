"""Verify an election record from published data alone (spec 16).

    report = verify_record(Path("record"))
    print("\\n".join(report.lines()))

The log is streamed once. Ballot entries are checked in chunks on a pool of processes (all
cores by default); everything that depends on order (the hash chain, phases, duplicate
credentials and ciphertexts) is checked in the main process in log order. Every failure is
recorded under its numbered check and verification goes on: the report lists all of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import (
    CeremonyError,
    EncodingError,
    FileError,
    ManifestError,
    PlaintextOutOfRange,
    RefusedData,
    RuleError,
)
from votecrypt.math.group import Group, secp256k1
from votecrypt.protocol.ceremony.messages import InvalidCeremonyMessage, Signed
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript
from votecrypt.protocol.context import ElectionContext, election_fingerprint
from votecrypt.protocol.credentials import CredentialList, Endorsement, check_endorsements
from votecrypt.protocol.decryption import (
    DecryptionShare,
    combine_shares,
    decode_counts,
    select_shares,
)
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import format_percent, percent_hundredths
from votecrypt.protocol.setup import (
    ceremony_position,
    derive_outcome,
    endorsing_keys,
    transcript_from_messages,
)
from votecrypt.protocol.supplements import CredentialRoll, check_supplement_endorsements
from votecrypt.protocol.tally import EncryptedTally, TallyAccumulator
from votecrypt.record.ceremony_codec import message_from_json, outcome_from_json, outcome_to_json
from votecrypt.record.election_codec import (
    credentials_from_plain,
    manifest_from_plain,
    open_plain,
    results_plain,
)
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import (
    GENESIS,
    NEXT_PHASE,
    ONCE,
    PHASE_KINDS,
    SINGLE_ITEMS,
    Entry,
    entry_from_line,
    entry_to_line,
    setup_in_order,
)
from votecrypt.record.reader import LogSource, RecordSource
from votecrypt.record.supplement_codec import supplement_from_plain
from votecrypt.record.tally_codec import share_from_plain, tally_from_plain, tally_plain
from votecrypt.verifier.ballots import BallotVerdict
from votecrypt.verifier.engines import Engine, LocalEngine, Pending
from votecrypt.verifier.report import VerificationReport

CHUNK = 32
#: Files written for people beside the record; they are not part of what is verified.
PRESENTATIONS = ("results.html", "results.csv", "result-sheet.json")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Checkpoint:
    """A verified position in the log: everything up to `seq` (whose hash is `hash`)."""

    seq: int
    hash: bytes


class _Verifier:
    def __init__(
        self,
        source: LogSource,
        group: Group,
        engine: Engine,
        since: Checkpoint | None,
        progress: Progress | None,
        until: str | None = None,
    ) -> None:
        self.source = source
        self.until = until
        self.group = group
        self.engine = engine
        self.since = since
        self.progress = progress
        self.report = VerificationReport.empty(str(source.path))
        self.expected_seq = 0
        self.prev = GENESIS
        self.phase = "start"
        self.manifest: Manifest | None = None
        self.messages: list[Signed[Any]] = []
        self.last_message: tuple[int, int] = (-1, 0)
        self.message_positions: set[tuple[int, int]] = set()
        self.transcript: Transcript | None = None
        self.outcome: CeremonyOutcome | None = None
        self.credential_list: CredentialList | None = None
        self.endorsements: tuple[Endorsement, ...] = ()
        self.roll: CredentialRoll | None = None
        self.context: ElectionContext | None = None
        self.singles: dict[str, Any] = {}
        self.seen_once: set[str] = set()
        self.used_credentials: dict[bytes, int] = {}
        self.ballot_ids: set[bytes] = set()
        self.alphas: set[bytes] = set()
        self.cast = 0
        self.challenged = 0
        self.tally_sum: TallyAccumulator | None = None
        self.chunk: list[tuple[int, str, Any]] = []
        self.chunk_checks_proofs = True
        self.pending: deque[Pending] = deque()
        self.started = False
        self.shares: list[DecryptionShare] = []
        self.tally_entry: tuple[int, bytes] | None = None
        self.tally: EncryptedTally | None = None
        self.decrypted_by: tuple[int, ...] = ()

    # The log

    def run(self) -> VerificationReport:
        try:
            for number, line in self.source.lines():
                if self._line(number, line) == self.until:
                    break
            self._flush_chunk()
            self._drain()
        except FileError as error:
            self.report["log-format"].fail(str(error))
        finally:
            self.engine.close()
        self._finish()
        return self.report

    def _line(self, number: int, line: bytes) -> str | None:
        """Check one line; returns its entry's kind."""
        report = self.report
        report["log-format"].checked += 1
        try:
            entry = entry_from_line(line, number)
        except EncodingError as error:
            report["log-format"].fail(str(error))
            report["log-chain"].fail(f"line {number}: the chain cannot be followed past it")
            self.expected_seq += 1
            return None
        if entry_to_line(entry) != line:
            # spec 15.2, 16.1: a line that decodes but is not the canonical JSON of its entry
            # fails check 1 and is still used (its hash is over the values, not the text).
            report["log-format"].fail(
                f"line {number}: not the canonical JSON of its entry followed by a newline"
            )
        self._chain(entry)
        if not self._order(entry):
            return entry.kind  # a second copy of a single item is reported, never used
        if entry.kind in SINGLE_ITEMS:
            self.singles[entry.kind] = entry.payload
        handler = getattr(self, "_" + entry.kind.replace("-", "_"))
        handler(entry)
        return entry.kind

    def _chain(self, entry: Entry) -> None:
        check = self.report["log-chain"]
        check.checked += 1
        if entry.seq != self.expected_seq:
            check.fail(f"entry {entry.seq}: expected sequence number {self.expected_seq}")
        if entry.prev != self.prev:
            check.fail(f"entry {entry.seq}: prev is not the previous entry's hash")
        if entry.hash != entry.expected_hash():
            check.fail(f"entry {entry.seq}: its hash does not match its content")
        if self.since is not None and entry.seq == self.since.seq and entry.hash != self.since.hash:
            check.fail(f"entry {entry.seq}: differs from the checkpoint (the log was rewritten)")
        self.expected_seq = entry.seq + 1
        self.prev = entry.hash
        self.report.head = (entry.seq, entry.hash.hex())

    def _order(self, entry: Entry) -> bool:
        """Check 3 (spec 11.1): phases, one entry of each single item, setup entries in their
        order. False for a second copy of a single item, which is then ignored: no party may
        choose between two outcomes, credential lists or tallies."""
        check = self.report["log-order"]
        check.checked += 1
        if entry.kind in ONCE and entry.kind in self.seen_once:
            check.fail(f"entry {entry.seq}: a second {entry.kind} entry")
            return False
        if entry.kind in ONCE:
            self.seen_once.add(entry.kind)
        if entry.kind not in PHASE_KINDS[self.phase]:
            check.fail(f"entry {entry.seq}: a {entry.kind} entry cannot come in phase {self.phase}")
            if entry.kind in ("ballot", "challenge") and self.phase != "voting":
                check.fail(f"entry {entry.seq}: ballot outside the voting period")
        elif self.phase == "setup" and not setup_in_order(entry.kind, self.seen_once):
            check.fail(
                f"entry {entry.seq}: the {entry.kind} entry is out of the order of spec 11.1"
            )
        self.phase = NEXT_PHASE.get(entry.kind, self.phase)
        return True

    # Setup entries

    def _manifest(self, entry: Entry) -> None:
        check = self.report["manifest"]
        check.checked += 1
        if self.manifest is not None:
            check.fail(f"entry {entry.seq}: a second manifest")
            return
        try:
            self.manifest = manifest_from_plain(entry.payload)
        except (EncodingError, ManifestError) as error:
            check.fail(f"entry {entry.seq}: {error}")

    def _ceremony(self, entry: Entry) -> None:
        check = self.report["ceremony-messages"]
        check.checked += 1
        try:
            signed = message_from_json(canonical_json(entry.payload), self.group)
        except EncodingError as error:
            check.fail(f"entry {entry.seq}: {error}")
            return
        position = ceremony_position(signed)
        if position <= self.last_message:
            self.report["log-order"].fail(
                f"entry {entry.seq}: ceremony messages must come round by round, each round "
                "in increasing sender order, one per round and sender"
            )
        if position in self.message_positions:
            return  # spec 8.2: the first message of a round and sender counts, later ones not
        self.message_positions.add(position)
        self.last_message = max(position, self.last_message)
        self.messages.append(signed)

    def _ceremony_outcome(self, entry: Entry) -> None:
        try:
            self.outcome = outcome_from_json(canonical_json(entry.payload), self.group)
        except EncodingError as error:
            self.report["ceremony-outcome"].fail(f"entry {entry.seq}: {error}")

    def _credentials(self, entry: Entry) -> None:
        check = self.report["credentials"]
        check.checked += 1
        try:
            self.credential_list, self.endorsements = credentials_from_plain(entry.payload)
        except EncodingError as error:
            check.fail(f"entry {entry.seq}: {error}")
            return
        keys = self.credential_list.public_keys
        if self.manifest is not None:
            if self.credential_list.election != self.manifest.manifest_hash():
                check.fail("the credential list names another election")
            if len(keys) > self.manifest.credentials:
                check.fail(
                    f"{len(keys)} credentials published; the manifest allows at most "
                    f"{self.manifest.credentials}"
                )
        ceiling = self.manifest.credentials if self.manifest is not None else len(keys)
        self.roll = CredentialRoll.of(self.credential_list, ceiling)

    def _open(self, entry: Entry) -> None:
        self._check_ceremony()
        self._check_endorsements()
        check = self.report["election-context"]
        check.checked += 1
        if self.manifest is None or self.outcome is None or self.credential_list is None:
            check.fail(
                "no valid manifest, ceremony outcome and credential list before the open entry "
                "(checks 4, 6 and 8)"
            )
            return
        try:
            self.context = ElectionContext.build(
                self.group, self.manifest, self.outcome, self.credential_list
            )
        except ManifestError as error:
            check.fail(str(error))
            return
        self.report.election = {
            "title": self.manifest.title,
            "election_id": self.context.manifest_hash.hex(),
            "context_hash": self.context.hash.hex(),
            "fingerprint": election_fingerprint(self.context.hash),
        }
        if entry.payload != open_plain(self.context.hash):
            check.fail(f"entry {entry.seq}: the open entry does not name the context hash")
        self.tally_sum = TallyAccumulator(self.group, self.context.rows, self.context.packing.lanes)
        self.engine.start(self.context)
        self.started = True

    def _check_ceremony(self) -> None:
        messages_check, outcome_check = (
            self.report["ceremony-messages"],
            self.report["ceremony-outcome"],
        )
        outcome_check.checked += 1
        if self.manifest is None:
            outcome_check.fail(
                "the ceremony cannot be evaluated without a valid manifest (check 4)"
            )
            if self.messages:
                messages_check.fail(
                    "the messages cannot be checked against the election without a valid "
                    "manifest (check 4)"
                )
            return
        try:
            transcript = transcript_from_messages(self.manifest, self.messages)
        except CeremonyError as error:
            messages_check.fail(str(error))
            outcome_check.fail("the ceremony cannot be evaluated: a message is repeated")
            return
        try:
            recomputed = derive_outcome(self.group, transcript)
        except InvalidCeremonyMessage as error:
            messages_check.fail(str(error))
            outcome_check.fail("the ceremony cannot be evaluated: a message is invalid")
            return
        except CeremonyError as error:
            outcome_check.fail(f"the ceremony did not succeed: {error}")
            return
        self.transcript = transcript
        if self.outcome is None:
            outcome_check.fail("no ceremony outcome was published")
        elif outcome_to_json(recomputed) != outcome_to_json(self.outcome):
            outcome_check.fail("the published outcome differs from the one the messages give")

    def _check_endorsements(self) -> None:
        """Check 8, second part (spec 9.4): at least t qualified trustees endorsed the list."""
        check = self.report["credentials"]
        if self.credential_list is None:
            return
        if self.transcript is None or self.outcome is None:
            check.fail("the endorsements cannot be checked without a valid ceremony (check 6)")
            return
        try:
            check_endorsements(
                self.credential_list,
                self.endorsements,
                self.outcome.transcript_hash,
                endorsing_keys(self.transcript, self.outcome),
                self.outcome.threshold,
                published=True,
            )
        except RefusedData as error:
            check.fail(str(error))

    # Voting entries

    def _credential_supplement(self, entry: Entry) -> None:
        """Check 8 for a supplement (spec 9.6): for this context, endorsed by t qualified
        trustees, and valid on the credentials in force, which it then changes. The ballots
        before it are taken in first, so that each is checked against the credentials in
        force when it was cast (check 12)."""
        self._drain()
        check = self.report["credentials"]
        check.checked += 1
        where = f"entry {entry.seq}"
        try:
            supplement, endorsements = supplement_from_plain(entry.payload)
        except EncodingError as error:
            check.fail(f"{where}: {error}")
            return
        if self.context is None or self.roll is None or self.transcript is None:
            check.fail(f"{where}: the supplement cannot be checked without a context (check 7)")
            return
        if supplement.election != self.context.hash:
            check.fail(f"{where}: the credential supplement names another election")
            return
        try:
            check_supplement_endorsements(
                supplement,
                endorsements,
                endorsing_keys(self.transcript, self.context.ceremony),
                self.context.ceremony.threshold,
                published=True,
            )
            self.roll.apply(supplement)
        except RefusedData as error:
            check.fail(f"{where}: {error}")

    def _ballot(self, entry: Entry) -> None:
        self._queue(entry)

    def _challenge(self, entry: Entry) -> None:
        self._queue(entry)

    def _queue(self, entry: Entry) -> None:
        if not self.started:
            # spec 16.1, rule 3: without a context no ballot can be decoded or checked; each
            # of its checks fails, naming check 7. It is still counted (check 15).
            names = (
                ("ballot-format", "ballot-signatures", "ballot-proofs", "ballot-credentials")
                if entry.kind == "ballot"
                else ("challenges",)
            )
            for name in (*names, "ballot-uniqueness"):
                self.report[name].checked += 1
                self.report[name].fail(
                    f"entry {entry.seq}: cannot be checked without an election context "
                    "(check 7 failed)"
                )
            if entry.kind == "ballot":
                self.cast += 1
            else:
                self.challenged += 1
            return
        check_proofs = self.since is None or entry.seq > self.since.seq
        if not check_proofs:
            self.report.entries_trusted += 1
        if self.chunk and check_proofs != self.chunk_checks_proofs:
            self._flush_chunk()
        self.chunk_checks_proofs = check_proofs
        self.chunk.append((entry.seq, entry.kind, entry.payload))
        if len(self.chunk) >= CHUNK:
            self._flush_chunk()

    def _flush_chunk(self) -> None:
        if self.chunk and self.started:
            self.pending.append(self.engine.submit(self.chunk, self.chunk_checks_proofs))
            self.chunk = []
            while len(self.pending) >= self.engine.window:
                self._absorb([self.pending.popleft().result()])

    def _drain(self) -> None:
        self._flush_chunk()
        while self.pending:
            self._absorb([self.pending.popleft().result()])

    def _absorb(self, results: Iterable[tuple[list[BallotVerdict], TallyAccumulator]]) -> None:
        for verdicts, partial in results:
            for verdict in verdicts:
                self._verdict(verdict)
            if self.tally_sum is not None:
                self.tally_sum.merge(partial)
            if self.progress is not None:
                self.progress(len(verdicts))

    def _verdict(self, verdict: BallotVerdict) -> None:
        report = self.report
        where = f"entry {verdict.seq}"
        names = (
            ("ballot-format", "ballot-signatures", "ballot-proofs")
            if verdict.kind == "ballot"
            else ("challenges",)
        )
        for name in names:
            report[name].checked += 1
        for name, message in verdict.failures.items():
            report[name].fail(f"{where}: {message}")
        if verdict.kind == "ballot":
            self.cast += 1
        else:
            self.challenged += 1
        if verdict.ballot_id is None:
            return  # undecodable: already reported
        if verdict.kind == "ballot" and verdict.credential is not None:
            self._credential_used(verdict, verdict.credential)
        unique = report["ballot-uniqueness"]
        unique.checked += 1
        if verdict.ballot_id in self.ballot_ids:
            unique.fail(f"{where}: the ballot id was already used")
        self.ballot_ids.add(verdict.ballot_id)
        if len(set(verdict.alphas)) != len(verdict.alphas):
            unique.fail(f"{where}: repeats a ciphertext within the ballot")
        elif any(alpha in self.alphas for alpha in verdict.alphas):
            unique.fail(f"{where}: repeats a ciphertext published earlier")
        self.alphas.update(verdict.alphas)

    def _credential_used(self, verdict: BallotVerdict, credential: bytes) -> None:
        """Check 12 (spec 9.6, 11.3): the credential is in force when its ballot is cast, and
        casts once."""
        check = self.report["ballot-credentials"]
        check.checked += 1
        where = f"entry {verdict.seq}"
        if credential in self.used_credentials:
            check.fail(
                f"{where}: second ballot of the credential of entry "
                f"{self.used_credentials[credential]}"
            )
            return
        problem = (
            "the credential was not issued" if self.roll is None else self.roll.cast(credential)
        )
        if problem is not None:
            check.fail(f"{where}: {problem}")
        else:
            self.used_credentials[credential] = verdict.seq

    def _close(self, entry: Entry) -> None:
        self._drain()
        check = self.report["close"]
        check.checked += 1
        payload = entry.payload if isinstance(entry.payload, dict) else {}
        if self.context is not None and payload.get("election") != self.context.hash.hex():
            check.fail(f"entry {entry.seq}: the close entry names another election")
        if payload.get("ballots") != self.cast or payload.get("challenged") != self.challenged:
            check.fail(
                f"entry {entry.seq}: says {payload.get('ballots')} cast and "
                f"{payload.get('challenged')} challenged; the log holds {self.cast} and "
                f"{self.challenged}"
            )

    # Counting entries

    def _tally(self, entry: Entry) -> None:
        self._drain()
        self.tally_entry = (entry.seq, entry.expected_hash())

    def _decryption_share(self, entry: Entry) -> None:
        try:
            self.shares.append(share_from_plain(entry.payload, self.group))
        except EncodingError as error:
            self.report["decryption-shares"].fail(f"entry {entry.seq}: {error}")

    def _results(self, entry: Entry) -> None:
        pass

    # After the log

    def _finish(self) -> None:
        report = self.report
        report.entries = self.expected_seq
        if self.since is not None and self.expected_seq <= self.since.seq:
            report["log-chain"].fail(
                f"the log has {self.expected_seq} entries but the checkpoint is at entry "
                f"{self.since.seq}: entries were removed (the log was rewritten)"
            )
        # Checks of phases the record has not reached are skipped, never passed. Within a
        # reached phase a check with nothing to check passes (no challenged ballot, say).
        not_reached: dict[str, str] = {}
        if self.phase == "start":
            not_reached["manifest"] = "the record has no manifest yet"
        if self.phase in ("start", "setup"):
            for name in (
                "ceremony-messages",
                "ceremony-outcome",
                "election-context",
                "credentials",
                "ballot-format",
                "ballot-signatures",
                "ballot-proofs",
                "ballot-credentials",
                "ballot-uniqueness",
                "challenges",
            ):
                not_reached[name] = "voting has not opened"
        if self.phase in ("start", "setup", "voting"):
            not_reached["close"] = "voting has not closed"
        for name, reason in not_reached.items():
            if not report[name].checked and not report[name].failure_count:
                report[name].skipped = reason
        if self.phase not in ("start", "setup") and self.roll is None:
            report["credentials"].fail("voting opened without a published credential list")
        tally = self.tally = self._check_tally()
        counts = self._check_decryption(tally)
        self._check_results(tally, counts)
        self._check_copies()

    # Checks 16-22 follow the rule of spec 16.1: a check of a phase the log has not reached is
    # skipped; otherwise it runs on the items as published (even when another check found them
    # wrong), and a part that needs a value an earlier check could not give fails, naming it.

    def _check_tally(self) -> EncryptedTally | None:
        check = self.report["tally"]
        if "tally" not in self.singles:
            check.skipped = "the tally has not been published yet"
            return None
        check.checked = 1
        try:
            published = tally_from_plain(self.singles["tally"], self.group)
        except EncodingError as error:
            check.fail(str(error))
            return None
        if self.context is None or self.tally_sum is None:
            check.fail("no election context to check the tally against (check 7 failed)")
            return None
        expected = self.tally_sum.result(self.context.hash)
        if canonical_json(tally_plain(published)) != canonical_json(tally_plain(expected)):
            check.fail(
                f"the published tally ({published.ballots} ballots) is not the sum of the "
                f"{expected.ballots} cast ballots in the log"
            )
        return published

    def _check_decryption(self, tally: EncryptedTally | None) -> list[tuple[int, ...]] | None:
        shares_check, decryption = self.report["decryption-shares"], self.report["decryption"]
        results_published = "results" in self.singles
        if "tally" not in self.singles:
            shares_check.skipped = decryption.skipped = "the tally has not been published yet"
            return None
        if not self.shares and not results_published and not shares_check.failure_count:
            shares_check.skipped = decryption.skipped = "no decryption share published yet"
            return None
        if tally is None or self.context is None:
            reason = "no tally to decrypt: the tally entry or the election context failed (check "
            reason += "16 or 7)"
            shares_check.fail(reason)
            decryption.fail(reason)
            return None
        ceremony = self.context.ceremony
        threshold = ceremony.threshold
        shares_check.checked = len(self.shares)
        # threshold 0: every share is examined and none is refused for being too few (spec 12.3)
        selection = select_shares(
            self.group, tally, self.shares, dict(ceremony.verification_keys), 0
        )
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
        by_trustee = {s.trustee: s for s in self.shares if s.trustee in used}
        self.decrypted_by = used
        try:
            plaintexts = combine_shares(self.group, tally, by_trustee, used)
            return decode_counts(self.group, tally, plaintexts, self.context.packing)
        except PlaintextOutOfRange as error:
            decryption.fail(f"the combined decryption is out of range: {error}")
            return None

    def _issued(self) -> int:
        """The ballots issued (spec 9.6): the credentials in force after every supplement."""
        return self.roll.issued if self.roll is not None else 0

    def _check_results(
        self, tally: EncryptedTally | None, counts: list[tuple[int, ...]] | None
    ) -> None:
        report = self.report
        names = ("result-counts", "result-percentages", "result-brackets", "result-totals")
        if "results" not in self.singles:
            for name in names:
                report[name].skipped = "the results have not been published yet"
            return
        published = self.singles["results"]
        if tally is None or self.context is None:
            for name in names:
                report[name].fail(
                    "the results cannot be checked: no valid tally (check 16) or election "
                    "context (check 7)"
                )
            return
        # The totals (13.2) depend on the manifest and the tally's `ballots`, not on the
        # decrypted counts: they are checked even when the decryption failed.
        try:
            totals = results_plain(
                self.context.hash,
                self.context.results(
                    _placeholder_counts(self.context, tally), tally.ballots, issued=self._issued()
                ),
                self.decrypted_by,
            )
        except RuleError as error:
            report["result-totals"].fail(f"the results MUST be refused (spec 13.2): {error}")
            for name in names[:3]:
                report[name].fail("the results cannot be computed (check 22)")
            return
        if not _compare_totals(report, totals, published):
            for name in names[:3]:
                report[name].fail("the results entry is malformed (check 22)")
            return
        if counts is None:
            for name in names[:3]:
                report[name].fail("the results cannot be checked: the decryption failed (check 18)")
            return
        try:
            results = self.context.results(counts, tally.ballots, issued=self._issued())
        except RuleError as error:
            report["result-counts"].fail(f"the decrypted counts give no results: {error}")
            return
        expected = results_plain(self.context.hash, results, self.decrypted_by)
        if published.get("decrypted_by") != expected["decrypted_by"]:
            report["decryption"].fail(
                "the results name other trustees than those whose shares decrypt"
            )
        _compare_candidates(report, expected, published)
        checks = (*names, "decryption")
        if canonical_json(published) != canonical_json(expected) and not any(
            report[name].failure_count for name in checks
        ):
            report["result-totals"].fail("the results entry differs from the recomputed one")

    def _check_copies(self) -> None:
        """Check 23 (spec 15.1): each copy is byte for byte the canonical JSON of its entry and
        a newline. The presentations (sheets) are listed as not checked."""
        check = self.report["record-copies"]
        for kind in SINGLE_ITEMS:
            data = self.source.read(f"{kind}.json")
            if data is None:
                continue
            check.checked += 1
            if kind not in self.singles:
                check.fail(f"{kind}.json has no {kind} entry in the log")
            elif data != canonical_json(self.singles[kind]) + b"\n":
                check.fail(f"{kind}.json differs from the {kind} entry of the log")
        self.report.unchecked = [
            name for name in PRESENTATIONS if self.source.read(name) is not None
        ]


TOTALS = (
    "type",
    "version",
    "election",
    "rules",
    "issued",
    "collected",
    "valid",
    "summoned",
    "members",
    "denominator",
    "quorum_met",
)


def _placeholder_counts(context: ElectionContext, tally: EncryptedTally) -> list[tuple[int, ...]]:
    """Counts with every ballot on outcome 0: they give the same totals as any counts of
    `tally.ballots` ballots, so the totals can be checked without the decryption."""
    outcomes = len(context.manifest.outcomes())
    return [(tally.ballots,) + (0,) * (outcomes - 1) for _ in range(context.rows)]


def _compare_totals(report: VerificationReport, expected: dict[str, Any], published: Any) -> bool:
    """Check 22 (spec 13.2): the totals of the results entry. False when the entry is not of
    the results' form (then nothing else can be compared)."""
    totals = report["result-totals"]
    totals.checked = 1
    if (
        not isinstance(published, dict)
        or set(published) != set(expected)
        or not isinstance(published.get("candidates"), list)
        or len(published["candidates"]) != len(expected["candidates"])
    ):
        totals.fail("the results entry does not have the form of spec 13.5")
        return False
    for key in TOTALS:
        if published.get(key) != expected[key] or type(published.get(key)) is not type(
            expected[key]
        ):
            totals.fail(f"{key}: announced {published.get(key)!r}, expected {expected[key]!r}")
    return True


def _compare_candidates(
    report: VerificationReport, expected: dict[str, Any], published: dict[str, Any]
) -> None:
    """Checks 19-21 (spec 13.2), candidate by candidate."""
    denominator = published.get("denominator")
    for number, (announced, wanted) in enumerate(
        zip(published["candidates"], expected["candidates"], strict=True), 1
    ):
        label = f"candidate {number}"
        for name in ("result-counts", "result-percentages", "result-brackets"):
            report[name].checked += 1
        if not isinstance(announced, dict) or set(announced) != set(wanted):
            report["result-counts"].fail(f"{label}: malformed")
            continue
        if not _same(announced, wanted, "name") or not _same(announced, wanted, "position"):
            report["result-counts"].fail(f"{label}: name or position differs from the manifest")
        if not _same(announced, wanted, "counts"):
            report["result-counts"].fail(f"{label}: {_differences(announced, wanted, ('counts',))}")
        consistent = (
            isinstance(announced["counts"], dict)
            and isinstance(announced["hundredths"], dict)
            and isinstance(announced["percentages"], dict)
            and isinstance(denominator, int)
            and all(
                isinstance(v, int)
                and announced["hundredths"].get(k) == percent_hundredths(v, denominator)
                and announced["percentages"].get(k)
                == format_percent(percent_hundredths(v, denominator))
                for k, v in announced["counts"].items()
            )
        )
        if (
            not _same(announced, wanted, "hundredths")
            or not _same(announced, wanted, "percentages")
            or not consistent
        ):
            report["result-percentages"].fail(
                f"{label}: {_differences(announced, wanted, ('hundredths', 'percentages'))}"
            )
        if not _same(announced, wanted, "bracket"):
            report["result-brackets"].fail(
                f"{label}: bracket {announced['bracket']!r}, the rules give {wanted['bracket']!r}"
            )


def _same(announced: dict[str, Any], wanted: dict[str, Any], field: str) -> bool:
    """Equal as JSON values (`true` is not `1`), compared by their canonical bytes."""
    return canonical_json(announced[field]) == canonical_json(wanted[field])


def _differences(announced: dict[str, Any], wanted: dict[str, Any], fields: tuple[str, ...]) -> str:
    """The fields that differ, one by one ("percentages.low: announced '53,19%', expected
    '53.19%'"), rather than two whole maps."""
    found = []
    for name in fields:
        got, expected = announced.get(name), wanted[name]
        if not isinstance(got, dict):
            found.append(f"{name}: announced {got!r}, expected {expected!r}")
            continue
        for key in sorted(set(got) | set(expected), key=str):
            if got.get(key) != expected.get(key) or type(got.get(key)) is not type(
                expected.get(key)
            ):
                found.append(
                    f"{name}.{key}: announced {got.get(key)!r}, expected {expected.get(key)!r}"
                )
    return "; ".join(found) or "differs in form"


def verify_record(
    path: Path,
    *,
    group: Group | None = None,
    jobs: int | None = None,
    since: Checkpoint | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> VerificationReport:
    """Verify the record at `path` (directory or archive).

    Ballots are checked by `engine` (default: a pool of `jobs` local processes, every core
    when `jobs` is None; see votecrypt.verifier.engines for a Dask cluster). `since` skips
    the proofs of entries up to a verified checkpoint (spec 16.4)."""
    return verify_log(
        RecordSource(Path(path)),
        group=group,
        engine=engine or LocalEngine(jobs),
        since=since,
        progress=progress,
    )


def verify_log(
    source: LogSource,
    *,
    group: Group | None = None,
    engine: Engine | None = None,
    since: Checkpoint | None = None,
    progress: Progress | None = None,
    until: str | None = None,
) -> VerificationReport:
    """Verify the log of `source`; with `until`, stop after the first entry of that kind.
    Checks of phases not read are skipped, never passed."""
    return check_log(
        source, group=group, engine=engine, since=since, progress=progress, until=until
    ).report


@dataclass(frozen=True)
class VerifiedLog:
    """What a verification read and checked, for a party about to act on it (spec 17.1): a
    booth reads up to "open" and encrypts under `context`; a trustee reads up to "tally" and
    decrypts `tally`. Use these, never the source again: what is read a second time may
    have changed in between."""

    report: VerificationReport
    #: the election context built from the verified manifest, outcome and credential list
    context: ElectionContext | None
    #: the published tally as decoded and compared with the recomputed sum (check 16)
    tally: EncryptedTally | None
    #: (seq, hash) of the tally entry, the hash computed here, not read
    tally_entry: tuple[int, bytes] | None


def check_log(
    source: LogSource,
    *,
    group: Group | None = None,
    engine: Engine | None = None,
    since: Checkpoint | None = None,
    progress: Progress | None = None,
    until: str | None = None,
) -> VerifiedLog:
    """Verify the log of `source` as `verify_log` does, and return what was verified with
    the report (a booth stops `until` "open", a trustee `until` "tally", spec 17.1)."""
    verifier = _Verifier(
        source, group or secp256k1(), engine or LocalEngine(), since, progress, until
    )
    report = verifier.run()
    return VerifiedLog(report, verifier.context, verifier.tally, verifier.tally_entry)

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
    RuleError,
    TallyError,
)
from votecrypt.math.group import Group, secp256k1
from votecrypt.protocol.ceremony.messages import ROUNDS, InvalidCeremonyMessage, Signed
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript, evaluate
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.decryption import (
    DecryptionShare,
    combine_shares,
    decode_counts,
    select_shares,
)
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import format_percent, percent_hundredths
from votecrypt.protocol.tally import EncryptedTally, TallyAccumulator
from votecrypt.record.ceremony_codec import message_from_json, outcome_from_json, outcome_to_json
from votecrypt.record.election_codec import (
    credentials_from_plain,
    manifest_from_plain,
    open_plain,
    results_plain,
)
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.record.log import (
    GENESIS,
    NEXT_PHASE,
    PHASE_KINDS,
    SINGLE_ITEMS,
    Entry,
    entry_from_line,
)
from votecrypt.record.reader import RecordSource
from votecrypt.record.tally_codec import share_from_plain, tally_from_plain, tally_plain
from votecrypt.verifier.ballots import BallotVerdict
from votecrypt.verifier.engines import Engine, LocalEngine, Pending
from votecrypt.verifier.report import VerificationReport

CHUNK = 32

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Checkpoint:
    """A verified position in the log: everything up to `seq` (whose hash is `hash`)."""

    seq: int
    hash: bytes


class _Verifier:
    def __init__(
        self,
        source: RecordSource,
        group: Group,
        engine: Engine,
        since: Checkpoint | None,
        progress: Progress | None,
    ) -> None:
        self.source = source
        self.group = group
        self.engine = engine
        self.since = since
        self.progress = progress
        self.report = VerificationReport.empty(str(source.path))
        self.expected_seq = 0
        self.prev = GENESIS
        self.phase = "start"
        self.manifest: Manifest | None = None
        self.messages: dict[str, dict[int, Signed[Any]]] = {r: {} for r in ROUNDS}
        self.outcome: CeremonyOutcome | None = None
        self.credentials: set[bytes] | None = None
        self.context: ElectionContext | None = None
        self.singles: dict[str, Any] = {}
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
        self.decrypted_by: tuple[int, ...] = ()

    # The log

    def run(self) -> VerificationReport:
        try:
            for number, line in self.source.lines():
                self._line(number, line)
            self._flush_chunk()
            self._drain()
        except FileError as error:
            self.report["log-format"].fail(str(error))
        finally:
            self.engine.close()
        self._finish()
        return self.report

    def _line(self, number: int, line: bytes) -> None:
        report = self.report
        report["log-format"].checked += 1
        try:
            entry = entry_from_line(line, number)
        except EncodingError as error:
            report["log-format"].fail(str(error))
            report["log-chain"].fail(f"line {number}: the chain cannot be followed past it")
            self.expected_seq += 1
            return
        self._chain(entry)
        self._order(entry)
        if entry.kind in SINGLE_ITEMS:
            self.singles[entry.kind] = entry.payload
        handler = getattr(self, "_" + entry.kind.replace("-", "_"))
        handler(entry)

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

    def _order(self, entry: Entry) -> None:
        check = self.report["log-order"]
        check.checked += 1
        if entry.kind not in PHASE_KINDS[self.phase]:
            check.fail(f"entry {entry.seq}: a {entry.kind} entry cannot come in phase {self.phase}")
            if entry.kind in ("ballot", "challenge") and self.phase != "voting":
                check.fail(f"entry {entry.seq}: ballot outside the voting period")
        self.phase = NEXT_PHASE.get(entry.kind, self.phase)

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
        round_messages = self.messages[signed.message.ROUND]
        if signed.message.sender in round_messages:
            check.fail(
                f"entry {entry.seq}: a second {signed.message.ROUND} message "
                f"of trustee {signed.message.sender}"
            )
            return
        round_messages[signed.message.sender] = signed

    def _ceremony_outcome(self, entry: Entry) -> None:
        try:
            self.outcome = outcome_from_json(canonical_json(entry.payload), self.group)
        except EncodingError as error:
            self.report["ceremony-outcome"].fail(f"entry {entry.seq}: {error}")

    def _credentials(self, entry: Entry) -> None:
        check = self.report["credentials"]
        check.checked += 1
        try:
            election, keys = credentials_from_plain(entry.payload)
        except EncodingError as error:
            check.fail(f"entry {entry.seq}: {error}")
            return
        if self.manifest is not None:
            if election != self.manifest.manifest_hash():
                check.fail("the credential list names another election")
            if len(keys) != self.manifest.credentials:
                check.fail(
                    f"{len(keys)} credentials published, {self.manifest.credentials} ballots issued"
                )
        self.credentials = {k.to_bytes() for k in keys}

    def _open(self, entry: Entry) -> None:
        self._check_ceremony()
        check = self.report["election-context"]
        check.checked += 1
        if self.manifest is None or self.outcome is None:
            check.fail("no valid manifest and ceremony outcome before the open entry")
            return
        try:
            self.context = ElectionContext.build(self.group, self.manifest, self.outcome)
        except ManifestError as error:
            check.fail(str(error))
            return
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
            outcome_check.skipped = "no valid manifest"
            return
        transcript = Transcript(
            self.manifest.ceremony_parameters(),
            announcements=self.messages["announce"],
            commits=self.messages["commit"],
            openings=self.messages["open"],
            checks=self.messages["check"],
            answers=self.messages["answer"],
        )
        try:
            recomputed = evaluate(self.group, transcript, close=True)
        except InvalidCeremonyMessage as error:
            messages_check.fail(str(error))
            outcome_check.fail("the ceremony cannot be evaluated: a message is invalid")
            return
        except CeremonyError as error:
            outcome_check.fail(f"the ceremony did not succeed: {error}")
            return
        if self.outcome is None:
            outcome_check.fail("no ceremony outcome was published")
        elif outcome_to_json(recomputed) != outcome_to_json(self.outcome):
            outcome_check.fail("the published outcome differs from the one the messages give")

    # Voting entries

    def _ballot(self, entry: Entry) -> None:
        self._queue(entry)

    def _challenge(self, entry: Entry) -> None:
        self._queue(entry)

    def _queue(self, entry: Entry) -> None:
        if not self.started:
            self.report["ballot-format"].fail(
                f"entry {entry.seq}: ballot without a valid election context"
            )
            return
        check_proofs = self.since is None or entry.seq > self.since.seq
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
        if verdict.credential is None:
            return
        issued = self.credentials or set()
        if verdict.kind == "ballot":
            check = report["ballot-credentials"]
            check.checked += 1
            if verdict.credential not in issued:
                check.fail(f"{where}: the credential was not issued")
            elif verdict.credential in self.used_credentials:
                check.fail(
                    f"{where}: second ballot of the credential of entry "
                    f"{self.used_credentials[verdict.credential]}"
                )
            else:
                self.used_credentials[verdict.credential] = verdict.seq
        elif verdict.credential not in issued:
            report["challenges"].fail(f"{where}: the credential was not issued")
        unique = report["ballot-uniqueness"]
        unique.checked += 1
        if verdict.ballot_id in self.ballot_ids:
            unique.fail(f"{where}: the ballot id was already used")
        self.ballot_ids.add(verdict.ballot_id or b"")
        if len(set(verdict.alphas)) != len(verdict.alphas):
            unique.fail(f"{where}: repeats a ciphertext within the ballot")
        elif any(alpha in self.alphas for alpha in verdict.alphas):
            unique.fail(f"{where}: repeats a ciphertext published earlier")
        self.alphas.update(verdict.alphas)

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
        if self.phase not in ("start", "setup") and self.credentials is None:
            report["credentials"].fail("voting opened without a published credential list")
        tally = self._check_tally()
        counts = self._check_decryption(tally)
        self._check_results(tally, counts)
        self._check_copies()

    def _check_tally(self) -> EncryptedTally | None:
        check = self.report["tally"]
        if "tally" not in self.singles:
            check.skipped = "the tally has not been published yet"
            return None
        if self.context is None or self.tally_sum is None:
            check.fail("no valid election context to check the tally against")
            return None
        check.checked = 1
        try:
            published = tally_from_plain(self.singles["tally"], self.group)
        except EncodingError as error:
            check.fail(str(error))
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
        if tally is None or self.context is None:
            shares_check.skipped = decryption.skipped = "no tally to decrypt"
            return None
        if not self.shares:
            shares_check.skipped = decryption.skipped = "no decryption share published yet"
            return None
        ceremony = self.context.ceremony
        keys = dict(ceremony.verification_keys)
        shares_check.checked = len(self.shares)
        try:
            selection = select_shares(self.group, tally, self.shares, keys, ceremony.threshold)
        except TallyError as error:
            shares_check.fail(str(error))
            decryption.fail("fewer than t valid decryption shares")
            return None
        for trustee, reason in selection.invalid:
            shares_check.fail(f"trustee {trustee}: {reason}")
        decryption.checked = 1
        by_trustee = {s.trustee: s for s in self.shares if s.trustee in selection.valid}
        self.decrypted_by = selection.used
        try:
            plaintexts = combine_shares(self.group, tally, by_trustee, selection.used)
            return decode_counts(self.group, tally, plaintexts, self.context.packing)
        except PlaintextOutOfRange as error:
            decryption.fail(f"the combined decryption is out of range: {error}")
            return None

    def _check_results(
        self, tally: EncryptedTally | None, counts: list[tuple[int, ...]] | None
    ) -> None:
        names = ("result-counts", "result-percentages", "result-brackets", "result-totals")
        report = self.report
        if "results" not in self.singles:
            for name in names:
                report[name].skipped = "the results have not been published yet"
            return
        if tally is None or counts is None or self.context is None:
            for name in names:
                if not report[name].failure_count:
                    report[name].fail("the results cannot be checked: the decryption failed")
            return
        try:
            results = self.context.results(counts, tally.ballots)
        except RuleError as error:
            report["result-counts"].fail(str(error))
            return
        expected = results_plain(self.context.hash, results, self.decrypted_by)
        published = self.singles["results"]
        _compare_results(report, expected, published)

    def _check_copies(self) -> None:
        check = self.report["record-copies"]
        for kind in SINGLE_ITEMS:
            data = self.source.read(f"{kind}.json")
            if data is None:
                continue
            check.checked += 1
            try:
                copy = parse_json(data)
            except EncodingError as error:
                check.fail(f"{kind}.json: {error}")
                continue
            if kind not in self.singles or copy != self.singles[kind]:
                check.fail(f"{kind}.json differs from the {kind} entry of the log")


def _compare_results(report: VerificationReport, expected: dict[str, Any], published: Any) -> None:
    if not isinstance(published, dict) or not isinstance(published.get("candidates"), list):
        report["result-totals"].fail("the results entry is malformed")
        return
    totals = report["result-totals"]
    totals.checked = 1
    for key in (
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
    ):
        if published.get(key) != expected[key]:
            totals.fail(f"{key}: announced {published.get(key)!r}, expected {expected[key]!r}")
    if published.get("decrypted_by") != expected["decrypted_by"]:
        report["decryption"].fail("the results name other trustees than those whose shares decrypt")
    if len(published["candidates"]) != len(expected["candidates"]) or set(published) != set(
        expected
    ):
        totals.fail("the results do not have the expected form")
        return
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
        if announced["name"] != wanted["name"] or announced["position"] != wanted["position"]:
            report["result-counts"].fail(f"{label}: name or position differs from the manifest")
        if announced["counts"] != wanted["counts"]:
            report["result-counts"].fail(
                f"{label}: announced counts {announced['counts']}, decrypted {wanted['counts']}"
            )
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
            announced["hundredths"] != wanted["hundredths"]
            or announced["percentages"] != wanted["percentages"]
            or not consistent
        ):
            report["result-percentages"].fail(
                f"{label}: percentages {announced['percentages']}, expected {wanted['percentages']}"
            )
        if announced["bracket"] != wanted["bracket"]:
            report["result-brackets"].fail(
                f"{label}: bracket {announced['bracket']!r}, the rules give {wanted['bracket']!r}"
            )
    if canonical_json(published) != canonical_json(expected) and report.ok:
        totals.fail("the results entry differs from the recomputed one")


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
    source = RecordSource(Path(path))
    verifier = _Verifier(source, group or secp256k1(), engine or LocalEngine(jobs), since, progress)
    return verifier.run()

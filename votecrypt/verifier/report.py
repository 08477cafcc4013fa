"""The verification report: one numbered check per line, each tied to a spec section (spec 16).

`VerificationReport.raise_for_failures()` raises VerificationError for tools that want an
exception; the CLI prints `lines()` or `to_json()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from votecrypt.errors import VerificationError

#: (number, name, spec section, what it establishes) — spec 16.2 lists the same table.
CHECKS: tuple[tuple[int, str, str, str], ...] = (
    (1, "log-format", "15.2", "every line of log.jsonl is a well-formed entry"),
    (2, "log-chain", "11.2", "sequence numbers run from 0; every prev and hash is right"),
    (3, "log-order", "11.1", "entries follow the phases of the board, nothing after close"),
    (4, "manifest", "7.2", "the manifest is valid and canonical"),
    (5, "ceremony-messages", "8.2", "every ceremony message is signed by its sender"),
    (6, "ceremony-outcome", "8.8", "the ceremony re-evaluates to the published outcome"),
    (7, "election-context", "7.3", "the context hash is recomputed and named by the open entry"),
    (8, "credentials", "9.3", "one well-formed public credential per ballot issued"),
    (9, "ballot-format", "10.1", "every ballot is well formed and for this election"),
    (10, "ballot-signatures", "10.4", "every ballot is signed by its credential"),
    (11, "ballot-proofs", "10.3", "every row of every ballot has a valid membership proof"),
    (12, "ballot-credentials", "11.3", "every credential was issued and casts at most one ballot"),
    (13, "ballot-uniqueness", "11.3", "no ballot id and no ciphertext appears twice"),
    (14, "challenges", "10.6", "challenged ballots encrypt what they reveal; not counted"),
    (15, "close", "11.1", "the close entry counts the ballots cast and challenged"),
    (16, "tally", "12.1", "the encrypted tally is the sum of every cast ballot"),
    (17, "decryption-shares", "12.2", "every decryption share is proven against K_j"),
    (18, "decryption", "12.3", "t valid shares combine and decode to counts in range"),
    (19, "result-counts", "13.2", "the announced counts are the decrypted counts"),
    (20, "result-percentages", "13.2", "every percentage is count/D rounded half-up"),
    (21, "result-brackets", "13.2", "every bracket and consequence follows the rule set"),
    (22, "result-totals", "13.2", "issued, collected, valid, denominator and quorum are right"),
    (23, "record-copies", "15.1", "the copies of single items equal their log entries"),
    (24, "board-checkpoints", "11.7", "the log has the root of every checkpoint the board signed"),
)
NUMBERS = {name: number for number, name, _, _ in CHECKS}
MAX_LISTED_FAILURES = 50
#: The three verdicts of a report (spec 16.1).
COMPLETE = "verified"
SO_FAR = "verified-so-far"
FAILED = "not-verified"


@dataclass
class CheckResult:
    """The outcome of one numbered check."""

    number: int
    name: str
    section: str
    description: str
    checked: int = 0
    failures: list[str] = field(default_factory=list)
    failure_count: int = 0
    skipped: str | None = None

    @property
    def status(self) -> str:
        if self.failure_count:
            return "FAIL"
        if self.skipped is not None:
            return "SKIP"
        return "PASS"

    def fail(self, message: str) -> None:
        self.failure_count += 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append(message)


@dataclass
class VerificationReport:
    """Every check's result for one record."""

    record: str
    checks: dict[str, CheckResult]
    head: tuple[int, str] | None = None
    #: title, election id, context hash and fingerprint, once the context is known
    election: dict[str, str] | None = None
    #: the manifest's rule set as named by spec 13.3.2, once the manifest is read
    rules: str | None = None
    #: entries read, and of them the entries whose proofs a checkpoint vouched for
    entries: int = 0
    entries_trusted: int = 0
    #: files of the record that are not verified (the presentations)
    unchecked: list[str] = field(default_factory=list)
    #: what a cosigned checkpoint given to start from proved or why it skips nothing (16.4)
    checkpoint: str | None = None
    #: the trustees the ceremony's evidence convicts of equivocation, with the evidence (8.8.1)
    convicted: list[str] = field(default_factory=list)
    #: checks and answers that saw another message than the log holds (spec 8.2, `seen`)
    views: list[str] = field(default_factory=list)
    #: the ceremony files the record keeps that arrived after the outcome was endorsed,
    #: named (spec 8.8.2, 15.1): checked, and without effect on the outcome
    late: list[str] = field(default_factory=list)
    #: the board's signed checkpoints the record keeps (check 24): how many, the largest
    #: confirmed by k witnesses and by whom, and whether the board signed two histories
    witnessed: dict[str, object] | None = None

    @classmethod
    def empty(cls, record: str) -> VerificationReport:
        checks = {name: CheckResult(n, name, section, text) for n, name, section, text in CHECKS}
        return cls(record, checks)

    def __getitem__(self, name: str) -> CheckResult:
        return self.checks[name]

    @property
    def ok(self) -> bool:
        """No check failed. Checks of phases the election has not reached are skipped."""
        return not any(check.status == "FAIL" for check in self.checks.values())

    @property
    def complete(self) -> bool:
        """Every check ran (the record covers the whole election) and passed."""
        return all(check.status == "PASS" for check in self.checks.values())

    @property
    def verdict(self) -> str:
        """`verified` (complete and every check passed), `verified-so-far` (nothing failed,
        some checks of later phases skipped) or `not-verified` (spec 16.1)."""
        return COMPLETE if self.complete else SO_FAR if self.ok else FAILED

    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks.values() if c.status == "FAIL"]

    def lines(self) -> list[str]:
        result = []
        if self.election is not None:
            result.append(f"Election: {self.election['title']}")
            result.append(
                f"Fingerprint: {self.election['fingerprint']}  (compare it with the one "
                "announced at the meeting)"
            )
            result.append(f"Election id (manifest hash): {self.election['election_id']}")
            result.append(f"Context hash: {self.election['context_hash']}")
        if self.rules is not None:
            result.append(f"Rules: {self.rules}")
        trusted = (
            f"; the proofs of the first {self.entries_trusted} were checked before (checkpoint)"
            if self.entries_trusted
            else ""
        )
        result.append(f"Log entries read: {self.entries}{trusted}")
        if self.checkpoint is not None:
            result.append(f"Checkpoint: {self.checkpoint}")
        result.extend(f"Convicted of equivocation: {line}" for line in self.convicted)
        result.extend(f"Seen differently: {line}" for line in self.views)
        result.extend(f"Late: {line}" for line in self.late)
        if self.witnessed is not None:
            result.append(f"Witnessed: {witnessed_line(self.witnessed)}")
        for check in self.checks.values():
            detail = f"{check.checked} checked" if check.skipped is None else check.skipped
            result.append(
                f"[{check.status}] {check.number:>2} {check.name:<20} spec {check.section:<5} "
                f"{check.description} ({detail})"
            )
            for failure in check.failures:
                result.append(f"         - {failure}")
            hidden = check.failure_count - len(check.failures)
            if hidden > 0:
                result.append(f"         - ... and {hidden} more")
        counts = {status: 0 for status in ("PASS", "FAIL", "SKIP")}
        for check in self.checks.values():
            counts[check.status] += 1
        verdict = {
            COMPLETE: "VERIFIED",
            SO_FAR: "VERIFIED SO FAR (the election is not finished)",
            FAILED: "NOT VERIFIED",
        }[self.verdict]
        if self.unchecked:
            result.append(
                f"Not checked: {', '.join(self.unchecked)} (presentations for people; the "
                "verified results are results.json)"
            )
        result.append(
            f"{verdict}: {counts['PASS']} passed, {counts['FAIL']} failed, "
            f"{counts['SKIP']} skipped, of {len(self.checks)} checks"
        )
        return result

    def to_json(self) -> str:
        return json.dumps(
            {
                "record": self.record,
                "election": self.election,
                "rules": self.rules,
                "entries": self.entries,
                "entries_trusted": self.entries_trusted,
                "unchecked": self.unchecked,
                "verdict": self.verdict,
                "ok": self.ok,
                "complete": self.complete,
                "checkpoint": self.checkpoint,
                "convicted": self.convicted,
                "views": self.views,
                "late": self.late,
                "witnessed": self.witnessed,
                "head": None if self.head is None else {"seq": self.head[0], "hash": self.head[1]},
                "checks": [
                    {
                        "number": c.number,
                        "name": c.name,
                        "section": c.section,
                        "description": c.description,
                        "status": c.status,
                        "checked": c.checked,
                        "failure_count": c.failure_count,
                        "failures": c.failures,
                        "skipped": c.skipped,
                    }
                    for c in self.checks.values()
                ],
            },
            ensure_ascii=False,
            indent=2,
        )

    def raise_for_failures(self) -> None:
        if not self.ok:
            names = ", ".join(f"{c.number} {c.name}" for c in self.failed())
            raise VerificationError(f"the election record failed checks: {names}", self)


def witnessed_line(w: dict[str, object]) -> str:
    """One line on the record's signed checkpoints (check 24)."""
    if w["two_histories"]:
        return f"the board key {w['board_key']} signed two histories (check 24)"
    if w["confirmed_size"] is None:
        return (
            f"{w['checkpoints']} checkpoint(s) signed by the board; none cosigned by "
            f"{w['needed']} of the {w['witnesses']} witnesses"
        )
    names = ", ".join(str(n) for n in w["confirmed_by"])  # type: ignore[attr-defined]
    return (
        f"{w['checkpoints']} checkpoint(s) signed by the board; the log holds the one of "
        f"{w['confirmed_size']} entries confirmed by {names} "
        f"({len(w['confirmed_by'])} of {w['witnesses']}, {w['needed']} needed)"  # type: ignore[arg-type]
    )

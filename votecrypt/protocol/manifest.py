"""The election manifest: what is voted on, by whom, under which rules (spec 7.1-7.2).

The manifest is fixed before the key ceremony; its hash identifies the election in every
ceremony message and, through the election context (spec 7.3), in every ballot and proof.
`content()` is the manifest as plain data: the JSON file holds exactly this value, and the
manifest hash is H(MANIFEST, content) over the typed encoding of spec 3.1.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from votecrypt.errors import ManifestError
from votecrypt.math.encoding import nfc
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.tags import MANIFEST
from votecrypt.primitives.packing import MAX_LANE_PLAINTEXT, Packing
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.protocol.board_setup import BoardSetup
from votecrypt.protocol.ceremony.messages import CeremonyParameters
from votecrypt.protocol.rules import PreviousResult, RuleSet, format_fraction, rule_set_to_plain
from votecrypt.protocol.text import text_problem

MANIFEST_TYPE = "votecrypt/manifest"
VERSION = 1
GROUP_NAME = "secp256k1"
#: The only second-ballot policy: a credential casts one ballot; a second one is rejected.
SECOND_BALLOT_POLICIES = ("reject",)
#: The key of the "left blank" outcome (spec 6.1).
BLANK = "blank"
MAX_CANDIDATES = 500
MAX_TRUSTEES = 1000
#: Longest texts, in characters (spec 7.1): far above any real name, far below a layout bomb.
MAX_NAME = 200
MAX_POSITION = 400
MAX_TITLE = 400
MAX_OVERRIDE = 1000


@dataclass(frozen=True, slots=True)
class Candidate:
    """An office holder on the ballot."""

    name: str
    position: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """An election's manifest. Construct with `Manifest.build` (validates) or decode a file."""

    title: str
    body: str
    date: str
    candidates: tuple[Candidate, ...]
    rules: RuleSet
    blank_allowed: bool
    trustees: tuple[str, ...]
    threshold: int
    credentials: int
    summoned: int
    members: int
    second_ballot: str = "reject"
    #: The counting board's recorded reason to proceed below the quorum ("" when the quorum
    #: is met; spec 7.1). Results never announce a consequence without the quorum (13.2).
    quorum_override: str = ""
    #: The previous vote's counts and D per office holder (by name), for rule sets with a
    #: condition on the previous vote such as NQ 35/2012's "two years running" (spec 7.1).
    previous: tuple[tuple[str, PreviousResult], ...] = ()
    #: The booth the counting board approved: stations serve only a booth with this digest
    #: (spec 7.5); None when the manifest names none (then no station opens a booth).
    booth: BoothPin | None = None
    #: The board's signing key and witnesses, for a signed board (spec 7.1, 11.7).
    board: BoardSetup | None = None

    @classmethod
    def build(
        cls,
        *,
        title: str,
        body: str,
        date: str,
        candidates: Sequence[Candidate],
        rules: RuleSet,
        trustees: Sequence[str],
        threshold: int,
        credentials: int,
        summoned: int | None = None,
        members: int | None = None,
        blank_allowed: bool = True,
        second_ballot: str = "reject",
        quorum_override: str = "",
        previous: Sequence[tuple[str, PreviousResult]] = (),
        booth: BoothPin | None = None,
        board: BoardSetup | None = None,
    ) -> Manifest:
        """A validated manifest; `summoned` defaults to `credentials` and `members` to
        `summoned`. `quorum_override` is the board's reason to proceed although the ballots
        issued are below the quorum; without it such a manifest is refused."""
        summoned = credentials if summoned is None else summoned
        manifest = cls(
            title=nfc(title).strip(),
            body=nfc(body).strip(),
            date=date,
            candidates=tuple(
                Candidate(nfc(c.name).strip(), nfc(c.position).strip()) for c in candidates
            ),
            rules=rules,
            blank_allowed=blank_allowed,
            trustees=tuple(nfc(t).strip() for t in trustees),
            threshold=threshold,
            credentials=credentials,
            summoned=summoned,
            members=summoned if members is None else members,
            second_ballot=second_ballot,
            quorum_override=nfc(quorum_override).strip(),
            previous=tuple((nfc(name).strip(), result) for name, result in previous),
            booth=booth,
            board=board,
        )
        manifest.validate()
        return manifest

    def validate(self) -> None:
        """Raise ManifestError for anything that would make the election unusable."""
        if not self.title or not self.body:
            raise ManifestError("the title and the body must not be empty")
        self._check_texts()
        try:
            datetime.date.fromisoformat(self.date)
        except ValueError:
            raise ManifestError(f"the date {self.date!r} is not of the form YYYY-MM-DD") from None
        if not self.candidates:
            raise ManifestError("the ballot needs at least one candidate")
        if len(self.candidates) > MAX_CANDIDATES:
            raise ManifestError(f"at most {MAX_CANDIDATES} candidates are supported")
        names = [c.name for c in self.candidates]
        if any(not c.name for c in self.candidates):
            raise ManifestError("every candidate needs a name")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ManifestError(f"candidate listed twice: {', '.join(duplicates)}")
        if not self.trustees or len(self.trustees) > MAX_TRUSTEES:
            raise ManifestError(f"the counting board needs 1 to {MAX_TRUSTEES} trustees")
        if len(set(self.trustees)) != len(self.trustees) or not all(self.trustees):
            raise ManifestError("trustee names must be present and distinct")
        if not 1 <= self.threshold <= len(self.trustees):
            raise ManifestError(
                f"the threshold must be between 1 and the number of trustees "
                f"({len(self.trustees)}), not {self.threshold}"
            )
        if self.credentials < 1:
            raise ManifestError("at least one ballot must be issued")
        if self.summoned < 1 or self.members < 1:
            raise ManifestError("the numbers summoned and members must be positive")
        if self.credentials > self.summoned:
            raise ManifestError("more ballots issued than people summoned")
        if self.rules.denominator == "members" and self.credentials > self.members:
            raise ManifestError("more ballots issued than members of the body (the denominator)")
        if self.second_ballot not in SECOND_BALLOT_POLICIES:
            raise ManifestError(f"unknown second-ballot policy {self.second_ballot!r}")
        if self.credentials > MAX_LANE_PLAINTEXT:
            raise ManifestError("too many ballots for the packed encoding")
        self._check_quorum()
        self._check_previous()
        if self.board is not None:
            self.board.validate()
        self.packing()

    def _check_previous(self) -> None:
        """Previous results name candidates of this ballot, once each, with counts of the
        rule set's options between 0 and their D (spec 7.1)."""
        names = {c.name for c in self.candidates}
        seen: set[str] = set()
        keys = set(self.rules.option_keys)
        for name, result in self.previous:
            if name not in names or name in seen:
                raise ManifestError(
                    f"previous result for {name!r}: not a candidate of this ballot, or listed twice"
                )
            seen.add(name)
            if type(result.denominator) is not int or not 1 <= result.denominator <= 10**9:
                raise ManifestError(f"previous result for {name!r}: D must be a positive integer")
            if not result.counts or not set(result.counts) <= keys:
                raise ManifestError(
                    f"previous result for {name!r}: counts of {', '.join(sorted(keys))} only"
                )
            for key, count in result.counts.items():
                if type(count) is not int or not 0 <= count <= result.denominator:
                    raise ManifestError(
                        f"previous result for {name!r}: the count of {key} must be between 0 "
                        f"and D = {result.denominator}"
                    )

    def previous_by_name(self) -> dict[str, PreviousResult]:
        return dict(self.previous)

    def _check_texts(self) -> None:
        """Every text is NFC, trimmed, displayable and of bounded length (spec 7.1)."""
        texts = [
            ("the title", self.title, MAX_TITLE),
            ("the body", self.body, MAX_TITLE),
            ("the quorum override", self.quorum_override, MAX_OVERRIDE),
        ]
        texts += [(f"trustee {i}", name, MAX_NAME) for i, name in enumerate(self.trustees, 1)]
        for number, candidate in enumerate(self.candidates, start=1):
            texts.append((f"the name of candidate {number}", candidate.name, MAX_NAME))
            texts.append((f"the position of candidate {number}", candidate.position, MAX_POSITION))
        for what, text, limit in texts:
            problem = text_problem(text, max_length=limit)
            if problem is not None:
                raise ManifestError(f"{what} {problem}")
            if text != nfc(text).strip():
                raise ManifestError(
                    f"{what}: text must be in NFC without leading or trailing spaces"
                )

    def _check_quorum(self) -> None:
        """Ballots issued (members present) below the quorum need a recorded override."""
        quorum = self.rules.quorum
        met = self.rules.quorum_met(self.credentials, self.summoned)
        if not met and not self.quorum_override:
            raise ManifestError(
                f"{self.credentials} ballots issued of {self.summoned} summoned is below the "
                f"quorum of {format_fraction(quorum)}; the vote may not proceed (a board that "
                f"insists records its reason with --quorum-override)"
            )
        if met and self.quorum_override:
            raise ManifestError("a quorum override is recorded although the quorum is met")

    # The ballot layout (spec 6.1)

    def outcomes(self) -> tuple[str, ...]:
        """The row's outcome keys in packing order: "blank" first when allowed (encoded 0),
        then the rule set's options; without blank, the first option is encoded 0."""
        options = tuple(option.key for option in self.rules.options)
        return (BLANK, *options) if self.blank_allowed else options

    def outcome_index(self, key: str) -> int:
        try:
            return self.outcomes().index(key)
        except ValueError:
            raise ManifestError(f"{key!r} is not an option of this election") from None

    def packing(self) -> Packing:
        try:
            return Packing.for_ballot(
                len(self.outcomes()), self.credentials, rows=len(self.candidates)
            )
        except ValueError as exc:
            raise ManifestError(f"the options cannot be packed: {exc}") from None

    # Identity

    def content(self) -> dict[str, Any]:
        """The manifest as plain data: the JSON file and the hash input (spec 7.2)."""
        return {
            "type": MANIFEST_TYPE,
            "version": VERSION,
            "group": GROUP_NAME,
            "title": self.title,
            "body": self.body,
            "date": self.date,
            "candidates": [{"name": c.name, "position": c.position} for c in self.candidates],
            "rules": rule_set_to_plain(self.rules),
            "blank_allowed": self.blank_allowed,
            "trustees": list(self.trustees),
            "threshold": self.threshold,
            "credentials": self.credentials,
            "summoned": self.summoned,
            "members": self.members,
            "second_ballot": self.second_ballot,
        } | self._optional_content()

    def _optional_content(self) -> dict[str, Any]:
        """Fields written only when used, so that every other manifest keeps its hash."""
        extra: dict[str, Any] = {}
        if self.quorum_override:
            extra["quorum_override"] = self.quorum_override
        if self.previous:
            extra["previous"] = previous_plain(self.previous)
        if self.booth is not None:
            extra["booth"] = self.booth.plain()
        if self.board is not None:
            extra["board"] = self.board.plain()
        return extra

    def manifest_hash(self) -> bytes:
        """H(MANIFEST, content): the election identifier (spec 7.2)."""
        return hash_bytes(MANIFEST, self.content())

    def ceremony_parameters(self) -> CeremonyParameters:
        return CeremonyParameters(self.manifest_hash(), len(self.trustees), self.threshold)


def previous_plain(previous: Sequence[tuple[str, PreviousResult]]) -> list[dict[str, Any]]:
    """The previous results as plain data (spec 7.1), in the order given."""
    return [
        {"name": name, "counts": dict(result.counts), "denominator": result.denominator}
        for name, result in previous
    ]

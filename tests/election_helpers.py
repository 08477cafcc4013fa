"""Helpers for election tests: published example elections and fast in-process runs."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from votecrypt.math import Group
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.protocol.board_setup import BoardSetup
from votecrypt.protocol.manifest import BLANK, Candidate, Manifest
from votecrypt.protocol.rules import RuleSet
from votecrypt.record.rule_presets import preset
from votecrypt.service.demo import DemoOutcome, run_election

FAST_KDF = KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024)

#: People's Council of Vĩnh Phúc, 13 Dec 2023 (DOMAIN.md): counts high / medium / low.
VINH_PHUC = (
    ("Hoàng Thị Thúy Lan", "Chủ tịch HĐND tỉnh", (46, 0, 1)),
    ("Nguyễn Trung Hải", "Phó Chủ tịch HĐND tỉnh", (33, 8, 6)),
    ("Phạm Quang Nguyên", "Phó Chủ tịch HĐND tỉnh", (44, 3, 0)),
    ("Lê Duy Thành", "Chủ tịch UBND tỉnh", (19, 2, 25)),
    ("Vũ Việt Văn", "Phó Chủ tịch UBND tỉnh", (35, 9, 3)),
)
#: The published percentages, in hundredths.
VINH_PHUC_PERCENT = (
    (9787, 0, 213),
    (7021, 1702, 1277),
    (9362, 638, 0),
    (4043, 426, 5319),
    (7447, 1915, 638),
)


def choices_from_counts(
    counts: Sequence[Sequence[int]], voters: int, keys: Sequence[str], seed: int = 7
) -> list[list[str]]:
    """Per-voter choices realising exact per-candidate counts (the rest left blank)."""
    rng = random.Random(seed)
    columns = []
    for row in counts:
        column = [key for key, count in zip(keys, row, strict=True) for _ in range(count)]
        column += [BLANK] * (voters - len(column))
        rng.shuffle(column)
        columns.append(column)
    return [[column[v] for column in columns] for v in range(voters)]


def manifest_for(
    people: Sequence[tuple[str, str]],
    ballots: int,
    *,
    rules: RuleSet | None = None,
    trustees: int = 3,
    threshold: int = 2,
    summoned: int | None = None,
    members: int | None = None,
    booth: BoothPin | None = None,
    board: BoardSetup | None = None,
) -> Manifest:
    return Manifest.build(
        title="Lấy phiếu tín nhiệm",
        body="Hội đồng nhân dân tỉnh Vĩnh Phúc",
        date="2023-12-13",
        candidates=[Candidate(name, position) for name, position in people],
        rules=rules or preset("nq96-2023"),
        trustees=[f"Thành viên {i}" for i in range(1, trustees + 1)],
        threshold=threshold,
        credentials=ballots,
        summoned=summoned,
        members=members,
        booth=booth,
        board=board,
    )


def run_counts(
    root: Path,
    group: Group,
    people: Sequence[tuple[str, str]],
    counts: Sequence[Sequence[int]],
    ballots: int,
    **options: object,
) -> DemoOutcome:
    """A real encrypted election whose decrypted counts must be `counts`."""
    challenges = int(options.pop("challenges", 0))  # type: ignore[call-overload]
    decrypting = options.pop("decrypting", None)
    manifest = manifest_for(people, ballots, **options)  # type: ignore[arg-type]
    keys = manifest.rules.option_keys
    choices = choices_from_counts(counts, ballots, keys)
    return run_election(
        root,
        group,
        manifest,
        choices,
        challenges=challenges,
        decrypting=decrypting,  # type: ignore[arg-type]
        kdf=FAST_KDF,
    )


class OpenElection:
    """An election set up to the point where voting is open (for board tests)."""

    def __init__(
        self,
        root: Path,
        group: Group,
        ballots: int = 4,
        candidates: int = 2,
        present: int | None = None,
        booth: BoothPin | None = None,
        board: BoardSetup | None = None,
    ) -> None:
        """`ballots` is the manifest's bound (the members summoned); `present` the ballots
        issued at the roll call (all of them if None)."""
        from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
        from votecrypt.service.election_dir import create_election
        from votecrypt.service.endorsing import endorse, endorsement_view
        from votecrypt.service.voting import issue, open_board

        self.group = group
        people = [(f"Candidate {i}", "x") for i in range(candidates)]
        self.manifest = manifest_for(people, ballots, booth=booth, board=board)
        self.directory = create_election(root, self.manifest)
        self.passphrases = {i: f"pass-{i}" for i in (1, 2, 3)}
        self.secrets = {i: root / "private" / f"t{i}.secret" for i in (1, 2, 3)}
        for i, path in self.secrets.items():
            trustee_init(self.directory, path, i, self.passphrases[i], group, FAST_KDF)
        for step in ("commit", "open", "check", "answer"):
            for i, path in self.secrets.items():
                ceremony_step(self.directory, path, self.passphrases[i], group, step)
        for i, path in self.secrets.items():
            ceremony_finalize(self.directory, path, self.passphrases[i], group)
        self.credentials = issue(self.directory, present)
        view = endorsement_view(self.directory, group)
        for i, path in self.secrets.items():
            endorse(self.directory, view, path, self.passphrases[i], group, view.fingerprint)
        self.board, self.context = open_board(self.directory, group)

    def close(self) -> None:
        self.board.close_connection()

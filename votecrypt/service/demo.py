"""A complete demonstration election, every step as a counting board would run it.

The same functions as the command line: the manifest, the key ceremony with each trustee's
encrypted secret file, credentials, voters casting (and a few challenging) ballots, closing,
the tally, decryption by exactly t trustees, and the results. Trustees' passphrases are
generated and kept in memory only; nothing here is for real use.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from votecrypt.math.group import Group
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.protocol.manifest import BLANK, Candidate, Manifest
from votecrypt.record.rule_presets import preset
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
from votecrypt.service.counting import (
    Announcement,
    compute_tally,
    publish_results,
    tally_to_decrypt,
    trustee_decrypt,
)
from votecrypt.service.election_dir import ElectionDir, create_election
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.export import export_record
from votecrypt.service.installed_booth import installed_booth
from votecrypt.service.presentation import write_result_sheets
from votecrypt.service.voting import cast, challenge, close_voting, issue, open_board, prepare

DEMO_CANDIDATES = (
    ("Nguyễn Văn An", "Chủ tịch Hội đồng nhân dân"),
    ("Trần Thị Bình", "Phó Chủ tịch Hội đồng nhân dân"),
    ("Lê Hoàng Cường", "Chủ tịch Ủy ban nhân dân"),
    ("Phạm Thu Dung", "Phó Chủ tịch Ủy ban nhân dân"),
    ("Hoàng Minh Đức", "Trưởng Ban Kinh tế - Ngân sách"),
    ("Vũ Thị Hạnh", "Trưởng Ban Pháp chế"),
    ("Đặng Quốc Khánh", "Chánh Văn phòng"),
    ("Bùi Thanh Lâm", "Giám đốc Sở Tài chính"),
    ("Đỗ Ngọc Mai", "Giám đốc Sở Y tế"),
    ("Ngô Đình Nam", "Giám đốc Sở Giáo dục và Đào tạo"),
)
DEMO_TRUSTEES = (
    "Trưởng ban kiểm phiếu",
    "Phó trưởng ban kiểm phiếu",
    "Thành viên 1",
    "Thành viên 2",
    "Thành viên 3",
    "Thành viên 4",
    "Thành viên 5",
    "Thành viên 6",
    "Thành viên 7",
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoOutcome:
    directory: ElectionDir
    record: Path
    announcement: Announcement
    cast: int
    challenged: int
    decrypted_by: tuple[int, ...]


def demo_manifest(voters: int, candidates: int, trustees: int, threshold: int) -> Manifest:
    names = [DEMO_CANDIDATES[i % len(DEMO_CANDIDATES)] for i in range(candidates)]
    people = [
        Candidate(name if i < len(DEMO_CANDIDATES) else f"{name} ({i + 1})", position)
        for i, (name, position) in enumerate(names)
    ]
    return Manifest.build(
        title="Lấy phiếu tín nhiệm đối với người giữ chức vụ do Hội đồng nhân dân bầu (demo)",
        body="Hội đồng nhân dân tỉnh Mẫu (demo)",
        date="2026-12-10",
        candidates=people,
        rules=preset("nq96-2023"),
        trustees=[
            DEMO_TRUSTEES[i] if i < len(DEMO_TRUSTEES) else f"Thành viên {i - 1}"
            for i in range(trustees)
        ],
        threshold=threshold,
        credentials=voters,
        summoned=voters + voters // 10,
        booth=installed_booth().pin,
    )


def run_demo(
    root: Path,
    group: Group,
    *,
    voters: int = 47,
    candidates: int = 7,
    trustees: int = 5,
    threshold: int = 3,
    challenges: int = 3,
    seed: int | None = None,
    kdf: KdfParameters | None = None,
    progress: Progress = lambda _: None,
) -> DemoOutcome:
    """Run a whole demonstration election in `root` with random choices."""
    rng = random.Random(seed)
    manifest = demo_manifest(voters, candidates, trustees, threshold)
    options = manifest.outcomes()
    choices = [[_random_choice(rng, options) for _ in manifest.candidates] for _ in range(voters)]
    decrypting = sorted(rng.sample(range(1, trustees + 1), threshold))
    return run_election(
        root,
        group,
        manifest,
        choices,
        challenges=challenges,
        decrypting=decrypting,
        kdf=kdf,
        progress=progress,
    )


def run_election(
    root: Path,
    group: Group,
    manifest: Manifest,
    choices: Sequence[Sequence[str]],
    *,
    challenges: int = 0,
    decrypting: Sequence[int] | None = None,
    kdf: KdfParameters | None = None,
    progress: Progress = lambda _: None,
) -> DemoOutcome:
    """Run the election of `manifest` in `root` (which must not hold one): every voter casts
    the given choices (one option key, or "blank", per candidate); the first `challenges`
    voters challenge a ballot first; the trustees in `decrypting` (default: the first t
    qualified) decrypt."""
    if len(choices) != manifest.credentials:
        raise ValueError("one list of choices per ballot issued is needed")
    directory = create_election(root, manifest)
    progress(f"Election created: {len(manifest.candidates)} candidates, {len(choices)} ballots")

    secrets_dir = root / "trustees"
    trustees = len(manifest.trustees)
    passphrases = {i: secrets.token_urlsafe(12) for i in range(1, trustees + 1)}
    paths = {i: secrets_dir / f"trustee-{i}.secret" for i in passphrases}
    for i, path in paths.items():
        trustee_init(directory, path, i, passphrases[i], group, kdf)
    for step in ("commit", "open", "check", "answer"):
        for i, path in paths.items():
            ceremony_step(directory, path, passphrases[i], group, step)
    for i, path in paths.items():
        outcome = ceremony_finalize(directory, path, passphrases[i], group)
    progress(
        f"Key ceremony: {len(outcome.qualified)} of {trustees} trustees qualified, "
        f"threshold {manifest.threshold}"
    )

    credentials = issue(directory)
    view = endorsement_view(directory, group)
    for i in outcome.qualified:
        endorse(directory, view, paths[i], passphrases[i], group, view.fingerprint)
    progress(f"Credential list endorsed; election fingerprint {view.fingerprint}")
    board, context = open_board(directory, group)
    with board:
        for voter, (credential, wanted) in enumerate(zip(credentials, choices, strict=True)):
            if voter < challenges:
                # A careful voter challenges a first ballot, checks it, then votes afresh.
                challenge(board, prepare(context, credential.code, wanted))
            cast(board, prepare(context, credential.code, wanted))
            if (voter + 1) % 50 == 0 or voter + 1 == len(credentials):
                progress(f"Ballots cast: {voter + 1}/{len(credentials)}")
        close_voting(board, context)
        compute_tally(board, context)
        progress("Voting closed; encrypted tally computed")
        chosen = list(decrypting or outcome.qualified[: manifest.threshold])
        verified = tally_to_decrypt(directory, group)  # each trustee checks this on its own
        for i in chosen:
            trustee_decrypt(
                directory, paths[i], passphrases[i], group, verified, announced=verified.board_hash
            )
        progress(f"Decryption shares from trustees {', '.join(map(str, chosen))}")
        announcement = publish_results(directory, board, context)
        record = export_record(board, directory.record)
        write_result_sheets(announcement.results, context, record)
    return DemoOutcome(
        directory,
        record,
        announcement,
        cast=len(credentials),
        challenged=min(challenges, len(credentials)),
        decrypted_by=tuple(chosen),
    )


def _random_choice(rng: random.Random, options: Sequence[str]) -> str:
    # Mostly high or medium confidence, some low, a few blank: like real published results.
    weights = {BLANK: 2, "high": 60, "medium": 25, "low": 13}
    return rng.choices(list(options), weights=[weights.get(o, 10) for o in options])[0]

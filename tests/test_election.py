"""Whole elections in memory: the published Vĩnh Phúc results through real encryption,
thresholds at their boundaries, decryption with t, more and fewer trustees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from election_helpers import VINH_PHUC, VINH_PHUC_PERCENT, run_counts

from votecrypt.errors import TallyError
from votecrypt.math import Group
from votecrypt.record.rule_presets import preset
from votecrypt.verifier import verify_record


def test_vinh_phuc_2023_through_a_real_encrypted_election(group: Group, tmp_path: Path) -> None:
    people = [(name, position) for name, position, _ in VINH_PHUC]
    counts = [row for _, _, row in VINH_PHUC]
    outcome = run_counts(tmp_path / "vp", group, people, counts, 47, challenges=2)
    results = outcome.announcement.results
    assert results.collected == 47 and results.denominator == 47
    for line, (name, _, row), percents in zip(
        results.candidates, VINH_PHUC, VINH_PHUC_PERCENT, strict=True
    ):
        assert line.name == name
        assert tuple(count for _, count in line.counts) == row
        assert tuple(value for _, value in line.percentages) == percents
    # Lê Duy Thành: 25/47 low is more than half and less than two thirds; one blank line.
    thanh = results.candidates[3]
    assert thanh.blank == 1
    assert thanh.bracket is not None and thanh.bracket.id == "resign-or-vote"
    assert [line.bracket for i, line in enumerate(results.candidates) if i != 3] == [None] * 4
    report = verify_record(outcome.record, jobs=1)
    assert report.complete, "\n".join(report.lines())


@pytest.mark.parametrize(
    ("low", "voters", "bracket"),
    [
        (3, 6, None),  # exactly 1/2: no consequence
        (4, 7, "resign-or-vote"),  # just above 1/2, below 2/3
        (4, 6, "dismissal"),  # exactly 2/3: the top bracket
        (5, 8, "resign-or-vote"),  # just below 2/3
    ],
)
def test_boundaries_through_encryption(
    group: Group, tmp_path: Path, low: int, voters: int, bracket: str | None
) -> None:
    outcome = run_counts(
        tmp_path / "b", group, [("A", "Chủ tịch")], [(voters - low, 0, low)], voters
    )
    line = outcome.announcement.results.candidates[0]
    assert line.count("low") == low
    assert (line.bracket.id if line.bracket else None) == bracket


def test_vote_of_confidence_boundary(group: Group, tmp_path: Path) -> None:
    rules = preset("nq96-2023-vote")
    at_half = run_counts(tmp_path / "h", group, [("A", "x")], [(2, 2)], 4, rules=rules)
    assert at_half.announcement.results.candidates[0].bracket is None
    above = run_counts(tmp_path / "a", group, [("A", "x")], [(2, 3)], 5, rules=rules)
    assert above.announcement.results.candidates[0].bracket.id == "dismissal"  # type: ignore[union-attr]


def test_legacy_denominator_is_the_number_of_members(group: Group, tmp_path: Path) -> None:
    # 9 of 10 members vote; 5 low is > 1/2 of the 9 ballots but not > 1/2 of the 10 members.
    outcome = run_counts(
        tmp_path / "l",
        group,
        [("A", "x")],
        [(4, 0, 5)],
        9,
        rules=preset("nq85-2014"),
        summoned=10,
        members=10,
    )
    results = outcome.announcement.results
    assert results.denominator == 10
    line = results.candidates[0]
    assert line.percentage("low") == 5000
    assert line.bracket is None
    # No ballot was challenged: the challenge check passes with nothing to check.
    report = verify_record(outcome.record, jobs=1)
    assert report.complete and report["challenges"].checked == 0


def test_more_than_t_trustees_decrypt_and_any_t_are_used(group: Group, tmp_path: Path) -> None:
    outcome = run_counts(
        tmp_path / "m",
        group,
        [("A", "x"), ("B", "y")],
        [(2, 1, 0), (0, 0, 3)],
        3,
        trustees=4,
        threshold=2,
        decrypting=[2, 3, 4],
    )
    selection = outcome.announcement.selection
    assert selection.valid == (2, 3, 4)
    assert selection.used == (2, 3)
    assert [line.count("low") for line in outcome.announcement.results.candidates] == [0, 3]


def test_fewer_than_t_shares_is_a_clear_error(group: Group, tmp_path: Path) -> None:
    with pytest.raises(
        TallyError, match=r"1 valid decryption shares, 2 needed.*missing: trustees 2, 3"
    ):
        run_counts(tmp_path / "f", group, [("A", "x")], [(1, 1, 1)], 3, decrypting=[1])


def test_an_invalid_decryption_share_is_named_and_left_out(group: Group, tmp_path: Path) -> None:
    from election_helpers import OpenElection

    from votecrypt.service.counting import (
        compute_tally,
        publish_results,
        tally_to_decrypt,
        trustee_decrypt,
    )
    from votecrypt.service.voting import cast, close_voting, prepare

    opened = OpenElection(tmp_path / "e", group, ballots=3, candidates=1)
    try:
        for credential, choice in zip(opened.credentials, ["low", "low", "high"], strict=True):
            cast(opened.board, prepare(opened.context, credential.code, [choice]))
        close_voting(opened.board, opened.context)
        compute_tally(opened.board, opened.context)
        for index in (1, 2, 3):
            trustee_decrypt(
                opened.directory,
                opened.secrets[index],
                opened.passphrases[index],
                group,
                announced=tally_to_decrypt(opened.directory, group).board_hash,
            )
        path = opened.directory.share_path(2)
        document = json.loads(path.read_text())
        document["partials"][0][0]["value"] = group.generator.hex()  # a wrong partial decryption
        path.write_text(json.dumps(document))
        announcement = publish_results(opened.directory, opened.board, opened.context)
    finally:
        opened.close()
    assert [trustee for trustee, _ in announcement.selection.invalid] == [2]
    assert "invalid proof" in announcement.selection.invalid[0][1]
    assert announcement.selection.used == (1, 3)
    line = announcement.results.candidates[0]
    assert (line.count("high"), line.count("low")) == (1, 2)


def test_below_the_quorum_with_an_override_announces_nothing_and_verifies(
    group: Group, tmp_path: Path
) -> None:
    from election_helpers import FAST_KDF, choices_from_counts, manifest_for

    from votecrypt.protocol.manifest import Manifest
    from votecrypt.service.demo import run_election

    base = manifest_for([("Nguyễn Văn A", "Chủ tịch")], 3)
    manifest = Manifest.build(
        **{field: getattr(base, field) for field in ("title", "body", "date", "rules")},
        candidates=base.candidates, trustees=base.trustees, threshold=base.threshold,
        credentials=3, summoned=5, quorum_override="Kỳ họp quyết định tiến hành",
    )  # fmt: skip
    choices = choices_from_counts([(0, 0, 3)], 3, manifest.rules.option_keys)
    outcome = run_election(tmp_path / "q", group, manifest, choices, kdf=FAST_KDF)
    results = outcome.announcement.results
    assert not results.quorum_met and results.candidates[0].bracket is None  # 3 of 3 low
    assert (
        json.loads((outcome.record / "results.json").read_text())["candidates"][0]["bracket"]
        is None
    )
    assert "KHÔNG ĐỦ SỐ NGƯỜI CÓ MẶT" in (outcome.record / "results.html").read_text()
    report = verify_record(outcome.record, jobs=1)
    assert report.complete, "\n".join(report.lines())


def test_nq35_two_years_running_through_an_election_and_the_verifier(
    group: Group, tmp_path: Path
) -> None:
    from election_helpers import FAST_KDF, choices_from_counts

    from votecrypt.protocol.manifest import Candidate, Manifest
    from votecrypt.protocol.rules import PreviousResult
    from votecrypt.service.demo import run_election

    manifest = Manifest.build(
        title="Lấy phiếu tín nhiệm", body="Quốc hội", date="2013-06-10",
        candidates=[Candidate("Người A", "Bộ trưởng"), Candidate("Người B", "Bộ trưởng")],
        rules=preset("nq35-2012"), trustees=["T1", "T2"], threshold=1,
        credentials=5, summoned=6, members=6,
        previous=[("Người A", PreviousResult({"low": 4}, 6))],
    )  # fmt: skip
    # Both get 4 of 6 deputies low this year: above half, not above two thirds (4 = 2/3 * 6).
    choices = choices_from_counts([(1, 0, 4), (1, 0, 4)], 5, manifest.rules.option_keys)
    outcome = run_election(tmp_path / "nq35", group, manifest, choices, kdf=FAST_KDF)
    lines = outcome.announcement.results.candidates
    assert [line.bracket_id for line in lines] == ["two-years-running", None]
    sheet = json.loads((outcome.record / "result-sheet.json").read_text())
    assert sheet["previous"] == [{"name": "Người A", "counts": {"low": 4}, "denominator": 6}]
    from votecrypt.render.json_results import results_from_json

    assert results_from_json((outcome.record / "result-sheet.json").read_bytes()) == (
        outcome.announcement.results
    )
    report = verify_record(outcome.record, jobs=1)
    assert report.complete, "\n".join(report.lines())

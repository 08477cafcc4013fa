"""A preset's id and title mean its exact rules (spec 13.3.2); the presets are data files
under spec/rules/ that the code reads and the spec quotes with their digests (13.3, 13.3.1);
every rule file goes through the bounded JSON decoder (13.4, 15.1)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from votecrypt.errors import RuleError
from votecrypt.protocol.rules import rule_set_to_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.rule_presets import (
    PRESET_DIGESTS,
    PRESETS,
    name_rule_set,
    preset,
    refuse_for_body,
    refuse_impersonation,
)
from votecrypt.record.rules_codec import rule_set_from_json, rule_set_to_json

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


def _three_quarters() -> dict[str, object]:
    """NQ 96's id and title, dismissal at 3/4 instead of 2/3 (issue 23's example)."""
    plain = rule_set_to_plain(preset("nq96-2023"))
    plain["brackets"][0]["when"][0]["fraction"] = "3/4"  # type: ignore[index]
    return plain


def test_every_preset_is_its_data_file_and_the_spec_quotes_its_digest() -> None:
    spec = (SPEC / "13-results.md").read_text(encoding="utf-8")
    files = sorted(path.stem for path in (SPEC / "rules").glob("*.json"))
    assert files == sorted(PRESETS)
    for key, rules in PRESETS.items():
        data = (SPEC / "rules" / f"{key}.json").read_bytes()
        assert rule_set_from_json(data) == rules
        assert data.decode("utf-8") == rule_set_to_json(rules)  # the file is in its one form
        digest = hashlib.sha256(canonical_json(json.loads(data))).hexdigest()
        assert PRESET_DIGESTS[key] == digest
        assert f"- file: `spec/rules/{key}.json`; digest: `{digest}`\n" in spec


def test_the_installed_package_carries_the_preset_files() -> None:
    # votecrypt/record/presets is spec/rules (a link); package-data installs its files.
    import tomllib

    link = ROOT / "votecrypt" / "record" / "presets"
    assert link.resolve() == (SPEC / "rules").resolve()
    configuration = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert (
        "presets/*.json" in configuration["tool"]["setuptools"]["package-data"]["votecrypt.record"]
    )


def test_a_preset_is_named_as_a_preset() -> None:
    name = name_rule_set(preset("nq96-2023"))
    assert (name.preset, name.claims) == ("nq96-2023", None)
    assert name.describe() == f"preset nq96-2023 (digest {PRESET_DIGESTS['nq96-2023'][:16]})"
    assert refuse_impersonation(preset("nq85-2014")).preset == "nq85-2014"


def test_a_custom_rule_set_under_its_own_name_is_named_by_id_and_digest() -> None:
    rules = rule_set_from_json((SPEC / "examples" / "rules-qd41-2021.json").read_bytes())
    name = refuse_impersonation(rules)
    assert name.describe().startswith("custom rule set qd41-2021 (digest ")
    assert name.preset is None and name.claims is None


def test_nq96_at_three_quarters_under_its_id_is_named_with_the_difference_and_refused() -> None:
    rules = rule_set_from_json(json.dumps(_three_quarters()))
    name = name_rule_set(rules)
    assert name.claims == "nq96-2023" and name.preset is None
    assert name.differences == ("brackets[0].when[0].fraction",)
    assert "differs from nq96-2023 in brackets[0].when[0].fraction" in name.describe()
    with pytest.raises(RuleError, match="takes the id or title of preset nq96-2023"):
        refuse_impersonation(rules)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda r: dataclasses.replace(r, id="mine"), id="title only"),
        pytest.param(
            lambda r: dataclasses.replace(
                r,
                id="mine",
                title_vi="mine",
                title_en="  CONFIDENCE vote under  Resolution 96/2023/qh15",
            ),
            id="English title, other case and spacing",
        ),
        pytest.param(lambda r: dataclasses.replace(r, quorum=Fraction(1, 2)), id="id only, quorum"),
        pytest.param(
            lambda r: dataclasses.replace(
                r,
                brackets=(
                    dataclasses.replace(r.brackets[0], consequence_vi="Không có hậu quả."),
                    r.brackets[1],
                ),
            ),
            id="a consequence text",
        ),
    ],
)
def test_a_preset_name_with_other_rules_is_refused(edit: object) -> None:
    changed = edit(preset("nq96-2023"))  # type: ignore[operator]
    with pytest.raises(RuleError, match="nq96-2023"):
        refuse_impersonation(changed)


def _create(tmp_path: Path, rules: str, body: str = "HĐND tỉnh") -> tuple[int, str]:
    candidates = tmp_path / "list.csv"
    candidates.write_text("Lê Duy Thành,Chủ tịch UBND tỉnh\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "election", "create", str(tmp_path / "e"), "--title", "Lấy phiếu tín nhiệm",
            "--body", body, "--date", "2023-12-13", "--candidates", str(candidates),
            "--trustee", "A", "--trustee", "B", "--threshold", "1", "--ballots", "4",
            "--members", "5", "--rules", rules,
        ],
    )  # fmt: skip
    return result.exit_code, result.output


def test_election_create_refuses_nq96_at_three_quarters(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(_three_quarters(), ensure_ascii=False), encoding="utf-8")
    code, output = _create(tmp_path, str(path))
    assert code == exit_codes.BAD_INPUT, output
    assert "differs from nq96-2023 in brackets[0].when[0].fraction" in output
    assert output.count("error:") == 1 and "Traceback" not in output
    assert not (tmp_path / "e").exists()


def test_election_create_names_the_rule_set(tmp_path: Path) -> None:
    code, output = _create(tmp_path, "nq96-2023")
    assert code == exit_codes.OK, output
    assert f"Rules: preset nq96-2023 (digest {PRESET_DIGESTS['nq96-2023'][:16]})" in output
    example = SPEC / "examples" / "rules-qd41-2021.json"
    (tmp_path / "2").mkdir()
    code, output = _create(tmp_path / "2", str(example))
    assert code == exit_codes.OK, output
    assert "Rules: custom rule set qd41-2021 (digest " in output


def test_a_rule_file_nested_100000_deep_is_one_line_and_exit_3(tmp_path: Path) -> None:
    """It crashed the interpreter (segmentation fault) when read with plain json.loads."""
    candidates = tmp_path / "list.csv"
    candidates.write_text("Lê Duy Thành,Chủ tịch UBND tỉnh\n", encoding="utf-8")
    rules = tmp_path / "deep.json"
    rules.write_text("[" * 100_000 + "]" * 100_000)
    result = subprocess.run(
        [
            *VOTECRYPT, "election", "create", str(tmp_path / "e"), "--title", "T",
            "--body", "B", "--date", "2023-12-13", "--candidates", str(candidates),
            "--trustee", "A", "--threshold", "1", "--ballots", "4", "--rules", str(rules),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == exit_codes.BAD_INPUT, result.stderr
    assert "nested too deeply" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize(
    "body", ["HĐND tỉnh Vĩnh Phúc", "Hội đồng nhân dân thành phố", "People's Council"]
)
def test_nq35_is_refused_for_a_peoples_council(tmp_path: Path, body: str) -> None:
    with pytest.raises(RuleError, match="National Assembly's words only"):
        refuse_for_body(preset("nq35-2012"), body)
    code, output = _create(tmp_path, "nq35-2012", body)
    assert code == exit_codes.BAD_INPUT and "custom rule file" in output
    assert not (tmp_path / "e").exists()


def test_nq35_is_accepted_for_the_national_assembly(tmp_path: Path) -> None:
    refuse_for_body(preset("nq35-2012"), "Quốc hội khóa XIII")
    code, output = _create(tmp_path, "nq35-2012", "Quốc hội khóa XIII")
    assert code == exit_codes.OK, output


def test_the_laws_words_for_several_posts_and_for_all_deputies() -> None:
    """DOMAIN, "The law's own words": NQ 96 Điều 12's clause for one person rated for several
    posts; NQ 85's "tổng số đại biểu Quốc hội, đại biểu HĐND" in full."""
    resign = {b.id: b for b in preset("nq96-2023").brackets}["resign-or-vote"]
    assert resign.consequence_vi.endswith(
        "trường hợp một người đã được lấy phiếu tín nhiệm cùng một lần với nhiều chức vụ thì "
        "việc bỏ phiếu tín nhiệm được thực hiện một lần đối với các chức vụ đó."
    )
    for bracket in preset("nq85-2014").brackets:
        assert "tổng số đại biểu Quốc hội, đại biểu HĐND" in bracket.consequence_vi
    top = preset("nq85-2014").brackets[0].consequence_vi
    assert "Thường trực HĐND trình HĐND bỏ phiếu tín nhiệm" in top


def test_verify_fails_a_record_under_nq96s_name_at_three_quarters(
    fast_group: object, tmp_path: Path
) -> None:
    """Issue 23: 8 of 12 "low" is two thirds; under NQ 96's name with dismissal at 3/4 the
    sheet announced nothing and `verify` said VERIFIED without naming the rule set."""
    from election_helpers import run_counts

    from votecrypt.errors import RefusedData
    from votecrypt.service.export import export_record
    from votecrypt.storage.board import BulletinBoard
    from votecrypt.verifier import verify_record

    fake = rule_set_from_json(json.dumps(_three_quarters()))
    # The trustees verify the board before decrypting (check 4 fails): nobody decrypts it.
    with pytest.raises(RefusedData, match="differs from nq96-2023 in brackets"):
        run_counts(tmp_path / "e", fast_group, [("A", "x")], [(4, 0, 8)], 12, rules=fake)  # type: ignore[arg-type]
    board = BulletinBoard(tmp_path / "e" / "board.sqlite", fast_group, read_only=True)  # type: ignore[arg-type]
    with board:
        record = export_record(board, tmp_path / "record")
    report = verify_record(record, jobs=1)
    assert not report.ok and [c.name for c in report.failed()] == ["manifest"]
    text = "\n".join(report.lines())
    assert "differs from nq96-2023 in brackets[0].when[0].fraction" in text
    assert "Rules: custom rule set (digest " in text
    result = subprocess.run(
        [*VOTECRYPT, "verify", str(record)], capture_output=True, text=True, check=False
    )
    assert result.returncode == exit_codes.VERIFY_FAILED
    assert "differs from nq96-2023" in result.stdout + result.stderr


def test_verify_names_the_preset_of_an_honest_record(fast_group: object, tmp_path: Path) -> None:
    from election_helpers import run_counts

    from votecrypt.verifier import verify_record

    outcome = run_counts(tmp_path / "e", fast_group, [("A", "x")], [(4, 0, 8)], 12)  # type: ignore[arg-type]
    assert outcome.announcement.results.candidates[0].bracket_id == "dismissal"
    report = verify_record(outcome.record, jobs=1)
    assert report.complete
    digest = PRESET_DIGESTS["nq96-2023"][:16]
    assert f"Rules: preset nq96-2023 (digest {digest})" in report.lines()
    assert json.loads(report.to_json())["rules"] == f"preset nq96-2023 (digest {digest})"


def test_the_sheet_names_the_rule_set() -> None:
    from votecrypt.protocol.results import BLANK, compute_results
    from votecrypt.render.html_sheet import render_html
    from votecrypt.render.sheet import SheetHeading
    from votecrypt.render.table import render_table

    heading = SheetHeading("Lấy phiếu tín nhiệm", "HĐND tỉnh", "2023-12-13")
    counts = [{"high": 4, "medium": 0, "low": 8, BLANK: 0}]
    for rules, named in (
        (preset("nq96-2023"), f"preset nq96-2023 (digest {PRESET_DIGESTS['nq96-2023'][:16]})"),
        (
            rule_set_from_json(json.dumps(_three_quarters())),
            "differs from nq96-2023 in brackets[0].when[0].fraction",
        ),
    ):
        results = compute_results(
            rules, [("A", "x")], counts, issued=12, collected=12, summoned=12, members=12
        )
        assert named in render_html(results, heading, blank_allowed=True)
        assert named in render_table(results, heading, blank_allowed=True)

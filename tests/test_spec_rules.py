"""Rules of the specification that a second implementation would otherwise have to guess
(issue 15): each is stated in spec/ and checked here against the code."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from votecrypt.errors import ManifestError, PlaintextOutOfRange
from votecrypt.math import Scalar, secp256k1
from votecrypt.primitives.dlog import discrete_log
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.protocol.rules import Bracket, Condition, Option, RuleSet
from votecrypt.verifier import verify_record

VECTORS = Path(__file__).resolve().parent.parent / "spec" / "vectors" / "election"


def _one_option() -> RuleSet:
    return RuleSet(
        id="one-option",
        title_vi="Một lựa chọn",
        title_en="One option",
        reference="",
        options=(Option("yes", "Có", "Yes"),),
        denominator="collected",
        quorum=Fraction(2, 3),
        brackets=(),
    )


def test_a_row_needs_two_outcomes() -> None:
    """Spec 6.1, 7.1: one option without blank (k = 1, no lane) is refused; with blank it
    is a valid row of two outcomes."""
    arguments = dict(
        title="T",
        body="B",
        date="2026-12-10",
        candidates=[Candidate("A", "P")],
        rules=_one_option(),
        trustees=["X"],
        threshold=1,
        credentials=3,
        summoned=3,
    )
    with pytest.raises(ManifestError, match="two outcomes"):
        Manifest.build(**arguments, blank_allowed=False)  # type: ignore[arg-type]
    assert Manifest.build(**arguments, blank_allowed=True).packing().lanes == 1  # type: ignore[arg-type]


def test_a_match_above_the_bound_is_a_failure() -> None:
    """Spec 6.4: with bound 10 (s = 4) the last giant step reaches 11; 11*G is found there
    and refused, never returned."""
    group = secp256k1()
    assert discrete_log(group, Scalar(10) * group.generator, 10) == 10
    with pytest.raises(PlaintextOutOfRange):
        discrete_log(group, Scalar(11) * group.generator, 10)


def test_fractions_above_one_are_plain_inequalities() -> None:
    """Spec 13.1: `>= 3/2` never holds and `< 3/2` always holds for D > 0."""
    never = Condition("yes", ">=", Fraction(3, 2))
    always = Condition("yes", "<", Fraction(3, 2))
    for count in range(0, 11):
        assert not never.holds(count, 10)
        assert always.holds(count, 10)
    assert Bracket("b", (always,), "vi", "en").holds({"yes": 10}, 10)


def test_a_line_with_crlf_fails_check_1_only(tmp_path: Path) -> None:
    """Spec 15.2, 16.1: a line that is not canonical fails check 1 and its entry is used."""
    record = tmp_path / "record"
    shutil.copytree(VECTORS / "record", record)
    lines = (record / "log.jsonl").read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b"\n", b"\r\n")
    (record / "log.jsonl").write_bytes(b"".join(lines))
    report = verify_record(record, jobs=1)
    assert [c.name for c in report.failed()] == ["log-format"]
    assert "line 6: not the canonical JSON" in report["log-format"].failures[0]


def test_a_copy_without_its_newline_fails_check_23(tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(VECTORS / "record", record)
    path = record / "tally.json"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    report = verify_record(record, jobs=1)
    assert [c.name for c in report.failed()] == ["record-copies"]


def test_the_totals_are_checked_when_the_decryption_fails() -> None:
    """Spec 16.1 rule 4: check 22 does not need the decryption; checks 19-21 fail naming 18."""
    report = verify_record(VECTORS / "tampered" / "decryption-share", jobs=1)
    assert report["result-totals"].status == "PASS" and report["result-totals"].checked
    assert "check 18" in report["result-counts"].failures[0]


def test_without_a_context_what_needs_one_fails_naming_check_7() -> None:
    """Spec 16.1 rules 3 and 4: what needs the context fails, naming check 7 (the close
    entry's election among it); the signatures and identifiers need none and pass."""
    report = verify_record(VECTORS / "tampered" / "small-order-credential", jobs=1)
    for name in ("ballot-format", "ballot-proofs", "challenges", "close"):
        assert report[name].status == "FAIL"
        assert all("check 7" in failure for failure in report[name].failures)
    for name in ("ballot-signatures", "ballot-uniqueness"):
        assert report[name].status == "PASS" and report[name].checked
    assert all("check 8" in failure for failure in report["ballot-credentials"].failures)


def test_fewer_than_t_shares_wait_until_results_are_published() -> None:
    """Spec 16.1 rule 1: one of two shares is "so far"; no share with results fails."""
    waiting = verify_record(VECTORS / "prefixes" / "prefix-one-share", jobs=1)
    assert waiting.ok and waiting["decryption"].status == "SKIP"
    assert waiting["decryption-shares"].status == "PASS"
    missing = verify_record(VECTORS / "tampered" / "results-without-shares", jobs=1)
    assert missing["decryption"].status == "FAIL"
    assert missing["result-totals"].status == "PASS"


def test_canonical_json_escapes_exactly_the_forms_of_spec_15_2() -> None:
    """Spec 15.2: `"`, `\\`, the five short escapes, `\\u00xx` in lowercase for the other
    control characters, and nothing else (not `/`, U+007F, U+2028 or any non-ASCII)."""
    from votecrypt.record.json_codec import canonical_json

    text = '"\\\x08\x09\x0a\x0c\x0d\x00\x1f/\x7f\u2028ễ'
    assert canonical_json(text) == ('"\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001f/\x7f\u2028ễ"'.encode())


def test_a_log_line_with_text_not_in_nfc_has_no_entry() -> None:
    """Spec 15.2: the typed encoding hashes the NFC form, so an NFD line would carry the
    canonical line's hash; it does not decode (vector tampered/nfd-rewrite)."""
    import unicodedata

    from votecrypt.errors import EncodingError
    from votecrypt.record.log import entry_from_line

    line = (VECTORS / "record" / "log.jsonl").read_bytes().splitlines(keepends=True)[-1]
    entry_from_line(line, 1)
    nfd = unicodedata.normalize("NFD", line.decode()).encode()
    assert nfd != line
    with pytest.raises(EncodingError, match="NFC"):
        entry_from_line(nfd, 1)

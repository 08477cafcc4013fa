"""Voting credentials: printable codes with check characters, keys bound to the election."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from votecrypt.errors import BallotError, EncodingError
from votecrypt.math import Group
from votecrypt.protocol.credentials import (
    ALPHABET,
    code_syndrome,
    credential_from_code,
    issue_credentials,
    new_code,
    normalise_code,
)

ELECTION = bytes(range(32))
VECTORS = Path(__file__).resolve().parent.parent / "spec" / "vectors" / "core"


def test_issue_publishes_sorted_public_keys_only() -> None:
    credentials, public = issue_credentials(ELECTION, 20)
    assert len({c.code for c in credentials}) == 20
    assert [k.to_bytes() for k in public] == sorted(c.public_key.to_bytes() for c in credentials)
    assert all(c.code not in repr(c) for c in credentials)


def test_code_format_and_typing_tolerance() -> None:
    code = new_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5, 2]
    credential = credential_from_code(ELECTION, code)
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert credential_from_code(ELECTION, typed).public_key == credential.public_key


def test_a_mistyped_code_is_refused() -> None:
    code = new_code()
    data = normalise_code(code)
    wrong = ("1" if data[0] != "1" else "2") + code[1:]
    with pytest.raises(EncodingError, match="mistyped"):
        credential_from_code(ELECTION, wrong)
    with pytest.raises(EncodingError):
        credential_from_code(ELECTION, code[:-3])
    with pytest.raises(EncodingError):
        credential_from_code(ELECTION, code.replace(code[2], "U"))


def test_the_same_code_gives_another_key_in_another_election() -> None:
    code = new_code()
    assert (
        credential_from_code(ELECTION, code).public_key
        != credential_from_code(bytes(32), code).public_key
    )


def test_every_single_error_and_every_adjacent_swap_is_caught() -> None:
    """Exhaustive over every position and every value (spec 9.2). The check sums are linear
    (XOR of one term per position), so a typo is missed exactly when its error pattern, the
    XOR of typed and true values, has zero sums. A wrong character is a pattern with one
    non-zero value; two swapped neighbours a and b give (a^b, a^b). Every pattern of one
    position, and of two neighbouring positions, with any non-zero values, is checked here on
    the all-zero code word, which proves it for every code."""
    zero = "0" * 22
    assert code_syndrome(zero) == (0, 0)
    for position in range(22):
        for value in range(1, 32):
            typo = zero[:position] + ALPHABET[value] + zero[position + 1 :]
            assert code_syndrome(typo) != (0, 0), (position, value)
    for position in range(21):
        for first in range(1, 32):
            for second in range(1, 32):
                typo = zero[:position] + ALPHABET[first] + ALPHABET[second] + zero[position + 2 :]
                assert code_syndrome(typo) != (0, 0), (position, first, second)


def test_typos_of_real_codes_are_refused_as_mistyped() -> None:
    for _ in range(20):
        code = new_code().replace("-", "")
        for position in range(22):
            for character in ALPHABET:
                if character != code[position]:
                    typo = code[:position] + character + code[position + 1 :]
                    with pytest.raises(EncodingError, match="mistyped"):
                        normalise_code(typo)
            if position < 21 and code[position] != code[position + 1]:
                swapped = (
                    code[:position] + code[position + 1] + code[position] + code[position + 2 :]
                )
                with pytest.raises(EncodingError, match="mistyped"):
                    normalise_code(swapped)


def test_credential_vectors() -> None:
    vectors = json.loads((VECTORS / "credentials.json").read_text(encoding="utf-8"))
    election = bytes.fromhex(vectors["election"])
    assert vectors["alphabet"] == ALPHABET
    for case in vectors["valid"]:
        assert normalise_code(case["code"]) == case["data"]
        assert credential_from_code(election, case["code"]).public_key.hex() == case["public_key"]
    for case in vectors["typed"]:
        assert credential_from_code(election, case["typed"]).public_key.hex() == case["public_key"]
    for case in vectors["mistyped"]:
        with pytest.raises(EncodingError, match="mistyped"):
            normalise_code(case["typed"])
    # The supplement digest of spec 9.6, from the formula (not from Supplement.digest).
    from votecrypt.math.hashing import hash_bytes
    from votecrypt.math.tags import CREDENTIAL_SUPPLEMENT

    supplement = vectors["supplement"]
    assert supplement["added"] == [vectors["valid"][1]["public_key"]]
    assert supplement["cancelled"] == [vectors["valid"][0]["public_key"]]
    digest = hash_bytes(
        CREDENTIAL_SUPPLEMENT,
        bytes.fromhex(supplement["context_hash"]),
        supplement["number"],
        [bytes.fromhex(key) for key in supplement["added"]],
        [bytes.fromhex(key) for key in supplement["cancelled"]],
    )
    assert digest.hex() == supplement["digest"]


def test_an_unknown_code_with_valid_check_characters_may_be_mistyped(
    group: Group, tmp_path: Path
) -> None:
    """Valid check characters but not issued (another election's code, or two typos that
    happen to pass): the board's rejection says the code may be mistyped."""
    from election_helpers import OpenElection

    from votecrypt.service.voting import cast, prepare

    election = OpenElection(tmp_path / "e", group, ballots=1)
    try:
        with pytest.raises(BallotError, match="may be mistyped") as rejected:
            cast(election.board, prepare(election.context, new_code(), ["high", "low"]))
        assert rejected.value.reason == "unknown-credential"
    finally:
        election.close()

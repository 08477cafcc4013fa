"""Voting credentials: printable codes with check characters, keys bound to the election."""

from __future__ import annotations

import pytest

from votecrypt.errors import EncodingError
from votecrypt.protocol.credentials import (
    credential_from_code,
    issue_credentials,
    new_code,
    normalise_code,
)

ELECTION = bytes(range(32))


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

"""A value typed in the room and the one the data gives (spec 9.4, 12.2): a slip of one or
two characters is called mistyped (exit 3, type it again), anything else other data (exit 4),
and neither message shows the value the person is meant to compare, not copy."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from votecrypt.errors import EncodingError, RefusedData
from votecrypt.protocol.context import ALPHABET
from votecrypt.service.announced import edit_distance, looks_mistyped
from votecrypt.service.counting import TallyToDecrypt
from votecrypt.service.endorsing import CredentialsToEndorse

FINGERPRINT = "7K2Q-M9DX-3FAB-W0PC"
BOARD_HASH = bytes.fromhex("3f2a9c0d11e5b7a48c6d2e0f9a1b3c5d" * 2)


def test_edit_distance_counts_a_swap_as_one() -> None:
    assert edit_distance("ABCD", "ABCD") == 0
    assert edit_distance("ABDC", "ABCD") == 1  # two neighbours swapped
    assert edit_distance("ABXD", "ABCD") == 1
    assert edit_distance("ABD", "ABCD") == 1
    assert edit_distance("WXYZ", "ABCD") == 4


def _endorse_view() -> Any:
    return CredentialsToEndorse(None, None, None, FINGERPRINT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "typed",
    ["7K2Q-M9DX-3FAB-W0PD", "7K2Q-9MDX-3FAB-W0PC", "7K2QM9DX3FABW0P", "7k2q m9dx 3fab wopc x"],
)
def test_a_fingerprint_slip_is_called_mistyped_and_never_shows_the_fingerprint(typed: str) -> None:
    if len(typed.replace("-", "").replace(" ", "")) != 16:
        with pytest.raises(EncodingError, match="is not an election fingerprint") as caught:
            _endorse_view().check_announced(typed)
    else:
        with pytest.raises(EncodingError, match="looks mistyped") as caught:
            _endorse_view().check_announced(typed)
        assert "tamper" not in str(caught.value) and "not the list" not in str(caught.value)
    assert FINGERPRINT not in str(caught.value)


def test_another_fingerprint_is_other_data_and_never_shows_the_fingerprint() -> None:
    other = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))
    if looks_mistyped(other.replace("-", ""), FINGERPRINT.replace("-", "")):
        pytest.skip("a random fingerprint two characters from this one (chance about 2^-60)")
    with pytest.raises(RefusedData, match="is not this list's") as caught:
        _endorse_view().check_announced(other)
    assert FINGERPRINT not in str(caught.value)
    _endorse_view().check_announced("7k2q m9dx 3fab wopc")  # as announced: no error


def _tally_view() -> Any:
    return TallyToDecrypt(None, None, (9, BOARD_HASH))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "typed",
    [
        "3f2a9c0d11e5b7a5",  # last digit wrong
        "3f2a9c0d11e5b74a",  # two neighbours swapped
        "3f2a9c0d1e5b7a48",  # a digit left out
        "3f2a9c0d111e5b7a48c6",  # a digit added, 20 typed
    ],
)
def test_a_board_hash_slip_is_called_mistyped_and_never_shows_the_hash(typed: str) -> None:
    with pytest.raises(EncodingError, match="looks mistyped") as caught:
        _tally_view().check_announced(typed)
    assert BOARD_HASH.hex()[:16] not in str(caught.value)


def test_another_board_hash_is_refused_and_never_shows_the_hash() -> None:
    with pytest.raises(RefusedData, match="is not this board's") as caught:
        _tally_view().check_announced("0" * 16)
    assert BOARD_HASH.hex()[:16] not in str(caught.value)
    _tally_view().check_announced(BOARD_HASH.hex()[:16].upper())  # as announced: no error
    _tally_view().check_announced(BOARD_HASH.hex())

"""Passphrases of the trustees' secret files: weak ones refused at a terminal (warned about
from the environment), wrong ones asked again up to three tries, and `trustee passphrase`
changes one (spec 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from votecrypt_cli import exit_codes
from votecrypt_cli.common import passphrase_problem
from votecrypt_cli.main import main

from votecrypt.errors import SecretStoreError
from votecrypt.math import secp256k1
from votecrypt.storage.secret_file import load_trustee

STRONG = "ruộng lúa chiều thu vàng"
OTHER = "mưa phùn tháng hai rét"


def invoke(*args: object, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    environment = {"VOTECRYPT_PASSPHRASE": "", "VOTECRYPT_NEW_PASSPHRASE": "", **(env or {})}
    return CliRunner().invoke(main, [str(a) for a in args], input=input, env=environment)


@pytest.fixture
def election(tmp_path: Path) -> Path:
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("Nguyễn Văn A,Chủ tịch\n")
    directory = tmp_path / "election"
    result = invoke(
        "election", "create", directory, "--title", "T", "--body", "B", "--date", "2023-12-13",
        "--candidates", candidates, "--trustee", "Một", "--threshold", "1", "--ballots", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return directory


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("pw1", "3 characters"),
        ("aaaaaaaaaaaaaaaa", "too few different characters"),
        ("0912345678901", "only digits"),
        ("Password2024!", "most common"),
    ],
)
def test_weak_passphrases_have_a_reason(value: str, reason: str) -> None:
    problem = passphrase_problem(value)
    assert problem is not None and reason in problem


def test_a_strong_passphrase_has_no_problem() -> None:
    assert passphrase_problem(STRONG) is None


def test_init_at_a_terminal_refuses_a_weak_passphrase_and_asks_again(
    election: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    answers = f"short\nshort\n{STRONG}\n{STRONG}\n"
    result = invoke("trustee", "init", election, "--index", "1", "--secret", secret, input=answers)
    assert result.exit_code == 0, result.output
    assert "too weak: it has 5 characters" in result.output
    assert load_trustee(secret, STRONG, secp256k1()).index == 1


def test_init_gives_up_after_three_weak_passphrases(election: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    result = invoke(
        "trustee", "init", election, "--index", "1", "--secret", secret, input="a\na\n" * 3
    )
    assert result.exit_code == exit_codes.BAD_INPUT
    assert "no acceptable passphrase in 3 tries" in result.output
    assert not secret.exists()


def test_a_weak_passphrase_from_the_environment_is_warned_about(
    election: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    result = invoke(
        "trustee", "init", election, "--index", "1", "--secret", secret,
        env={"VOTECRYPT_PASSPHRASE": "pw1"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning: the passphrase is weak: it has 3 characters" in result.output


def _initialised(election: Path, tmp_path: Path) -> Path:
    secret = tmp_path / "secret"
    result = invoke(
        "trustee", "init", election, "--index", "1", "--secret", secret,
        env={"VOTECRYPT_PASSPHRASE": STRONG},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return secret


def test_a_wrong_passphrase_is_asked_again_then_the_change_works(
    election: Path, tmp_path: Path
) -> None:
    secret = _initialised(election, tmp_path)
    answers = f"wrong one\n{STRONG}\n{OTHER}\n{OTHER}\n"
    result = invoke("trustee", "passphrase", "--secret", secret, input=answers)
    assert result.exit_code == 0, result.output
    assert "wrong passphrase, or the secret file is damaged; try again (2 tries left)" in (
        result.output
    )
    assert load_trustee(secret, OTHER, secp256k1()).index == 1
    with pytest.raises(SecretStoreError):
        load_trustee(secret, STRONG, secp256k1())


def test_three_wrong_passphrases_are_exit_6_and_change_nothing(
    election: Path, tmp_path: Path
) -> None:
    secret = _initialised(election, tmp_path)
    before = secret.read_bytes()
    result = invoke("trustee", "passphrase", "--secret", secret, input="x1\nx2\nx3\n")
    assert result.exit_code == exit_codes.SECRET
    assert "1 try left" in result.output and result.output.count("error:") == 1
    assert secret.read_bytes() == before


def test_the_passphrase_is_changed_from_the_environment(election: Path, tmp_path: Path) -> None:
    secret = _initialised(election, tmp_path)
    env = {"VOTECRYPT_PASSPHRASE": STRONG, "VOTECRYPT_NEW_PASSPHRASE": OTHER}
    result = invoke("trustee", "passphrase", "--secret", secret, env=env)
    assert result.exit_code == 0, result.output
    assert load_trustee(secret, OTHER, secp256k1()).index == 1
    # The ceremony goes on with the new passphrase.
    result = invoke(
        "ceremony", "commit", election, "--secret", secret, env={"VOTECRYPT_PASSPHRASE": OTHER}
    )
    assert result.exit_code == 0, result.output

"""The README's commands and library example are the ones that work."""

from __future__ import annotations

import re
from pathlib import Path

from election_helpers import OpenElection

from votecrypt.math import secp256k1

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_demo_and_the_test_commands() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    assert commands[0] == "pip install . && votecrypt demo"
    assert commands[1] == "pip install -e '.[test]' && python -m pytest -q"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_library_example_runs(tmp_path: Path) -> None:
    example = re.search(r"```python\n(.*?)\n```", README, re.DOTALL)
    assert example is not None
    opened = OpenElection(tmp_path / "election", secp256k1(), ballots=2, candidates=3)
    try:
        code = example[1].replace('Path("election")', f"Path({str(opened.directory.root)!r})")
        namespace = {"credential_code": opened.credentials[0].code}
        exec(compile(code, "README.md", "exec"), namespace)
        assert namespace["receipt"].tracking_code == namespace["prepared"].tracking_code  # type: ignore[attr-defined]
        assert opened.board.count("ballot") == 1
    finally:
        opened.close()

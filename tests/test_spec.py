"""The specification and the code move together: cited sections exist, the tag table is the
code's, every chapter is present."""

from __future__ import annotations

import re
from pathlib import Path

from votecrypt.math.tags import all_tags

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"


def _sections() -> set[str]:
    found = set()
    for path in SPEC.glob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^## (\d+\.\d+) ", line)
            if match:
                found.add(match[1])
    return found


def _citations() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    for folder in ("votecrypt", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"spec (\d+\.\d+(?:-\d+\.\d+)?(?:,\s*\d+\.\d+)*)", text):
                for part in re.split(r"[,\s]+", match[1]):
                    for section in part.split("-"):
                        cited.setdefault(section, set()).add(str(path.relative_to(ROOT)))
    return cited


def test_every_cited_section_exists() -> None:
    sections = _sections()
    missing = {s: sorted(files) for s, files in _citations().items() if s not in sections}
    assert not missing, f"the code cites sections the spec does not have: {missing}"


def test_the_code_cites_the_spec() -> None:
    assert len(_citations()) > 40


def test_tag_table_matches_the_code() -> None:
    text = (SPEC / "03-hashing.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(votecrypt/1/[^`]+)` \| (\d+\.\d+) \| (\w+) \|$", text, re.MULTILINE)
    table = {name: (tag, section) for tag, section, name in rows}
    code = {name: (tag.text, tag.section) for name, tag in all_tags().items()}
    assert table == code


def test_tag_sections_exist() -> None:
    sections = _sections()
    assert all(tag.section in sections for tag in all_tags().values())


def test_every_chapter_is_listed() -> None:
    index = (SPEC / "README.md").read_text(encoding="utf-8")
    for path in SPEC.glob("*.md"):
        if path.name != "README.md":
            assert f"({path.name})" in index, path.name


def test_verifier_checks_match_the_spec_table() -> None:
    from votecrypt.verifier.report import CHECKS

    text = (SPEC / "16-verification.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| `([a-z-]+)` \| (\d+\.\d+) \|", text, re.MULTILINE)
    assert [(int(n), name, section) for n, name, section in rows] == [
        (number, name, section) for number, name, section, _ in CHECKS
    ]

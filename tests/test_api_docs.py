"""The API reference is generated from the docstrings (pdoc), without warnings, and the
README's integrators section names helpers that exist."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def all_modules() -> list[str]:
    """The module specs that give every module one page: pdoc follows a package's
    submodules unless its __init__ sets __all__; those submodules are named here."""
    import pkgutil

    names = ["votecrypt", "votecrypt_cli"]
    pending = list(names)
    while pending:
        package = importlib.import_module(pending.pop())
        if not hasattr(package, "__path__"):
            continue
        children = [m.name for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
        if hasattr(package, "__all__"):
            names += children
        pending += children
    return names


def test_the_api_reference_builds_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("pdoc")
    result = subprocess.run(
        [sys.executable, "-W", "always", "-m", "pdoc", "-o", str(tmp_path), *all_modules()],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warn" not in (result.stdout + result.stderr).lower(), result.stderr
    pages = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html")}
    for page in (
        "votecrypt/protocol/rules.html",
        "votecrypt/render/sheet.html",
        "votecrypt/service/candidate_list.html",
        "votecrypt/service/tracking.html",
    ):
        assert page in pages, sorted(pages)


def test_the_readme_names_helpers_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## For integrators") :]
    names = re.findall(r"`(votecrypt(?:_cli)?(?:\.\w+)+)`", section)
    assert len(names) >= 15
    for name in names:
        module_name, _, attribute = name.rpartition(".")
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            module = importlib.import_module(module_name)
            assert hasattr(module, attribute), name

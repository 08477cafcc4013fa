"""Every package folder is in the distribution (a wheel built from pyproject.toml installs
all of the library and the command line)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def test_every_package_is_listed() -> None:
    configuration = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(configuration["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "votecrypt").rglob("__init__.py")
    }
    assert found | {"votecrypt_cli"} == listed
    assert configuration["tool"]["setuptools"]["package-dir"]["votecrypt_cli"] == "cli"
    assert not any((ROOT / "cli").glob("*/__init__.py")), "subpackages of cli need listing too"

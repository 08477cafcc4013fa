"""The layers import one way only, and the verifier never reaches code that creates data.

Layer order (DESIGN "Repository layout"): errors -> math -> primitives -> protocol -> record
-> verifier, render -> storage -> service (in-process election runs) -> web (the board
server) -> CLI. A module may import its own layer and the layers before it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS = [
    ("votecrypt.errors", 0),
    ("votecrypt.math", 1),
    ("votecrypt.primitives", 2),
    ("votecrypt.protocol", 3),
    ("votecrypt.record", 4),
    ("votecrypt.verifier", 5),
    ("votecrypt.render", 5),
    ("votecrypt.storage", 6),
    ("votecrypt.service", 7),
    ("votecrypt.web", 8),
    ("votecrypt_cli", 9),
]

#: Modules that create ballots or run the ceremony: the verifier must not depend on them.
CREATING_MODULES = (
    "votecrypt.protocol.booth",
    "votecrypt.protocol.ceremony.trustee",
    "votecrypt.protocol.ceremony.runner",
    "votecrypt.protocol.credentials_issue",
    "votecrypt.protocol.decryption_trustee",
    "votecrypt.storage",
    "votecrypt.service",
    "votecrypt.web",
)


def _module_files() -> dict[str, Path]:
    modules = {}
    for path in (ROOT / "votecrypt").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    for path in (ROOT / "cli").rglob("*.py"):
        parts = ["votecrypt_cli", *path.relative_to(ROOT / "cli").with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in found if m.startswith(("votecrypt", "votecrypt_cli"))}


def _layer(module: str) -> int | None:
    for prefix, level in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return level
    return None


MODULES = _module_files()
GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module: str) -> None:
    own = _layer(module)
    if own is None:
        assert module == "votecrypt", f"{module} is in no layer"
        return
    for imported in GRAPH[module]:
        level = _layer(imported)
        if level is None:
            continue
        assert level <= own, f"{module} (layer {own}) imports {imported} (layer {level})"


def _closure(start: str) -> set[str]:
    seen: set[str] = set()
    stack = [m for m in MODULES if m == start or m.startswith(start + ".")]
    while stack:
        module = stack.pop()
        if module in seen:
            continue
        seen.add(module)
        for imported in GRAPH.get(module, ()):
            # "from package import name" may name a module or an attribute; follow modules.
            if imported in MODULES and imported not in seen:
                stack.append(imported)
    return seen


def test_verifier_does_not_reach_creating_code() -> None:
    reached = _closure("votecrypt.verifier")
    bad = sorted(m for m in reached if m.startswith(CREATING_MODULES))
    assert not bad, f"the verifier depends on code that creates election data: {bad}"

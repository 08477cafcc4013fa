"""The JavaScript ballot library: its node tests run here, so the README's single test command
covers them, and the vendored @noble files are exactly those of the lockfile's versions."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "votecrypt" / "web" / "static"
VENDOR = STATIC / "vendor"

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


@needs_node
def test_node_test_runner_passes() -> None:
    """tests/js/*.test.mjs under `node --test`: the known-answer vectors of spec/vectors/core
    (encoding, hashing, ElGamal, set membership, packing) byte for byte, and the ballot side."""
    assert NODE is not None
    result = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# fail 0" in result.stdout
    passed = int(result.stdout.split("# pass ")[1].split()[0])
    assert passed >= 20, result.stdout[-2000:]


def _manifest() -> dict[str, object]:
    value = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def test_vendored_packages_are_the_lockfile_versions() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    manifest = _manifest()
    packages = manifest["packages"]
    assert isinstance(packages, dict)
    assert set(packages) == {"@noble/curves", "@noble/hashes", "qr"}
    for name, info in packages.items():
        locked = lock["packages"][f"node_modules/{name}"]
        assert info["version"] == locked["version"], name
        assert info["integrity"] == locked["integrity"], name
        # Pinned exactly: no range in package.json.
        assert package["dependencies"][name] == locked["version"], name


def test_vendored_files_match_the_manifest() -> None:
    files = _manifest()["files"]
    assert isinstance(files, dict)
    on_disk = {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name != "MANIFEST.json"
    }
    assert on_disk == set(files), "vendored files differ from MANIFEST.json"
    for name, digest in files.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_vendored_files_import_nothing_from_elsewhere() -> None:
    """The browser loads only our origin: every import in the vendored files is relative."""
    # Import and export statements (at the start of a line: not examples in comments), and
    # dynamic imports anywhere.
    specifier = re.compile(
        r"""(?:^(?:import|export)\s[^;'"]*?from\s*|^import\s*|\bimport\(\s*)(['"])([^'"]+)\1""",
        re.MULTILINE,
    )
    for path in [*VENDOR.rglob("*.js"), *STATIC.glob("*.js"), *(STATIC / "lib").glob("*.js")]:
        text = path.read_text(encoding="utf-8")
        for match in specifier.finditer(text):
            assert match.group(2).startswith(("./", "../")), f"{path}: {match.group(2)}"
        assert "sourceMappingURL" not in text, path


@needs_node
def test_vendor_script_rebuilds_the_same_files(tmp_path: Path) -> None:
    """scripts/vendor-js.mjs, run on node_modules as `npm ci` installs it from the lockfile,
    rebuilds the vendored directory byte for byte."""
    assert NODE is not None
    for name in ("curves", "hashes"):
        installed = ROOT / "node_modules" / "@noble" / name / "package.json"
        if not installed.is_file():
            pytest.skip("node_modules is not installed (run npm ci)")
    out = tmp_path / "vendor"
    result = subprocess.run(
        [NODE, "scripts/vendor-js.mjs", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rebuilt = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    current = {
        p.relative_to(VENDOR).as_posix(): p.read_bytes() for p in VENDOR.rglob("*") if p.is_file()
    }
    assert rebuilt.keys() == current.keys()
    for name, data in rebuilt.items():
        assert data == current[name], name


def test_booth_page_needs_nothing_the_csp_forbids() -> None:
    """The booth runs under `default-src 'self'` with no inline script or style: the page has
    no inline script, style attribute, event handler or other origin; its scripts touch no
    browser storage and build no code from strings."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"
    for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', html):
        assert "//" not in attribute and not attribute.startswith(("data:", "javascript:"))
    scripts = [
        *(STATIC / name for name in ("booth.js", "idle.js", "votecrypt.js")),
        *(STATIC / "lib").glob("*.js"),
    ]
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        for forbidden in ("localStorage", "sessionStorage", "indexedDB", "document.cookie"):
            assert forbidden not in text, f"{path.name} uses {forbidden}"
        for forbidden in ("eval(", "new Function", "innerHTML", "Math.random"):
            assert forbidden not in text, f"{path.name} uses {forbidden}"
        assert "http://" not in text and "https://" not in text, path.name

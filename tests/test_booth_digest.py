"""The booth digest (spec 7.5): the vector, the manifest's `booth` field, and the installed
booth that `election create` names by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from election_helpers import manifest_for

from votecrypt.errors import EncodingError, FileError, ManifestError
from votecrypt.math import encode
from votecrypt.protocol.approved_booth import BoothPin, booth_digest
from votecrypt.record.election_codec import manifest_from_plain, manifest_to_json
from votecrypt.record.json_codec import parse_json
from votecrypt.service.installed_booth import BOOTH_DIR, installed_booth, read_booth

ROOT = Path(__file__).resolve().parent.parent
VECTOR = json.loads((ROOT / "spec/vectors/core/booth.json").read_text(encoding="utf-8"))
PIN = BoothPin(bytes(range(32)), "0.1.0")


def _files(listed: list[dict[str, str]]) -> list[tuple[str, bytes]]:
    return [(f["path"], bytes.fromhex(f["content"])) for f in listed]


def test_the_vector_digest_is_recomputed_from_its_files() -> None:
    files = _files(VECTOR["files"])
    ordered = sorted(files)
    assert [path for path, _ in ordered] == VECTOR["ordered_paths"]
    assert encode([[p, c] for p, c in ordered]).hex() == VECTOR["encoding"]
    assert booth_digest(files).hex() == VECTOR["digest"]
    # The order files are listed in does not matter; every byte of every file does.
    assert booth_digest(reversed(files)).hex() == VECTOR["digest"]
    changed = [(p, c + b" ") if p == "booth.js" else (p, c) for p, c in files]
    assert booth_digest(changed).hex() != VECTOR["digest"]
    renamed = [("booth2.js", c) if p == "booth.js" else (p, c) for p, c in files]
    assert booth_digest(renamed).hex() != VECTOR["digest"]
    assert booth_digest(files[1:]).hex() != VECTOR["digest"]


@pytest.mark.parametrize("case", VECTOR["invalid"], ids=lambda c: c["reason"])
def test_file_lists_without_a_digest_are_refused(case: dict[str, object]) -> None:
    with pytest.raises(ManifestError):
        booth_digest(_files(case["files"]))  # type: ignore[arg-type]


def test_the_manifest_names_the_booth_and_the_election_id_covers_it() -> None:
    plain = manifest_for([("A", "x")], 3)
    pinned = manifest_for([("A", "x")], 3)
    pinned = type(pinned)(**{**_fields(pinned), "booth": PIN})
    assert "booth" not in plain.content()
    assert pinned.content()["booth"] == {"digest": PIN.digest.hex(), "version": "0.1.0"}
    assert manifest_from_plain(parse_json(manifest_to_json(pinned))) == pinned
    other = type(pinned)(**{**_fields(pinned), "booth": BoothPin(bytes(32), "0.1.0")})
    ids = {m.manifest_hash() for m in (plain, pinned, other)}
    assert len(ids) == 3


def _fields(manifest: object) -> dict[str, object]:
    return {name: getattr(manifest, name) for name in manifest.__slots__}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "booth",
    [
        {"digest": "00" * 31, "version": "0.1.0"},
        {"digest": "AB" * 32, "version": "0.1.0"},
        {"digest": "ab" * 32, "version": ""},
        {"digest": "ab" * 32, "version": "0.1.0\u202e"},
        {"digest": "ab" * 32, "version": "x" * 41},
        {"digest": "ab" * 32},
        {"digest": "ab" * 32, "version": "0.1.0", "url": "http://operator/booth.js"},
        ["ab" * 32, "0.1.0"],
    ],
)
def test_a_malformed_booth_field_is_refused(booth: object) -> None:
    value = manifest_for([("A", "x")], 3).content() | {"booth": booth}
    with pytest.raises((EncodingError, ManifestError)):
        manifest_from_plain(value)


def test_the_installed_booth_is_every_file_of_the_static_directory() -> None:
    booth = installed_booth()
    on_disk = {p.relative_to(BOOTH_DIR).as_posix() for p in BOOTH_DIR.rglob("*") if p.is_file()}
    assert set(booth.files) == on_disk
    assert {"index.html", "booth.js", "votecrypt.js", "vendor/MANIFEST.json"} <= on_disk
    assert booth.digest == booth_digest(booth.files.items())


def test_a_booth_with_a_symbolic_link_has_no_digest(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("x")
    (tmp_path / "booth.js").symlink_to("/etc/hostname")
    with pytest.raises(FileError, match="not a plain file"):
        read_booth(tmp_path, "0.1.0")


def _create(tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    from click.testing import CliRunner
    from votecrypt_cli.main import main

    people = tmp_path / "people.csv"
    people.write_text("name,position\nNguyễn A,Chủ tịch\n", encoding="utf-8")
    target = tmp_path / f"election-{len(list(tmp_path.iterdir()))}"
    args = ["election", "create", str(target), "--title", "T", "--body", "B"]
    args += ["--date", "2026-12-10", "--candidates", str(people), "--trustee", "T1"]
    args += ["--threshold", "1", "--ballots", "3", *extra]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output, target / "manifest.json"


def test_election_create_names_the_installed_booth_by_default(tmp_path: Path) -> None:
    code, output, manifest = _create(tmp_path)
    assert code == 0, output
    booth = json.loads(manifest.read_text(encoding="utf-8"))["booth"]
    assert booth == installed_booth().pin.plain()
    assert booth["digest"] in output


def test_election_create_names_another_approved_booth(tmp_path: Path) -> None:
    code, output, manifest = _create(
        tmp_path, "--booth-digest", "AB" * 32, "--booth-version", "0.0.9"
    )
    assert code == 0, output
    booth = json.loads(manifest.read_text(encoding="utf-8"))["booth"]
    assert booth == {"digest": "ab" * 32, "version": "0.0.9"}


@pytest.mark.parametrize(
    ("extra", "exit_code"),
    [
        (["--booth-digest", "ab" * 31, "--booth-version", "1"], 3),
        (["--booth-digest", "zz" * 32, "--booth-version", "1"], 3),
        (["--booth-digest", "ab" * 32], 2),
        (["--booth-version", "1"], 2),
    ],
)
def test_election_create_refuses_a_wrong_booth_with_one_line(
    tmp_path: Path, extra: list[str], exit_code: int
) -> None:
    code, output, manifest = _create(tmp_path, *extra)
    assert code == exit_code
    assert output.strip().count("\n") == 0 and output.startswith("error: ")
    assert not manifest.exists()

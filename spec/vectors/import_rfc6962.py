"""Copy the published RFC 6962 Merkle tree vectors into spec/vectors/transparency/.

The vectors are transparency-dev/merkle's (Apache-2.0): the leaves and roots of
testonly/constants.go and the inclusion and consistency cases of testdata/. They are read
from a local clone at the pinned commit and written, unchanged but for base64 -> hex, as
`rfc6962.json`, each case naming its file of origin:

    python spec/vectors/import_rfc6962.py PATH-TO-A-CLONE-OF-transparency-dev/merkle
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPOSITORY = "https://github.com/transparency-dev/merkle"
COMMIT = "417fb0c314750d94e53942e9f92e79b6d35915db"
OUT = Path(__file__).resolve().parent / "transparency" / "rfc6962.json"

# testonly/constants.go, LeafInputs() and RootHashes() (the roots of sizes 0 to 8).
LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]


def show(clone: Path, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(clone), "show", f"{COMMIT}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def hexed(value: Any) -> Any:
    if isinstance(value, str):
        return base64.b64decode(value).hex()
    return [hexed(item) for item in value or []]


def cases(clone: Path, folder: str) -> dict[str, Any]:
    names = subprocess.run(
        ["git", "-C", str(clone), "ls-tree", "-r", "--name-only", COMMIT, folder],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    found = {}
    for name in sorted(names):
        case = json.loads(show(clone, name))
        for key in ("root", "root1", "root2", "leafHash", "proof"):
            if key in case:
                case[key] = hexed(case[key])
        found[name] = case
    return found


def main(clone: Path) -> None:
    constants = show(clone, "testonly/constants.go")
    roots_go = constants.split("func RootHashes()")[1].split("func CompactTrees()")[0]
    roots = [part.split('"')[1] for part in roots_go.split("hd(")[1:]]
    data = {
        "origin": {
            "repository": REPOSITORY,
            "commit": COMMIT,
            "files": ["testonly/constants.go", "testdata/inclusion", "testdata/consistency"],
        },
        "leaves": LEAVES,
        "roots": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", *roots],
        "inclusion": cases(clone, "testdata/inclusion"),
        "consistency": cases(clone, "testdata/consistency"),
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

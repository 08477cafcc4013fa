"""Build the optional accelerator (spec 18.2, decision A.37): `python native/build.py`.

Takes libsecp256k1's source from Debian's source package, pinned below by version and
SHA-256 (the upstream release tarball Debian ships as its .orig), compiles it together with
`native/msm.c` and `native/prove.c` (the constant-time prover helper, spec 18.1) into
`votecrypt/math/libvotecrypt_msm.so.1`, and checks that the result loads and agrees with
coincurve. Without a C compiler (or apt), votecrypt keeps working on the pure path;
this script then says why in one line and exits with 3.

    python native/build.py                    # fetch the pinned source with apt-get, build
    python native/build.py --source FILE      # build from an already downloaded .orig tarball
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET = ROOT / "votecrypt" / "math" / "libvotecrypt_msm.so.1"

#: Debian's source package (bookworm) and the upstream release it carries.
PACKAGE, DEBIAN_VERSION, UPSTREAM = "libsecp256k1", "0.2.0-2", "0.2.0"
ORIG = f"libsecp256k1_{UPSTREAM}.orig.tar.xz"
ORIG_SHA256 = "07c1d76fc485936138c6572e94374df22ba41df06617926572b8a690fe8bc34b"
SUITE = "bookworm"
DESCRIPTION = f"libsecp256k1 {UPSTREAM} (Debian {DEBIAN_VERSION}, {ORIG} sha256 {ORIG_SHA256})"

# The source list of Debian's own archive, used in a private apt state directory: nothing in
# the machine's apt configuration changes.
_SOURCES = f"""Types: deb-src
URIs: http://deb.debian.org/debian
Suites: {SUITE}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


class BuildError(Exception):
    """Why the accelerator cannot be built here (one line)."""


def fetch(work: Path) -> Path:
    """Download the pinned source package with apt-get (signatures checked by apt)."""
    if shutil.which("apt-get") is None:
        raise BuildError("apt-get is not available: pass --source with the .orig tarball")
    state = work / "apt"
    (state / "lists" / "partial").mkdir(parents=True)
    (state / "parts").mkdir()
    (state / "parts" / "debian-src.sources").write_text(_SOURCES)
    download = work / "download"
    download.mkdir()
    options = [
        "-q",
        "-o", "Dir::Etc::SourceList=/dev/null",
        "-o", f"Dir::Etc::SourceParts={state / 'parts'}",
        "-o", f"Dir::State::Lists={state / 'lists'}",
        "-o", f"Dir::Cache={state / 'cache'}",
        "-o", "APT::Sandbox::User=root",
    ]  # fmt: skip
    for command in (["update"], ["source", "--download-only", f"{PACKAGE}={DEBIAN_VERSION}"]):
        done = subprocess.run(
            ["apt-get", *options, *command], cwd=download, capture_output=True, text=True
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise BuildError(f"apt-get {command[0]} failed: {last}")
    return download / ORIG


def check(source: Path) -> None:
    if not source.is_file():
        raise BuildError(f"{source} is not a file")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != ORIG_SHA256:
        raise BuildError(f"{source.name} has SHA-256 {digest}, not the pinned {ORIG_SHA256}")


def compile_library(source: Path, work: Path, target: Path) -> None:
    with tarfile.open(source) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12, 3.11.4 and later
            archive.extractall(work / "src", filter="data")
        else:  # the tarball's digest was checked: it is the pinned one
            archive.extractall(work / "src")
    tree = work / "src" / f"libsecp256k1-{UPSTREAM}"
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise BuildError("no C compiler (cc): votecrypt uses the pure path")
    partial = target.with_name(f".{target.name}.partial")
    command = [
        compiler, "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-std=c99",
        f"-I{tree}", f"-I{tree / 'src'}",
        f"-DVOTECRYPT_MSM_SOURCE=\"{DESCRIPTION}\"",
        str(HERE / "msm.c"),
        str(HERE / "prove.c"),
        str(tree / "src" / "precomputed_ecmult.c"),
        str(tree / "src" / "precomputed_ecmult_gen.c"),
        f"-Wl,--version-script={HERE / 'exports.map'}",
        "-o", str(partial),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BuildError(f"the C compiler failed: {last}")
    os.replace(partial, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help=f"the downloaded {ORIG}")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            source = args.source or fetch(work)
            check(source)
            compile_library(source, work, TARGET)
    except BuildError as error:
        print(f"native/build.py: {error}", file=sys.stderr)
        return 3
    sys.path.insert(0, str(ROOT))
    from votecrypt.math import native, native_prove

    line = native.status(TARGET)
    print(line)
    if not line.startswith("native"):
        return 3
    if native_prove.load(TARGET) is None:
        print(
            "native/build.py: the prover helper does not load or fails its known row",
            file=sys.stderr,
        )
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

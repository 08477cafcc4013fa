"""docs/voting-stations.md as written: its shell blocks for the certificate, the server, the
check of a station and the observers' reads, run one after the other with the server's
address and port replaced by loopback ones (nothing else of the guide's text changes)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from election_helpers import OpenElection
from test_server_cli import _wait_until_answering

from votecrypt.math import Group
from votecrypt.service.installed_booth import installed_booth

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "voting-stations.md"
#: Generous: nothing here has to finish within a few seconds.
PATIENCE = 300


def _blocks() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    return [textwrap.dedent(block) for block in re.findall(r"```sh\n(.*?)```", text, re.S)]


def _block(starting: str, port: int, election: Path) -> str:
    """The guide's one sh block whose first command starts with `starting`, for this run."""
    (block,) = [b for b in _blocks() if b.lstrip().startswith(starting)]
    return (
        block.replace("192.168.50.1:8443", f"127.0.0.1:{port}")
        .replace("--host 192.168.50.1 --port 8443", f"--host 127.0.0.1 --port {port}")
        .replace("IP:192.168.50.1", "IP:127.0.0.1")
        .replace("ELECTION", str(election))
    )


def _environment() -> dict[str, str]:
    """`votecrypt` on the PATH, as it is once installed."""
    scripts = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", command],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )


@contextmanager
def _serving(command: str, cwd: Path, port: int) -> Iterator[None]:
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_until_answering(f"https://127.0.0.1:{port}/")
        yield
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(
    not (Path("/usr/bin/openssl").exists() and Path("/usr/bin/curl").exists()),
    reason="the guide's commands need openssl and curl",
)
def test_the_guides_commands_serve_check_and_observe_the_board(
    tmp_path: Path, fast_group: Group
) -> None:
    # The election approves the booth installed here, as `election create` records it.
    opened = OpenElection(tmp_path / "election", fast_group, 3, 2, booth=installed_booth().pin)
    opened.close()
    election, port = opened.directory.root, _free_port()
    made = _run(_block("openssl req", port, election), tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "server.crt").exists() and (tmp_path / "server.key").exists()
    with _serving(_block("votecrypt serve", port, election), tmp_path, port):
        checked = _run(_block("votecrypt station --check", port, election), tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "This station would serve the approved booth" in checked.stdout
        assert opened.context.fingerprint in checked.stdout
        status = _run(_block("curl -s --cacert", port, election), tmp_path)
        assert status.returncode == 0, status.stderr
        assert '"phase":"voting"' in status.stdout
        observed = _run(_block("mkdir observed", port, election), tmp_path)
        # The vote is still open: verified so far (exit code 11), nothing failed.
        assert observed.returncode == 11, observed.stdout + observed.stderr
        assert "VERIFIED SO FAR" in observed.stdout and " 0 failed" in observed.stdout
    assert (tmp_path / "observed" / "log.jsonl").stat().st_size > 0
    assert (tmp_path / "checkpoint.json").exists()

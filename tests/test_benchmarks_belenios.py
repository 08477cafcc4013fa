"""The comparison with Belenios (benchmarks/belenios) without Belenios: when belenios-tool is
missing, or is not version 2.x, it says so in one line and exits with 3; when a step of
Belenios fails, one line names the step and it exits with 8. The comparison itself needs
Debian's belenios-tool and is run by hand (benchmarks/README.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def _compare(path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.belenios.compare", "--voters", "2", "--rounds", "1"],
        cwd=REPOSITORY,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )


def _fake_tool(folder: Path, script: str) -> str:
    tool = folder / "belenios-tool"
    tool.write_text("#!/bin/sh\n" + script)
    tool.chmod(0o755)
    return str(folder)


def test_missing_tool_is_one_line_and_exit_3(tmp_path: Path) -> None:
    done = _compare(str(tmp_path))  # an empty PATH: no belenios-tool
    assert done.returncode == 3
    assert done.stdout.splitlines() == [
        "belenios-tool 2.x is not installed: `apt-get install belenios-tool` "
        "(Debian's Belenios 2.0); nothing was measured"
    ]
    assert "Traceback" not in done.stderr


def test_another_version_counts_as_missing(tmp_path: Path) -> None:
    done = _compare(_fake_tool(tmp_path, 'echo "1.20 (20221020)"\n'))
    assert done.returncode == 3
    assert len(done.stdout.splitlines()) == 1 and "not installed" in done.stdout


def test_a_failing_step_is_one_line_and_exit_8(tmp_path: Path) -> None:
    script = (
        'if [ "$1" = --version ]; then echo "2.0 (20230102)"; exit 0; fi\n'
        'echo "belenios-tool: something broke" >&2; exit 123\n'
    )
    done = _compare(_fake_tool(tmp_path, script))
    assert done.returncode == 8
    assert done.stdout.splitlines() == [
        "failed: setup generate-token: exit 123: belenios-tool: something broke"
    ]
    assert "Traceback" not in done.stderr

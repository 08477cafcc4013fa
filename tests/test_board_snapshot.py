"""`votecrypt board snapshot`: a consistent copy of the board while it is being written to
(the server holds it open in WAL mode), as the counting-board guide hands it to the trustees."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from election_helpers import OpenElection
from test_server_cli import VOTECRYPT

from votecrypt.math import Group
from votecrypt.service.voting import cast, prepare


def _ballots(board: Path) -> int:
    with sqlite3.connect(f"file:{board}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM entries WHERE kind = 'ballot'").fetchone()[0])


def test_a_snapshot_holds_every_committed_ballot_while_the_board_is_open(
    tmp_path: Path, fast_group: Group
) -> None:
    election = OpenElection(tmp_path / "e", fast_group, ballots=6, candidates=1)
    try:
        # The board stays open, as under `votecrypt serve`: committed ballots may be only in
        # board.sqlite-wal, which a copy of board.sqlite alone misses.
        for credential in election.credentials:
            cast(election.board, prepare(election.context, credential.code, ["high"]))
        out = tmp_path / "copy" / "board.sqlite"
        out.parent.mkdir()
        stale = tmp_path / "stale.sqlite"
        stale.write_bytes(election.directory.board.read_bytes())
        assert _ballots(stale) < len(election.credentials)  # what copying the file gave
        result = subprocess.run(
            [*VOTECRYPT, "board", "snapshot", str(election.directory.root), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert f"Board copied to {out}" in result.stdout
        assert _ballots(out) == len(election.credentials)
        assert not Path(f"{out}-wal").exists()  # one file
        assert not list(out.parent.glob(".*partial"))
    finally:
        election.close()
    missing = subprocess.run(
        [*VOTECRYPT, "board", "snapshot", str(tmp_path / "nowhere"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert missing.returncode not in (0, 1) and "Traceback" not in missing.stderr

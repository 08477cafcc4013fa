"""The signed board from the command line: `election create --board-key --witness` puts the
keys into the manifest, `votecrypt serve --board-key` signs checkpoints with the key file,
and `votecrypt receipt check` checks a receipt offline with a documented exit code."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner
from election_helpers import OpenElection
from server_helpers import JSON
from test_server_cli import serving
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.record.checkpoint import board_note_key, open_checkpoint
from votecrypt.record.note import COSIGNATURE_V1, NoteKey
from votecrypt.service.voting import prepare
from votecrypt.service.witness import BoardFeed
from votecrypt.service.witness import Witness as Follower
from votecrypt.storage.key_file import create_key_file, load_key_file

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
PASSPHRASE = "correct horse battery staple"
ENV = {**os.environ, "VOTECRYPT_PASSPHRASE": PASSPHRASE}


def test_election_create_names_the_board_key_and_the_witnesses(tmp_path: Path) -> None:
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("Nguyễn Văn A,Chủ tịch\nTrần Thị B,Phó Chủ tịch\n", encoding="utf-8")
    witnesses = [SigningKey.generate() for _ in range(3)]
    vkeys = [
        NoteKey(f"w{i}.example", COSIGNATURE_V1, k.verify_key.to_bytes()).vkey()
        for i, k in enumerate(witnesses)
    ]
    key_file = tmp_path / "board-key.secret"
    arguments = [
        "election", "create", str(tmp_path / "e"), "--title", "T", "--body", "B",
        "--date", "2026-12-07", "--candidates", str(candidates), "--trustee", "A",
        "--trustee", "B", "--threshold", "2", "--ballots", "3", "--board-key", str(key_file),
        *[part for vkey in vkeys for part in ("--witness", vkey)], "--witnesses-needed", "2",
    ]  # fmt: skip
    result = CliRunner().invoke(main, arguments, env={"VOTECRYPT_PASSPHRASE": PASSPHRASE})
    assert result.exit_code == 0, result.output
    board = json.loads((tmp_path / "e" / "manifest.json").read_text(encoding="utf-8"))["board"]
    assert board["key"] == load_key_file(key_file, PASSPHRASE).verify_key.hex()
    assert [w["name"] for w in board["witnesses"]] == ["w0.example", "w1.example", "w2.example"]
    assert board["witnesses_needed"] == 2
    # A witness key that is not a cosigning key, or witnesses without a board key: bad input.
    plain = NoteKey("w.example", 1, witnesses[0].verify_key.to_bytes()).vkey()
    for extra in (["--board-key", str(key_file), "--witness", plain], ["--witness", vkeys[0]]):
        bad = [*arguments[:3], str(tmp_path / "other"), *arguments[4:19], *extra]
        result = CliRunner().invoke(main, bad, env={"VOTECRYPT_PASSPHRASE": PASSPHRASE})
        assert result.exit_code == exit_codes.USAGE, result.output
        assert not (tmp_path / "other" / "manifest.json").exists()


def test_serve_signs_with_the_key_file_and_a_receipt_checks_offline(
    tmp_path: Path, fast_group: Group
) -> None:
    key_file = tmp_path / "board-key.secret"
    key = create_key_file(key_file, PASSPHRASE, "board signing key")
    witness = SigningKey.generate()
    setup = BoardSetup.build(
        key.verify_key.to_bytes(), [Witness("w.example", witness.verify_key.to_bytes())]
    )
    election = OpenElection(tmp_path / "e", fast_group, ballots=3, candidates=2, board=setup)
    election.close()
    root = election.directory.root

    # Without its key file a signed board does not start.
    command = [*VOTECRYPT, "serve", str(root), "--port", "0"]
    plain = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=120)
    assert plain.returncode == exit_codes.BAD_INPUT, plain.stderr
    assert "--board-key" in plain.stderr and "Traceback" not in plain.stderr

    os.environ["VOTECRYPT_PASSPHRASE"] = PASSPHRASE
    try:
        options = ("--port", "0", "--workers-pool", "1", "--board-key", str(key_file))
        with serving(str(root), *options) as (_, lines):
            url = lines[-1].split()[4].rstrip("/")
            response = httpx.get(f"{url}/api/v1/checkpoint")
            board_key = board_note_key(election.context.hash, key.verify_key.to_bytes())
            checkpoint, _ = open_checkpoint(response.content, board_key)
            prepared = prepare(election.context, election.credentials[0].code, ["high", "low"])
            body = ballot_to_json(prepared.ballot)
            answer = httpx.post(f"{url}/api/v1/ballots", content=body, headers=JSON, timeout=120)
            assert answer.status_code == 201, answer.text
            # Another ballot, then the named witness follows and cosigns a later checkpoint.
            later = prepare(election.context, election.credentials[1].code, ["low", "low"])
            more = httpx.post(
                f"{url}/api/v1/ballots", content=ballot_to_json(later.ballot), headers=JSON,
                timeout=120,
            )  # fmt: skip
            assert more.status_code == 201, more.text
            follower = Follower("w.example", witness, tmp_path / "w", fast_group, BoardFeed(url))
            assert follower.step().published
            follower.close()
            cosigned = httpx.get(f"{url}/api/v1/checkpoint/cosigned").content
            old = answer.json()["receipt"]["checkpoint"].split("\n")[1]
            new = cosigned.decode().split("\n")[1]
            proof = httpx.get(f"{url}/api/v1/proof/consistency?old={old}&size={new}").content
    finally:
        del os.environ["VOTECRYPT_PASSPHRASE"]
    assert checkpoint.size >= 1

    (tmp_path / "answer.json").write_bytes(answer.content)
    (tmp_path / "ballot.json").write_bytes(body)

    def check(receipt: str = "answer.json", *options: str) -> subprocess.CompletedProcess[str]:
        command = [*VOTECRYPT, "receipt", "check", receipt, "ballot.json", str(root), *options]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    good = check()
    assert good.returncode == exit_codes.NOT_CONFIRMED, good.stderr
    assert f"Receipt valid: {prepared.tracking_code} is entry" in good.stdout
    assert "Not yet confirmed: 0 of 1 witnesses cosigned, 1 needed." in good.stdout
    assert election.context.fingerprint in good.stdout

    # With the checkpoint the witness cosigned and the consistency proof to it: confirmed.
    (tmp_path / "cosigned.txt").write_bytes(cosigned)
    (tmp_path / "proof.json").write_bytes(proof)
    assert json.loads(proof)["proof"], "a later checkpoint, proven consistent with the receipt's"
    confirmed = check("answer.json", "--cosigned", "cosigned.txt", "--proof", "proof.json")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "Confirmed by 1 of 1 witnesses (w.example)." in confirmed.stdout
    # A forged cosignature, or a proof that does not lead to the cosigned tree, fails.
    lines = cosigned.decode().split("\n")
    signature = lines[-2].rsplit(" ", 1)
    forged = base64.b64decode(signature[1])
    forged = forged[:-1] + bytes([forged[-1] ^ 1])
    lines[-2] = f"{signature[0]} {base64.b64encode(forged).decode()}"
    (tmp_path / "forged.txt").write_text("\n".join(lines), encoding="utf-8")
    refused = check("answer.json", "--cosigned", "forged.txt", "--proof", "proof.json")
    assert refused.returncode == exit_codes.INVALID, refused.stdout + refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    bad_proof = json.loads(proof)
    bad_proof["proof"] = [("00" * 32) for _ in bad_proof["proof"]] or ["00" * 32]
    (tmp_path / "bad-proof.json").write_text(json.dumps(bad_proof), encoding="utf-8")
    refused = check("answer.json", "--cosigned", "cosigned.txt", "--proof", "bad-proof.json")
    assert refused.returncode == exit_codes.INVALID, refused.stdout + refused.stderr

    tampered = json.loads(answer.content)
    tampered["receipt"]["seq"] += 1
    (tmp_path / "tampered.json").write_text(json.dumps(tampered), encoding="utf-8")
    failed = check("tampered.json")
    assert failed.returncode == exit_codes.INVALID, failed.stderr
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr

    (tmp_path / "garbage.json").write_text("{", encoding="utf-8")
    assert check("garbage.json").returncode == exit_codes.BAD_INPUT

"""`votecrypt witness`: keep a board honest and keep a copy of it (spec 11.10)."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click

from votecrypt.errors import VotecryptError
from votecrypt.record.cosignature import witness_note_key
from votecrypt.service.witness import BoardFeed, Witness, WitnessError
from votecrypt.storage.key_file import create_key_file, load_key_file

from .common import group, passphrase, say


@click.group()
def witness() -> None:
    """Follow a board as a witness: verify, replicate, cosign."""


@witness.command("init")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The witness's name, e.g. observer-1.example.")
def init_command(key_file: Path, name: str) -> None:
    """Create the witness's cosigning key in KEY_FILE (under a passphrase) and print its
    verifier key, to be named in the manifest (`election create --witness`)."""
    key = create_key_file(key_file, passphrase(confirm=True), f"witness key of {name}")
    say(witness_note_key(name, key).vkey())


def _serve(replica: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """Serve GET /checkpoint: the last checkpoint this witness cosigned."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = replica.cosigned() if self.path == "/checkpoint" else None
            self.send_response(200 if body else 404)
            self.send_header("content-type", "text/plain; charset=utf-8")
            self.send_header("content-length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@witness.command("follow")
@click.argument("board_url")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The key file made by `witness init`.",
)
@click.option("--name", required=True, help="The name the manifest gives this witness.")
@click.option(
    "--replica",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the replica (created; an existing one is read back and continued).",
)
@click.option("--interval", type=click.FloatRange(0.2, 3600), default=2.0, show_default=True)
@click.option("--once", is_flag=True, help="One round, then stop (for scripts and tests).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Serve GET /checkpoint.")
@click.option("--host", default="127.0.0.1", show_default=True)
def follow_command(
    board_url: str,
    key_file: Path,
    name: str,
    replica: Path,
    interval: float,
    once: bool,
    port: int | None,
    host: str,
) -> None:
    """Follow the board at BOARD_URL: verify every new entry, keep a replica, and cosign
    the board's checkpoint when it is consistent with the last one cosigned and everything
    up to it verifies; publish the cosignature to the board. A split view, a forged
    checkpoint or a shortened log is refused and kept under REPLICA/evidence."""
    key = load_key_file(key_file, passphrase(secret=key_file))
    follower = Witness(name, key, replica, group(), BoardFeed(board_url))
    server = None if port is None else _serve(follower, host, port)
    if server is not None:
        say(
            f"Serving the cosigned checkpoint on http://{host}:{server.server_address[1]}/checkpoint"
        )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                try:
                    step = follower.step()
                except WitnessError as error:
                    if once:
                        raise
                    say(f"waiting: {error}")
                else:
                    if step.evidence:
                        say(f"REFUSED: {step.evidence}")
                    elif step.cosigned is not None:
                        published = "published" if step.published else "NOT published"
                        say(f"cosigned {step.cosigned.size} entries ({published})")
                    elif not step.verified:
                        say("NOT cosigned: a check of the log failed (see votecrypt verify)")
                if once:
                    break
                time.sleep(interval)
    finally:
        follower.close()
        if server is not None:
            server.shutdown()
    if follower.last is None and once and not follower.growing.ok:
        raise VotecryptError("the board's log does not verify; nothing was cosigned")

"""`votecrypt witness`: keep a board honest and keep a copy of it (spec 11.10)."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import click

from votecrypt.errors import VotecryptError
from votecrypt.record.cosignature import witness_note_key
from votecrypt.service.witness import BoardFeed, Witness, WitnessError
from votecrypt.storage.key_file import create_key_file, load_key_file

from .common import group, passphrase, say, tls_options


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


class _Mirror:
    """The witness's mirror (spec 11.12) served by uvicorn in a thread of its own, beside the
    witness's rounds."""

    def __init__(
        self, replica: Path, host: str, port: int, certfile: Path | None, keyfile: Path | None
    ) -> None:
        # The web stack is imported here, so that a witness without --port starts without it.
        import uvicorn

        from votecrypt.web.mirror import MirrorReplica, create_mirror_app
        from votecrypt.web.server import listen, server_config

        self.replica = MirrorReplica(replica, group())
        config = server_config(create_mirror_app(self.replica), certfile=certfile, keyfile=keyfile)
        self.sock = listen(host, port)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        scheme = "https" if certfile else "http"
        self.url = f"{scheme}://{host}:{self.sock.getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.sock.close()


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
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve this witness's mirror on this port: the check page at / and the read API it "
    "needs, from the replica (spec 11.12); 0: any free port, shown at start.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the mirror.")
@tls_options("the mirror")
def follow_command(
    board_url: str,
    key_file: Path,
    name: str,
    replica: Path,
    interval: float,
    once: bool,
    port: int | None,
    host: str,
    certfile: Path | None,
    keyfile: Path | None,
) -> None:
    """Follow the board at BOARD_URL: verify every new entry, keep a replica, and cosign
    the board's checkpoint when it is consistent with the last one cosigned and everything
    up to it verifies; publish the cosignature to the board. A split view, a forged
    checkpoint or a shortened log is refused and kept under REPLICA/evidence. With --port,
    serve the mirror: the check page and the read API, from the entries this witness
    cosigned, never from the board."""
    key = load_key_file(key_file, passphrase(secret=key_file))
    follower = Witness(name, key, replica, group(), BoardFeed(board_url))
    mirror = None if port is None else _Mirror(replica, host, port, certfile, keyfile)
    if mirror is not None:
        say(f"Mirror (check page and read API) on {mirror.url}/")
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
        if mirror is not None:
            mirror.stop()
    if follower.last is None and once and not follower.growing.ok:
        raise VotecryptError("the board's log does not verify; nothing was cosigned")

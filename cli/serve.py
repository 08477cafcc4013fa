"""`votecrypt serve`: the board server of one election on the meeting's network."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from votecrypt.errors import VotecryptError
from votecrypt.primitives.signing import SigningKey
from votecrypt.service.election_dir import ElectionDir, load_manifest
from votecrypt.storage.key_file import load_key_file

from .common import election_argument, election_dir, group, passphrase, say, tls_options


def _board_key(signed: bool, path: Path | None) -> SigningKey | None:
    """The board's signing key (spec 11.7): needed exactly when the manifest names one."""
    if signed and path is None:
        raise VotecryptError("the manifest names a board key: give its file with --board-key")
    if not signed and path is not None:
        raise VotecryptError("the manifest names no board key; start without --board-key")
    return None if path is None else load_key_file(path, passphrase(secret=path))


@click.command("serve")
@election_argument
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. The default serves this computer only; give the laptop's "
    "address on the meeting's network (or 0.0.0.0) for voting stations.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port, shown when the server starts).",
)
@tls_options("the board server")
@click.option(
    "--workers-pool",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes checking ballots' signatures and proofs (default: every core).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(1, 1_000_000),
    default=60,
    show_default=True,
    help="Submissions (ballots and challenges) per minute from one station's address.",
)
@click.option(
    "--connections-per-address",
    type=click.IntRange(1, 1000),
    default=64,  # votecrypt.web.connections.CONNECTIONS_PER_ADDRESS (the web stack loads later)
    show_default=True,
    help="Connections one address may hold at once (more stations behind one router need more).",
)
@click.option(
    "--challenges-per-address",
    type=click.IntRange(1, 100_000),
    default=8,  # votecrypt.web.ServerSettings (the web stack loads later)
    show_default=True,
    help="Challenges taken from one address before any ballot is cast from it; each ballot "
    "cast from that address allows 4 more (spec 17.8).",
)
@click.option(
    "--challenges-per-credential",
    type=click.IntRange(1, 10_000),
    default=4,
    show_default=True,
    help="Challenges the whole board takes, for each credential in force (spec 17.8).",
)
@click.option(
    "--board-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The board's signing key file (made by `election create --board-key`); required when "
    "the manifest names a board key. Its passphrase is asked for, or read from "
    "$VOTECRYPT_PASSPHRASE.",
)
def serve_command(
    election: Path,
    host: str,
    port: int,
    certfile: Path | None,
    keyfile: Path | None,
    workers_pool: int | None,
    rate_limit: int,
    connections_per_address: int,
    challenges_per_address: int,
    challenges_per_credential: int,
    board_key: Path | None,
) -> None:
    """Serve the election's bulletin board over HTTP(S), and at / the page that checks a
    ballot by its tracking code (no booth: stations run `votecrypt station`).

    Before the board is opened (`board open`), on an election directory holding its manifest,
    it serves the key ceremony's channel instead:
    trustees send and read the signed ceremony messages with `ceremony ... --board URL`, so
    that everyone holds the same messages in the same order (spec 11.13).

    Voting stations point `votecrypt station` at the printed address; observers read /api/v1/status
    and /api/v1/record. The API is described at /openapi.json. Opening and closing the vote
    stay commands on this computer (votecrypt board ...). Stop with Ctrl-C: ballots being
    received are finished first.
    """
    # The web stack is imported here, so that other commands start without it.
    from votecrypt.web import ServerSettings, SqliteBoardStore, create_app
    from votecrypt.web.server import configure_logs, listen, serve, tls_context

    if (certfile is None) != (keyfile is None):
        raise click.BadParameter("give both --certfile and --keyfile, or neither")
    if certfile is not None and keyfile is not None:
        tls_context(certfile, keyfile)
    directory = election_dir(election)
    if directory.manifest.exists() and not directory.board.exists():
        _serve_ceremony_channel(directory, host, port, certfile, keyfile, connections_per_address)
        return
    store = SqliteBoardStore.open(directory, group())
    signing_key = _board_key(store.context.manifest.board is not None, board_key)
    pool = {} if workers_pool is None else {"check_processes": workers_pool}
    settings = ServerSettings(
        submissions_per_minute=rate_limit,
        challenges_per_address=challenges_per_address,
        challenges_per_credential=challenges_per_credential,
        **pool,
    )
    sock = listen(host, port)
    scheme = "https" if certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    manifest = store.context.manifest
    say(f"{manifest.title} — {manifest.body}")
    say(f"Election fingerprint / Mã nhận dạng cuộc bỏ phiếu: {store.context.fingerprint}")
    say(f"Serving the board on {scheme}://{shown}:{sock.getsockname()[1]}/ (Ctrl-C to stop)")
    configure_logs()
    # uvicorn finishes the requests in progress, then passes Ctrl-C on.
    with contextlib.suppress(KeyboardInterrupt):
        serve(
            create_app(store, settings, signing_key),
            sock,
            certfile=certfile,
            keyfile=keyfile,
            connections_per_address=connections_per_address,
        )
    say("Stopped. Every acknowledged ballot is on the board.")


def _serve_ceremony_channel(
    directory: ElectionDir,
    host: str,
    port: int,
    certfile: Path | None,
    keyfile: Path | None,
    connections_per_address: int,
) -> None:
    """The ceremony channel (spec 11.13) of an election without a board yet."""
    from votecrypt.web.ceremony_channel import create_ceremony_app
    from votecrypt.web.server import configure_logs, listen, serve

    app = create_ceremony_app(directory, group())
    manifest = load_manifest(directory)
    sock = listen(host, port)
    scheme = "https" if certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    say(f"{manifest.title} — {manifest.body}")
    say(
        f"Serving the ceremony on {scheme}://{shown}:{sock.getsockname()[1]}/ (no board yet: "
        "the key ceremony's channel; trustees give this address with --board; Ctrl-C to stop)"
    )
    configure_logs()
    with contextlib.suppress(KeyboardInterrupt):
        serve(
            app,
            sock,
            certfile=certfile,
            keyfile=keyfile,
            connections_per_address=connections_per_address,
        )
    say(f"Stopped. Every message acknowledged is in {directory.ceremony}.")

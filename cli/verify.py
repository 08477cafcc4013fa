"""`votecrypt verify`: check an election record from published data alone."""

from __future__ import annotations

import os
from pathlib import Path

import click

from votecrypt.errors import EncodingError, VerificationError
from votecrypt.record.checkpoint import Checkpoint as BoardCheckpoint
from votecrypt.record.json_codec import Fields, canonical_json, parse_json
from votecrypt.record.note import parse_note
from votecrypt.storage.files import read_file, write_atomic
from votecrypt.verifier import Checkpoint, VerificationReport, verify_record
from votecrypt.verifier.engines import engine_for

from . import exit_codes
from .common import Progress, jobs_option, scheduler_option

CHECKPOINT_TYPE = "votecrypt/verify-checkpoint"


def read_since(path: Path) -> tuple[Checkpoint | None, bytes | None]:
    """A `--since` file: an observer's note of an entry's hash (JSON, it detects a rewritten
    history and skips nothing), or a board checkpoint cosigned by witnesses (a signed note,
    spec 11.7), which skips the proofs it covers if the record's keys verify it (16.4)."""
    data = read_file(path, what="checkpoint", max_bytes=1 << 16)
    if data.startswith(b"{"):
        return _checkpoint(data, path), None
    try:
        BoardCheckpoint.from_text(parse_note(data).text)
    except EncodingError as error:
        problem = f"{path}: neither a checkpoint file nor a signed checkpoint: {error}"
        raise EncodingError(problem) from None
    return None, data


def read_checkpoint(path: Path) -> Checkpoint:
    """An observer's checkpoint file (--checkpoint-out)."""
    return _checkpoint(read_file(path, what="checkpoint"), path)


def _checkpoint(data: bytes, path: Path) -> Checkpoint:
    try:
        fields = Fields(parse_json(data), "checkpoint")
        fields.constant("type", CHECKPOINT_TYPE)
        checkpoint = Checkpoint(fields.integer("seq"), fields.hex_bytes("hash", 32))
        fields.done()
    except EncodingError as error:
        raise EncodingError(f"{path}: {error}") from None
    return checkpoint


def write_checkpoint(path: Path, report: VerificationReport) -> None:
    if report.head is None:
        return
    seq, digest = report.head
    write_atomic(path, canonical_json({"type": CHECKPOINT_TYPE, "seq": seq, "hash": digest}))


@click.command()
@click.argument("record", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@jobs_option
@scheduler_option
@click.option(
    "--since",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A checkpoint file from an earlier run (--checkpoint-out): the history up to it must "
    "be unchanged; or a board checkpoint cosigned by the witnesses (GET /api/v1/checkpoint "
    "with their cosignatures): if the record's own keys verify it, the proofs it covers are "
    "not checked again.",
)
@click.option(
    "--checkpoint-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a checkpoint of this run (only when nothing failed).",
)
def verify(
    record: Path,
    as_json: bool,
    jobs: int | None,
    scheduler: str | None,
    since: Path | None,
    checkpoint_out: Path | None,
) -> None:
    """Check an election record (a directory or a .zip/.tar.gz archive) from its published
    data alone: the log's hash chain, the key ceremony, every ballot's signature and proofs,
    duplicates, the tally, every decryption share, and the announced counts, percentages and
    consequences. Prints one line per numbered check. Exits with 0 only for a finished
    election whose every check passed, 11 when nothing failed but the election is not finished
    (verified so far), 8 when a check failed."""
    checkpoint, cosigned = read_since(since) if since else (None, None)
    progress = Progress("ballots checked") if not as_json and os.isatty(2) else None
    report = verify_record(
        record,
        since=checkpoint,
        progress=progress.update if progress else None,
        engine=engine_for(jobs, scheduler),
        cosigned=cosigned,
    )
    if progress is not None:
        progress.done()
    if as_json:
        click.echo(report.to_json())
    else:
        click.echo("\n".join(report.lines()))
    if report.ok and checkpoint_out is not None:
        write_checkpoint(checkpoint_out, report)
    if not report.ok:
        raise VerificationError(f"{len(report.failed())} checks failed")
    if not report.complete:
        click.get_current_context().exit(exit_codes.VERIFIED_SO_FAR)

"""Export the bulletin board as a plain election record directory (spec 15.1).

    RECORD/
      log.jsonl              the hash-chained log, one entry per line: the record itself
      manifest.json          copies of single items of the log, for people to read;
      ceremony-outcome.json  the verifier checks that each equals its log entry
      credentials.json
      tally.json
      results.json
      tracking-index.txt     tracking code -> entry and byte offset, sorted, for `ballot track`
      cosigned/<size>.txt    the checkpoints the board signed and witnesses cosigned (11.8)
      evidence/<n>-a.txt     a witness's pairs of board-signed checkpoints that disagree
      evidence/<n>-b.txt     (11.10), with <n>-why.txt
      ceremony-late/         the ceremony files that arrived after the outcome was endorsed

The directory is written under a temporary name and renamed when complete. The verifier
checks every note against the log (check 24): a note that does not parse is not copied.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from votecrypt.errors import EncodingError, FileError
from votecrypt.record.checkpoint import Checkpoint
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import SINGLE_ITEMS, entry_to_line
from votecrypt.record.note import SignedNote, parse_note
from votecrypt.service.tracking import TRACKING_INDEX, tracking_index
from votecrypt.storage.board import BulletinBoard


def export_record(
    board: BulletinBoard,
    target: Path,
    cosigned: Path | None = None,
    witnesses: Sequence[Path] = (),
    late: Mapping[str, bytes] | None = None,
) -> Path:
    """Write the record of `board` to `target` (replacing an earlier export there), with the
    cosigned checkpoints the server kept in the folder `cosigned`, from each witness
    replica of `witnesses` its last cosigned checkpoint and its evidence, and the late
    ceremony files `late` (file name to bytes: those of an election directory's
    `ceremony/late/` that checked, `ceremony_late.late_record`, spec 8.8.2) in
    `ceremony-late/`, byte for byte (spec 15.1)."""
    target = Path(target)
    staging = target.with_name(f".{target.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    codes = board.tracking_codes()
    indexed = []
    try:
        with open(staging / "log.jsonl", "wb") as log:
            for entry in board.entries():
                if codes is not None and entry.seq in codes:
                    indexed.append((entry, log.tell(), codes[entry.seq]))
                log.write(entry_to_line(entry))
                if entry.kind in SINGLE_ITEMS:
                    copy = canonical_json(entry.payload) + b"\n"
                    (staging / f"{entry.kind}.json").write_bytes(copy)
            log.flush()
            os.fsync(log.fileno())
        if codes is not None:
            (staging / TRACKING_INDEX).write_bytes(tracking_index(iter(indexed)))
        _write_notes(staging, cosigned, witnesses)
        if late:
            (staging / "ceremony-late").mkdir()
            for name, data in sorted(late.items()):
                (staging / "ceremony-late" / name).write_bytes(data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a full disk leaves no half record behind
        raise
    if target.exists():
        if not (target / "log.jsonl").exists():
            shutil.rmtree(staging)
            raise FileError(f"{target} exists and is not an election record; not replacing it")
        shutil.rmtree(target)
    staging.rename(target)
    return target


def _note(path: Path) -> tuple[SignedNote, Checkpoint] | None:
    """A checkpoint note read from a file, or None if it is not one (it is left out)."""
    try:
        note = parse_note(path.read_bytes())
        return note, Checkpoint.from_text(note.text)
    except (OSError, EncodingError):
        return None


def _write_notes(staging: Path, cosigned: Path | None, witnesses: Sequence[Path]) -> None:
    """cosigned/<size>.txt: every cosigned checkpoint, the lines of one size merged;
    evidence/: the witnesses' evidence, numbered anew, and any cosigned checkpoint of a
    size already held with another text (two histories: evidence too)."""
    merged: dict[int, SignedNote] = {}
    pairs: list[tuple[bytes, bytes, bytes]] = []
    sources = sorted(cosigned.glob("*.txt")) if cosigned is not None and cosigned.is_dir() else []
    sources += [w / "cosigned.txt" for w in witnesses if (w / "cosigned.txt").is_file()]
    for path in sources:
        found = _note(path)
        if found is None:
            continue
        note, checkpoint = found
        held = merged.get(checkpoint.size)
        if held is None:
            merged[checkpoint.size] = note
        elif held.text == note.text:
            for line in note.signatures:
                held = held.with_signature(line)
            merged[checkpoint.size] = held
        else:
            reason = f"two checkpoints of {checkpoint.size} entries with different roots\n"
            pairs.append((held.to_bytes(), note.to_bytes(), reason.encode()))
    for witness in witnesses:
        folder = witness / "evidence"
        for why_file in sorted(folder.glob("*-why.txt")) if folder.is_dir() else []:
            n = why_file.name[: -len("-why.txt")]
            a_file, b_file = folder / f"{n}-a.txt", folder / f"{n}-b.txt"
            if a_file.is_file() and b_file.is_file():
                pairs.append((a_file.read_bytes(), b_file.read_bytes(), why_file.read_bytes()))
    if merged:
        (staging / "cosigned").mkdir()
        for size, note in merged.items():
            (staging / "cosigned" / f"{size}.txt").write_bytes(note.to_bytes())
    if pairs:
        (staging / "evidence").mkdir()
        for number, (a, b, why) in enumerate(pairs, 1):
            (staging / "evidence" / f"{number}-a.txt").write_bytes(a)
            (staging / "evidence" / f"{number}-b.txt").write_bytes(b)
            (staging / "evidence" / f"{number}-why.txt").write_bytes(why)

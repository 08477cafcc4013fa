"""Export the bulletin board as a plain election record directory (spec 15.1).

    RECORD/
      log.jsonl              the hash-chained log, one entry per line: the record itself
      manifest.json          copies of single items of the log, for people to read;
      ceremony-outcome.json  the verifier checks that each equals its log entry
      credentials.json
      tally.json
      results.json
      tracking-index.txt     tracking code -> entry and byte offset, sorted, for `ballot track`

The directory is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from votecrypt.errors import FileError
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import SINGLE_ITEMS, entry_to_line
from votecrypt.service.tracking import TRACKING_INDEX, tracking_index
from votecrypt.storage.board import BulletinBoard


def export_record(board: BulletinBoard, target: Path) -> Path:
    """Write the record of `board` to `target` (replacing an earlier export there)."""
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

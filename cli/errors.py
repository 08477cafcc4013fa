"""One clear line and a documented exit code for every error the library raises on purpose."""

from __future__ import annotations

import errno
import sqlite3

from votecrypt import errors
from votecrypt.protocol.ceremony.messages import InvalidCeremonyMessage
from votecrypt.protocol.ceremony.transcript import CeremonyNotReady

from . import exit_codes

#: The most specific class first.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (errors.StorageError, exit_codes.STORAGE),
    (errors.ChannelError, exit_codes.CHANNEL),
    (errors.BoothNotApproved, exit_codes.BOOTH),
    (errors.DamagedBoard, exit_codes.DAMAGED),
    (errors.SecretStoreError, exit_codes.SECRET),
    (errors.BallotError, exit_codes.REJECTED),
    (errors.VerificationError, exit_codes.VERIFY_FAILED),
    (InvalidCeremonyMessage, exit_codes.INVALID),
    (CeremonyNotReady, exit_codes.NOT_READY),
    (errors.CeremonyError, exit_codes.NOT_READY),
    (errors.BoardError, exit_codes.NOT_READY),
    (errors.TallyError, exit_codes.NOT_READY),
    (errors.RefusedData, exit_codes.INVALID),
    (errors.InvalidProof, exit_codes.INVALID),
    (errors.InvalidSignature, exit_codes.INVALID),
    (errors.DecryptionFailed, exit_codes.INVALID),
    (errors.PlaintextOutOfRange, exit_codes.INVALID),
    (errors.EncodingError, exit_codes.BAD_INPUT),
    (errors.ManifestError, exit_codes.BAD_INPUT),
    (errors.RuleError, exit_codes.BAD_INPUT),
    (errors.FileError, exit_codes.BAD_INPUT),
    (errors.VotecryptError, exit_codes.BAD_INPUT),
)


#: OS errors from the medium itself (spec 18.4).
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EFBIG})
_STORAGE_TEXT = ("disk is full", "readonly", "read-only", "disk I/O", "unable to open")


def exit_code_for(error: BaseException) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    # Errors of the operating system, SQLite and text decoding that no layer turned into ours.
    if isinstance(error, UnicodeDecodeError):
        return exit_codes.BAD_INPUT
    if isinstance(error, OSError):
        return exit_codes.STORAGE if error.errno in _STORAGE_ERRNOS else exit_codes.BAD_INPUT
    if isinstance(error, sqlite3.DatabaseError):
        text = str(error)
        return exit_codes.STORAGE if any(t in text for t in _STORAGE_TEXT) else exit_codes.DAMAGED
    return exit_codes.INTERNAL


def message_for(error: BaseException) -> str:
    """The one line shown for an expected error."""
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    if isinstance(error, sqlite3.DatabaseError):
        return f"bulletin board: {error}"
    if isinstance(error, UnicodeDecodeError):
        return f"a file is not UTF-8 text ({error.reason} at byte {error.start})"
    return " ".join(str(error).split()) or type(error).__name__

"""One clear line and a documented exit code for every error the library raises on purpose."""

from __future__ import annotations

from votecrypt import errors
from votecrypt.protocol.ceremony.messages import InvalidCeremonyMessage
from votecrypt.protocol.ceremony.transcript import CeremonyNotReady

from . import exit_codes

#: The most specific class first.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
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


def exit_code_for(error: BaseException) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return exit_codes.INTERNAL

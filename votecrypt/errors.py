"""The exception hierarchy: one root, one subclass per origin of the error.

Messages never contain secret values (keys, shares, nonces, passphrases).
"""

from __future__ import annotations


class VotecryptError(Exception):
    """Root of every error this library raises on purpose."""


class EncodingError(VotecryptError):
    """Bytes, text or JSON that is not a canonical encoding of the expected value."""


class InvalidProof(VotecryptError):
    """A zero-knowledge proof failed to verify.

    `proof` names the proof (e.g. "set-membership") and `equation` the check that failed,
    using the spec's wording.
    """

    def __init__(self, proof: str, equation: str) -> None:
        super().__init__(f"invalid {proof} proof: {equation}")
        self.proof = proof
        self.equation = equation


class InvalidSignature(VotecryptError):
    """An Ed25519 signature does not verify under the claimed key."""


class DecryptionFailed(VotecryptError):
    """Authenticated decryption failed: wrong key, wrong associated data, or tampering."""


class ProvingError(VotecryptError):
    """A prover was asked to prove a false statement (e.g. a value outside the allowed list)."""


class PlaintextOutOfRange(VotecryptError):
    """A decrypted value lies outside the range it must have: a wrong key or tampering."""


class ManifestError(VotecryptError):
    """An election manifest is inconsistent or cannot be used."""


class RuleError(VotecryptError):
    """A rule set (thresholds, denominators, consequences) is malformed or unknown."""


class CeremonyError(VotecryptError):
    """The key ceremony cannot proceed: a step out of order, a bad message, too few trustees."""


class BallotError(VotecryptError):
    """A ballot cannot be created, or a ballot was rejected; `reason` is a stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class TallyError(VotecryptError):
    """Aggregation, decryption shares or their combination failed."""


class BoardError(VotecryptError):
    """The bulletin board refused an operation or its stored log is inconsistent."""


class BoardBusy(BoardError):
    """Another process held the bulletin board's write lock for too long; nothing was done."""


class DamagedBoard(BoardError):
    """The bulletin board's database is damaged: not SQLite, truncated, missing tables, or a
    last entry that does not match its hash (spec 11.4)."""


class StorageError(VotecryptError):
    """The disk refused a read or write: full, read-only, or failing. Nothing half-written
    was kept (spec 18.4)."""


class ChannelError(VotecryptError):
    """The board server's ceremony channel could not be reached, or refused what was sent."""


class FileError(VotecryptError):
    """A file could not be read or written (missing, unreadable, or refused to overwrite)."""


class SecretStoreError(VotecryptError):
    """An encrypted secret file cannot be opened (wrong passphrase, corrupted, wrong owner)."""


class RefusedData(VotecryptError):
    """Data an honest party was about to act on does not check against public data (a forged
    tally, ceremony outcome or credential list, spec 17.1); nothing was done."""


class BoothNotApproved(VotecryptError):
    """The booth installed on a voting station is not the one the election's manifest
    approves, or the manifest approves none (spec 7.5, 17.7)."""


class VerificationError(VotecryptError):
    """An election record failed verification; `report`, when set, holds every check."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class UnsupportedPlatform(VotecryptError):
    """This computer cannot run a step safely (e.g. it forbids the callback that
    libsecp256k1's constant-time multiplication needs, spec 18.1)."""

"""Errors the API answers with: a status and a stable reason code (spec/api/README.md).

The ballot rejection codes are those of spec 11.3 (votecrypt.protocol.ballot); the others
belong to HTTP. Every error body is {"error": reason, "message": one line}; the message never
echoes the request body.
"""

from __future__ import annotations

from votecrypt.protocol import ballot as reasons

NOT_FOUND = "not-found"
METHOD_NOT_ALLOWED = "method-not-allowed"
TOO_LARGE = "too-large"
UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
RATE_LIMITED = "rate-limited"
TOO_MANY_CHALLENGES = "too-many-challenges"
OVERLOADED = "overloaded"
UNAVAILABLE = "unavailable"
TIMEOUT = "timeout"
INTERNAL = "internal"

#: HTTP status of each reason code.
STATUS = {
    reasons.MALFORMED: 400,
    reasons.WRONG_ELECTION: 422,
    reasons.BAD_SIGNATURE: 422,
    reasons.INVALID_PROOF: 422,
    reasons.UNKNOWN_CREDENTIAL: 422,
    reasons.CHALLENGE_MISMATCH: 422,
    reasons.VOTING_CLOSED: 409,
    reasons.CREDENTIAL_USED: 409,
    reasons.CREDENTIAL_CANCELLED: 409,
    reasons.DUPLICATE_BALLOT_ID: 409,
    reasons.DUPLICATE_CIPHERTEXT: 409,
    NOT_FOUND: 404,
    METHOD_NOT_ALLOWED: 405,
    TIMEOUT: 408,
    TOO_LARGE: 413,
    UNSUPPORTED_MEDIA_TYPE: 415,
    RATE_LIMITED: 429,
    TOO_MANY_CHALLENGES: 429,
    INTERNAL: 500,
    OVERLOADED: 503,
    UNAVAILABLE: 503,
}


class ApiError(Exception):
    """An answer other than success: `reason` is a code of STATUS, `message` one line for
    people, `retry_after` seconds for 429 and 503."""

    def __init__(self, reason: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.retry_after = retry_after

    @property
    def status(self) -> int:
        return STATUS.get(self.reason, 400)

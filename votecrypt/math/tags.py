"""Every domain-separation tag, each tied to the spec section that defines its use (spec 3.4).

A hash in this library always starts with one of these tags; no two uses share a tag, so a
hash computed for one purpose is never valid for another. The table in spec/03-hashing.md
lists the same tags; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DomainTag:
    """A domain-separation tag: its text and the spec section defining the hash."""

    text: str
    section: str


PREFIX = "votecrypt/1/"

# Proofs (Fiat-Shamir challenges).
CEREMONY_COEFFICIENT_PROOF = DomainTag(PREFIX + "ceremony-coefficient-proof", "8.4")
BALLOT_ROW_PROOF = DomainTag(PREFIX + "ballot-row-proof", "10.3")
DECRYPTION_SHARE_PROOF = DomainTag(PREFIX + "decryption-share-proof", "12.2")
PROOF_NONCE = DomainTag(PREFIX + "proof-nonce", "18.3")

# Identifiers and bindings.
MANIFEST = DomainTag(PREFIX + "manifest", "7.2")
BOOTH = DomainTag(PREFIX + "booth", "7.5")
ELECTION_CONTEXT = DomainTag(PREFIX + "election-context", "7.3")
CEREMONY_COMMITMENT = DomainTag(PREFIX + "ceremony-commitment", "8.3")
CEREMONY_MESSAGE = DomainTag(PREFIX + "ceremony-message", "8.2")
CEREMONY_SHARE_KEY = DomainTag(PREFIX + "ceremony-share-key", "8.5")
CEREMONY_TRANSCRIPT = DomainTag(PREFIX + "ceremony-transcript", "8.8")
CREDENTIAL_CODE = DomainTag(PREFIX + "credential-code", "9.2")
CREDENTIAL_LIST = DomainTag(PREFIX + "credential-list", "9.3")
CREDENTIAL_ENDORSEMENT = DomainTag(PREFIX + "credential-endorsement", "9.4")
CREDENTIAL_SUPPLEMENT = DomainTag(PREFIX + "credential-supplement", "9.6")
BALLOT = DomainTag(PREFIX + "ballot", "10.5")
BALLOT_SIGNATURE = DomainTag(PREFIX + "ballot-signature", "10.4")
BALLOT_TRACKING = DomainTag(PREFIX + "ballot-tracking", "10.5")
BOARD_ENTRY = DomainTag(PREFIX + "board-entry", "11.2")
SECRET_FILE = DomainTag(PREFIX + "secret-file", "14.2")

# Test-only tags (known-answer tests of the primitives, never used by the protocol).
TEST_SCHNORR = DomainTag(PREFIX + "test/schnorr", "5.1")
TEST_CHAUM_PEDERSEN = DomainTag(PREFIX + "test/chaum-pedersen", "5.2")
TEST_MEMBERSHIP = DomainTag(PREFIX + "test/set-membership", "5.3")


def all_tags() -> dict[str, DomainTag]:
    """Every tag by constant name (for the spec-table test and the vectors)."""
    return {name: value for name, value in globals().items() if isinstance(value, DomainTag)}

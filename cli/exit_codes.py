"""Documented exit codes of the `votecrypt` command (also listed by `votecrypt --help`)."""

from __future__ import annotations

OK = 0
#: Something unexpected: a bug. The message asks for a report.
INTERNAL = 1
#: Wrong command-line usage (click's own code).
USAGE = 2
#: Bad input: a missing, malformed or inconsistent file or value.
BAD_INPUT = 3
#: A cryptographic check failed: forged proof, bad signature, tampered message.
INVALID = 4
#: The step cannot run now: out of order, waiting for others, voting closed.
NOT_READY = 5
#: A secret file could not be opened: wrong passphrase or corrupted file.
SECRET = 6
#: A ballot was rejected by the bulletin board.
REJECTED = 7
#: Verification of an election record found failures.
VERIFY_FAILED = 8
#: The disk refused: full, read-only or failing. Nothing half-written was kept.
STORAGE = 9
#: The bulletin board's database is damaged (not SQLite, truncated, tables missing).
DAMAGED = 10
#: A voting station's installed booth is not the one the election's manifest approves.
BOOTH = 12
#: Verification found no failure, but the record is not of a finished election: checks of
#: later phases were skipped ("verified so far", spec 16.1). Not a full verification.
VERIFIED_SO_FAR = 11
#: The board server's ceremony channel could not be reached or refused a message.
CHANNEL = 16
#: A receipt is valid (the board signed a tree that holds the entry), but fewer than k of the
#: witnesses the manifest names cosigned a checkpoint that includes it (spec 11.9).
NOT_CONFIRMED = 15
#: Interrupted (Ctrl-C): nothing half-written was kept (the shell's 128 + SIGINT).
INTERRUPTED = 130

DESCRIPTIONS = {
    OK: "success",
    INTERNAL: "internal error (please report it)",
    USAGE: "wrong command-line usage",
    BAD_INPUT: "bad input: missing, malformed or inconsistent file or value",
    INVALID: "a cryptographic check failed (forged proof, bad signature, tampering)",
    NOT_READY: "the step cannot run now (out of order, waiting for others, voting closed)",
    SECRET: "secret file could not be opened (wrong passphrase or corrupted)",
    REJECTED: "the bulletin board rejected the ballot",
    VERIFY_FAILED: "verification of the election record failed",
    STORAGE: "storage error: the disk is full, read-only or failing (nothing half-written)",
    DAMAGED: "the bulletin board's database is damaged (restore it from a copy)",
    BOOTH: "this station's booth is not the one the manifest approves (spec 7.5)",
    VERIFIED_SO_FAR: "verified so far: nothing failed, but the election is not finished",
    CHANNEL: "the ceremony channel (--board) could not be reached or refused a message",
    NOT_CONFIRMED: "the receipt is valid but not yet confirmed by k of the m witnesses",
    INTERRUPTED: "interrupted (Ctrl-C); nothing half-written was kept",
}

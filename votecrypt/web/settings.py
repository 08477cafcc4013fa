"""The board server's limits and sizes, with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _cores() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class ServerSettings:
    """How much the server accepts, from whom, and how fast.

    `max_body` None means a limit derived from the election: four times the size of the
    largest challenged ballot it allows (see `votecrypt.web.limits.body_limit_for`).
    """

    #: Processes that check signatures and proofs (spec 11.3 steps 1-4).
    check_processes: int = field(default_factory=_cores)
    #: Threads that read the board (status, tracking, record).
    reader_threads: int = 4
    #: Largest request body in bytes; None: derived from the election.
    max_body: int | None = None
    #: Seconds a client may take to send a request body.
    body_timeout: float = 30.0
    #: Submissions (ballots and challenges) per client address per minute; the bucket
    #: holds as many, so a burst of that size is allowed.
    submissions_per_minute: int = 60
    #: Reads (election, status, tracking, credential, record) per client address per
    #: minute: a booth loading makes three, a station checking the status one every 20 s.
    reads_per_minute: int = 600
    #: Answers streaming the record at once, in all and from one address; each page of
    #: them is read by a thread of its own (record_threads), never one of the stations'.
    record_streams: int = 16
    record_streams_per_address: int = 4
    record_threads: int = 1
    #: Seconds a stream of the record waits at most, before each slice it reads (one page)
    #: or sends (about 64 KiB), for the stations' requests being answered
    #: (votecrypt.web.priority): while stations keep the server busy without a pause, the
    #: streams take turns, one slice every `record_wait` seconds for all of them.
    record_wait: float = 0.05
    #: Challenges the board takes (spec 17.8): from one address, `challenges_per_address`
    #: plus `challenges_per_ballot` for each ballot cast from it; in all,
    #: `challenges_per_credential` for each credential in force.
    challenges_per_address: int = 8
    challenges_per_ballot: int = 4
    challenges_per_credential: int = 4
    #: Client addresses remembered by the rate limiter (the oldest are forgotten first).
    rate_clients: int = 10_000
    #: Submissions being checked at once; beyond it the answer is 503 "overloaded".
    max_pending: int = 512
    #: Log entries read from the database per page when streaming the record: what one
    #: connection reading the record holds in memory (docs/voting-stations.md, "Memory").
    record_page: int = 32

    def __post_init__(self) -> None:
        if self.check_processes < 1 or self.reader_threads < 1:
            raise ValueError("at least one checking process and one reader thread are needed")
        if self.max_body is not None and self.max_body < 1024:
            raise ValueError("the body limit must be at least 1024 bytes")
        if self.submissions_per_minute < 1 or self.max_pending < 1 or self.record_page < 1:
            raise ValueError("rates, queue and page sizes must be positive")
        if (
            min(
                self.reads_per_minute,
                self.record_streams,
                self.record_streams_per_address,
                self.record_threads,
            )
            < 1
        ):
            raise ValueError("the read limits must be positive")
        if (
            min(
                self.challenges_per_address,
                self.challenges_per_ballot,
                self.challenges_per_credential,
            )
            < 1
        ):
            raise ValueError("the challenge limits must be positive")
        if self.record_wait <= 0:
            raise ValueError("the record's longest wait must be positive")
        if self.body_timeout <= 0 or self.rate_clients < 1:
            raise ValueError("the body timeout and the rate limiter's size must be positive")

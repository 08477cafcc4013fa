"""Running a CLI command in a child process that is killed at a chosen write.

A "write" is one durable step of the storage layer: a file renamed into place (os.replace,
os.rename: every atomic file write and the board's creation) or a committed board
transaction. `run_command(args, kill=("before" | "after", n))` forks, runs the command in
the child, and ends the child with os._exit(137), as `kill -9` would, just before or just
after its n-th write. Without `kill`, the child counts its writes.

Forking keeps everything already imported, so a killed step costs only its own work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KILLED = 137


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    writes: int
    output: str


def run_command(
    args: Sequence[str | Path],
    *,
    passphrase: str = "",
    kill: tuple[str, int] | None = None,
    log: Path,
    stdin: str = "",
) -> Outcome:
    """Run `votecrypt ARGS` in a forked child; see the module docstring."""
    counter = log.with_suffix(".writes")
    counter.unlink(missing_ok=True)
    given = log.with_suffix(".stdin")
    given.write_text(stdin)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child
        code = 99
        try:
            descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(descriptor, 1)
            os.dup2(descriptor, 2)
            os.dup2(os.open(given, os.O_RDONLY), 0)
            # pytest's capture may have replaced sys.stdout/err: write to the log itself.
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
            os.environ["VOTECRYPT_PASSPHRASE"] = passphrase
            writes = _install_hooks(kill)
            code = _main([str(a) for a in args])
            counter.write_text(str(writes[0]))
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    exit_code = os.waitstatus_to_exitcode(status)
    writes = int(counter.read_text()) if counter.exists() else -1
    return Outcome(exit_code, writes, log.read_text(errors="replace"))


def _main(args: list[str]) -> int:
    from votecrypt_cli.main import main

    try:
        main.main(args, prog_name="votecrypt", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def _install_hooks(kill: tuple[str, int] | None) -> list[int]:
    """Patch the write points; returns the live counter [writes so far]."""
    from votecrypt.storage.board_db import WriteTransaction

    writes = [0]

    def event(perform: Callable[[], Any]) -> Any:
        writes[0] += 1
        if kill == ("before", writes[0]):
            os._exit(KILLED)
        result = perform()
        if kill == ("after", writes[0]):
            os._exit(KILLED)
        return result

    real_replace, real_rename = os.replace, os.rename
    os.replace = lambda *a, **k: event(lambda: real_replace(*a, **k))  # type: ignore[assignment]
    os.rename = lambda *a, **k: event(lambda: real_rename(*a, **k))  # type: ignore[assignment]

    real_exit = WriteTransaction.__exit__

    def exit_transaction(self: Any, kind: object, value: object, traceback: object) -> None:
        if getattr(self, "_outer", True) and kind is None:
            return event(lambda: real_exit(self, kind, value, traceback))  # type: ignore[no-any-return]
        return real_exit(self, kind, value, traceback)

    WriteTransaction.__exit__ = exit_transaction  # type: ignore[method-assign]
    return writes

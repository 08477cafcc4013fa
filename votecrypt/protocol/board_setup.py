"""The board's keys in the manifest (spec 7.1, 11.7-11.9): the Ed25519 key that signs the
board's checkpoints, and the witnesses whose cosignatures confirm a receipt.

In the manifest they are one optional field, present only for a signed board:
    "board": {"key": hex32, "witnesses": [{"name": text, "key": hex32}, ...],
              "witnesses_needed": k}
The manifest, and so the election fingerprint, covers them: the trustees endorse the keys
that the booths and the verifier will trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from votecrypt.errors import EncodingError, ManifestError
from votecrypt.primitives.signing import VerifyKey

MAX_WITNESSES = 32
MAX_WITNESS_NAME = 100


@dataclass(frozen=True, slots=True)
class Witness:
    """A witness named in the manifest: its note key name and Ed25519 public key."""

    name: str
    key: bytes


@dataclass(frozen=True, slots=True)
class BoardSetup:
    """The board's public key, the witnesses and how many of them confirm a receipt (k)."""

    key: bytes
    witnesses: tuple[Witness, ...] = ()
    witnesses_needed: int = 0

    @classmethod
    def build(
        cls, key: bytes, witnesses: Sequence[Witness] = (), witnesses_needed: int | None = None
    ) -> BoardSetup:
        """A validated setup; k defaults to a majority of the witnesses."""
        needed = len(witnesses) // 2 + 1 if witnesses_needed is None else witnesses_needed
        setup = cls(key, tuple(witnesses), needed if witnesses else 0)
        setup.validate()
        return setup

    def validate(self) -> None:
        """ManifestError for keys that are not Ed25519 keys, names that are not note key
        names (spec 11.6), a key or name used twice, or k outside 1..m (0 without witnesses)."""
        keys = [self.key, *(w.key for w in self.witnesses)]
        for key in keys:
            try:
                VerifyKey.from_canonical_bytes(key)
            except EncodingError as exc:
                raise ManifestError(f"board key: {exc}") from None
        if len(set(keys)) != len(keys):
            raise ManifestError("the board and every witness need keys of their own")
        if len(self.witnesses) > MAX_WITNESSES:
            raise ManifestError(f"at most {MAX_WITNESSES} witnesses")
        names = [w.name for w in self.witnesses]
        if len(set(names)) != len(names):
            raise ManifestError("witness names must be distinct")
        for name in names:
            if not 1 <= len(name) <= MAX_WITNESS_NAME or any(
                not 0x21 <= ord(c) <= 0x7E or c == "+" for c in name
            ):
                raise ManifestError(
                    f"witness name {name!r}: 1 to {MAX_WITNESS_NAME} printable ASCII "
                    "characters, no space or '+'"
                )
        low = 1 if self.witnesses else 0
        if not low <= self.witnesses_needed <= len(self.witnesses):
            raise ManifestError(
                f"witnesses needed must be between {low} and {len(self.witnesses)}, "
                f"not {self.witnesses_needed}"
            )

    def plain(self) -> dict[str, Any]:
        """The manifest's `board` field (spec 7.1)."""
        return {
            "key": self.key.hex(),
            "witnesses": [{"name": w.name, "key": w.key.hex()} for w in self.witnesses],
            "witnesses_needed": self.witnesses_needed,
        }

"""Comparing a value a person typed with the one announced in the room (spec 9.4, 12.2).

A trustee types the election fingerprint (80 bits) before endorsing the credential list and
the board hash (at least 64 bits) before decrypting. When the typed value is not the one the
data gives, two things can have happened: a typing slip, or other data. A slip changes one or
two characters (a wrong, missing, extra or swapped character); other data changes every
character with the same chance, and making data whose value lies within two characters of a
given one takes about 2^60 tries. So a value within `MAX_SLIPS` edits is called mistyped (bad
input: type it again), any other is other data (refused). Neither message shows the value
the data gives: a person who could copy it would no longer compare anything.
"""

from __future__ import annotations

#: Edits (a character changed, left out, added, or two neighbours swapped) still called a slip.
MAX_SLIPS = 2


def edit_distance(typed: str, actual: str) -> int:
    """Edits from `typed` to `actual`, counting a swap of two neighbours as one edit (the
    optimal string alignment distance)."""
    rows = [list(range(len(actual) + 1))]
    for i, a in enumerate(typed, start=1):
        row = [i]
        for j, b in enumerate(actual, start=1):
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b))
            if i > 1 and j > 1 and a == actual[j - 2] and typed[i - 2] == b:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


def looks_mistyped(typed: str, actual: str, *, prefix: bool = False) -> bool:
    """Whether `typed` differs from `actual` by a slip only. With `prefix`, `typed` stands
    for the beginning of `actual` (the first 16 or more hex digits of a board hash)."""
    if not prefix:
        return 0 < edit_distance(typed, actual) <= MAX_SLIPS
    lengths = range(max(len(typed) - MAX_SLIPS, 1), len(typed) + MAX_SLIPS + 1)
    distance = min(edit_distance(typed, actual[:length]) for length in lengths)
    return 0 < distance <= MAX_SLIPS


__all__ = ["MAX_SLIPS", "edit_distance", "looks_mistyped"]

"""Which text may appear in an election's public data (spec 7.1).

Names, positions, titles and consequence texts are shown on terminals, printed on sheets and
read aloud. Whoever writes a manifest (or a candidate list, or a rule file) could otherwise
hide a terminal escape sequence that rewrites what an observer sees, a bidi override that
reverses a name on screen, a NUL byte that truncates it in other tools, or a 100,000-character
"name" that breaks every layout. `check_text` refuses all of these with the reason.
"""

from __future__ import annotations

import unicodedata

#: Characters that reorder the text around them (Unicode bidi embeddings, overrides and
#: isolates, and the invisible direction marks).
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
#: General categories refused anywhere: control characters (C0 and C1, which include ESC and
#: CSI), invisible format characters (zero-width spaces and joiners, soft hyphens, the
#: byte-order mark: they make two different names look the same), surrogates, private use,
#: and line or paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def text_problem(text: str, *, max_length: int) -> str | None:
    """Why `text` may not be used (None if it may): too long, or holding a character that
    is invisible, reorders text or controls a terminal."""
    if len(text) > max_length:
        return f"is {len(text)} characters long (at most {max_length})"
    for position, character in enumerate(text, start=1):
        if character in BIDI_CONTROLS:
            return (
                f"holds the bidirectional control U+{ord(character):04X} at character "
                f"{position} (it can reverse what is shown)"
            )
        category = unicodedata.category(character)
        if category in REFUSED_CATEGORIES:
            kind = {
                "Cc": "a control character",
                "Cf": "an invisible format character",
            }.get(category, "a character not for display")
            extra = " (a terminal escape sequence)" if character in "\x1b\x9b" else ""
            return f"holds {kind} U+{ord(character):04X}{extra} at character {position}"
    return None

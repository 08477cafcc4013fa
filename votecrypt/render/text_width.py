"""Display width of text in a terminal (Vietnamese text is NFC, so mostly one column per
character; wide East Asian characters take two, combining marks none)."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    total = 0
    for character in text:
        if unicodedata.combining(character):
            continue
        total += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return total


def pad(text: str, columns: int, *, right: bool = False) -> str:
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def clip(text: str, columns: int) -> str:
    if width(text) <= columns:
        return text
    result = ""
    for character in text:
        if width(result + character) > columns - 1:
            break
        result += character
    return result + "…"

"""Rule files as JSON text, and the digest that names a rule set (spec 13.3, 13.4).

`rule_set_from_json` reads a rule file with the strict, bounded JSON decoder of 15.1 (duplicate
keys, floats, NaN and nesting deeper than `json_codec.MAX_DEPTH` are refused before any
recursion) and then the plain-data decoder of 13.4; every problem is a `RuleError`.
`rule_set_digest` is the SHA-256 of the rule set's canonical JSON (15.1), the bytes a manifest
embeds, written in hex: two rule sets have the same digest exactly when they say the same.
"""

from __future__ import annotations

import hashlib
import json

from votecrypt.errors import EncodingError, RuleError
from votecrypt.protocol.rules import RuleSet, rule_set_from_plain, rule_set_to_plain
from votecrypt.record.json_codec import canonical_json, parse_json


def rule_set_to_json(rules: RuleSet) -> str:
    """A rule file: the plain data of 13.4 as indented UTF-8 JSON text."""
    return json.dumps(rule_set_to_plain(rules), ensure_ascii=False, indent=2) + "\n"


def rule_set_from_json(text: str | bytes) -> RuleSet:
    """Load a rule file (spec 13.4) with the strict, bounded decoder; RuleError if it is bad."""
    try:
        value = parse_json(text)
    except EncodingError as exc:
        raise RuleError(f"the rule file: {exc}") from None
    return rule_set_from_plain(value)


def rule_set_digest(rules: RuleSet) -> str:
    """SHA-256 (hex) of the rule set's canonical JSON (spec 13.3)."""
    return hashlib.sha256(canonical_json(rule_set_to_plain(rules))).hexdigest()


__all__ = ["rule_set_digest", "rule_set_from_json", "rule_set_to_json"]

"""The presets of spec 13.3, read from their data files, and what a rule set's name may claim.

The presets are the law's rules as data: one file per preset under spec/rules/ (installed with
the package as votecrypt/record/presets/), each read with the strict decoder of 13.4 and named
by its digest (`rule_set_digest`, spec 13.3). A preset's id and titles mean exactly its rules:

- `name_rule_set` says what a rule set is: a preset (equal to it, digest and all), a custom
  rule set under its own name, or a custom rule set that takes a preset's id or title, with
  the places where it differs from that preset (spec 13.3.2);
- `refuse_impersonation` refuses the last kind: `election create` never writes it and the
  verifier fails a record that embeds it (check 4, spec 16.2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from votecrypt.errors import EncodingError, RuleError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.rules import RuleSet, rule_set_from_plain, rule_set_to_plain
from votecrypt.record.json_codec import parse_json
from votecrypt.record.rules_codec import rule_set_digest

#: The presets, in the order of spec 13.3 (file presets/<id>.json each).
PRESET_IDS = ("nq96-2023", "qd96-2023", "nq96-2023-vote", "nq85-2014", "nq35-2012")


def _load(rule_set_id: str) -> RuleSet:
    data = resources.files("votecrypt.record") / "presets" / f"{rule_set_id}.json"
    try:
        rules = rule_set_from_plain(parse_json(data.read_bytes()))
    except EncodingError as exc:  # pragma: no cover - the packaged files are tested
        raise RuleError(f"preset file {rule_set_id}.json: {exc}") from None
    if rules.id != rule_set_id:  # pragma: no cover - the packaged files are tested
        raise RuleError(f"preset file {rule_set_id}.json holds the rule set {rules.id!r}")
    return rules


# Read-only: a preset is shared by every election that names it.
PRESETS: Mapping[str, RuleSet] = MappingProxyType({key: _load(key) for key in PRESET_IDS})
PRESET_DIGESTS: Mapping[str, str] = MappingProxyType(
    {key: rule_set_digest(rules) for key, rules in PRESETS.items()}
)


def preset(rule_set_id: str) -> RuleSet:
    """A preset rule set by id; RuleError lists the known ids."""
    try:
        return PRESETS[rule_set_id]
    except KeyError:
        raise RuleError(
            f"unknown rule set {rule_set_id!r}; presets: {', '.join(sorted(PRESETS))}"
        ) from None


def _title_key(text: str) -> str:
    # Titles that read the same to a person are the same title: case and spacing aside.
    return " ".join(nfc(text).casefold().split())


@dataclass(frozen=True, slots=True)
class RuleSetName:
    """What a rule set is called on a sheet and in a verification report (spec 13.3.2).

    `preset` is the preset it equals, or None; `claims` the preset whose id or title a
    custom rule set takes, or None; `differences` the paths of its plain data (13.4) where
    it differs from that preset."""

    id: str
    digest: str
    preset: str | None
    claims: str | None
    differences: tuple[str, ...]

    def describe(self) -> str:
        """One line: "preset nq96-2023 (digest 3f2a...)" or "custom rule set ..."."""
        short = self.digest[:16]
        if self.preset is not None:
            return f"preset {self.preset} (digest {short})"
        if self.claims is None:
            return f"custom rule set {self.id} (digest {short})"
        return (
            f"custom rule set (digest {short}), differs from {self.claims} in "
            f"{', '.join(self.differences)}"
        )


def name_rule_set(rules: RuleSet) -> RuleSetName:
    """Compare a rule set with the presets by digest, id and titles (spec 13.3.2)."""
    digest = rule_set_digest(rules)
    for key, value in PRESET_DIGESTS.items():
        if value == digest:
            return RuleSetName(rules.id, digest, key, None, ())
    titles = {_title_key(rules.title_vi), _title_key(rules.title_en)}
    for key, known in PRESETS.items():
        if rules.id == key or titles & {_title_key(known.title_vi), _title_key(known.title_en)}:
            paths = tuple(_differences(rule_set_to_plain(known), rule_set_to_plain(rules), ""))
            return RuleSetName(rules.id, digest, None, key, paths)
    return RuleSetName(rules.id, digest, None, None, ())


def _differences(known: Any, given: Any, path: str) -> list[str]:
    """The shortest paths where two plain values differ ("brackets[0].when[0].fraction")."""
    if isinstance(known, dict) and isinstance(given, dict):
        found = []
        for key in [*known, *(k for k in given if k not in known)]:
            here = f"{path}.{key}" if path else key
            if key not in known or key not in given:
                found.append(here)
            else:
                found.extend(_differences(known[key], given[key], here))
        return found
    if isinstance(known, list) and isinstance(given, list) and len(known) == len(given):
        found = []
        for index, (a, b) in enumerate(zip(known, given, strict=True)):
            found.extend(_differences(a, b, f"{path}[{index}]"))
        return found
    return [] if known == given else [path or "the whole rule set"]


def refuse_impersonation(rules: RuleSet) -> RuleSetName:
    """The rule set's name; RuleError when it takes a preset's id or title with other rules."""
    name = name_rule_set(rules)
    if name.claims is not None:
        raise RuleError(
            f"the rule set takes the id or title of preset {name.claims} but is not it "
            f"({name.describe()}): a preset's name means exactly its rules; give a custom rule "
            f"set its own id and title, or use the preset {name.claims}"
        )
    return name


# NQ 35/2012 Điều 11 d, đ as quoted (DOMAIN, spec 13.3) names only the National Assembly's
# deputies; a People's Council vote under it would announce the Assembly's words.
_ASSEMBLY_ONLY = ("nq35-2012",)
_COUNCIL = re.compile(r"hội đồng nhân dân|hđnd|people's council|people’s council")


def refuse_for_body(rules: RuleSet, body: str) -> None:
    """RuleError when a preset quoting only the National Assembly is used by a council."""
    if rules.id in _ASSEMBLY_ONLY and _COUNCIL.search(nfc(body).casefold()):
        raise RuleError(
            f"the preset {rules.id} quotes the National Assembly's words only (\"tổng số đại "
            f'biểu Quốc hội"); for the People\'s Council "{body}" write a custom rule file '
            "with the council's wording (spec 13.3)"
        )


__all__ = [
    "PRESETS",
    "PRESET_DIGESTS",
    "PRESET_IDS",
    "RuleSetName",
    "name_rule_set",
    "preset",
    "refuse_for_body",
    "refuse_impersonation",
]

"""Every entry kind another check reads decodes strictly (spec 15.2, 15.3, 16.1): an object
with one field more, one field fewer, or a value of another JSON type, anywhere in the
payload, does not decode. Run on every payload of the vector record."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from votecrypt.errors import EncodingError, ManifestError
from votecrypt.math import secp256k1
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain
from votecrypt.record.ceremony_codec import message_from_json, outcome_from_json
from votecrypt.record.election_codec import credentials_as_published, manifest_from_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.tally_codec import share_from_plain, tally_from_plain

LOG = Path(__file__).resolve().parent.parent / "spec/vectors/election/record/log.jsonl"
GROUP = secp256k1()

DECODERS: dict[str, Callable[[Any], object]] = {
    "manifest": manifest_from_plain,
    "ceremony": lambda p: message_from_json(canonical_json(p), GROUP),
    "ceremony-outcome": lambda p: outcome_from_json(canonical_json(p), GROUP),
    "credentials": credentials_as_published,
    "ballot": lambda p: ballot_from_plain(p, GROUP),
    "challenge": lambda p: challenged_from_plain(p, GROUP),
    "tally": lambda p: tally_from_plain(p, GROUP),
    "decryption-share": lambda p: share_from_plain(p, GROUP),
}
#: Fields a manifest may leave out (spec 7.1): absent means "none".
OPTIONAL = {("manifest", "quorum_override"), ("manifest", "previous"), ("manifest", "booth")}


def _payloads() -> dict[str, tuple[str, Any]]:
    """The first payload of each kind in the vector record (of each round for ceremony
    messages), by name: (kind, payload)."""
    found: dict[str, tuple[str, Any]] = {}
    for line in LOG.read_bytes().splitlines():
        entry = json.loads(line)
        kind, payload = entry["kind"], entry["payload"]
        name = f"{kind} {payload['type']}" if kind == "ceremony" else kind
        found.setdefault(name, (kind, payload))
    # The record's ceremony has no complaint: the answer round from the ceremony vectors.
    answer = json.loads((LOG.parent.parent / "ceremony" / "answer-2.json").read_bytes())
    found[f"ceremony {answer['type']}"] = ("ceremony", answer)
    return found


def _objects(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every object in `value` (first item of each list only)."""
    if isinstance(value, dict):
        yield path
        for key, item in value.items():
            yield from _objects(item, (*path, key))
    elif isinstance(value, list) and value:
        yield from _objects(value[0], (*path, 0))


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _mutations(kind: str, payload: Any) -> Iterator[tuple[str, Any]]:
    for path in _objects(payload):
        extra = copy.deepcopy(payload)
        _at(extra, path)["unexpected"] = 1
        yield f"{path} + unexpected", extra
        for key in list(_at(payload, path)):
            if not path and (kind, key) in OPTIONAL:
                continue
            fewer = copy.deepcopy(payload)
            del _at(fewer, path)[key]
            yield f"{path} - {key}", fewer
            retyped = copy.deepcopy(payload)
            value = _at(retyped, path)[key]
            _at(retyped, path)[key] = [value] if not isinstance(value, list) else {"v": value}
            yield f"{path}.{key} retyped", retyped


#: open, close and results are not decoded but compared field by field (16.1; the vectors
#: tampered/lax-close, results-extra-field and results-without-decrypted-by).
DECODED = sorted(name for name, (kind, _) in _payloads().items() if kind in DECODERS)


def test_every_decoded_kind_is_covered() -> None:
    assert {kind for kind, _ in _payloads().values()} >= set(DECODERS)
    assert len([name for name in DECODED if name.startswith("ceremony ")]) == 5  # every round


@pytest.mark.parametrize("name", DECODED)
def test_every_field_is_required_and_no_other_is_accepted(name: str) -> None:
    kind, payload = _payloads()[name]
    DECODERS[kind](payload)  # the published payload decodes
    accepted = []
    for label, changed in _mutations(kind, payload):
        try:
            DECODERS[kind](changed)
        except (EncodingError, ManifestError):
            continue
        accepted.append(label)
    assert accepted == []


@given(st.text(alphabet="0123456789abcdefABCDEF \t\nxg", max_size=12))
def test_hex_is_read_only_in_its_one_lower_case_form(text: str) -> None:
    # decode_hex reads most values with bytes.fromhex and a round trip; whatever the path,
    # it accepts exactly lower-case pairs of digits, and refuses the rest in one of the three
    # messages of its checks.
    from votecrypt.record.json_codec import decode_hex

    if re.fullmatch("(?:[0-9a-f]{2})*", text):
        assert decode_hex(text, "value") == bytes.fromhex(text)
        if text:
            with pytest.raises(EncodingError, match="expected 99 bytes"):
                decode_hex(text, "value", 99)
    else:
        with pytest.raises(EncodingError) as refused:
            decode_hex(text, "value")
        assert str(refused.value) in {
            "value: expected lower-case hex",
            "value: hex must be lower case",
            "value: expected lower-case hex digits only",
        }

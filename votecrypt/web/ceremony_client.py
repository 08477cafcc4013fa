"""A trustee's side of the ceremony channel (spec 11.13): send the messages of its election
directory to the board server's channel, and take every message the channel holds into it.

The channel is trusted for nothing but delivery: every item pulled is checked as a file from
the USB stick is (votecrypt.service.ceremony_exchange.admit) before it is written, and a
message the channel holds that conflicts with the trustee's own copy becomes evidence against
its sender (8.8.1) in the trustee's directory. The endorsements the channel carries once the
board's transcript closed (8.8.2) close the trustee's copy only if t of them verify over the
outcome its own messages give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from votecrypt.errors import ChannelError, EncodingError
from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.messages import ROUNDS, InvalidCeremonyMessage
from votecrypt.record.ceremony_codec import item_from_json
from votecrypt.record.election_codec import credentials_from_plain
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.service.ceremony_exchange import Admitted, admit
from votecrypt.service.ceremony_late import Endorsed
from votecrypt.service.election_dir import ElectionDir, load_manifest
from votecrypt.storage.files import read_file

from .api import PREFIX

TIMEOUT = 60.0


@dataclass(frozen=True)
class Synced:
    """What a sync did: the answers to what was sent, and what was taken from the channel."""

    sent: list[dict[str, Any]]
    taken: list[Admitted]


def sync(url: str, directory: ElectionDir, group: Group) -> Synced:
    """Send every local ceremony file the channel lacks, then take every item it holds."""
    with httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT) as client:
        held = {canonical_json(item) for item in _items(client, directory)}
        sent = push(client, directory, held)
        taken = pull(client, directory, group)
    return Synced(sent, taken)


def push(
    client: httpx.Client, directory: ElectionDir, held: set[bytes] | None = None
) -> list[dict[str, Any]]:
    """POST every message file (round by round, then the evidence) of the directory that is
    not among the channel's items `held` (their canonical JSON): those of `ceremony/`, then
    the late ones of `ceremony/late/` (spec 8.8.2), so that they reach everyone too."""
    paths = [
        p
        for folder in (directory.ceremony, directory.late)
        for pattern in (*(f"{r}-*.json" for r in ROUNDS), "evidence-*.json")
        for p in sorted(folder.glob(pattern))
    ]
    answers = []
    for path in paths:
        body = read_file(path, what="ceremony message", max_bytes=1 << 23)
        try:
            if held is not None and canonical_json(parse_json(body)) in held:
                continue
        except EncodingError:
            pass  # the channel says why it refuses it
        response = _call(client, "POST", body)
        if response.status_code != 200:
            raise ChannelError(f"the channel refused {path.name}: {_message(response)}")
        answers.append(response.json())
    return answers


def pull(client: httpx.Client, directory: ElectionDir, group: Group) -> list[Admitted]:
    """Take every item of the channel, in its order, each checked before it is written. The
    endorsements the channel carries close this copy once its messages give the outcome
    they endorse (spec 8.8.2): what arrived after the close is then filed as late here too."""
    taken = []
    items, endorsed = _answer(client, directory)
    for position, plain in enumerate(items):
        try:
            item = item_from_json(canonical_json(plain), group)
            taken.append(admit(directory, group, item, endorsed))
        except (EncodingError, InvalidCeremonyMessage) as error:
            raise InvalidCeremonyMessage(
                f"item {position} of the channel is refused (nothing after it was taken): {error}"
            ) from None
    return taken


def _items(client: httpx.Client, directory: ElectionDir) -> list[Any]:
    """The channel's items, in its order, for this directory's election."""
    return _answer(client, directory)[0]


def _answer(client: httpx.Client, directory: ElectionDir) -> tuple[list[Any], Endorsed | None]:
    """The channel's items, in its order, for this directory's election, and the credential
    list with the endorsements that closed the board's transcript, if they did (decoded
    strictly; whether they close this copy is for `admit` to check)."""
    election = load_manifest(directory).manifest_hash().hex()
    response = _call(client, "GET")
    if response.status_code != 200:
        raise ChannelError(f"the channel did not answer: {_message(response)}")
    try:
        body = response.json()
        if body["election"] != election:
            raise ChannelError("the channel serves another election's ceremony")
        items = [entry["item"] for entry in body["items"]]
    except (ValueError, KeyError, TypeError):
        raise ChannelError("the channel's answer is not a list of ceremony items") from None
    if "endorsed" not in body:
        return items, None
    try:
        return items, credentials_from_plain(body["endorsed"], "endorsed")
    except EncodingError as error:
        raise ChannelError(
            f"the channel's endorsements are not a credential list: {error}"
        ) from None


def _call(client: httpx.Client, method: str, body: bytes | None = None) -> httpx.Response:
    try:
        return client.request(
            method,
            PREFIX + "/ceremony",
            content=body,
            headers={"content-type": "application/json"} if body is not None else None,
        )
    except httpx.HTTPError as error:
        raise ChannelError(f"the ceremony channel cannot be reached: {error}") from None


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json()["message"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"

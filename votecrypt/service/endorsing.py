"""A trustee endorses the credential list (spec 9.4), on its own machine.

    credentials = endorsement_view(directory, group)        # shown before the passphrase
    path = endorse(directory, credentials, secret, passphrase, group)

The trustee's tool checks what it signs: the list is for this election and has exactly the
manifest's number of keys, and the ceremony outcome in the directory is the one its messages
give and the one this trustee finalized itself. The board refuses to open without t
endorsements, so a server operator cannot swap the list for keys it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from votecrypt.errors import EncodingError, RefusedData
from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome
from votecrypt.protocol.context import ElectionContext, normalise_fingerprint
from votecrypt.protocol.credentials import CredentialList
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.setup import check_outcome
from votecrypt.record.election_codec import endorsement_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.service.announced import looks_mistyped
from votecrypt.service.election_dir import (
    ElectionDir,
    load_credentials,
    load_manifest,
    load_outcome,
    load_transcript,
)
from votecrypt.storage.files import write_atomic
from votecrypt.storage.secret_file import load_trustee, save_trustee


@dataclass(frozen=True)
class CredentialsToEndorse:
    """What a trustee is asked to endorse, checked against the public files."""

    manifest: Manifest
    outcome: CeremonyOutcome
    credentials: CredentialList
    fingerprint: str

    def check_announced(self, announced: str) -> None:
        """Nothing when `announced` (the fingerprint the issuer announced, as typed) is this
        list's fingerprint; EncodingError when it is one or two characters off (a slip:
        type it again); RefusedData otherwise (a list swapped since it was issued gives
        another fingerprint). Neither message shows this list's fingerprint (spec 9.4)."""
        typed = normalise_fingerprint(announced)
        actual = normalise_fingerprint(self.fingerprint)
        if typed == actual:
            return
        if looks_mistyped(typed, actual):
            raise EncodingError(
                f"the fingerprint typed ({announced.strip()}) looks mistyped: one or two "
                "characters differ from this list's; check it against the one read aloud "
                "and type it again"
            )
        raise RefusedData(
            f"the fingerprint typed ({announced.strip()}) is not this list's: if it is "
            "exactly the one announced, this is not the list that was issued; do not sign, "
            "tell the counting board"
        )


def endorsement_view(directory: ElectionDir, group: Group) -> CredentialsToEndorse:
    """The credential list of `directory`, checked (spec 9.4): for this election, the
    manifest's number of keys, under the ceremony outcome its messages give."""
    manifest = load_manifest(directory)
    transcript = load_transcript(directory, group, manifest)
    outcome = check_outcome(group, transcript, load_outcome(directory, group))
    credentials = load_credentials(directory)
    context = ElectionContext.build(group, manifest, outcome, credentials)
    return CredentialsToEndorse(manifest, outcome, credentials, context.fingerprint)


def endorse(
    directory: ElectionDir,
    view: CredentialsToEndorse,
    secret_path: Path,
    passphrase: str,
    group: Group,
    announced: str,
) -> Path:
    """Sign the checked list with the trustee's ceremony key and write its endorsement file
    (spec 9.4). `announced` is the fingerprint the issuer announced (printed on the slips,
    read aloud): a list swapped before the trustees sign gives another fingerprint and is
    refused. A trustee endorses one list per election (recorded in its secret file); running
    it again writes the same file (Ed25519 is deterministic)."""
    view.check_announced(announced)
    trustee = load_trustee(Path(secret_path), passphrase, group)
    if trustee.parameters != view.manifest.ceremony_parameters():
        raise RefusedData("this secret file belongs to another election")
    if trustee.outcome != view.outcome:
        raise RefusedData(
            "the ceremony outcome in the election directory is not the one this trustee "
            "finalized; refusing to endorse credentials for it"
        )
    list_hash = view.credentials.list_hash()
    if trustee.endorsed_list not in (None, list_hash):
        raise RefusedData(
            f"trustee {trustee.index} already endorsed another credential list of this "
            "election; refusing a second one"
        )
    endorsement = trustee.endorse_credentials(view.credentials)
    if trustee.endorsed_list is None:
        trustee.endorsed_list = list_hash
        save_trustee(Path(secret_path), trustee, passphrase)
    path = directory.endorsement_path(trustee.index)
    write_atomic(path, canonical_json(endorsement_plain(view.credentials, endorsement)))
    return path

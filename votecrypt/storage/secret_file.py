"""A trustee's secret file: its ceremony state, encrypted under a passphrase (spec 14).

On disk (canonical JSON; everything but `ciphertext` is public and authenticated):
    {"type": "votecrypt/secret-file", "version": 1, "label": ...,
     "kdf": {"algorithm": "argon2id", "iterations": .., "lanes": .., "memory_kib": ..},
     "salt": hex16, "nonce": hex12, "ciphertext": hex}
The plaintext is the canonical JSON of the trustee state (spec 14.3). The file is written
atomically and readable by its owner only.

The header's Argon2id parameters are bounded before any key is derived (spec 14.2), and a
trustee saved again keeps the parameters its file was opened with, as authenticated by the
decryption: they are never read from disk a second time, so they cannot be downgraded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from votecrypt.errors import EncodingError, SecretStoreError
from votecrypt.math.group import Group
from votecrypt.primitives.passphrase import (
    KdfParameters,
    PassphraseBox,
    open_with_passphrase,
    seal_with_passphrase,
)
from votecrypt.primitives.sealing import ExchangeKey
from votecrypt.primitives.shamir import Polynomial
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.ceremony.messages import CeremonyParameters
from votecrypt.protocol.ceremony.trustee import Trustee, TrusteeSecrets
from votecrypt.record.ceremony_codec import outcome_from_json, outcome_to_json
from votecrypt.record.json_codec import (
    Fields,
    canonical_json,
    decode_index,
    decode_scalar,
    parse_json,
)
from votecrypt.storage.files import read_file, write_atomic

FILE_TYPE = "votecrypt/secret-file"
STATE_TYPE = "votecrypt/trustee-state"
VERSION = 1

#: Bounds on a secret file's Argon2id parameters (spec 14.2): at most 8 passes, 16 lanes and
#: 256 MiB, and at most four times the default work (passes x memory), so a forged header
#: cannot make opening the file take minutes or gigabytes.
MAX_ITERATIONS = 8
MAX_LANES = 16
MAX_MEMORY_KIB = 256 * 1024
MAX_WORK = 4 * KdfParameters().iterations * KdfParameters().memory_kib

#: The Argon2id parameters each loaded trustee's file was opened with (authenticated by the
#: decryption), used when that trustee is saved again.
_OPENED_WITH: WeakKeyDictionary[Trustee, KdfParameters] = WeakKeyDictionary()


def save_trustee(
    path: Path, trustee: Trustee, passphrase: str, kdf: KdfParameters | None = None
) -> None:
    """Encrypt the trustee's whole state under `passphrase` and write it atomically.

    Without `kdf`, a trustee loaded from a file keeps the Argon2id parameters that file was
    opened with (the defaults for a new trustee); the file on disk is not read again.
    """
    if kdf is None:
        kdf = _OPENED_WITH.get(trustee)
    label = (
        f"trustee {trustee.index} ({trustee.name}) of election "
        f"{trustee.parameters.election.hex()[:16]}"
    )
    box = seal_with_passphrase(_state_json(trustee), passphrase, label, kdf)
    _OPENED_WITH[trustee] = box.kdf
    write_box(path, box)


def write_box(path: Path, box: PassphraseBox) -> None:
    """Write a passphrase box as a secret file, atomically, readable by its owner only."""
    document = {
        "type": FILE_TYPE,
        "version": VERSION,
        "label": box.label,
        "kdf": {
            "algorithm": "argon2id",
            "iterations": box.kdf.iterations,
            "lanes": box.kdf.lanes,
            "memory_kib": box.kdf.memory_kib,
        },
        "salt": box.salt.hex(),
        "nonce": box.nonce.hex(),
        "ciphertext": box.ciphertext.hex(),
    }
    write_atomic(path, canonical_json(document), private=True)


def load_trustee(path: Path, passphrase: str, group: Group) -> Trustee:
    """Decrypt and load a trustee; SecretStoreError for a wrong passphrase or damaged file."""
    box = read_box(path)
    plaintext = open_with_passphrase(box, passphrase)
    try:
        trustee = _trustee_from_state(plaintext, group)
    except EncodingError as exc:
        raise SecretStoreError(f"the secret file's content is invalid: {exc}") from None
    _OPENED_WITH[trustee] = box.kdf
    return trustee


def secret_file_label(path: Path) -> str:
    """The public label of a secret file (which trustee, which election)."""
    return read_box(path).label


def read_box(path: Path) -> PassphraseBox:
    data = read_file(path, what="secret file", max_bytes=1 << 20)
    try:
        fields = Fields(parse_json(data), "secret file")
        fields.constant("type", FILE_TYPE)
        fields.integer("version", VERSION, VERSION)
        kdf_fields = fields.nested("kdf")
        kdf_fields.constant("algorithm", "argon2id")
        kdf = KdfParameters(
            iterations=kdf_fields.integer("iterations", 1, MAX_ITERATIONS),
            lanes=kdf_fields.integer("lanes", 1, MAX_LANES),
            memory_kib=kdf_fields.integer("memory_kib", 8, MAX_MEMORY_KIB),
        )
        kdf_fields.done()
        if kdf.iterations * kdf.memory_kib > MAX_WORK or kdf.memory_kib < 8 * kdf.lanes:
            raise EncodingError("kdf: Argon2id parameters beyond the accepted work")
        box = PassphraseBox(
            label=fields.text("label", max_length=400),
            kdf=kdf,
            salt=fields.hex_bytes("salt", 16),
            nonce=fields.hex_bytes("nonce", 12),
            ciphertext=fields.hex_bytes("ciphertext", max_length=1 << 19),
        )
        fields.done()
    except EncodingError as exc:
        raise SecretStoreError(f"{path} is not a valid secret file: {exc}") from None
    return box


def _state_json(trustee: Trustee) -> bytes:
    secrets = trustee.export_secrets()
    polynomial = secrets.polynomial
    state: dict[str, Any] = {
        "type": STATE_TYPE,
        "version": VERSION,
        "group": trustee.group.name,
        "election": trustee.parameters.election.hex(),
        "trustees": trustee.parameters.trustees,
        "threshold": trustee.parameters.threshold,
        "index": trustee.index,
        "name": trustee.name,
        "step": trustee.step,
        "signing_key": secrets.signing_key.export_bytes().hex(),
        "exchange_key": secrets.exchange_key.export_bytes().hex(),
        "polynomial": None if polynomial is None else [a.hex() for a in polynomial.coefficients],
        "received": [{"dealer": i, "share": s.hex()} for i, s in secrets.received],
        "key_share": None if secrets.key_share is None else secrets.key_share.hex(),
        "outcome": None
        if trustee.outcome is None
        else parse_json(outcome_to_json(trustee.outcome)),
        "decrypted_tally": None
        if trustee.decrypted_tally is None
        else trustee.decrypted_tally.hex(),
        "endorsed_list": None if trustee.endorsed_list is None else trustee.endorsed_list.hex(),
    }
    return canonical_json(state)


def _trustee_from_state(plaintext: bytes, group: Group) -> Trustee:
    fields = Fields(parse_json(plaintext), "trustee state")
    fields.constant("type", STATE_TYPE)
    fields.integer("version", VERSION, VERSION)
    fields.constant("group", group.name)
    trustees = fields.integer("trustees", 1, 1000)
    parameters = CeremonyParameters(
        election=fields.hex_bytes("election", 32),
        trustees=trustees,
        threshold=fields.integer("threshold", 1, trustees),
    )
    index = fields.integer("index", 1, trustees)
    name = fields.text("name", max_length=200)
    step = fields.text("step", max_length=20)
    signing_key = SigningKey.from_secret_bytes(fields.hex_bytes("signing_key", 32))
    exchange_key = ExchangeKey.from_secret_bytes(fields.hex_bytes("exchange_key", 32))
    coefficients = fields.raw("polynomial")
    polynomial = (
        None
        if coefficients is None
        else Polynomial(fields.listed("polynomial", decode_scalar, max_items=trustees))
    )
    received = []
    for item in fields.objects("received", max_items=trustees):
        received.append(
            (decode_index(item.raw("dealer"), item.path("dealer"), trustees), item.scalar("share"))
        )
        item.done()
    key_share = None if fields.raw("key_share") is None else fields.scalar("key_share")
    outcome_value = fields.raw("outcome")
    outcome = (
        None if outcome_value is None else outcome_from_json(canonical_json(outcome_value), group)
    )
    decrypted_tally = (
        None if fields.raw("decrypted_tally") is None else fields.hex_bytes("decrypted_tally", 32)
    )
    endorsed_list = (
        None if fields.raw("endorsed_list") is None else fields.hex_bytes("endorsed_list", 32)
    )
    fields.done()
    if step not in ("announced", "committed", "opened", "checked", "answered", "finalized"):
        raise SecretStoreError(f"unknown step {step!r} in the secret file")
    secrets = TrusteeSecrets(signing_key, exchange_key, polynomial, tuple(received), key_share)
    return Trustee(
        group, parameters, index, name, step, secrets, outcome, decrypted_tally, endorsed_list
    )

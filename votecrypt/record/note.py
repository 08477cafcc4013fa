"""Signed notes (C2SP signed-note; spec 11.6): text signed by one or more named keys.

    <text ending in a newline>
    <blank line>
    — <key name> base64(key ID (4 bytes) || signature)      (one line per signature)

A key is named by a key name and a 4-byte key ID, SHA-256(name || 0x0A || type || public
key)[:4], with type 0x01 for Ed25519 over the note text and 0x04 for the timestamped
cosignatures of spec 11.8 (votecrypt.record.cosignature). A verifier key ("vkey") is written
`name+hex(key ID)+base64(type || public key)`. Decoding is strict: UTF-8, no control
character but the newline, canonical base64, at most MAX_SIGNATURES signature lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from votecrypt.errors import EncodingError, InvalidSignature
from votecrypt.primitives.signing import SigningKey, VerifyKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
#: The signature types this library knows (spec 11.6).
SIGNATURE_TYPES = (ED25519, COSIGNATURE_V1)
#: More than C2SP's minimum of 16; a note with more signature lines is refused.
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 64 * 1024
MAX_NAME = 255
SIGNATURE_PREFIX = "\u2014 "  # em dash, space


def check_key_name(name: str) -> None:
    """A key name (spec 11.6): 1 to 255 printable ASCII characters, no space, no `+`. C2SP
    forbids spaces and `+`; the narrower alphabet keeps names readable and unambiguous."""
    if not 1 <= len(name) <= MAX_NAME:
        raise EncodingError(f"a key name has 1 to {MAX_NAME} characters")
    if any(not 0x21 <= ord(c) <= 0x7E or c == "+" for c in name):
        raise EncodingError(f"key name {name!r}: printable ASCII without spaces or '+' only")


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || type || public key)[:4] (spec 11.6)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def decode_base64(text: str, what: str) -> bytes:
    """Standard base64 with padding (RFC 4648, 4), canonical: it must encode back to itself."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise EncodingError(f"{what} is not base64") from None
    if base64.b64encode(data).decode() != text:
        raise EncodingError(f"{what} is not canonical base64")
    return data


@dataclass(frozen=True, slots=True)
class NoteKey:
    """A public key of a signed note: its name, signature type and 32-byte Ed25519 key."""

    name: str
    signature_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if self.signature_type not in SIGNATURE_TYPES:
            raise EncodingError(f"unknown note signature type {self.signature_type}")
        VerifyKey.from_canonical_bytes(self.public_key)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.signature_type, self.public_key)

    @property
    def verify_key(self) -> VerifyKey:
        return VerifyKey.from_canonical_bytes(self.public_key)

    def vkey(self) -> str:
        """`name+hex(key ID)+base64(type || public key)` (spec 11.6)."""
        material = base64.b64encode(bytes([self.signature_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def from_vkey(cls, text: str) -> NoteKey:
        """Decode a verifier key strictly; its key ID must be the one its parts give."""
        parts = text.split("+", 2)
        if len(parts) != 3 or len(parts[1]) != 8:
            raise EncodingError("a verifier key is name+keyid+key, the key ID 8 hex digits")
        name, hex_id, material = parts
        try:
            claimed = bytes.fromhex(hex_id)
        except ValueError:
            raise EncodingError("the key ID of a verifier key is 8 hex digits") from None
        if hex_id != claimed.hex():
            raise EncodingError("the key ID of a verifier key is in lower-case hex")
        raw = decode_base64(material, "the key of a verifier key")
        if len(raw) != 33:
            raise EncodingError("a verifier key holds a type byte and a 32-byte Ed25519 key")
        key = cls(name, raw[0], raw[1:])
        if key.key_id != claimed:
            raise EncodingError("the key ID of a verifier key does not match its key")
        return key


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, key ID and the signature bytes after the ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"

    def by(self, key: NoteKey) -> bool:
        """Whether this line claims to be by `key` (same name and key ID)."""
        return self.name == key.name and self.key_id == key.key_id


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A note's text (ending in a newline) and its signature lines, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        lines = "".join(signature.line() for signature in self.signatures)
        return (self.text + "\n" + lines).encode()

    def with_signature(self, signature: NoteSignature) -> SignedNote:
        """The note with one more signature line, unless an identical one is there."""
        if signature in self.signatures:
            return self
        return SignedNote(self.text, (*self.signatures, signature))

    def signatures_by(self, key: NoteKey) -> list[NoteSignature]:
        return [s for s in self.signatures if s.by(key)]


def check_note_text(text: str) -> None:
    """Note text: non-empty, ends in a newline, no control character but the newline."""
    if not text.endswith("\n"):
        raise EncodingError("a note's text ends in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise EncodingError("a note holds no control character but the newline")


def parse_note(data: bytes) -> SignedNote:
    """Decode a signed note strictly (spec 11.6); its signatures are not verified here."""
    if len(data) > MAX_NOTE_BYTES:
        raise EncodingError(f"a signed note has at most {MAX_NOTE_BYTES} bytes")
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EncodingError("a signed note is UTF-8") from None
    check_note_text(whole)
    split = whole.rfind("\n\n")
    if split < 0:
        raise EncodingError("a signed note has a blank line before its signatures")
    text, lines = whole[: split + 1], whole[split + 2 :].splitlines(keepends=True)
    if not lines or len(lines) > MAX_SIGNATURES:
        raise EncodingError(f"a signed note has 1 to {MAX_SIGNATURES} signature lines")
    signatures = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX) or not line.endswith("\n"):
            raise EncodingError("a signature line is: em dash, space, key name, space, base64")
        fields = line[len(SIGNATURE_PREFIX) : -1].split(" ")
        if len(fields) != 2:
            raise EncodingError("a signature line is: em dash, space, key name, space, base64")
        check_key_name(fields[0])
        raw = decode_base64(fields[1], "a note signature")
        if len(raw) < 5:
            raise EncodingError("a note signature holds a key ID and a signature")
        signatures.append(NoteSignature(fields[0], raw[:4], raw[4:]))
    return SignedNote(text, tuple(signatures))


def sign_note(text: str, name: str, key: SigningKey) -> SignedNote:
    """The note `text` signed with Ed25519 (type 0x01) by `key` under `name` (spec 11.6)."""
    check_note_text(text)
    note_key = NoteKey(name, ED25519, key.verify_key.to_bytes())
    signature = NoteSignature(name, note_key.key_id, key.sign(text.encode()))
    return SignedNote(text, (signature,))


def verify_note(note: SignedNote, key: NoteKey) -> None:
    """Raise InvalidSignature unless `note` carries a signature line of the Ed25519 `key`
    and every line claiming to be by it verifies over the text (spec 11.6)."""
    if key.signature_type != ED25519:
        raise InvalidSignature("not an Ed25519 note key")
    claimed = note.signatures_by(key)
    if not claimed:
        raise InvalidSignature(f"the note is not signed by {key.name}")
    for signature in claimed:
        key.verify_key.verify(signature.signature, note.text.encode())

"""What identifies the election to a booth and to observers: the published setup items, the
context hash and the election fingerprint (spec 7.3, 7.4), and the ballot layout (spec 6.1)."""

from __future__ import annotations

from typing import Any

from votecrypt.protocol.context import ElectionContext

from .store import BoardStore, SetupItems


def election_document(store: BoardStore) -> dict[str, Any]:
    """GET /api/v1/election without the phase (which changes)."""
    return election_document_of(store.context, store.setup)


def election_document_of(context: ElectionContext, setup: SetupItems) -> dict[str, Any]:
    """GET /api/v1/election without the phase, for a board or a mirror (spec 11.12)."""
    manifest = context.manifest
    packing = context.packing
    return {
        "manifest": setup.manifest,
        "manifest_hash": context.manifest_hash.hex(),
        "ceremony_outcome": setup.ceremony_outcome,
        "credentials": setup.credentials,
        "credential_list_hash": context.credential_list_hash.hex(),
        "context_hash": context.hash.hex(),
        "fingerprint": context.fingerprint,
        "joint_key": context.joint_key.hex(),
        "threshold": context.ceremony.threshold,
        "verification_keys": [
            {"trustee": j, "key": key.hex()} for j, key in context.ceremony.verification_keys
        ],
        "ballot": {
            "title": manifest.title,
            "body": manifest.body,
            "date": manifest.date,
            "candidates": [{"name": c.name, "position": c.position} for c in manifest.candidates],
            "options": [
                {"key": o.key, "label_vi": o.label_vi, "label_en": o.label_en}
                for o in manifest.rules.options
            ],
            "blank_allowed": manifest.blank_allowed,
            "outcomes": list(manifest.outcomes()),
            "base": packing.base,
            "lanes": packing.lanes,
            "digits_per_lane": packing.digits_per_lane,
        },
    }

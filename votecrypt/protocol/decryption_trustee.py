"""A trustee's partial decryption of the tally, with proofs (spec 12.2)."""

from __future__ import annotations

from votecrypt.math.group import Group
from votecrypt.math.tags import DECRYPTION_SHARE_PROOF
from votecrypt.primitives.chaum_pedersen import prove_equality
from votecrypt.primitives.elgamal import partial_decrypt
from votecrypt.protocol.decryption import (
    DecryptionShare,
    PartialDecryption,
    share_proof_context,
    share_statement,
)
from votecrypt.protocol.key_share import KeyShare
from votecrypt.protocol.tally import EncryptedTally


def decrypt_share(group: Group, key_share: KeyShare, tally: EncryptedTally) -> DecryptionShare:
    """M_j = x_j*alpha for every aggregate ciphertext, each with its Chaum-Pedersen proof."""
    secret = key_share.export_scalar()
    rows = []
    for row, ciphertexts in enumerate(tally.rows):
        partials = []
        for lane, ciphertext in enumerate(ciphertexts):
            value = partial_decrypt(ciphertext.alpha, secret)
            proof = prove_equality(
                secret,
                share_statement(group, key_share.verification_key, ciphertext.alpha, value),
                tag=DECRYPTION_SHARE_PROOF,
                context=share_proof_context(tally.election, key_share.index, row, lane),
            )
            partials.append(PartialDecryption(value, proof))
        rows.append(tuple(partials))
    return DecryptionShare(tally.election, key_share.index, tuple(rows))

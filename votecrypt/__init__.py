"""votecrypt: verifiable secret-ballot confidence votes.

Layers (each imports only the ones before it):
    votecrypt.math        group, scalars, encodings, hashing
    votecrypt.primitives  ElGamal, proofs, packing, discrete log
    votecrypt.protocol    manifest, rules, ceremony, credentials, ballots, tally, results
    votecrypt.record      the election record's wire format and the hash-chained log
    votecrypt.verifier    checks a record from published data alone
    votecrypt.storage     the SQLite bulletin board and encrypted secret files
"""

from votecrypt.errors import VotecryptError

__version__ = "0.1.0"

__all__ = ["VotecryptError", "__version__"]

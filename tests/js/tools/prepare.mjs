// Prepare ballots and challenges with the JavaScript ballot library, for the Python
// cross-implementation tests (tests/test_js_cross.py). Reads JSON on standard input:
//   {"entries": [{"kind", "payload"}, ...] (the board's log up to `open`),
//    "ballots": [{"code", "outcomes", "challenge_first": bool}],
//    "invalid": [{"code", "outcomes"}],
//    "forged": [{"code", "row", "value"}]}
// and writes JSON on standard output:
//   {"context_hash", "credential_list_hash", "fingerprint",
//    "prepared": [{"public_key", "challenge": {...}|null, "challenge_tracking_code",
//                  "opened": [...], "ballot": {...}, "tracking_code"}],
//    "refused": ["reason", ...], "forged": [{...ballot...}]}
// A forged ballot is one the library refuses to make: row `row` encrypts the lane vector
// [value, 0, ...] (a double mark, say), with a proof made for the allowed list in which that
// vector replaces the last outcome's, then signed like any ballot. The board must refuse it.

import { readFileSync } from 'node:fs';

import {
  ballotHash,
  credentialFromCode,
  encryptWithNonce,
  hash,
  PreparedBallot,
  proveMembership,
  TAGS,
  electionFromRecord,
  openChallenge,
  prepareBallot,
} from '../../../votecrypt/web/static/votecrypt.js';
import { randomBytes, toHex } from '../../../votecrypt/web/static/lib/bytes.js';
import { randomScalar } from '../../../votecrypt/web/static/lib/group.js';

const input = JSON.parse(readFileSync(0, 'utf8'));
// As the booth does: the ceremony, the endorsements and the open entry are checked first.
const election = electionFromRecord(input.entries);
const prepared = input.ballots.map(({ code, outcomes, challenge_first: challengeFirst }) => {
  const credential = credentialFromCode(election.id, code);
  const out = { public_key: credential.publicKeyHex, challenge: null };
  if (challengeFirst) {
    const first = prepareBallot(election, credential, outcomes);
    out.challenge = first.challenge();
    out.challenge_tracking_code = first.trackingCode;
    out.opened = openChallenge(election, out.challenge).choices;
    if (openChallenge(election, out.challenge).trackingCode !== first.trackingCode) {
      throw new Error('the opened challenge has another tracking code');
    }
  }
  const ballot = prepareBallot(election, credential, outcomes);
  out.ballot = ballot.cast();
  out.tracking_code = ballot.trackingCode;
  return out;
});
const refused = (input.invalid ?? []).map(({ code, outcomes }) => {
  try {
    prepareBallot(election, credentialFromCode(election.id, code), outcomes);
    return null;
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
});
function forge({ code, row: forgedRow, value }) {
  const credential = credentialFromCode(election.id, code);
  const { packing, jointKey, contextHash } = election;
  const ballotId = randomBytes(16);
  const rows = election.candidates.map((_, index) => {
    let allowed = packing.allowed();
    let vector = packing.encode(1);
    if (index === forgedRow) {
      vector = packing.encode(0).map((v, lane) => (lane === 0 ? BigInt(value) : v));
      allowed = [...allowed.slice(0, -1), vector];
    }
    const nonces = vector.map(() => randomScalar());
    const ciphertexts = vector.map((v, lane) => encryptWithNonce(jointKey, v, nonces[lane]));
    const proof = proveMembership(jointKey, ciphertexts, vector, nonces, allowed, {
      tag: TAGS.BALLOT_ROW_PROOF,
      context: [contextHash, credential.publicKey, ballotId, index],
    });
    return { ciphertexts, proof };
  });
  const digest = hash(TAGS.BALLOT_SIGNATURE, ballotHash(contextHash, ballotId, credential.publicKey, rows));
  return new PreparedBallot(election, ballotId, credential.publicKey, rows, credential.sign(digest), [], []).toJSON();
}

process.stdout.write(
  JSON.stringify({
    context_hash: election.contextHashHex,
    credential_list_hash: toHex(election.credentialListHash),
    fingerprint: election.fingerprint,
    prepared,
    refused,
    forged: (input.forged ?? []).map(forge),
  }),
);

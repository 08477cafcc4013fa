// Prepare ballots and challenges with the JavaScript ballot library, for the Python
// cross-implementation tests (tests/test_js_cross.py). Reads JSON on standard input:
//   {"entries": [{"kind", "payload"}, ...] (the board's log up to `open`),
//    "ballots": [{"code", "outcomes", "challenge_first": bool}],
//    "invalid": [{"code", "outcomes"}]}
// and writes JSON on standard output:
//   {"context_hash", "credential_list_hash", "fingerprint",
//    "prepared": [{"public_key", "challenge": {...}|null, "challenge_tracking_code",
//                  "opened": [...], "ballot": {...}, "tracking_code"}],
//    "refused": ["reason", ...]}

import { readFileSync } from 'node:fs';

import {
  credentialFromCode,
  electionFromRecord,
  openChallenge,
  prepareBallot,
} from '../../../votecrypt/web/static/votecrypt.js';
import { toHex } from '../../../votecrypt/web/static/lib/bytes.js';

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
process.stdout.write(
  JSON.stringify({
    context_hash: election.contextHashHex,
    credential_list_hash: toHex(election.credentialListHash),
    fingerprint: election.fingerprint,
    prepared,
    refused,
  }),
);

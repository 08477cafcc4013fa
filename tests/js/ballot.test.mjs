// The ballot side: credential codes, the fingerprint, tracking codes, the election recomputed
// from the published record, and prepared ballots and challenges that check.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { ed25519 } from '../../votecrypt/web/static/vendor/noble-curves/ed25519.js';
import {
  ballotHash,
  ChoiceError,
  CodeError,
  credentialFromCode,
  electionFingerprint,
  electionFromApi,
  electionFromParts,
  formatCode,
  hash,
  normaliseCode,
  openChallenge,
  prepareBallot,
  TAGS,
  trackingCodeOf,
  verifyMembership,
} from '../../votecrypt/web/static/votecrypt.js';
import { fromHex, toHex } from '../../votecrypt/web/static/lib/bytes.js';
import { pointFromHex, scalarValueFromHex } from '../../votecrypt/web/static/lib/group.js';
import { ROOT } from './helpers.mjs';

// Known answers computed with the Python implementation (votecrypt.protocol.credentials):
// election id = SHA-256("election").
const ELECTION_ID = fromHex('4b9e99d2bd5e48d9a569e5f82175d1d2ed59105f8d82a12dc51b673ff12dc1f2');
const CODES = [
  ['T93B6-JZTSR-AE4Z9-KYSBD-B0', '840dee0ce2701429b69cd2f70e7921e097cbd624cf7786799fe7a241e7d74167'],
  ['R4Q5W-QVMHZ-WT2CF-8ZDRH-N2', '32582c456e0006c1e41a3cd4aec9ab00966eac3239b7f9b81c5f3e4a2f4893a3'],
];

test('credentials: codes give the Python keys (RFC 8032 from the spec 9.2 seed)', () => {
  for (const [code, key] of CODES) {
    assert.equal(credentialFromCode(ELECTION_ID, code).publicKeyHex, key);
  }
  const other = new Uint8Array(32);
  assert.notEqual(credentialFromCode(other, CODES[0][0]).publicKeyHex, CODES[0][1]);
});

test('credentials: typing is forgiving, mistakes are caught by the check characters', () => {
  const [code, key] = CODES[0];
  const sloppy = ` ${code.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l')} `;
  assert.equal(normaliseCode(sloppy), normaliseCode(code));
  assert.equal(credentialFromCode(ELECTION_ID, sloppy).publicKeyHex, key);
  assert.equal(formatCode(code.replaceAll('-', '')), code);
  // One character changed: the check characters catch it.
  const typo = (code[0] === 'T' ? 'V' : 'T') + code.slice(1);
  assert.throws(() => normaliseCode(typo), (e) => e instanceof CodeError && e.reason === 'check');
  // Two characters swapped.
  const swapped = code[1] + code[0] + code.slice(2);
  assert.throws(() => normaliseCode(swapped), (e) => e instanceof CodeError && e.reason === 'check');
  assert.throws(() => normaliseCode(code.slice(0, -1)), (e) => e instanceof CodeError && e.reason === 'length');
  assert.throws(() => normaliseCode(`${code}X`), (e) => e instanceof CodeError && e.reason === 'length');
  assert.throws(() => normaliseCode(code.replace('T', 'U')), (e) => e instanceof CodeError && e.reason === 'length');
});

test('fingerprint: 80 bits of the context hash in Crockford base 32 (spec 7.4)', () => {
  assert.equal(electionFingerprint(new Uint8Array(32)), '0000-0000-0000-0000');
  assert.equal(electionFingerprint(new Uint8Array(32).fill(255)), 'ZZZZ-ZZZZ-ZZZZ-ZZZZ');
  const bytes = new Uint8Array(32);
  bytes[9] = 1; // the 80th bit is the last bit of the 16th character
  assert.equal(electionFingerprint(bytes), '0000-0000-0000-0001');
  bytes[10] = 255; // bytes past the tenth do not count
  assert.equal(electionFingerprint(bytes), '0000-0000-0000-0001');
});

test('tracking code: 12 RFC 4648 base-32 characters in groups of four', () => {
  // base64.b32encode(sha256(b"tracking"))[:12] in Python.
  const digest = fromHex('5a95db2aa8e5d0883be7b8968983b8ea67d91f1e7ae5463b97258986a93de1be');
  assert.equal(trackingCodeOf(digest), 'LKK5-WKVI-4XII');
});

function recordEntries() {
  const lines = readFileSync(join(ROOT, 'spec/vectors/election/record/log.jsonl'), 'utf8').trim().split('\n');
  return lines.map((line) => JSON.parse(line));
}

function publishedElection() {
  const entries = recordEntries();
  const payload = (kind) => entries.find((e) => e.kind === kind).payload;
  return {
    entries,
    parts: {
      manifest: payload('manifest'),
      ceremonyOutcome: payload('ceremony-outcome'),
      credentials: payload('credentials'),
    },
    open: payload('open'),
  };
}

test('election: recomputed from the published record, the context hash is the one the board opened with', () => {
  const { parts, open } = publishedElection();
  const election = electionFromParts(parts);
  assert.equal(election.idHex, parts.credentials.election);
  assert.equal(election.contextHashHex, open.election);
  assert.match(election.fingerprint, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  assert.deepEqual(election.outcomes, ['blank', 'high', 'medium', 'low']);
});

test('election: published parts that do not fit together are refused', () => {
  const { parts } = publishedElection();
  const changed = (mutate) => {
    const copy = structuredClone(parts);
    mutate(copy);
    return copy;
  };
  assert.throws(() => electionFromParts(changed((p) => { p.manifest.title += '!'; })), /another manifest/);
  assert.throws(() => electionFromParts(changed((p) => { p.credentials.public_keys = []; })), /wrong length/);
  // Fewer keys than the manifest's bound: fewer members present at the roll call (spec 9.3).
  const fewer = electionFromParts(changed((p) => { p.credentials.public_keys.pop(); }));
  assert.notEqual(fewer.contextHashHex, electionFromParts(parts).contextHashHex);
  assert.throws(() => electionFromParts(changed((p) => { p.credentials.public_keys.reverse(); })), /sorted/);
  assert.throws(() => electionFromParts(changed((p) => { p.ceremonyOutcome.threshold = 3; })), /threshold/);
  assert.throws(() => electionFromParts(changed((p) => { p.ceremonyOutcome.joint_key = '04' + p.ceremonyOutcome.joint_key.slice(2); })));
  const election = electionFromParts(parts);
  const api = {
    manifest: parts.manifest,
    ceremony_outcome: parts.ceremonyOutcome,
    credentials: parts.credentials,
    manifest_hash: election.idHex,
    credential_list_hash: toHex(election.credentialListHash),
    context_hash: election.contextHashHex,
    fingerprint: election.fingerprint,
  };
  assert.equal(electionFromApi(api).contextHashHex, election.contextHashHex);
  // A server that states another context hash or fingerprint than the data give is refused.
  assert.throws(() => electionFromApi({ ...api, context_hash: '00'.repeat(32) }), /context hash/);
  assert.throws(() => electionFromApi({ ...api, fingerprint: '0000-0000-0000-0000' }), /fingerprint/);
  assert.throws(() => electionFromApi({ ...api, manifest_hash: '00'.repeat(32) }), /manifest hash/);
});

function checkBallot(election, body) {
  const rows = body.rows.map((row) => ({
    ciphertexts: row.ciphertexts.map((ct) => ({ alpha: pointFromHex(ct.alpha), beta: pointFromHex(ct.beta) })),
    proof: {
      challenges: row.proof.challenges.map(scalarValueFromHex),
      responses: row.proof.responses.map((b) => b.map(scalarValueFromHex)),
      commitments: row.proof.commitments.map((branch) =>
        branch.map(({ a, b }) => [pointFromHex(a, { allowIdentity: true }), pointFromHex(b, { allowIdentity: true })]),
      ),
    },
  }));
  const ballotId = fromHex(body.ballot_id, 16);
  const credential = fromHex(body.credential, 32);
  const allowed = election.packing.allowed();
  rows.forEach((row, index) => {
    assert.ok(
      verifyMembership(row.proof, election.jointKey, row.ciphertexts, allowed, {
        tag: TAGS.BALLOT_ROW_PROOF,
        context: [election.contextHash, credential, ballotId, index],
      }),
      `row ${index}`,
    );
  });
  const digest = hash(TAGS.BALLOT_SIGNATURE, ballotHash(election.contextHash, ballotId, credential, rows));
  assert.ok(ed25519.verify(fromHex(body.signature, 64), digest, credential));
}

test('ballots: prepared ballots are proven and signed; challenges open to the choices', () => {
  const { parts } = publishedElection();
  const election = electionFromParts(parts);
  const credential = credentialFromCode(election.id, CODES[0][0]);
  for (const outcomes of [[0, 0], [1, 3], [3, 2], [2, 0]]) {
    const prepared = prepareBallot(election, credential, outcomes);
    assert.match(prepared.trackingCode, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
    const body = prepared.toJSON();
    assert.equal(body.election, election.contextHashHex);
    assert.equal(body.credential, credential.publicKeyHex);
    checkBallot(election, body);
    const opening = prepared.challenge();
    assert.deepEqual(Object.keys(opening).sort(), ['ballot_id', 'election', 'rows', 'type', 'version']);
    assert.ok(!JSON.stringify(opening).includes(credential.publicKeyHex), 'a challenge names no credential');
    const opened = openChallenge(election, opening);
    assert.deepEqual(opened.choices, outcomes.map((o) => election.outcomes[o]));
    assert.equal(opened.trackingCode, prepared.trackingCode);
    assert.throws(() => prepared.toJSON(), /never be cast/);
    assert.throws(() => prepared.cast(), /never be cast/);
  }
});

test('ballots: a challenge that does not open to its ciphertexts is refused', () => {
  const { parts } = publishedElection();
  const election = electionFromParts(parts);
  const credential = credentialFromCode(election.id, CODES[1][0]);
  const opening = prepareBallot(election, credential, [1, 2]).challenge();
  const lie = structuredClone(opening);
  lie.rows[0].outcome = 3;
  assert.throws(() => openChallenge(election, lie), /does not encrypt/);
  const otherElection = structuredClone(opening);
  otherElection.election = '00'.repeat(32);
  assert.throws(() => openChallenge(election, otherElection), /another election/);
  const missing = structuredClone(opening);
  missing.rows.pop();
  assert.throws(() => openChallenge(election, missing), /every row/);
});

test('ballots: every ballot has a fresh id and fresh nonces', () => {
  const { parts } = publishedElection();
  const election = electionFromParts(parts);
  const credential = credentialFromCode(election.id, CODES[0][0]);
  const a = prepareBallot(election, credential, [1, 1]).toJSON();
  const b = prepareBallot(election, credential, [1, 1]).toJSON();
  assert.notEqual(a.ballot_id, b.ballot_id);
  assert.notEqual(a.rows[0].ciphertexts[0].alpha, b.rows[0].ciphertexts[0].alpha);
});

test('ballots: invalid choices are refused before anything is encrypted', () => {
  const { parts } = publishedElection();
  const election = electionFromParts(parts);
  const credential = credentialFromCode(election.id, CODES[0][0]);
  for (const outcomes of [[1], [1, 2, 3], [1, 4], [1, -1], [1, 1.5], [1, '1'], null]) {
    assert.throws(() => prepareBallot(election, credential, outcomes), ChoiceError, JSON.stringify(outcomes));
  }
});

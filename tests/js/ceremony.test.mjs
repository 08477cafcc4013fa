// What the booth checks of the setup before it encrypts: the ceremony messages' envelopes and
// transcript hash (spec 8.2, 8.8), the endorsements of the credential list (spec 9.4), and the
// tampered records of spec/vectors/election that a booth must refuse.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { checkCeremony, electionFromApi, electionFromRecord, SetupError } from '../../votecrypt/web/static/votecrypt.js';
import { lateItems, messageDigest } from '../../votecrypt/web/static/lib/ceremony.js';
import { toHex } from '../../votecrypt/web/static/lib/bytes.js';
import { ROOT } from './helpers.mjs';

const CEREMONY = join(ROOT, 'spec/vectors/election/ceremony');
const ELECTION = join(ROOT, 'spec/vectors/election');

function ceremonyVectors(folder = CEREMONY, top = folder) {
  const read = (name) => JSON.parse(readFileSync(join(folder, name), 'utf8'));
  const messages = readdirSync(folder)
    .filter((name) => /^[a-z]+-\d+\.json$/.test(name))
    .map(read);
  const readTop = (name) => JSON.parse(readFileSync(join(top, name), 'utf8'));
  return { parameters: readTop('parameters.json'), outcome: readTop('outcome.json'), messages };
}

function setupEntries(path) {
  const entries = [];
  for (const line of readFileSync(join(ELECTION, path, 'log.jsonl'), 'utf8').trim().split('\n')) {
    const entry = JSON.parse(line);
    entries.push({ kind: entry.kind, payload: entry.payload });
    if (entry.kind === 'open') break;
  }
  return entries;
}

test('ceremony: the 2-of-4 ceremony with complaints gives the published transcript hash', () => {
  const { parameters, outcome, messages } = ceremonyVectors();
  assert.ok(messages.some((m) => m.type === 'votecrypt/ceremony/answer'));
  const keys = checkCeremony(parameters.election, outcome, messages);
  assert.deepEqual([...keys.keys()].sort(), [1, 2, 3, 4]);
});

test('ceremony: the reason vectors give their transcript hash; a decided trustee is not examined', () => {
  // (`open` and `precedence` hold an identity commitment, which the booth refuses outright.)
  for (const folder of ['announce', 'check-answer', 'decide', 'evidence']) {
    const { parameters, outcome, messages } = ceremonyVectors(join(ELECTION, 'ceremony-reasons', folder));
    checkCeremony(parameters.election, outcome, messages);
  }
  // The board went on without trustees 4 and 5: their messages change nothing, even forged.
  const { parameters, outcome, messages } = ceremonyVectors(join(ELECTION, 'ceremony-reasons', 'decide'));
  const forged = structuredClone(messages);
  forged.find((m) => m.type === 'votecrypt/ceremony/open' && m.message.sender === 4).signature = '00'.repeat(64);
  checkCeremony(parameters.election, outcome, forged);
  const without = messages.filter((m) => m.message.sender !== 5 || m.type === 'votecrypt/ceremony/decide');
  checkCeremony(parameters.election, outcome, without);
  // One vote fewer for trustee 4, and its messages count again: another transcript hash.
  const oneVote = messages.filter((m) => !(m.type === 'votecrypt/ceremony/decide' && m.message.sender === 3));
  assert.throws(() => checkCeremony(parameters.election, outcome, oneVote), /transcript hash/);
  const badVote = structuredClone(messages);
  badVote.find((m) => m.type === 'votecrypt/ceremony/decide').message.without = [5, 4];
  assert.throws(() => checkCeremony(parameters.election, outcome, badVote), /increasing order/);
});

test('ceremony: evidence convicts the liar; forged or empty evidence is refused (spec 8.8.1)', () => {
  const { parameters, outcome, messages } = ceremonyVectors(join(ELECTION, 'ceremony-reasons', 'evidence'));
  assert.deepEqual(outcome.disqualified, [{ trustee: 5, reason: 'signed two different check messages' }]);
  checkCeremony(parameters.election, outcome, messages);
  const isEvidence = (m) => m.type === 'votecrypt/ceremony/evidence';
  const evidence = messages.find(isEvidence);
  const others = messages.filter((m) => !isEvidence(m));
  // The directory's copy of trustee 5's check is not examined: either version, or none, gives
  // the same transcript hash.
  for (const version of evidence.messages) {
    const swapped = others.map((m) => (m.type === 'votecrypt/ceremony/check' && m.message.sender === 5 ? version : m));
    checkCeremony(parameters.election, outcome, [...swapped, evidence]);
  }
  checkCeremony(parameters.election, outcome, [...others.filter((m) => m.message.sender !== 5 || m.type === 'votecrypt/ceremony/announce'), evidence]);
  // Without the evidence, trustee 5's check counts: another transcript hash.
  assert.throws(() => checkCeremony(parameters.election, outcome, others), /transcript hash/);
  const forged = structuredClone(evidence);
  forged.messages[1].signature = '00'.repeat(64);
  assert.throws(() => checkCeremony(parameters.election, outcome, [...others, forged]), /did not sign/);
  const swappedOrder = { ...evidence, messages: [...evidence.messages].reverse() };
  assert.throws(() => checkCeremony(parameters.election, outcome, [...others, swappedOrder]), /smaller digest first/);
  const same = { ...evidence, messages: [evidence.messages[0], evidence.messages[0]] };
  assert.throws(() => checkCeremony(parameters.election, outcome, [...others, same]), /smaller digest first/);
  const mixed = { ...evidence, messages: [evidence.messages[0], others.find((m) => m.type === 'votecrypt/ceremony/check' && m.message.sender === 4)] };
  assert.throws(() => checkCeremony(parameters.election, outcome, [...others, mixed]), SetupError);
  assert.throws(() => checkCeremony(parameters.election, outcome, [...others, evidence, evidence]), /two evidence/);
  const unannounced = others.filter((m) => !(m.type === 'votecrypt/ceremony/announce' && m.message.sender === 5));
  assert.throws(() => checkCeremony(parameters.election, outcome, [...unannounced, evidence]), /did not announce/);
});

test('ceremony: evidence against a trustee the board went on without is not examined (spec 8.8.1)', () => {
  const { parameters, outcome, messages } = ceremonyVectors(join(ELECTION, 'ceremony-reasons', 'decide'));
  const commit = messages.find((m) => m.type === 'votecrypt/ceremony/commit' && m.message.sender === 4);
  const other = structuredClone(commit);
  other.message.commitment_hash = '00'.repeat(32); // and the signature no longer matches
  const hex = (m) => toHex(messageDigest('commit', m.message));
  const pair = [commit, other].sort((a, b) => (hex(a) < hex(b) ? -1 : 1));
  const evidence = { type: 'votecrypt/ceremony/evidence', version: 1, messages: pair };
  checkCeremony(parameters.election, outcome, [...messages, evidence]);
  // Against a trustee the board did not go on without, the same forgery is refused.
  const open1 = messages.find((m) => m.type === 'votecrypt/ceremony/open' && m.message.sender === 1);
  const changed = structuredClone(open1);
  changed.message.shares = changed.message.shares.slice(1);
  const pair1 = [open1, changed].sort((a, b) => (toHex(messageDigest('open', a.message)) < toHex(messageDigest('open', b.message)) ? -1 : 1));
  assert.throws(
    () => checkCeremony(parameters.election, outcome, [...messages, { ...evidence, messages: pair1 }]),
    /did not sign/,
  );
});

test('ceremony: late items are named as the vectors say and change nothing (spec 8.8.2)', () => {
  for (const folder of readdirSync(join(ELECTION, 'ceremony-late'))) {
    const path = join(ELECTION, 'ceremony-late', folder);
    const { parameters, outcome, messages } = ceremonyVectors(path);
    const late = ceremonyVectors(join(path, 'late'), path).messages;
    const { late: expected, refused } = JSON.parse(readFileSync(join(path, 'late.json'), 'utf8'));
    if (refused !== undefined) {
      // A late item that is not its sender's (anyone could write it): refused in the same words.
      assert.throws(() => lateItems(parameters.election, parameters.trustees, messages, late), { message: refused });
      continue;
    }
    // The endorsed transcript gives the endorsed outcome; the late items are named.
    checkCeremony(parameters.election, outcome, messages);
    assert.deepEqual(lateItems(parameters.election, parameters.trustees, messages, late), expected);
    // A copy of a message the transcript holds is not late.
    assert.deepEqual(lateItems(parameters.election, parameters.trustees, messages, [...late, messages[0]]), expected);
    // Taken into the transcript, the late item would change the transcript hash.
    const merged = [...messages.filter((m) => !late.some((l) => l.type === m.type && l.message?.sender === m.message.sender)), ...late];
    assert.throws(() => checkCeremony(parameters.election, outcome, merged), /transcript hash/);
    // A late item that is not its sender's is refused.
    const forged = structuredClone(late);
    const target = forged[0].messages ? forged[0].messages[1] : forged[0];
    target.signature = '00'.repeat(64);
    assert.throws(() => lateItems(parameters.election, parameters.trustees, messages, forged), /did not sign|not signed/);
  }
});

test('ceremony: a changed, missing or misfiled message is refused', () => {
  const { parameters, outcome, messages } = ceremonyVectors();
  const changed = structuredClone(messages);
  const check = changed.find((m) => m.type === 'votecrypt/ceremony/check');
  check.message.accepted = [...check.message.accepted].slice(1);
  assert.throws(() => checkCeremony(parameters.election, outcome, changed), SetupError);
  const missing = messages.filter((m) => m.type !== 'votecrypt/ceremony/answer' || m.message.sender !== 2);
  assert.throws(() => checkCeremony(parameters.election, outcome, missing), /transcript hash/);
  const misfiled = structuredClone(messages);
  misfiled.find((m) => m.type === 'votecrypt/ceremony/commit').type = 'votecrypt/ceremony/check';
  assert.throws(() => checkCeremony(parameters.election, outcome, misfiled), SetupError);
  const otherElection = structuredClone(messages);
  otherElection[0].message.election = '00'.repeat(32);
  assert.throws(() => checkCeremony(parameters.election, outcome, otherElection), /another election/);
});

test('record: the published election checks and names its open context', () => {
  const entries = setupEntries('record');
  const election = electionFromRecord(entries);
  assert.equal(election.contextHashHex, entries.at(-1).payload.election);
});

test('record: a list without t valid endorsements by qualified trustees is refused', () => {
  const entries = setupEntries('record');
  const credentials = entries.find((e) => e.kind === 'credentials').payload;
  const threshold = entries.find((e) => e.kind === 'ceremony-outcome').payload.threshold;
  assert.ok(credentials.endorsements.length > threshold);
  const withEndorsements = (endorsements) =>
    entries.map((e) => (e.kind === 'credentials' ? { ...e, payload: { ...credentials, endorsements } } : e));
  // t valid endorsements are enough.
  electionFromRecord(withEndorsements(credentials.endorsements.slice(0, threshold)));
  assert.throws(() => electionFromRecord(withEndorsements([])), /endorsed by 0/);
  assert.throws(() => electionFromRecord(withEndorsements(credentials.endorsements.slice(0, threshold - 1))), /endorsed/);
  // The same trustee twice is refused (one endorsement per trustee, spec 9.3); a forged
  // signature counts for nothing.
  const first = credentials.endorsements[0];
  assert.throws(() => electionFromRecord(withEndorsements(Array(threshold).fill(first))), /one per trustee/);
  const forged = credentials.endorsements.map((e) => ({ ...e, signature: e.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) }));
  assert.throws(() => electionFromRecord(withEndorsements(forged)), /endorsed by 0/);
  // An endorsement in the name of a trustee outside the qualified set counts for nothing.
  const outsider = credentials.endorsements.map((e, i) => ({ ...e, trustee: 9 + i }));
  assert.throws(() => electionFromRecord(withEndorsements(outsider)), /endorsed by 0/);
});

test('record: every tampered setup of the vectors is refused before a ballot is encrypted', () => {
  const tampered = [
    'commitment', 'forged-outcome-first', 'substituted-credentials', 'small-order-credential',
    'invalid-manifest', 'single-outcome-manifest', 'outcome-extra-field', 'reordered-endorsements',
    'forged-evidence',
  ];
  for (const name of tampered) {
    assert.throws(() => electionFromRecord(setupEntries(`tampered/${name}`)), Error, name);
  }
});

test('api: a server stating another manifest than its record is refused', () => {
  const entries = setupEntries('record');
  const election = electionFromRecord(entries);
  const payload = (kind) => entries.find((e) => e.kind === kind).payload;
  const body = {
    manifest: payload('manifest'),
    ceremony_outcome: payload('ceremony-outcome'),
    credentials: payload('credentials'),
    manifest_hash: election.idHex,
    credential_list_hash: toHex(election.credentialListHash),
    context_hash: election.contextHashHex,
    fingerprint: election.fingerprint,
  };
  assert.equal(electionFromApi(body, entries).fingerprint, election.fingerprint);
  const otherManifest = { ...body, manifest: { ...body.manifest, title: 'Another vote' } };
  assert.throws(() => electionFromApi(otherManifest, entries), /another manifest/);
});

// Review of the web booth: a board operator that serves a ceremony outcome of its own making
// (its own joint key, or its own verification keys) with the context hash, the open entry and
// the fingerprint recomputed to fit. Every envelope and endorsement still verifies, since
// neither covers the keys; the booth must refuse before it encrypts (spec 17.1: "an operator
// ... cannot make an honest booth encrypt under its own key (the booth re-derives the
// outcome)").

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { electionFromParts, electionFromRecord } from '../../votecrypt/web/static/votecrypt.js';
import { G, pointHex } from '../../votecrypt/web/static/lib/group.js';
import { ROOT } from './helpers.mjs';

function setupEntries() {
  const entries = [];
  const log = readFileSync(join(ROOT, 'spec/vectors/election/record/log.jsonl'), 'utf8');
  for (const line of log.trim().split('\n')) {
    const entry = JSON.parse(line);
    entries.push({ kind: entry.kind, payload: entry.payload });
    if (entry.kind === 'open') break;
  }
  return entries;
}

/** The record with the outcome replaced, and `open` naming the context the new outcome gives. */
function withOutcome(entries, change) {
  const payload = (kind) => entries.find((e) => e.kind === kind).payload;
  const outcome = structuredClone(payload('ceremony-outcome'));
  change(outcome);
  const context = electionFromParts({
    manifest: payload('manifest'),
    ceremonyOutcome: outcome,
    credentials: payload('credentials'),
  }).contextHashHex;
  return entries.map((e) => {
    if (e.kind === 'ceremony-outcome') return { ...e, payload: outcome };
    if (e.kind === 'open') return { ...e, payload: { ...e.payload, election: context } };
    return e;
  });
}

const operatorKey = pointHex(G.multiply(12345n)); // the operator knows its secret

test('review: a joint key that the qualified openings do not give is refused', () => {
  const entries = setupEntries();
  electionFromRecord(entries); // the honest record checks
  const forged = withOutcome(entries, (o) => {
    o.joint_key = operatorKey;
  });
  assert.throws(() => electionFromRecord(forged), /joint key/);
});

test('review: a verification key that the qualified openings do not give is refused', () => {
  const forged = withOutcome(setupEntries(), (o) => {
    o.verification_keys[0].key = operatorKey;
  });
  assert.throws(() => electionFromRecord(forged), /verification key/);
});

test('review: a qualified set naming a trustee without a checked opening is refused', () => {
  const forged = withOutcome(setupEntries(), (o) => {
    o.qualified = [...o.qualified, o.trustees + 1];
  });
  assert.throws(() => electionFromRecord(forged), /qualified/);
  const short = withOutcome(setupEntries(), (o) => {
    o.qualified = o.qualified.slice(0, o.threshold - 1);
  });
  assert.throws(() => electionFromRecord(short), /qualified/);
});

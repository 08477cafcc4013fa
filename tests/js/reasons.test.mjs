// The booth's words for a refusal (votecrypt/web/static/reasons.js, decision A.33): its own
// Vietnamese and English text for every reason code the API gives, the server's English
// message only in the English text and only for the station's own states, and a text of
// its own for a code it does not know.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { REASONS, describeReason } from '../../votecrypt/web/static/reasons.js';
import { ROOT } from './helpers.mjs';

/** The reason codes the OpenAPI document names for the API's error bodies. */
function apiReasons() {
  const document = JSON.parse(readFileSync(join(ROOT, 'spec/api/openapi.json'), 'utf8'));
  const text = document.components.schemas.Error.properties.error.description;
  // "... of spec 11.3 (malformed, wrong-election, ...) or an HTTP-level one (not-found, ...)."
  return [...text.matchAll(/\(([a-z, -]+)\)/g)].flatMap((m) => m[1].split(', '));
}

test('every reason code of the API has the booth words', () => {
  const codes = apiReasons();
  assert.ok(codes.includes('credential-cancelled') && codes.length >= 19, codes.join(' '));
  for (const code of codes) assert.ok(Object.hasOwn(REASONS, code), code);
});

test('a cancelled slip is not told as an unknown code', () => {
  const [cancelledVi, cancelledEn] = describeReason('credential-cancelled');
  const [unknownVi] = describeReason('unknown-credential');
  assert.notEqual(cancelledVi, unknownVi);
  assert.match(cancelledVi, /huỷ mã này/);
  assert.match(cancelledEn, /cancelled this code/);
});

test('the server message never enters the Vietnamese text', () => {
  const detail = 'the board is away (connection refused)';
  for (const code of [...Object.keys(REASONS), 'a-new-one', 'Bad Code <b>']) {
    const [vi, en] = describeReason(code, detail);
    assert.ok(!vi.includes(detail) && !vi.includes('board'), `${code}: ${vi}`);
    assert.equal(en.includes(detail), code === 'station-not-ready', `${code}: ${en}`);
  }
  // An unknown code: the booth's own words, the code (only if it is a plain code) in English.
  assert.match(describeReason('a-new-one')[1], /\(a-new-one\)/);
  assert.match(describeReason('Bad Code <b>')[1], /\(unknown\)/);
  assert.match(describeReason('constructor')[0], /Máy chủ từ chối/);
});

// The JavaScript Merkle tree, notes, checkpoints, cosignatures and receipts against the same
// vectors as the Python (spec/vectors/transparency, spec 11.5-11.9).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { fromHex, toHex } from '../../votecrypt/web/static/lib/bytes.js';
import {
  boardKeys,
  checkReceipt,
  COSIGNATURE_V1,
  ED25519,
  fromBase64,
  keyId,
  leafHash,
  noteKey,
  openCheckpoint,
  parseNote,
  ReceiptError,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifyNote,
} from '../../votecrypt/web/static/lib/transparency.js';
import { ROOT } from './helpers.mjs';

const folder = join(ROOT, 'spec', 'vectors', 'transparency');
const rfc6962 = JSON.parse(readFileSync(join(folder, 'rfc6962.json'), 'utf8'));
const notes = JSON.parse(readFileSync(join(folder, 'notes.json'), 'utf8'));
const board = notes.board;
// As in tests/test_merkle.py: every hash has 32 bytes here (spec 11.5).
const STRICTER = new Set(['testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json']);

function vkey(text) {
  const [name, id] = text.split('+', 2);
  const material = text.slice(name.length + id.length + 2);
  const raw = fromBase64(material);
  const key = noteKey(name, raw[0], raw.slice(1));
  assert.equal(toHex(key.keyId), id);
  return key;
}

const refuses = (f) => assert.throws(f, (e) => e instanceof ReceiptError || e instanceof Error);

test('RFC 6962: every published inclusion and consistency case', () => {
  const hexes = (list) => list.map((h) => fromHex(h));
  let count = 0;
  for (const [name, c] of Object.entries(rfc6962.inclusion)) {
    const run = () => verifyInclusion(c.leafIdx, c.treeSize, fromHex(c.leafHash), hexes(c.proof), fromHex(c.root));
    if (c.wantErr) assert.throws(run, ReceiptError, name);
    else run();
    count++;
  }
  for (const [name, c] of Object.entries(rfc6962.consistency)) {
    const run = () => verifyConsistency(c.size1, c.size2, fromHex(c.root1), fromHex(c.root2), hexes(c.proof));
    if (c.wantErr || STRICTER.has(name)) assert.throws(run, ReceiptError, name);
    else run();
    count++;
  }
  assert.ok(count >= 190);
});

test('signed notes: the published notes verify, a changed text does not', () => {
  for (const c of notes.published.notes) {
    const note = parseNote(c.note);
    assert.equal(note.text, c.text);
    for (const v of c.verified_by) verifyNote(note, vkey(v));
    const changed = parseNote(c.note.replace(c.text.slice(0, 4), 'XXXX'));
    refuses(() => verifyNote(changed, vkey(c.verified_by[0])));
  }
  for (const c of notes.published.cosignature_vkeys) assert.equal(vkey(c.vkey).type, c.type);
  assert.equal(ED25519, 1);
  assert.equal(COSIGNATURE_V1, 4);
});

test('the board: checkpoints, proofs, cosignatures, refused notes', () => {
  const boardKey = vkey(board.board_vkey);
  assert.equal(toHex(keyId(boardKey.name, ED25519, boardKey.publicKey)), board.board_vkey.split('+', 2)[1]);
  const old = openCheckpoint(board.checkpoint_4, boardKey).checkpoint;
  const { checkpoint, note } = openCheckpoint(board.cosigned_7, boardKey);
  board.inclusion_7.forEach((proof, i) => {
    const leaf = leafHash(fromHex(board.entry_hashes[i]));
    verifyInclusion(i, 7, leaf, proof.map((h) => fromHex(h)), checkpoint.root);
  });
  verifyConsistency(4, 7, old.root, checkpoint.root, board.consistency_4_7.map((h) => fromHex(h)));
  for (const w of board.witnesses) assert.equal(verifyCosignature(note, vkey(w.vkey)), BigInt(w.timestamp));
  for (const c of board.invalid) {
    if (c.forged_witness) {
      const forged = openCheckpoint(c.note, boardKey).note;
      const w = board.witnesses.find((x) => x.name === c.forged_witness);
      assert.throws(() => verifyCosignature(forged, vkey(w.vkey)), ReceiptError, c.reason);
    } else {
      assert.throws(() => openCheckpoint(c.note, boardKey), ReceiptError, c.reason);
    }
  }
});

test('receipts: the vector checks and is confirmed, every changed one fails', () => {
  const keys = { board: vkey(board.board_vkey), witnesses: board.witnesses.map((w) => vkey(w.vkey)) };
  const { receipt, payload, confirmed_by: confirmedBy } = board.receipt;
  const checked = checkReceipt(receipt, payload, keys);
  assert.deepEqual(checked.confirmedBy, confirmedBy);
  assert.equal(checked.size, 7);
  for (const c of board.receipt.invalid) {
    assert.throws(() => checkReceipt(c.receipt, payload, keys), ReceiptError, c.reason);
  }
  assert.throws(() => checkReceipt(undefined, payload, keys), ReceiptError);
  assert.throws(() => checkReceipt(receipt, { ...payload, version: 2 }, keys), ReceiptError);
});

test('receipts: the witnesses confirming a later cosigned checkpoint', async () => {
  const { receiptConfirmations } = await import('../../votecrypt/web/static/lib/transparency.js');
  const keys = { board: vkey(board.board_vkey), witnesses: board.witnesses.map((w) => vkey(w.vkey)) };
  const older = { ...board.receipt.receipt, checkpoint: board.checkpoint_4 };
  assert.deepEqual(receiptConfirmations(older, board.cosigned_7, board.consistency_4_7, keys), board.receipt.confirmed_by);
  const bent = [...board.consistency_4_7];
  bent[0] = '00'.repeat(32);
  assert.throws(() => receiptConfirmations(older, board.cosigned_7, bent, keys), ReceiptError);
  assert.throws(() => receiptConfirmations(board.receipt.receipt, board.checkpoint_4, [], keys), ReceiptError);
});

test('an entry read from a copy of the board: proven in the signed log, or refused', async () => {
  const { checkEntryInLog } = await import('../../votecrypt/web/static/lib/transparency.js');
  const keys = { board: vkey(board.board_vkey), witnesses: board.witnesses.map((w) => vkey(w.vkey)) };
  const { receipt, payload, confirmed_by: confirmedBy } = board.receipt;
  const entry = { seq: receipt.seq, prev: receipt.prev, kind: receipt.kind, payload };
  const checked = checkEntryInLog(entry, receipt.checkpoint, receipt.inclusion, keys);
  assert.deepEqual(checked.confirmedBy, confirmedBy);
  assert.equal(checked.size, 7);
  // Another payload, place, kind or previous hash than the one proven: refused.
  const changed = [
    { ...entry, payload: { ...payload, version: 2 } },
    { ...entry, seq: entry.seq + 1 },
    { ...entry, kind: receipt.kind === 'ballot' ? 'challenge' : 'ballot' },
    { ...entry, prev: '00'.repeat(32) },
  ];
  for (const c of changed) assert.throws(() => checkEntryInLog(c, receipt.checkpoint, receipt.inclusion, keys), ReceiptError);
  // A forged proof, a checkpoint of another size, one signed by another key: refused.
  const forged = [...receipt.inclusion];
  forged[0] = '11'.repeat(32);
  assert.throws(() => checkEntryInLog(entry, receipt.checkpoint, forged, keys), ReceiptError);
  assert.throws(() => checkEntryInLog(entry, board.checkpoint_4, receipt.inclusion, keys), ReceiptError);
  const otherKeys = { ...keys, board: keys.witnesses[0] };
  assert.throws(() => checkEntryInLog(entry, receipt.checkpoint, receipt.inclusion, otherKeys), ReceiptError);
  assert.throws(() => checkEntryInLog(undefined, receipt.checkpoint, receipt.inclusion, keys), ReceiptError);
  assert.throws(() => checkEntryInLog(entry, receipt.checkpoint, 'not a list', keys), ReceiptError);
});

test('the witnessed election record (check 24): the same notes as the Python verifier', () => {
  const election = join(ROOT, 'spec', 'vectors', 'election');
  const read = (path) => readFileSync(join(election, path), 'utf8');
  const manifest = JSON.parse(read('records/witnessed/manifest.json'));
  const open = read('records/witnessed/log.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.kind === 'open');
  const keys = boardKeys(manifest, open.payload.election);
  const cosigners = (text) => {
    const { checkpoint, note } = openCheckpoint(text, keys.board);
    const names = keys.witnesses.filter((w) => note.signatures.some((s) => s.name === w.name));
    for (const w of names) verifyCosignature(note, w);
    return { checkpoint, names: names.map((w) => w.name) };
  };
  assert.deepEqual(cosigners(read('records/witnessed/cosigned/18.txt')).names, ['w1.example', 'w2.example']);
  const final = cosigners(read('records/witnessed/cosigned/25.txt'));
  assert.deepEqual(final.names, ['w1.example', 'w2.example', 'w3.example']);
  assert.equal(final.checkpoint.size, 25);
  // A forged cosignature, and a checkpoint signed by another key, are refused.
  assert.throws(() => cosigners(read('tampered/witnessed-forged-cosignature/cosigned/25.txt')), ReceiptError);
  assert.throws(() => cosigners(read('tampered/witnessed-other-signer/cosigned/25.txt')), ReceiptError);
  // The evidence: two checkpoints the board signed, of one size, with different roots.
  const a = cosigners(read('tampered/witnessed-split-view/evidence/1-a.txt')).checkpoint;
  const b = cosigners(read('tampered/witnessed-split-view/evidence/1-b.txt')).checkpoint;
  assert.equal(a.size, b.size);
  assert.notEqual(toHex(a.root), toHex(b.root));
});

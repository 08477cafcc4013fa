// The board's Merkle tree, signed notes, checkpoints, cosignatures and receipts (spec
// 11.5-11.9), as in votecrypt/record/merkle.py, note.py, checkpoint.py, cosignature.py and
// receipt.py: a booth checks a receipt with these before it says "cast".

import { ed25519 } from '../vendor/noble-curves/ed25519.js';
import { sha256 } from '../vendor/noble-hashes/sha2.js';
import { concat, equalBytes, fromHex, toHex } from './bytes.js';
import { strictEd25519Key } from './ceremony.js';
import { hash, TAGS } from './encoding.js';

/** Why a receipt, a note or a proof was refused; `reason` is a short stable code. */
export class ReceiptError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'ReceiptError';
    this.reason = reason;
  }
}

const fail = (reason, message) => {
  throw new ReceiptError(reason, message);
};

// 11.5 The Merkle tree (RFC 6962; verification as RFC 9162, 2.1.3.2 and 2.1.4.2).

const MAX_PROOF = 64;

export function leafHash(data) {
  return sha256(concat(new Uint8Array([0]), data));
}

export function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

function checkHashes(proof, ...hashes) {
  if (proof.length > MAX_PROOF) fail('proof', `a proof has at most ${MAX_PROOF} hashes`);
  for (const h of [...proof, ...hashes]) if (h.length !== 32) fail('proof', 'every hash has 32 bytes');
}

/** The root an inclusion proof of leaf hash `leaf` at `index` in a tree of `size` leads to. */
export function rootFromInclusion(index, size, leaf, proof) {
  checkHashes(proof, leaf);
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
    fail('proof', `leaf ${index} is not in a tree of ${size} leaves`);
  }
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) fail('proof', 'the inclusion proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) fail('proof', 'the inclusion proof is too short');
  return r;
}

export function verifyInclusion(index, size, leaf, proof, root) {
  if (root.length !== 32 || !equalBytes(rootFromInclusion(index, size, leaf, proof), root)) {
    fail('proof', 'the inclusion proof does not lead to the root');
  }
}

export function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  checkHashes(proof, oldRoot, newRoot);
  if (!(Number.isSafeInteger(oldSize) && Number.isSafeInteger(newSize) && oldSize > 0 && oldSize <= newSize)) {
    fail('proof', `no consistency proof from ${oldSize} to ${newSize} leaves`);
  }
  if (oldSize === newSize) {
    if (proof.length || !equalBytes(oldRoot, newRoot)) fail('proof', 'equal sizes need equal roots, no proof');
    return;
  }
  const path = [...proof];
  const m = BigInt(oldSize);
  if ((m & (m - 1n)) === 0n) path.unshift(oldRoot); // a power of two: the old root is the first node
  if (!path.length) fail('proof', 'the consistency proof is empty');
  let fn = BigInt(oldSize - 1);
  let sn = BigInt(newSize - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) fail('proof', 'the consistency proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !equalBytes(fr, oldRoot) || !equalBytes(sr, newRoot)) {
    fail('proof', 'the consistency proof does not lead to both roots');
  }
}

// 11.6 Signed notes.

export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
const MAX_SIGNATURES = 100;
const MAX_NOTE_BYTES = 64 * 1024;
const DASH = '\u2014 ';
const utf8 = new TextEncoder();

function checkKeyName(name) {
  if (!/^[!-*,-~]{1,255}$/.test(name)) fail('note', `bad key name ${JSON.stringify(name)}`);
}

/** Standard base64 with padding, canonical (it re-encodes to itself). */
export function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) fail('note', 'not base64');
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  if (toBase64(bytes) !== text) fail('note', 'not canonical base64');
  return bytes;
}

export function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

/** SHA-256(name || 0x0A || type || public key)[:4]. */
export function keyId(name, type, publicKey) {
  return sha256(concat(utf8.encode(name), new Uint8Array([10, type]), publicKey)).slice(0, 4);
}

export function noteKey(name, type, publicKey) {
  checkKeyName(name);
  if (!strictEd25519Key(publicKey)) fail('note', 'not a valid Ed25519 key');
  return { name, type, publicKey, keyId: keyId(name, type, publicKey) };
}

function checkText(text) {
  if (!text.endsWith('\n')) fail('note', "a note's text ends in a newline");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) fail('note', 'a note holds no control character but the newline');
}

/** Decode a signed note strictly: {text, signatures: [{name, keyId, signature}]}. */
export function parseNote(whole) {
  if (utf8.encode(whole).length > MAX_NOTE_BYTES) fail('note', 'the note is too long');
  checkText(whole);
  const split = whole.lastIndexOf('\n\n');
  if (split < 0) fail('note', 'no blank line before the signatures');
  const text = whole.slice(0, split + 1);
  const lines = whole.slice(split + 2).split('\n');
  lines.pop();
  if (!lines.length || lines.length > MAX_SIGNATURES) fail('note', 'a note has 1 to 100 signature lines');
  const signatures = lines.map((line) => {
    if (!line.startsWith(DASH)) fail('note', 'a signature line starts with an em dash and a space');
    const fields = line.slice(DASH.length).split(' ');
    if (fields.length !== 2) fail('note', 'a signature line is: em dash, key name, base64');
    checkKeyName(fields[0]);
    const raw = fromBase64(fields[1]);
    if (raw.length < 5) fail('note', 'a signature holds a key ID and a signature');
    return { name: fields[0], keyId: raw.slice(0, 4), signature: raw.slice(4) };
  });
  return { text, signatures };
}

const claims = (note, key) => note.signatures.filter((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));

function verifies(signature, message, publicKey) {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Throws unless the note carries a valid Ed25519 signature of `key` and no bad one. */
export function verifyNote(note, key) {
  const claimed = claims(note, key);
  if (key.type !== ED25519 || !claimed.length) fail('signature', `the note is not signed by ${key.name}`);
  for (const s of claimed) {
    if (!verifies(s.signature, utf8.encode(note.text), key.publicKey)) fail('signature', 'the board signature does not verify');
  }
}

// 11.7 Checkpoints.

export function electionOrigin(contextHashHex) {
  return `votecrypt/election/${contextHashHex}`;
}

export function parseCheckpoint(text) {
  checkText(text);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 3) fail('checkpoint', 'a checkpoint has three lines');
  const [origin, sizeText, rootText] = lines;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    fail('checkpoint', 'a checkpoint size is decimal without leading zeros');
  }
  const root = fromBase64(rootText);
  if (root.length !== 32) fail('checkpoint', 'a root hash has 32 bytes');
  return { origin, size: Number(sizeText), root };
}

/** Decode a signed checkpoint of `boardKey`'s origin and verify the board's signature. */
export function openCheckpoint(text, boardKey) {
  const note = parseNote(text);
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== boardKey.name) fail('checkpoint', 'a checkpoint of another election');
  verifyNote(note, boardKey);
  return { checkpoint, note };
}

// 11.8 Cosignatures.

/** The timestamp of `witness`'s valid cosignature on the note; throws if a claimed one fails. */
export function verifyCosignature(note, witness) {
  const claimed = claims(note, witness);
  if (witness.type !== COSIGNATURE_V1 || !claimed.length) fail('cosignature', `no cosignature of ${witness.name}`);
  let latest = 0n;
  for (const s of claimed) {
    if (s.signature.length !== 72) fail('cosignature', 'a cosignature has 72 bytes');
    const timestamp = new DataView(s.signature.buffer, s.signature.byteOffset).getBigUint64(0);
    if (timestamp > 2n ** 63n - 1n) fail('cosignature', 'timestamp out of range');
    const message = utf8.encode(`cosignature/v1\ntime ${timestamp}\n${note.text}`);
    if (!verifies(s.signature.slice(8), message, witness.publicKey)) {
      fail('cosignature', `the cosignature of ${witness.name} does not verify`);
    }
    if (timestamp > latest) latest = timestamp;
  }
  return latest;
}

// 11.9 Receipts.

/** The board's and the witnesses' keys of an election (the manifest's `board`), or null. */
export function boardKeys(manifest, contextHashHex) {
  const board = manifest.board;
  if (!board) return null;
  return {
    board: noteKey(electionOrigin(contextHashHex), ED25519, fromHex(board.key, 32)),
    witnesses: board.witnesses.map((w) => noteKey(w.name, COSIGNATURE_V1, fromHex(w.key, 32))),
    needed: board.witnesses_needed,
  };
}

/**
 * Check a signed receipt against the payload submitted (spec 11.9): the entry is this payload
 * at this position, it is in the checkpoint's tree, the board signed the checkpoint. Returns
 * {size, confirmedBy: [witness names]}; throws ReceiptError otherwise.
 */
export function checkReceipt(receipt, payload, keys) {
  if (!receipt || receipt.type !== 'votecrypt/receipt' || receipt.version !== 1) fail('receipt', 'no signed receipt');
  if (!['ballot', 'challenge'].includes(receipt.kind) || !Number.isSafeInteger(receipt.seq) || receipt.seq < 0) {
    fail('receipt', 'malformed receipt');
  }
  if (!Array.isArray(receipt.inclusion) || typeof receipt.checkpoint !== 'string') fail('receipt', 'malformed receipt');
  let entryHash;
  try {
    entryHash = fromHex(receipt.entry_hash, 32);
    fromHex(receipt.prev, 32);
    receipt.inclusion.forEach((h) => fromHex(h, 32));
  } catch {
    fail('receipt', 'malformed receipt');
  }
  const entry = { seq: receipt.seq, prev: receipt.prev, kind: receipt.kind, payload };
  if (!equalBytes(entryHashOf(entry, 'receipt'), entryHash)) fail('entry', 'the receipt is not for the entry submitted');
  return checkEntryInLog(entry, receipt.checkpoint, receipt.inclusion, keys);
}

/** H(BOARD_ENTRY, seq, prev, kind, payload) of an entry (spec 11.2). */
function entryHashOf(entry, what) {
  let prev;
  try {
    prev = fromHex(entry.prev, 32);
  } catch {
    fail(what, `malformed ${what}`);
  }
  return hash(TAGS.BOARD_ENTRY, entry.seq, prev, entry.kind, entry.payload);
}

/**
 * Check that an entry read from a board or a mirror is in the board's signed log (spec 11.5,
 * 11.7, 11.8, 11.12): `entry` is {seq, prev, kind, payload} as the record gives it (its hash
 * is recomputed here, never read), `checkpointText` a checkpoint of size > seq signed with the
 * manifest's board key (and cosigned by witnesses, perhaps), `proof` the entry's inclusion
 * proof in its tree (hex). Returns {size, confirmedBy: [names of the named witnesses whose
 * cosignature verifies]}; throws ReceiptError otherwise.
 */
export function checkEntryInLog(entry, checkpointText, proof, keys) {
  if (!entry || !Number.isSafeInteger(entry.seq) || entry.seq < 0 || typeof entry.kind !== 'string') {
    fail('entry', 'malformed entry');
  }
  if (!Array.isArray(proof) || typeof checkpointText !== 'string') fail('proof', 'malformed proof');
  const leaf = leafHash(entryHashOf(entry, 'entry'));
  let hashes;
  try {
    hashes = proof.map((h) => fromHex(h, 32));
  } catch {
    fail('proof', 'malformed proof');
  }
  const { checkpoint, note } = openCheckpoint(checkpointText, keys.board);
  verifyInclusion(entry.seq, checkpoint.size, leaf, hashes, checkpoint.root);
  const confirmedBy = [];
  for (const witness of keys.witnesses) {
    if (claims(note, witness).length) {
      verifyCosignature(note, witness);
      confirmedBy.push(witness.name);
    }
  }
  return { size: checkpoint.size, confirmedBy };
}

/**
 * The witnesses confirming a checked receipt (spec 11.9, 11.10): `cosignedText` is a
 * checkpoint the board signed and witnesses cosigned, of size >= the receipt's; `proof` the
 * consistency proof (hex) from the receipt's checkpoint to it (empty for the same size).
 * Returns the names of the named witnesses whose cosignature verifies; throws ReceiptError if
 * the cosigned checkpoint is not the board's or does not extend the receipt's.
 */
export function receiptConfirmations(receipt, cosignedText, proof, keys) {
  const { checkpoint: old } = openCheckpoint(receipt.checkpoint, keys.board);
  const { checkpoint, note } = openCheckpoint(cosignedText, keys.board);
  verifyConsistency(old.size, checkpoint.size, old.root, checkpoint.root, proof.map((h) => fromHex(h, 32)));
  const names = [];
  for (const witness of keys.witnesses) {
    if (claims(note, witness).length) {
      verifyCosignature(note, witness);
      names.push(witness.name);
    }
  }
  return names;
}

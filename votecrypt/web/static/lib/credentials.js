// Voting credentials (spec 9.2), as votecrypt/protocol/credentials.py: a typed code is
// normalised, its check characters checked, and its Ed25519 key derived from the election id.

import { ed25519 } from '../vendor/noble-curves/ed25519.js';
import { CROCKFORD, grouped, toHex } from './bytes.js';
import { hash, TAGS } from './encoding.js';

const DATA_CHARACTERS = 20;
const CHECK_CHARACTERS = 2;
const READ_ALIKE = { O: '0', I: '1', L: '1' };

/** Why a typed code is refused: 'length' (not 22 letters and digits) or 'check' (mistyped). */
export class CodeError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'CodeError';
    this.reason = reason;
  }
}

// The check characters (spec 9.2): the 22 characters are a Reed-Solomon code word over
// GF(32) = GF(2)[x] / (x^5 + x^2 + 1), alpha = x (the value 2): character i (its index in the
// alphabet) has weights alpha^(21 - i) and alpha^(2 (21 - i)), and both sums are zero. So every
// wrong character and every swap of two neighbours is caught.
const EXP = [];
for (let value = 1, i = 0; i < 31; i++) {
  EXP.push(value);
  value <<= 1;
  if (value & 0b100000) value ^= 0b100101;
}
const LOG = new Map(EXP.map((value, power) => [value, power]));

function times(a, b) {
  return a === 0 || b === 0 ? 0 : EXP[(LOG.get(a) + LOG.get(b)) % 31];
}

function checkCharacters(data) {
  let a = 0;
  let b = 0;
  [...data].forEach((character, position) => {
    const value = CROCKFORD.indexOf(character);
    const power = DATA_CHARACTERS + CHECK_CHARACTERS - 1 - position;
    a ^= times(value, EXP[power % 31]);
    b ^= times(value, EXP[(2 * power) % 31]);
  });
  // Solve c20 * alpha + c21 = a and c20 * alpha^2 + c21 = b (addition is XOR).
  const c20 = times(a ^ b, EXP[(31 - LOG.get(EXP[1] ^ EXP[2])) % 31]);
  const c21 = a ^ times(c20, EXP[1]);
  return CROCKFORD[c20] + CROCKFORD[c21];
}

/**
 * The 20 data characters of a typed code: upper-cased, spaces and hyphens removed, O/I/L read
 * as 0/1/1; throws CodeError when it is not 22 characters of the alphabet or its check
 * characters do not match.
 */
export function normaliseCode(code) {
  const characters = [...String(code).toUpperCase()]
    .filter((c) => c !== ' ' && c !== '-')
    .map((c) => READ_ALIKE[c] ?? c)
    .join('');
  if (characters.length !== DATA_CHARACTERS + CHECK_CHARACTERS || [...characters].some((c) => !CROCKFORD.includes(c))) {
    throw new CodeError('length', 'a credential code has 22 letters and digits');
  }
  const data = characters.slice(0, DATA_CHARACTERS);
  if (checkCharacters(data) !== characters.slice(DATA_CHARACTERS)) {
    throw new CodeError('check', 'the credential code is mistyped (its check characters do not match)');
  }
  return data;
}

/** The code in its printed form, groups of five: K7QX2-M9D3F-1ABCD-EFGHJ-KM. */
export function formatCode(code) {
  const data = normaliseCode(code);
  return grouped(data + checkCharacters(data), 5);
}

/**
 * The credential of `code` for the election whose id (manifest hash, 32 bytes) is `electionId`:
 * {publicKey: Uint8Array(32), publicKeyHex, sign(digest)}. The seed never leaves the object.
 */
export function credentialFromCode(electionId, code) {
  const data = normaliseCode(code);
  const seed = hash(TAGS.CREDENTIAL_CODE, electionId, data);
  const publicKey = ed25519.getPublicKey(seed);
  return Object.freeze({
    publicKey,
    publicKeyHex: toHex(publicKey),
    sign: (digest) => ed25519.sign(digest, seed),
  });
}

/** A new random code (for tests and demonstrations; the board issues the real ones). */
export function newCode(randomIndex) {
  let data = '';
  for (let i = 0; i < DATA_CHARACTERS; i++) data += CROCKFORD[randomIndex(32)];
  return grouped(data + checkCharacters(data), 5);
}

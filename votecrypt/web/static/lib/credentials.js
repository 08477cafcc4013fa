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

function checkCharacters(data) {
  const digest = hash(TAGS.CREDENTIAL_CODE, 'check', data);
  return CROCKFORD[digest[0] % 32] + CROCKFORD[digest[1] % 32];
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

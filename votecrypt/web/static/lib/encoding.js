// The typed canonical encoding (spec 3.1), the hash H (spec 3.2), challenges (spec 3.3) and the
// domain tags (spec 3.4), as in votecrypt/math/encoding.py, hashing.py and tags.py.

import { sha256 } from '../vendor/noble-hashes/sha2.js';
import { bigintToBytes, bytesToBigint, concat } from './bytes.js';
import { N, Point, pointToBytes } from './group.js';

/** Domain tags used by the ballot side (spec 3.4). */
/** The domain tags of spec 3.4 (the same names as votecrypt/math/tags.py). */
export const TAGS = Object.freeze({
  CEREMONY_COEFFICIENT_PROOF: 'votecrypt/1/ceremony-coefficient-proof',
  BALLOT_ROW_PROOF: 'votecrypt/1/ballot-row-proof',
  DECRYPTION_SHARE_PROOF: 'votecrypt/1/decryption-share-proof',
  MANIFEST: 'votecrypt/1/manifest',
  BOOTH: 'votecrypt/1/booth',
  ELECTION_CONTEXT: 'votecrypt/1/election-context',
  CEREMONY_COMMITMENT: 'votecrypt/1/ceremony-commitment',
  CEREMONY_MESSAGE: 'votecrypt/1/ceremony-message',
  CEREMONY_SHARE_KEY: 'votecrypt/1/ceremony-share-key',
  CEREMONY_TRANSCRIPT: 'votecrypt/1/ceremony-transcript',
  CREDENTIAL_CODE: 'votecrypt/1/credential-code',
  CREDENTIAL_LIST: 'votecrypt/1/credential-list',
  CREDENTIAL_ENDORSEMENT: 'votecrypt/1/credential-endorsement',
  BALLOT: 'votecrypt/1/ballot',
  BALLOT_SIGNATURE: 'votecrypt/1/ballot-signature',
  BALLOT_TRACKING: 'votecrypt/1/ballot-tracking',
  BOARD_ENTRY: 'votecrypt/1/board-entry',
  SECRET_FILE: 'votecrypt/1/secret-file',
  TEST_SCHNORR: 'votecrypt/1/test/schnorr',
  TEST_CHAUM_PEDERSEN: 'votecrypt/1/test/chaum-pedersen',
  TEST_MEMBERSHIP: 'votecrypt/1/test/set-membership',
});

/** A scalar (spec 2.2): encoded with type 04 as 32 bytes, unlike an integer. */
export class Scalar {
  constructor(value) {
    if (typeof value !== 'bigint' || value < 0n || value >= N) {
      throw new Error('a scalar is an integer in [0, n)');
    }
    this.value = value;
    Object.freeze(this);
  }

  static fromBytes(bytes) {
    if (bytes.length !== 32) throw new Error('a scalar is 32 bytes');
    return new Scalar(bytesToBigint(bytes));
  }

  toBytes() {
    return bigintToBytes(this.value, 32);
  }
}

const T_BYTES = 1;
const T_TEXT = 2;
const T_UINT = 3;
const T_SCALAR = 4;
const T_POINT = 5;
const T_LIST = 6;
const T_MAP = 7;
const T_BOOL = 8;
const T_NULL = 9;

const utf8 = new TextEncoder();

function frame(type, body) {
  const out = new Uint8Array(9 + body.length);
  out[0] = type;
  new DataView(out.buffer).setBigUint64(1, BigInt(body.length));
  out.set(body, 9);
  return out;
}

/** UTF-8 of the NFC form: Vietnamese text has several byte forms, hashes see only this one. */
export function nfcBytes(text) {
  return utf8.encode(text.normalize('NFC'));
}

function uintBody(value) {
  const big = BigInt(value);
  if (big < 0n) throw new Error('only non-negative integers have a canonical encoding');
  let length = 0;
  for (let v = big; v > 0n; v >>= 8n) length++;
  return bigintToBytes(big, length);
}

function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * encode(x) (spec 3.1). Uint8Array: bytes; string: text; bigint or safe non-negative integer
 * number: integer; Scalar: scalar; Point: point; Array: list; boolean; null; plain object: map.
 */
export function encode(value) {
  if (value instanceof Uint8Array) return frame(T_BYTES, value);
  if (typeof value === 'string') return frame(T_TEXT, nfcBytes(value));
  if (typeof value === 'boolean') return frame(T_BOOL, new Uint8Array([value ? 1 : 0]));
  if (value === null) return frame(T_NULL, new Uint8Array(0));
  if (typeof value === 'bigint') return frame(T_UINT, uintBody(value));
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('numbers must be safe integers');
    return frame(T_UINT, uintBody(value));
  }
  if (value instanceof Scalar) return frame(T_SCALAR, value.toBytes());
  if (value instanceof Point) return frame(T_POINT, pointToBytes(value));
  if (Array.isArray(value)) return frame(T_LIST, concat(...value.map(encode)));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const pairs = Object.entries(value).map(([key, item]) => [nfcBytes(key), encode(item)]);
    pairs.sort((a, b) => compareBytes(a[0], b[0]));
    for (let i = 1; i < pairs.length; i++) {
      if (compareBytes(pairs[i - 1][0], pairs[i][0]) === 0) {
        throw new Error('map keys collide after NFC normalisation');
      }
    }
    return frame(T_MAP, concat(...pairs.flatMap(([key, item]) => [frame(T_TEXT, key), item])));
  }
  throw new Error('this value has no canonical encoding');
}

/** H(tag, items...) = SHA-256(encode(tag) || encode(item)...) (spec 3.2): 32 bytes. */
export function hash(tag, ...items) {
  if (!Object.values(TAGS).includes(tag)) throw new Error(`unknown domain tag ${tag}`);
  const hasher = sha256.create();
  hasher.update(encode(tag));
  for (const item of items) hasher.update(encode(item));
  return hasher.digest();
}

/** H(tag, items...) as a Fiat-Shamir challenge: big-endian integer mod n (spec 3.3). */
export function challenge(tag, ...items) {
  return new Scalar(bytesToBigint(hash(tag, ...items)) % N);
}

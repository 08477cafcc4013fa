// secp256k1 (spec 2): strict point and scalar encodings, random scalars, exponential ElGamal
// (spec 4). Multiplications by secrets use @noble/curves' constant-time `multiply`.

import { secp256k1 } from '../vendor/noble-curves/secp256k1.js';
import { bigintToBytes, bytesToBigint, fromHex, randomBytes, toHex } from './bytes.js';

export const Point = secp256k1.Point;
export const G = Point.BASE;
export const IDENTITY = Point.ZERO;
/** The group order n (spec 2.1). */
export const N = Point.CURVE().n;
const P = Point.CURVE().p;

/** The 33-byte encoding of spec 2.3 (compressed; the identity is 33 zero bytes). */
export function pointToBytes(point) {
  if (point.is0()) return new Uint8Array(33);
  return point.toBytes(true);
}

export function pointHex(point) {
  return toHex(pointToBytes(point));
}

/**
 * Strict decoding (spec 2.3): 33 bytes, prefix 02 or 03, x < p on the curve; the identity
 * (33 zero bytes) only when `allowIdentity`.
 */
export function pointFromBytes(bytes, { allowIdentity = false } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 33) throw new Error('a point is 33 bytes');
  if (bytes.every((b) => b === 0)) {
    if (!allowIdentity) throw new Error('the identity is not allowed here');
    return IDENTITY;
  }
  if (bytes[0] !== 2 && bytes[0] !== 3) throw new Error('a point starts with 02 or 03');
  if (bytesToBigint(bytes.subarray(1)) >= P) throw new Error('x is not reduced modulo p');
  let point;
  try {
    point = Point.fromBytes(bytes);
    point.assertValidity();
  } catch {
    throw new Error('x is not the x-coordinate of a curve point');
  }
  return point;
}

export function pointFromHex(text, options) {
  return pointFromBytes(fromHex(text, 33), options);
}

/** Strict scalar decoding: 32 bytes, value < n. */
export function scalarValueFromHex(text) {
  const value = bytesToBigint(fromHex(text, 32));
  if (value >= N) throw new Error('a scalar must be below n');
  return value;
}

export function scalarHex(value) {
  return toHex(bigintToBytes(value, 32));
}

export function mod(value) {
  const r = value % N;
  return r < 0n ? r + N : r;
}

/** A uniformly random scalar in [1, n) by rejection sampling (spec 2.2), like
 * votecrypt.math.randomness.random_below(n - 1) + 1. */
export function randomScalar() {
  const bound = N - 1n;
  const size = 40; // 32 bytes + 64 extra bits: rejection is rare
  const limit = ((1n << BigInt(8 * size)) / bound) * bound;
  for (;;) {
    const value = bytesToBigint(randomBytes(size));
    if (value < limit) return (value % bound) + 1n;
  }
}

/** k*P in constant time (0 gives the identity; `multiply` itself refuses 0). */
export function multiply(point, k) {
  const scalar = mod(k);
  if (scalar === 0n || point.is0()) return IDENTITY;
  return point.multiply(scalar);
}

/** A uniformly random integer in [0, bound) (for shuffling). */
export function randomBelow(bound) {
  const limit = Math.floor(2 ** 32 / bound) * bound;
  for (;;) {
    const word = new DataView(randomBytes(4).buffer).getUint32(0);
    if (word < limit) return word % bound;
  }
}

/** m*G for small public plaintexts, cached (the values of an election's outcome vectors). */
const plaintextPoints = new Map();
export function plaintextPoint(m) {
  const key = BigInt(m);
  let point = plaintextPoints.get(key);
  if (point === undefined) {
    point = multiply(G, key);
    plaintextPoints.set(key, point);
  }
  return point;
}

/** Exponential ElGamal with a given nonce (spec 4.2): (r*G, m*G + r*K). */
export function encryptWithNonce(publicKey, m, nonce) {
  return { alpha: multiply(G, nonce), beta: plaintextPoint(m).add(multiply(publicKey, nonce)) };
}

/** A copy of `point` with a window table for repeated multiplications (the joint key). */
export function withTable(point) {
  const copy = Point.fromBytes(pointToBytes(point));
  copy.precompute(8, false);
  return copy;
}

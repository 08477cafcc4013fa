// Shared helpers of the JavaScript tests: the vectors of spec/vectors/core and typed values.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Scalar } from '../../votecrypt/web/static/lib/encoding.js';
import { fromHex } from '../../votecrypt/web/static/lib/bytes.js';
import { N, pointFromHex } from '../../votecrypt/web/static/lib/group.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function vectors(name) {
  return JSON.parse(readFileSync(join(ROOT, 'spec', 'vectors', 'core', `${name}.json`), 'utf8'));
}

/** A value described as in spec/vectors/README.md, as the JavaScript encoder takes it. */
export function typed(described) {
  switch (described.type) {
    case 'bytes':
      return fromHex(described.hex);
    case 'text':
      return described.text;
    case 'integer':
      return BigInt(described.int);
    case 'scalar':
      return Scalar.fromBytes(fromHex(described.hex, 32));
    case 'point':
      return pointFromHex(described.hex, { allowIdentity: true });
    case 'boolean':
      return described.bool;
    case 'null':
      return null;
    case 'list':
      return described.items.map(typed);
    case 'map':
      return Object.fromEntries(Object.entries(described.entries).map(([k, v]) => [k, typed(v)]));
    default:
      throw new Error(`unknown type ${described.type}`);
  }
}

/** The generator's derived(label): SHA-256("votecrypt-vectors/" || label) mod (n - 1) + 1. */
export function derived(label) {
  const digest = createHash('sha256').update(`votecrypt-vectors/${label}`).digest('hex');
  return (BigInt(`0x${digest}`) % (N - 1n)) + 1n;
}

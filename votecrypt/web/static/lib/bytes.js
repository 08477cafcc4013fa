// Byte strings, hex and the two base-32 alphabets of the protocol (spec 9.2, 10.5, 7.4).

const HEX = '0123456789abcdef';
/** RFC 4648 base 32 (tracking codes, spec 10.5). */
export const RFC4648 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Crockford's base 32 (credential codes, spec 9.2; election fingerprints, spec 7.4). */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4] + HEX[b & 15];
  return out;
}

/** Strict lower-case hex of exactly `length` bytes (when given), as the record writes it. */
export function fromHex(text, length) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new Error('expected lower-case hex');
  }
  if (length !== undefined && text.length !== 2 * length) {
    throw new Error(`expected ${length} bytes of hex`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concat(...parts) {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function bytesToBigint(bytes) {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

export function bigintToBytes(value, length) {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  if (value !== 0n) throw new Error('value too large');
  return out;
}

/** The first `count` characters of `bytes` written 5 bits at a time, most significant first. */
export function base32(bytes, alphabet, count) {
  let bits = 0;
  let buffer = 0;
  let out = '';
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < count) {
      out += alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length >= count) break;
  }
  if (out.length < count) throw new Error('not enough bytes');
  return out;
}

/** `text` in groups of `size` characters joined by '-'. */
export function grouped(text, size) {
  const groups = [];
  for (let i = 0; i < text.length; i += size) groups.push(text.slice(i, i + size));
  return groups.join('-');
}

/** `count` bytes from the platform's cryptographic generator (the only source of randomness). */
export function randomBytes(count) {
  const out = new Uint8Array(count);
  globalThis.crypto.getRandomValues(out);
  return out;
}

// The JavaScript ballot side against the known-answer vectors of spec/vectors/core, byte for
// byte: encoding, hashing, ElGamal, set-membership proofs (reproduced and verified), packing.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fromHex, toHex } from '../../votecrypt/web/static/lib/bytes.js';
import { challenge, encode, hash } from '../../votecrypt/web/static/lib/encoding.js';
import {
  encryptWithNonce,
  G,
  multiply,
  pointFromHex,
  pointHex,
  scalarHex,
  scalarValueFromHex,
} from '../../votecrypt/web/static/lib/group.js';
import { proveMembership, verifyMembership } from '../../votecrypt/web/static/lib/membership.js';
import { DECODE_BUDGET, MAX_LANE_PLAINTEXT, Packing } from '../../votecrypt/web/static/lib/packing.js';
import { derived, typed, vectors } from './helpers.mjs';

test('encoding: multiples of G, typed values (NFD text as NFC), strict decoding', () => {
  const v = vectors('encoding');
  assert.equal(pointHex(G), v.generator);
  assert.equal(toHex(encode(pointFromHex(v.identity, { allowIdentity: true }))).slice(18), v.identity);
  for (const { k, point } of v.multiples) {
    assert.equal(pointHex(multiply(G, scalarValueFromHex(k))), point);
  }
  assert.ok(v.typed.length >= 13);
  for (const { value, encoding } of v.typed) {
    assert.equal(toHex(encode(typed(value))), encoding, JSON.stringify(value));
  }
  for (const { hex, error } of v.invalid_points) {
    assert.throws(() => pointFromBytesStrict(hex), Error, error);
  }
  for (const { hex, error } of v.invalid_scalars) {
    assert.throws(() => scalarValueFromHex(hex), Error, error);
  }
});

function pointFromBytesStrict(hex) {
  return pointFromHex(hex);
}

test('encoding: no encoding for negative, fractional or colliding values', () => {
  assert.throws(() => encode(-1));
  assert.throws(() => encode(1.5));
  assert.throws(() => encode(undefined));
  assert.throws(() => encode(new Map()));
  // "é" precomposed and decomposed are the same key after NFC.
  assert.throws(() => encode({ '\u00e9': 1, 'e\u0301': 2 }));
});

test('hashing: H(tag, inputs) and challenges', () => {
  const v = vectors('hashing');
  assert.ok(v.cases.length >= 12);
  for (const c of v.cases) {
    const inputs = c.inputs.map(typed);
    assert.equal(toHex(hash(c.tag, ...inputs)), c.hash, c.description);
    assert.equal(scalarHex(challenge(c.tag, ...inputs).value), c.challenge, c.description);
  }
  assert.throws(() => hash('votecrypt/1/no-such-tag'));
});

test('elgamal: encryptions with given nonces, the sum, a partial decryption', () => {
  const v = vectors('elgamal');
  const key = pointFromHex(v.public_key);
  assert.equal(pointHex(multiply(G, scalarValueFromHex(v.secret_key))), v.public_key);
  let sumAlpha = null;
  let sumBeta = null;
  for (const e of v.encryptions) {
    const ct = encryptWithNonce(key, BigInt(e.m), scalarValueFromHex(e.nonce));
    assert.equal(pointHex(ct.alpha), e.ciphertext.alpha);
    assert.equal(pointHex(ct.beta), e.ciphertext.beta);
    sumAlpha = sumAlpha ? sumAlpha.add(ct.alpha) : ct.alpha;
    sumBeta = sumBeta ? sumBeta.add(ct.beta) : ct.beta;
  }
  assert.equal(pointHex(sumAlpha), v.sum.ciphertext.alpha);
  assert.equal(pointHex(sumBeta), v.sum.ciphertext.beta);
  assert.equal(pointHex(multiply(G, BigInt(v.sum.m))), v.sum.m_times_G);
  const secret = scalarValueFromHex(v.secret_key);
  assert.equal(pointHex(sumBeta.subtract(multiply(sumAlpha, secret))), v.sum.m_times_G);
  const partial = v.partial_decryption;
  assert.equal(pointHex(multiply(pointFromHex(partial.alpha), scalarValueFromHex(partial.share))), partial.value);
});

function membershipCase(c) {
  return {
    key: pointFromHex(c.public_key),
    ciphertexts: c.ciphertexts.map((ct) => ({ alpha: pointFromHex(ct.alpha), beta: pointFromHex(ct.beta) })),
    allowed: c.allowed.map((vector) => vector.map(BigInt)),
    context: c.context.map(typed),
    proof: {
      challenges: c.proof.challenges.map(scalarValueFromHex),
      responses: c.proof.responses.map((branch) => branch.map(scalarValueFromHex)),
      commitments: c.proof.commitments.map((branch) =>
        branch.map(({ a, b }) => [pointFromHex(a, { allowIdentity: true }), pointFromHex(b, { allowIdentity: true })]),
      ),
    },
  };
}

test('membership: every valid proof is reproduced byte for byte and verifies', () => {
  const v = vectors('membership');
  assert.equal(v.valid.length, 7);
  for (const c of v.valid) {
    const { key, ciphertexts, allowed, context, proof } = membershipCase(c);
    const lanes = ciphertexts.length;
    const nonces = c.nonces.map(scalarValueFromHex);
    // The ciphertexts are the encryptions of the true branch's vector with the nonces.
    allowed[c.true_branch].forEach((value, lane) => {
      const ct = encryptWithNonce(key, value, nonces[lane]);
      assert.ok(ct.alpha.equals(ciphertexts[lane].alpha) && ct.beta.equals(ciphertexts[lane].beta));
    });
    const label = c.label;
    const randomness = {
      commitmentNonces: Array.from({ length: lanes }, (_, l) => derived(`membership/${label}/w/${l}`)),
      fakeChallenges: allowed.map((_, j) => derived(`membership/${label}/c/${j}`)),
      fakeResponses: allowed.map((_, j) =>
        Array.from({ length: lanes }, (_, l) => derived(`membership/${label}/z/${j}/${l}`)),
      ),
    };
    assert.equal(pointHex(multiply(G, derived('membership/key'))), c.public_key);
    const made = proveMembership(key, ciphertexts, allowed[c.true_branch], nonces, allowed, {
      tag: v.tag,
      context,
      randomness,
    });
    assert.deepEqual(made.challenges.map(scalarHex), c.proof.challenges, label);
    assert.deepEqual(made.responses.map((b) => b.map(scalarHex)), c.proof.responses, label);
    assert.deepEqual(
      made.commitments.map((branch) => branch.map(([a, b]) => ({ a: pointHex(a), b: pointHex(b) }))),
      c.proof.commitments,
      label,
    );
    assert.ok(verifyMembership(proof, key, ciphertexts, allowed, { tag: v.tag, context }), label);
  }
});

test('membership: every tampered proof is refused', () => {
  const v = vectors('membership');
  assert.equal(v.invalid.length, 9);
  for (const c of v.invalid) {
    const { key, ciphertexts, allowed, context, proof } = membershipCase(c);
    let accepted;
    try {
      accepted = verifyMembership(proof, key, ciphertexts, allowed, { tag: v.tag, context });
    } catch {
      accepted = false;
    }
    assert.equal(accepted, false, c.change);
  }
});

test('membership: the batch vector names the same proof one by one (spec 5.7)', () => {
  const v = vectors('membership');
  const rejected = [];
  v.batch.members.forEach((member, position) => {
    const { key, ciphertexts, allowed, context, proof } = membershipCase(v[member.from][member.index]);
    if (!verifyMembership(proof, key, ciphertexts, allowed, { tag: v.tag, context })) rejected.push(position);
  });
  assert.deepEqual(rejected, v.batch.rejected);
});

test('membership: the prover refuses a value that is not allowed', () => {
  const key = multiply(G, 7n);
  const allowed = [[0n], [1n]];
  const ct = encryptWithNonce(key, 2n, 5n);
  assert.throws(
    () => proveMembership(key, [ct], [2n], [5n], allowed, { tag: 'votecrypt/1/test/set-membership', context: [] }),
    /not one of the allowed values/,
  );
});

test('membership: random proofs of every branch verify, and not under another context', () => {
  const key = multiply(G, 12345n);
  const packing = new Packing(4, 100000, 1);
  const allowed = packing.allowed();
  const tag = 'votecrypt/1/test/set-membership';
  for (let outcome = 0; outcome < 4; outcome++) {
    const vector = packing.encode(outcome);
    const nonces = vector.map((_, l) => 1000n + BigInt(outcome * 10 + l));
    const cts = vector.map((m, l) => encryptWithNonce(key, m, nonces[l]));
    const proof = proveMembership(key, cts, vector, nonces, allowed, { tag, context: ['row', outcome] });
    assert.ok(verifyMembership(proof, key, cts, allowed, { tag, context: ['row', outcome] }));
    assert.ok(!verifyMembership(proof, key, cts, allowed, { tag, context: ['row', outcome + 1] }));
  }
});

test('packing: every layout of the vectors', () => {
  const v = vectors('packing');
  assert.equal(BigInt(v.max_lane_plaintext), MAX_LANE_PLAINTEXT);
  assert.equal(BigInt(v.decode_budget), DECODE_BUDGET);
  assert.ok(v.layouts.length >= 8);
  for (const layout of v.layouts) {
    const packing = new Packing(layout.outcomes, layout.max_ballots, layout.rows);
    assert.equal(packing.base, BigInt(layout.base));
    assert.equal(packing.digitsPerLane, layout.digits_per_lane);
    assert.equal(packing.lanes, layout.lanes);
    assert.deepEqual(packing.allowed(), layout.allowed.map((vector) => vector.map(BigInt)));
    layout.lane_bounds.forEach((bound, lane) => {
      assert.equal(packing.laneBound(lane, layout.max_ballots), BigInt(bound));
    });
  }
  for (const c of [...v.decodings, ...v.out_of_range]) {
    const packing = new Packing(c.outcomes, c.max_ballots, c.rows);
    assert.equal(packing.digitsPerLane, c.digits_per_lane);
    assert.equal(packing.lanes, c.lanes);
  }
  assert.throws(() => new Packing(1, 10, 1));
  assert.throws(() => new Packing(4, 0, 1));
  assert.throws(() => new Packing(4, 10, 0));
  assert.throws(() => new Packing(4, 10, 1).encode(4));
});

test('hex decoding is strict', () => {
  assert.throws(() => fromHex('ABCD'));
  assert.throws(() => fromHex('abc'));
  assert.throws(() => fromHex('abcd', 3));
  assert.deepEqual([...fromHex('00ff')], [0, 255]);
});

test('credential codes: check characters over GF(32), typing tolerance, keys (spec 9.2)', async () => {
  const { credentialFromCode, formatCode, normaliseCode } = await import(
    '../../votecrypt/web/static/lib/credentials.js'
  );
  const v = vectors('credentials');
  const election = fromHex(v.election);
  for (const c of v.valid) {
    assert.equal(normaliseCode(c.code), c.data);
    assert.equal(formatCode(c.data + c.code.slice(-2)), c.code);
    assert.equal(credentialFromCode(election, c.code).publicKeyHex, c.public_key);
  }
  for (const c of v.typed) assert.equal(credentialFromCode(election, c.typed).publicKeyHex, c.public_key);
  for (const c of v.mistyped) assert.throws(() => normaliseCode(c.typed), { reason: 'check' });
  // Every wrong character and every swap of neighbours of a valid code is refused.
  const code = v.valid[0].code.replaceAll('-', '');
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  for (let i = 0; i < 22; i++) {
    for (const other of alphabet) {
      if (other === code[i]) continue;
      assert.throws(() => normaliseCode(code.slice(0, i) + other + code.slice(i + 1)), { reason: 'check' });
    }
    if (i < 21 && code[i] !== code[i + 1]) {
      const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
      assert.throws(() => normaliseCode(swapped), { reason: 'check' });
    }
  }
});

test('booth digest (spec 7.5): the files in order of their paths, each [path, content]', () => {
  const v = vectors('booth');
  const sorted = [...v.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  assert.deepEqual(sorted.map((f) => f.path), v.ordered_paths);
  const value = sorted.map((f) => [f.path, fromHex(f.content)]);
  assert.equal(toHex(encode(value)), v.encoding);
  assert.equal(toHex(hash(v.tag, value)), v.digest);
});

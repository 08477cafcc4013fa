// The disjunctive (CDS) set-membership proof with lanes (spec 5.3), as
// votecrypt/primitives/membership.py.
//
// Side channels (spec 18.1): every branch does the same group operations whatever its value:
// beta - v*G is computed for every branch and lane first, and each branch then makes two
// constant-time multiplications by the generator or the key and two by alpha and the shifted
// beta (the true branch makes them too, with a random multiplier, and discards the result).
// The branches are computed in a random order, so the sequence of operations does not tell
// which branch is the true one.

import { challenge } from './encoding.js';
import { G, IDENTITY, mod, multiply, N, plaintextPoint, randomBelow, randomScalar } from './group.js';

function checkAllowed(allowed, lanes) {
  if (allowed.length === 0) throw new Error('the allowed-value list is empty');
  const seen = new Set();
  for (const vector of allowed) {
    if (vector.length !== lanes) throw new Error('every allowed value needs one integer per lane');
    for (const v of vector) {
      if (typeof v !== 'bigint' || v < 0n || v >= N) throw new Error('allowed values are integers in [0, n)');
    }
    const key = vector.join(',');
    if (seen.has(key)) throw new Error('the allowed values must be distinct');
    seen.add(key);
  }
}

function randomOrder(count) {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const k = randomBelow(i + 1);
    [order[i], order[k]] = [order[k], order[i]];
  }
  return order;
}

function fiatShamir(tag, context, publicKey, ciphertexts, allowed, commitments) {
  return challenge(
    tag,
    context,
    publicKey,
    ciphertexts.map((ct) => [ct.alpha, ct.beta]),
    allowed,
    commitments.map((branch) => branch.map(([a, b]) => [a, b])),
  ).value;
}

/**
 * Prove that `ciphertexts` (one {alpha, beta} per lane) encrypt one of `allowed` (arrays of
 * bigints); they encrypt `plaintext` with `nonces` (bigints). Refuses a plaintext that is not
 * allowed. Returns {challenges: [bigint], responses: [[bigint]], commitments: [[[a, b]]]}
 * (the commitment form of spec 5.4: the points a_{j,l}, b_{j,l} the challenge was hashed from).
 *
 * `randomness` is for the known-answer vectors only: {commitmentNonces, fakeChallenges,
 * fakeResponses}, as in the Python `_prove_membership`.
 */
export function proveMembership(publicKey, ciphertexts, plaintext, nonces, allowed, { tag, context, randomness } = {}) {
  const lanes = ciphertexts.length;
  checkAllowed(allowed, lanes);
  if (nonces.length !== lanes) throw new Error('one nonce per ciphertext is needed');
  const trueBranch = allowed.findIndex((vector) => vector.every((v, l) => v === BigInt(plaintext[l])));
  if (trueBranch < 0) throw new Error('the plaintext is not one of the allowed values');
  const branches = allowed.length;
  const random = randomness ?? {
    commitmentNonces: Array.from({ length: lanes }, randomScalar),
    fakeChallenges: Array.from({ length: branches }, randomScalar),
    fakeResponses: Array.from({ length: branches }, () => Array.from({ length: lanes }, randomScalar)),
  };
  // beta_l - v_{j,l}*G for every branch and lane, the true branch included.
  const shifted = allowed.map((vector) =>
    vector.map((v, l) => ciphertexts[l].beta.add(plaintextPoint(v).negate())),
  );
  const commitments = new Array(branches);
  for (const j of randomOrder(branches)) {
    const isTrue = j === trueBranch;
    // The true branch multiplies alpha and the shifted beta by a throw-away random scalar so
    // that every branch makes the same four constant-time multiplications (spec 18.1).
    const minusC = isTrue ? randomScalar() : mod(-random.fakeChallenges[j]);
    commitments[j] = ciphertexts.map((ct, l) => {
      const z = isTrue ? random.commitmentNonces[l] : random.fakeResponses[j][l];
      const zG = multiply(G, z);
      const zK = multiply(publicKey, z);
      const cAlpha = multiply(ct.alpha, minusC);
      const cShifted = multiply(shifted[j][l], minusC);
      return isTrue ? [zG, zK] : [zG.add(cAlpha), zK.add(cShifted)];
    });
  }
  const c = fiatShamir(tag, context, publicKey, ciphertexts, allowed, commitments);
  let cTrue = c;
  for (let j = 0; j < branches; j++) if (j !== trueBranch) cTrue = mod(cTrue - random.fakeChallenges[j]);
  const challenges = [];
  const responses = [];
  for (let j = 0; j < branches; j++) {
    if (j === trueBranch) {
      challenges.push(cTrue);
      responses.push(random.commitmentNonces.map((w, l) => mod(w + cTrue * nonces[l])));
    } else {
      challenges.push(random.fakeChallenges[j]);
      responses.push([...random.fakeResponses[j]]);
    }
  }
  return { challenges, responses, commitments };
}

function multiplyPublic(point, k) {
  return k === 0n || point.is0() ? IDENTITY : point.multiplyUnsafe(k);
}

/**
 * True iff the proof verifies (spec 5.3, verifier, on the commitment form of 5.4): the shape,
 * the challenge sum re-derived from the carried commitments, then every carried commitment
 * equal to its value from the equations. Public data only.
 */
export function verifyMembership(proof, publicKey, ciphertexts, allowed, { tag, context }) {
  const lanes = ciphertexts.length;
  checkAllowed(allowed, lanes);
  const branches = allowed.length;
  if (proof.challenges.length !== branches || proof.responses.length !== branches) return false;
  if (proof.commitments.length !== branches) return false;
  if (proof.responses.some((branch) => branch.length !== lanes)) return false;
  if (proof.commitments.some((branch) => branch.length !== lanes)) return false;
  let total = 0n;
  for (const c of proof.challenges) total = mod(total + c);
  if (total !== fiatShamir(tag, context, publicKey, ciphertexts, allowed, proof.commitments)) return false;
  return allowed.every((vector, j) => {
    const minusC = mod(-proof.challenges[j]);
    return ciphertexts.every((ct, l) => {
      const z = proof.responses[j][l];
      const shiftedBeta = ct.beta.add(plaintextPoint(vector[l]).negate());
      const a = multiplyPublic(G, z).add(multiplyPublic(ct.alpha, minusC));
      const b = multiplyPublic(publicKey, z).add(multiplyPublic(shiftedBeta, minusC));
      const [carriedA, carriedB] = proof.commitments[j][l];
      return a.equals(carriedA) && b.equals(carriedB);
    });
  });
}

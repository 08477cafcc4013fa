// The disjunctive (CDS) set-membership proof with lanes (spec 5.3), as
// votecrypt/primitives/membership.py.
//
// The prover knows each lane's nonce r and value m, so alpha = r*G and beta - v*G =
// r*K + (m - v)*G, and a branch's commitments z*G - c*alpha and z*K - c*(beta - v*G) are
//   a = (z - c*r)*G,   b = (z - c*r)*K + (-c*(m - v))*G,
// three constant-time multiplications by the two fixed bases, G and the joint key, whose
// window tables are built once (spec 18.1): the same points as the textbook formulas, so the
// same proof, with no multiplication of a variable point.
//
// Side channels (spec 18.1): every branch and lane makes the same three multiplications and
// two additions whatever its value (the true branch with random multipliers where the others
// have their challenge, keeping only w*G and w*K); no multiplier is 0 but with negligible
// probability (t*G is (t + s)*G - s*G, see below); the branches are computed in a random
// order, so the sequence of operations does not tell which branch is the true one.

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
  const values = plaintext.map((m) => BigInt(m));
  // t is 0 in a lane where a false branch has the true value: t*G is computed as
  // (t + s)*G - s*G with one random s per proof, so that no multiplication is skipped.
  const s = randomScalar();
  const minusSG = multiply(G, s).negate();
  const commitments = new Array(branches);
  for (const j of randomOrder(branches)) {
    const isTrue = j === trueBranch;
    // The true branch takes random multipliers where the others take their challenge, so
    // that every branch makes the same multiplications (spec 18.1).
    const minusC = isTrue ? randomScalar() : mod(-random.fakeChallenges[j]);
    commitments[j] = ciphertexts.map((_, l) => {
      const u = isTrue ? random.commitmentNonces[l] : mod(random.fakeResponses[j][l] + minusC * nonces[l]);
      const t = isTrue ? randomScalar() : mod(minusC * (values[l] - allowed[j][l]));
      const uG = multiply(G, u);
      const uK = multiply(publicKey, u);
      const tG = multiply(G, mod(t + s)).add(minusSG);
      const shifted = uK.add(tG);
      return isTrue ? [uG, uK] : [uG, shifted];
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

// The booth's side of a ballot (spec 10.2-10.6), as votecrypt/protocol/booth.py: encrypt one
// outcome per row, prove every row, sign, show the tracking code, then cast or challenge.

import { RFC4648, base32, fromHex, grouped, randomBytes, toHex } from './bytes.js';
import { hash, Scalar, TAGS } from './encoding.js';
import {
  encryptWithNonce,
  plaintextPoint,
  pointFromHex,
  pointHex,
  randomScalar,
  scalarHex,
  scalarValueFromHex,
} from './group.js';
import { proveMembership } from './membership.js';

export const BALLOT_ID_BYTES = 16;

/** Why the booth refuses to prepare a ballot: the choices do not fit the election. */
export class ChoiceError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ChoiceError';
  }
}

/** The tracking code (spec 10.5): 12 RFC 4648 base-32 characters of the tracking hash. */
export function trackingCodeOf(trackingHash) {
  return grouped(base32(trackingHash, RFC4648, 12), 4);
}

/**
 * H(BALLOT_TRACKING, election, ballot id, [[[alpha, beta] per lane] per row]) (spec 10.5):
 * the same for a ballot whether it is cast or challenged. `rows` are arrays of {alpha, beta}.
 */
export function trackingHash(contextHash, ballotId, rows) {
  return hash(
    TAGS.BALLOT_TRACKING,
    contextHash,
    ballotId,
    rows.map((ciphertexts) => ciphertexts.map((ct) => [ct.alpha, ct.beta])),
  );
}

/**
 * The tracking code of a cast ballot as published (spec 10.5), computed from its ciphertexts;
 * throws when the ballot is not one of this election's. Its proofs and signature are not
 * checked here (the verifier checks them, 16.2).
 */
export function castTrackingCode(election, ballot) {
  if (ballot?.type !== 'votecrypt/ballot' || ballot.version !== 1) throw new Error('not a ballot');
  if (ballot.election !== election.contextHashHex) throw new Error('the ballot is for another election');
  const ballotId = fromHex(ballot.ballot_id, BALLOT_ID_BYTES);
  if (!Array.isArray(ballot.rows) || ballot.rows.length !== election.candidates.length) {
    throw new Error('the ballot must have one row per candidate');
  }
  const rows = ballot.rows.map((row) => {
    if (!Array.isArray(row?.ciphertexts) || row.ciphertexts.length !== election.packing.lanes) {
      throw new Error('wrong number of lanes');
    }
    return row.ciphertexts.map((given) => ({
      alpha: pointFromHex(given.alpha, { allowIdentity: true }),
      beta: pointFromHex(given.beta, { allowIdentity: true }),
    }));
  });
  return trackingCodeOf(trackingHash(election.contextHash, ballotId, rows));
}

/** The row proof's context (spec 10.3). */
function rowProofContext(contextHash, credentialKey, ballotId, row) {
  return [contextHash, credentialKey, ballotId, row];
}

/** The ballot hash over everything but the signature (spec 10.5). */
export function ballotHash(contextHash, ballotId, credentialKey, rows) {
  return hash(TAGS.BALLOT, {
    election: contextHash,
    ballot_id: ballotId,
    credential: credentialKey,
    rows: rows.map((row) => ({
      ciphertexts: row.ciphertexts.map((ct) => [ct.alpha, ct.beta]),
      challenges: row.proof.challenges.map((c) => new Scalar(c)),
      responses: row.proof.responses.map((branch) => branch.map((z) => new Scalar(z))),
      commitments: row.proof.commitments.map((branch) => branch.map(([a, b]) => [a, b])),
    })),
  });
}

function checkChoices(election, outcomes) {
  if (!Array.isArray(outcomes) || outcomes.length !== election.candidates.length) {
    throw new ChoiceError(`one choice per candidate is needed (${election.candidates.length})`);
  }
  for (const outcome of outcomes) {
    if (!Number.isSafeInteger(outcome) || outcome < 0 || outcome >= election.outcomes.length) {
      throw new ChoiceError("a choice is not one of the election's options");
    }
  }
}

/**
 * Encrypt, prove and sign a ballot: `outcomes[i]` is the index in `election.outcomes` of the
 * choice for candidate i (0 is blank when blank is allowed). `credential` is from
 * credentialFromCode. Returns a PreparedBallot.
 */
export function prepareBallot(election, credential, outcomes) {
  checkChoices(election, outcomes);
  const { packing, jointKey, contextHash } = election;
  const ballotId = randomBytes(BALLOT_ID_BYTES);
  const allowed = packing.allowed();
  // v*G for every allowed value before any row (spec 18.1): encrypting a row is then a table
  // look-up, the same two multiplications and one addition whatever the choice (blank too).
  for (const vector of allowed) for (const value of vector) plaintextPoint(value);
  const rows = [];
  const nonces = [];
  outcomes.forEach((outcome, index) => {
    const vector = packing.encode(outcome);
    const rowNonces = vector.map(() => randomScalar());
    const ciphertexts = vector.map((v, lane) => encryptWithNonce(jointKey, v, rowNonces[lane]));
    const proof = proveMembership(jointKey, ciphertexts, vector, rowNonces, allowed, {
      tag: TAGS.BALLOT_ROW_PROOF,
      context: rowProofContext(contextHash, credential.publicKey, ballotId, index),
    });
    rows.push({ ciphertexts, proof });
    nonces.push(rowNonces);
  });
  const digest = hash(TAGS.BALLOT_SIGNATURE, ballotHash(contextHash, ballotId, credential.publicKey, rows));
  const signature = credential.sign(digest);
  return new PreparedBallot(election, ballotId, credential.publicKey, rows, signature, [...outcomes], nonces);
}

/** An encrypted, signed ballot and the secrets that open it (choices and nonces). */
export class PreparedBallot {
  #outcomes;
  #nonces;
  #challenged = false;
  #cast = false;

  constructor(election, ballotId, credentialKey, rows, signature, outcomes, nonces) {
    this.election = election;
    this.ballotId = ballotId;
    this.credentialKey = credentialKey;
    this.rows = rows;
    this.signature = signature;
    this.#outcomes = outcomes;
    this.#nonces = nonces;
    this.trackingCode = trackingCodeOf(
      trackingHash(election.contextHash, ballotId, rows.map((row) => row.ciphertexts)),
    );
  }

  /** The ballot's JSON (spec 10.1), for POST /api/v1/ballots. Refused once challenged. */
  toJSON() {
    if (this.#challenged) throw new Error('a challenged ballot can never be cast');
    return {
      type: 'votecrypt/ballot',
      version: 1,
      election: this.election.contextHashHex,
      ballot_id: toHex(this.ballotId),
      credential: toHex(this.credentialKey),
      signature: toHex(this.signature),
      rows: this.rows.map((row) => ({
        ciphertexts: row.ciphertexts.map((ct) => ({ alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) })),
        proof: {
          challenges: row.proof.challenges.map(scalarHex),
          responses: row.proof.responses.map((branch) => branch.map(scalarHex)),
          commitments: row.proof.commitments.map((branch) => branch.map(([a, b]) => ({ a: pointHex(a), b: pointHex(b) }))),
        },
      })),
    };
  }

  /** Mark the ballot as cast (it can no longer be challenged) and return its JSON. */
  cast() {
    if (this.#challenged) throw new Error('a challenged ballot can never be cast');
    const body = this.toJSON();
    this.#cast = true;
    return body;
  }

  /**
   * Open the ballot (spec 10.6): the challenge JSON for POST /api/v1/challenges, with every
   * row's ciphertexts, outcome and nonces, and neither the credential, the signature nor the
   * proofs. The ballot can never be cast afterwards.
   */
  challenge() {
    if (this.#cast) throw new Error('a cast ballot cannot be challenged');
    this.#challenged = true;
    return {
      type: 'votecrypt/challenged-ballot',
      version: 1,
      election: this.election.contextHashHex,
      ballot_id: toHex(this.ballotId),
      rows: this.rows.map((row, i) => ({
        ciphertexts: row.ciphertexts.map((ct) => ({ alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) })),
        outcome: this.#outcomes[i],
        nonces: this.#nonces[i].map(scalarHex),
      })),
    };
  }

  get challenged() {
    return this.#challenged;
  }

  /** Forget the choices and nonces (after casting or challenging). */
  forget() {
    this.#outcomes = null;
    this.#nonces = null;
  }

  toString() {
    return `PreparedBallot(${this.trackingCode})`;
  }
}

/**
 * Check a published challenged ballot (spec 10.6) as anyone can: every row re-encrypts its
 * outcome with its nonces. Returns {trackingCode, choices: [outcome key per row]}; throws when
 * it does not check.
 */
export function openChallenge(election, challenged) {
  if (challenged?.type !== 'votecrypt/challenged-ballot' || challenged.version !== 1) {
    throw new Error('not a challenged ballot');
  }
  if (challenged.election !== election.contextHashHex) throw new Error('the challenge is for another election');
  const ballotId = fromHex(challenged.ballot_id, BALLOT_ID_BYTES);
  if (!Array.isArray(challenged.rows) || challenged.rows.length !== election.candidates.length) {
    throw new Error('the challenge must open every row');
  }
  const { packing, jointKey } = election;
  const rows = challenged.rows.map((row, index) => {
    const outcome = row.outcome;
    if (!Number.isSafeInteger(outcome) || outcome < 0 || outcome >= packing.outcomes) {
      throw new Error(`row ${index + 1}: no such outcome`);
    }
    const vector = packing.encode(outcome);
    if (row.ciphertexts.length !== vector.length || row.nonces.length !== vector.length) {
      throw new Error(`row ${index + 1}: wrong number of lanes`);
    }
    return row.ciphertexts.map((given, lane) => {
      const ct = {
        alpha: pointFromHex(given.alpha, { allowIdentity: true }),
        beta: pointFromHex(given.beta, { allowIdentity: true }),
      };
      const expected = encryptWithNonce(jointKey, vector[lane], scalarValueFromHex(row.nonces[lane]));
      if (!expected.alpha.equals(ct.alpha) || !expected.beta.equals(ct.beta)) {
        throw new Error(`row ${index + 1} does not encrypt the revealed choice`);
      }
      return ct;
    });
  });
  return {
    trackingCode: trackingCodeOf(trackingHash(election.contextHash, ballotId, rows)),
    choices: challenged.rows.map((row) => election.outcomes[row.outcome]),
  };
}
